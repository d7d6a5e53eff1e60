//! Held-and-flagged records: stored, marked, re-evaluated when context arrives;
//! writers refuse what breaks a rule.

use crate::{Draft, Incoming, Source, Store};
use liudong_core::record::*;
use liudong_core::synth::test_record;
use liudong_core::validate::Limits;
use liudong_core::workflow::IssueKind;
use liudong_core::{Code, Date, Link, Record};

use crate::tests::{T_A, V_A1, V_B1};

fn open(dir: &std::path::Path, code: &str, parent: &str) -> Store {
    crate::tests::open(dir, code, Some(parent))
}

fn inflow() -> Body {
    Body::InflowRegistered(InflowRegistered {
        arrival_date: Date::new(2026, 9, 1).unwrap(),
        address: String::new(),
        employer: String::new(),
        certificate_number: None,
    })
}

fn ack(target: &Record) -> Body {
    Body::InflowAcknowledged(InflowAcknowledged {
        inflow: target.id.clone(),
        outcome: AckOutcome::Confirmed,
        certificate_number: None,
        certificate_valid_until: None,
        note: String::new(),
    })
}

fn from_peer(s: &Store, rs: &[Record]) {
    let items: Vec<Incoming> = rs.iter().cloned().map(Incoming::new).collect();
    s.apply(&items, &Source::Peer(Link::Parent), None, true)
        .unwrap();
}

#[test]
fn a_record_missing_context_is_held_flagged_and_released_when_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), T_A, "410602");
    let inflow = test_record("440306018001", 1, 1, V_A1, Some(V_B1), inflow());
    let mut ack = test_record(V_A1, 1, 1, V_A1, Some(V_B1), ack(&inflow));
    // Written after the origin saw the inflow: a later clock.
    ack.hlc = liudong_core::Hlc::new(inflow.hlc.wall_ms() + 1000, 0);
    // The acknowledgement arrives first: stored, and flagged.
    from_peer(&s, std::slice::from_ref(&ack));
    assert!(s.get(&ack.id).unwrap().is_some());
    let held = s.held().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].id, ack.id);
    assert_eq!(held[0].issue.kind, IssueKind::MissingContext);
    assert_eq!(held[0].issue.field, "inflow_acknowledged.inflow");
    // It is routed on like any record (the next node may hold the context).
    assert_eq!(
        s.pending(&Link::Child(Code::parse(V_A1).unwrap()), 0)
            .unwrap(),
        1,
        "came from the parent: goes down to the origin village"
    );
    // The inflow arrives: the flag goes, and the view links the two.
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    from_peer(&s, std::slice::from_ref(&inflow));
    let at = s.arrival_ms(&inflow.id).unwrap().unwrap();
    assert!(at >= before && at >= s.arrival_ms(&ack.id).unwrap().unwrap());
    assert_eq!(s.held().unwrap(), vec![]);
    let v = s.view(&ack.subject).unwrap().unwrap();
    assert!(v.inflows[0].acknowledged.is_some());
    // Reopening keeps the state.
    drop(s);
    let s = open(dir.path(), T_A, "410602");
    assert_eq!(s.held().unwrap(), vec![]);
}

#[test]
fn writers_refuse_workflow_breaches_and_missing_context() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), V_A1, T_A);
    let limits = Limits {
        now_ms: 1_790_000_000_000 + 86_400_000,
        max_skew_ms: 300_000,
    };
    let subject = test_record(V_A1, 1, 1, V_A1, None, inflow()).subject;
    let draft = |body: Body| Draft {
        operator: "cadre".into(),
        subject: subject.clone(),
        origin: Some(Code::parse(V_A1).unwrap()),
        residence: Some(Code::parse(V_B1).unwrap()),
        body,
    };
    let field = |e: crate::StoreError| match e {
        crate::StoreError::Invalid { error, .. } => error.field,
        other => panic!("{other}"),
    };
    // A return with no open episode.
    let ret = Body::Returned(Returned {
        return_date: Date::new(2026, 9, 10).unwrap(),
    });
    let e = s.write_local(draft(ret.clone()), limits).unwrap_err();
    assert_eq!(field(e), "returned");
    // An outflow opens one; the return is then accepted.
    let out = s
        .write_local(draft(liudong_core::synth::outflow_body()), limits)
        .unwrap();
    s.write_local(draft(ret), limits).unwrap();
    // An acknowledgement naming the outflow is a breach.
    let e = s.write_local(draft(ack(&out)), limits).unwrap_err();
    assert_eq!(field(e), "inflow_acknowledged.inflow");
    // A correction of a record not held here.
    let mut ghost = out.clone();
    ghost.id.seq = 99;
    let fix = Body::Correction(Correction {
        target: ghost.id.clone(),
        reason: "录入错误".into(),
        amended: None,
        previous_residence: None,
    });
    let e = s.write_local(draft(fix), limits).unwrap_err();
    assert_eq!(field(e), "correction.target");
    // Nothing refused was stored; nothing written here is flagged.
    assert_eq!(s.record_count(), 2);
    assert_eq!(s.held().unwrap(), vec![]);
    // A received acknowledgement naming the outflow is a breach (refused by sync).
    let bad = test_record(T_A, 1, 1, V_A1, Some(V_B1), ack(&out));
    let mut bad = bad;
    bad.subject = subject.clone();
    let issue = s.workflow_breach(&bad, &[]).unwrap().unwrap();
    assert_eq!(issue.kind, IssueKind::Breach);
    // ... whereas one naming a record not held is only missing context.
    let mut unknown = bad.clone();
    unknown.body = ack(&ghost);
    assert_eq!(s.workflow_breach(&unknown, &[]).unwrap(), None);
}

/// Records arriving in clock order are folded onto the stored view and
/// checked alone: an acknowledgement finds its indexed inflow, a return
/// with no open episode is flagged, and the flag goes when an outflow
/// ordered before it arrives (derived again from all records).
#[test]
fn records_folded_in_order_are_checked_and_flagged_like_a_derivation() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), T_A, "410602");
    let inflow = test_record("440306018001", 1, 1, V_A1, Some(V_B1), inflow());
    from_peer(&s, std::slice::from_ref(&inflow));
    s.catch_up().unwrap();
    let mut ack = test_record(V_A1, 1, 1, V_A1, Some(V_B1), ack(&inflow));
    ack.hlc = liudong_core::Hlc::new(inflow.hlc.wall_ms() + 1000, 0);
    from_peer(&s, std::slice::from_ref(&ack));
    s.catch_up().unwrap();
    assert_eq!(s.held().unwrap(), vec![]);
    let v = s.view(&ack.subject).unwrap().unwrap();
    assert!(v.inflows[0].acknowledged.is_some());

    // Another person: registered, then a return with no episode open.
    let reg = test_record(
        V_A1,
        2,
        2,
        V_A1,
        None,
        liudong_core::synth::example_bodies(Date::new(2026, 10, 1).unwrap()).remove(0),
    );
    let outflow = test_record(
        V_A1,
        3,
        2,
        V_A1,
        Some(V_B1),
        liudong_core::synth::outflow_body(),
    );
    let mut ret = test_record(
        V_A1,
        4,
        2,
        V_A1,
        Some(V_B1),
        Body::Returned(Returned {
            return_date: Date::new(2026, 10, 1).unwrap(),
        }),
    );
    ret.hlc = liudong_core::Hlc::new(outflow.hlc.wall_ms() + 1000, 0);
    from_peer(&s, std::slice::from_ref(&reg));
    s.catch_up().unwrap();
    from_peer(&s, std::slice::from_ref(&ret));
    s.catch_up().unwrap();
    let held = s.held().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].id, ret.id);
    assert_eq!(held[0].issue.kind, IssueKind::MissingContext);
    from_peer(&s, std::slice::from_ref(&outflow));
    s.catch_up().unwrap();
    assert_eq!(s.held().unwrap(), vec![]);
    let v = s.view(&ret.subject).unwrap().unwrap();
    assert_eq!(v.episodes.len(), 1);
    assert!(v.episodes[0].returned.is_some());
    assert_eq!(
        Some(v),
        liudong_core::PersonView::derive(&s.subject_records(ret.subject.as_str()).unwrap())
    );
}

/// A held flag keeps its stored shape: `{kind, field, reason}` with the
/// reason a string. Flags written before reasons were typed still decode,
/// and a typed reason is written as the same bytes (its English text).
#[test]
fn held_flags_written_before_typed_reasons_still_decode() {
    use liudong_core::workflow::{self, WorkflowIssue};
    use liudong_core::{Reason, RecordId};
    #[derive(serde::Serialize)]
    struct OldIssue {
        kind: IssueKind,
        field: String,
        reason: String,
    }
    #[derive(serde::Serialize)]
    struct OldHeld {
        id: RecordId,
        subject: String,
        kind: String,
        issue: OldIssue,
    }
    let r = test_record(
        V_A1,
        2,
        1,
        V_A1,
        Some(V_B1),
        Body::Returned(Returned {
            return_date: Date::new(2026, 9, 1).unwrap(),
        }),
    );
    let old_text = "no open migrant episode (an outflow or inflow not yet closed by a return) is held for this person";
    let old = OldHeld {
        id: r.id.clone(),
        subject: r.subject.as_str().to_string(),
        kind: "returned".into(),
        issue: OldIssue {
            kind: IssueKind::MissingContext,
            field: "returned".into(),
            reason: old_text.into(),
        },
    };
    let bytes = postcard::to_allocvec(&old).unwrap();
    let read: crate::held::HeldRecord = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(read.id, r.id);
    assert_eq!(read.issue.kind, IssueKind::MissingContext);
    assert_eq!(read.issue.field, "returned");
    // The reasons a record is held for come back typed from their stored
    // English text, so they read in Chinese again.
    assert_eq!(*read.issue.reason, Reason::NoOpenEpisode);
    assert!(
        !read.issue.reason.text_in(liudong_i18n::Lang::Zh).is_ascii(),
        "{}",
        read.issue.reason.text_in(liudong_i18n::Lang::Zh)
    );
    // Read back and written again: the same bytes.
    assert_eq!(postcard::to_allocvec(&read).unwrap(), bytes);
    // The same issue found now: typed, and stored as the same bytes.
    let issue: WorkflowIssue = workflow::check(&r, &[]).unwrap_err();
    assert_eq!(*issue.reason, Reason::NoOpenEpisode);
    let now = crate::held::HeldRecord {
        id: r.id.clone(),
        subject: r.subject.as_str().to_string(),
        kind: "returned".into(),
        issue,
    };
    assert_eq!(postcard::to_allocvec(&now).unwrap(), bytes);
}
