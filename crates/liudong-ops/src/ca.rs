//! `liudong ca init | issue | revoke`: the operators' certificate authority
//! (see docs/security.md). These functions do the work and return what was
//! done; the binary prints it.

use crate::error::{Context, OpsError, io};
use crate::pki;
use liudong_core::Code;
use liudong_i18n::t;
use std::path::Path;

/// `liudong ca init`: creates the CA of jurisdiction `code` in `dir`, with
/// its empty certificate revocation list.
pub fn init(code: &str, dir: &Path) -> Result<pki::Ca, OpsError> {
    let code = Code::parse(code).context("--code")?;
    pki::ca_init(&code, dir)
}

/// `liudong ca issue`: issues a node key and certificate into `out`;
/// returns the CA and what it issued.
pub fn issue(
    dir: &Path,
    code: &str,
    out: &Path,
    days: i64,
) -> Result<(pki::Ca, pki::Issued), OpsError> {
    let code = Code::parse(code).context("--code")?;
    if !(1..=3650).contains(&days) {
        return Err(OpsError::Usage(t!("ops-days", days = days.to_string())));
    }
    let ca =
        pki::ca_load(dir).with_context(|| t!("ops-context-ca", dir = dir.display().to_string()))?;
    let issued = ca.issue(&code, days)?;
    issued.write(out, &ca.cert_pem)?;
    Ok((ca, issued))
}

/// `liudong ca revoke`: puts the certificate in the file `cert` on the
/// certificate revocation list of the CA in `dir` (see [`pki::Ca::revoke`]).
pub fn revoke(dir: &Path, cert: &Path, reason: &str) -> Result<pki::Revoked, OpsError> {
    let ca =
        pki::ca_load(dir).with_context(|| t!("ops-context-ca", dir = dir.display().to_string()))?;
    let pem = std::fs::read_to_string(cert).map_err(io("read certificate", cert))?;
    ca.revoke(&pem, reason)
        .with_context(|| format!("--cert {}", cert.display()))
}
