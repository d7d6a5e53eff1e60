//! The serving half of a session (the upper node).

use crate::{Batch, ClientMsg, Node, RULE_CHILD_PUSH, ServerMsg, SessionStats, SyncError, Welcome};
use futures::{Stream, StreamExt};
use liudong_core::{Code, Link};
use liudong_proto::PROTOCOL_VERSION;
use liudong_store::CursorDir;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info_span};

/// What the transport knows about the peer.
#[derive(Debug, Clone, Default)]
pub struct PeerInfo {
    /// Node code proven by the transport (e.g. a verified certificate).
    pub verified_code: Option<Code>,
    /// Remote address, for logs.
    pub addr: Option<String>,
}

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
    let result = session(node, peer, hello, inbound, &out, cancel)
        .instrument(span.clone())
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
    hello: crate::Hello,
    mut inbound: In,
    out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
    cancel: CancellationToken,
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
    let code =
        Code::parse(&hello.node).map_err(|e| SyncError::Protocol(format!("Hello.node: {e}")))?;
    if let Some(verified) = &peer.verified_code
        && verified != &code
    {
        return Err(SyncError::IdentityMismatch {
            claimed: code,
            certified: verified.clone(),
        });
    }
    let child = node
        .scope()
        .child(&code)
        .ok_or_else(|| SyncError::NotChild {
            peer: code.clone(),
            server: node.scope().code.clone(),
        })?;
    let link = Link::Child(code.clone());
    let cfg = node.config().clone();
    let max_batch = match hello.max_batch as usize {
        0 => cfg.max_batch,
        n => n.min(cfg.max_batch),
    };
    node.store().check_writable()?;
    let push_cursor = node.store().cursor(CursorDir::In, &link)?;
    send(
        out,
        ServerMsg::Welcome(Welcome {
            protocol: PROTOCOL_VERSION,
            node: node.scope().code.to_string(),
            push_cursor,
            max_batch: cfg.max_batch as u32,
        }),
    )
    .await?;

    let mut stats = SessionStats::default();
    let mut changed = node.subscribe();
    let mut cursor = hello.pull_cursor;
    let mut in_flight: VecDeque<u64> = VecDeque::new();
    let mut idle = false; // drained; waiting for changes (live) or done (one-shot)
    let mut announced = false; // the client has been told we are drained
    let mut session_records = 0u64;
    loop {
        while !idle && in_flight.len() < cfg.window {
            changed.borrow_and_update();
            let page = node.read_outbox(&link, cursor, max_batch).await?;
            if !page.records.is_empty() || !announced {
                stats.sent += page.records.len() as u64;
                stats.batches += 1;
                in_flight.push_back(page.cursor);
                send(
                    out,
                    ServerMsg::Pull(Batch {
                        records: page.records.into_iter().map(Into::into).collect(),
                        cursor: page.cursor,
                        drained: page.drained,
                    }),
                )
                .await?;
                announced = page.drained;
            }
            cursor = page.cursor;
            idle = page.drained;
        }
        // A live session may stay quiet, but never while a batch waits for
        // its acknowledgement.
        let quiet_ok = hello.live && in_flight.is_empty();
        let next = async {
            if quiet_ok {
                Ok(inbound.next().await)
            } else {
                tokio::time::timeout(cfg.idle_timeout, inbound.next()).await
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return Err(SyncError::Cancelled),
            _ = changed.changed(), if idle && hello.live => idle = false,
            msg = next => match msg {
                Err(_) => return Err(SyncError::Timeout(format!("no message from {code} for {:?} ([sync] idle_timeout_secs){}", cfg.idle_timeout, if in_flight.is_empty() { "" } else { " while a batch awaited its acknowledgement" }))),
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(e),
                Ok(Some(Ok(ClientMsg::Push(batch)))) => {
                    let upto = batch.cursor;
                    let n = batch.records.len() as u64;
                    node.count_session(&mut session_records, batch.records.len())?;
                    let outcome = node.apply_remote(batch, link.clone(), child.clone(), RULE_CHILD_PUSH).await?;
                    stats.received += outcome.new as u64;
                    stats.duplicates += outcome.duplicate as u64;
                    stats.batches += 1;
                    debug!(records = n, new = outcome.new, cursor = upto, "push batch applied");
                    send(out, ServerMsg::PushAck(upto)).await?;
                }
                Ok(Some(Ok(ClientMsg::PullAck(c)))) => {
                    match in_flight.pop_front() {
                        Some(expected) if expected == c => {}
                        other => return Err(SyncError::Protocol(format!("PullAck {c} does not match the oldest unacknowledged batch {other:?}"))),
                    }
                    let store = node.store().clone();
                    let l = link.clone();
                    crate::blocking(move || Ok(store.set_cursor(CursorDir::Out, &l, c)?)).await?;
                }
                Ok(Some(Ok(ClientMsg::Hello(_)))) => return Err(SyncError::Protocol("Hello sent twice".into())),
            },
        }
    }
    if !in_flight.is_empty() {
        debug!(
            unacknowledged = in_flight.len(),
            "client closed with batches unacknowledged"
        );
    }
    Ok((code, stats))
}

async fn send(
    out: &mpsc::Sender<Result<ServerMsg, SyncError>>,
    msg: ServerMsg,
) -> Result<(), SyncError> {
    out.send(Ok(msg))
        .await
        .map_err(|_| SyncError::Transport("client went away".into()))
}
