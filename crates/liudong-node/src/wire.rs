//! The admin service's messages (proto/liudong/v1/admin.proto) and the Rust
//! types they carry: the status report, the verify report, audit entries,
//! queries and their answers. One [`Wire`] impl per type, so the running
//! node's door and the stopped store's door answer the same types.
//!
//! Invariant: `from_wire(to_wire(x)) == x` for every value a node produces
//! (unit-tested below); a message that does not decode is refused naming
//! the field, never patched up.

use crate::query::{
    Answer, OperatorQuery, OverdueAnswer, PersonAnswer, PersonRecords, PersonsAnswer, Query,
};
use crate::status::{LinkReport, NodeReport, UnitReport};
use liudong_core::overdue::{Item, Kind, Thresholds, Who};
use liudong_core::record::MaritalStatus;
use liudong_core::report::{Arrival, Counts, Month, Report, Row};
use liudong_core::workflow::{IssueKind, WorkflowIssue};
use liudong_core::{CitizenId, Code, Date, RecordId};
use liudong_proto::pb;
use liudong_store::LinkStatus;
use liudong_store::audit::{AuditEntry, AuditEvent};
use liudong_store::fingerprint::{AuditReport, Receipt};
use liudong_store::held::HeldRecord;
use liudong_sync::verify::{BucketDiff, SourceCheck, VerifyReport};

/// A message of the admin service that does not carry a well-formed value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", liudong_i18n::t!("wire-field", field = field.to_string(), reason = reason.to_string()))]
pub struct WireError {
    pub field: &'static str,
    pub reason: String,
}

fn bad(field: &'static str, reason: impl ToString) -> WireError {
    WireError {
        field,
        reason: reason.to_string(),
    }
}

fn required<T>(field: &'static str, v: Option<T>) -> Result<T, WireError> {
    v.ok_or_else(|| bad(field, "missing"))
}

/// A Rust value and the admin message that carries it.
pub trait Wire: Sized {
    type Message: prost::Message + Default;
    fn to_wire(&self) -> Self::Message;
    fn from_wire(m: Self::Message) -> Result<Self, WireError>;
}

fn code(field: &'static str, s: &str) -> Result<Code, WireError> {
    Code::parse(s).map_err(|e| bad(field, e))
}

fn opt_code(field: &'static str, s: Option<String>) -> Result<Option<Code>, WireError> {
    s.map(|s| code(field, &s)).transpose()
}

fn date(field: &'static str, s: &str) -> Result<Date, WireError> {
    Date::parse(s).map_err(|e| bad(field, e))
}

fn citizen(field: &'static str, s: &str) -> Result<CitizenId, WireError> {
    CitizenId::parse(s).map_err(|e| bad(field, e))
}

fn count(field: &'static str, n: u64) -> Result<usize, WireError> {
    usize::try_from(n).map_err(|e| bad(field, e))
}

/// Record ids travel as the records' own `RecordId` message.
pub fn id_to_pb(id: &RecordId) -> pb::RecordId {
    pb::RecordId {
        node: id.node.as_str().to_string(),
        seq: id.seq,
    }
}

pub fn id_from_pb(field: &'static str, id: Option<pb::RecordId>) -> Result<RecordId, WireError> {
    let id = required(field, id)?;
    if id.seq == 0 {
        return Err(bad(field, "seq must be 1 or more"));
    }
    Ok(RecordId {
        node: code(field, &id.node)?,
        seq: id.seq,
    })
}

fn records_to_pb(records: &[liudong_core::Record]) -> Vec<pb::Record> {
    records.iter().map(liudong_proto::record_to_pb).collect()
}

fn records_from_pb(rs: &[pb::Record]) -> Result<Vec<liudong_core::Record>, WireError> {
    rs.iter()
        .map(|r| liudong_proto::record_from_pb(r).map_err(|e| bad("records", e)))
        .collect()
}

// --- status --------------------------------------------------------------

fn kind_to_pb(kind: &str) -> pb::NodeKind {
    match kind {
        "village" => pb::NodeKind::Village,
        "township" => pb::NodeKind::Township,
        "county" => pb::NodeKind::County,
        "exchange" => pb::NodeKind::Exchange,
        _ => pb::NodeKind::Unspecified,
    }
}

fn kind_from_pb(v: i32) -> Result<&'static str, WireError> {
    match pb::NodeKind::try_from(v) {
        Ok(pb::NodeKind::Village) => Ok("village"),
        Ok(pb::NodeKind::Township) => Ok("township"),
        Ok(pb::NodeKind::County) => Ok("county"),
        Ok(pb::NodeKind::Exchange) => Ok("exchange"),
        _ => Err(bad("kind", format!("unknown node kind {v}"))),
    }
}

fn role_to_pb(role: &str) -> pb::LinkRole {
    match role {
        "upstream" => pb::LinkRole::Upstream,
        "child" => pb::LinkRole::Child,
        _ => pb::LinkRole::Unspecified,
    }
}

fn role_from_pb(v: i32) -> Result<&'static str, WireError> {
    match pb::LinkRole::try_from(v) {
        Ok(pb::LinkRole::Upstream) => Ok("upstream"),
        Ok(pb::LinkRole::Child) => Ok("child"),
        _ => Err(bad("links.role", format!("unknown link role {v}"))),
    }
}

fn receipt_to_pb(r: &Receipt) -> pb::SyncReceipt {
    pb::SyncReceipt {
        peer: r.peer.clone(),
        at_ms: r.at_ms,
        in_step: r.in_step,
        cursor_in: r.cursor_in,
        cursor_out: r.cursor_out,
        fingerprint: r.fingerprint.clone(),
        differing: r.differing.clone(),
    }
}

fn receipt_from_pb(r: pb::SyncReceipt) -> Receipt {
    Receipt {
        peer: r.peer,
        at_ms: r.at_ms,
        in_step: r.in_step,
        cursor_in: r.cursor_in,
        cursor_out: r.cursor_out,
        fingerprint: r.fingerprint,
        differing: r.differing,
    }
}

fn link_status_to_pb(s: &LinkStatus) -> pb::LinkStatus {
    pb::LinkStatus {
        last_success_ms: s.last_success_ms,
        last_failure_ms: s.last_failure_ms,
        last_error: s.last_error.clone(),
        sessions: s.sessions,
        records_sent: s.records_sent,
        records_received: s.records_received,
        refused: s.refused.as_ref().map(|r| pb::Refusal {
            at_ms: r.at_ms,
            error: r.error.clone(),
        }),
    }
}

fn link_status_from_pb(s: pb::LinkStatus) -> LinkStatus {
    LinkStatus {
        last_success_ms: s.last_success_ms,
        last_failure_ms: s.last_failure_ms,
        last_error: s.last_error,
        sessions: s.sessions,
        records_sent: s.records_sent,
        records_received: s.records_received,
        refused: s.refused.map(|r| liudong_store::Refusal {
            at_ms: r.at_ms,
            error: r.error,
        }),
    }
}

/// The states of links and units and their wire values, in one table.
const STATES: [(&str, pb::LinkState); 8] = [
    ("-", pb::LinkState::Idle),
    ("connected", pb::LinkState::Connected),
    ("refused", pb::LinkState::Refused),
    ("silent", pb::LinkState::Silent),
    ("failing", pb::LinkState::Failing),
    ("waiting", pb::LinkState::Waiting),
    ("no_node", pb::LinkState::NoNode),
    ("unknown", pb::LinkState::Unknown),
];

fn state_to_pb(s: &str) -> pb::LinkState {
    STATES
        .iter()
        .find(|(name, _)| *name == s)
        .map_or(pb::LinkState::Idle, |(_, v)| *v)
}

fn state_from_pb(field: &'static str, v: i32) -> Result<&'static str, WireError> {
    STATES
        .iter()
        .find(|(_, s)| *s as i32 == v)
        .map(|(name, _)| *name)
        .ok_or_else(|| bad(field, format!("unknown link state {v}")))
}

fn level_from_pb(s: &str) -> Result<&'static str, WireError> {
    match s {
        "township" => Ok("township"),
        "village" => Ok("village"),
        other => Err(bad("units.level", format!("unknown unit level {other:?}"))),
    }
}

fn source_from_pb(s: &str) -> Result<&'static str, WireError> {
    match s {
        "link" => Ok("link"),
        "reported" => Ok("reported"),
        "none" => Ok("none"),
        other => Err(bad(
            "units.source",
            format!("unknown unit source {other:?}"),
        )),
    }
}

fn unit_to_pb(u: &UnitReport) -> pb::UnitReport {
    pb::UnitReport {
        code: u.code.clone(),
        name: u.name.clone(),
        level: u.level.to_string(),
        source: u.source.to_string(),
        state: state_to_pb(u.state) as i32,
        connected: u.connected,
        silent: u.silent,
        without_node: u.without_node,
        last_contact_ms: u.last_contact_ms,
        pending_out: u.pending_out,
        pending_in: u.pending_in,
        expected_interval_secs: u.expected_interval_secs,
        last_error: u.last_error.clone(),
        reported_at_ms: u.reported_at_ms,
        units: u.units.iter().map(unit_to_pb).collect(),
    }
}

fn unit_from_pb(u: pb::UnitReport) -> Result<UnitReport, WireError> {
    Ok(UnitReport {
        level: level_from_pb(&u.level)?,
        source: source_from_pb(&u.source)?,
        state: state_from_pb("units.state", u.state)?,
        code: u.code,
        name: u.name,
        connected: u.connected,
        silent: u.silent,
        without_node: u.without_node,
        last_contact_ms: u.last_contact_ms,
        pending_out: u.pending_out,
        pending_in: u.pending_in,
        expected_interval_secs: u.expected_interval_secs,
        last_error: u.last_error,
        reported_at_ms: u.reported_at_ms,
        units: u
            .units
            .into_iter()
            .map(unit_from_pb)
            .collect::<Result<_, _>>()?,
    })
}

fn link_to_pb(l: &LinkReport) -> pb::LinkReport {
    pb::LinkReport {
        role: role_to_pb(l.role) as i32,
        peer: l.peer.clone(),
        cursor_in: l.cursor_in,
        cursor_out: l.cursor_out,
        pending_out: l.pending_out,
        pending_in: l.pending_in,
        last_contact_ms: l.last_contact_ms,
        connected: l.connected,
        expected_interval_secs: l.expected_interval_secs,
        silent: l.silent,
        fingerprint: l.fingerprint.clone(),
        receipt: l.receipt.as_ref().map(receipt_to_pb),
        status: Some(link_status_to_pb(&l.status)),
        state: state_to_pb(l.state) as i32,
        without_node: l.without_node,
    }
}

fn link_from_pb(l: pb::LinkReport) -> Result<LinkReport, WireError> {
    Ok(LinkReport {
        role: role_from_pb(l.role)?,
        peer: l.peer,
        cursor_in: l.cursor_in,
        cursor_out: l.cursor_out,
        pending_out: l.pending_out,
        pending_in: l.pending_in,
        last_contact_ms: l.last_contact_ms,
        connected: l.connected,
        expected_interval_secs: l.expected_interval_secs,
        silent: l.silent,
        fingerprint: l.fingerprint,
        receipt: l.receipt.map(receipt_from_pb),
        status: link_status_from_pb(required("links.status", l.status)?),
        state: state_from_pb("links.state", l.state)?,
        without_node: l.without_node,
    })
}

impl Wire for NodeReport {
    type Message = pb::StatusResponse;

    fn to_wire(&self) -> pb::StatusResponse {
        pb::StatusResponse {
            node: self.node.clone(),
            kind: kind_to_pb(self.kind) as i32,
            upstream: self.upstream.clone(),
            records: self.records as u64,
            last_seq: self.last_seq,
            conflicts: self.conflicts,
            refused: self.refused,
            write_failed: self.write_failed,
            links: self.links.iter().map(link_to_pb).collect(),
            units: self.units.iter().map(unit_to_pb).collect(),
        }
    }

    fn from_wire(m: pb::StatusResponse) -> Result<NodeReport, WireError> {
        Ok(NodeReport {
            node: m.node,
            kind: kind_from_pb(m.kind)?,
            upstream: m.upstream,
            records: count("records", m.records)?,
            last_seq: m.last_seq,
            conflicts: m.conflicts,
            refused: m.refused,
            write_failed: m.write_failed,
            links: m
                .links
                .into_iter()
                .map(link_from_pb)
                .collect::<Result<_, _>>()?,
            units: m
                .units
                .into_iter()
                .map(unit_from_pb)
                .collect::<Result<_, _>>()?,
        })
    }
}

// --- verify --------------------------------------------------------------

impl Wire for VerifyReport {
    type Message = pb::VerifyNowResponse;

    fn to_wire(&self) -> pb::VerifyNowResponse {
        pb::VerifyNowResponse {
            node: self.node.clone(),
            upstream: self.upstream.clone(),
            scope: self.scope.clone(),
            audit: Some(pb::StoreAudit {
                checked: self.audit.checked,
                missing: self.audit.missing.clone(),
                corrupt: self.audit.corrupt.clone(),
            }),
            in_step_before: self.in_step_before,
            in_step: self.in_step,
            local: self.local.clone(),
            remote: self.remote.clone(),
            buckets: self
                .buckets
                .iter()
                .map(|b| pb::BucketDiff {
                    bucket: b.bucket.clone(),
                    here: b.here,
                    there: b.there,
                    missing_here: b.missing_here.clone(),
                    missing_there: b.missing_there.clone(),
                    conflicting: b.conflicting.clone(),
                })
                .collect(),
            fetched: self.fetched,
            offered: self.offered,
            offered_new: self.offered_new,
            sources: self
                .sources
                .iter()
                .map(|c| pb::SourceCheck {
                    source: c.source.clone(),
                    state: c.state.clone(),
                    sent: c.sent,
                    received: c.received,
                    missing: c.missing,
                    missing_ids: c.missing_ids.clone(),
                    buckets: c.buckets.clone(),
                    reason: c.reason.clone(),
                })
                .collect(),
            in_flight: self.in_flight,
        }
    }

    fn from_wire(m: pb::VerifyNowResponse) -> Result<VerifyReport, WireError> {
        let audit = required("audit", m.audit)?;
        Ok(VerifyReport {
            node: m.node,
            upstream: m.upstream,
            scope: m.scope,
            audit: AuditReport {
                checked: audit.checked,
                missing: audit.missing,
                corrupt: audit.corrupt,
            },
            in_step_before: m.in_step_before,
            in_step: m.in_step,
            local: m.local,
            remote: m.remote,
            buckets: m
                .buckets
                .into_iter()
                .map(|b| BucketDiff {
                    bucket: b.bucket,
                    here: b.here,
                    there: b.there,
                    missing_here: b.missing_here,
                    missing_there: b.missing_there,
                    conflicting: b.conflicting,
                })
                .collect(),
            fetched: m.fetched,
            offered: m.offered,
            offered_new: m.offered_new,
            sources: m
                .sources
                .into_iter()
                .map(|c| SourceCheck {
                    source: c.source,
                    state: c.state,
                    sent: c.sent,
                    received: c.received,
                    missing: c.missing,
                    missing_ids: c.missing_ids,
                    buckets: c.buckets,
                    reason: c.reason,
                })
                .collect(),
            in_flight: m.in_flight,
        })
    }
}

// --- audit trail ---------------------------------------------------------

impl Wire for AuditEntry {
    type Message = pb::AuditEntry;

    fn to_wire(&self) -> pb::AuditEntry {
        use pb::audit_entry as e;
        let event = match self.event.clone() {
            AuditEvent::Session {
                peer,
                role,
                fingerprint,
                addr,
                live,
                sent,
                received,
                duplicates,
                subjects_sent,
                subjects_received,
                outcome,
            } => e::Event::Session(e::Session {
                peer,
                role,
                fingerprint,
                addr,
                live,
                sent,
                received,
                duplicates,
                subjects_sent,
                subjects_received,
                outcome,
            }),
            AuditEvent::Disclosed {
                peer,
                fingerprint,
                records,
                subjects,
            } => e::Event::Disclosed(e::Disclosed {
                peer,
                fingerprint,
                records,
                subjects,
            }),
            AuditEvent::Refused {
                peer,
                fingerprint,
                addr,
                reason,
            } => e::Event::Refused(e::Refused {
                peer,
                fingerprint,
                addr,
                reason,
            }),
            AuditEvent::RecordWritten {
                operator,
                record,
                kind,
                subject,
            } => e::Event::RecordWritten(e::RecordWritten {
                operator,
                record,
                kind,
                subject,
            }),
            AuditEvent::Viewed {
                operator,
                query,
                subjects,
            } => e::Event::Viewed(e::Viewed {
                operator,
                query,
                subjects,
            }),
            AuditEvent::Imported {
                source,
                records,
                subjects,
            } => e::Event::Imported(e::Imported {
                source,
                records,
                subjects,
            }),
            AuditEvent::Resent {
                operator,
                peer,
                from,
                records,
            } => e::Event::Resent(e::Resent {
                operator,
                peer,
                from,
                records,
            }),
        };
        pb::AuditEntry {
            seq: self.seq,
            time_ms: self.time_ms,
            event: Some(event),
        }
    }

    fn from_wire(m: pb::AuditEntry) -> Result<AuditEntry, WireError> {
        use pb::audit_entry as e;
        let event = match required("event", m.event)? {
            e::Event::Session(s) => AuditEvent::Session {
                peer: s.peer,
                role: s.role,
                fingerprint: s.fingerprint,
                addr: s.addr,
                live: s.live,
                sent: s.sent,
                received: s.received,
                duplicates: s.duplicates,
                subjects_sent: s.subjects_sent,
                subjects_received: s.subjects_received,
                outcome: s.outcome,
            },
            e::Event::Disclosed(d) => AuditEvent::Disclosed {
                peer: d.peer,
                fingerprint: d.fingerprint,
                records: d.records,
                subjects: d.subjects,
            },
            e::Event::Refused(r) => AuditEvent::Refused {
                peer: r.peer,
                fingerprint: r.fingerprint,
                addr: r.addr,
                reason: r.reason,
            },
            e::Event::RecordWritten(w) => AuditEvent::RecordWritten {
                operator: w.operator,
                record: w.record,
                kind: w.kind,
                subject: w.subject,
            },
            e::Event::Viewed(v) => AuditEvent::Viewed {
                operator: v.operator,
                query: v.query,
                subjects: v.subjects,
            },
            e::Event::Imported(i) => AuditEvent::Imported {
                source: i.source,
                records: i.records,
                subjects: i.subjects,
            },
            e::Event::Resent(r) => AuditEvent::Resent {
                operator: r.operator,
                peer: r.peer,
                from: r.from,
                records: r.records,
            },
        };
        Ok(AuditEntry {
            seq: m.seq,
            time_ms: m.time_ms,
            event,
        })
    }
}

// --- queries -------------------------------------------------------------

fn thresholds_to_pb(t: &Thresholds) -> pb::Thresholds {
    pb::Thresholds {
        missed_quarters: t.missed_quarters,
        certificate_days: t.certificate_days,
        ack_days: t.ack_days,
    }
}

fn thresholds_from_pb(t: Option<pb::Thresholds>) -> Result<Thresholds, WireError> {
    let t = required("thresholds", t)?;
    Ok(Thresholds {
        missed_quarters: t.missed_quarters,
        certificate_days: t.certificate_days,
        ack_days: t.ack_days,
    })
}

impl Wire for OperatorQuery {
    type Message = pb::QueryRequest;

    fn to_wire(&self) -> pb::QueryRequest {
        use pb::query_request::Query as Q;
        let query = match &self.query {
            Query::Person { subject } => Q::Person(pb::PersonQuery {
                subject: subject.clone(),
            }),
            Query::Overdue { kinds, thresholds } => Q::Overdue(pb::OverdueQuery {
                kinds: kinds.clone(),
                thresholds: Some(thresholds_to_pb(thresholds)),
            }),
            Query::Report {
                month,
                code,
                ack_days,
            } => Q::Report(pb::ReportQuery {
                month: month.clone(),
                code: code.clone(),
                ack_days: *ack_days,
            }),
            Query::Persons { after, limit } => Q::Persons(pb::PersonsQuery {
                after: after.clone(),
                limit: *limit as u64,
            }),
        };
        pb::QueryRequest {
            operator: self.operator.clone(),
            query: Some(query),
        }
    }

    fn from_wire(m: pb::QueryRequest) -> Result<OperatorQuery, WireError> {
        use pb::query_request::Query as Q;
        let query = match required("query", m.query)? {
            Q::Person(p) => Query::Person { subject: p.subject },
            Q::Overdue(o) => Query::Overdue {
                kinds: o.kinds,
                thresholds: thresholds_from_pb(o.thresholds)?,
            },
            Q::Report(r) => Query::Report {
                month: r.month,
                code: r.code,
                ack_days: r.ack_days,
            },
            Q::Persons(p) => Query::Persons {
                after: p.after,
                limit: count("limit", p.limit)?,
            },
        };
        Ok(OperatorQuery {
            operator: m.operator,
            query,
        })
    }
}

fn issue_kind_to_pb(k: IssueKind) -> pb::IssueKind {
    match k {
        IssueKind::Breach => pb::IssueKind::Breach,
        IssueKind::MissingContext => pb::IssueKind::MissingContext,
    }
}

fn issue_kind_from_pb(v: i32) -> Result<IssueKind, WireError> {
    match pb::IssueKind::try_from(v) {
        Ok(pb::IssueKind::Breach) => Ok(IssueKind::Breach),
        Ok(pb::IssueKind::MissingContext) => Ok(IssueKind::MissingContext),
        _ => Err(bad("held.issue.kind", format!("unknown issue kind {v}"))),
    }
}

fn held_to_pb(h: &HeldRecord) -> pb::HeldRecord {
    pb::HeldRecord {
        id: Some(id_to_pb(&h.id)),
        subject: h.subject.clone(),
        kind: h.kind.clone(),
        issue: Some(pb::WorkflowIssue {
            kind: issue_kind_to_pb(h.issue.kind) as i32,
            field: h.issue.field.clone(),
            reason: h.issue.reason.text_in(liudong_i18n::Lang::En),
        }),
    }
}

fn held_from_pb(h: pb::HeldRecord) -> Result<HeldRecord, WireError> {
    let issue = required("held.issue", h.issue)?;
    Ok(HeldRecord {
        id: id_from_pb("held.id", h.id)?,
        subject: h.subject,
        kind: h.kind,
        issue: WorkflowIssue {
            kind: issue_kind_from_pb(issue.kind)?,
            field: issue.field,
            reason: Box::new(liudong_core::Reason::from_stored(issue.reason)),
        },
    })
}

fn helds_from_pb(hs: Vec<pb::HeldRecord>) -> Result<Vec<HeldRecord>, WireError> {
    hs.into_iter().map(held_from_pb).collect()
}

fn overdue_kind_to_pb(k: Kind) -> pb::OverdueKind {
    match k {
        Kind::MissingChecks => pb::OverdueKind::MissingChecks,
        Kind::Certificate => pb::OverdueKind::Certificate,
        Kind::NoCertificate => pb::OverdueKind::NoCertificate,
        Kind::Unacknowledged => pb::OverdueKind::Unacknowledged,
    }
}

fn overdue_kind_from_pb(v: i32) -> Result<Kind, WireError> {
    match pb::OverdueKind::try_from(v) {
        Ok(pb::OverdueKind::MissingChecks) => Ok(Kind::MissingChecks),
        Ok(pb::OverdueKind::Certificate) => Ok(Kind::Certificate),
        Ok(pb::OverdueKind::NoCertificate) => Ok(Kind::NoCertificate),
        Ok(pb::OverdueKind::Unacknowledged) => Ok(Kind::Unacknowledged),
        _ => Err(bad("items.kind", format!("unknown overdue kind {v}"))),
    }
}

fn item_to_pb(i: &Item) -> pb::OverdueItem {
    pb::OverdueItem {
        kind: overdue_kind_to_pb(i.kind) as i32,
        subject: i.subject.as_str().to_string(),
        origin: i.origin.to_string(),
        residence: i.residence.as_ref().map(Code::to_string),
        record: i.record.as_ref().map(id_to_pb),
        since: i.since.map(|d| d.to_string()),
        count: i.count,
        detail: i.detail.clone(),
        due: i.due.to_string(),
        who: Some(who_to_pb(&i.who)),
    }
}

fn marital_to_pb(m: MaritalStatus) -> pb::MaritalStatus {
    match m {
        MaritalStatus::Unspecified => pb::MaritalStatus::MaritalUnspecified,
        MaritalStatus::Single => pb::MaritalStatus::MaritalSingle,
        MaritalStatus::Married => pb::MaritalStatus::MaritalMarried,
        MaritalStatus::Divorced => pb::MaritalStatus::MaritalDivorced,
        MaritalStatus::Widowed => pb::MaritalStatus::MaritalWidowed,
    }
}

fn marital_from_pb(v: i32) -> Result<MaritalStatus, WireError> {
    Ok(match pb::MaritalStatus::try_from(v) {
        Ok(pb::MaritalStatus::MaritalUnspecified) => MaritalStatus::Unspecified,
        Ok(pb::MaritalStatus::MaritalSingle) => MaritalStatus::Single,
        Ok(pb::MaritalStatus::MaritalMarried) => MaritalStatus::Married,
        Ok(pb::MaritalStatus::MaritalDivorced) => MaritalStatus::Divorced,
        Ok(pb::MaritalStatus::MaritalWidowed) => MaritalStatus::Widowed,
        Err(_) => {
            return Err(bad(
                "items.who.marital_status",
                format!("unknown value {v}"),
            ));
        }
    })
}

fn who_to_pb(w: &Who) -> pb::OverdueWho {
    pb::OverdueWho {
        name: w.name.clone(),
        marital_status: marital_to_pb(w.marital_status) as i32,
        phone: w.phone.clone(),
        address: w.address.clone(),
        employer: w.employer.clone(),
        presented: w.presented.clone(),
        certificate: w.certificate.clone(),
    }
}

fn who_from_pb(w: pb::OverdueWho) -> Result<Who, WireError> {
    Ok(Who {
        name: w.name,
        marital_status: marital_from_pb(w.marital_status)?,
        phone: w.phone,
        address: w.address,
        employer: w.employer,
        presented: w.presented,
        certificate: w.certificate,
    })
}

fn item_from_pb(i: pb::OverdueItem) -> Result<Item, WireError> {
    Ok(Item {
        kind: overdue_kind_from_pb(i.kind)?,
        subject: citizen("items.subject", &i.subject)?,
        origin: code("items.origin", &i.origin)?,
        residence: opt_code("items.residence", i.residence)?,
        record: i
            .record
            .map(|r| id_from_pb("items.record", Some(r)))
            .transpose()?,
        since: i.since.map(|d| date("items.since", &d)).transpose()?,
        count: i.count,
        detail: i.detail,
        due: date("items.due", &i.due)?,
        who: who_from_pb(required("items.who", i.who)?)?,
    })
}

fn counts_to_pb(c: &Counts) -> pb::ReportCounts {
    pb::ReportCounts {
        births: c.births,
        boys: c.boys,
        girls: c.girls,
        population: c.population,
        marriages: c.marriages,
        married_women: c.married_women,
        outflows: c.outflows,
        inflows: c.inflows,
        migrants_out: c.migrants_out,
        migrants_in: c.migrants_in,
        cert_women: c.cert_women,
        cert_valid: c.cert_valid,
        notices: c.notices,
        notices_acked_in_time: c.notices_acked_in_time,
        checks_due: c.checks_due,
        checks_reported: c.checks_reported,
        acked: c.acked,
        ack_days_total: c.ack_days_total,
    }
}

fn counts_from_pb(c: pb::ReportCounts) -> Counts {
    Counts {
        births: c.births,
        boys: c.boys,
        girls: c.girls,
        population: c.population,
        marriages: c.marriages,
        married_women: c.married_women,
        outflows: c.outflows,
        inflows: c.inflows,
        migrants_out: c.migrants_out,
        migrants_in: c.migrants_in,
        cert_women: c.cert_women,
        cert_valid: c.cert_valid,
        notices: c.notices,
        notices_acked_in_time: c.notices_acked_in_time,
        checks_due: c.checks_due,
        checks_reported: c.checks_reported,
        acked: c.acked,
        ack_days_total: c.ack_days_total,
    }
}

fn row_to_pb(r: &Row) -> pb::ReportRow {
    pb::ReportRow {
        code: r.code.to_string(),
        name: r.name.clone(),
        counts: Some(counts_to_pb(&r.counts)),
    }
}

fn row_from_pb(field: &'static str, r: pb::ReportRow) -> Result<Row, WireError> {
    Ok(Row {
        code: code(field, &r.code)?,
        name: r.name,
        counts: counts_from_pb(required(field, r.counts)?),
    })
}

fn report_to_pb(r: &Report) -> pb::Report {
    pb::Report {
        code: r.code.to_string(),
        month: r.month.to_string(),
        ack_days: r.ack_days,
        rows: r.rows.iter().map(row_to_pb).collect(),
        total: Some(row_to_pb(&r.total)),
        arrival: Some(pb::ReportArrival {
            notices: r.arrival.notices,
            delay_ms_total: r.arrival.delay_ms_total,
        }),
    }
}

fn report_from_pb(r: pb::Report) -> Result<Report, WireError> {
    let arrival = required("arrival", r.arrival)?;
    Ok(Report {
        code: code("code", &r.code)?,
        month: Month::parse(&r.month)
            .ok_or_else(|| bad("month", format!("{:?} is not YYYY-MM", r.month)))?,
        ack_days: r.ack_days,
        rows: r
            .rows
            .into_iter()
            .map(|x| row_from_pb("rows", x))
            .collect::<Result<_, _>>()?,
        total: row_from_pb("total", required("total", r.total)?)?,
        arrival: Arrival {
            notices: arrival.notices,
            delay_ms_total: arrival.delay_ms_total,
        },
    })
}

impl Wire for Answer {
    type Message = pb::QueryResponse;

    fn to_wire(&self) -> pb::QueryResponse {
        use pb::query_response::Answer as A;
        let answer = match self {
            Answer::Person(p) => A::Person(pb::PersonAnswer {
                records: records_to_pb(&p.records),
                today: p.today.to_string(),
                held: p.held.iter().map(held_to_pb).collect(),
            }),
            Answer::Overdue(o) => A::Overdue(pb::OverdueAnswer {
                node: o.node.clone(),
                today: o.today.to_string(),
                thresholds: Some(thresholds_to_pb(&o.thresholds)),
                items: o.items.iter().map(item_to_pb).collect(),
                held: o.held.iter().map(held_to_pb).collect(),
            }),
            Answer::Report(r) => A::Report(report_to_pb(r)),
            Answer::Persons(p) => A::Persons(pb::PersonsAnswer {
                node: p.node.clone(),
                today: p.today.to_string(),
                persons: p
                    .persons
                    .iter()
                    .map(|x| pb::PersonRecords {
                        records: records_to_pb(&x.records),
                    })
                    .collect(),
                next: p.next.clone(),
            }),
        };
        pb::QueryResponse {
            answer: Some(answer),
        }
    }

    fn from_wire(m: pb::QueryResponse) -> Result<Answer, WireError> {
        use pb::query_response::Answer as A;
        Ok(match required("answer", m.answer)? {
            A::Person(p) => {
                let records = records_from_pb(&p.records)?;
                let today = date("today", &p.today)?;
                let held = helds_from_pb(p.held)?;
                Answer::Person(Box::new(
                    PersonAnswer::new(records, held, today)
                        .ok_or_else(|| bad("records", "no records"))?,
                ))
            }
            A::Overdue(o) => Answer::Overdue(OverdueAnswer {
                node: o.node,
                today: date("today", &o.today)?,
                thresholds: thresholds_from_pb(o.thresholds)?,
                items: o
                    .items
                    .into_iter()
                    .map(item_from_pb)
                    .collect::<Result<_, _>>()?,
                held: helds_from_pb(o.held)?,
            }),
            A::Report(r) => Answer::Report(report_from_pb(r)?),
            A::Persons(p) => Answer::Persons(PersonsAnswer {
                node: p.node,
                today: date("today", &p.today)?,
                persons: p
                    .persons
                    .iter()
                    .map(|x| {
                        PersonRecords::new(records_from_pb(&x.records)?)
                            .ok_or_else(|| bad("persons.records", "no records"))
                    })
                    .collect::<Result<_, _>>()?,
                next: p.next,
            }),
        })
    }
}

#[cfg(test)]
mod tests;
