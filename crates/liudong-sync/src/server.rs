//! The serving half of a session (the upper node).

use crate::audit::SessionAudit;
use crate::error::SyncError;
use crate::identity::PeerInfo;
use crate::msg::{ClientMsg, Hello, ServerMsg, SessionStats, Welcome};
use crate::node::Node;
use crate::session::{Inbound, next_message, silent_peer};
use crate::window::{Backlog, SendWindow};
use futures::{Stream, StreamExt};
use liudong_core::{Code, Link};
use liudong_proto::PROTOCOL_VERSION;
use liudong_store::CursorDir;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info_span};

/// Serves one session, sending its messages on `out`. On failure the typed
/// error is returned and nothing more is sent: the transport reports it to the
/// client (mapping it to its own status codes) and to its logs.
pub async fn serve_session<In>(
    node: Arc<Node>,
    peer: PeerInfo,
    mut inbound: In,
    out: mpsc::Sender<Result<ServerMsg, SyncError>>,
    cancel: CancellationToken,
) -> Result<(Code, SessionStats), SyncError>
where
    In: Stream<Item = Result<ClientMsg, SyncError>> + Unpin,
{
    let idle = node.config().idle_timeout;
    let hello = match tokio::time::timeout(idle, inbound.next()).await {
        Ok(Some(Ok(ClientMsg::Hello(h)))) => h,
        Ok(Some(Ok(_))) => {
            return Err(SyncError::Protocol(
                "the first message must be Hello".into(),
            ));
        }
        Ok(Some(Err(e))) => return Err(e),
        Ok(None) => return Err(SyncError::Protocol("stream closed before Hello".into())),
        Err(_) => return Err(SyncError::Timeout("no Hello received".into())),
    };
    let span = info_span!("sync_serve", peer = %hello.node, addr = peer.addr.as_deref().unwrap_or("-"), live = hello.live);
    let mut audit = SessionAudit::new(
        node.clone(),
        hello.node.clone(),
        "served",
        &peer,
        hello.live,
    );
    let started = std::time::Instant::now();
    let result = session(node.clone(), peer, hello, inbound, &out, cancel, &mut audit)
        .instrument(span.clone())
        .await;
    node.count_session("served", &result, started);
    audit
        .finish(
            &result
                .as_ref()
                .map(|(_, s)| s.clone())
                .map_err(SyncError::audit_copy),
        )
        .await;
    span.in_scope(|| match &result {
        Ok((_, s)) => tracing::info!(
            sent = s.sent,
            received = s.received,
            duplicates = s.duplicates,
            "session served"
        ),
        Err(SyncError::Cancelled) => tracing::debug!("session ended by shutdown"),
        Err(e) => tracing::warn!(error = %e, "session failed"),
    });
    result
}

async fn session<In>(
    node: Arc<Node>,
    peer: PeerInfo,
    hello: Hello,
    inbound: In,
    out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
    cancel: CancellationToken,
    audit: &mut SessionAudit,
) -> Result<(Code, SessionStats), SyncError>
where
    In: Stream<Item = Result<ClientMsg, SyncError>> + Unpin,
{
    if hello.protocol != PROTOCOL_VERSION {
        return Err(SyncError::Version {
            ours: PROTOCOL_VERSION,
            theirs: hello.protocol,
        });
    }
    let (code, _) = peer.identify_child(&node, &hello.node, "Hello.node")?;
    let link = Link::Child(code.clone());
    crate::seal::same_sealing(&node, &link, &hello.node, hello.sealed)?;
    let _open = node.session_open(&link);
    let (interval, backlog) = (hello.sync_interval_secs, hello.backlog);
    node.note_peer(&link, move |s| {
        if interval > 0 {
            s.announced_interval_secs = Some(interval.into());
        }
        if backlog.is_some() {
            s.pending_in = backlog;
        }
    })
    .await;
    let result = exchange(&node, &hello, &code, &link, inbound, out, cancel, audit).await;
    // The end of the session: its contact and the last backlog reported.
    node.note_peer(&link, |_| {}).await;
    node.record_session(&link, &result).await;
    result.map(|stats| (code, stats))
}

/// The batches of a session whose peer is identified as the child `code`.
#[allow(clippy::too_many_arguments)]
async fn exchange<In>(
    node: &Arc<Node>,
    hello: &Hello,
    code: &Code,
    link: &Link,
    mut inbound: In,
    out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
    cancel: CancellationToken,
    audit: &mut SessionAudit,
) -> Result<SessionStats, SyncError>
where
    In: Stream<Item = Result<ClientMsg, SyncError>> + Unpin,
{
    let cfg = node.config().clone();
    let max_batch = match hello.max_batch as usize {
        0 => cfg.max_batch,
        n => n.min(cfg.max_batch),
    };
    node.store().check_writable()?;
    let push_cursor = node.store().cursor(CursorDir::In, link)?;
    send(
        out,
        ServerMsg::Welcome(Welcome {
            protocol: PROTOCOL_VERSION,
            node: node.scope().code.to_string(),
            push_cursor,
            max_batch: cfg.max_batch as u32,
            sealed: Some(node.sealed_link(link)),
        }),
    )
    .await?;

    let mut stats = SessionStats::default();
    let backlog = Backlog::count(node, link, hello.pull_cursor).await?;
    // The server announces the end of its outbox once per catch-up.
    let mut pull = SendWindow::new(
        node,
        link.clone(),
        hello.pull_cursor,
        max_batch,
        backlog,
        true,
    );
    let mut push = Inbound::new(link.clone());
    let peer = code.to_string();
    loop {
        while let Some(batch) = pull.next(audit, &mut stats).await? {
            send(out, ServerMsg::Pull(batch)).await?;
        }
        // A live session may stay quiet, but never while a batch waits for
        // its acknowledgement.
        let awaiting_ack = pull.unacknowledged() > 0;
        let can_wake = pull.drained() && hello.live;
        tokio::select! {
            _ = cancel.cancelled() => return Err(SyncError::Cancelled),
            _ = pull.woken(), if can_wake => {}
            msg = next_message(&mut inbound, hello.live && !awaiting_ack, cfg.idle_timeout) => match msg {
                Err(_) => return Err(silent_peer(&peer, cfg.idle_timeout, awaiting_ack)),
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(e),
                Ok(Some(Ok(ClientMsg::Push(batch)))) => {
                    let (upto, n, remaining) = (batch.cursor, batch.records.len(), batch.remaining);
                    let outcome = push.batch(node, batch, audit, &mut stats).await?;
                    debug!(records = n, new = outcome.new, cursor = upto, "push batch applied");
                    send(out, ServerMsg::PushAck(upto)).await?;
                    if let Some(r) = remaining {
                        node.note_backlog(link, r);
                    }
                }
                Ok(Some(Ok(ClientMsg::PullAck(c)))) => pull.acknowledged(c, "PullAck").await?,
                Ok(Some(Ok(ClientMsg::Hello(_)))) => return Err(SyncError::Protocol("Hello sent twice".into())),
            },
        }
    }
    if pull.unacknowledged() > 0 {
        debug!(
            unacknowledged = pull.unacknowledged(),
            "client closed with batches unacknowledged"
        );
    }
    Ok(stats)
}

async fn send(
    out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
    msg: ServerMsg,
) -> Result<(), SyncError> {
    out.send(Ok(msg))
        .await
        .map_err(|_| SyncError::Transport("client went away".into()))
}
