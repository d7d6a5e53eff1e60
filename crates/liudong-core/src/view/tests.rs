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
