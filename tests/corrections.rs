//! Corrections across real nodes: a correction goes exactly where the record
//! it corrects went (its places are set by the writer from the target; a
//! typed place that differs is refused), a receiver holding the target
//! refuses a correction whose places differ, and random workloads with
//! corrections and voids over several counties leave every node holding
//! exactly what it is entitled to, with each county's monthly report equal
//! to the sum of its townships'.

use liudong_core::record::*;
use liudong_core::report::{Counts, Month, Report};
use liudong_core::synth::SynthRng;
use liudong_core::{CitizenId, Code, Date, Link, Record, RecordId};
use liudong_node::query::{self, Query};
use liudong_store::Draft;
use liudong_sync::{Admission, Batch, SyncError};
use liudong_testkit::demo::Topology;
use liudong_tests::*;
use std::collections::BTreeMap;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn registered(who: &CitizenId) -> Body {
    Body::PersonRegistered(PersonRegistered {
        name: "测试".into(),
        sex: Sex::Female,
        birth_date: who.birth_date(),
        marital_status: MaritalStatus::Married,
        hukou: HukouType::Agricultural,
        household: "H-7".into(),
        phone: "13800000000".into(),
    })
}

fn correction(target: &Record, amended: Option<Body>) -> Body {
    Body::Correction(Correction {
        target: target.id.clone(),
        reason: "登记有误".into(),
        amended: amended.map(Box::new),
        previous_residence: None,
    })
}

/// A draft that gives no places (the writer sets them).
fn unplaced(who: &CitizenId, body: Body) -> Draft {
    Draft {
        operator: "test-cadre".into(),
        subject: who.clone(),
        origin: None,
        residence: None,
        body,
    }
}

/// Waits until `r` is at every node entitled to it, lets the links go
/// quiet, and returns who holds it.
async fn holders_after(topo: &Topology, r: &Record) -> Vec<String> {
    let expect: Vec<String> = topo
        .nodes
        .iter()
        .filter(|(_, n)| n.node.scope().holds(r))
        .map(|(c, _)| c.clone())
        .collect();
    topo.wait_for(&r.id, &expect, WAIT).await.unwrap();
    topo.holders(&r.id).unwrap()
}

fn today() -> Date {
    Date::from_unix_ms(liudong_sync::system_clock()())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrections_and_voids_reach_exactly_the_nodes_their_target_reached() {
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &WIDE).await;
    let who = person(41, VILLAGE_A1);
    let day = today().add_days(-20);

    // The case: an amended registration (name, phone, household)
    // typed with a residence in another county is refused at the writer ...
    let reg = topo
        .write(VILLAGE_A1, draft(&who, VILLAGE_A1, None, registered(&who)))
        .await
        .unwrap();
    let typed = draft(
        &who,
        VILLAGE_A1,
        Some(VILLAGE_B1),
        correction(&reg, Some(registered(&who))),
    );
    let e = topo.write(VILLAGE_A1, typed).await.unwrap_err().to_string();
    assert!(e.contains("residence") && e.contains(VILLAGE_B1), "{e}");
    // ... and, written without places, goes where the registration went.
    let fix = topo
        .write(
            VILLAGE_A1,
            unplaced(&who, correction(&reg, Some(registered(&who)))),
        )
        .await
        .unwrap();
    let reg_holders = holders_after(&topo, &reg).await;
    assert_eq!(reg_holders, [COUNTY_A, TOWN_A, VILLAGE_A1]);
    assert_eq!(holders_after(&topo, &fix).await, reg_holders);

    // A migrant of A1 in B1, moved to B2 (written at county B: the node
    // names the residence left), acknowledged, certified, returned.
    // Records of the migrant of A1 living at B1, written at `at`.
    let in_b1 = |at: &'static str, body: Body| {
        let d = draft(&who, VILLAGE_A1, Some(VILLAGE_B1), body);
        let topo = &topo;
        async move { topo.write(at, d).await.unwrap() }
    };
    let out = in_b1(VILLAGE_A1, liudong_core::synth::outflow_on(day)).await;
    let inflow = in_b1(
        VILLAGE_B1,
        liudong_core::synth::inflow_on(day.add_days(1), None),
    )
    .await;
    holders_after(&topo, &inflow).await;
    let ack = topo
        .write(
            VILLAGE_A1,
            unplaced(
                &who,
                Body::InflowAcknowledged(InflowAcknowledged {
                    inflow: inflow.id.clone(),
                    outcome: AckOutcome::Confirmed,
                    certificate_number: None,
                    certificate_valid_until: None,
                    note: String::new(),
                }),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        holders_after(&topo, &ack).await,
        holders_after(&topo, &inflow).await
    );
    let cert = in_b1(
        VILLAGE_A1,
        Body::CertificateIssued(CertificateIssued {
            number: "C-41".into(),
            valid_from: day,
            valid_until: day.add_days(900),
            marital_status: MaritalStatus::Married,
            children: 0,
        }),
    )
    .await;
    let moved = topo
        .write(
            COUNTY_B,
            draft(
                &who,
                VILLAGE_A1,
                Some(VILLAGE_B2),
                Body::ResidenceChanged(ResidenceChanged {
                    change_date: day.add_days(3),
                    address: String::new(),
                    previous_residence: None,
                }),
            ),
        )
        .await
        .unwrap();
    let moved_holders = holders_after(&topo, &moved).await;
    assert!(
        moved_holders.contains(&VILLAGE_B1.to_string()),
        "{moved_holders:?}"
    );
    holders_after(&topo, &cert).await;

    // A void of the move, written at the new residence, reaches the
    // residence the person left; a void of the certificate, written at the
    // residence, every node that got the certificate.
    let void_move = topo
        .write(VILLAGE_B2, unplaced(&who, correction(&moved, None)))
        .await
        .unwrap();
    let void_cert = topo
        .write(VILLAGE_B1, unplaced(&who, correction(&cert, None)))
        .await
        .unwrap();
    assert_eq!(holders_after(&topo, &void_move).await, moved_holders);
    assert_eq!(
        holders_after(&topo, &void_cert).await,
        holders_after(&topo, &cert).await
    );

    // The move void, the person is registered at B1 again: a return written
    // at the township names B1, and B1 learns of it.
    holders_after(&topo, &out).await;
    let back = topo
        .write(
            TOWN_A,
            draft(
                &who,
                VILLAGE_A1,
                None,
                Body::Returned(Returned {
                    return_date: day.add_days(5),
                }),
            ),
        )
        .await
        .unwrap();
    assert_eq!(back.residence.as_ref().map(Code::as_str), Some(VILLAGE_B1));
    assert!(
        holders_after(&topo, &back)
            .await
            .contains(&VILLAGE_B1.to_string())
    );
    topo.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_holding_the_target_refuses_a_correction_going_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    // The exchange, county A, its township and village A1.
    let topo = start_plain(dir.path(), &WIDE[..4]).await;
    let who = person(42, VILLAGE_A1);
    let reg = topo
        .write(VILLAGE_A1, draft(&who, VILLAGE_A1, None, registered(&who)))
        .await
        .unwrap();
    holders_after(&topo, &reg).await;
    // What a writer without the placing rule sent: the village's next
    // record, an amended registration carrying a residence in county B.
    let mut forged = reg.clone();
    forged.id.seq += 1;
    forged.residence = Some(Code::parse(VILLAGE_B1).unwrap());
    forged.body = correction(&reg, Some(registered(&who)));
    let town = &topo.node(TOWN_A).node;
    let batch = Batch {
        records: vec![liudong_proto::encode_record(&forged).into()],
        cursor: 1,
        drained: true,
        remaining: None,
        lower_links: Vec::new(),
    };
    let link = Link::Child(Code::parse(VILLAGE_A1).unwrap());
    let e = town
        .receive(Admission::session(link, batch))
        .await
        .unwrap_err();
    match &e {
        SyncError::Invalid { id, error } => {
            assert_eq!(id, &forged.id);
            assert_eq!(error.field, "residence", "{e}");
            assert!(error.reason.to_string().contains(VILLAGE_B1), "{e}");
        }
        other => panic!("expected a refusal of the record, got {other}"),
    }
    assert!(town.store().get_bytes(&forged.id).unwrap().is_none());
    topo.shutdown().await.unwrap();
}

/// The model of who is entitled to a record, written here: a correction
/// goes where its target went; any other record to the villages,
/// townships and counties of its places, and to the exchange if it
/// crosses counties.
fn entitled(r: &Record, all: &BTreeMap<RecordId, Record>) -> Vec<String> {
    if let Body::Correction(k) = &r.body {
        return entitled(&all[&k.target], all);
    }
    let mut places = vec![r.origin.as_str()];
    places.extend(r.residence.as_ref().map(Code::as_str));
    if let Body::ResidenceChanged(b) = &r.body {
        places.extend(b.previous_residence.as_ref().map(Code::as_str));
    }
    let mut out: Vec<String> = WIDE
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| *c != EXCHANGE && places.iter().any(|p| p.starts_with(c)))
        .map(String::from)
        .collect();
    if places.iter().any(|p| p[..6] != places[0][..6]) {
        out.push(EXCHANGE.into());
    }
    out.sort();
    out
}

fn report(topo: &Topology, code: &str, month: Month) -> Counts {
    let q = Query::Report {
        month: month.to_string(),
        code: None,
        ack_days: 30,
    };
    let r: Report = query::run(
        topo.node(code).node.store(),
        "test-operator",
        &q,
        liudong_sync::system_clock()(),
    )
    .unwrap()
    .try_into()
    .unwrap();
    r.total.counts
}

/// The village, its township or its county (by `n`).
fn up(village: &'static str, n: u64) -> &'static str {
    &village[..[12, 9, 6][n as usize % 3]]
}

/// One random workload over the wide topology (three counties).
async fn random_workload(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &WIDE).await;
    let mut rng = SynthRng::new(seed);
    let villages = [
        VILLAGE_A1,
        VILLAGE_A2,
        VILLAGE_A_OTHER,
        VILLAGE_B1,
        VILLAGE_B2,
        VILLAGE_C1,
    ];
    let people: Vec<(CitizenId, &str)> = (0..3)
        .map(|i| {
            let origin = *rng.pick(&villages);
            (person(seed * 10 + i, origin), origin)
        })
        .collect();
    let mut all: BTreeMap<RecordId, Record> = BTreeMap::new();
    for (who, origin) in &people {
        let r = topo
            .write(origin, draft(who, origin, None, registered(who)))
            .await
            .unwrap();
        all.insert(r.id.clone(), r);
    }
    let mut day = today().add_days(-70);
    let (mut refused, mut corrections) = (0, 0);
    for _ in 0..30 {
        day = day.add_days(2);
        let (who, origin) = rng.pick(&people).clone();
        let at = *rng.pick(&villages);
        let (node, d) = match rng.below(8) {
            0 => (
                origin,
                draft(&who, origin, Some(at), liudong_core::synth::outflow_on(day)),
            ),
            1 | 2 => (
                up(at, rng.below(3)),
                draft(
                    &who,
                    origin,
                    Some(at),
                    liudong_core::synth::inflow_on(day, None),
                ),
            ),
            3 => (
                up(at, rng.below(3)),
                draft(
                    &who,
                    origin,
                    Some(at),
                    Body::ResidenceChanged(ResidenceChanged {
                        change_date: day,
                        address: String::new(),
                        previous_residence: None,
                    }),
                ),
            ),
            4 => (
                up(origin, rng.below(3)),
                draft(
                    &who,
                    origin,
                    None,
                    Body::Returned(Returned { return_date: day }),
                ),
            ),
            _ => {
                // A void or an amendment of any record, at a node holding it.
                let targets: Vec<&Record> = all
                    .values()
                    .filter(|r| !matches!(r.body, Body::Correction(_)))
                    .collect();
                let target = (*rng.pick(&targets)).clone();
                holders_after(&topo, &target).await;
                // Any holder but the exchange, which writes no records.
                let mut holders = topo.holders(&target.id).unwrap();
                holders.retain(|h| h != EXCHANGE);
                let node = rng.pick(&holders).clone();
                let amended = rng.chance(0.5).then(|| target.body.clone());
                let r = topo
                    .write(
                        &node,
                        unplaced(&target.subject, correction(&target, amended)),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("correction of {} at {node}: {e:#}", target.id));
                corrections += 1;
                all.insert(r.id.clone(), r);
                continue;
            }
        };
        // Writers refuse what breaks the workflow (a move with no absence open, ...).
        match topo.write(node, d).await {
            Ok(r) => {
                all.insert(r.id.clone(), r);
            }
            Err(_) => refused += 1,
        }
    }
    for r in all.values() {
        let held = holders_after(&topo, r).await;
        assert_eq!(held, entitled(r, &all), "{} ({})", r.id, r.body.kind());
    }
    let months: Vec<Month> = (0..3)
        .map(|i| {
            let d = today().add_days(-70 + 28 * i);
            Month::parse(&format!("{:04}-{:02}", d.year, d.month)).unwrap()
        })
        .collect();
    for month in &months {
        for (county, towns) in [
            (COUNTY_A, &[TOWN_A, TOWN_A_OTHER][..]),
            (COUNTY_B, &[TOWN_B][..]),
            (COUNTY_C, &[TOWN_C][..]),
        ] {
            let mut sum = Counts::default();
            for t in towns {
                sum += report(&topo, t, *month);
            }
            assert_eq!(report(&topo, county, *month), sum, "{county} for {month}");
        }
    }
    println!(
        "seed {seed}: {} records ({corrections} corrections), {refused} writes refused by the workflow rules",
        all.len()
    );
    topo.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_workloads_leave_every_node_with_what_it_is_entitled_to() {
    for seed in [7, 8] {
        random_workload(seed).await;
    }
}
