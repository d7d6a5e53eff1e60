//! The sending side of a session, the same for both halves: the dialling
//! half sends its outbox for the upstream (push), the serving half its
//! outbox for the child (pull).
//!
//! [`SendWindow`] reads the link's outbox page by page while fewer than
//! `window` batches are unacknowledged, audits each batch's disclosure
//! before it is handed out to be sent, takes acknowledgements strictly in
//! the order the batches were sent, and knows when the outbox is drained (a
//! live session then waits for new records, see [`SendWindow::woken`]).

use crate::audit::SessionAudit;
use crate::error::SyncError;
use crate::msg::{Batch, SessionStats};
use crate::node::{Node, blocking};
use bytes::Bytes;
use liudong_core::Link;
use liudong_store::{CursorDir, OutboxPage};
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::watch;

/// The window of unacknowledged batches of one link's outbox in a session.
pub(crate) struct SendWindow {
    node: Arc<Node>,
    link: Link,
    /// The peer's code, for the metrics.
    peer: String,
    max_batch: usize,
    window: usize,
    /// The outbox position read up to.
    cursor: u64,
    /// The cursors of the batches sent and not yet acknowledged, oldest first.
    in_flight: VecDeque<u64>,
    /// The last page read was the end of the outbox.
    drained: bool,
    /// Announce the end of the outbox with an empty batch if needed, once
    /// per catch-up (the serving half does).
    announce: bool,
    announced: bool,
    backlog: Backlog,
    changed: watch::Receiver<u64>,
}

impl SendWindow {
    /// A window over `link`'s outbox after `cursor` (what the peer holds
    /// durably), in batches of at most `max_batch` records; `backlog` counts
    /// what is left after `cursor`.
    pub(crate) fn new(
        node: &Arc<Node>,
        link: Link,
        cursor: u64,
        max_batch: usize,
        backlog: Backlog,
        announce_drained: bool,
    ) -> SendWindow {
        SendWindow {
            peer: node.peer_code(&link),
            window: node.config().window,
            changed: node.subscribe(),
            node: node.clone(),
            link,
            max_batch,
            cursor,
            in_flight: VecDeque::new(),
            drained: false,
            announce: announce_drained,
            announced: false,
            backlog,
        }
    }

    /// The next batch to send, if the window has room and the outbox has
    /// records (or the end of the outbox is to be announced). The batch is
    /// counted in `stats` and the metrics and its disclosure is in the audit
    /// trail before it is returned; the caller sends it at once.
    pub(crate) async fn next(
        &mut self,
        audit: &mut SessionAudit,
        stats: &mut SessionStats,
    ) -> Result<Option<Batch>, SyncError> {
        while !self.drained && self.in_flight.len() < self.window {
            // Records stored from here on wake a drained live session.
            self.changed.borrow_and_update();
            let page = self
                .node
                .read_outbox(&self.link, self.cursor, self.max_batch)
                .await?;
            let remaining = self.backlog.after(&self.node, &page).await?;
            self.cursor = page.cursor;
            self.drained = page.drained;
            let announce = self.announce && !self.announced;
            if page.records.is_empty() && !announce {
                continue;
            }
            self.announced = page.drained;
            self.in_flight.push_back(page.cursor);
            let n = page.records.len() as u64;
            stats.sent += n;
            stats.batches += 1;
            self.node.metrics().sent(&self.peer, n);
            let records: Vec<Bytes> = page.records.into_iter().map(Into::into).collect();
            if self.node.sealed_link(&self.link) {
                audit.disclosing_sealed(&records).await?;
            } else {
                audit.disclosing(&records).await?;
            }
            return Ok(Some(Batch {
                records,
                cursor: page.cursor,
                drained: page.drained,
                remaining: Some(remaining),
                lower_links: Vec::new(),
            }));
        }
        Ok(None)
    }

    /// An empty batch at the position read so far, to carry something else
    /// (a report of the lower links), if the outbox is drained and the
    /// window has room; acknowledged like any batch.
    pub(crate) fn empty(&mut self, stats: &mut SessionStats) -> Option<Batch> {
        if !self.drained || self.in_flight.len() >= self.window {
            return None;
        }
        self.in_flight.push_back(self.cursor);
        stats.batches += 1;
        Some(Batch {
            records: Vec::new(),
            cursor: self.cursor,
            drained: true,
            remaining: Some(self.backlog.left),
            lower_links: Vec::new(),
        })
    }

    /// The peer acknowledged the batch ending at `cursor` (`what` names the
    /// message): it must be the oldest unacknowledged one. Records how far
    /// the peer holds this node's outbox (advisory: the peer's own durable
    /// cursor is what the next session resumes from).
    pub(crate) async fn acknowledged(&mut self, cursor: u64, what: &str) -> Result<(), SyncError> {
        match self.in_flight.pop_front() {
            Some(expected) if expected == cursor => {}
            other => {
                return Err(SyncError::Protocol(format!(
                    "{what} {cursor} does not match the oldest unacknowledged batch {other:?}"
                )));
            }
        }
        let (store, link) = (self.node.store().clone(), self.link.clone());
        blocking(move || Ok(store.set_cursor(CursorDir::Out, &link, cursor)?)).await
    }

    /// Batches sent and not yet acknowledged.
    pub(crate) fn unacknowledged(&self) -> usize {
        self.in_flight.len()
    }

    /// Everything of the outbox has been read (and sent).
    pub(crate) fn drained(&self) -> bool {
        self.drained
    }

    /// Waits until records are stored after the outbox was drained; the
    /// next [`SendWindow::next`] reads again.
    pub(crate) async fn woken(&mut self) {
        if self.changed.changed().await.is_err() {
            // The node is gone; nothing will be written any more.
            std::future::pending::<()>().await;
        }
        self.drained = false;
    }
}

/// What is left in one link's outbox after the pages sent so far: counted
/// once when the session opens and then kept by subtraction, recounted only
/// when the estimate runs out before the outbox does (records written while
/// the session runs). Cheap enough to send with every batch.
pub(crate) struct Backlog {
    link: Link,
    left: u64,
}

impl Backlog {
    /// Counts `link`'s outbox entries after `cursor`.
    pub(crate) async fn count(
        node: &Arc<Node>,
        link: &Link,
        cursor: u64,
    ) -> Result<Backlog, SyncError> {
        let left = count(node, link, cursor).await?;
        Ok(Backlog {
            link: link.clone(),
            left,
        })
    }

    pub(crate) fn left(&self) -> u64 {
        self.left
    }

    /// Accounts for `page` having been read; returns what is left after it.
    pub(crate) async fn after(
        &mut self,
        node: &Arc<Node>,
        page: &OutboxPage,
    ) -> Result<u64, SyncError> {
        let n = page.records.len() as u64;
        self.left = if page.drained {
            0
        } else if self.left > n {
            self.left - n
        } else {
            count(node, &self.link, page.cursor).await?
        };
        Ok(self.left)
    }
}

async fn count(node: &Arc<Node>, link: &Link, cursor: u64) -> Result<u64, SyncError> {
    let (store, link) = (node.store().clone(), link.clone());
    blocking(move || Ok(store.pending(&link, cursor)?)).await
}
