//! `liudong ca init | issue | revoke`: the operators' certificate authority
//! (see docs/security.md). These functions do the work and return what was
//! done; the binary prints it.

use crate::pki;
use anyhow::{Context, Result, bail};
use liudong_core::Code;
use std::path::{Path, PathBuf};

/// `liudong ca init`: creates the CA of jurisdiction `code` in `dir`.
pub fn init(code: &str, dir: &Path) -> Result<pki::Ca> {
    let code = Code::parse(code).context("--code")?;
    Ok(pki::ca_init(&code, dir)?)
}

/// `liudong ca issue`: issues a node key and certificate into `out`;
/// returns the CA and what it issued.
pub fn issue(dir: &Path, code: &str, out: &Path, days: i64) -> Result<(pki::Ca, pki::Issued)> {
    let code = Code::parse(code).context("--code")?;
    if !(1..=3650).contains(&days) {
        bail!("--days {days}: expected 1 to 3650");
    }
    let ca = pki::ca_load(dir).with_context(|| format!("CA in {}", dir.display()))?;
    let issued = ca.issue(&code, days)?;
    issued.write(out, &ca.cert_pem)?;
    Ok((ca, issued))
}

/// What `liudong ca revoke` did.
pub struct Revoked {
    pub fingerprint: String,
    pub code: Code,
    /// False if the certificate was already on the list.
    pub added: bool,
    pub list: PathBuf,
}

/// `liudong ca revoke`: adds a certificate to the CA's revocation list.
pub fn revoke(dir: &Path, cert: &Path, list: Option<&Path>, reason: &str) -> Result<Revoked> {
    let pem = std::fs::read_to_string(cert)
        .with_context(|| format!("cannot read certificate {}", cert.display()))?;
    let list = list
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(pki::REVOKED));
    let (fingerprint, code, added) = pki::revoke(&list, &pem, reason)?;
    Ok(Revoked {
        fingerprint,
        code,
        added,
        list,
    })
}
