//! Every admin reply (and the query request) survives protobuf encoding:
//! `from_wire(decode(encode(to_wire(x)))) == x`.

use super::*;
use crate::query::HistoryEntry;
use liudong_core::synth::{example_bodies, test_record};
use liudong_core::{PersonView, Record};
use prost::Message;
use std::fmt::Debug;

fn round_trip<T: Wire + PartialEq + Debug>(v: &T) {
    let bytes = v.to_wire().encode_to_vec();
    let back =
        T::from_wire(T::Message::decode(bytes.as_slice()).expect("decodes")).expect("well formed");
    assert_eq!(&back, v);
}

fn today() -> Date {
    Date::new(2026, 11, 20).unwrap()
}

/// One person with a record of every kind (corrections included).
fn person_records() -> Vec<Record> {
    example_bodies(today())
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            test_record(
                "410602100001",
                i as u64 + 1,
                7,
                "410602100001",
                Some("440306018001"),
                b,
            )
        })
        .collect()
}

fn held(r: &Record) -> HeldRecord {
    HeldRecord {
        id: r.id.clone(),
        subject: r.subject.as_str().to_string(),
        kind: r.body.kind().to_string(),
        issue: WorkflowIssue {
            kind: IssueKind::MissingContext,
            field: "correction.target".into(),
            reason: Box::new(liudong_core::Reason::Recorded {
                text: "the corrected record is not held here".into(),
            }),
        },
    }
}

#[test]
fn status_reports_round_trip() {
    let link = |role, peer: &str| LinkReport {
        role,
        peer: peer.into(),
        cursor_in: 12,
        cursor_out: 30,
        pending_out: 4,
        pending_in: None,
        last_contact_ms: Some(1_790_000_000_000),
        connected: false,
        expected_interval_secs: None,
        silent: false,
        fingerprint: "ab12cd34 / 42".into(),
        receipt: None,
        status: LinkStatus::default(),
        state: "-",
        without_node: false,
    };
    let mut child = link("child", "410602100");
    child.pending_in = Some(0);
    child.expected_interval_secs = Some(300);
    child.silent = true;
    child.state = "silent";
    child.last_contact_ms = None;
    child.receipt = Some(Receipt {
        peer: "410602100".into(),
        at_ms: 1_790_000_000_500,
        in_step: false,
        cursor_in: 11,
        cursor_out: 29,
        fingerprint: "00ff / 3".into(),
        differing: vec!["origin 410602100001 in 2026-11".into()],
    });
    child.status = LinkStatus {
        last_success_ms: Some(1),
        last_failure_ms: Some(2),
        last_error: Some(String::new()),
        sessions: 3,
        records_sent: 4,
        records_received: 5,
        refused: Some(liudong_store::Refusal {
            at_ms: 6,
            error: "PermissionDenied: not a direct child".into(),
        }),
    };
    let report = NodeReport {
        node: "410602".into(),
        kind: "county",
        upstream: Some("CN".into()),
        records: 1234,
        last_seq: 1300,
        conflicts: 1,
        refused: 2,
        write_failed: false,
        links: vec![link("upstream", "CN"), child],
        units: Vec::new(),
    };
    round_trip(&report);
    // Every state of a link, and the units with their villages.
    let mut failing = link("upstream", "CN");
    failing.state = "failing";
    let mut no_node = link("child", "410602001");
    (no_node.state, no_node.without_node) = ("no_node", true);
    let village = UnitReport {
        code: "410602100001".into(),
        name: "新华街社区居委会".into(),
        level: "village",
        source: "reported",
        state: "silent",
        connected: false,
        silent: true,
        without_node: false,
        last_contact_ms: Some(5),
        pending_out: Some(2),
        pending_in: None,
        expected_interval_secs: Some(3600),
        last_error: Some("x".into()),
        reported_at_ms: Some(9),
        units: Vec::new(),
    };
    let states = [
        "-",
        "connected",
        "refused",
        "silent",
        "failing",
        "waiting",
        "no_node",
        "unknown",
    ];
    let township = UnitReport {
        code: "410602100".into(),
        name: "鹤壁集镇".into(),
        level: "township",
        source: "link",
        state: "connected",
        connected: true,
        units: states
            .iter()
            .map(|s| UnitReport {
                state: s,
                ..village.clone()
            })
            .collect(),
        ..village.clone()
    };
    round_trip(&NodeReport {
        links: vec![failing, no_node],
        units: vec![township],
        ..report.clone()
    });
    for kind in ["village", "township", "exchange"] {
        round_trip(&NodeReport {
            kind,
            upstream: None,
            write_failed: true,
            links: Vec::new(),
            ..report.clone()
        });
    }
}

#[test]
fn verify_reports_round_trip() {
    round_trip(&VerifyReport {
        node: "410602100".into(),
        upstream: "410602".into(),
        scope: "410602100".into(),
        audit: AuditReport {
            checked: 9,
            missing: vec!["410602100001-3".into()],
            corrupt: vec!["410602100001-4".into()],
        },
        in_step_before: false,
        in_step: true,
        local: "aa / 9".into(),
        remote: "aa / 9".into(),
        buckets: vec![BucketDiff {
            bucket: "origin 410602100001 in 2026-11".into(),
            here: 3,
            there: 4,
            missing_here: vec!["410602-7".into()],
            missing_there: Vec::new(),
            conflicting: vec!["410602100001-2".into()],
        }],
        fetched: 1,
        offered: 2,
        offered_new: 1,
        sources: vec![liudong_sync::verify::SourceCheck {
            source: "410602".into(),
            state: "missing".into(),
            sent: 4,
            received: 3,
            missing: 1,
            missing_ids: vec!["410602100001-9".into()],
            buckets: vec!["envelopes 410602→440306 sealed in 2026-12".into()],
            reason: String::new(),
        }],
        in_flight: 2,
    });
}

#[test]
fn audit_entries_of_every_kind_round_trip() {
    let events = [
        AuditEvent::Session {
            peer: "410602100".into(),
            role: "served".into(),
            fingerprint: Some("sha256:ab".into()),
            addr: None,
            live: true,
            sent: 1,
            received: 2,
            duplicates: 3,
            subjects_sent: 4,
            subjects_received: 5,
            outcome: "ok".into(),
        },
        AuditEvent::Disclosed {
            peer: "CN".into(),
            fingerprint: None,
            records: 2,
            subjects: vec!["a".into(), "b".into()],
        },
        AuditEvent::Refused {
            peer: None,
            fingerprint: Some("sha256:cd".into()),
            addr: Some("127.0.0.1:5".into()),
            reason: "not a direct child".into(),
        },
        AuditEvent::RecordWritten {
            operator: "li.ming".into(),
            record: "410602100001-1".into(),
            kind: "outflow_registered".into(),
            subject: "x".into(),
        },
        AuditEvent::Viewed {
            operator: "console:li.ming".into(),
            query: "overdue".into(),
            subjects: Vec::new(),
        },
        AuditEvent::Imported {
            source: "bundle".into(),
            records: 9,
            subjects: vec!["y".into()],
        },
    ];
    for (i, event) in events.into_iter().enumerate() {
        round_trip(&AuditEntry {
            seq: i as u64 + 1,
            time_ms: 1_790_000_000_000 + i as u64,
            event,
        });
    }
}

#[test]
fn queries_of_every_kind_round_trip() {
    for query in [
        Query::Person {
            subject: "41060219950308002X".into(),
        },
        Query::Overdue {
            kinds: vec!["held".into(), "certificate".into()],
            thresholds: Thresholds::default(),
        },
        Query::Report {
            month: "2026-10".into(),
            code: Some("410602100".into()),
            ack_days: 15,
        },
        Query::Report {
            month: "2026-10".into(),
            code: None,
            ack_days: 30,
        },
        Query::Persons {
            after: Some("41060219950308002X".into()),
            limit: 500,
        },
        Query::Persons {
            after: None,
            limit: 1,
        },
    ] {
        round_trip(&OperatorQuery {
            operator: "li.ming".into(),
            query,
        });
    }
}

#[test]
fn answers_of_every_kind_round_trip() {
    let records = person_records();
    let person = PersonAnswer::new(records.clone(), vec![held(&records[10])], today()).unwrap();
    assert!(person.view.records as usize == records.len() && person.view.certificate.is_some());
    round_trip(&Answer::Person(Box::new(person.clone())));

    let view: &PersonView = &person.view;
    let thresholds = Thresholds::default();
    let items = liudong_core::overdue::for_person(view, today().add_days(400), &thresholds);
    assert!(!items.is_empty());
    round_trip(&Answer::Overdue(OverdueAnswer {
        node: "410602".into(),
        today: today(),
        thresholds,
        items,
        held: vec![held(&records[11])],
    }));

    let month = Month::parse("2026-11").unwrap();
    let mut report =
        liudong_core::report::compute([view], &Code::parse("410602100").unwrap(), month, 30);
    report.arrival = Arrival {
        notices: 2,
        delay_ms_total: 86_400_000,
    };
    round_trip(&Answer::Report(report));
    let national = liudong_core::report::compute([view], &Code::national(), month, 30);
    round_trip(&Answer::Report(national));

    let other = test_record(
        "440306018001",
        1,
        99,
        "440306018001",
        None,
        liudong_core::synth::outflow_body(),
    );
    round_trip(&Answer::Persons(PersonsAnswer {
        node: "410602".into(),
        today: today(),
        persons: vec![
            PersonRecords::new(records.clone()).unwrap(),
            PersonRecords::new(vec![other]).unwrap(),
        ],
        next: Some("440306199001010000".into()),
    }));
    round_trip(&Answer::Persons(PersonsAnswer {
        node: "410602".into(),
        today: today(),
        persons: Vec::new(),
        next: None,
    }));
}

/// The person answer carries records only; the view and history the asker
/// derives are those the node's store holds for the same records.
#[test]
fn the_person_view_is_derived_from_the_records_as_the_store_derives_it() {
    let mut records = person_records();
    records.reverse();
    let a = PersonAnswer::new(records.clone(), Vec::new(), today()).unwrap();
    assert_eq!(Some(a.view.clone()), PersonView::derive(&records));
    let ids: Vec<&str> = a
        .history
        .iter()
        .map(|h: &HistoryEntry| h.id.as_str())
        .collect();
    let mut want: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
    want.reverse();
    assert_eq!(ids, want, "history oldest first");
    assert!(a.certificate_valid_today);
}

#[test]
fn a_reply_missing_a_part_is_refused_naming_it() {
    let e = Answer::from_wire(pb::QueryResponse { answer: None }).unwrap_err();
    assert_eq!(e.field, "answer");
    let e = Answer::from_wire(pb::QueryResponse {
        answer: Some(pb::query_response::Answer::Person(pb::PersonAnswer {
            records: Vec::new(),
            today: "2026-11-20".into(),
            held: Vec::new(),
        })),
    })
    .unwrap_err();
    assert_eq!(e.to_string(), "管理消息字段 records：no records");
    let mut status = NodeReport {
        node: "410602".into(),
        kind: "county",
        upstream: None,
        records: 0,
        last_seq: 0,
        conflicts: 0,
        refused: 0,
        write_failed: false,
        links: Vec::new(),
        units: Vec::new(),
    }
    .to_wire();
    status.kind = 0;
    assert_eq!(NodeReport::from_wire(status).unwrap_err().field, "kind");
}
