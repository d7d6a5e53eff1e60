//! The link driver: keeps one node in step with its upstream.
//!
//! One task per link (one of the node's tracked tasks). It runs sessions —
//! live ones that stay open and carry each new record at once, or one-shot
//! ones every `interval` and right after a local write — and records each
//! outcome in the store's link status. A failure that may pass by itself
//! (the link broke, the upstream is busy or unreachable: a retryable error)
//! is retried with jittered exponential backoff. A refusal (the upstream
//! refused this node or what it sent, or this node refused what the
//! upstream sent: an error that is not retryable) repeats until an operator
//! fixes its cause, so the driver does not hammer the upstream with it: it
//! waits its longest backoff before trying again, and the link status shows
//! the refusal (`liudong status`: `REFUSED`). An operator's
//! [`LinkHandle::sync_now`] always runs at once.

use crate::client::run_client_session;
use crate::error::SyncError;
use crate::msg::{ClientMsg, ServerMsg, SessionStats};
use crate::node::Node;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use liudong_core::{Link, NodeScope};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

/// Opens session streams to the upstream (implemented by the transport).
pub trait Connect: Send + Sync + 'static {
    fn open(
        &self,
        outbound: mpsc::Receiver<ClientMsg>,
    ) -> BoxFuture<'static, Result<BoxStream<'static, Result<ServerMsg, SyncError>>, SyncError>>;
}

/// Pacing of the link driver.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Keep a session open and stream records as they are written.
    pub live: bool,
    /// Time between one-shot sessions (when not live).
    pub interval: Duration,
    /// First retry delay after a failure.
    pub backoff_min: Duration,
    /// Longest retry delay, and the delay after a refusal.
    pub backoff_max: Duration,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            live: true,
            interval: Duration::from_secs(300),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(300),
        }
    }
}

/// Result of a requested one-shot session.
pub type LinkOutcome = Result<SessionStats, String>;

/// Handle to ask a running link driver for an immediate one-shot session.
#[derive(Clone)]
pub struct LinkHandle {
    tx: mpsc::Sender<oneshot::Sender<LinkOutcome>>,
}

/// A request for an immediate one-shot session: the reply goes back on it.
pub type LinkRequest = oneshot::Sender<LinkOutcome>;

impl LinkHandle {
    /// A handle and the receiving end of its requests, for a link driver of
    /// another transport (the JetStream exchange).
    pub fn channel() -> (LinkHandle, mpsc::Receiver<LinkRequest>) {
        let (tx, rx) = mpsc::channel(8);
        (LinkHandle { tx }, rx)
    }

    /// Runs one complete session now (interrupting a live one, or the wait
    /// after a failure or a refusal) and returns its result.
    pub async fn sync_now(&self) -> LinkOutcome {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(tx)
            .await
            .map_err(|_| "the link driver is not running".to_string())?;
        rx.await
            .map_err(|_| "the link driver stopped".to_string())?
    }
}

/// Delay before retry number `failures` (1-based): exponential, capped, with
/// full jitter between half and all of it.
pub fn backoff(cfg: &LinkConfig, failures: u32) -> Duration {
    let exp = cfg
        .backoff_min
        .saturating_mul(1u32 << failures.saturating_sub(1).min(20));
    let cap = exp.min(cfg.backoff_max);
    let half = cap / 2;
    half + rand::rng().random_range(Duration::ZERO..=half)
}

/// How a session of the driver ended, which decides the wait before the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The session ended well.
    Done,
    /// It failed in a way that may pass by itself: retry with backoff.
    Failed,
    /// It was refused: retry only after the longest backoff.
    Refused,
    /// The node is shutting down.
    Cancelled,
}

impl Outcome {
    pub(crate) fn of(result: &Result<SessionStats, SyncError>) -> Outcome {
        match result {
            Ok(_) => Outcome::Done,
            Err(SyncError::Cancelled) => Outcome::Cancelled,
            Err(e) if e.is_retryable() => Outcome::Failed,
            Err(_) => Outcome::Refused,
        }
    }
}

/// Starts the link driver for `node`'s upstream `parent`, as one of the
/// node's tasks; it ends when `cancel` (normally the node's token) is cancelled.
pub fn run_link(
    node: Arc<Node>,
    parent: NodeScope,
    connector: Arc<dyn Connect>,
    cfg: LinkConfig,
    cancel: CancellationToken,
) -> (LinkHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(8);
    let driver = Driver {
        node: node.clone(),
        parent,
        connector,
        cfg,
        cancel,
        failures: 0,
    };
    let task = node.spawn(driver.drive(rx));
    (LinkHandle { tx }, task)
}

struct Driver {
    node: Arc<Node>,
    parent: NodeScope,
    connector: Arc<dyn Connect>,
    cfg: LinkConfig,
    cancel: CancellationToken,
    /// Failures (and refusals) since the last session that ended well.
    failures: u32,
}

impl Driver {
    async fn session(&self, live: bool, cancel: CancellationToken) -> Outcome {
        let parent = &self.parent;
        let span = info_span!("sync_session", peer = %parent.code, live);
        let c = self.connector.clone();
        let r = run_client_session(
            self.node.clone(),
            parent,
            live,
            move |rx| c.open(rx),
            cancel,
        )
        .instrument(span.clone())
        .await;
        self.node.record_session(&Link::Parent, r.as_ref()).await;
        let outcome = Outcome::of(&r);
        span.in_scope(|| match (&r, outcome) {
            (Ok(s), _) => info!(sent = s.sent, received = s.received, "session complete"),
            (Err(_), Outcome::Cancelled) => {}
            (Err(e), Outcome::Refused) => warn!(
                error = %e,
                retry_in = ?self.cfg.backoff_max,
                "session refused; the next attempt waits the longest backoff ([sync] backoff_max_secs) or `liudong sync --once`"
            ),
            (Err(e), _) => warn!(error = %e, retryable = true, "session failed"),
        });
        outcome
    }

    /// A one-shot session an operator asked for; its result goes back to them.
    async fn requested(&self, reply: oneshot::Sender<LinkOutcome>) -> Outcome {
        let parent = &self.parent;
        let span = info_span!("sync_session", peer = %parent.code, live = false);
        let c = self.connector.clone();
        let r = run_client_session(
            self.node.clone(),
            parent,
            false,
            move |rx| c.open(rx),
            self.cancel.child_token(),
        )
        .instrument(span)
        .await;
        self.node.record_session(&Link::Parent, r.as_ref()).await;
        let outcome = Outcome::of(&r);
        let _ = reply.send(r.map_err(|e| e.to_string()));
        outcome
    }

    /// The wait after a session that ended with `outcome`.
    fn pace(&mut self, outcome: Outcome) -> Duration {
        match outcome {
            Outcome::Done => {
                self.failures = 0;
                if self.cfg.live {
                    Duration::from_millis(50)
                } else {
                    self.cfg.interval
                }
            }
            Outcome::Failed => {
                self.failures += 1;
                backoff(&self.cfg, self.failures)
            }
            Outcome::Refused => {
                self.failures += 1;
                self.cfg.backoff_max
            }
            Outcome::Cancelled => Duration::ZERO,
        }
    }

    async fn drive(mut self, mut requests: mpsc::Receiver<oneshot::Sender<LinkOutcome>>) {
        let mut changed = self.node.subscribe();
        loop {
            if self.cancel.is_cancelled() {
                return;
            }
            // Changes stored from here on wake the next one-shot session, so a
            // record that arrives while this session runs is not left waiting.
            changed.borrow_and_update();
            // A session (live or one-shot), interruptible by an explicit request.
            let session_cancel = self.cancel.child_token();
            let outcome = tokio::select! {
                o = self.session(self.cfg.live, session_cancel.clone()) => o,
                Some(reply) = requests.recv() => {
                    session_cancel.cancel();
                    self.requested(reply).await
                }
            };
            if outcome == Outcome::Cancelled && self.cancel.is_cancelled() {
                return;
            }
            let mut wait = self.pace(outcome);
            loop {
                tokio::select! {
                    _ = self.cancel.cancelled() => return,
                    _ = tokio::time::sleep(wait) => break,
                    _ = changed.changed(), if !self.cfg.live && self.failures == 0 => break,
                    // A write was refused on an old comparison of the clocks.
                    _ = self.node.clock_recheck_wanted() => break,
                    Some(reply) = requests.recv() => {
                        let outcome = self.requested(reply).await;
                        if outcome == Outcome::Cancelled && self.cancel.is_cancelled() {
                            return;
                        }
                        // Wait again as the requested session's outcome says.
                        wait = self.pace(outcome);
                    }
                }
            }
        }
    }
}
