//! `liudong audit`: the audit trail for operators (docs/security.md).

use anyhow::{Result, bail};
use liudong_i18n::t;
use liudong_node::config::Config;
use liudong_store::audit::{AuditEntry, AuditEvent, AuditFilter};
use std::path::Path;

/// Parses `--since`: unix milliseconds, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`
/// (China Standard Time).
pub fn parse_since(s: &str) -> Result<u64> {
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() > 10 {
        return Ok(s.parse()?);
    }
    let (date, time) = s.split_once(['T', ' ']).unwrap_or((s, "00:00:00"));
    let Ok(d) = liudong_core::Date::parse(date) else {
        bail!("{}", t!("error-audit-since", text = s));
    };
    let mut hms = [0i64; 3];
    for (i, part) in time.split(':').enumerate() {
        match part.parse() {
            Ok(v) if i <= 2 => hms[i] = v,
            _ => bail!("{}", t!("error-audit-since-time", text = s)),
        }
    }
    let secs = d.to_days() * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2] - 8 * 3600;
    Ok(secs.max(0) as u64 * 1000)
}

/// `liudong audit`: reads the trail through the running node, or from the
/// store when it is stopped.
pub async fn cli_audit(config: &Path, filter: AuditFilter, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let entries = liudong_node::NodeAccess::open(&cfg)
        .await?
        .audit(&filter)
        .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(());
    }
    for e in &entries {
        println!("{}", describe(e));
    }
    if entries.is_empty() {
        println!("{}", t!("audit-none"));
    }
    Ok(())
}

/// One line per entry, for operators, in this process's language.
pub fn describe(e: &AuditEntry) -> String {
    let at = liudong_node::status::fmt_ms(e.time_ms);
    let fp = |f: &Option<String>| {
        f.as_deref()
            .map(|f| t!("audit-cert", fingerprint = &f[..f.len().min(23)]))
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
        } => t!(
            "audit-session",
            role = liudong_node::text::audit_role(role),
            peer = peer.to_string(),
            live = if *live {
                t!("audit-live")
            } else {
                String::new()
            },
            cert = fp(fingerprint),
            sent = *sent,
            subjects_sent = *subjects_sent,
            received = *received,
            subjects_received = *subjects_received,
            outcome = liudong_node::text::audit_outcome(outcome)
        ),
        AuditEvent::Disclosed {
            peer,
            fingerprint,
            records,
            subjects,
        } => t!(
            "audit-disclosed",
            peer = peer.to_string(),
            cert = fp(fingerprint),
            records = *records,
            subjects = subjects.len()
        ),
        AuditEvent::Refused {
            peer,
            fingerprint,
            addr,
            reason,
        } => t!(
            "audit-refused",
            peer = peer.clone().unwrap_or_else(|| t!("audit-unknown-peer")),
            addr = addr
                .as_deref()
                .map(|a| t!("audit-from", addr = a))
                .unwrap_or_default(),
            cert = fp(fingerprint),
            reason = reason.to_string()
        ),
        AuditEvent::RecordWritten {
            operator,
            record,
            kind,
            ..
        } => t!(
            "audit-written",
            operator = operator.to_string(),
            record = record.to_string(),
            kind = liudong_node::worklist::record_kind(kind, liudong_i18n::lang())
        ),
        AuditEvent::Resent {
            operator,
            peer,
            from,
            records,
        } => t!(
            "audit-resent",
            operator = operator.to_string(),
            peer = peer.to_string(),
            from = *from,
            records = *records
        ),
        AuditEvent::Imported {
            source, records, ..
        } => t!(
            "audit-imported",
            source = liudong_node::text::audit_source(source),
            records = *records
        ),
        AuditEvent::Viewed {
            operator,
            query,
            subjects,
        } => t!(
            "audit-viewed",
            operator = operator.to_string(),
            query = query.to_string(),
            subjects = subjects.len()
        ),
    };
    format!("#{:<6} {at}  {what}", e.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_dates_and_unix_ms() {
        assert_eq!(parse_since("1796000000000").unwrap(), 1_796_000_000_000);
        // 2026-12-01 00:00 China Standard Time is 2026-11-30 16:00 UTC.
        assert_eq!(parse_since("2026-12-01").unwrap(), 1_796_054_400_000);
        assert_eq!(
            parse_since("2026-12-01T08:30").unwrap(),
            1_796_054_400_000 + (8 * 3600 + 30 * 60) * 1000
        );
        let e = parse_since("yesterday").unwrap_err().to_string();
        assert!(e.contains("“yesterday”") && e.contains("YYYY-MM-DD"), "{e}");
        let e = parse_since("2026-12-01T8h").unwrap_err().to_string();
        assert!(e.contains("HH:MM"), "{e}");
        assert!(parse_since("2026-12-01T08:30:00:01").is_err());
    }
}
