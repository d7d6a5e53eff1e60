//! Workflows across real nodes: the county's monthly report equals the sum of
//! its townships' reports computed at the townships on the same records;
//! writers refuse workflow breaches; a record missing context at a receiving
//! node is held, flagged and visible in its overdue list.

use liudong_core::record::*;
use liudong_core::report::{Counts, Month, Report};
use liudong_core::{CitizenId, Date, Record};
use liudong_node::query::{self, OverdueAnswer, Query};
use liudong_store::Draft;
use liudong_tests::*;
use std::time::Duration;

/// The harness's wide topology up to county B's first village (without
/// county B's second village and county C).
const NODES: &[(&str, Option<&str>)] = WIDE.split_at(10).0;

struct Flow {
    topo: liudong_testkit::demo::Topology,
    written: Vec<Record>,
    month: Month,
}

impl Flow {
    fn day(&self, n: u32) -> Date {
        Date::new(self.month.year, self.month.month, n).unwrap()
    }

    async fn write(&mut self, at: &str, d: Draft) -> Record {
        let r = self
            .topo
            .write(at, d)
            .await
            .unwrap_or_else(|e| panic!("write at {at}: {e:#}"));
        self.written.push(r.clone());
        r
    }

    /// Waits until every record written is at every node entitled to it.
    async fn settle(&self) {
        for r in &self.written {
            let expect: Vec<String> = self
                .topo
                .nodes
                .iter()
                .filter(|(_, n)| n.node.scope().holds(r))
                .map(|(c, _)| c.clone())
                .collect();
            self.topo
                .wait_for(&r.id, &expect, Duration::from_secs(30))
                .await
                .unwrap();
        }
    }
}

fn registered(who: &CitizenId) -> Body {
    Body::PersonRegistered(PersonRegistered {
        name: "测试".into(),
        sex: Sex::Female,
        birth_date: who.birth_date(),
        marital_status: MaritalStatus::Married,
        hukou: HukouType::Agricultural,
        household: String::new(),
        phone: String::new(),
    })
}

fn inflow(day: Date) -> Body {
    liudong_core::synth::inflow_on(day, None)
}

fn outflow(day: Date) -> Body {
    liudong_core::synth::outflow_on(day)
}

fn check(day: Date) -> Body {
    Body::CheckReported(CheckReported {
        quarter: day.quarter(),
        check_date: day,
        result: CheckResult::Normal,
    })
}

fn birth(day: Date, sex: Sex) -> Body {
    Body::BirthRegistered(BirthRegistered {
        birth_date: day,
        sex,
        birth_order: 1,
        place: None,
        service_number: String::new(),
    })
}

fn report_at(flow: &Flow, node: &str, code: &str) -> Report {
    let store = flow.topo.node(node).node.store();
    let q = Query::Report {
        month: flow.month.to_string(),
        code: Some(code.into()),
        ack_days: 30,
    };
    query::run(store, "test-operator", &q, liudong_sync::system_clock()())
        .unwrap()
        .try_into()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_report_is_the_sum_of_township_reports_and_rules_hold_across_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let topo = start_tls(dir.path(), NODES, true, |c| {
        c.admin_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    // Last month: complete, and every date in it is in the past.
    let today = Date::from_unix_ms(liudong_sync::system_clock()());
    let last = Date::new(today.year, today.month, 1).unwrap().add_days(-1);
    let month = Month::parse(&format!("{:04}-{:02}", last.year, last.month)).unwrap();
    let mut f = Flow {
        topo,
        written: Vec::new(),
        month,
    };

    // p1: from A1 to B1 (another county), certificate, inflow, acknowledgement, check.
    let p1 = person(101, VILLAGE_A1);
    f.write(VILLAGE_A1, draft(&p1, VILLAGE_A1, None, registered(&p1)))
        .await;
    let d = f.day(3);
    f.write(
        VILLAGE_A1,
        draft(&p1, VILLAGE_A1, Some(VILLAGE_B1), outflow(d)),
    )
    .await;
    let d4 = f.day(4);
    f.write(
        TOWN_A,
        draft(
            &p1,
            VILLAGE_A1,
            Some(VILLAGE_B1),
            Body::CertificateIssued(CertificateIssued {
                number: "C-101".into(),
                valid_from: d4,
                valid_until: d4.add_days(3 * 365),
                marital_status: MaritalStatus::Married,
                children: 0,
            }),
        ),
    )
    .await;
    let d6 = f.day(6);
    let in1 = f
        .write(
            VILLAGE_B1,
            draft(&p1, VILLAGE_A1, Some(VILLAGE_B1), inflow(d6)),
        )
        .await;
    f.topo
        .wait_for(&in1.id, &[VILLAGE_A1.to_string()], Duration::from_secs(30))
        .await
        .unwrap();
    f.write(
        VILLAGE_A1,
        draft(
            &p1,
            VILLAGE_A1,
            Some(VILLAGE_B1),
            Body::InflowAcknowledged(InflowAcknowledged {
                inflow: in1.id.clone(),
                outcome: AckOutcome::Confirmed,
                certificate_number: Some("C-101".into()),
                certificate_valid_until: None,
                note: String::new(),
            }),
        ),
    )
    .await;
    let d10 = f.day(10);
    f.write(
        VILLAGE_B1,
        draft(&p1, VILLAGE_A1, Some(VILLAGE_B1), check(d10)),
    )
    .await;

    // p2: from A1 to the other township of the county; a boy born.
    let p2 = person(102, VILLAGE_A1);
    f.write(VILLAGE_A1, draft(&p2, VILLAGE_A1, None, registered(&p2)))
        .await;
    f.write(
        VILLAGE_A1,
        draft(&p2, VILLAGE_A1, Some(VILLAGE_A_OTHER), outflow(d)),
    )
    .await;
    f.write(
        VILLAGE_A_OTHER,
        draft(&p2, VILLAGE_A1, Some(VILLAGE_A_OTHER), inflow(d6)),
    )
    .await;
    f.write(
        VILLAGE_A_OTHER,
        draft(&p2, VILLAGE_A1, Some(VILLAGE_A_OTHER), check(d10)),
    )
    .await;
    let d12 = f.day(12);
    f.write(
        VILLAGE_A1,
        draft(&p2, VILLAGE_A1, None, birth(d12, Sex::Male)),
    )
    .await;

    // p3: at home in the other township; married and a girl born this month.
    let p3 = person(103, VILLAGE_A_OTHER);
    f.write(
        VILLAGE_A_OTHER,
        draft(&p3, VILLAGE_A_OTHER, None, registered(&p3)),
    )
    .await;
    let d14 = f.day(14);
    f.write(
        VILLAGE_A_OTHER,
        draft(
            &p3,
            VILLAGE_A_OTHER,
            None,
            Body::MarriageRegistered(MarriageRegistered {
                marriage_date: d14,
                spouse: None,
            }),
        ),
    )
    .await;
    f.write(
        VILLAGE_A_OTHER,
        draft(&p3, VILLAGE_A_OTHER, None, birth(d12, Sex::Female)),
    )
    .await;

    // p4: from county B, living in A2 (notice not acknowledged).
    let p4 = person(104, VILLAGE_B1);
    f.write(
        VILLAGE_A2,
        draft(&p4, VILLAGE_B1, Some(VILLAGE_A2), inflow(d6)),
    )
    .await;

    // p5: from A2 to the other township, back on day 20.
    let p5 = person(105, VILLAGE_A2);
    f.write(VILLAGE_A2, draft(&p5, VILLAGE_A2, None, registered(&p5)))
        .await;
    f.write(
        VILLAGE_A2,
        draft(&p5, VILLAGE_A2, Some(VILLAGE_A_OTHER), outflow(d)),
    )
    .await;
    f.write(
        VILLAGE_A_OTHER,
        draft(&p5, VILLAGE_A2, Some(VILLAGE_A_OTHER), inflow(d6)),
    )
    .await;
    let d20 = f.day(20);
    f.write(
        VILLAGE_A2,
        draft(
            &p5,
            VILLAGE_A2,
            Some(VILLAGE_A_OTHER),
            Body::Returned(Returned { return_date: d20 }),
        ),
    )
    .await;

    // Writers refuse rule breaches: a second return with no open episode.
    let e = f
        .topo
        .write(
            VILLAGE_A2,
            draft(
                &p5,
                VILLAGE_A2,
                Some(VILLAGE_A_OTHER),
                Body::Returned(Returned { return_date: d20 }),
            ),
        )
        .await
        .unwrap_err();
    assert!(
        format!("{e:#}").contains("returned: 本节点没有此人未结束的流动经历"),
        "{e:#}"
    );

    // p4 moves from A2 to the other township, written at the county (which
    // names A2 as the residence left): the new residence never held p4's
    // inflow, so the move is held and flagged there, and visible to its
    // operators. (A correction no longer reaches a node without its target:
    // it carries the target's places.)
    let d16 = f.day(16);
    let fix = f
        .write(
            COUNTY_A,
            draft(
                &p4,
                VILLAGE_B1,
                Some(VILLAGE_A_OTHER),
                Body::ResidenceChanged(ResidenceChanged {
                    change_date: d16,
                    address: String::new(),
                    previous_residence: None,
                }),
            ),
        )
        .await;
    f.settle().await;

    // The county's report (asked over its admin service) ...
    let admin = f.topo.node(COUNTY_A).admin_addr.unwrap();
    let client = liudong_net::admin_client(&admin.to_string()).await.unwrap();
    let q = Query::Report {
        month: f.month.to_string(),
        code: None,
        ack_days: 30,
    };
    let mut access = liudong_node::NodeAccess::Running {
        admin: client,
        upstream: None,
    };
    let county: Report = access
        .query("county-operator", &q)
        .await
        .unwrap()
        .try_into()
        .unwrap();
    // ... equals, row by row, the townships' own reports at the townships.
    let mut sum = Counts::default();
    for town in [TOWN_A, TOWN_A_OTHER] {
        let own = report_at(&f, town, town);
        let row = county
            .rows
            .iter()
            .find(|r| r.code.as_str() == town)
            .unwrap();
        assert_eq!(row.counts, own.total.counts, "township {town}");
        sum += own.total.counts;
    }
    assert_eq!(county.total.counts, sum);
    for r in &county.rows {
        if ![TOWN_A, TOWN_A_OTHER].contains(&r.code.as_str()) {
            assert_eq!(r.counts, Counts::default(), "{}", r.code);
        }
    }
    // And the figures are the expected ones, not vacuously equal.
    let c = county.total.counts;
    assert_eq!((c.births, c.boys, c.girls), (2, 1, 1));
    assert_eq!(c.population, 4); // p1, p2, p3, p5 (p4 is registered in county B)
    assert_eq!(c.marriages, 1);
    assert_eq!(c.outflows, 3); // p1, p2, p5
    assert_eq!(c.inflows, 3); // p2, p4, p5 arrived under the county
    assert_eq!(c.migrants_out, 2); // p1, p2 (p5 returned)
    assert_eq!(c.migrants_in, 2); // p2, p4 (moved within the county)
    assert_eq!((c.checks_due, c.checks_reported), (2, 1));
    assert_eq!((c.cert_women, c.cert_valid), (2, 1)); // p1 holds one, p2 does not

    // Timeliness of arrival at the origin village: p1's and p2's inflow
    // notices (registered now, so in the current month) reached A1.
    let now_month = format!("{:04}-{:02}", today.year, today.month);
    let q = Query::Report {
        month: now_month,
        code: None,
        ack_days: 30,
    };
    let at_origin: Report = query::run(
        f.topo.node(VILLAGE_A1).node.store(),
        "test-operator",
        &q,
        liudong_sync::system_clock()(),
    )
    .unwrap()
    .try_into()
    .unwrap();
    assert_eq!(at_origin.arrival.notices, 2);
    assert!(at_origin.arrival.mean_days().unwrap() < 1.0);

    // The move is held and flagged on the new residence's side only.
    let ov = query::run(
        f.topo.node(VILLAGE_A_OTHER).node.store(),
        "test-operator",
        &Query::Overdue {
            kinds: vec!["held".into()],
            thresholds: Default::default(),
        },
        liudong_sync::system_clock()(),
    )
    .unwrap();
    let ov: OverdueAnswer = ov.try_into().unwrap();
    assert_eq!(ov.held.len(), 1);
    assert_eq!(ov.held[0].id, fix.id);
    assert_eq!(ov.held[0].issue.field, "residence_changed");
    assert!(
        f.topo
            .node(COUNTY_A)
            .node
            .store()
            .held()
            .unwrap()
            .is_empty()
    );

    // Both views are in the audit trail: who looked, at what, and (for the
    // overdue list) the person shown, findable by that person's ID.
    let other = f.topo.node(VILLAGE_A_OTHER).node.store();
    let held_subject = ov.held[0].subject.clone();
    let viewed = other
        .audit_query(&liudong_store::audit::AuditFilter {
            subject: Some(held_subject.clone()),
            ..Default::default()
        })
        .unwrap();
    assert!(
        viewed.iter().any(|e| matches!(
            &e.event,
            liudong_store::audit::AuditEvent::Viewed { operator, query, subjects }
                if operator == "test-operator" && query == "overdue held" && subjects == &vec![held_subject.clone()]
        )),
        "{viewed:?}"
    );
    let a1 = f.topo.node(VILLAGE_A1).node.store();
    let all = a1.audit_query(&Default::default()).unwrap();
    assert!(all.iter().any(|e| matches!(
        &e.event,
        liudong_store::audit::AuditEvent::Viewed { query, subjects, .. }
            if query.starts_with("report ") && subjects.is_empty()
    )));

    f.topo.shutdown().await.unwrap();
}
