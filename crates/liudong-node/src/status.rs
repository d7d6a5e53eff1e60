//! The status of a node's links, as `liudong status` shows it.

use liudong_core::Link;
use liudong_store::{CursorDir, LinkStatus, Store};
use liudong_sync::{Node, SyncError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Expected sync interval of a lower node that has not announced one, in
/// seconds: the default `[sync] interval_secs` (see docs/monitoring.md).
pub const DEFAULT_EXPECTED_INTERVAL_SECS: u64 = 300;

/// The longest interval a lower node may announce (a week): beyond it, a
/// node that stopped would never be flagged.
pub const MAX_EXPECTED_INTERVAL_SECS: u64 = 7 * 86_400;

/// A lower node is `silent` when not heard from for this many times its
/// expected interval (one missed session is tolerated).
pub const SILENT_AFTER_INTERVALS: u64 = 2;

/// One link's state.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkReport {
    /// `upstream` or `child`.
    pub role: &'static str,
    /// The peer's division code.
    pub peer: String,
    /// How far this node has durably received the peer's outbox.
    pub cursor_in: u64,
    /// How far the peer has acknowledged this node's outbox.
    pub cursor_out: u64,
    /// Records in this node's outbox for the peer not yet acknowledged
    /// (upstream: waiting to be pushed up; child: waiting to be pulled down).
    pub pending_out: u64,
    /// Records the peer last reported it still has to send to this node
    /// (child: waiting to be pushed up; upstream: waiting to be pulled down);
    /// `null` if the peer never reported (an older node, or never connected).
    pub pending_in: Option<u64>,
    /// Last contact with the peer (a session opened, carried a batch or
    /// ended), unix ms; the current time while a session is open.
    pub last_contact_ms: Option<u64>,
    /// A session with the peer is open right now (always false when the
    /// report is read from the store of a stopped node).
    pub connected: bool,
    /// Seconds within which a lower node is expected to sync: the interval
    /// it announced, or [`DEFAULT_EXPECTED_INTERVAL_SECS`]. `null` for the upstream.
    pub expected_interval_secs: Option<u64>,
    /// A lower node not connected and not heard from for
    /// [`SILENT_AFTER_INTERVALS`] times its expected interval (or never).
    pub silent: bool,
    /// The link's state at a glance: `connected` (a session is open),
    /// `refused` (the last session with the upstream was refused, see
    /// `refused`: the link retries only every `[sync] backoff_max_secs`),
    /// `silent` (see `silent`), or `-`.
    pub state: &'static str,
    /// This node's fingerprint of the records it shares with the peer (hex / count).
    pub fingerprint: String,
    /// The outcome of the last verification of this link, if any.
    pub receipt: Option<liudong_store::fingerprint::Receipt>,
    #[serde(flatten)]
    pub status: LinkStatus,
}

/// A node's state.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeReport {
    pub node: String,
    pub kind: &'static str,
    pub upstream: Option<String>,
    pub records: usize,
    pub last_seq: u64,
    pub conflicts: u64,
    /// Peers refused for identity, jurisdiction or entitlement (see `liudong audit`).
    #[serde(default)]
    pub refused: u64,
    /// The store failed to write and refuses all records until restart.
    pub write_failed: bool,
    pub links: Vec<LinkReport>,
}

/// Gathers the report from the store of a node that is not running (no
/// sessions open), as of the system clock.
pub fn report(store: &Store) -> Result<NodeReport, SyncError> {
    report_at(
        store,
        liudong_sync::system_clock()(),
        &BTreeSet::new(),
        &BTreeMap::new(),
    )
}

/// Gathers the report of a running node: its clock, its open sessions.
pub fn report_node(node: &Node) -> Result<NodeReport, SyncError> {
    report_at(
        node.store(),
        node.now_ms(),
        &node.connected_links(),
        &node.reported_backlogs(),
    )
}

/// Whether a lower node last heard from at `last_contact_ms` is silent at `now_ms`.
pub fn is_silent(last_contact_ms: Option<u64>, expected_secs: u64, now_ms: u64) -> bool {
    match last_contact_ms {
        None => true,
        Some(t) => {
            now_ms.saturating_sub(t) > expected_secs.saturating_mul(SILENT_AFTER_INTERVALS * 1000)
        }
    }
}

/// The report as of `now_ms`, with sessions open on `connected` whose peers
/// reported the backlogs in `reported` (newer than the stored ones).
pub fn report_at(
    store: &Store,
    now_ms: u64,
    connected: &BTreeSet<Link>,
    reported: &BTreeMap<Link, u64>,
) -> Result<NodeReport, SyncError> {
    if store.write_failed() {
        // Only what needs no scan of a store that failed (see `check_writable`).
        return Ok(NodeReport {
            node: store.scope().code.to_string(),
            kind: store.scope().kind.name(),
            upstream: store.parent().map(|p| p.code.to_string()),
            records: 0,
            last_seq: store.last_seq(),
            conflicts: 0,
            refused: 0,
            write_failed: true,
            links: Vec::new(),
        });
    }
    let mut links: Vec<Link> = store.outbox_links()?;
    for l in store.status_links()?.into_iter().chain(store.peer_links()?) {
        if !links.contains(&l) {
            links.push(l);
        }
    }
    if store.parent().is_some() && !links.contains(&Link::Parent) {
        links.push(Link::Parent);
    }
    links.sort();
    let mut out = Vec::with_capacity(links.len());
    for link in links {
        let (role, peer) = match &link {
            Link::Parent => match store.parent() {
                Some(p) => ("upstream", p.code.to_string()),
                None => continue,
            },
            Link::Child(c) => ("child", c.to_string()),
        };
        let cursor_out = store.cursor(CursorDir::Out, &link)?;
        let state = store.peer_state(&link)?;
        let is_connected = connected.contains(&link);
        let last_contact_ms = if is_connected {
            Some(now_ms.max(state.last_contact_ms.unwrap_or(0)))
        } else {
            state.last_contact_ms
        };
        let expected_interval_secs = match link {
            Link::Parent => None,
            Link::Child(_) => Some(
                state
                    .announced_interval_secs
                    .map_or(DEFAULT_EXPECTED_INTERVAL_SECS, |a| {
                        a.min(MAX_EXPECTED_INTERVAL_SECS)
                    }),
            ),
        };
        let silent = expected_interval_secs
            .is_some_and(|e| !is_connected && is_silent(last_contact_ms, e, now_ms));
        let status = store.link_status(&link)?;
        out.push(LinkReport {
            role,
            peer,
            cursor_in: store.cursor(CursorDir::In, &link)?,
            cursor_out,
            pending_out: store.pending(&link, cursor_out)?,
            pending_in: reported.get(&link).copied().or(state.pending_in),
            last_contact_ms,
            connected: is_connected,
            expected_interval_secs,
            silent,
            state: link_state(is_connected, status.refused.is_some(), silent),
            fingerprint: store.fingerprint(&link)?.hex(),
            receipt: store.receipt(&link)?,
            status,
        });
    }
    Ok(NodeReport {
        node: store.scope().code.to_string(),
        kind: store.scope().kind.name(),
        upstream: store.parent().map(|p| p.code.to_string()),
        records: store.record_count(),
        last_seq: store.last_seq(),
        conflicts: store
            .counters()
            .conflicts
            .load(std::sync::atomic::Ordering::Relaxed),
        refused: store.refused_count()?,
        write_failed: store.write_failed(),
        links: out,
    })
}

/// A link's state (see [`LinkReport::state`]): an open session first, then
/// a refusal, then silence.
pub fn link_state(connected: bool, refused: bool, silent: bool) -> &'static str {
    if connected {
        "connected"
    } else if refused {
        "refused"
    } else if silent {
        "silent"
    } else {
        "-"
    }
}

/// Formats unix milliseconds as China Standard Time.
pub fn fmt_ms(ms: u64) -> String {
    liudong_sync::time_cst(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lower_node_is_silent_after_twice_its_interval_or_if_never_heard() {
        let now = 10_000_000;
        assert!(is_silent(None, 300, now));
        assert!(!is_silent(Some(now - 600_000), 300, now));
        assert!(is_silent(Some(now - 600_001), 300, now));
        assert!(!is_silent(Some(now + 5), 300, now), "a clock step back");
    }
}
