//! The lower-nodes page (下级节点): the sync picture of the operator's unit.
//! Every township and village of the unit (from the division table) gets a
//! row: the state of its link as this node's status report has it, or "no
//! data" where the report has none (a unit that runs no node, or whose
//! link this node does not see). A node-wide operator also sees the link
//! to the upstream (the exchange, for a county), failing when its last
//! session failed. A county sees its villages too, as their townships
//! report them upward (the status report's `units`): each such row says
//! which township's report it comes from and how old it is.

use crate::render::{Lang, esc, place_cell, table_head};
use crate::state::{Console, Page, PageError, Req, Shown, Viewer};
use liudong_core::Code;
use liudong_i18n::t_in;
use liudong_node::status::{LinkReport, NodeReport, UnitReport, fmt_ms};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A link's state at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncState {
    /// A session is open now.
    Connected,
    /// The last session succeeded and the peer is within its interval.
    Normal,
    /// The last session failed (after any success).
    Failing,
    /// The upstream refused this node (identity, certificate, version).
    Refused,
    /// A lower node not heard from within twice its interval.
    Silent,
    /// Known to the node but never in contact.
    Never,
    /// The status report has no row for this unit.
    NoData,
    /// Declared as having no node of its own (never silent).
    NoNode,
}

impl SyncState {
    /// For the page's `data-state` and CSS class.
    pub fn name(self) -> &'static str {
        match self {
            SyncState::Connected => "connected",
            SyncState::Normal => "normal",
            SyncState::Failing => "failing",
            SyncState::Refused => "refused",
            SyncState::Silent => "silent",
            SyncState::Never => "never",
            SyncState::NoData => "no-data",
            SyncState::NoNode => "no-node",
        }
    }

    /// A state someone must look into.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            SyncState::Failing | SyncState::Refused | SyncState::Silent | SyncState::Never
        )
    }

    fn label(self, l: Lang) -> String {
        match self {
            SyncState::Connected => t_in!(l, "console-state-connected"),
            SyncState::Normal => t_in!(l, "console-state-normal"),
            SyncState::Failing => t_in!(l, "console-state-failing"),
            SyncState::Refused => t_in!(l, "console-state-refused"),
            SyncState::Silent => t_in!(l, "console-state-silent"),
            SyncState::Never => t_in!(l, "console-state-never"),
            SyncState::NoData => t_in!(l, "console-state-no-data"),
            SyncState::NoNode => t_in!(l, "console-state-no-node"),
        }
    }
}

/// One unit's link as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyncRow {
    pub code: Code,
    /// The code as the report names it (`CN` for the national exchange).
    pub peer: String,
    pub upstream: bool,
    pub state: SyncState,
    pub last_contact_ms: Option<u64>,
    pub last_success_ms: Option<u64>,
    pub last_failure_ms: Option<u64>,
    pub last_error: Option<String>,
    pub pending_out: Option<u64>,
    pub pending_in: Option<u64>,
    pub sessions: Option<u64>,
    /// For a village as its township reported it: when that report arrived
    /// here (unix ms).
    pub reported_at_ms: Option<u64>,
}

impl SyncRow {
    /// Whether the row tells a link's state (not "no data", not a unit
    /// without a node).
    pub fn has_data(&self) -> bool {
        !matches!(self.state, SyncState::NoData | SyncState::NoNode)
    }

    fn no_data(code: Code) -> SyncRow {
        SyncRow {
            peer: code.to_string(),
            code,
            upstream: false,
            state: SyncState::NoData,
            last_contact_ms: None,
            last_success_ms: None,
            last_failure_ms: None,
            last_error: None,
            pending_out: None,
            pending_in: None,
            sessions: None,
            reported_at_ms: None,
        }
    }
}

/// The state of a link of the report: an open session first, then a
/// refusal, a failure more recent than the last success, no contact ever
/// (a lower node that never connected, though the report counts it as
/// silent too; for a unit declared without a node, that it has none),
/// silence; otherwise normal.
pub(crate) fn link_state(k: &LinkReport) -> SyncState {
    let s = &k.status;
    let failing = match (s.last_failure_ms, s.last_success_ms) {
        (Some(f), Some(ok)) => f > ok,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let never = s.last_success_ms.is_none() && k.last_contact_ms.is_none();
    if k.connected {
        SyncState::Connected
    } else if s.refused.is_some() {
        SyncState::Refused
    } else if failing {
        SyncState::Failing
    } else if never && k.without_node {
        SyncState::NoNode
    } else if never {
        SyncState::Never
    } else if k.silent {
        SyncState::Silent
    } else {
        SyncState::Normal
    }
}

fn link_row(k: &LinkReport) -> Option<SyncRow> {
    Some(SyncRow {
        code: Code::parse(&k.peer).ok()?,
        peer: k.peer.clone(),
        upstream: k.role == "upstream",
        state: link_state(k),
        last_contact_ms: k.last_contact_ms,
        last_success_ms: k.status.last_success_ms,
        last_failure_ms: k.status.last_failure_ms,
        last_error: k.status.last_error.clone(),
        pending_out: Some(k.pending_out),
        pending_in: k.pending_in,
        sessions: Some(k.status.sessions),
        reported_at_ms: None,
    })
}

/// The state of a unit of the report that this node has no link with: a
/// village as its township reported it, or a unit nothing is known of
/// ("no data"). A unit without a node of its own is never silent; a
/// reported village never in contact is "never", as a link is.
pub(crate) fn unit_state(u: &UnitReport) -> SyncState {
    if u.state == "connected" {
        SyncState::Connected
    } else if u.without_node || u.state == "no_node" {
        SyncState::NoNode
    } else if u.source != "reported" {
        SyncState::NoData
    } else {
        match u.state {
            "failing" => SyncState::Failing,
            "refused" => SyncState::Refused,
            _ if u.last_contact_ms.is_none() => SyncState::Never,
            "silent" => SyncState::Silent,
            "-" => SyncState::Normal,
            _ => SyncState::NoData,
        }
    }
}

fn unit_row(u: &UnitReport) -> Option<SyncRow> {
    let code = Code::parse(&u.code).ok()?;
    let state = unit_state(u);
    if u.source != "reported" {
        return Some(SyncRow {
            state,
            ..SyncRow::no_data(code)
        });
    }
    Some(SyncRow {
        peer: u.code.clone(),
        code,
        upstream: false,
        state,
        last_contact_ms: u.last_contact_ms,
        last_success_ms: None,
        last_failure_ms: None,
        last_error: u.last_error.clone(),
        pending_out: u.pending_out,
        pending_in: u.pending_in,
        sessions: None,
        reported_at_ms: u.reported_at_ms,
    })
}

/// The rows the status report contains: its upstream link, then every unit
/// under the node (`units`: a county's townships, each followed by its
/// villages as the township reported them; a township's villages) — a unit
/// this node has a link with by that link — and any other link to a child.
pub(crate) fn report_rows(rep: &NodeReport) -> Vec<SyncRow> {
    let children: BTreeMap<&str, &LinkReport> = rep
        .links
        .iter()
        .filter(|k| k.role != "upstream")
        .map(|k| (k.peer.as_str(), k))
        .collect();
    let mut out: Vec<SyncRow> = rep
        .links
        .iter()
        .filter(|k| k.role == "upstream")
        .filter_map(link_row)
        .collect();
    let mut seen = BTreeSet::new();
    fn walk<'a>(
        units: &'a [UnitReport],
        children: &BTreeMap<&str, &LinkReport>,
        seen: &mut BTreeSet<&'a str>,
        out: &mut Vec<SyncRow>,
    ) {
        for u in units {
            if !seen.insert(u.code.as_str()) {
                continue;
            }
            let linked = match children.get(u.code.as_str()) {
                Some(k) if u.source == "link" => link_row(k),
                _ => None,
            };
            if let Some(row) = linked.or_else(|| unit_row(u)) {
                out.push(row);
            }
            walk(&u.units, children, seen, out);
        }
    }
    walk(&rep.units, &children, &mut seen, &mut out);
    for (peer, k) in &children {
        if !seen.contains(peer) {
            out.extend(link_row(k));
        }
    }
    out
}

/// The rows `v` may see, from the running node's report: the links of
/// units under `v`'s unit, and the upstream for a node-wide operator.
pub(crate) fn rows(c: &Console, v: &Viewer) -> Result<Vec<SyncRow>, liudong_sync::SyncError> {
    let rep = liudong_node::status::report_node(&c.node)?;
    let whole = &v.unit == c.code();
    Ok(report_rows(&rep)
        .into_iter()
        .filter(|r| {
            if r.upstream {
                whole
            } else {
                r.code.is_under(&v.unit)
            }
        })
        .collect())
}

/// What a link's last error means, in the operators' words (the error
/// itself is in the node's log and `liudong status`).
fn error_word(l: Lang, e: &str) -> String {
    // A stored link error starts with its status code's name
    // (`liudong_sync::stored_link_error`); the message after it is in the
    // node's language, whose catalogue says "revoked" / "吊销".
    let head = e.split(':').next().unwrap_or("").trim();
    if e.contains("revoked") || e.contains("吊销") {
        t_in!(l, "console-link-error-revoked")
    } else if matches!(head, "PermissionDenied" | "Unauthenticated") {
        t_in!(l, "console-link-error-denied")
    } else if matches!(head, "Unavailable" | "transport" | "Cancelled") {
        t_in!(l, "console-link-error-unreachable")
    } else if matches!(head, "DeadlineExceeded" | "timed out") {
        t_in!(l, "console-link-error-timeout")
    } else if matches!(head, "InvalidArgument" | "AlreadyExists" | "DataLoss") {
        t_in!(l, "console-link-error-refused-data")
    } else if matches!(head, "FailedPrecondition" | "Unimplemented") {
        t_in!(l, "console-link-error-config")
    } else if head == "ResourceExhausted" || head == "limit exceeded" {
        t_in!(l, "console-link-error-limit")
    } else {
        t_in!(l, "console-link-error-other")
    }
}

fn ms(v: Option<u64>) -> String {
    v.map_or("—".into(), fmt_ms)
}

fn num(v: Option<u64>) -> String {
    v.map_or("—".into(), |n| n.to_string())
}

/// Where a reported row's state comes from, and how old it is.
fn provenance(l: Lang, at_ms: u64, now_ms: u64) -> String {
    let minutes = now_ms.saturating_sub(at_ms) / 60_000;
    if minutes == 0 {
        t_in!(l, "console-nodes-reported-now")
    } else {
        t_in!(l, "console-nodes-reported", minutes = minutes)
    }
}

fn row_html(b: &mut String, l: Lang, r: &SyncRow, unit: &Code, class: &str, now_ms: u64) {
    let via = r.reported_at_ms.map_or(String::new(), |at| {
        format!(
            "<span class=\"via\">{}</span>",
            esc(&provenance(l, at, now_ms))
        )
    });
    let _ = write!(
        b,
        "<tr class=\"link {class} {}\" data-peer=\"{}\" data-state=\"{}\" data-silent=\"{}\" data-source=\"{}\"><td>{}</td><td class=\"state\">{}{via}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        r.state.name(),
        esc(&r.peer),
        r.state.name(),
        r.state == SyncState::Silent,
        if r.reported_at_ms.is_some() {
            "reported"
        } else if r.sessions.is_some() {
            "link"
        } else {
            "none"
        },
        if r.code.is_national() {
            esc(&t_in!(l, "console-nodes-exchange", code = r.peer.as_str()))
        } else {
            place_cell(&r.code, unit)
        },
        esc(&r.state.label(l)),
        esc(&ms(r.last_contact_ms)),
        esc(&ms(r.last_success_ms)),
        esc(&ms(r.last_failure_ms)),
        num(r.pending_out),
        num(r.pending_in),
        num(r.sessions),
        esc(&r
            .last_error
            .as_deref()
            .filter(|_| r.state.is_problem())
            .map(|e| error_word(l, e))
            .unwrap_or_default()),
    );
}

fn headers(l: Lang) -> Vec<String> {
    vec![
        t_in!(l, "console-col-unit"),
        t_in!(l, "console-col-state"),
        t_in!(l, "console-col-last-contact"),
        t_in!(l, "console-col-last-success"),
        t_in!(l, "console-col-last-failure"),
        t_in!(l, "console-col-pending-out"),
        t_in!(l, "console-col-pending-in"),
        t_in!(l, "console-col-sessions"),
        t_in!(l, "console-col-last-error"),
    ]
}

pub(crate) fn nodes(c: &Console, r: &Req, v: &Viewer) -> Page {
    let l = r.lang;
    let rows = rows(c, v).map_err(|e| PageError::store(l, e))?;
    let b = body(l, &rows, &v.unit, c.node.now_ms());
    Ok(Shown::new(t_in!(l, "console-nav-nodes"), "/nodes", b))
}

/// The page's body: the upstream link among `rows` (if any), then every
/// unit of `unit` with, for each, a table of its own units.
fn body(l: Lang, rows: &[SyncRow], unit: &Code, now_ms: u64) -> String {
    let v_unit = unit;
    let find = |code: &str| rows.iter().find(|x| !x.upstream && x.code.as_str() == code);
    let table = liudong_core::divisions::table();
    let mut b = String::new();
    let up: Vec<&SyncRow> = rows.iter().filter(|x| x.upstream).collect();
    if !up.is_empty() {
        let _ = write!(b, "<h2>{}</h2>", esc(&t_in!(l, "console-nodes-upstream")));
        b.push_str(&table_head("upstream", "links", &headers(l)));
        for x in up {
            row_html(&mut b, l, x, &Code::national(), "upstream", now_ms);
        }
        b.push_str("</tbody></table>");
    }
    // The unit's children, then each child's own children (a county's
    // townships and their villages; a township's villages).
    let children: Vec<&str> = table.children(v_unit.as_str());
    let _ = write!(
        b,
        "<h2>{}</h2><p class=\"muted\">{}</p>",
        esc(&t_in!(l, "console-nodes-units")),
        esc(&t_in!(l, "console-nodes-note"))
    );
    b.push_str(&table_head("links", "links", &headers(l)));
    let shown = |code: &str| {
        find(code)
            .cloned()
            .unwrap_or_else(|| SyncRow::no_data(Code::parse(code).expect("division table code")))
    };
    let mut grand: Vec<(String, Vec<SyncRow>)> = Vec::new();
    for child in &children {
        let row = shown(child);
        row_html(&mut b, l, &row, v_unit, "unit", now_ms);
        // The table's units under the child, and those the report adds.
        let mut codes: BTreeSet<&str> = table.children(child).into_iter().collect();
        codes.extend(
            rows.iter()
                .filter(|x| !x.upstream && x.code.parent().is_some_and(|p| p.as_str() == *child))
                .map(|x| x.code.as_str()),
        );
        let below: Vec<SyncRow> = codes.into_iter().map(&shown).collect();
        if !below.is_empty() {
            grand.push((child.to_string(), below));
        }
    }
    // Rows of the report under the unit that the table does not list.
    for x in rows.iter().filter(|x| {
        !x.upstream
            && x.code != *v_unit
            && !children.contains(&x.code.as_str())
            && !x
                .code
                .parent()
                .is_some_and(|p| children.contains(&p.as_str()))
    }) {
        row_html(&mut b, l, x, v_unit, "unit", now_ms);
    }
    if children.is_empty() && rows.is_empty() {
        b.push_str(&crate::render::none_row(l, true, 9));
    }
    b.push_str("</tbody></table>");
    for (child, below) in grand {
        let code = Code::parse(&child).expect("division table code");
        let with_data = below.iter().filter(|x| x.has_data()).count();
        let problems = below.iter().filter(|x| x.state.is_problem()).count();
        let _ = write!(
            b,
            "<details class=\"villages\" data-unit=\"{}\"{}><summary>{}</summary>",
            esc(&child),
            if with_data > 0 { " open" } else { "" },
            esc(&t_in!(
                l,
                "console-nodes-villages",
                unit = liudong_node::worklist::place_name(&code, v_unit),
                total = below.len(),
                data = with_data,
                problems = problems
            ))
        );
        b.push_str(&table_head(
            &format!("villages-{child}"),
            "links",
            &headers(l),
        ));
        for x in &below {
            row_html(&mut b, l, x, v_unit, "village", now_ms);
        }
        b.push_str("</tbody></table></details>");
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_store::LinkStatus;

    fn link(connected: bool, silent: bool, status: LinkStatus) -> LinkReport {
        LinkReport {
            role: "upstream",
            peer: "CN".into(),
            cursor_in: 0,
            cursor_out: 0,
            pending_out: 0,
            pending_in: None,
            last_contact_ms: status.last_success_ms,
            connected,
            expected_interval_secs: None,
            silent,
            without_node: false,
            state: "-",
            fingerprint: String::new(),
            receipt: None,
            status,
        }
    }

    #[test]
    fn a_failing_link_shows_as_failing_not_normal() {
        let ok = LinkStatus {
            last_success_ms: Some(2000),
            ..Default::default()
        };
        assert_eq!(
            link_state(&link(false, false, ok.clone())),
            SyncState::Normal
        );
        assert_eq!(
            link_state(&link(true, false, ok.clone())),
            SyncState::Connected
        );
        let failing = LinkStatus {
            last_failure_ms: Some(3000),
            last_error: Some("Unavailable: connection refused".into()),
            ..ok.clone()
        };
        assert_eq!(link_state(&link(false, false, failing)), SyncState::Failing);
        let never_worked = LinkStatus {
            last_failure_ms: Some(3000),
            ..Default::default()
        };
        assert_eq!(
            link_state(&link(false, false, never_worked)),
            SyncState::Failing
        );
        let recovered = LinkStatus {
            last_failure_ms: Some(1000),
            ..ok.clone()
        };
        assert_eq!(
            link_state(&link(false, false, recovered)),
            SyncState::Normal
        );
        let refused = LinkStatus {
            refused: Some(liudong_store::Refusal {
                at_ms: 3000,
                error: "PermissionDenied: revoked".into(),
            }),
            ..ok.clone()
        };
        assert_eq!(link_state(&link(false, false, refused)), SyncState::Refused);
        assert_eq!(link_state(&link(false, true, ok)), SyncState::Silent);
        assert_eq!(
            link_state(&link(false, false, LinkStatus::default())),
            SyncState::Never
        );
        // A lower node that never connected: the report calls it silent,
        // the page says it was never in contact.
        assert_eq!(
            link_state(&link(false, true, LinkStatus::default())),
            SyncState::Never
        );
    }

    fn unit(
        code: &str,
        level: &'static str,
        source: &'static str,
        state: &'static str,
    ) -> UnitReport {
        UnitReport {
            code: code.into(),
            name: String::new(),
            level,
            source,
            state,
            connected: state == "connected",
            silent: state == "silent",
            without_node: state == "no_node",
            last_contact_ms: None,
            pending_out: None,
            pending_in: None,
            expected_interval_secs: Some(300),
            last_error: None,
            reported_at_ms: None,
            units: Vec::new(),
        }
    }

    /// The attributes and state cell of the row of `code` in `html`.
    fn row_of<'a>(html: &'a str, code: &str) -> &'a str {
        let at = html
            .find(&format!("data-peer=\"{code}\""))
            .unwrap_or_else(|| panic!("no row for {code}"));
        let end = html[at..].find("</tr>").unwrap();
        &html[at..at + end]
    }

    #[test]
    fn villages_show_as_their_township_reported_them() {
        let now = 100 * 60_000;
        let county = "530424";
        let town = "530424102";
        let villages = liudong_core::divisions::table().children(town);
        assert!(villages.len() >= 4, "{villages:?}");
        let (live, quiet, nodeless, unheard) = (villages[0], villages[1], villages[2], villages[3]);
        let reported = |code, state| UnitReport {
            reported_at_ms: Some(now - 5 * 60_000),
            ..unit(code, "village", "reported", state)
        };
        let mut silent_village = reported(quiet, "silent");
        silent_village.last_contact_ms = Some(now - 3_600_000);
        silent_village.last_error = Some("Unavailable: tcp connect error".into());
        // Declared without a node: never silent, whatever the report says.
        let mut nodeless_village = reported(nodeless, "silent");
        nodeless_village.without_node = true;
        let mut township = unit(town, "township", "link", "connected");
        township.units = vec![
            UnitReport {
                last_contact_ms: Some(now),
                pending_out: Some(2),
                ..reported(live, "connected")
            },
            silent_village,
            nodeless_village,
            unit(unheard, "village", "none", "unknown"),
        ];
        let mut town_link = link(true, false, LinkStatus::default());
        town_link.role = "child";
        town_link.peer = town.into();
        town_link.last_contact_ms = Some(now);
        let rep = NodeReport {
            node: county.into(),
            kind: "county",
            upstream: Some("CN".into()),
            records: 0,
            last_seq: 0,
            conflicts: 0,
            refused: 0,
            write_failed: false,
            links: vec![link(true, false, LinkStatus::default()), town_link],
            units: vec![township],
        };
        let rows = report_rows(&rep);
        let state = |code: &str| rows.iter().find(|r| r.peer == code).map(|r| r.state);
        assert_eq!(state("CN"), Some(SyncState::Connected));
        assert_eq!(state(town), Some(SyncState::Connected));
        assert_eq!(state(live), Some(SyncState::Connected));
        assert_eq!(state(quiet), Some(SyncState::Silent));
        assert_eq!(state(nodeless), Some(SyncState::NoNode));
        assert_eq!(state(unheard), Some(SyncState::NoData));
        assert_eq!(rows.len(), 6, "each unit once: {rows:?}");

        let unit_code = Code::parse(county).unwrap();
        let zh = body(Lang::Zh, &rows, &unit_code, now);
        let row = row_of(&zh, live);
        assert!(row.contains("data-state=\"connected\""), "{row}");
        assert!(row.contains("data-source=\"reported\""), "{row}");
        assert!(
            row.contains("在线") && row.contains("由乡镇报告，5 分钟前"),
            "{row}"
        );
        assert!(zh.contains("class=\"link village connected\""));
        let row = row_of(&zh, quiet);
        assert!(row.contains("data-silent=\"true\""), "{row}");
        assert!(
            row.contains("超时未联系") && row.contains("无法连接"),
            "{row}"
        );
        let row = row_of(&zh, nodeless);
        assert!(row.contains("data-state=\"no-node\""), "{row}");
        assert!(row.contains("data-silent=\"false\""), "{row}");
        assert!(
            row.contains("无独立节点") && !row.contains("超时未联系"),
            "{row}"
        );
        let row = row_of(&zh, unheard);
        assert!(
            row.contains("无数据") && !row.contains("由乡镇报告"),
            "{row}"
        );
        let row = row_of(&zh, town);
        assert!(row.contains("在线") && !row.contains("由乡镇报告"), "{row}");
        // The township's summary: 2 villages with data, 1 problem.
        assert!(zh.contains("有同步数据 2 个，异常 1 个"), "{zh}");

        let en = body(Lang::En, &rows, &unit_code, now);
        assert!(row_of(&en, live).contains("reported by the township, 5 min ago"));
        assert!(row_of(&en, nodeless).contains("no node of its own"));
        assert!(row_of(&en, quiet).contains("silent"));
        assert!(row_of(&en, unheard).contains("no data"));
        let just_now = body(Lang::Zh, &rows, &unit_code, now - 5 * 60_000 + 30_000);
        assert!(row_of(&just_now, live).contains("由乡镇报告，刚刚"));
    }

    #[test]
    fn a_unit_without_a_node_is_never_silent_nor_never_in_contact() {
        let mut k = link(false, false, LinkStatus::default());
        k.without_node = true;
        assert_eq!(link_state(&k), SyncState::NoNode);
        let mut u = unit("530424102205", "village", "reported", "silent");
        u.without_node = true;
        assert_eq!(unit_state(&u), SyncState::NoNode);
        let u = unit("530424102205", "village", "none", "no_node");
        assert_eq!(unit_state(&u), SyncState::NoNode);
        // A reported village never in contact: as a link, "never".
        let u = unit("530424102205", "village", "reported", "silent");
        assert_eq!(unit_state(&u), SyncState::Never);
        // A township this node never heard from: no data (as before).
        let u = unit("530424001", "township", "none", "silent");
        assert_eq!(unit_state(&u), SyncState::NoData);
    }

    #[test]
    fn link_errors_are_told_in_words_not_status_codes() {
        for (e, zh) in [
            ("Unavailable: tcp connect error", "无法连接"),
            ("transport: broken pipe", "无法连接"),
            ("PermissionDenied: not a child", "拒绝"),
            ("certificate ab of node 410602 has been revoked", "吊销"),
            ("DeadlineExceeded: idle", "超时"),
        ] {
            let w = error_word(Lang::Zh, e);
            assert!(w.contains(zh), "{e}: {w}");
            assert!(
                !w.contains("Unavailable") && !w.contains("Permission"),
                "{w}"
            );
        }
    }
}
