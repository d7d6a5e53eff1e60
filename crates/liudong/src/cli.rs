//! The operator commands. Each reaches the node through
//! [`NodeAccess`](liudong_node::NodeAccess) (the running node's admin
//! service, or the stopped node's store) and prints the typed answer.

use anyhow::{Result, bail};
use liudong_node::NodeAccess;
use liudong_node::access;
use liudong_node::config::Config;
use liudong_node::runner;
use liudong_node::status::{LinkReport, NodeReport, fmt_ms};
use std::path::Path;
use std::time::Duration;

/// `liudong serve`: runs until SIGINT or SIGTERM, then shuts down cleanly.
pub async fn serve(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let mut node = runner::start(cfg.clone()).await?;
    if let Err(e) = liudong_console::start(&mut node, &cfg).await {
        let _ = node.shutdown(Duration::from_secs(20)).await;
        return Err(e.into());
    }
    wait_for_signal().await?;
    tracing::info!("shutdown requested");
    Ok(node.shutdown(Duration::from_secs(20)).await?)
}

async fn wait_for_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

/// Prints `v` as indented JSON with the keys of every object in sorted
/// order, as `liudong status --json` and the query commands always have.
pub fn print_json_sorted<T: serde::Serialize>(v: &T) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::to_value(v)?)?
    );
    Ok(())
}

/// `liudong record add`: validates and writes one record at this node.
pub async fn record_add(config: &Path, json: &str) -> Result<()> {
    let cfg = Config::load(config)?;
    let draft = access::parse_input(json)?;
    let written = NodeAccess::open(&cfg).await?.write(draft).await?;
    println!("written {} (hlc {})", written.id, written.hlc);
    Ok(())
}

/// `liudong sync --once`: one complete session with the upstream.
pub async fn sync_once(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let moved = NodeAccess::open(&cfg).await?.sync_once().await?;
    println!(
        "sync complete: pushed {} records, pulled {} new records",
        moved.pushed, moved.pulled
    );
    Ok(())
}

/// `liudong status`: links, cursors, pending records, last success and failure.
pub async fn status(config: &Path, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let report = NodeAccess::open(&cfg).await?.status().await?;
    if json {
        return print_json_sorted(&report);
    }
    print!("{}", status_text(&report));
    Ok(())
}

/// The human form of a status report.
pub fn status_text(report: &NodeReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "node {} ({}), {} records, local seq {}, conflicts refused {}, peers refused {} (see `liudong audit`)",
        report.node, report.kind, report.records, report.last_seq, report.conflicts, report.refused
    );
    if report.write_failed {
        let _ = writeln!(
            out,
            "STORE CANNOT WRITE: records are refused until the node is restarted; check that the data directory is writable and has free space"
        );
    }
    let mut receipts = Vec::new();
    let mut refusals = Vec::new();
    let _ = writeln!(
        out,
        "{:<8} {:<12} {:>8} {:>8} {:<19} {:>6} {:<9} {:>8} {:<19} last error",
        "link",
        "peer",
        "pend.out",
        "pend.in",
        "last contact",
        "every",
        "state",
        "sessions",
        "last success",
    );
    let when = |ms: Option<u64>| ms.map(fmt_ms).unwrap_or_else(|| "-".into());
    for l in &report.links {
        receipts.push(receipt_line(l));
        let state = match l.state {
            "connected" => "connected",
            "refused" => "REFUSED",
            "silent" => "SILENT",
            _ => "-",
        };
        if let (true, Some(r)) = (state == "REFUSED", &l.status.refused) {
            refusals.push(format!(
                "REFUSED: the last session with {} ({}) was refused: {}; the link now retries only every [sync] backoff_max_secs: fix the cause, then run `liudong sync --once`",
                l.peer,
                when(Some(r.at_ms)),
                r.error,
            ));
        }
        let _ = writeln!(
            out,
            "{:<8} {:<12} {:>8} {:>8} {:<19} {:>6} {:<9} {:>8} {:<19} {}",
            l.role,
            l.peer,
            l.pending_out.to_string(),
            l.pending_in.map_or("?".into(), |n| n.to_string()),
            when(l.last_contact_ms),
            l.expected_interval_secs
                .map_or("-".into(), |s| format!("{s}s")),
            state,
            l.status.sessions.to_string(),
            when(l.status.last_success_ms),
            l.status.last_error.as_deref().unwrap_or("-")
        );
    }
    for r in refusals {
        let _ = writeln!(out, "{r}");
    }
    if report.links.iter().any(|l| l.silent) {
        let _ = writeln!(
            out,
            "SILENT: a lower node not heard from for twice its expected interval (or never); check that it runs and can reach this node"
        );
    }
    for r in receipts {
        let _ = writeln!(out, "{r}");
    }
    out
}

/// The sync receipt of one link, as `liudong status` prints it.
fn receipt_line(l: &LinkReport) -> String {
    let peer = &l.peer;
    let Some(r) = &l.receipt else {
        return format!(
            "{peer}: not verified yet (fingerprint {}); run `liudong verify`",
            l.fingerprint
        );
    };
    let at = fmt_ms(r.at_ms);
    if r.in_step {
        format!(
            "in step with {peer} as of {at}, cursor {}, fingerprint {}",
            r.cursor_in, r.fingerprint
        )
    } else {
        format!(
            "NOT in step with {peer} as of {at}, cursor {}, fingerprint {}; differing: {}; run `liudong verify --repair`",
            r.cursor_in,
            r.fingerprint,
            r.differing.join(", ")
        )
    }
}

/// `liudong verify [--repair]`: audits the store and compares this node's
/// scope with its upstream; with `repair`, transfers what is missing both ways.
/// Exits with an error when the node is not in step at the end.
pub async fn verify(config: &Path, repair: bool, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let report = NodeAccess::open(&cfg).await?.verify(repair).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_verify(&report);
    }
    if !report.in_step {
        bail!(
            "{} is not in step with {}{}",
            report.node,
            report.upstream,
            if repair {
                " even after repair (see the conflicting records above)"
            } else {
                "; run `liudong verify --repair`"
            }
        );
    }
    Ok(())
}

fn print_verify(r: &liudong_sync::verify::VerifyReport) {
    println!("verify {} against {}", r.scope, r.upstream);
    if !r.audit.is_clean() {
        println!(
            "  local audit: {} records missing, {} corrupt (removed so that repair can restore them)",
            r.audit.missing.len(),
            r.audit.corrupt.len()
        );
    }
    for d in &r.buckets {
        println!(
            "  differs: {}: here {}, upstream {}; missing here {}, missing upstream {}, conflicting {}",
            d.bucket,
            d.here,
            d.there,
            d.missing_here.len(),
            d.missing_there.len(),
            d.conflicting.len()
        );
    }
    let own = format!("{}-", r.node);
    let lost = r
        .buckets
        .iter()
        .flat_map(|d| &d.missing_here)
        .filter(|id| id.starts_with(&own))
        .count();
    if lost > 0 {
        println!(
            "  {}",
            liudong_i18n::t!("verify-own-records-missing", records = lost.to_string())
        );
    }
    if r.fetched + r.offered > 0 {
        println!(
            "  repaired: fetched {} records, offered {} ({} new upstream)",
            r.fetched, r.offered, r.offered_new
        );
    }
    println!(
        "  {}: fingerprint here {}, upstream {}",
        if r.in_step { "in step" } else { "NOT in step" },
        r.local,
        r.remote
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::synth::{outflow_body, test_record};
    use liudong_core::{Code, Link, NodeScope};
    use liudong_store::{Incoming, Source, Store};

    #[test]
    fn status_text_shows_a_refused_upstream_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let scope = NodeScope::for_code(Code::parse("410602100").unwrap()).unwrap();
        let parent = scope.parent(&Code::parse("410602").unwrap()).unwrap();
        let store = Store::open(dir.path(), scope, Some(parent), &Default::default()).unwrap();
        let now = 1_800_000_000_000;
        let error = "PermissionDenied: node 410602100 is not a direct child of 410603";
        store
            .update_link_status(&Link::Parent, |s| {
                s.last_failure_ms = Some(now - 5_000);
                s.last_error = Some(error.into());
                s.refused = Some(liudong_store::Refusal {
                    at_ms: now - 5_000,
                    error: error.into(),
                });
            })
            .unwrap();
        let report =
            liudong_node::status::report_at(&store, now, &Default::default(), &Default::default())
                .unwrap();
        assert_eq!(report.links[0].state, "refused");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["links"][0]["refused"]["error"], error);
        let text = status_text(&report);
        let line = text
            .lines()
            .find(|l| l.starts_with("upstream"))
            .unwrap_or_else(|| panic!("no upstream line:\n{text}"));
        assert!(line.contains(" REFUSED "), "{text}");
        let note = text
            .lines()
            .find(|l| l.starts_with("REFUSED: "))
            .unwrap_or_else(|| panic!("no refusal note:\n{text}"));
        assert!(
            note.contains("410602") && note.contains(error) && note.contains("sync --once"),
            "{text}"
        );

        // Once a session is open the link shows connected, not refused.
        let open = [Link::Parent].into_iter().collect();
        let report =
            liudong_node::status::report_at(&store, now, &open, &Default::default()).unwrap();
        assert_eq!(report.links[0].state, "connected");
        let text = status_text(&report);
        assert!(!text.contains("REFUSED"), "{text}");
    }

    #[test]
    fn status_text_flags_silent_lower_nodes_and_shows_both_backlogs() {
        let dir = tempfile::tempdir().unwrap();
        let scope = NodeScope::for_code(Code::parse("410602").unwrap()).unwrap();
        let parent = scope.parent(&Code::parse("CN").unwrap()).unwrap();
        let store = Store::open(dir.path(), scope, Some(parent), &Default::default()).unwrap();
        // Two records for a township that never connected (中山北路街道).
        let down: Vec<Incoming> = (1..=2)
            .map(|i| {
                Incoming::new(test_record(
                    "410602",
                    i,
                    i,
                    "410602001001",
                    None,
                    outflow_body(),
                ))
            })
            .collect();
        store.apply(&down, &Source::Detached, None, true).unwrap();
        // A township heard from a minute ago, with 7 records still to push.
        let now = 1_800_000_000_000;
        let town = Link::Child(Code::parse("410602100").unwrap());
        store
            .update_peer_state(&town, |p| {
                p.last_contact_ms = Some(now - 60_000);
                p.pending_in = Some(7);
                p.announced_interval_secs = Some(600);
            })
            .unwrap();
        let report =
            liudong_node::status::report_at(&store, now, &Default::default(), &Default::default())
                .unwrap();
        let text = status_text(&report);
        let line = |peer: &str| {
            text.lines()
                .find(|l| l.starts_with("child") && l.contains(peer))
                .unwrap_or_else(|| panic!("no line for {peer}:\n{text}"))
                .split_whitespace()
                .collect::<Vec<_>>()
        };
        let silent = line("410602001");
        assert_eq!(&silent[2..5], ["2", "?", "-"], "{text}");
        assert!(
            silent.contains(&"SILENT") && silent.contains(&"300s"),
            "{text}"
        );
        let heard = line("410602100");
        assert_eq!(&heard[2..4], ["0", "7"], "{text}");
        assert!(
            !heard.contains(&"SILENT") && heard.contains(&"600s"),
            "{text}"
        );
        assert!(
            text.contains("SILENT: a lower node not heard from"),
            "{text}"
        );
        assert!(
            text.starts_with("node 410602 (county), 2 records"),
            "{text}"
        );
    }
}
