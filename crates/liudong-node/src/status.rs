//! The status of a node's links, as `liudong status` shows it.

use liudong_core::{Code, Link, NodeKind};
use liudong_store::{CursorDir, LinkStatus, LowerLink, LowerReport, Store};
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
    /// The unit is declared as having no node of its own (`[node]
    /// units_without_node`): it is never flagged silent.
    pub without_node: bool,
    /// The link's state at a glance, see [`unit_state`]: `connected` (a
    /// session is open), `refused` (the last session with the upstream was
    /// refused, see `refused`: the link retries only every `[sync]
    /// backoff_max_secs`), `waiting` (the upstream has no address yet:
    /// its records wait here), `silent` (see `silent`), `failing` (the last
    /// session failed and none succeeded since), `no_node` (see
    /// `without_node`), or `-`.
    pub state: &'static str,
    /// This node's fingerprint of the records it shares with the peer (hex / count).
    pub fingerprint: String,
    /// The outcome of the last verification of this link, if any.
    pub receipt: Option<liudong_store::fingerprint::Receipt>,
    #[serde(flatten)]
    pub status: LinkStatus,
}

/// One unit under a node — a township of a county, a village of a
/// township or of a county's township — and what the node knows of its
/// link: from its own link with the unit (`source = "link"`), from the
/// report of the township above it (`"reported"`), or nothing (`"none"`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitReport {
    /// The unit's division code.
    pub code: String,
    /// Its official name (NBS 2023), empty if the table has none.
    pub name: String,
    /// `township` or `village`.
    pub level: &'static str,
    /// `link`, `reported` or `none` (see the type).
    pub source: &'static str,
    /// As [`LinkReport::state`]: `connected`, `silent`, `failing`,
    /// `no_node`, `-`, or `unknown` (a village whose township has not
    /// reported it).
    pub state: &'static str,
    /// A session with the unit is open (for a reported village: at its
    /// township, which has a session open with this node now).
    pub connected: bool,
    /// Not heard from for twice its expected interval (or never), judged by
    /// this node's clock; never for a unit without a node.
    pub silent: bool,
    /// Declared as having no node of its own: here, by the township above
    /// it, or because that township has none.
    pub without_node: bool,
    /// Last contact of its upper node with it (unix ms); `null` if never.
    pub last_contact_ms: Option<u64>,
    /// Records waiting for it at its upper node (`null` if not known).
    pub pending_out: Option<u64>,
    /// Records it last reported it still has to push (`null` if not known).
    pub pending_in: Option<u64>,
    /// Seconds within which it is expected to sync (`null` if not known).
    pub expected_interval_secs: Option<u64>,
    /// The error that ended its last failed session, if any.
    pub last_error: Option<String>,
    /// For a reported village: when its township's report arrived here
    /// (unix ms); `null` otherwise.
    pub reported_at_ms: Option<u64>,
    /// A township's villages (in code order); empty for a village.
    pub units: Vec<UnitReport>,
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
    /// Every unit under this node, from the division table and the links it
    /// knows: a county's townships, each with its villages; a township's
    /// villages. Empty for villages and exchanges.
    pub units: Vec<UnitReport>,
}

/// What a node's configuration adds to its report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusOptions {
    /// Units declared as having no node of their own (`[node]
    /// units_without_node`).
    pub without_node: BTreeSet<Code>,
    /// The upstream has no address yet (`[upstream]` without `url`).
    pub upstream_unaddressed: bool,
}

impl StatusOptions {
    /// The options a running node was configured with.
    pub fn of(node: &Node) -> StatusOptions {
        StatusOptions {
            without_node: node.config().without_node.clone(),
            upstream_unaddressed: node.config().upstream_unaddressed,
        }
    }
}

/// Gathers the report from the store of a node that is not running (no
/// sessions open), as of the system clock, without what its configuration
/// adds (see [`report_node`]).
pub fn report(store: &Store) -> Result<NodeReport, SyncError> {
    report_at(
        store,
        liudong_sync::system_clock()(),
        &BTreeSet::new(),
        &BTreeMap::new(),
        &StatusOptions::default(),
    )
}

/// Gathers the report of a node: its clock, its open sessions, its
/// configuration (a stopped node's store opened as a [`Node`] has none open).
pub fn report_node(node: &Node) -> Result<NodeReport, SyncError> {
    report_at(
        node.store(),
        node.now_ms(),
        &node.connected_links(),
        &node.reported_backlogs(),
        &StatusOptions::of(node),
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
    options: &StatusOptions,
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
            units: Vec::new(),
        });
    }
    let mut out = Vec::new();
    for link in store.known_links()? {
        let (role, peer) = match &link {
            Link::Parent => match store.parent() {
                Some(p) => ("upstream", p.code.to_string()),
                None => continue,
            },
            Link::Child(c) => ("child", c.to_string()),
        };
        let without_node = match &link {
            Link::Child(c) => options.without_node.contains(c),
            Link::Parent => false,
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
            Link::Child(_) => Some(expected_interval(state.announced_interval_secs)),
        };
        let silent = !without_node
            && expected_interval_secs
                .is_some_and(|e| !is_connected && is_silent(last_contact_ms, e, now_ms));
        let status = store.link_status(&link)?;
        let waiting = link == Link::Parent && options.upstream_unaddressed;
        let flags = Flags {
            connected: is_connected,
            refused: status.refused.is_some(),
            waiting,
            silent,
            failing: failing(is_connected, status.last_success_ms, status.last_failure_ms),
            without_node,
        };
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
            without_node,
            state: unit_state(flags),
            fingerprint: store.fingerprint(&link)?.hex(),
            receipt: store.receipt(&link)?,
            status,
        });
    }
    let units = units(store, &out, now_ms, connected, options)?;
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
        units,
    })
}

/// The interval a lower node that announced `announced` is expected within.
fn expected_interval(announced: Option<u64>) -> u64 {
    announced.map_or(DEFAULT_EXPECTED_INTERVAL_SECS, |a| {
        a.min(MAX_EXPECTED_INTERVAL_SECS)
    })
}

/// Whether a link not connected failed last: a failure and no success since.
fn failing(connected: bool, last_success_ms: Option<u64>, last_failure_ms: Option<u64>) -> bool {
    !connected && last_failure_ms.is_some_and(|f| last_success_ms.is_none_or(|s| f > s))
}

/// What decides a link's or unit's state (see [`unit_state`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub connected: bool,
    pub refused: bool,
    pub waiting: bool,
    pub silent: bool,
    pub failing: bool,
    pub without_node: bool,
}

/// A link's or unit's state (see [`LinkReport::state`]), in this
/// precedence: an open session, a refusal, an upstream without address,
/// silence, a failure, no node of its own, else `-`.
pub fn unit_state(f: Flags) -> &'static str {
    if f.connected {
        "connected"
    } else if f.refused {
        "refused"
    } else if f.waiting {
        "waiting"
    } else if f.silent {
        "silent"
    } else if f.failing {
        "failing"
    } else if f.without_node {
        "no_node"
    } else {
        "-"
    }
}

/// The units under the node: a county's townships with their villages, a
/// township's villages (see [`UnitReport`]).
fn units(
    store: &Store,
    links: &[LinkReport],
    now_ms: u64,
    connected: &BTreeSet<Link>,
    options: &StatusOptions,
) -> Result<Vec<UnitReport>, SyncError> {
    let scope = store.scope();
    if !matches!(scope.kind, NodeKind::County | NodeKind::Township) {
        return Ok(Vec::new());
    }
    let own = &scope.code;
    let mut codes = table_children(own);
    codes.extend(
        options
            .without_node
            .iter()
            .filter(|c| c.parent().as_ref() == Some(own))
            .cloned(),
    );
    let by_peer: BTreeMap<&str, &LinkReport> = links
        .iter()
        .filter(|l| l.role == "child")
        .map(|l| (l.peer.as_str(), l))
        .collect();
    codes.extend(by_peer.keys().filter_map(|c| Code::parse(c).ok()));
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        let mut unit = match by_peer.get(code.as_str()) {
            Some(l) => linked_unit(&code, l),
            None => unlinked_unit(&code, options.without_node.contains(&code), now_ms),
        };
        if scope.kind == NodeKind::County {
            let report = store.lower_report(&Link::Child(code.clone()))?;
            let reporter = Reporter {
                connected: connected.contains(&Link::Child(code.clone())),
                without_node: unit.without_node,
            };
            unit.units = villages(&code, report.as_ref(), reporter, now_ms, options);
        }
        out.push(unit);
    }
    Ok(out)
}

/// The units the division table lists directly under `code`.
fn table_children(code: &Code) -> BTreeSet<Code> {
    liudong_core::divisions::table()
        .children(code.as_str())
        .into_iter()
        .filter_map(|c| Code::parse(c).ok())
        .collect()
}

/// The official name of a unit (villages included), or empty.
fn unit_name(code: &Code) -> String {
    liudong_core::address::index()
        .name(code.as_str())
        .unwrap_or_default()
}

fn unit(code: &Code, source: &'static str) -> UnitReport {
    UnitReport {
        code: code.to_string(),
        name: unit_name(code),
        level: code.level().name(),
        source,
        state: "-",
        connected: false,
        silent: false,
        without_node: false,
        last_contact_ms: None,
        pending_out: None,
        pending_in: None,
        expected_interval_secs: None,
        last_error: None,
        reported_at_ms: None,
        units: Vec::new(),
    }
}

/// A unit this node has a link with: the link's own report.
fn linked_unit(code: &Code, l: &LinkReport) -> UnitReport {
    UnitReport {
        state: l.state,
        connected: l.connected,
        silent: l.silent,
        without_node: l.without_node,
        last_contact_ms: l.last_contact_ms,
        pending_out: Some(l.pending_out),
        pending_in: l.pending_in,
        expected_interval_secs: l.expected_interval_secs,
        last_error: l.status.last_error.clone(),
        ..unit(code, "link")
    }
}

/// A unit of the table this node never heard from: silent, unless it has
/// no node of its own.
fn unlinked_unit(code: &Code, without_node: bool, now_ms: u64) -> UnitReport {
    let expected = DEFAULT_EXPECTED_INTERVAL_SECS;
    let silent = !without_node && is_silent(None, expected, now_ms);
    UnitReport {
        state: unit_state(Flags {
            silent,
            without_node,
            ..Flags::default()
        }),
        silent,
        without_node,
        pending_out: Some(0),
        expected_interval_secs: Some(expected),
        ..unit(code, "none")
    }
}

/// What a county knows of the township whose villages it lists.
#[derive(Debug, Clone, Copy)]
struct Reporter {
    /// A session with the township is open now (its report is current).
    connected: bool,
    /// The township has no node: neither have its villages.
    without_node: bool,
}

/// The villages of `township` as a county sees them: from the township's
/// last report, aged by the county's clock; `unknown` where it has not
/// reported (`no_node` where the township has no node, or the county
/// declares the village as having none).
fn villages(
    township: &Code,
    report: Option<&LowerReport>,
    reporter: Reporter,
    now_ms: u64,
    options: &StatusOptions,
) -> Vec<UnitReport> {
    let reported: BTreeMap<&str, &LowerLink> = report
        .map(|r| r.links.iter().map(|l| (l.node.as_str(), l)).collect())
        .unwrap_or_default();
    let mut codes = table_children(township);
    codes.extend(reported.keys().filter_map(|c| Code::parse(c).ok()));
    codes.extend(
        options
            .without_node
            .iter()
            .filter(|c| c.parent().as_ref() == Some(township))
            .cloned(),
    );
    codes
        .into_iter()
        .map(|code| {
            let declared = reporter.without_node || options.without_node.contains(&code);
            match (reported.get(code.as_str()), report) {
                (Some(l), Some(r)) => {
                    reported_village(&code, l, r.received_ms, reporter, declared, now_ms)
                }
                _ => UnitReport {
                    state: if declared { "no_node" } else { "unknown" },
                    without_node: declared,
                    ..unit(&code, "none")
                },
            }
        })
        .collect()
}

/// A village as its township reported it, judged by the county's clock: it
/// counts as connected only while the township itself is connected (the
/// report is then current); otherwise its last contact ages from the report.
fn reported_village(
    code: &Code,
    l: &LowerLink,
    received_ms: u64,
    reporter: Reporter,
    declared: bool,
    now_ms: u64,
) -> UnitReport {
    let connected = l.connected && reporter.connected;
    let without_node = declared || l.without_node;
    let expected = expected_interval(l.announced_interval_secs);
    let last_contact_ms = if connected {
        Some(now_ms.max(l.last_contact_ms.unwrap_or(0)))
    } else {
        l.last_contact_ms
    };
    let silent = !without_node && !connected && is_silent(last_contact_ms, expected, now_ms);
    UnitReport {
        state: unit_state(Flags {
            connected,
            silent,
            failing: failing(connected, l.last_success_ms, l.last_failure_ms),
            without_node,
            ..Flags::default()
        }),
        connected,
        silent,
        without_node,
        last_contact_ms,
        pending_out: Some(l.pending_out),
        pending_in: l.pending_in,
        expected_interval_secs: Some(expected),
        last_error: l.last_error.clone(),
        reported_at_ms: Some(received_ms),
        ..unit(code, "reported")
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
