//! The dialling half of a session (the lower node).

use crate::audit::SessionAudit;
use crate::peers::Backlog;
use crate::{
    Batch, ClientMsg, Hello, Node, PeerInfo, RULE_PARENT_SEND, ServerMsg, SessionStats, SyncError,
};
use futures::{Stream, StreamExt};
use liudong_core::{Link, NodeScope};
use liudong_proto::PROTOCOL_VERSION;
use liudong_store::CursorDir;
use std::collections::VecDeque;
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
        *p = crate::SyncProgress {
            session: p.session + 1,
            ..Default::default()
        }
    });
    let result = dial(node.clone(), parent, live, open, cancel).await;
    // The end of the session: its contact and the last backlog reported.
    node.note_peer(&Link::Parent, |_| {}).await;
    node.progress(|p| p.done = true);
    crate::peers::count_session(&node, "dialled", &result, started);
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
    let max_batch = (welcome.max_batch as usize).clamp(1, cfg.max_batch);
    let _open = node.session_open(&Link::Parent);
    node.note_peer(&Link::Parent, |_| {}).await;
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
                .map_err(crate::server::clone_err),
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
    welcome: crate::Welcome,
    max_batch: usize,
    mut backlog: Backlog,
    audit: &mut SessionAudit,
    cancel: CancellationToken,
) -> Result<SessionStats, SyncError>
where
    S: Stream<Item = Result<ServerMsg, SyncError>> + Unpin,
{
    let cfg = node.config().clone();
    let store = node.store().clone();
    let own = node.scope().clone();

    let parent_code = node.peer_code(&Link::Parent);
    let mut stats = SessionStats::default();
    let mut changed = node.subscribe();
    // The server's word on what it holds of ours is the truth to resume from.
    let mut cursor = welcome.push_cursor;
    let mut in_flight: VecDeque<u64> = VecDeque::new();
    let mut push_idle = false;
    let mut pull_done = false;
    let mut session_records = 0u64;
    loop {
        while !push_idle && in_flight.len() < cfg.window {
            changed.borrow_and_update();
            let page = node.read_outbox(&Link::Parent, cursor, max_batch).await?;
            let remaining = backlog.after(node, &page).await?;
            if !page.records.is_empty() {
                let n = page.records.len() as u64;
                stats.sent += n;
                node.metrics().sent(&parent_code, n);
                node.progress(|p| {
                    p.pushed += n;
                    // Records written during the session raise the total.
                    p.push_total = Some(p.pushed + remaining);
                });
                stats.batches += 1;
                in_flight.push_back(page.cursor);
                let records: Vec<bytes::Bytes> = page.records.into_iter().map(Into::into).collect();
                audit.disclosing(&records).await?;
                let batch = Batch {
                    records,
                    cursor: page.cursor,
                    drained: page.drained,
                    remaining: Some(remaining),
                };
                if tx.send(ClientMsg::Push(batch)).await.is_err() {
                    return Err(gone(&mut inbound).await);
                }
            }
            cursor = page.cursor;
            push_idle = page.drained;
        }
        if !live && push_idle && in_flight.is_empty() && pull_done {
            break;
        }
        // A live session may stay quiet, but never while a batch waits for
        // its acknowledgement.
        let quiet_ok = live && in_flight.is_empty();
        let next = async {
            if quiet_ok {
                Ok(inbound.next().await)
            } else {
                tokio::time::timeout(cfg.idle_timeout, inbound.next()).await
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return Err(SyncError::Cancelled),
            _ = changed.changed(), if push_idle && live => push_idle = false,
            msg = next => match msg {
                Err(_) => return Err(SyncError::Timeout(format!("no message from upstream for {:?} ([sync] idle_timeout_secs){}", cfg.idle_timeout, if in_flight.is_empty() { "" } else { " while a batch awaited its acknowledgement" }))),
                Ok(None) => return Err(SyncError::Transport("upstream ended the session early".into())),
                Ok(Some(Err(e))) => return Err(e),
                Ok(Some(Ok(ServerMsg::PushAck(c)))) => {
                    match in_flight.pop_front() {
                        Some(expected) if expected == c => {}
                        other => return Err(SyncError::Protocol(format!("PushAck {c} does not match the oldest unacknowledged batch {other:?}"))),
                    }
                    let s = store.clone();
                    crate::blocking(move || Ok(s.set_cursor(CursorDir::Out, &Link::Parent, c)?)).await?;
                }
                Ok(Some(Ok(ServerMsg::Pull(batch)))) => {
                    let (upto, drained, remaining) = (batch.cursor, batch.drained, batch.remaining);
                    let n = batch.records.len() as u64;
                    node.count_session(&mut session_records, batch.records.len())?;
                    let (outcome, subjects) = node.apply_remote(batch, Link::Parent, own.clone(), RULE_PARENT_SEND, None).await?;
                    audit.received(subjects);
                    stats.received += outcome.new as u64;
                    stats.duplicates += outcome.duplicate as u64;
                    stats.batches += 1;
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
        match tokio::time::timeout(cfg.idle_timeout, inbound.next()).await {
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
