//! Node identity and the audit trail, operator side: the `[tls]` config
//! section and its checks, `liudong ca init | issue | revoke`, and
//! `liudong audit`. See docs/security.md.

use crate::config::{Config, NodeConfig};
use anyhow::{Context, Result, bail};
use liudong_core::{Code, NodeScope};
use liudong_net::pki;
use liudong_net::tls::{TlsContext, TlsFiles};
use liudong_proto::pb;
use liudong_store::audit::{AuditEntry, AuditEvent, AuditFilter};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `[tls]`: this node's certificate and the CAs it trusts (mutual TLS on
/// every link). Paths are relative to the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// CA certificates (PEM) trusted for peers: the CA that issued this node's
    /// certificate and its children's, and the CA of the upstream's operator
    /// if that is another one (an exchange lists the CA of every county).
    pub ca_certs: Vec<PathBuf>,
    /// This node's certificate (PEM), from `liudong ca issue`.
    pub cert: PathBuf,
    /// This node's private key (PEM, mode 0600), from `liudong ca issue`.
    pub key: PathBuf,
    /// Revocation list (`revoked.txt` of the CA, one SHA-256 fingerprint a
    /// line); re-read every 250 ms, so a revocation takes effect without restart.
    #[serde(default)]
    pub revoked: Option<PathBuf>,
}

fn loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(h) => h.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the transport settings: either `[tls]` (https upstream) or
/// `insecure = true` on loopback only (http upstream). Loads the TLS files.
pub fn transport(
    cfg: &Config,
    scope: &NodeScope,
    upstream: Option<(&Code, &str)>,
    listen: Option<SocketAddr>,
    base: &Path,
) -> Result<Option<Arc<TlsContext>>> {
    let rel = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            base.join(p)
        }
    };
    match (&cfg.tls, cfg.node.insecure) {
        (Some(_), true) => bail!(
            "[node] insecure = true and a [tls] section are both set; remove insecure to use mutual TLS, or remove [tls] for a loopback-only test node"
        ),
        (None, false) => bail!(
            "[tls] is missing: every link uses mutual TLS; issue this node a certificate with `liudong ca issue --code {} --out DIR` and name it in [tls] (see docs/security.md), or set [node] insecure = true for a loopback-only test node",
            scope.code
        ),
        (None, true) => {
            if let Some(a) = listen
                && !a.ip().is_loopback()
            {
                bail!(
                    "[node] listen = {a}: plaintext (insecure = true) is refused on non-loopback addresses; configure [tls] or listen on 127.0.0.1"
                );
            }
            if let Some((_, url)) = upstream {
                if url.starts_with("https://") {
                    bail!(
                        "[upstream] url {url:?}: https needs a [tls] section (and insecure removed)"
                    );
                }
                if !loopback_url(url) {
                    bail!(
                        "[upstream] url {url:?}: plaintext (insecure = true) is refused to non-loopback addresses; configure [tls] and use https://"
                    );
                }
            }
            Ok(None)
        }
        (Some(t), false) => {
            if let Some((_, url)) = upstream
                && !url.starts_with("https://")
            {
                bail!(
                    "[upstream] url {url:?}: with [tls] the upstream is dialled as https://host:port"
                );
            }
            let files = TlsFiles {
                ca_certs: t.ca_certs.iter().map(rel).collect(),
                cert: rel(&t.cert),
                key: rel(&t.key),
                revoked: t.revoked.as_ref().map(rel),
            };
            let ctx =
                TlsContext::load(&files, &scope.code, upstream.map(|(c, _)| c)).context("[tls]")?;
            Ok(Some(ctx))
        }
    }
}

/// `liudong ca init`: creates the CA of jurisdiction `code` in `dir`.
pub fn cli_ca_init(code: &str, dir: &Path) -> Result<()> {
    let code = Code::parse(code).context("--code")?;
    let ca = pki::ca_init(&code, dir)?;
    println!(
        "CA for {} created in {}: {} (give to every node that must trust it), {} (mode 0600, keep offline)",
        ca.code,
        dir.display(),
        pki::CA_CERT,
        pki::CA_KEY
    );
    Ok(())
}

/// `liudong ca issue`: issues a node key and certificate into `out`.
pub fn cli_ca_issue(dir: &Path, code: &str, out: &Path, days: i64) -> Result<()> {
    let code = Code::parse(code).context("--code")?;
    if !(1..=3650).contains(&days) {
        bail!("--days {days}: expected 1 to 3650");
    }
    let ca = pki::ca_load(dir).with_context(|| format!("CA in {}", dir.display()))?;
    let issued = ca.issue(&code, days)?;
    issued.write(out, &ca.cert_pem)?;
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

/// `liudong ca revoke`: adds a certificate to the CA's revocation list.
pub fn cli_ca_revoke(dir: &Path, cert: &Path, list: Option<&Path>, reason: &str) -> Result<()> {
    let pem = std::fs::read_to_string(cert)
        .with_context(|| format!("cannot read certificate {}", cert.display()))?;
    let list = list
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(pki::REVOKED));
    let (fp, code, added) = pki::revoke(&list, &pem, reason)?;
    if added {
        println!(
            "revoked {fp} (node {code}) in {}; nodes whose [tls] revoked names this file refuse it within a second (copy it to the others)",
            list.display()
        );
    } else {
        println!(
            "{fp} (node {code}) was already revoked in {}",
            list.display()
        );
    }
    Ok(())
}

/// Parses `--since`: unix milliseconds, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`
/// (China Standard Time).
pub fn parse_since(s: &str) -> Result<u64> {
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() > 10 {
        return Ok(s.parse()?);
    }
    let (date, time) = s.split_once(['T', ' ']).unwrap_or((s, "00:00:00"));
    let d = liudong_core::Date::parse(date)
        .with_context(|| format!("--since {s:?}: expected YYYY-MM-DD[THH:MM[:SS]] or unix ms"))?;
    let mut hms = [0i64; 3];
    for (i, part) in time.split(':').enumerate() {
        if i > 2 {
            bail!("--since {s:?}: time must be HH:MM[:SS]");
        }
        hms[i] = part
            .parse()
            .with_context(|| format!("--since {s:?}: time must be HH:MM[:SS]"))?;
    }
    let secs = d.to_days() * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2] - 8 * 3600;
    Ok(secs.max(0) as u64 * 1000)
}

/// `liudong audit`: reads the trail through the running node, or from the
/// store when it is stopped.
pub async fn cli_audit(config: &Path, filter: AuditFilter, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let entries = read_audit(&cfg, filter).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(());
    }
    for e in &entries {
        println!("{}", describe(e));
    }
    if entries.is_empty() {
        println!("no audit entries match");
    }
    Ok(())
}

async fn read_audit(cfg: &NodeConfig, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
    match crate::cli::admin(cfg).await {
        Some(mut client) => {
            let r = client
                .audit(pb::AuditRequest {
                    since_ms: filter.since_ms.unwrap_or(0),
                    peer: filter.peer.unwrap_or_default(),
                    subject: filter.subject.unwrap_or_default(),
                    limit: filter.limit.unwrap_or(0) as u32,
                })
                .await
                .map_err(crate::cli::status_error)?
                .into_inner();
            serde_json::from_str(&r.json).context("audit entries from the running node")
        }
        None => {
            let store = crate::runner::open_store(cfg)?;
            Ok(store.audit_query(&filter)?)
        }
    }
}

/// One line per entry, for operators.
pub fn describe(e: &AuditEntry) -> String {
    let at = crate::cli::fmt_ms(e.time_ms);
    let fp = |f: &Option<String>| {
        f.as_deref()
            .map(|f| format!(" cert {}", &f[..f.len().min(23)]))
            .unwrap_or_default()
    };
    let what = match &e.event {
        AuditEvent::Session {
            peer,
            role,
            fingerprint,
            live,
            sent,
            received,
            subjects_sent,
            subjects_received,
            outcome,
            ..
        } => format!(
            "session {role} {peer}{}{}: sent {sent} records ({subjects_sent} persons), received {received} ({subjects_received} persons): {outcome}",
            if *live { " live" } else { "" },
            fp(fingerprint)
        ),
        AuditEvent::Disclosed {
            peer,
            fingerprint,
            records,
            subjects,
        } => format!(
            "sent to {peer}{}: {records} records of {} persons",
            fp(fingerprint),
            subjects.len()
        ),
        AuditEvent::Refused {
            peer,
            fingerprint,
            addr,
            reason,
        } => format!(
            "REFUSED {}{}{}: {reason}",
            peer.as_deref().unwrap_or("unknown peer"),
            addr.as_deref()
                .map(|a| format!(" from {a}"))
                .unwrap_or_default(),
            fp(fingerprint)
        ),
        AuditEvent::RecordWritten {
            operator,
            record,
            kind,
            ..
        } => format!("operator {operator} wrote {record} ({kind})"),
        AuditEvent::Imported {
            source, records, ..
        } => format!("imported {records} records from {source}"),
        AuditEvent::Viewed {
            operator,
            query,
            subjects,
        } => format!(
            "operator {operator} viewed {query} ({} persons shown)",
            subjects.len()
        ),
    };
    format!("#{:<6} {at}  {what}", e.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(toml_text: &str) -> Result<NodeConfig> {
        let c: Config = toml::from_str(toml_text)?;
        c.validate(Path::new("/tmp"))
    }

    #[test]
    fn plaintext_only_on_loopback() {
        assert!(loopback_url("http://127.0.0.1:7200"));
        assert!(loopback_url("http://localhost:7200/"));
        assert!(loopback_url("http://[::1]:7200"));
        assert!(!loopback_url("http://10.1.2.3:7200"));
        assert!(!loopback_url("http://county-hub.example:7200"));
        let e = validate("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\n[upstream]\ncode = \"410602100\"\nurl = \"http://10.1.2.3:7300\"\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("refused to non-loopback"),
            "{e:#}"
        );
        let e = validate("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\n[upstream]\ncode = \"410602100\"\nurl = \"https://127.0.0.1:7300\"\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("https needs a [tls] section"),
            "{e:#}"
        );
        let e = validate("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\n[upstream]\ncode = \"410602100\"\nurl = \"https://127.0.0.1:7300\"\n[tls]\nca_certs = [\"missing/ca.crt\"]\ncert = \"missing/node.crt\"\nkey = \"missing/node.key\"\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot read /tmp/missing/ca.crt"),
            "{e:#}"
        );
    }

    #[test]
    fn since_accepts_dates_and_unix_ms() {
        assert_eq!(parse_since("1796000000000").unwrap(), 1_796_000_000_000);
        // 2026-12-01 00:00 China Standard Time is 2026-11-30 16:00 UTC.
        assert_eq!(parse_since("2026-12-01").unwrap(), 1_796_054_400_000);
        assert_eq!(
            parse_since("2026-12-01T08:30").unwrap(),
            1_796_054_400_000 + (8 * 3600 + 30 * 60) * 1000
        );
        assert!(parse_since("yesterday").is_err());
    }
}
