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
///
/// Every session is audited, also one that fails before its `Hello`: under
/// the code the peer's certificate proves (the code it claims only when the
/// transport verified none), with what it moved until it ended.
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
    let started = std::time::Instant::now();
    let hello = match tokio::time::timeout(idle, inbound.next()).await {
        Ok(Some(Ok(ClientMsg::Hello(h)))) => Ok(h),
        Ok(Some(Ok(_))) => Err(SyncError::Protocol(
            "the first message must be Hello".into(),
        )),
        Ok(Some(Err(e))) => Err(e),
        Ok(None) => Err(SyncError::Protocol("stream closed before Hello".into())),
        Err(_) => Err(SyncError::Timeout("no Hello received".into())),
    };
    let hello = match hello {
        Ok(h) => h,
        Err(e) => {
            // No claim to go by: the certified code, if any.
            let who = audited_peer(&peer, None);
            let audit = SessionAudit::new(node.clone(), who.clone(), "served", &peer, false);
            let result = Err(e);
            node.count_session("served", &result, started);
            audit
                .finish(&SessionStats::default(), result.as_ref().err())
                .await;
            tracing::warn!(peer = %who, addr = peer.addr.as_deref().unwrap_or("-"), error = %result.as_ref().unwrap_err(), "session failed before Hello");
            return result;
        }
    };
    let span = info_span!("sync_serve", peer = %hello.node, addr = peer.addr.as_deref().unwrap_or("-"), live = hello.live);
    let mut audit = SessionAudit::new(
        node.clone(),
        audited_peer(&peer, Some(&hello.node)),
        "served",
        &peer,
        hello.live,
    );
    let mut stats = SessionStats::default();
    let result = session(
        node.clone(),
        peer,
        hello,
        inbound,
        &out,
        cancel,
        &mut audit,
        &mut stats,
    )
    .instrument(span.clone())
    .await;
    let result = result.map(|code| (code, stats.clone()));
    node.count_session("served", &result, started);
    audit.finish(&stats, result.as_ref().err()).await;
    span.in_scope(|| match &result {
        Ok((_, s)) => tracing::info!(
            sent = s.sent,
            received = s.received,
            duplicates = s.duplicates,
            "session served"
        ),
        Err(SyncError::Cancelled) => tracing::debug!("session ended by shutdown"),
        Err(e) => tracing::warn!(error = %e, sent = stats.sent, received = stats.received, "session failed"),
    });
    result
}

/// Whom a served session is audited under: the code the peer's certificate
/// proves, else the code it claims, else `-`.
fn audited_peer(peer: &PeerInfo, claimed: Option<&str>) -> String {
    match (&peer.verified_code, claimed) {
        (Some(c), _) => c.to_string(),
        (None, Some(c)) => c.to_string(),
        (None, None) => "-".to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn session<In>(
    node: Arc<Node>,
    peer: PeerInfo,
    hello: Hello,
    inbound: In,
    out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
    cancel: CancellationToken,
    audit: &mut SessionAudit,
    stats: &mut SessionStats,
) -> Result<Code, SyncError>
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
    // One session per child: an older one still open is superseded.
    let turn = tokio::select! {
        _ = cancel.cancelled() => return Err(SyncError::Cancelled),
        t = node.take_turn(&link) => t,
    };
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
    if !hello.lower_links.is_empty() {
        node.note_lower_links(&link, hello.lower_links.clone())
            .await;
    }
    let ends = Ends {
        cancel,
        superseded: turn.superseded.clone(),
        peer: code.clone(),
    };
    let result = exchange(&node, &hello, &link, inbound, out, &ends, audit, stats).await;
    // The end of the session: its contact and the last backlog reported.
    node.note_peer(&link, |_| {}).await;
    node.record_session(&link, result.as_ref().map(|_| &*stats))
        .await;
    drop(turn);
    result.map(|()| code)
}

/// What ends a served session from outside: shutdown (or revocation), and
/// a newer session of the same child.
struct Ends {
    cancel: CancellationToken,
    superseded: CancellationToken,
    peer: Code,
}

impl Ends {
    /// Waits until the session must end; its error.
    async fn ended(&self) -> SyncError {
        tokio::select! {
            _ = self.cancel.cancelled() => SyncError::Cancelled,
            _ = self.superseded.cancelled() => SyncError::Superseded { peer: self.peer.clone() },
        }
    }

    /// Sends `msg` to the client, unless the session must end first (a
    /// client that stopped reading cannot hold a newer session back).
    async fn send(
        &self,
        out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
        msg: ServerMsg,
    ) -> Result<(), SyncError> {
        tokio::select! {
            e = self.ended() => Err(e),
            r = out.send(Ok(msg)) => r.map_err(|_| SyncError::Transport("client went away".into())),
        }
    }
}

/// The batches of a session whose peer is identified as the child of `link`.
#[allow(clippy::too_many_arguments)]
async fn exchange<In>(
    node: &Arc<Node>,
    hello: &Hello,
    link: &Link,
    mut inbound: In,
    out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
    ends: &Ends,
    audit: &mut SessionAudit,
    stats: &mut SessionStats,
) -> Result<(), SyncError>
where
    In: Stream<Item = Result<ClientMsg, SyncError>> + Unpin,
{
    let cfg = node.config().clone();
    // 0: the client has no preference.
    let max_batch = match hello.max_batch as usize {
        0 => cfg.max_batch,
        n => n.min(cfg.max_batch),
    };
    node.store().check_writable()?;
    let push_cursor = node.store().cursor(CursorDir::In, link)?;
    ends.send(
        out,
        ServerMsg::Welcome(Welcome {
            protocol: PROTOCOL_VERSION,
            node: node.scope().code.to_string(),
            push_cursor,
            max_batch: cfg.max_batch as u32,
            sealed: Some(node.sealed_link(link)),
            clock_ms: Some(node.now_ms()),
            clock_in_doubt: node.clock_in_doubt(),
        }),
    )
    .await?;

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
    let mut push = Inbound::new(link.clone(), "push", push_cursor);
    let peer = ends.peer.to_string();
    loop {
        while let Some(batch) = pull.next(audit, stats).await? {
            ends.send(out, ServerMsg::Pull(batch)).await?;
        }
        // A live session may stay quiet, but never while a batch waits for
        // its acknowledgement.
        let awaiting_ack = pull.unacknowledged() > 0;
        let can_wake = pull.drained() && hello.live;
        tokio::select! {
            e = ends.ended() => return Err(e),
            _ = pull.woken(), if can_wake => {}
            msg = next_message(&mut inbound, hello.live && !awaiting_ack, cfg.idle_timeout) => match msg {
                Err(_) => return Err(silent_peer(&peer, cfg.idle_timeout, awaiting_ack)),
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(e),
                Ok(Some(Ok(ClientMsg::Push(mut batch)))) => {
                    let (upto, n, remaining) = (batch.cursor, batch.records.len(), batch.remaining);
                    let lower = std::mem::take(&mut batch.lower_links);
                    let outcome = push.batch(node, batch, audit, stats).await?;
                    debug!(records = n, new = outcome.new, cursor = upto, "push batch applied");
                    ends.send(out, ServerMsg::PushAck(upto)).await?;
                    if let Some(r) = remaining {
                        node.note_backlog(link, r);
                    }
                    if !lower.is_empty() {
                        node.note_lower_links(link, lower).await;
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
    Ok(())
}
