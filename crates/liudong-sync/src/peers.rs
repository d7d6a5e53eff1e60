//! What a node watches of its sessions for monitoring: which peers have a
//! session open, their reported backlog and last contact (persisted as
//! [`PeerState`]), the metrics, and the progress of the session with the
//! upstream (for the binary's progress output; this crate never prints).

use crate::{Node, SyncError, blocking};
use liudong_core::Link;
use liudong_store::{OutboxPage, PeerState};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The progress of the current (or last) session with the upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Sessions with the upstream opened since the node started; a new
    /// session starts its counts from zero.
    pub session: u64,
    /// Records pushed up in this session.
    pub pushed: u64,
    /// Records to push when the session opened (and written since).
    pub push_total: Option<u64>,
    /// Records pulled down in this session (new or already held).
    pub pulled: u64,
    /// Records pulled plus what the upstream last reported left to send
    /// (`None` while it has not reported, or for an older upstream).
    pub pull_total: Option<u64>,
    /// The session has ended (successfully or not).
    pub done: bool,
}

/// The progress of the current (or last) verification with the upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyProgress {
    /// Verifications started since the node started.
    pub run: u64,
    /// `audit` (checking the local store), `compare` (buckets compared with
    /// the upstream's), `fetch` (missing records fetched), `offer` (records
    /// the upstream lacks offered), or `done`.
    pub step: &'static str,
    /// Units of the step finished (buckets or records).
    pub done: u64,
    /// Units of the step in all, when known.
    pub total: Option<u64>,
}

/// Session bookkeeping of a node.
pub(crate) struct Peers {
    open: Mutex<BTreeMap<Link, usize>>,
    /// What each peer last reported it still has to send, kept in memory
    /// while its session runs (updated per batch) and stored in its peer
    /// state when the session ends.
    backlog: Mutex<BTreeMap<Link, u64>>,
    progress: watch::Sender<SyncProgress>,
    verify: watch::Sender<VerifyProgress>,
}

impl Default for Peers {
    fn default() -> Self {
        Peers {
            open: Mutex::new(BTreeMap::new()),
            backlog: Mutex::new(BTreeMap::new()),
            progress: watch::channel(SyncProgress::default()).0,
            verify: watch::channel(VerifyProgress::default()).0,
        }
    }
}

/// Marks a session with a peer as open until dropped.
pub(crate) struct OpenSession {
    node: Arc<Node>,
    link: Link,
}

impl Drop for OpenSession {
    fn drop(&mut self) {
        let mut open = self
            .node
            .peers
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.link) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.link);
            }
        }
    }
}

impl Node {
    /// The node's counters (see docs/monitoring.md).
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// Links with a session open right now.
    pub fn connected_links(&self) -> BTreeSet<Link> {
        let open = self.peers.open.lock().unwrap_or_else(|p| p.into_inner());
        open.keys().cloned().collect()
    }

    /// Backlogs peers reported in sessions whose end has not been stored yet.
    pub fn reported_backlogs(&self) -> BTreeMap<Link, u64> {
        self.peers
            .backlog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// `link`'s peer reported `remaining` records still to send (in memory:
    /// this is called per batch; [`Node::note_peer`] stores it).
    pub(crate) fn note_backlog(&self, link: &Link, remaining: u64) {
        self.peers
            .backlog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(link.clone(), remaining);
    }

    /// Progress of the sessions with the upstream, updated per batch.
    pub fn sync_progress(&self) -> watch::Receiver<SyncProgress> {
        self.peers.progress.subscribe()
    }

    pub(crate) fn progress(&self, f: impl FnOnce(&mut SyncProgress)) {
        self.peers.progress.send_modify(f);
    }

    /// Progress of verifications, updated per step and per chunk.
    pub fn verify_progress(&self) -> watch::Receiver<VerifyProgress> {
        self.peers.verify.subscribe()
    }

    /// Starts step `step` of the current verification (`new_run` starts a run).
    pub(crate) fn verify_step(&self, step: &'static str, total: Option<u64>, new_run: bool) {
        self.peers.verify.send_modify(|p| {
            *p = VerifyProgress {
                run: p.run + u64::from(new_run),
                step,
                done: 0,
                total,
            }
        });
    }

    /// Adds `n` finished units to the current verification step.
    pub(crate) fn verify_done(&self, n: u64) {
        self.peers.verify.send_modify(|p| p.done += n);
    }

    /// Counts a session with `link`'s peer as open until the guard drops.
    pub(crate) fn session_open(self: &Arc<Self>, link: &Link) -> OpenSession {
        let mut open = self.peers.open.lock().unwrap_or_else(|p| p.into_inner());
        *open.entry(link.clone()).or_default() += 1;
        OpenSession {
            node: self.clone(),
            link: link.clone(),
        }
    }

    /// The division code of `link`'s peer.
    pub(crate) fn peer_code(&self, link: &Link) -> String {
        match link {
            Link::Child(c) => c.to_string(),
            Link::Parent => self
                .store
                .parent()
                .map(|p| p.code.to_string())
                .unwrap_or_default(),
        }
    }

    /// Records contact with `link`'s peer now, the backlog it reported since
    /// the last call, and what `f` changes. A failure is logged: monitoring
    /// never fails a session.
    pub(crate) async fn note_peer(
        self: &Arc<Self>,
        link: &Link,
        f: impl FnOnce(&mut PeerState) + Send + 'static,
    ) {
        let (store, link, now) = (self.store.clone(), link.clone(), self.now_ms());
        let reported = self
            .peers
            .backlog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&link);
        let r = blocking(move || {
            Ok(store.update_peer_state(&link, |s| {
                s.last_contact_ms = Some(now);
                if reported.is_some() {
                    s.pending_in = reported;
                }
                f(s);
            })?)
        })
        .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not record the peer's state");
        }
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
    let (store, link) = (node.store.clone(), link.clone());
    blocking(move || Ok(store.pending(&link, cursor)?)).await
}

/// Counts an ended session in the metrics: its outcome, duration and the
/// reason of a refusal.
pub(crate) fn count_session<T>(
    node: &Node,
    role: &'static str,
    result: &Result<T, SyncError>,
    started: std::time::Instant,
) {
    let m = node.metrics();
    m.session(role, crate::metrics::outcome(result), started.elapsed());
    if let Err(e) = result
        && let Some(reason) = e.refusal_reason()
    {
        m.refused(reason);
    }
}

/// Records the end of a session with `link`'s peer in its link status
/// (success or failure and its error; the session itself stores the peer
/// state, see [`Node::note_peer`]).
pub(crate) async fn record_session(
    node: &Arc<Node>,
    link: &Link,
    result: &Result<crate::SessionStats, SyncError>,
) {
    if matches!(result, Err(SyncError::Cancelled)) {
        return;
    }
    let now = node.now_ms();
    let outcome = result
        .as_ref()
        .map(|s| (s.sent, s.received))
        .map_err(|e| e.to_string());
    let (store, link) = (node.store().clone(), link.clone());
    let r = blocking(move || {
        Ok(store.update_link_status(&link, |s| match outcome {
            Ok((sent, received)) => {
                s.last_success_ms = Some(now);
                s.sessions += 1;
                s.records_sent += sent;
                s.records_received += received;
            }
            Err(e) => {
                s.last_failure_ms = Some(now);
                s.last_error = Some(e);
            }
        })?)
    })
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "could not record link status");
    }
}
