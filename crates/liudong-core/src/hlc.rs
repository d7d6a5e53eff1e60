//! Hybrid logical clock (HLC).
//!
//! A timestamp packs unix milliseconds in the high 48 bits and a logical
//! counter in the low 16 bits, so timestamps compare as plain integers, stay
//! close to wall time, and still order causally related events when clocks
//! disagree.
//!
//! One bad clock must not drag a network forward, nor leave a node stuck
//! after its clock is fixed (docs/protocol.md, "Clocks"):
//! - a node compares its wall clock with its upstream's at every session
//!   ([`ClockComparison`]) and refuses local writes while they differ by
//!   more than the limit (the max-offset rule of CockroachDB);
//! - a clock whose high-water is further ahead of the wall clock than the
//!   limit (it absorbed a stamp written by a clock that was wrong, or was
//!   wrong itself) does not stamp from the high-water but from the wall
//!   clock, never below the stamps of the records about the same person
//!   ([`HlcClock::stamp`]): the fold of a person's records keeps their
//!   causal order, and every other stamp is right again at once.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A packed HLC timestamp.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Hlc(pub u64);

impl Hlc {
    pub fn new(wall_ms: u64, logical: u16) -> Hlc {
        Hlc((wall_ms << 16) | u64::from(logical))
    }
    pub fn wall_ms(self) -> u64 {
        self.0 >> 16
    }
    pub fn logical(self) -> u16 {
        (self.0 & 0xffff) as u16
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.wall_ms(), self.logical())
    }
}

/// A remote timestamp too far ahead of local wall time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", liudong_i18n::t!("clock-skew", remote_ms = *remote_ms, ahead_ms = *ahead_ms, max_skew_ms = *max_skew_ms))]
pub struct SkewError {
    pub remote_ms: u64,
    pub ahead_ms: u64,
    pub max_skew_ms: u64,
}

/// The clock state of one node.
#[derive(Debug, Clone, Copy, Default)]
pub struct HlcClock {
    /// The high-water: every timestamp issued or observed.
    last: Hlc,
    /// The last timestamp issued while the high-water was too far ahead of
    /// the wall clock (see [`HlcClock::stamp`]); in memory only.
    rebased: Hlc,
}

impl HlcClock {
    /// A clock whose high-water is `high_water`: [`HlcClock::tick`] never
    /// issues a timestamp at or below it.
    pub fn resume(high_water: Hlc) -> HlcClock {
        HlcClock {
            last: high_water,
            rebased: Hlc(0),
        }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new timestamp for a local event at wall time `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let next = if now_ms > self.last.wall_ms() {
            Hlc::new(now_ms, 0)
        } else {
            Hlc(self.last.0 + 1)
        };
        self.last = next;
        next
    }

    /// True if the high-water is more than `max_ahead_ms` ahead of the wall
    /// time `now_ms`: [`HlcClock::stamp`] then follows the wall clock and
    /// needs the floor of the person's records.
    pub fn is_ahead(&self, now_ms: u64, max_ahead_ms: u64) -> bool {
        self.last.wall_ms() > now_ms.saturating_add(max_ahead_ms)
    }

    /// A new timestamp for a record written here at wall time `now_ms`,
    /// above `floor` (the highest stamp of the records about the same person
    /// held here; only read when the clock [`is_ahead`](Self::is_ahead)).
    ///
    /// Normally this is [`HlcClock::tick`]. When the high-water is more than
    /// `max_ahead_ms` ahead of the wall clock (a stamp written by a clock
    /// that was wrong was absorbed, or this node's own clock was wrong and
    /// has been set right), the stamp follows the wall clock instead: the
    /// later of `now_ms`, the last such stamp, and `floor`, plus one. The
    /// high-water still covers it, and once the wall clock has caught up
    /// with the high-water, stamps are ticks again. So a person's records
    /// stay in causal order and every other stamp is right at once.
    pub fn stamp<E>(
        &mut self,
        now_ms: u64,
        max_ahead_ms: u64,
        floor: impl FnOnce() -> Result<Hlc, E>,
    ) -> Result<Hlc, E> {
        if !self.is_ahead(now_ms, max_ahead_ms) {
            return Ok(self.tick(now_ms));
        }
        let floor = floor()?;
        let next = Hlc::new(now_ms, 0)
            .max(Hlc(self.rebased.0 + 1))
            .max(Hlc(floor.0 + 1));
        self.rebased = next;
        self.observe(next);
        Ok(next)
    }

    /// Checks a remote timestamp against the allowed skew, without changing the clock.
    pub fn check(remote: Hlc, now_ms: u64, max_skew_ms: u64) -> Result<(), SkewError> {
        let ahead = remote.wall_ms().saturating_sub(now_ms);
        if ahead > max_skew_ms {
            return Err(SkewError {
                remote_ms: remote.wall_ms(),
                ahead_ms: ahead,
                max_skew_ms,
            });
        }
        Ok(())
    }

    /// Merges a remote timestamp already accepted by [`HlcClock::check`].
    pub fn observe(&mut self, remote: Hlc) {
        if remote > self.last {
            self.last = remote;
        }
    }
}

/// A comparison of this node's wall clock with its upstream's, made when a
/// session opens: this node read its clock `local_sent_ms` just before it
/// sent `Hello` and the round trip to `Welcome` took `round_trip_ms`; the
/// upstream read `upstream_ms` in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockComparison {
    pub local_sent_ms: u64,
    pub round_trip_ms: u64,
    pub upstream_ms: u64,
}

impl ClockComparison {
    /// This node's clock at the middle of the round trip.
    pub fn local_ms(&self) -> u64 {
        self.local_sent_ms + self.round_trip_ms / 2
    }

    /// How far the upstream's clock is ahead of this node's (negative:
    /// behind), from the middle of the round trip.
    pub fn offset_ms(&self) -> i64 {
        self.upstream_ms as i64 - self.local_ms() as i64
    }

    /// How far [`offset_ms`](Self::offset_ms) may be from the truth: half the round trip.
    pub fn uncertainty_ms(&self) -> u64 {
        self.round_trip_ms.div_ceil(2)
    }

    /// True if the clocks certainly differ by more than `max_offset_ms`,
    /// whatever the messages' delays were.
    pub fn differs(&self, max_offset_ms: u64) -> bool {
        self.offset_ms().unsigned_abs() > max_offset_ms.saturating_add(self.uncertainty_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_far_ahead_stamps_from_the_wall_clock_above_the_floor() {
        const MIN: u64 = 60_000;
        let now = 1_800_000_000_000;
        let none = || Ok::<_, ()>(Hlc(0));
        // Within the limit: an ordinary tick, ahead of the wall clock.
        let mut c = HlcClock::resume(Hlc::new(now + 4 * MIN, 7));
        assert!(!c.is_ahead(now, 5 * MIN));
        assert_eq!(c.stamp(now, 5 * MIN, none), Ok(Hlc::new(now + 4 * MIN, 8)));
        // Three hours ahead (a clock that was wrong): the wall clock.
        let high = Hlc::new(now + 180 * MIN, 0);
        let mut c = HlcClock::resume(high);
        assert!(c.is_ahead(now, 5 * MIN));
        let a = c.stamp(now, 5 * MIN, none).unwrap();
        assert_eq!(a, Hlc::new(now, 0));
        let b = c.stamp(now, 5 * MIN, none).unwrap();
        assert!(b > a && b.wall_ms() == now, "stamps still increase");
        assert_eq!(c.last(), high, "the high-water stays");
        // A person with a record stamped ahead: the next one is after it.
        let floor = Hlc::new(now + 170 * MIN, 3);
        let d = c.stamp(now, 5 * MIN, || Ok::<_, ()>(floor)).unwrap();
        assert_eq!(d, Hlc(floor.0 + 1));
        // The floor is read only when needed.
        let mut normal = HlcClock::resume(Hlc::new(now, 0));
        let t = normal.stamp(now + 1, 5 * MIN, || Err("not read")).unwrap();
        assert_eq!(t, Hlc::new(now + 1, 0));
        // Once the wall clock has caught up, ticks again, above everything.
        let later = now + 176 * MIN;
        assert!(!c.is_ahead(later, 5 * MIN));
        assert!(c.stamp(later, 5 * MIN, none).unwrap() > high);
    }

    #[test]
    fn clock_comparisons_allow_for_the_round_trip() {
        let c = ClockComparison {
            local_sent_ms: 100_000_000,
            round_trip_ms: 2_000,
            upstream_ms: 100_001_000 + 300_000,
        };
        assert_eq!(c.local_ms(), 100_001_000);
        assert_eq!(c.offset_ms(), 300_000);
        assert_eq!(c.uncertainty_ms(), 1_000);
        assert!(!c.differs(300_000));
        assert!(!c.differs(299_000), "within the round trip's uncertainty");
        assert!(c.differs(298_999));
        let behind = ClockComparison {
            upstream_ms: 100_001_000 - 3 * 3_600_000,
            ..c
        };
        assert_eq!(behind.offset_ms(), -3 * 3_600_000);
        assert!(behind.differs(300_000));
    }

    #[test]
    fn monotonic_and_skew() {
        let mut c = HlcClock::default();
        let a = c.tick(1000);
        let b = c.tick(1000);
        assert!(b > a);
        c.observe(Hlc::new(5000, 3));
        let d = c.tick(1001);
        assert!(d > Hlc::new(5000, 3), "modest skew is absorbed");
        assert!(HlcClock::check(Hlc::new(1000 + 60_000, 0), 1000, 300_000).is_ok());
        let e = HlcClock::check(Hlc::new(1000 + 600_000, 0), 1000, 300_000).unwrap_err();
        assert!(e.to_string().contains("快 600000 毫秒"), "{e}");
    }
}
