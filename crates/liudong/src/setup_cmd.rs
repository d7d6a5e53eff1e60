//! Printing for `liudong ca init | issue | revoke` and `liudong seed`; the
//! work is `liudong_ops`'.

use anyhow::Result;
use liudong_i18n::t;
use liudong_node::config::Config;
use liudong_ops::pki;
use std::collections::HashSet;
use std::path::Path;

/// `liudong ca init`.
pub fn ca_init(code: &str, dir: &Path) -> Result<()> {
    let ca = liudong_ops::ca::init(code, dir)?;
    let text = t!(
        "ca-created",
        code = ca.code.to_string(),
        dir = dir.display().to_string(),
        cert = pki::CA_CERT,
        key = pki::CA_KEY,
        crl = pki::CRL
    );
    println!("{text}");
    Ok(())
}

/// `liudong ca issue`.
pub fn ca_issue(dir: &Path, code: &str, out: &Path, days: i64) -> Result<()> {
    let (ca, issued) = liudong_ops::ca::issue(dir, code, out, days)?;
    let files = format!(
        "{}/{{{},{},{}}}",
        out.display(),
        pki::NODE_CERT,
        pki::NODE_KEY,
        pki::CA_CERT
    );
    let text = t!(
        "ca-issued",
        code = code,
        ca = ca.code.to_string(),
        files = files,
        fingerprint = issued.fingerprint.as_str()
    );
    println!("{text}");
    Ok(())
}

/// `liudong ca revoke`.
pub fn ca_revoke(dir: &Path, cert: &Path, reason: &str) -> Result<()> {
    let r = liudong_ops::ca::revoke(dir, cert, reason)?;
    if r.added {
        let text = t!(
            "ca-revoked",
            fingerprint = r.fingerprint.as_str(),
            code = r.code.to_string(),
            serial = r.serial.to_string(),
            reason = pki::reason_name(r.reason),
            crl = r.crl.display().to_string(),
            number = r.number,
            count = r.count,
            file = pki::CRL
        );
        println!("{text}");
    } else {
        let text = t!(
            "ca-already-revoked",
            fingerprint = r.fingerprint.as_str(),
            code = r.code.to_string(),
            crl = r.crl.display().to_string(),
            number = r.number
        );
        println!("{text}");
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
    let text = t!(
        "seed-done",
        records = n,
        people = people.len(),
        households = households,
        seed = seed.to_string(),
        node = cfg.scope.code.to_string()
    );
    println!("{text}");
    Ok(())
}
