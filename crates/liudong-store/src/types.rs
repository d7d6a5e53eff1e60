//! The plain values the store takes and returns.

use crate::keys::Dir;
use liudong_core::{Body, CitizenId, Code, Link, Record};
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicU64;

/// A decoded record with its canonical bytes.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub record: Record,
    pub bytes: Vec<u8>,
}

impl Incoming {
    pub fn new(record: Record) -> Incoming {
        let bytes = liudong_proto::encode_record(&record);
        Incoming { record, bytes }
    }
}

/// Where a batch came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Written at this node.
    Local,
    /// Received over a link (never sent back over it).
    Peer(Link),
    /// Imported or repaired without a link.
    Detached,
}

/// A cursor to move together with a batch.
#[derive(Debug, Clone)]
pub struct CursorUpdate {
    pub dir: Dir,
    pub link: Link,
    pub value: u64,
}

/// What applying a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// Records newly stored.
    pub new: usize,
    /// Records already held (no-ops).
    pub duplicate: usize,
    /// Highest local sequence number after the batch.
    pub last_seq: u64,
}

/// A page of one link's outbox.
#[derive(Debug, Clone, Default)]
pub struct OutboxPage {
    /// Canonical record bytes, in outbox order.
    pub records: Vec<Vec<u8>>,
    /// Outbox position covered (the last entry read, or the `after` given).
    pub cursor: u64,
    /// True if nothing was left after this page when it was read.
    pub drained: bool,
}

/// Persisted status of one link.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LinkStatus {
    pub last_success_ms: Option<u64>,
    pub last_failure_ms: Option<u64>,
    pub last_error: Option<String>,
    pub sessions: u64,
    pub records_sent: u64,
    pub records_received: u64,
}

/// A record draft written by an operator at this node.
#[derive(Debug, Clone)]
pub struct Draft {
    pub operator: String,
    pub subject: CitizenId,
    pub origin: Code,
    pub residence: Option<Code>,
    pub body: Body,
}

/// One entry of [`crate::Store::write_local_batch`]'s result.
#[derive(Debug, Clone)]
pub struct LocalWrite {
    pub record: Record,
    /// True if an identical record was already held (nothing was written).
    pub existing: bool,
}

/// Counters kept in memory since the store was opened.
#[derive(Debug, Default)]
pub struct Counters {
    pub applied: AtomicU64,
    pub duplicates: AtomicU64,
    pub conflicts: AtomicU64,
    /// Outbox entries read to serve peers (compare with records sent).
    pub outbox_read: AtomicU64,
}

/// Tuning of the storage engine.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The engine's page cache size in bytes.
    pub cache_bytes: u64,
    /// Background flush interval; `None` flushes only when asked.
    pub flush_every_ms: Option<u64>,
    /// zstd level for the engine's on-disk pages (1–22); `None` stores them
    /// uncompressed.
    pub compression: Option<i32>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_bytes: 64 << 20,
            flush_every_ms: Some(500),
            compression: Some(3),
        }
    }
}

/// Wall-clock time in unix milliseconds (0 if the clock is before 1970).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
