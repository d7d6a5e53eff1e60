//! The lower-nodes page (下级节点): the sync picture of the operator's unit.
//! Every township and village of the unit (from the division table) gets a
//! row: the state of its link as this node's status report has it, or "no
//! data" where the report has none (a unit that runs no node, or whose
//! link this node does not see). A node-wide operator also sees the link
//! to the upstream (the exchange, for a county), failing when its last
//! session failed.

use crate::render::{Lang, esc, place_cell, table_head};
use crate::state::{Console, Page, PageError, Req, Shown, Viewer};
use liudong_core::Code;
use liudong_i18n::t_in;
use liudong_node::status::{LinkReport, NodeReport, fmt_ms};
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
}

impl SyncRow {
    pub fn has_data(&self) -> bool {
        self.state != SyncState::NoData
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
        }
    }
}

/// The state of a link of the report: an open session first, then a
/// refusal, a failure more recent than the last success, no contact ever
/// (a lower node that never connected, though the report counts it as
/// silent too), silence; otherwise normal.
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
    })
}

/// The rows the status report contains: one per link of this node (its
/// upstream and its children). Rows the report may carry for units further
/// down (villages under a township, as townships report them) belong here
/// too, each by its unit's code.
pub(crate) fn report_rows(rep: &NodeReport) -> Vec<SyncRow> {
    rep.links.iter().filter_map(link_row).collect()
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
    let head = e.split(':').next().unwrap_or("").trim();
    if e.contains("revoked") {
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

fn row_html(b: &mut String, l: Lang, r: &SyncRow, unit: &Code, class: &str) {
    let _ = write!(
        b,
        "<tr class=\"link {class} {}\" data-peer=\"{}\" data-state=\"{}\" data-silent=\"{}\"><td>{}</td><td class=\"state\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        r.state.name(),
        esc(&r.peer),
        r.state.name(),
        r.state == SyncState::Silent,
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
    let find = |code: &str| rows.iter().find(|x| !x.upstream && x.code.as_str() == code);
    let table = liudong_core::divisions::table();
    let mut b = String::new();
    let up: Vec<&SyncRow> = rows.iter().filter(|x| x.upstream).collect();
    if !up.is_empty() {
        let _ = write!(b, "<h2>{}</h2>", esc(&t_in!(l, "console-nodes-upstream")));
        b.push_str(&table_head("upstream", "links", &headers(l)));
        for x in up {
            row_html(&mut b, l, x, &Code::national(), "upstream");
        }
        b.push_str("</tbody></table>");
    }
    // The unit's children, then each child's own children (a county's
    // townships and their villages; a township's villages).
    let children: Vec<&str> = table.children(v.unit.as_str());
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
        row_html(&mut b, l, &row, &v.unit, "unit");
        let below: Vec<SyncRow> = table.children(child).iter().map(|g| shown(g)).collect();
        if !below.is_empty() {
            grand.push((child.to_string(), below));
        }
    }
    // Rows of the report under the unit that the table does not list.
    for x in rows.iter().filter(|x| {
        !x.upstream
            && x.code != v.unit
            && !children.contains(&x.code.as_str())
            && !x
                .code
                .parent()
                .is_some_and(|p| children.contains(&p.as_str()))
    }) {
        row_html(&mut b, l, x, &v.unit, "unit");
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
                unit = liudong_node::worklist::place_name(&code, &v.unit),
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
            row_html(&mut b, l, x, &v.unit, "village");
        }
        b.push_str("</tbody></table></details>");
    }
    Ok(Shown::new(t_in!(l, "console-nav-nodes"), "/nodes", b))
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
