//! What both halves of a session do alike on the receiving side: take the
//! peer's batches through the receive path (within the session's record
//! limit) and wait for the peer's next message within the idle timeout.

use crate::audit::SessionAudit;
use crate::error::SyncError;
use crate::msg::{Batch, SessionStats};
use crate::node::Node;
use crate::receive::Admission;
use futures::{Stream, StreamExt};
use liudong_core::Link;
use liudong_store::ApplyOutcome;
use std::sync::Arc;
use std::time::Duration;

/// The batches a session receives over one link.
pub(crate) struct Inbound {
    link: Link,
    /// `push` or `pull`, for messages.
    what: &'static str,
    /// The sender's outbox position reached: where the session started
    /// (the cursor the receiver gave), then the last batch's cursor.
    cursor: u64,
    /// Whether a batch came in this session.
    resumed: bool,
    /// Records received in this session so far.
    records: u64,
}

impl Inbound {
    /// The `what` (`push` or `pull`) batches of `link`, starting after the
    /// sender's outbox position `cursor`.
    pub(crate) fn new(link: Link, what: &'static str, cursor: u64) -> Inbound {
        Inbound {
            link,
            what,
            cursor,
            resumed: false,
            records: 0,
        }
    }

    /// Receives one batch of the peer: refuses a batch whose cursor goes
    /// back (or, with records, does not move) and the batch that would take
    /// the session beyond `max_session_records`, then applies it through
    /// the receive path together with the link's `In` cursor, and notes its
    /// persons for the session's audit entry and its counts in `stats`.
    pub(crate) async fn batch(
        &mut self,
        node: &Arc<Node>,
        batch: Batch,
        audit: &mut SessionAudit,
        stats: &mut SessionStats,
    ) -> Result<ApplyOutcome, SyncError> {
        self.check_cursor(&batch)?;
        let n = batch.records.len();
        let total = self.records.saturating_add(n as u64);
        if total > node.config().max_session_records {
            return Err(SyncError::Limit(liudong_i18n::t!(
                "sync-limit-session-records",
                max = node.config().max_session_records,
                received = self.records,
                batch = n
            )));
        }
        self.records = total;
        let batch_cursor = batch.cursor;
        let received = node
            .receive(Admission::session(self.link.clone(), batch))
            .await?;
        self.cursor = batch_cursor;
        self.resumed = true;
        audit.received(received.subjects);
        stats.received += received.outcome.new as u64;
        stats.duplicates += received.outcome.duplicate as u64;
        stats.batches += 1;
        Ok(received.outcome)
    }
}

impl Inbound {
    /// A sender's outbox positions only increase within a session: a
    /// batch's cursor may not go back before what the session reached, and
    /// a batch with records must move past it. An empty batch (announcing
    /// `drained`) may repeat it. The one exception is the session's first
    /// batch, when it has records: a sender whose store was wiped or restored from
    /// an older copy resends from the start of its outbox (its positions
    /// now lie below what this receiver applied before); its records are
    /// applied idempotently and the durable cursor follows the sender's log
    /// (docs/protocol.md, "Cursors").
    fn check_cursor(&self, batch: &Batch) -> Result<(), SyncError> {
        if !self.resumed && !batch.records.is_empty() && batch.cursor >= 1 {
            return Ok(());
        }
        if batch.cursor < self.cursor {
            return Err(SyncError::Protocol(liudong_i18n::t!(
                "cursor-backwards",
                what = self.what,
                cursor = batch.cursor,
                last = self.cursor
            )));
        }
        if batch.cursor == self.cursor && !batch.records.is_empty() {
            return Err(SyncError::Protocol(liudong_i18n::t!(
                "cursor-stalled",
                what = self.what,
                records = batch.records.len(),
                cursor = batch.cursor,
                last = self.cursor
            )));
        }
        Ok(())
    }
}

/// The peer's next message: waited for without a time limit when
/// `patient` (a live session with nothing unacknowledged may stay quiet),
/// otherwise for at most `idle`; `Err` when that time passed.
pub(crate) async fn next_message<S>(
    inbound: &mut S,
    patient: bool,
    idle: Duration,
) -> Result<Option<S::Item>, tokio::time::error::Elapsed>
where
    S: Stream + Unpin,
{
    if patient {
        Ok(inbound.next().await)
    } else {
        tokio::time::timeout(idle, inbound.next()).await
    }
}

/// The error of a peer silent for `idle`.
pub(crate) fn silent_peer(peer: &str, idle: Duration, awaiting_ack: bool) -> SyncError {
    let secs = idle.as_secs_f64();
    SyncError::Timeout(if awaiting_ack {
        liudong_i18n::t!("sync-silent-peer-awaiting-ack", peer = peer, secs = secs)
    } else {
        liudong_i18n::t!("sync-silent-peer", peer = peer, secs = secs)
    })
}
