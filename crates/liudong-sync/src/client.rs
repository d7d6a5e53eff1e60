//! The dialling half of a session (the lower node).

use crate::audit::SessionAudit;
use crate::error::SyncError;
use crate::identity::PeerInfo;
use crate::msg::{ClientMsg, Hello, ServerMsg, SessionStats, Welcome};
use crate::node::Node;
use crate::session::{Inbound, next_message, silent_peer};
use crate::window::{Backlog, SendWindow};
use futures::{Stream, StreamExt};
use liudong_core::{Link, NodeScope};
use liudong_proto::PROTOCOL_VERSION;
use liudong_store::CursorDir;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::debug;

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
    // The end of the session: its contact and the last backlog reported.
    node.note_peer(&Link::Parent, |_| {}).await;
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
    let hello = Hello {
        protocol: PROTOCOL_VERSION,
        node: node.scope().code.to_string(),
        pull_cursor: store.cursor(CursorDir::In, &Link::Parent)?,
        live,
        max_batch: cfg.max_batch as u32,
        sync_interval_secs: cfg.sync_interval_secs,
        backlog: Some(backlog.left()),
        sealed: Some(node.sealed_link(&Link::Parent)),
    };
    tx.send(ClientMsg::Hello(hello))
        .await
        .map_err(|_| SyncError::Transport("stream closed".into()))?;
    let mut inbound = tokio::select! {
        _ = cancel.cancelled() => return Err(SyncError::Cancelled),
        r = tokio::time::timeout(cfg.idle_timeout, open(rx)) => r.map_err(|_| SyncError::Timeout("connecting to upstream".into()))??,
    };
    let welcome = match tokio::time::timeout(cfg.idle_timeout, inbound.next()).await {
        Ok(Some(Ok(ServerMsg::Welcome(w)))) => w,
        Ok(Some(Ok(_))) => {
            return Err(SyncError::Protocol(
                "the first server message must be Welcome".into(),
            ));
        }
        Ok(Some(Err(e))) => return Err(e),
        Ok(None) => {
            return Err(SyncError::Transport(
                "upstream closed the stream before Welcome".into(),
            ));
        }
        Err(_) => return Err(SyncError::Timeout("no Welcome from upstream".into())),
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
    let max_batch = (welcome.max_batch as usize).clamp(1, cfg.max_batch);
    let _open = node.session_open(&Link::Parent);
    node.note_peer(&Link::Parent, |_| {}).await;
    node.clear_refusal(&Link::Parent).await;
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
    let result = session(
        &node, live, inbound, tx, welcome, max_batch, backlog, &mut audit, cancel,
    )
    .await;
    audit
        .finish(
            &result
                .as_ref()
                .map(|s| s.clone())
                .map_err(SyncError::audit_copy),
        )
        .await;
    result
}

#[allow(clippy::too_many_arguments)]
async fn session<S>(
    node: &Arc<Node>,
    live: bool,
    mut inbound: S,
    tx: mpsc::Sender<ClientMsg>,
    welcome: Welcome,
    max_batch: usize,
    backlog: Backlog,
    audit: &mut SessionAudit,
    cancel: CancellationToken,
) -> Result<SessionStats, SyncError>
where
    S: Stream<Item = Result<ServerMsg, SyncError>> + Unpin,
{
    let idle = node.config().idle_timeout;
    let mut stats = SessionStats::default();
    // The server's word on what it holds of ours is the truth to resume from.
    let mut push = SendWindow::new(
        node,
        Link::Parent,
        welcome.push_cursor,
        max_batch,
        backlog,
        false,
    );
    let mut pull = Inbound::new(Link::Parent);
    let mut pull_done = false;
    loop {
        while let Some(batch) = push.next(audit, &mut stats).await? {
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
        tokio::select! {
            _ = cancel.cancelled() => return Err(SyncError::Cancelled),
            _ = push.woken(), if can_wake => {}
            msg = next_message(&mut inbound, live && !awaiting_ack, idle) => match msg {
                Err(_) => return Err(silent_peer("upstream", idle, awaiting_ack)),
                Ok(None) => return Err(SyncError::Transport("upstream ended the session early".into())),
                Ok(Some(Err(e))) => return Err(e),
                Ok(Some(Ok(ServerMsg::PushAck(c)))) => push.acknowledged(c, "PushAck").await?,
                Ok(Some(Ok(ServerMsg::Pull(batch)))) => {
                    let (upto, drained, remaining) = (batch.cursor, batch.drained, batch.remaining);
                    let n = batch.records.len() as u64;
                    let outcome = pull.batch(node, batch, audit, &mut stats).await?;
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
                return Err(SyncError::Timeout(
                    "upstream did not close the session".into(),
                ));
            }
        }
    }
    Ok(stats)
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
    SyncError::Transport("upstream went away".into())
}
