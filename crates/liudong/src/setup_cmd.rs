//! Printing for `liudong ca init | issue | revoke` and `liudong seed`; the
//! work is `liudong_ops`'.

use anyhow::Result;
use liudong_node::config::Config;
use liudong_ops::pki;
use std::collections::HashSet;
use std::path::Path;

/// `liudong ca init`.
pub fn ca_init(code: &str, dir: &Path) -> Result<()> {
    let ca = liudong_ops::ca::init(code, dir)?;
    println!(
        "CA for {} created in {}: {} (give to every node that must trust it), {} (mode 0600, keep offline), {} (its certificate revocation list, empty; nodes name it in [tls] crls)",
        ca.code,
        dir.display(),
        pki::CA_CERT,
        pki::CA_KEY,
        pki::CRL
    );
    Ok(())
}

/// `liudong ca issue`.
pub fn ca_issue(dir: &Path, code: &str, out: &Path, days: i64) -> Result<()> {
    let (ca, issued) = liudong_ops::ca::issue(dir, code, out, days)?;
    println!(
        "issued certificate for node {code} by CA {}: {}/{{{},{},{}}}\nfingerprint {}",
        ca.code,
        out.display(),
        pki::NODE_CERT,
        pki::NODE_KEY,
        pki::CA_CERT,
        issued.fingerprint
    );
    Ok(())
}

/// `liudong ca revoke`.
pub fn ca_revoke(dir: &Path, cert: &Path, reason: &str) -> Result<()> {
    let r = liudong_ops::ca::revoke(dir, cert, reason)?;
    if r.added {
        println!(
            "revoked certificate {} of node {} (serial {}, reason {}): the certificate revocation list {} is re-signed (CRL number {}, {} revoked)\nnodes whose [tls] crls names this file reload it within a second; copy it to the nodes that keep a copy (townships and villages: tls/{}; docs/operations.md, section 8)",
            r.fingerprint,
            r.code,
            r.serial,
            pki::reason_name(r.reason),
            r.crl.display(),
            r.number,
            r.count,
            pki::CRL
        );
    } else {
        println!(
            "{} (node {}) was already revoked in {} (CRL number {}); nothing changed",
            r.fingerprint,
            r.code,
            r.crl.display(),
            r.number
        );
    }
    Ok(())
}

/// The CLI entry point.
pub fn seed(config: &Path, seed: u64, households: u64) -> Result<()> {
    let cfg = Config::load(config)?;
    let store = liudong_node::runner::open_store(&cfg)?;
    let now = liudong_sync::system_clock()();
    let n = liudong_ops::seed::seed_store(&store, seed, households, now)?;
    store.catch_up()?;
    let people: HashSet<String> = store
        .views()
        .filter_map(|v| v.ok())
        .map(|v| v.subject.as_str().to_string())
        .collect();
    println!(
        "seeded {n} records about {} people ({households} households, seed {seed}) at node {}; they sync upstream when the node runs",
        people.len(),
        cfg.scope.code
    );
    Ok(())
}
