//! The writer's stamps after a clock that was wrong: a store whose clock
//! high-water is hours ahead of the wall clock writes at once, stamped from
//! the wall clock, and a person's records stay in causal order.

use crate::Draft;
use crate::tests::{T_A, V_A1, open};
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::validate::Limits;
use liudong_core::view::Status;
use liudong_core::{Code, Hlc};

const NOW: u64 = 1_800_000_000_000;
const HOURS_3: u64 = 3 * 3_600_000;

fn limits(now_ms: u64) -> Limits {
    Limits {
        now_ms,
        max_skew_ms: 300_000,
    }
}

fn draft(seed: u64) -> Draft {
    Draft {
        operator: "cadre".into(),
        subject: test_record(V_A1, 1, seed, V_A1, None, outflow_body()).subject,
        origin: Some(Code::parse(V_A1).unwrap()),
        residence: None,
        body: outflow_body(),
    }
}

/// A returned record of the same person as `draft(seed)`.
fn returned(seed: u64) -> Draft {
    Draft {
        body: liudong_core::Body::Returned(liudong_core::record::Returned {
            return_date: liudong_core::Date::new(2027, 1, 1).unwrap(),
        }),
        ..draft(seed)
    }
}

#[test]
fn after_a_clock_hours_ahead_is_fixed_writes_are_stamped_from_the_wall_clock() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), T_A, Some("410602"));
    // Written while the clock ran three hours ahead.
    let ahead = s.write_local(draft(1), limits(NOW + HOURS_3)).unwrap();
    assert_eq!(ahead.hlc.wall_ms(), NOW + HOURS_3);
    // The clock is right again: writing works at once, stamped now.
    let other = s.write_local(draft(2), limits(NOW)).unwrap();
    assert_eq!(other.hlc, Hlc::new(NOW, 0), "not dragged by the high-water");
    // The same person's next record is ordered after the one stamped ahead
    // (the return needs the outflow before it to be accepted at all).
    let back = s.write_local(returned(1), limits(NOW)).unwrap();
    assert!(back.hlc > ahead.hlc, "{} after {}", back.hlc, ahead.hlc);
    let view = s.view(&back.subject).unwrap().unwrap();
    assert_eq!(
        view.status,
        Status::AtHome,
        "the fold sees the return after the outflow"
    );
    // The high-water is kept across a restart and stamps stay right.
    drop(s);
    let s = open(dir.path(), T_A, Some("410602"));
    assert!(s.clock() >= ahead.hlc);
    let again = s
        .write_local_batch(vec![draft(3), draft(4)], limits(NOW + 1), false)
        .unwrap();
    assert_eq!(again[0].record.hlc, Hlc::new(NOW + 1, 0));
    assert!(again[1].record.hlc > again[0].record.hlc);
    let back = s
        .write_local_batch(vec![draft(5), returned(2)], limits(NOW + 2), false)
        .unwrap();
    assert!(
        back[1].record.hlc > other.hlc,
        "after the same person's outflow"
    );
    assert!(
        back[1].record.hlc < ahead.hlc,
        "another person's stamp ahead is no floor"
    );
}
