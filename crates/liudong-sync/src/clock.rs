//! This node's wall clock against its upstream's: the max-offset rule.
//!
//! Every session the node dials compares the two clocks: the upstream says
//! its clock in `Welcome.clock_ms`, the client reads its own around the
//! round trip ([`ClockComparison`]). The last comparison is kept with the
//! monotonic instant it was made at, so that the upstream's clock can be
//! extrapolated to any later moment: a wall clock that jumps (or is set
//! right) after the comparison is noticed at the next local write without
//! waiting for a session. While the two clocks differ by more than the limit
//! (`[sync] max_skew_secs`), local writes are refused with an error naming
//! both clocks (`Node::check_clock`); syncing goes on (records are not
//! refused for their stamps, see `liudong_core::hlc`).
//!
//! The upstream is the reference for its lower nodes, as it is for their
//! records. An upstream whose own clock differs from its upstream's says so
//! (`Welcome.clock_in_doubt`); its lower nodes then do not take it as the
//! reference. A node without an upstream is its own reference.

use liudong_core::{ClockComparison, Code, Date};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// While this node's clock differs from its upstream's, or the upstream's
/// is in doubt, a comparison older than this is made again: a live session
/// ends and reconnects, and a refused write asks the link for a session
/// now. So a clock set right at either end is noticed within a minute.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);

/// The last comparison with the upstream's clock.
#[derive(Debug, Clone)]
struct Reading {
    upstream: Code,
    comparison: ClockComparison,
    /// The monotonic instant of the middle of the round trip.
    at: Instant,
    /// The upstream said its own clock differs from its upstream's.
    in_doubt: bool,
}

/// The comparisons a node made (in memory: a restarted node compares again
/// at its first session).
#[derive(Debug, Default)]
pub(crate) struct ClockWatch {
    last: Mutex<Option<Reading>>,
    /// Wakes the link to compare again (see [`RECHECK_EVERY`]).
    recheck: Notify,
}

/// What this node knows of its wall clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockState {
    /// The node has no upstream: its clock is the reference for the nodes below.
    Reference,
    /// Not compared yet since the node started (or the upstream did not say its clock).
    Unchecked,
    /// The upstream's own clock differs from its upstream's: no reference.
    UpstreamInDoubt { upstream: Code },
    /// Within the limit of the upstream's; `offset_ms` is how far the
    /// upstream's clock is ahead (negative: behind).
    Agrees { upstream: Code, offset_ms: i64 },
    /// Differs from the upstream's by more than `limit_ms`: this node's
    /// clock reads `local_ms` while the upstream's reads `upstream_ms`
    /// (extrapolated from the last comparison).
    Differs {
        upstream: Code,
        local_ms: u64,
        upstream_ms: u64,
        limit_ms: u64,
    },
}

impl ClockState {
    /// True if local writes must be refused.
    pub fn differs(&self) -> bool {
        matches!(self, ClockState::Differs { .. })
    }

    /// True if the comparison is to be made again every [`RECHECK_EVERY`]:
    /// the clocks differ, or the upstream's is in doubt.
    pub fn needs_recheck(&self) -> bool {
        matches!(
            self,
            ClockState::Differs { .. } | ClockState::UpstreamInDoubt { .. }
        )
    }
}

impl ClockWatch {
    /// Records the comparison with `upstream`'s clock made at the opening of
    /// a session (`at`: the middle of its round trip), and logs a clock that
    /// differs by more than `limit_ms`.
    pub(crate) fn record(
        &self,
        upstream: &Code,
        comparison: ClockComparison,
        at: Instant,
        in_doubt: bool,
        limit_ms: u64,
    ) {
        if in_doubt {
            tracing::warn!(
                upstream = %upstream,
                "the upstream's clock differs from its own upstream's: this node's clock is not checked against it"
            );
        } else if comparison.differs(limit_ms) {
            tracing::warn!(
                upstream = %upstream,
                local = %time_cst(comparison.local_ms()),
                remote = %time_cst(comparison.upstream_ms),
                offset_ms = comparison.offset_ms(),
                limit_ms,
                "this node's clock differs from its upstream's by more than [sync] max_skew_secs: local writes are refused until the clocks agree"
            );
        } else {
            tracing::debug!(
                upstream = %upstream,
                offset_ms = comparison.offset_ms(),
                uncertainty_ms = comparison.uncertainty_ms(),
                "clock compared"
            );
        }
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(Reading {
            upstream: upstream.clone(),
            comparison,
            at,
            in_doubt,
        });
    }

    /// Asks the link for a new comparison if the last one is older than
    /// [`RECHECK_EVERY`].
    pub(crate) fn ask_recheck_if_stale(&self) {
        let stale = self
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|r| r.at.elapsed() >= RECHECK_EVERY);
        if stale {
            self.recheck.notify_one();
        }
    }

    /// Waits until a new comparison is asked for.
    pub(crate) async fn recheck_wanted(&self) {
        self.recheck.notified().await;
    }

    /// What is known of the clock of a node (with an upstream if
    /// `has_upstream`) whose wall clock reads `now_ms`: the last comparison,
    /// extrapolated to now by the monotonic clock, against `limit_ms`.
    pub(crate) fn state(&self, has_upstream: bool, now_ms: u64, limit_ms: u64) -> ClockState {
        if !has_upstream {
            return ClockState::Reference;
        }
        let Some(r) = self.last.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
            return ClockState::Unchecked;
        };
        if r.in_doubt {
            return ClockState::UpstreamInDoubt {
                upstream: r.upstream,
            };
        }
        let elapsed = r.at.elapsed().as_millis() as u64;
        let now = ClockComparison {
            local_sent_ms: now_ms,
            round_trip_ms: 0,
            upstream_ms: r.comparison.upstream_ms.saturating_add(elapsed),
        };
        let bound = limit_ms.saturating_add(r.comparison.uncertainty_ms());
        if now.offset_ms().unsigned_abs() > bound {
            ClockState::Differs {
                upstream: r.upstream,
                local_ms: now_ms,
                upstream_ms: now.upstream_ms,
                limit_ms,
            }
        } else {
            ClockState::Agrees {
                upstream: r.upstream,
                offset_ms: now.offset_ms(),
            }
        }
    }
}

/// A wall time as operators read it: China Standard Time (UTC+8),
/// `YYYY-MM-DD HH:MM:SS`.
pub fn time_cst(ms: u64) -> String {
    let cst = ms / 1000 + 8 * 3600;
    let (days, secs) = (cst / 86_400, cst % 86_400);
    let date = Date::from_unix_ms(days * 86_400_000);
    format!(
        "{date} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_comparison_is_extrapolated_to_the_wall_clock_now() {
        let watch = ClockWatch::default();
        let up = Code::parse("410602").unwrap();
        const T: u64 = 1_800_000_000_000;
        const LIMIT: u64 = 300_000;
        assert_eq!(watch.state(false, T, LIMIT), ClockState::Reference);
        assert_eq!(watch.state(true, T, LIMIT), ClockState::Unchecked);
        // This node ran three hours ahead of its upstream.
        let ahead = ClockComparison {
            local_sent_ms: T + 3 * 3_600_000,
            round_trip_ms: 20,
            upstream_ms: T + 10,
        };
        watch.record(&up, ahead, Instant::now(), false, LIMIT);
        let s = watch.state(true, T + 3 * 3_600_000, LIMIT);
        assert!(s.differs(), "{s:?}");
        // Its clock is set right: the same comparison, extrapolated, agrees.
        let s = watch.state(true, T + 50, LIMIT);
        assert!(matches!(s, ClockState::Agrees { .. }), "{s:?}");
        // An upstream whose own clock is in doubt is no reference.
        watch.record(&up, ahead, Instant::now(), true, LIMIT);
        let s = watch.state(true, T + 3 * 3_600_000, LIMIT);
        assert_eq!(s, ClockState::UpstreamInDoubt { upstream: up });
    }

    #[test]
    fn times_are_shown_in_china_standard_time() {
        // 2026-12-01 16:00:00 UTC is midnight in China.
        let ms = Date::new(2026, 12, 1).unwrap().to_days() as u64 * 86_400_000 + 16 * 3_600_000;
        assert_eq!(time_cst(ms), "2026-12-02 00:00:00");
        assert_eq!(time_cst(ms + 3_723_000), "2026-12-02 01:02:03");
    }
}
