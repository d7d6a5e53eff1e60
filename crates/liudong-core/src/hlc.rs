//! Hybrid logical clock (HLC).
//!
//! A timestamp packs unix milliseconds in the high 48 bits and a logical
//! counter in the low 16 bits, so timestamps compare as plain integers, stay
//! close to wall time, and still order causally related events when clocks
//! disagree. A remote timestamp further ahead than the allowed skew is refused
//! rather than absorbed, so one bad clock cannot drag a whole network forward.

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
#[error(
    "timestamp {remote_ms} ms is {ahead_ms} ms ahead of this node's clock (limit {max_skew_ms} ms); check the sending node's system clock"
)]
pub struct SkewError {
    pub remote_ms: u64,
    pub ahead_ms: u64,
    pub max_skew_ms: u64,
}

/// The clock state of one node.
#[derive(Debug, Clone, Copy, Default)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A clock that will never issue a timestamp at or below `high_water`.
    pub fn resume(high_water: Hlc) -> HlcClock {
        HlcClock { last: high_water }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(e.to_string().contains("600000 ms ahead"), "{e}");
    }
}
