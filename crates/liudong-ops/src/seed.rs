//! `liudong seed`: writes a deterministic synthetic population
//! ([`liudong_core::population`]) into a stopped node's store, authored by the
//! node, so that demos, tests and benchmarks have realistic data. Run it on a
//! fresh node: the same seed then always gives the same records.

use crate::error::OpsError;
use liudong_core::population::{Params, generate};
use liudong_core::validate::{Limits, check_record};
use liudong_core::{Date, HlcClock, NodeKind, Reason, ValidationError};
use liudong_store::{Incoming, Source};

/// Generates and stores the population; returns the number of records written.
pub fn seed_store(
    store: &liudong_store::Store,
    seed: u64,
    households: u64,
    now_ms: u64,
) -> Result<usize, OpsError> {
    let scope = store.scope();
    if matches!(scope.kind, NodeKind::Exchange { .. }) {
        return Err(OpsError::Usage(
            "seed writes a county, township or village population; this is an exchange node".into(),
        ));
    }
    let first_seq = store
        .record_ids()?
        .into_iter()
        .filter(|id| id.node == scope.code)
        .map(|id| id.seq)
        .max()
        .unwrap_or(0)
        + 1;
    let records = generate(Params {
        unit: scope.code.clone(),
        author: scope.code.clone(),
        first_seq,
        seed,
        households,
        today: last_seedable_day(now_ms),
    });
    let limits = Limits {
        now_ms,
        max_skew_ms: 0,
    };
    for r in &records {
        check_record(r, limits).map_err(|error| OpsError::Generated {
            id: r.id.clone(),
            error,
        })?;
        // Nothing stamped ahead of the clock: seeded records are history.
        HlcClock::check(r.hlc, now_ms, 0).map_err(|e| OpsError::Generated {
            id: r.id.clone(),
            error: ValidationError::new(
                "hlc",
                Reason::Clock {
                    remote_ms: e.remote_ms,
                    ahead_ms: e.ahead_ms,
                    max_skew_ms: e.max_skew_ms,
                },
            ),
        })?;
    }
    for chunk in records.chunks(500) {
        let items: Vec<Incoming> = chunk.iter().cloned().map(Incoming::new).collect();
        store.apply(&items, &Source::Local, None, true)?;
    }
    Ok(records.len())
}

/// The last day whose generated records (stamped at noon China time) are not
/// ahead of `now_ms`: today from noon on, yesterday before it.
fn last_seedable_day(now_ms: u64) -> Date {
    Date::from_unix_ms(now_ms.saturating_sub(12 * 3_600_000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::{Code, NodeScope};
    use liudong_store::Store;

    const HOUR: u64 = 3_600_000;

    /// 2026-12-02 00:00 China time, in unix milliseconds.
    fn midnight_cst() -> u64 {
        Date::new(2026, 12, 2).unwrap().to_days() as u64 * 24 * HOUR - 8 * HOUR
    }

    #[test]
    fn the_last_seedable_day_turns_at_noon_china_time() {
        let d = |ms| last_seedable_day(ms).to_string();
        assert_eq!(d(midnight_cst() + 30 * 60_000), "2026-12-01");
        assert_eq!(d(midnight_cst() + 12 * HOUR - 1), "2026-12-01");
        assert_eq!(d(midnight_cst() + 12 * HOUR), "2026-12-02");
        assert_eq!(d(midnight_cst() + 24 * HOUR - 1), "2026-12-02");
    }

    #[test]
    fn seeding_in_the_morning_china_time_stores_nothing_ahead_of_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let scope = NodeScope::for_code(Code::parse("410602100").unwrap()).unwrap();
        let parent = scope.parent(&Code::parse("410602").unwrap()).unwrap();
        let store = Store::open(dir.path(), scope, Some(parent), &Default::default()).unwrap();
        let now = midnight_cst() + 30 * 60_000; // 00:30, before the day's noon stamps
        let n = seed_store(&store, 7, 300, now).unwrap();
        assert!(n > 20, "seeded {n} records");
        assert_eq!(store.record_count(), n);
    }
}
