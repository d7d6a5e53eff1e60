//! The link driver: keeps one node in step with its upstream.
//!
//! One task per link. It runs sessions — live ones that stay open and carry
//! each new record at once, or one-shot ones every `interval` and right after
//! a local write — retries failures with jittered exponential backoff, and
//! records each outcome in the store's link status.

use crate::{ClientMsg, Node, ServerMsg, SessionStats, SyncError, run_client_session};
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
    /// Longest retry delay.
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

impl LinkHandle {
    /// Runs one complete session now (interrupting a live one) and returns its result.
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

/// Starts the link driver for `node`'s upstream `parent`.
pub fn run_link(
    node: Arc<Node>,
    parent: NodeScope,
    connector: Arc<dyn Connect>,
    cfg: LinkConfig,
    cancel: CancellationToken,
) -> (LinkHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(8);
    let task = tokio::spawn(drive(node, parent, connector, cfg, cancel, rx));
    (LinkHandle { tx }, task)
}

async fn one_session(
    node: &Arc<Node>,
    parent: &NodeScope,
    connector: &Arc<dyn Connect>,
    live: bool,
    cancel: CancellationToken,
) -> Result<SessionStats, SyncError> {
    let span = info_span!("sync_session", peer = %parent.code, live);
    let c = connector.clone();
    let r = run_client_session(node.clone(), parent, live, move |rx| c.open(rx), cancel)
        .instrument(span.clone())
        .await;
    crate::peers::record_session(node, &Link::Parent, &r).await;
    span.in_scope(|| match &r {
        Ok(s) => info!(sent = s.sent, received = s.received, "session complete"),
        Err(SyncError::Cancelled) => {}
        Err(e) => warn!(error = %e, retryable = e.is_retryable(), "session failed"),
    });
    r
}

async fn drive(
    node: Arc<Node>,
    parent: NodeScope,
    connector: Arc<dyn Connect>,
    cfg: LinkConfig,
    cancel: CancellationToken,
    mut requests: mpsc::Receiver<oneshot::Sender<LinkOutcome>>,
) {
    let mut failures: u32 = 0;
    let mut changed = node.subscribe();
    loop {
        if cancel.is_cancelled() {
            return;
        }
        // Changes stored from here on wake the next one-shot session, so a
        // record that arrives while this session runs is not left waiting.
        changed.borrow_and_update();
        // A session (live or one-shot), interruptible by an explicit request.
        let session_cancel = cancel.child_token();
        let mut pending = None;
        let result = tokio::select! {
            r = one_session(&node, &parent, &connector, cfg.live, session_cancel.clone()) => Some(r),
            req = requests.recv() => { session_cancel.cancel(); pending = req; None }
        };
        if let Some(reply) = pending {
            let r = one_session(&node, &parent, &connector, false, cancel.child_token()).await;
            failures = if r.is_ok() { 0 } else { failures + 1 };
            let _ = reply.send(r.map_err(|e| e.to_string()));
            continue;
        }
        let wait = match result {
            Some(Ok(_)) => {
                failures = 0;
                if cfg.live {
                    Duration::from_millis(50)
                } else {
                    cfg.interval
                }
            }
            Some(Err(SyncError::Cancelled)) => return,
            Some(Err(_)) => {
                failures += 1;
                backoff(&cfg, failures)
            }
            None => Duration::ZERO,
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
            _ = changed.changed(), if !cfg.live && failures == 0 => {}
            req = requests.recv() => {
                if let Some(reply) = req {
                    let r = one_session(&node, &parent, &connector, false, cancel.child_token()).await;
                    failures = if r.is_ok() { 0 } else { failures + 1 };
                    let _ = reply.send(r.map_err(|e| e.to_string()));
                }
            }
        }
    }
}
