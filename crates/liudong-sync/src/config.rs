//! Limits and pacing of sessions, and the node's source of wall time.

use liudong_core::Code;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Limits and pacing of sessions.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Most records in one batch.
    pub max_batch: usize,
    /// Most record bytes in one batch.
    pub max_batch_bytes: usize,
    /// Most unacknowledged batches in flight each way.
    pub window: usize,
    /// How far ahead of this node's clock a record may be.
    pub max_skew_ms: u64,
    /// A one-shot session with no message for this long fails; so does any
    /// session (live ones too) waiting this long for an acknowledgement.
    pub idle_timeout: Duration,
    /// Largest encoded record accepted from a peer (checked before decoding).
    pub max_record_bytes: usize,
    /// Most records a peer may send in one session; the session then ends
    /// with `RESOURCE_EXHAUSTED` and resumes in a new one from the durable cursor.
    pub max_session_records: u64,
    /// Seconds within which this node, as a client, expects to sync again
    /// (its one-shot interval, or a live link's longest retry delay),
    /// announced to the upstream in `Hello`; 0 announces nothing.
    pub sync_interval_secs: u32,
    /// The exchange tier is sealed: a county's link to an exchange, and the
    /// links of an exchange, carry envelopes instead of records.
    pub sealed: bool,
    /// Units under this node declared as having no node of their own
    /// (`[node] units_without_node`): never flagged silent, and reported as
    /// such by a township to its county.
    pub without_node: BTreeSet<Code>,
    /// The upstream has no address yet (`[upstream]` without `url`): no
    /// session is dialled and its records wait in its outbox.
    pub upstream_unaddressed: bool,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            max_batch: 500,
            max_batch_bytes: 1 << 20,
            window: 4,
            max_skew_ms: 5 * 60 * 1000,
            idle_timeout: Duration::from_secs(60),
            max_record_bytes: 64 << 10,
            max_session_records: 10_000_000,
            sync_interval_secs: 0,
            sealed: false,
            without_node: BTreeSet::new(),
            upstream_unaddressed: false,
        }
    }
}

/// Source of wall time in unix milliseconds (injectable for tests).
pub type WallClock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> WallClock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    })
}
