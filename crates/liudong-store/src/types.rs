//! The plain values the store takes and returns.

use crate::keys::Dir;
use liudong_core::{Body, CitizenId, Code, Crossing, Link, Record, RecordId};
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

/// A sealed envelope as the store sees it: the fields of its routing header
/// that the store routes and fingerprints it by, and its bytes (the store
/// never looks inside them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedItem {
    /// The sealed record's id.
    pub id: RecordId,
    /// Its source and destination counties.
    pub route: Crossing,
    /// yyyymm the envelope was sealed: its fingerprint month.
    pub month: u32,
    /// The encoded envelope.
    pub bytes: Vec<u8>,
}

/// A record of a county's seal queue: its queue position, the record and
/// its canonical bytes.
pub type Queued = (u64, liudong_core::Record, Vec<u8>);

/// What storing a key announcement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announced {
    /// Stored at this position of the key directory.
    New(u64),
    /// Already held with the same bytes.
    Same,
    /// The same county and key id are held with other bytes (refused).
    Conflict,
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
    /// Fetched from the upstream by `liudong recover`, which rebuilds a lost
    /// or damaged store: routed like records received from the upstream,
    /// except that records in this node's own name are taken as written
    /// here (marked reclaimed, counted for its authored sequence number).
    Reclaimed,
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
    /// Envelopes newly stored.
    pub sealed_new: usize,
    /// Envelopes already held (no-ops).
    pub sealed_duplicate: usize,
    /// Highest local sequence number after the batch.
    pub last_seq: u64,
}

/// A page of one link's outbox.
#[derive(Debug, Clone, Default)]
pub struct OutboxPage {
    /// Canonical record bytes (envelope bytes on a sealed link), in outbox order.
    pub records: Vec<Vec<u8>>,
    /// Outbox position covered (the last entry read, or the `after` given).
    pub cursor: u64,
    /// True if nothing was left after this page when it was read.
    pub drained: bool,
}

/// Persisted status of one link (postcard: new fields go at the end, and
/// `Store::link_status` still reads the values older builds wrote).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LinkStatus {
    pub last_success_ms: Option<u64>,
    pub last_failure_ms: Option<u64>,
    pub last_error: Option<String>,
    pub sessions: u64,
    pub records_sent: u64,
    pub records_received: u64,
    /// The last session with the upstream was refused (an error that is not
    /// retryable): the link driver then waits its longest backoff before the
    /// next attempt. Cleared when a session is accepted.
    #[serde(default)]
    pub refused: Option<Refusal>,
}

/// A refused session of the link with the upstream.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Refusal {
    /// When (unix ms).
    pub at_ms: u64,
    /// The error, as the link status's `last_error`.
    pub error: String,
}

/// [`LinkStatus`] as builds before `refused` stored it. Postcard has no
/// field names or lengths, so a value missing a trailing field does not
/// decode as the new struct (`#[serde(default)]` only helps self-describing
/// formats); it is read in this layout instead.
#[derive(Deserialize)]
struct LinkStatusV1 {
    last_success_ms: Option<u64>,
    last_failure_ms: Option<u64>,
    last_error: Option<String>,
    sessions: u64,
    records_sent: u64,
    records_received: u64,
}

impl From<LinkStatusV1> for LinkStatus {
    fn from(v: LinkStatusV1) -> LinkStatus {
        LinkStatus {
            last_success_ms: v.last_success_ms,
            last_failure_ms: v.last_failure_ms,
            last_error: v.last_error,
            sessions: v.sessions,
            records_sent: v.records_sent,
            records_received: v.records_received,
            refused: None,
        }
    }
}

impl LinkStatus {
    /// Decodes a stored link status, in the current layout or the one
    /// before `refused` was added.
    pub fn decode(bytes: &[u8]) -> Result<LinkStatus, postcard::Error> {
        postcard::from_bytes::<LinkStatus>(bytes).or_else(|e| {
            postcard::from_bytes::<LinkStatusV1>(bytes)
                .map(Into::into)
                .map_err(|_| e)
        })
    }
}

/// A record draft written by an operator at this node.
#[derive(Debug, Clone)]
pub struct Draft {
    pub operator: String,
    pub subject: CitizenId,
    /// The person's registered village; `None` only for a correction or an
    /// inflow acknowledgement, which take their places from the record they
    /// refer to (see `liudong_core::placing`).
    pub origin: Option<Code>,
    /// The residence; when left out, the writer sets it where the record
    /// follows another (see `liudong_core::placing`).
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
    /// The exchange tier is sealed: a county's crossing records go to its
    /// seal queue instead of its parent's outbox, and the parent link's
    /// scope is the envelopes it carries (see `keys::SEAL_QUEUE`).
    pub sealed: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_bytes: 64 << 20,
            flush_every_ms: Some(500),
            compression: Some(3),
            sealed: false,
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
