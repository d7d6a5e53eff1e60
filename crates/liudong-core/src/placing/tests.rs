//! The writer's places: corrections and acknowledgements take their target's,
//! returns and residence changes the person's current residence; places
//! given that differ are refused, and a settled correction is held by
//! exactly the nodes that hold its target.

use super::*;
use crate::record::*;
use crate::routing::{NodeKind, NodeScope};
use crate::synth::{example_bodies, test_record};
use crate::workflow::{IssueKind, check};
use crate::{Code, Date, Level};

const O: &str = "410602100001";
const R1: &str = "440306018001";
const R2: &str = "440306018002";

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn body(kind: &str) -> Body {
    example_bodies(Date::new(2026, 10, 1).unwrap())
        .into_iter()
        .find(|b| b.kind() == kind)
        .unwrap()
}

/// One migrant's records as held at the origin village: registration,
/// outflow to R1, inflow at R1, a move to R2.
fn history() -> Vec<Record> {
    let mut out = vec![test_record(O, 1, 7, O, None, body("person_registered"))];
    out.push(test_record(
        O,
        2,
        7,
        O,
        Some(R1),
        body("outflow_registered"),
    ));
    out.push(test_record(
        R1,
        1,
        7,
        O,
        Some(R1),
        body("inflow_registered"),
    ));
    out.push(test_record(
        R2,
        1,
        7,
        O,
        Some(R2),
        Body::ResidenceChanged(ResidenceChanged {
            change_date: Date::new(2026, 10, 1).unwrap(),
            address: String::new(),
            previous_residence: Some(c(R1)),
        }),
    ));
    // In the order written.
    for (i, r) in out.iter_mut().enumerate() {
        r.hlc = crate::Hlc::new(1_790_000_000_000 + i as u64 * 1000, 0);
    }
    out
}

fn void(target: &Record) -> Body {
    Body::Correction(Correction {
        target: target.id.clone(),
        reason: "录入错误".into(),
        amended: None,
        previous_residence: None,
    })
}

/// Settles `body` written with `origin`/`residence` against `context`,
/// as the record it would become.
fn written(
    origin: Option<&str>,
    residence: Option<&str>,
    mut body: Body,
    context: &[Record],
) -> Result<Record, ValidationError> {
    let (origin, residence) = settle(origin.map(c), residence.map(c), &mut body, context)?;
    let mut r = test_record(O, 99, 7, O, None, body);
    r.origin = origin;
    r.residence = residence;
    Ok(r)
}

#[test]
fn a_correction_takes_its_targets_places() {
    let h = history();
    // The registration went to the origin only: so does its amendment.
    let fix = Body::Correction(Correction {
        target: h[0].id.clone(),
        reason: "姓名录入错误".into(),
        amended: Some(Box::new(body("person_registered"))),
        previous_residence: None,
    });
    let r = written(None, None, fix.clone(), &h).unwrap();
    assert_eq!((r.origin.as_str(), r.residence.as_ref()), (O, None));
    assert_eq!(check(&r, &h), Ok(()));
    // The origin given, the residence left out: the same.
    let r = written(Some(O), None, fix.clone(), &h).unwrap();
    assert_eq!(r.residence, None);
    // A residence given (the leak of issue 14): refused, naming the field.
    let e = written(Some(O), Some(R1), fix.clone(), &h).unwrap_err();
    assert_eq!(e.field, "residence");
    assert!(
        e.reason.to_string().contains(R1) && e.reason.to_string().contains(&h[0].id.to_string()),
        "{e}"
    );
    let e = written(Some("410602100002"), None, fix, &h).unwrap_err();
    assert_eq!(e.field, "origin");
    // A void of the inflow goes to the inflow's residence.
    let r = written(None, None, void(&h[2]), &h).unwrap();
    assert_eq!(r.residence, Some(c(R1)));
    // A target not held here: the workflow's own refusal.
    let mut other = h[0].clone();
    other.id.seq = 50;
    let e = written(None, None, void(&other), &h).unwrap_err();
    assert_eq!(e.field, "correction.target");
}

#[test]
fn a_correction_of_a_residence_change_carries_the_residence_left() {
    let h = history();
    let moved = &h[3];
    let r = written(None, None, void(moved), &h).unwrap();
    let Body::Correction(k) = &r.body else {
        unreachable!()
    };
    assert_eq!(k.previous_residence, Some(c(R1)));
    assert_eq!(r.residence, Some(c(R2)));
    assert_eq!(Places::of(&r), Places::of(moved));
    // A different previous residence given: refused.
    let mut wrong = void(moved);
    if let Body::Correction(k) = &mut wrong {
        k.previous_residence = Some(c("440306018003"));
    }
    let e = written(None, None, wrong, &h).unwrap_err();
    assert_eq!(e.field, "correction.previous_residence");
    // An amendment keeps the residence left: filled in when left out ...
    let amend = |previous: Option<&str>| {
        Body::Correction(Correction {
            target: moved.id.clone(),
            reason: "日期有误".into(),
            amended: Some(Box::new(Body::ResidenceChanged(ResidenceChanged {
                change_date: Date::new(2026, 9, 30).unwrap(),
                address: String::new(),
                previous_residence: previous.map(c),
            }))),
            previous_residence: None,
        })
    };
    let r = written(None, None, amend(None), &h).unwrap();
    let Body::Correction(k) = &r.body else {
        unreachable!()
    };
    let Some(Body::ResidenceChanged(a)) = k.amended.as_deref() else {
        unreachable!()
    };
    assert_eq!(a.previous_residence, Some(c(R1)));
    assert_eq!(check(&r, &h), Ok(()));
    // ... and refused when changed.
    let e = written(None, None, amend(Some(O)), &h).unwrap_err();
    assert_eq!(e.field, "correction.amended.previous_residence");
}

#[test]
fn an_acknowledgement_goes_to_the_residence_that_registered_the_inflow() {
    let h = history();
    let ack = |inflow: &Record| {
        let mut b = body("inflow_acknowledged");
        if let Body::InflowAcknowledged(a) = &mut b {
            a.inflow = inflow.id.clone();
        }
        b
    };
    // Written after the move: still the inflow's residence, not the current one.
    let r = written(None, None, ack(&h[2]), &h).unwrap();
    assert_eq!(r.residence, Some(c(R1)));
    assert_eq!(check(&r, &h), Ok(()));
    let e = written(Some(O), Some(R2), ack(&h[2]), &h).unwrap_err();
    assert_eq!(e.field, "residence");
}

#[test]
fn returns_and_moves_name_the_residence_held_for_the_person() {
    let h = history();
    // At R2 now: a return names R2.
    let r = written(Some(O), None, body("returned"), &h).unwrap();
    assert_eq!(r.residence, Some(c(R2)));
    let e = written(Some(O), Some(R1), body("returned"), &h).unwrap_err();
    assert_eq!(e.field, "residence");
    // A move on from R2 leaves R2.
    let mut mv = body("residence_changed");
    if let Body::ResidenceChanged(b) = &mut mv {
        b.previous_residence = None;
    }
    let r = written(Some(O), Some("440306018003"), mv.clone(), &h).unwrap();
    let Body::ResidenceChanged(b) = &r.body else {
        unreachable!()
    };
    assert_eq!(b.previous_residence, Some(c(R2)));
    if let Body::ResidenceChanged(b) = &mut mv {
        b.previous_residence = Some(c(R1));
    }
    let e = written(Some(O), Some("440306018003"), mv, &h).unwrap_err();
    assert_eq!(e.field, "residence_changed.previous_residence");
    // Nothing known about a residence: the places given are kept.
    let r = written(Some(O), Some(R1), body("returned"), &h[..1]).unwrap();
    assert_eq!(r.residence, Some(c(R1)));
    let r = written(Some(O), None, body("returned"), &h[..1]).unwrap();
    assert_eq!(r.residence, None);
    // Any other record needs its origin.
    let e = written(None, Some(R1), body("check_reported"), &h).unwrap_err();
    assert_eq!(e.field, "origin");
}

#[test]
fn a_receiver_refuses_a_correction_or_acknowledgement_going_elsewhere() {
    let h = history();
    let mut r = test_record(O, 9, 7, O, Some(R1), void(&h[0]));
    let e = check(&r, &h).unwrap_err();
    assert_eq!((e.kind, e.field.as_str()), (IssueKind::Breach, "residence"));
    // A void of the move without the residence left.
    r.body = void(&h[3]);
    r.residence = Some(c(R2));
    let e = check(&r, &h).unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_str()),
        (IssueKind::Breach, "correction.previous_residence")
    );
    let mut ack = body("inflow_acknowledged");
    if let Body::InflowAcknowledged(a) = &mut ack {
        a.inflow = h[2].id.clone();
    }
    let ack = test_record(O, 10, 7, O, Some(R2), ack);
    let e = check(&ack, &h).unwrap_err();
    assert_eq!((e.kind, e.field.as_str()), (IssueKind::Breach, "residence"));
}

/// Every scope of a two-province tree, exchanges at province and national level.
fn scopes() -> Vec<NodeScope> {
    let mut out: Vec<NodeScope> = [
        O,
        "410602100002",
        "410602100",
        "410602001001",
        "410602001",
        "410602",
        "410603",
        R1,
        R2,
        "440306018003",
        "440306018",
        "440306",
    ]
    .iter()
    .map(|s| NodeScope::for_code(c(s)).unwrap())
    .collect();
    for (code, child_level) in [
        ("41", Level::County),
        ("44", Level::County),
        ("CN", Level::Province),
        ("CN", Level::County),
    ] {
        let code = if code == "CN" {
            Code::national()
        } else {
            c(code)
        };
        out.push(NodeScope::new(code, NodeKind::Exchange { child_level }).unwrap());
    }
    out
}

#[test]
fn a_settled_correction_is_held_by_exactly_the_targets_holders() {
    let mut h = history();
    // Records of every kind, some within one county, some crossing provinces.
    for (i, b) in example_bodies(Date::new(2026, 10, 1).unwrap())
        .into_iter()
        .filter(|b| !matches!(b, Body::Correction(_)))
        .enumerate()
    {
        let residence = [None, Some(R1), Some("410602001001")][i % 3];
        h.push(test_record(O, 10 + i as u64, 7, O, residence, b));
    }
    let scopes = scopes();
    for target in h.clone() {
        let r = written(None, None, void(&target), &h).unwrap();
        for s in &scopes {
            assert_eq!(
                s.holds(&r),
                s.holds(&target),
                "{s} for {:?}",
                target.body.kind()
            );
        }
    }
}
