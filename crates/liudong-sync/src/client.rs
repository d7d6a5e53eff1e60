//! The dialling half of a session (the lower node).

use crate::audit::SessionAudit;
use crate::clock::RECHECK_EVERY;
use crate::error::SyncError;
use crate::identity::PeerInfo;
use crate::lower::LowerReporter;
use crate::msg::{ClientMsg, Hello, ServerMsg, SessionStats, Welcome};
use crate::node::Node;
use crate::session::{Inbound, next_message, silent_peer};
use crate::window::{Backlog, SendWindow};
use futures::{Stream, StreamExt};
use liudong_core::{ClockComparison, Link, NodeScope};
use liudong_i18n::t;
use liudong_proto::PROTOCOL_VERSION;
use liudong_store::CursorDir;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Runs one session with the upstream `parent`. `open` starts the stream: it
/// receives the client's outgoing messages and returns the server's.
///
/// A one-shot session (`live == false`) ends when both outboxes were drained
/// and every batch acknowledged. A live session keeps streaming new records
/// both ways until cancelled or broken.
pub async fn run_client_session<F, Fut, S>(
    node: Arc<Node>,
    parent: &NodeScope,
    live: bool,
    open: F,
    cancel: CancellationToken,
) -> Result<SessionStats, SyncError>
where
    F: FnOnce(mpsc::Receiver<ClientMsg>) -> Fut,
    Fut: Future<Output = Result<S, SyncError>>,
    S: Stream<Item = Result<ServerMsg, SyncError>> + Unpin,
{
    let started = std::time::Instant::now();
    node.progress(|p| {
        *p = crate::peers::SyncProgress {
            session: p.session + 1,
            ..Default::default()
        }
    });
    let result = dial(node.clone(), parent, live, open, cancel).await;
    node.progress(|p| p.done = true);
    node.count_session("dialled", &result, started);
    result
}

async fn dial<F, Fut, S>(
    node: Arc<Node>,
    parent: &NodeScope,
    live: bool,
    open: F,
    cancel: CancellationToken,
) -> Result<SessionStats, SyncError>
where
    F: FnOnce(mpsc::Receiver<ClientMsg>) -> Fut,
    Fut: Future<Output = Result<S, SyncError>>,
    S: Stream<Item = Result<ServerMsg, SyncError>> + Unpin,
{
    let cfg = node.config().clone();
    let store = node.store().clone();
    store.check_writable()?;
    let (tx, rx) = mpsc::channel(cfg.window * 2 + 4);
    let own_cursor = store.cursor(CursorDir::Out, &Link::Parent)?;
    let backlog = Backlog::count(&node, &Link::Parent, own_cursor).await?;
    let pull_cursor = store.cursor(CursorDir::In, &Link::Parent)?;
    // Watch the links with children before gathering what Hello reports of
    // them: a change from here on is reported again in the session.
    let lower = LowerReporter::new(&node);
    let hello = Hello {
        protocol: PROTOCOL_VERSION,
        node: node.scope().code.to_string(),
        pull_cursor,
        live,
        max_batch: cfg.max_batch as u32,
        sync_interval_secs: cfg.sync_interval_secs,
        backlog: Some(backlog.left()),
        sealed: Some(node.sealed_link(&Link::Parent)),
        lower_links: node.lower_links_to_report().await,
    };
    tx.send(ClientMsg::Hello(hello))
        .await
        .map_err(|_| SyncError::Transport(t!("sync-stream-closed")))?;
    // The clock comparison's round trip: from just before the stream opens
    // (Hello goes with it) to Welcome.
    let (sent_ms, sent_at) = (node.now_ms(), Instant::now());
    let mut inbound = tokio::select! {
        _ = cancel.cancelled() => return Err(SyncError::Cancelled),
        r = tokio::time::timeout(cfg.idle_timeout, open(rx)) => r.map_err(|_| SyncError::Timeout(t!("sync-timeout-connecting")))??,
    };
    let welcome = match tokio::time::timeout(cfg.idle_timeout, inbound.next()).await {
        Ok(Some(Ok(ServerMsg::Welcome(w)))) => w,
        Ok(Some(Ok(_))) => {
            return Err(SyncError::Protocol(t!("sync-first-not-welcome")));
        }
        Ok(Some(Err(e))) => return Err(e),
        Ok(None) => {
            return Err(SyncError::Transport(t!("sync-closed-before-welcome")));
        }
        Err(_) => return Err(SyncError::Timeout(t!("sync-timeout-welcome"))),
    };
    if welcome.protocol != PROTOCOL_VERSION {
        return Err(SyncError::Version {
            ours: PROTOCOL_VERSION,
            theirs: welcome.protocol,
        });
    }
    if welcome.node != parent.code.to_string() {
        return Err(SyncError::WrongUpstream {
            expected: parent.code.clone(),
            found: welcome.node,
        });
    }
    crate::seal::same_sealing(&node, &Link::Parent, &welcome.node, welcome.sealed)?;
    if let Some(upstream_ms) = welcome.clock_ms {
        let round_trip = sent_at.elapsed();
        node.compared_clock(
            &parent.code,
            ClockComparison {
                local_sent_ms: sent_ms,
                round_trip_ms: round_trip.as_millis() as u64,
                upstream_ms,
            },
            sent_at + round_trip / 2,
            welcome.clock_in_doubt,
        );
    }
    // 0: the upstream has no preference.
    let max_batch = match welcome.max_batch as usize {
        0 => cfg.max_batch,
        n => n.min(cfg.max_batch),
    };
    let _open = node.session_open(&Link::Parent);
    node.note_peer(&Link::Parent, |_| {}).await;
    node.clear_refusal(&Link::Parent).await;
    let mut welcome = welcome;
    let log = store.last_seq();
    if welcome.push_cursor > log {
        // The upstream holds positions of this node's outbox beyond its
        // log: this node's store was wiped or restored from an older copy
        // (and not recovered). Resume from the start of the outbox, so that
        // what it writes now is not taken for what the upstream already
        // has; the upstream drops what it holds as duplicates.
        warn!(
            push_cursor = welcome.push_cursor,
            log,
            "the upstream's position in this node's outbox is beyond its log (store wiped or restored?); pushing the outbox from its start"
        );
        welcome.push_cursor = 0;
    }
    let backlog = if welcome.push_cursor == own_cursor {
        backlog
    } else {
        Backlog::count(&node, &Link::Parent, welcome.push_cursor).await?
    };
    let push_total = backlog.left();
    node.progress(|p| p.push_total = Some(push_total));
    let mut audit = SessionAudit::new(
        node.clone(),
        parent.code.to_string(),
        "dialled",
        &PeerInfo::default(),
        live,
    );
    let mut stats = SessionStats::default();
    let windows = Windows {
        welcome,
        pull_cursor,
        max_batch,
        backlog,
    };
    let result = session(
        &node, live, inbound, tx, windows, lower, &mut audit, &mut stats, cancel,
    )
    .await;
    // The end of a session that was opened: its contact and the last
    // backlog reported (an upstream never reached is not a contact).
    node.note_peer(&Link::Parent, |_| {}).await;
    audit.finish(&stats, result.as_ref().err()).await;
    result.map(|()| stats)
}

/// Where the two directions of a session start.
struct Windows {
    welcome: Welcome,
    /// The `Hello.pull_cursor` sent.
    pull_cursor: u64,
    max_batch: usize,
    backlog: Backlog,
}

#[allow(clippy::too_many_arguments)]
async fn session<S>(
    node: &Arc<Node>,
    live: bool,
    mut inbound: S,
    tx: mpsc::Sender<ClientMsg>,
    windows: Windows,
    mut lower: Option<LowerReporter>,
    audit: &mut SessionAudit,
    stats: &mut SessionStats,
    cancel: CancellationToken,
) -> Result<(), SyncError>
where
    S: Stream<Item = Result<ServerMsg, SyncError>> + Unpin,
{
    let idle = node.config().idle_timeout;
    // The server's word on what it holds of ours is the truth to resume from.
    let mut push = SendWindow::new(
        node,
        Link::Parent,
        windows.welcome.push_cursor,
        windows.max_batch,
        windows.backlog,
        false,
    );
    let mut pull = Inbound::new(Link::Parent, "pull", windows.pull_cursor);
    let mut pull_done = false;
    // A live session compares the clocks again by ending (and reconnecting)
    // while they differ or the upstream's is in doubt.
    let mut recheck =
        tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    loop {
        while let Some(mut batch) = push.next(audit, stats).await? {
            if let Some(r) = lower.as_mut().filter(|r| r.is_due()) {
                batch.lower_links = r.take(node).await;
            }
            let (n, remaining) = (batch.records.len() as u64, batch.remaining.unwrap_or(0));
            node.progress(|p| {
                p.pushed += n;
                // Records written during the session raise the total.
                p.push_total = Some(p.pushed + remaining);
            });
            if tx.send(ClientMsg::Push(batch)).await.is_err() {
                return Err(gone(&mut inbound).await);
            }
        }
        if !live && push.drained() && push.unacknowledged() == 0 && pull_done {
            break;
        }
        // A live session may stay quiet, but never while a batch waits for
        // its acknowledgement.
        let awaiting_ack = push.unacknowledged() > 0;
        let can_wake = push.drained() && live;
        let reporting = lower.is_some();
        // An empty batch carries a report only when nothing else is to be
        // pushed (the next batch carries it otherwise) and the window has room.
        let can_report =
            reporting && push.drained() && push.unacknowledged() < node.config().window;
        tokio::select! {
            _ = cancel.cancelled() => return Err(SyncError::Cancelled),
            _ = push.woken(), if can_wake => {}
            _ = recheck.tick(), if live => {
                if node.clock_state().needs_recheck() && !awaiting_ack {
                    debug!("ending the live session to compare the clocks again");
                    break;
                }
            }
            _ = node.clock_recheck_wanted(), if live => {
                if !awaiting_ack {
                    break;
                }
            }
            due = lower_event(&mut lower, can_report), if reporting => {
                if due
                    && let Some(r) = lower.as_mut()
                    && let Some(mut batch) = push.empty(stats)
                {
                    batch.lower_links = r.take(node).await;
                    if tx.send(ClientMsg::Push(batch)).await.is_err() {
                        return Err(gone(&mut inbound).await);
                    }
                }
            }
            msg = next_message(&mut inbound, live && !awaiting_ack, idle) => match msg {
                Err(_) => return Err(silent_peer(&t!("sync-the-upstream"), idle, awaiting_ack)),
                Ok(None) => return Err(SyncError::Transport(t!("sync-upstream-ended-early"))),
                Ok(Some(Err(e))) => return Err(e),
                Ok(Some(Ok(ServerMsg::PushAck(c)))) => push.acknowledged(c, "PushAck").await?,
                Ok(Some(Ok(ServerMsg::Pull(batch)))) => {
                    let (upto, drained, remaining) = (batch.cursor, batch.drained, batch.remaining);
                    let n = batch.records.len() as u64;
                    let outcome = pull.batch(node, batch, audit, stats).await?;
                    debug!(new = outcome.new, cursor = upto, drained, "pull batch applied");
                    node.progress(|p| {
                        p.pulled += n;
                        p.pull_total = remaining.map(|r| p.pulled + r);
                    });
                    if let Some(r) = remaining {
                        node.note_backlog(&Link::Parent, r);
                    }
                    if tx.send(ClientMsg::PullAck(upto)).await.is_err() {
                        return Err(gone(&mut inbound).await);
                    }
                    pull_done = drained;
                }
                Ok(Some(Ok(ServerMsg::Welcome(_)))) => return Err(SyncError::Protocol("Welcome sent twice".into())),
            },
        }
    }
    drop(tx);
    // Let the server finish its side; anything but a clean end is an error.
    loop {
        match tokio::time::timeout(idle, inbound.next()).await {
            Ok(None) => break,
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(e))) => return Err(e),
            Err(_) => {
                return Err(SyncError::Timeout(t!("sync-timeout-close")));
            }
        }
    }
    Ok(())
}

/// The next event of the lower-link reports, if the session makes them
/// (see [`LowerReporter::wait`]).
async fn lower_event(lower: &mut Option<LowerReporter>, may_send: bool) -> bool {
    match lower {
        Some(r) => r.wait(may_send).await,
        None => std::future::pending().await,
    }
}

/// The reason the upstream stopped reading: its error if it sent one.
async fn gone<S>(inbound: &mut S) -> SyncError
where
    S: Stream<Item = Result<ServerMsg, SyncError>> + Unpin,
{
    let wait = std::time::Duration::from_secs(5);
    while let Ok(Some(item)) = tokio::time::timeout(wait, inbound.next()).await {
        if let Err(e) = item {
            return e;
        }
    }
    SyncError::Transport(t!("sync-upstream-gone"))
}
