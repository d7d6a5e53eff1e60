//! `liudong status`: the node's links and, on a county or township, every
//! unit under it, as a table in the operator's language (the message
//! catalogue, `topo.ftl`) or as JSON (`--json`, the fields of
//! `liudong_node::status::NodeReport`, docs/monitoring.md).

use crate::table;
use anyhow::Result;
use liudong_i18n::t;
use liudong_node::NodeAccess;
use liudong_node::config::Config;
use liudong_node::status::{LinkReport, NodeReport, UnitReport, fmt_ms};
use std::fmt::Write as _;
use std::path::Path;

/// `liudong status [--json]`.
pub async fn status(config: &Path, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let report = NodeAccess::open(&cfg).await?.status().await?;
    if json {
        return crate::cli::print_json_sorted(&report);
    }
    print!("{}", status_text(&report));
    Ok(())
}

fn when(ms: Option<u64>) -> String {
    ms.map(fmt_ms).unwrap_or_else(|| "-".into())
}

fn kind_label(kind: &str) -> String {
    match kind {
        "village" => t!("topo-kind-village"),
        "township" => t!("topo-kind-township"),
        "county" => t!("topo-kind-county"),
        _ => t!("topo-kind-exchange"),
    }
}

/// A state as the table shows it (see `LinkReport::state`).
pub fn state_label(state: &str) -> String {
    match state {
        "connected" => t!("topo-state-connected"),
        "refused" => t!("topo-state-refused"),
        "waiting" => t!("topo-state-waiting"),
        "silent" => t!("topo-state-silent"),
        "failing" => t!("topo-state-failing"),
        "no_node" => t!("topo-state-no-node"),
        "unknown" => t!("topo-state-unknown"),
        _ => t!("topo-state-idle"),
    }
}

fn count(n: Option<u64>) -> String {
    n.map_or("?".into(), |n| n.to_string())
}

fn every(secs: Option<u64>) -> String {
    secs.map_or("-".into(), |s| format!("{s}s"))
}

/// The human form of a status report.
pub fn status_text(report: &NodeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        t!(
            "topo-status-head",
            node = report.node.as_str(),
            kind = kind_label(report.kind),
            records = report.records,
            seq = report.last_seq,
            conflicts = report.conflicts,
            refused = report.refused
        )
    );
    if report.write_failed {
        let _ = writeln!(out, "{}", t!("topo-store-cannot-write"));
    }
    out.push_str(&links_table(&report.links));
    for l in &report.links {
        if let Some(note) = link_note(l) {
            let _ = writeln!(out, "{note}");
        }
    }
    if report.links.iter().any(|l| l.silent) {
        let _ = writeln!(out, "{}", t!("topo-note-silent"));
    }
    for l in &report.links {
        let _ = writeln!(out, "{}", receipt_line(l));
    }
    if !report.units.is_empty() {
        let head = if report.kind == "county" {
            t!("topo-units-head-county")
        } else {
            t!("topo-units-head-township")
        };
        let _ = writeln!(out, "\n{head}");
        out.push_str(&units_table(&report.units));
    }
    out
}

fn links_table(links: &[LinkReport]) -> String {
    let mut rows = vec![vec![
        t!("topo-col-link"),
        t!("topo-col-peer"),
        t!("topo-col-pending-out"),
        t!("topo-col-pending-in"),
        t!("topo-col-last-contact"),
        t!("topo-col-every"),
        t!("topo-col-state"),
        t!("topo-col-sessions"),
        t!("topo-col-last-success"),
        t!("topo-col-last-error"),
    ]];
    for l in links {
        rows.push(vec![
            if l.role == "upstream" {
                t!("topo-role-upstream")
            } else {
                t!("topo-role-child")
            },
            l.peer.clone(),
            l.pending_out.to_string(),
            count(l.pending_in),
            when(l.last_contact_ms),
            every(l.expected_interval_secs),
            state_label(l.state),
            l.status.sessions.to_string(),
            when(l.status.last_success_ms),
            shown_error(&l.status.last_error),
        ]);
    }
    // Left: link, peer; right: the counts; the rest left (see the order).
    let mut text = String::new();
    for line in table::render(&rows, 2).lines() {
        let _ = writeln!(text, "{line}");
    }
    text
}

/// A link's last error as the operator reads it (without its status code).
fn shown_error(e: &Option<String>) -> String {
    e.as_deref().map_or("-".into(), |e| {
        liudong_sync::link_error_message(e).to_string()
    })
}

/// The line after the table explaining a link that needs the operator.
fn link_note(l: &LinkReport) -> Option<String> {
    let error = || shown_error(&l.status.last_error);
    match l.state {
        "refused" => l.status.refused.as_ref().map(|r| {
            t!(
                "topo-note-refused",
                peer = l.peer.as_str(),
                at = when(Some(r.at_ms)),
                error = liudong_sync::link_error_message(&r.error)
            )
        }),
        "failing" if l.role == "upstream" => Some(t!(
            "topo-note-failing",
            peer = l.peer.as_str(),
            error = error()
        )),
        "waiting" => Some(t!(
            "topo-note-waiting",
            peer = l.peer.as_str(),
            pending = l.pending_out
        )),
        _ => None,
    }
}

/// The sync receipt of one link, as `liudong status` prints it.
fn receipt_line(l: &LinkReport) -> String {
    let peer = l.peer.as_str();
    let Some(r) = &l.receipt else {
        return t!(
            "topo-receipt-none",
            peer = peer,
            fingerprint = l.fingerprint.as_str()
        );
    };
    if r.in_step {
        t!(
            "topo-receipt-in-step",
            peer = peer,
            at = fmt_ms(r.at_ms),
            cursor = r.cursor_in,
            fingerprint = r.fingerprint.as_str()
        )
    } else {
        t!(
            "topo-receipt-not-in-step",
            peer = peer,
            at = fmt_ms(r.at_ms),
            cursor = r.cursor_in,
            fingerprint = r.fingerprint.as_str(),
            differing = r.differing.join(", ")
        )
    }
}

/// Every unit under the node, villages indented under their township; a
/// township that has not reported its villages gets one line saying so.
fn units_table(units: &[UnitReport]) -> String {
    let mut rows = vec![vec![
        t!("topo-col-unit"),
        t!("topo-col-name"),
        t!("topo-col-state"),
        t!("topo-col-last-contact"),
        t!("topo-col-every"),
        t!("topo-col-pending-out"),
        t!("topo-col-pending-in"),
        t!("topo-col-reported"),
        t!("topo-col-last-error"),
    ]];
    let row = |u: &UnitReport, indent: &str| {
        vec![
            format!("{indent}{}", u.code),
            u.name.clone(),
            state_label(u.state),
            when(u.last_contact_ms),
            every(u.expected_interval_secs),
            count(u.pending_out),
            count(u.pending_in),
            when(u.reported_at_ms),
            shown_error(&u.last_error),
        ]
    };
    for u in units {
        rows.push(row(u, ""));
        let unreported = u.units.iter().filter(|v| v.state == "unknown").count();
        if unreported > 0 && unreported == u.units.len() {
            rows.push(vec![format!(
                "  {}",
                t!("topo-units-not-reported", count = unreported)
            )]);
            continue;
        }
        for v in &u.units {
            rows.push(row(v, "  "));
        }
    }
    // A note row has one cell: it must not widen the first column.
    let (notes, cells): (Vec<_>, Vec<_>) = rows.iter().enumerate().partition(|(_, r)| r.len() == 1);
    let table_rows: Vec<Vec<String>> = cells.into_iter().map(|(_, r)| r.clone()).collect();
    let rendered = table::render(&table_rows, 3);
    let mut lines = rendered.lines();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        if notes.iter().any(|(n, _)| *n == i) {
            let _ = writeln!(out, "{}", r[0]);
        } else if let Some(line) = lines.next() {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::synth::{outflow_body, test_record};
    use liudong_core::{Code, Link, NodeScope};
    use liudong_i18n::Lang;
    use liudong_node::status::{StatusOptions, report_at};
    use liudong_store::{Incoming, LowerLink, LowerReport, Source, Store};

    fn county_store(dir: &Path) -> Store {
        let scope = NodeScope::for_code(Code::parse("410602").unwrap()).unwrap();
        let parent = scope.parent(&Code::parse("CN").unwrap()).unwrap();
        Store::open(dir, scope, Some(parent), &Default::default()).unwrap()
    }

    #[test]
    fn status_text_shows_a_refused_upstream_with_its_reason() {
        liudong_i18n::set_lang(Lang::En);
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
        let none = StatusOptions::default();
        let report =
            report_at(&store, now, &Default::default(), &Default::default(), &none).unwrap();
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
        // The operator reads the message; the code stays in the JSON.
        let message = liudong_sync::link_error_message(error);
        assert!(
            note.contains("410602") && note.contains(message) && note.contains("sync --once"),
            "{text}"
        );
        assert!(!text.contains("PermissionDenied"), "{text}");

        // Once a session is open the link shows connected, not refused.
        let open = [Link::Parent].into_iter().collect();
        let report = report_at(&store, now, &open, &Default::default(), &none).unwrap();
        assert_eq!(report.links[0].state, "connected");
        let text = status_text(&report);
        assert!(!text.contains("REFUSED"), "{text}");

        // A failure after the last success, no session open: failing, with
        // the reason (a failing upstream is not shown as normal).
        store
            .update_link_status(&Link::Parent, |s| {
                s.refused = None;
                s.last_success_ms = Some(now - 60_000);
            })
            .unwrap();
        let report =
            report_at(&store, now, &Default::default(), &Default::default(), &none).unwrap();
        assert_eq!(report.links[0].state, "failing");
        let text = status_text(&report);
        assert!(
            text.lines()
                .any(|l| l.starts_with("FAILING: ") && l.contains(message)),
            "{text}"
        );
    }

    #[test]
    fn status_text_flags_silent_lower_nodes_and_shows_both_backlogs() {
        liudong_i18n::set_lang(Lang::En);
        let dir = tempfile::tempdir().unwrap();
        let store = county_store(dir.path());
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
        let report = report_at(
            &store,
            now,
            &Default::default(),
            &Default::default(),
            &StatusOptions::default(),
        )
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

    #[test]
    fn a_county_lists_every_village_its_township_reported_and_those_without_a_node() {
        liudong_i18n::set_lang(Lang::En);
        let dir = tempfile::tempdir().unwrap();
        let store = county_store(dir.path());
        let now = 1_800_000_000_000;
        let town = Code::parse("410602100").unwrap();
        let link = Link::Child(town.clone());
        store
            .update_peer_state(&link, |p| p.last_contact_ms = Some(now - 1_000))
            .unwrap();
        // The township reported two of its villages a minute ago: one heard
        // from then, one silent for a day; a third is declared without node.
        let heard = LowerLink {
            node: "410602100001".into(),
            last_contact_ms: Some(now - 60_000),
            announced_interval_secs: Some(3600),
            ..Default::default()
        };
        let silent = LowerLink {
            node: "410602100002".into(),
            last_contact_ms: Some(now - 86_400_000),
            announced_interval_secs: Some(3600),
            pending_out: 5,
            ..Default::default()
        };
        store
            .set_lower_report(
                &link,
                &LowerReport {
                    received_ms: now - 60_000,
                    links: vec![heard, silent],
                },
            )
            .unwrap();
        let options = StatusOptions {
            without_node: [Code::parse("410602100003").unwrap()].into(),
            upstream_unaddressed: true,
        };
        let report = report_at(
            &store,
            now,
            &Default::default(),
            &Default::default(),
            &options,
        )
        .unwrap();
        // Every township of the county is listed; ours with every village.
        let table = liudong_core::divisions::table();
        assert_eq!(report.units.len(), table.children("410602").len());
        let t = report.units.iter().find(|u| u.code == "410602100").unwrap();
        assert_eq!(t.units.len(), table.children("410602100").len());
        let state = |code: &str| t.units.iter().find(|v| v.code == code).unwrap().state;
        assert_eq!(state("410602100001"), "-");
        assert_eq!(state("410602100002"), "silent");
        assert_eq!(state("410602100003"), "no_node");
        // The upstream has no address: its records wait.
        assert_eq!(report.links[0].state, "waiting");
        let text = status_text(&report);
        assert!(
            text.contains("WAITING: the upstream CN has no address"),
            "{text}"
        );
        let village = |code: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(code))
                .unwrap_or_else(|| panic!("no line for {code}:\n{text}"))
                .to_string()
        };
        assert!(village("410602100002").contains("SILENT"), "{text}");
        assert!(village("410602100003").contains("no node"), "{text}");
        assert!(village("410602100001").starts_with("  "), "{text}");
        // A township that never reported: one line for its villages.
        assert!(
            text.contains("(the township has not reported the state of its"),
            "{text}"
        );
    }
}
