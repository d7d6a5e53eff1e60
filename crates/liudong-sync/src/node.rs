//! One node's sync engine: its store, limits, clock, change notifications,
//! counters, session bookkeeping, and the tasks it runs.

use crate::clock::{ClockState, ClockWatch};
use crate::config::{SyncConfig, WallClock};
use crate::error::SyncError;
use crate::metrics::Metrics;
use crate::msg::SessionStats;
use crate::peers::{OpenSession, Peers, SyncProgress, VerifyProgress};
use crate::turns::{Turn, Turns};
use liudong_core::validate::Limits;
use liudong_core::{ClockComparison, Code, Link, NodeScope, Record};
use liudong_exchange::KeyRing;
use liudong_store::audit::AuditEvent;
use liudong_store::{Draft, LocalWrite, OutboxPage, PeerState, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// One node's sync engine: its store, limits and change notifications, and
/// the tracker of every task it runs (see [`Node::spawn`]).
pub struct Node {
    store: Arc<Store>,
    cfg: SyncConfig,
    clock: WallClock,
    metrics: Metrics,
    peers: Arc<Peers>,
    clocks: ClockWatch,
    turns: Turns,
    tasks: TaskTracker,
    cancel: CancellationToken,
    /// The keys of the sealed exchange tier (counties and exchange nodes
    /// when `[exchange] sealed`).
    keys: Option<Arc<KeyRing>>,
}

impl Node {
    /// A node over `store`. Inside a tokio runtime this starts the node's
    /// view indexer (one of its tracked tasks).
    pub fn new(store: Arc<Store>, cfg: SyncConfig, clock: WallClock) -> Arc<Node> {
        Node::with_keys(store, cfg, clock, None)
    }

    /// A node of the sealed exchange tier with its key ring: as
    /// [`Node::new`]; a county whose parent link is sealed then starts its
    /// sealer with [`crate::seal::start_sealer`].
    pub fn with_keys(
        store: Arc<Store>,
        cfg: SyncConfig,
        clock: WallClock,
        keys: Option<Arc<KeyRing>>,
    ) -> Arc<Node> {
        let node = Arc::new(Node {
            store,
            cfg,
            clock,
            metrics: Default::default(),
            peers: Default::default(),
            clocks: Default::default(),
            turns: Default::default(),
            tasks: TaskTracker::new(),
            cancel: CancellationToken::new(),
            keys,
        });
        if tokio::runtime::Handle::try_current().is_ok() {
            node.spawn(crate::indexer::index_views(
                Arc::downgrade(&node.store),
                node.store.subscribe(),
                node.cancel.clone(),
            ));
        }
        node
    }

    /// The key ring of the sealed exchange tier, if this node is part of it.
    pub fn keys(&self) -> Option<&Arc<KeyRing>> {
        self.keys.as_ref()
    }

    /// True if `link` carries sealed envelopes: every link of an exchange
    /// node, and a county's link to its exchange, when the exchange tier is
    /// sealed (`[exchange] sealed`).
    pub fn sealed_link(&self, link: &Link) -> bool {
        if !self.cfg.sealed {
            return false;
        }
        self.scope().is_exchange() || (*link == Link::Parent && self.store.sealed_parent())
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

    /// Records the comparison of this node's clock with its `upstream`'s,
    /// made at the opening of a session (`at`: the middle of its round trip).
    pub(crate) fn compared_clock(
        &self,
        upstream: &Code,
        comparison: ClockComparison,
        at: Instant,
        in_doubt: bool,
    ) {
        self.clocks
            .record(upstream, comparison, at, in_doubt, self.cfg.max_skew_ms);
    }

    /// What this node knows of its clock now (see `clock.rs`): the last
    /// comparison with its upstream's, extrapolated to now.
    pub fn clock_state(&self) -> ClockState {
        self.clocks.state(
            self.store.parent().is_some(),
            self.now_ms(),
            self.cfg.max_skew_ms,
        )
    }

    /// True if this node's clock differs from its upstream's: it then tells
    /// its lower nodes not to take its clock as their reference.
    pub(crate) fn clock_in_doubt(&self) -> bool {
        self.clock_state().differs()
    }

    /// Refuses a local write while this node's clock differs from its
    /// upstream's by more than `[sync] max_skew_secs`, naming both clocks.
    pub fn check_clock(&self) -> Result<(), SyncError> {
        match self.clock_state() {
            ClockState::Differs {
                upstream,
                local_ms,
                upstream_ms,
                limit_ms,
            } => {
                // The upstream's clock may have been set right since.
                self.clocks.ask_recheck_if_stale();
                Err(SyncError::ClockOffset {
                    upstream,
                    local_ms,
                    upstream_ms,
                    limit_ms,
                })
            }
            _ => Ok(()),
        }
    }

    /// Waits until a new comparison with the upstream's clock is asked for
    /// (a write refused on an old comparison): the link then runs a session.
    pub(crate) async fn clock_recheck_wanted(&self) {
        self.clocks.recheck_wanted().await;
    }

    pub fn limits(&self) -> Limits {
        Limits {
            now_ms: self.now_ms(),
            max_skew_ms: self.cfg.max_skew_ms,
        }
    }

    /// Notified with the last local sequence number whenever records are
    /// stored (the store's own notification, sent after each commit: see
    /// `Store::subscribe`).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.store.subscribe()
    }

    // --- Tasks -----------------------------------------------------------

    /// Runs `task` as one of the node's tasks: every task a node starts
    /// (its indexer, link driver, servers, sessions, handshakes, watchers)
    /// is spawned here, so that shutdown can cancel them all
    /// ([`Node::cancel_token`]) and wait for them ([`Node::tasks`]).
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(task)
    }

    /// The tracker of the node's tasks.
    pub fn tasks(&self) -> &TaskTracker {
        &self.tasks
    }

    /// The node's cancellation token: cancelling it ends every task of the
    /// node (sessions at a batch boundary).
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Cancels the node's tasks and waits for them up to `deadline`; true if
    /// all of them ended in time.
    pub async fn stop_tasks(&self, deadline: Duration) -> bool {
        self.cancel.cancel();
        self.tasks.close();
        tokio::time::timeout(deadline, self.tasks.wait())
            .await
            .is_ok()
    }

    // --- Local writes ----------------------------------------------------

    /// Validates and durably writes a record authored here, then wakes the
    /// links. Refused while this node's clock differs from its upstream's
    /// ([`Node::check_clock`]).
    pub async fn write_local(self: &Arc<Self>, draft: Draft) -> Result<Record, SyncError> {
        Ok(self.write_local_request(draft, None).await?.record)
    }

    /// [`Node::write_local`] with the client's request id (see the store's
    /// `requests.rs`): a retry with the same id stores nothing twice and
    /// answers the record the first attempt wrote, `existing` set — also
    /// while the clock is refused, since it writes nothing.
    pub async fn write_local_request(
        self: &Arc<Self>,
        draft: Draft,
        request: Option<String>,
    ) -> Result<LocalWrite, SyncError> {
        let (mut out, _) = self.write_drafts(vec![draft], false, request, true).await?;
        out.pop()
            .ok_or_else(|| SyncError::Transport("the store answered no record".into()))
    }

    /// Validates and durably writes a batch of records authored here in one
    /// store transaction (see [`Store::write_local_batch`]), records each new
    /// one in the audit trail as an operator write, then wakes the links.
    pub async fn write_local_batch(
        self: &Arc<Self>,
        drafts: Vec<Draft>,
        skip_identical: bool,
    ) -> Result<Vec<LocalWrite>, SyncError> {
        Ok(self
            .write_local_batch_request(drafts, skip_identical, None)
            .await?
            .0)
    }

    /// [`Node::write_local_batch`] with the client's request id; the flag
    /// is true if it was a retry of a write already stored (nothing was
    /// written now).
    pub async fn write_local_batch_request(
        self: &Arc<Self>,
        drafts: Vec<Draft>,
        skip_identical: bool,
        request: Option<String>,
    ) -> Result<(Vec<LocalWrite>, bool), SyncError> {
        self.write_drafts(drafts, skip_identical, request, false)
            .await
    }

    /// Writes `drafts` (one as a single record write when `single`): a
    /// retry of a kept request is answered first, without the clock check;
    /// then the clock is checked, the records written and each new one
    /// audited as an operator write.
    async fn write_drafts(
        self: &Arc<Self>,
        drafts: Vec<Draft>,
        skip_identical: bool,
        request: Option<String>,
        single: bool,
    ) -> Result<(Vec<LocalWrite>, bool), SyncError> {
        if let Some(id) = &request {
            let (node, id, d) = (self.clone(), id.clone(), drafts.clone());
            let earlier =
                blocking(move || Ok(node.store.replayed(&id, &d, skip_identical)?)).await?;
            if let Some(earlier) = earlier {
                return Ok((earlier, true));
            }
        }
        self.check_clock()?;
        let node = self.clone();
        blocking(move || {
            let limits = node.limits();
            let request = request.as_deref();
            let (out, replayed) = if single {
                let draft = drafts
                    .into_iter()
                    .next()
                    .ok_or_else(|| SyncError::Protocol("a record write needs a record".into()))?;
                let w = node.store.write_local_request(draft, limits, request)?;
                let replayed = w.existing;
                (vec![w], replayed)
            } else {
                node.store
                    .write_local_batch_request(drafts, limits, skip_identical, request)?
            };
            if !replayed {
                for w in out.iter().filter(|w| !w.existing) {
                    node.store.audit_append(AuditEvent::RecordWritten {
                        operator: w.record.operator.clone(),
                        record: w.record.id.to_string(),
                        kind: w.record.body.kind().to_string(),
                        subject: w.record.subject.as_str().to_string(),
                    })?;
                }
            }
            Ok((out, replayed))
        })
        .await
    }

    /// Reads one page of a link's outbox (a transport that keeps no
    /// session, such as the JetStream exchange, pages it with its own
    /// durable cursor).
    pub async fn read_outbox(
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

    // --- Monitoring ------------------------------------------------------

    /// The node's counters (see docs/monitoring.md).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Links with a session open right now.
    pub fn connected_links(&self) -> BTreeSet<Link> {
        self.peers.connected()
    }

    /// Backlogs peers reported in sessions whose end has not been stored yet.
    pub fn reported_backlogs(&self) -> BTreeMap<Link, u64> {
        self.peers.backlogs()
    }

    /// Progress of the sessions with the upstream, updated per batch.
    pub fn sync_progress(&self) -> watch::Receiver<SyncProgress> {
        self.peers.sync_progress()
    }

    /// Progress of verifications, updated per step and per chunk.
    pub fn verify_progress(&self) -> watch::Receiver<VerifyProgress> {
        self.peers.verify_progress()
    }

    /// `link`'s peer reported `remaining` records still to send (in memory:
    /// this is called per batch; [`Node::note_peer`] stores it).
    pub(crate) fn note_backlog(&self, link: &Link, remaining: u64) {
        self.peers.note_backlog(link, remaining);
    }

    pub(crate) fn progress(&self, f: impl FnOnce(&mut SyncProgress)) {
        self.peers.progress(f);
    }

    /// Starts step `step` of the current verification (`new_run` starts a run).
    pub(crate) fn verify_step(&self, step: &'static str, total: Option<u64>, new_run: bool) {
        self.peers.verify_step(step, total, new_run);
    }

    /// Adds `n` finished units to the current verification step.
    pub(crate) fn verify_done(&self, n: u64) {
        self.peers.verify_done(n);
    }

    /// Takes `link`'s turn for a served session: the session of that link
    /// still running is superseded, and this one starts once it has ended
    /// (see `turns.rs`).
    pub(crate) async fn take_turn(&self, link: &Link) -> Turn {
        self.turns.take(link).await
    }

    /// Counts a session with `link`'s peer as open until the guard drops.
    pub(crate) fn session_open(&self, link: &Link) -> OpenSession {
        self.peers.open(link)
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
        let (store, key, now) = (self.store.clone(), link.clone(), self.now_ms());
        let reported = self.peers.take_backlog(link);
        let r = blocking(move || {
            Ok(store.update_peer_state(&key, |s| {
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
        self.peers.link_changed(link);
    }

    /// Notified at every change of a link with a child (a session opened or
    /// ended, its state stored).
    pub(crate) fn children_changed(&self) -> watch::Receiver<u64> {
        self.peers.children_changed()
    }

    /// Counts an ended session in the metrics: its outcome, duration and the
    /// reason of a refusal.
    pub(crate) fn count_session<T>(
        &self,
        role: &'static str,
        result: &Result<T, SyncError>,
        started: std::time::Instant,
    ) {
        let m = self.metrics();
        m.session(role, crate::metrics::outcome(result), started.elapsed());
        if let Err(e) = result
            && let Some(reason) = e.refusal_reason()
        {
            m.refused(reason);
        }
    }

    /// Records the end of a session with `link`'s peer in its link status:
    /// success or failure and its error and, on the dialling side (the
    /// upstream link), whether it was a refusal (an error that is not
    /// retryable: the link driver then waits its longest backoff, and
    /// `liudong status` shows the link `REFUSED`). The session itself stores
    /// the peer state, see [`Node::note_peer`].
    pub async fn record_session(
        self: &Arc<Self>,
        link: &Link,
        result: Result<&SessionStats, &SyncError>,
    ) {
        if matches!(result, Err(SyncError::Cancelled)) {
            return;
        }
        let now = self.now_ms();
        let dialled = *link == Link::Parent;
        let outcome = result
            .map(|s| (s.sent, s.received))
            .map_err(|e| (e.to_string(), !e.is_retryable()));
        let changed = link;
        let (store, link) = (self.store.clone(), link.clone());
        let r = blocking(move || {
            Ok(store.update_link_status(&link, |s| match outcome {
                Ok((sent, received)) => {
                    s.last_success_ms = Some(now);
                    s.sessions += 1;
                    s.records_sent += sent;
                    s.records_received += received;
                    s.refused = None;
                }
                Err((e, refused)) => {
                    s.last_failure_ms = Some(now);
                    if dialled {
                        s.refused = refused.then(|| liudong_store::Refusal {
                            at_ms: now,
                            error: e.clone(),
                        });
                    }
                    s.last_error = Some(e);
                }
            })?)
        })
        .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not record link status");
        }
        self.peers.link_changed(changed);
    }

    /// Clears a refusal recorded on `link` once a session with its peer has
    /// been accepted (the status then no longer shows the link `REFUSED`).
    pub(crate) async fn clear_refusal(self: &Arc<Self>, link: &Link) {
        let (store, link) = (self.store.clone(), link.clone());
        let r = blocking(move || {
            if store.link_status(&link)?.refused.is_some() {
                store.update_link_status(&link, |s| s.refused = None)?;
            }
            Ok(())
        })
        .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not record link status");
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
