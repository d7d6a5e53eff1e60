//! `liudong audit`: the audit trail for operators (docs/security.md).

use anyhow::{Context, Result, bail};
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
        println!("no audit entries match");
    }
    Ok(())
}

/// One line per entry, for operators.
pub fn describe(e: &AuditEntry) -> String {
    let at = liudong_node::status::fmt_ms(e.time_ms);
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
