//! The person view is a function of the set of records: any delivery order,
//! any duplication, with amending and voiding corrections (including several
//! corrections of one record), gives the same view.

use super::*;
use crate::date::Date;
use crate::record::*;
use crate::synth::test_record;
use proptest::prelude::*;

const O: &str = "410602100001";
const R1: &str = "440306018001";
const R2: &str = "440306018002";

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// One migrant's history, with corrections of earlier records.
fn history() -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    let mut add = |res: Option<&str>, body: Body| {
        let seq = out.len() as u64 + 1;
        let r = test_record(O, seq, 7, O, res, body);
        out.push(r);
        out.last().unwrap().id.clone()
    };
    add(
        None,
        Body::PersonRegistered(PersonRegistered {
            name: "某某".into(),
            sex: Sex::Female,
            birth_date: d("1990-01-01"),
            marital_status: MaritalStatus::Married,
            hukou: HukouType::Agricultural,
            household: String::new(),
            phone: String::new(),
        }),
    );
    let outflow = add(
        Some(R1),
        Body::OutflowRegistered(OutflowRegistered {
            leave_date: d("2026-03-01"),
            purpose: Purpose::Work,
            expected_months: 12,
        }),
    );
    add(
        Some(R1),
        Body::CertificateIssued(CertificateIssued {
            number: "C-1".into(),
            valid_from: d("2026-03-02"),
            valid_until: d("2027-03-01"),
            marital_status: MaritalStatus::Married,
            children: 0,
        }),
    );
    let inflow = add(
        Some(R1),
        Body::InflowRegistered(InflowRegistered {
            arrival_date: d("2026-03-05"),
            address: String::new(),
            employer: String::new(),
            certificate_number: Some("C-1".into()),
        }),
    );
    add(
        Some(R1),
        Body::InflowAcknowledged(InflowAcknowledged {
            inflow,
            outcome: AckOutcome::Confirmed,
            certificate_number: None,
            certificate_valid_until: None,
            note: String::new(),
        }),
    );
    let check = add(
        Some(R1),
        Body::CheckReported(CheckReported {
            quarter: crate::Quarter::parse("2026Q2").unwrap(),
            check_date: d("2026-05-01"),
            result: CheckResult::Normal,
        }),
    );
    add(
        Some(R2),
        Body::ResidenceChanged(ResidenceChanged {
            change_date: d("2026-07-01"),
            address: String::new(),
            previous_residence: Some(Code::parse(R1).unwrap()),
        }),
    );
    add(
        Some(R2),
        Body::BirthRegistered(BirthRegistered {
            birth_date: d("2026-08-01"),
            sex: Sex::Male,
            birth_order: 1,
            place: None,
            service_number: String::new(),
        }),
    );
    // Two amendments of the outflow (the later wins) and a voided check.
    for day in ["2026-02-27", "2026-02-28"] {
        add(
            Some(R1),
            Body::Correction(Correction {
                target: outflow.clone(),
                reason: "日期有误".into(),
                amended: Some(Box::new(Body::OutflowRegistered(OutflowRegistered {
                    leave_date: d(day),
                    purpose: Purpose::Work,
                    expected_months: 12,
                }))),
                previous_residence: None,
            }),
        );
    }
    add(
        Some(R1),
        Body::Correction(Correction {
            target: check,
            reason: "重复报告".into(),
            amended: None,
            previous_residence: None,
        }),
    );
    add(
        Some(R2),
        Body::Returned(Returned {
            return_date: d("2026-10-01"),
        }),
    );
    out
}

#[test]
fn the_history_gives_the_expected_view() {
    let v = PersonView::derive(&history()).unwrap();
    assert_eq!(v.status, Status::AtHome);
    assert_eq!(v.episodes.len(), 1);
    let e = &v.episodes[0];
    assert_eq!(e.left, Some(d("2026-02-28")), "the latest amendment wins");
    assert_eq!(e.arrived, Some(d("2026-03-05")));
    assert_eq!(e.returned, Some(d("2026-10-01")));
    assert_eq!(
        e.residences,
        vec![Code::parse(R1).unwrap(), Code::parse(R2).unwrap()]
    );
    assert!(v.checks.is_empty(), "the check report was voided");
    assert_eq!(v.voided, 1);
    assert_eq!(v.births.len(), 1);
    assert!(v.inflows[0].acknowledged.is_some());
    assert!(v.certificate_valid_on(d("2026-12-01")));
    assert!(!v.certificate_valid_on(d("2027-03-02")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_order_and_duplication_give_the_same_view(
        order in Just((0..12usize).collect::<Vec<_>>()).prop_shuffle(),
        dups in proptest::collection::vec(0..12usize, 0..12),
    ) {
        let all = history();
        let reference = PersonView::derive(&all).unwrap();
        let mut delivered: Vec<Record> = order.iter().map(|&i| all[i].clone()).collect();
        for (k, i) in dups.iter().enumerate() {
            delivered.insert(k % (delivered.len() + 1), all[*i].clone());
        }
        prop_assert_eq!(PersonView::derive(&delivered).unwrap(), reference);
    }
}

/// Phone, address and employer follow the latest record that gives them; a
/// residence change keeps no employer and a return clears both; a
/// certificate tells the marital status to a node holding no registration.
#[test]
fn contact_details_follow_the_latest_records() {
    let mut rs: Vec<Record> = Vec::new();
    let mut add = |res: Option<&str>, body: Body| {
        rs.push(test_record(O, rs.len() as u64 + 1, 7, O, res, body));
    };
    add(
        Some(R1),
        Body::CertificateIssued(CertificateIssued {
            number: "C-9".into(),
            valid_from: d("2026-03-02"),
            valid_until: d("2027-03-01"),
            marital_status: MaritalStatus::Married,
            children: 1,
        }),
    );
    add(
        Some(R1),
        Body::InflowRegistered(InflowRegistered {
            arrival_date: d("2026-03-05"),
            address: "幸福路3号".into(),
            employer: "某某制衣厂".into(),
            certificate_number: Some("C-9".into()),
        }),
    );
    let v = PersonView::derive(&rs).unwrap();
    assert_eq!(
        v.marital_status,
        MaritalStatus::Married,
        "from the certificate"
    );
    assert_eq!(v.phone, None);
    assert_eq!(v.address.as_deref(), Some("幸福路3号"));
    assert_eq!(v.employer.as_deref(), Some("某某制衣厂"));
    assert_eq!(v.inflows[0].certificate_number.as_deref(), Some("C-9"));
    let mut add = |res: Option<&str>, body: Body| {
        rs.push(test_record(O, rs.len() as u64 + 1, 7, O, res, body));
    };
    add(
        None,
        Body::PersonRegistered(PersonRegistered {
            name: "某某".into(),
            sex: Sex::Female,
            birth_date: d("1990-01-01"),
            marital_status: MaritalStatus::Unspecified,
            hukou: HukouType::Unspecified,
            household: String::new(),
            phone: "13800000000".into(),
        }),
    );
    add(
        Some(R2),
        Body::ResidenceChanged(ResidenceChanged {
            change_date: d("2026-07-01"),
            address: "新村5号".into(),
            previous_residence: Some(Code::parse(R1).unwrap()),
        }),
    );
    let v = PersonView::derive(&rs).unwrap();
    assert_eq!(v.phone.as_deref(), Some("13800000000"));
    assert_eq!(
        v.marital_status,
        MaritalStatus::Married,
        "unspecified keeps it"
    );
    assert_eq!(v.address.as_deref(), Some("新村5号"));
    assert_eq!(v.employer, None);
    rs.push(test_record(
        O,
        rs.len() as u64 + 1,
        7,
        O,
        Some(R2),
        Body::Returned(Returned {
            return_date: d("2026-10-01"),
        }),
    ));
    let v = PersonView::derive(&rs).unwrap();
    assert_eq!((v.address, v.employer), (None, None));
}

/// One generated record: a body kind (index into `example_bodies`, the ten
/// that are not corrections), or a correction of record `target` (1-based
/// sequence number, which may not exist or come later) amended to a body
/// of kind `amended` (`None` voids; `Some(None)` takes the target's kind).
#[derive(Debug, Clone)]
enum Gen {
    Plain(usize, usize),
    Correct(u64, Option<Option<usize>>),
}

fn gen_item() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => (0..10usize, 0..3usize).prop_map(|(k, res)| Gen::Plain(k, res)),
        1 => (1..16u64, prop_oneof![Just(None), Just(Some(None)), (0..10usize).prop_map(|k| Some(Some(k)))])
            .prop_map(|(t, a)| Gen::Correct(t, a)),
    ]
}

fn build(items: &[Gen]) -> Vec<Record> {
    let bodies = crate::synth::example_bodies(d("2026-10-01"));
    let residences = [None, Some(R1), Some(R2)];
    let mut out: Vec<Record> = Vec::new();
    for (i, g) in items.iter().enumerate() {
        let seq = i as u64 + 1;
        let (res, body) = match g {
            Gen::Plain(k, res) => (residences[*res], bodies[*k].clone()),
            Gen::Correct(t, a) => {
                let target = RecordId {
                    node: Code::parse(O).unwrap(),
                    seq: *t,
                };
                let held = out.iter().find(|r| r.id == target);
                let amended = match a {
                    None => None,
                    Some(None) => held.map(|r| r.body.clone()).map(Box::new),
                    Some(Some(k)) => Some(Box::new(bodies[*k].clone())),
                };
                let res = held.and_then(|r| r.residence.as_ref()).map(|c| c.as_str());
                let res = residences.iter().find(|r| *r == &res).copied().flatten();
                (
                    res,
                    Body::Correction(Correction {
                        target,
                        reason: "更正".into(),
                        amended,
                        previous_residence: None,
                    }),
                )
            }
        };
        out.push(test_record(O, seq, 7, O, res, body));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Folding each arriving batch onto the stored fold (or deriving again
    /// when it cannot be extended) gives exactly the fold derived from all
    /// records held, in any arrival order and batching, with amending and
    /// voiding corrections; and the workflow check of a record folded in
    /// order, given the fold's episode state, is the full check.
    #[test]
    fn extending_gives_the_derived_fold(
        items in proptest::collection::vec(gen_item(), 1..16),
        shuffle in any::<bool>(),
        perm in Just((0..16usize).collect::<Vec<_>>()).prop_shuffle(),
        cuts in proptest::collection::vec(any::<bool>(), 16),
    ) {
        let all = build(&items);
        let order: Vec<usize> = if shuffle {
            perm.into_iter().filter(|&i| i < all.len()).collect()
        } else {
            (0..all.len()).collect()
        };
        let mut held: Vec<Record> = Vec::new();
        let mut fold: Option<ViewFold> = None;
        let mut batch: Vec<Record> = Vec::new();
        for (k, &i) in order.iter().enumerate() {
            batch.push(all[i].clone());
            if !(cuts[k] || k + 1 == order.len()) {
                continue;
            }
            batch.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
            let before = held.clone();
            held.append(&mut batch.clone());
            let mut extended = fold.clone();
            let mut ctx = before;
            for r in &batch {
                let Some(f) = extended.as_mut() else { break };
                let open = f.episode_open();
                if !f.extend(r) {
                    extended = None;
                    break;
                }
                ctx.push(r.clone());
                prop_assert_eq!(
                    crate::workflow::check_following(r, &ctx, open),
                    crate::workflow::check(r, &held)
                );
            }
            let f = extended.unwrap_or_else(|| ViewFold::derive(&held).unwrap());
            prop_assert_eq!(&f, &ViewFold::derive(&held).unwrap());
            prop_assert_eq!(f.view(), &PersonView::derive(&held).unwrap());
            fold = Some(f);
            batch.clear();
        }
    }
}

/// Records arriving in clock order extend the fold; one arriving before
/// others folded, or a correction, does not.
#[test]
fn extend_takes_only_records_in_order_and_no_corrections() {
    let all = history();
    let mut f = ViewFold::derive(&all[..2]).unwrap();
    assert!(!f.extend(&all[0]), "already folded");
    assert!(f.extend(&all[2]));
    assert!(f.extend(&all[3]));
    assert!(!f.extend(&all[9]), "a correction");
    let late = ViewFold::derive([&all[4], &all[5]]).unwrap();
    let mut g = late.clone();
    assert!(!g.extend(&all[3]), "before a record folded");
    assert_eq!(g, late, "a refused record leaves the fold unchanged");
    assert_eq!(f, ViewFold::derive(&all[..4]).unwrap());
}
