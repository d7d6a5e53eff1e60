//! The Liudong sync protocol engine.
//!
//! A session is one bidirectional stream opened by the lower node: it pushes
//! the lower node's outbox for its upstream and pulls the upstream's outbox for
//! it, in bounded batches with a window of unacknowledged batches each way.
//! This crate implements both halves over plain message streams, so it runs
//! in memory in tests; `liudong-net` carries the messages over gRPC.
//!
//! Invariants:
//! - A receiver acknowledges a batch only after the batch *and the cursor it
//!   advances* are durable (one atomic store batch, flushed).
//! - Every received record is decoded, validated and checked for entitlement
//!   before anything of its batch is stored; one bad record refuses its batch.
//! - Cursors are positions in the sender's per-link outbox, so a resumed
//!   session starts exactly where the last durable acknowledgement left off:
//!   nothing is lost, and a resend after a crash is an idempotent no-op.

pub mod audit;
pub mod bundle;
mod client;
mod error;
mod link;
pub mod metrics;
mod peers;
mod server;
pub mod verify;

pub use client::run_client_session;
pub use error::SyncError;
pub use link::{Connect, LinkConfig, LinkHandle, LinkOutcome, run_link};
pub use peers::{SyncProgress, VerifyProgress};
pub use server::{PeerInfo, serve_session};

use bytes::Bytes;
use liudong_core::validate::{Limits, check_record};
use liudong_core::{Code, Link, NodeScope, Record};
use liudong_store::{
    ApplyOutcome, CursorDir, CursorUpdate, Draft, Incoming, OutboxPage, Source, Store,
};
use std::collections::BTreeSet;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// First client message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hello {
    pub protocol: u32,
    pub node: String,
    pub pull_cursor: u64,
    pub live: bool,
    pub max_batch: u32,
    /// Seconds within which the client expects to sync again (0 = not announced).
    pub sync_interval_secs: u32,
    /// The client's unacknowledged outbox for the server when it opened the
    /// session (`None` from clients that do not report it).
    pub backlog: Option<u64>,
}

/// First server message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub protocol: u32,
    pub node: String,
    pub push_cursor: u64,
    pub max_batch: u32,
}

/// A batch of encoded records in the sender's outbox order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Batch {
    pub records: Vec<Bytes>,
    pub cursor: u64,
    pub drained: bool,
    /// Records left in the sender's outbox after this batch (`None` from
    /// senders that do not report it). Advisory: status and progress.
    pub remaining: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMsg {
    Hello(Hello),
    Push(Batch),
    PullAck(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMsg {
    Welcome(Welcome),
    PushAck(u64),
    Pull(Batch),
}

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
        }
    }
}

/// What one session moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Records sent to the peer.
    pub sent: u64,
    /// Records received that were new here.
    pub received: u64,
    /// Records received that were already held.
    pub duplicates: u64,
    /// Batches exchanged (both ways).
    pub batches: u64,
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

/// One node's sync engine: its store, limits and change notifications.
pub struct Node {
    store: Arc<Store>,
    cfg: SyncConfig,
    clock: WallClock,
    metrics: metrics::Metrics,
    peers: peers::Peers,
}

impl Node {
    pub fn new(store: Arc<Store>, cfg: SyncConfig, clock: WallClock) -> Arc<Node> {
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(index_views(Arc::downgrade(&store), store.subscribe()));
        }
        Arc::new(Node {
            store,
            cfg,
            clock,
            metrics: Default::default(),
            peers: Default::default(),
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn scope(&self) -> &NodeScope {
        self.store.scope()
    }

    pub fn config(&self) -> &SyncConfig {
        &self.cfg
    }

    pub fn now_ms(&self) -> u64 {
        (self.clock)()
    }

    pub fn limits(&self) -> Limits {
        Limits {
            now_ms: self.now_ms(),
            max_skew_ms: self.cfg.max_skew_ms,
        }
    }

    /// Notified with the last local sequence number whenever records are
    /// stored (the store's own notification, see [`Store::subscribe`]).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.store.subscribe()
    }

    /// Validates and durably writes a record authored here, then wakes the links.
    pub async fn write_local(self: &Arc<Self>, draft: Draft) -> Result<Record, SyncError> {
        let node = self.clone();
        let record = blocking(move || {
            let limits = node.limits();
            let record = node.store.write_local(draft, limits)?;
            node.store
                .audit_append(liudong_store::audit::AuditEvent::RecordWritten {
                    operator: record.operator.clone(),
                    record: record.id.to_string(),
                    kind: record.body.kind().to_string(),
                    subject: record.subject.as_str().to_string(),
                })?;
            Ok(record)
        })
        .await?;
        Ok(record)
    }

    /// Validates and durably writes a batch of records authored here in one
    /// store transaction (see [`Store::write_local_batch`]), records each new
    /// one in the audit trail as an operator write, then wakes the links.
    pub async fn write_local_batch(
        self: &Arc<Self>,
        drafts: Vec<Draft>,
        skip_identical: bool,
    ) -> Result<Vec<liudong_store::LocalWrite>, SyncError> {
        let node = self.clone();
        let out = blocking(move || {
            let limits = node.limits();
            let out = node
                .store
                .write_local_batch(drafts, limits, skip_identical)?;
            for w in out.iter().filter(|w| !w.existing) {
                node.store
                    .audit_append(liudong_store::audit::AuditEvent::RecordWritten {
                        operator: w.record.operator.clone(),
                        record: w.record.id.to_string(),
                        kind: w.record.body.kind().to_string(),
                        subject: w.record.subject.as_str().to_string(),
                    })?;
            }
            Ok(out)
        })
        .await?;
        Ok(out)
    }

    /// Reads one page of a link's outbox.
    pub(crate) async fn read_outbox(
        self: &Arc<Self>,
        link: &Link,
        after: u64,
        max: usize,
    ) -> Result<OutboxPage, SyncError> {
        self.store.check_writable()?;
        let node = self.clone();
        let link = link.clone();
        blocking(move || {
            Ok(node
                .store
                .outbox(&link, after, max, node.cfg.max_batch_bytes)?)
        })
        .await
    }

    /// Decodes, validates, checks entitlement, and durably applies a received
    /// batch together with the `In` cursor of `from`.
    pub(crate) async fn apply_remote(
        self: &Arc<Self>,
        batch: Batch,
        from: Link,
        holder: NodeScope,
        rule: &'static str,
        authors_under: Option<Code>,
    ) -> Result<(ApplyOutcome, BTreeSet<String>), SyncError> {
        self.check_limits(&batch)?;
        let node = self.clone();
        let from_link = from.clone();
        let out = blocking(move || {
            let items = node.check_batch(&batch, &holder, rule)?;
            if let Some(peer) = &authors_under {
                check_authors(&items, peer)?;
            }
            let subjects = audit::subjects_of_items(&items);
            let cursor = CursorUpdate {
                dir: CursorDir::In,
                link: from.clone(),
                value: batch.cursor,
            };
            let out = node
                .store
                .apply(&items, &Source::Peer(from), Some(cursor), true)?;
            Ok((out, subjects))
        })
        .await?;
        self.metrics
            .applied(&self.peer_code(&from_link), out.0.new as u64);
        Ok(out)
    }

    /// Checks a received batch against this node's size limits before
    /// anything of it is decoded: at most `max_batch` records, each at most
    /// `max_record_bytes`. (The whole frame is bounded by the transport's
    /// message size.)
    pub fn check_limits(&self, batch: &Batch) -> Result<(), SyncError> {
        if batch.records.len() > self.cfg.max_batch {
            return Err(SyncError::Limit(format!(
                "batch of {} records exceeds [sync] max_batch = {}; send smaller batches",
                batch.records.len(),
                self.cfg.max_batch
            )));
        }
        if let Some((index, r)) = batch
            .records
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() > self.cfg.max_record_bytes)
        {
            return Err(SyncError::Limit(format!(
                "record #{index} of the batch is {} bytes, more than [sync] max_record_bytes = {}",
                r.len(),
                self.cfg.max_record_bytes
            )));
        }
        Ok(())
    }

    /// Counts `n` more records received in a session; refuses the batch that
    /// would take the session beyond `max_session_records`.
    pub(crate) fn count_session(&self, so_far: &mut u64, n: usize) -> Result<(), SyncError> {
        let total = so_far.saturating_add(n as u64);
        if total > self.cfg.max_session_records {
            return Err(SyncError::Limit(format!(
                "session would exceed [sync] max_session_records = {} (received {so_far}, batch of {n}); start a new session to continue",
                self.cfg.max_session_records
            )));
        }
        *so_far = total;
        Ok(())
    }

    /// Decodes and checks every record of a batch; the first failure refuses it.
    pub fn check_batch(
        &self,
        batch: &Batch,
        holder: &NodeScope,
        rule: &'static str,
    ) -> Result<Vec<Incoming>, SyncError> {
        let limits = self.limits();
        let mut items: Vec<Incoming> = Vec::with_capacity(batch.records.len());
        for (index, bytes) in batch.records.iter().enumerate() {
            let record = liudong_proto::decode_record(bytes)
                .map_err(|error| SyncError::Decode { index, error })?;
            if let Some(issue) = self.store.workflow_breach(&record, &items)? {
                return Err(SyncError::Invalid {
                    id: record.id.clone(),
                    error: issue.to_validation(),
                });
            }
            check_record(&record, limits).map_err(|error| SyncError::Invalid {
                id: record.id.clone(),
                error,
            })?;
            if !holder.holds(&record) {
                return Err(SyncError::NotEntitled {
                    id: record.id.clone(),
                    peer: holder.to_string(),
                    rule,
                });
            }
            let canonical = liudong_proto::encode_record(&record);
            items.push(Incoming {
                record,
                bytes: canonical,
            });
        }
        Ok(items)
    }
}

/// Refuses a batch pushed by `peer` if a record was authored by a node
/// that is neither `peer` nor under it: a lower node forwards only what it or
/// its own children wrote (what it received from above never goes back up).
pub fn check_authors(items: &[Incoming], peer: &Code) -> Result<(), SyncError> {
    match items.iter().find(|i| !i.record.id.node.is_under(peer)) {
        None => Ok(()),
        Some(i) => Err(SyncError::NotEntitled {
            id: i.record.id.clone(),
            peer: peer.to_string(),
            rule: RULE_CHILD_AUTHOR,
        }),
    }
}

/// The indexer waits for the log to be quiet this long before indexing ...
pub const INDEX_QUIET: Duration = Duration::from_millis(200);
/// ... unless this many log entries are waiting.
pub const INDEX_MAX_LAG: u64 = 250_000;

/// Keeps the subject index and person views up to date with the log, off
/// the acknowledgement path; ends when the store is dropped (it holds the
/// store only while indexing, so it does not keep it open).
///
/// Indexing is deferred while records keep arriving (a bulk sync applies at
/// the speed of the disk and the views follow when it pauses, or whenever
/// [`INDEX_MAX_LAG`] entries are waiting). Nothing reads a stale view: every
/// view read catches the indexer up first.
async fn index_views(store: Weak<Store>, mut changed: watch::Receiver<u64>) {
    loop {
        let Some(s) = store.upgrade() else { return };
        if s.write_failed() {
            tracing::error!("the store cannot write; view indexing stopped");
            return;
        }
        match tokio::task::spawn_blocking(move || s.catch_up()).await {
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "indexing views failed; retrying on the next change")
            }
            Err(e) => tracing::warn!(error = %e, "view indexer task failed"),
            Ok(Ok(())) => {}
        }
        if changed.changed().await.is_err() {
            return;
        }
        loop {
            match tokio::time::timeout(INDEX_QUIET, changed.changed()).await {
                Err(_) => break,
                Ok(Err(_)) => return,
                Ok(Ok(()))
                    if store
                        .upgrade()
                        .and_then(|s| s.index_lag().ok())
                        .unwrap_or(u64::MAX)
                        >= INDEX_MAX_LAG =>
                {
                    break;
                }
                Ok(Ok(())) => {}
            }
        }
    }
}

/// Runs store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SyncError> + Send + 'static,
) -> Result<T, SyncError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SyncError::Transport(format!("store task failed: {e}")))?
}

/// Rule text for records pushed by a child.
pub const RULE_CHILD_PUSH: &str =
    "a lower node may push only records whose origin or residence lies under it";
/// Rule text for records pushed by a child that it did not author or forward from below.
pub const RULE_CHILD_AUTHOR: &str =
    "a lower node may push only records authored by itself or by nodes under it";
/// Rule text for records sent by an upper node.
pub const RULE_PARENT_SEND: &str =
    "an upper node may send only records whose origin or residence lies under the receiving node";

#[cfg(test)]
mod tests;
