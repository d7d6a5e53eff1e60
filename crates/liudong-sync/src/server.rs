//! The serving half of a session (the upper node).

use crate::audit::SessionAudit;
use crate::peers::Backlog;
use crate::{Batch, ClientMsg, Node, RULE_CHILD_PUSH, ServerMsg, SessionStats, SyncError, Welcome};
use futures::{Stream, StreamExt};
use liudong_core::{Code, Link, NodeScope};
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
    /// SHA-256 fingerprint of the peer's verified certificate, for the audit trail.
    pub fingerprint: Option<String>,
}

impl PeerInfo {
    /// The child this peer is, from the code it claims in `field`: the claim
    /// must parse, match the code its certificate proves (when the transport
    /// verified one), and name a direct child of `node`.
    pub(crate) fn identify_child(
        &self,
        node: &Node,
        claimed: &str,
        field: &str,
    ) -> Result<(Code, NodeScope), SyncError> {
        let code =
            Code::parse(claimed).map_err(|e| SyncError::Protocol(format!("{field}: {e}")))?;
        if let Some(verified) = &self.verified_code
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
        Ok((code, child))
    }
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
    crate::peers::count_session(&node, "served", &result, started);
    audit
        .finish(&result.as_ref().map(|(_, s)| s.clone()).map_err(clone_err))
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
    let (code, child) = peer.identify_child(&node, &hello.node, "Hello.node")?;
    let link = Link::Child(code.clone());
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
    let result = exchange(
        &node, &hello, &code, &child, &link, inbound, out, cancel, audit,
    )
    .await;
    // The end of the session: its contact and the last backlog reported.
    node.note_peer(&link, |_| {}).await;
    crate::peers::record_session(&node, &link, &result).await;
    result.map(|stats| (code, stats))
}

/// The batches of a session whose peer is identified as `child`.
#[allow(clippy::too_many_arguments)]
async fn exchange<In>(
    node: &Arc<Node>,
    hello: &crate::Hello,
    code: &Code,
    child: &NodeScope,
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
        }),
    )
    .await?;

    let mut stats = SessionStats::default();
    let mut changed = node.subscribe();
    let mut cursor = hello.pull_cursor;
    let mut backlog = Backlog::count(node, link, cursor).await?;
    let mut in_flight: VecDeque<u64> = VecDeque::new();
    let mut idle = false; // drained; waiting for changes (live) or done (one-shot)
    let mut announced = false; // the client has been told we are drained
    let mut session_records = 0u64;
    loop {
        while !idle && in_flight.len() < cfg.window {
            changed.borrow_and_update();
            let page = node.read_outbox(link, cursor, max_batch).await?;
            let remaining = backlog.after(node, &page).await?;
            if !page.records.is_empty() || !announced {
                stats.sent += page.records.len() as u64;
                node.metrics()
                    .sent(code.as_str(), page.records.len() as u64);
                stats.batches += 1;
                in_flight.push_back(page.cursor);
                let records: Vec<bytes::Bytes> = page.records.into_iter().map(Into::into).collect();
                audit.disclosing(&records).await?;
                send(
                    out,
                    ServerMsg::Pull(Batch {
                        records,
                        cursor: page.cursor,
                        drained: page.drained,
                        remaining: Some(remaining),
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
                    let remaining = batch.remaining;
                    node.count_session(&mut session_records, batch.records.len())?;
                    let (outcome, subjects) = node.apply_remote(batch, link.clone(), child.clone(), RULE_CHILD_PUSH, Some(code.clone())).await?;
                    audit.received(subjects);
                    stats.received += outcome.new as u64;
                    stats.duplicates += outcome.duplicate as u64;
                    stats.batches += 1;
                    debug!(records = n, new = outcome.new, cursor = upto, "push batch applied");
                    send(out, ServerMsg::PushAck(upto)).await?;
                    if let Some(r) = remaining {
                        node.note_backlog(link, r);
                    }
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

/// A copy of an error for the audit trail (its text and whether it is a refusal).
pub(crate) fn clone_err(e: &SyncError) -> SyncError {
    match e {
        SyncError::NotChild { peer, server } => SyncError::NotChild {
            peer: peer.clone(),
            server: server.clone(),
        },
        SyncError::IdentityMismatch { claimed, certified } => SyncError::IdentityMismatch {
            claimed: claimed.clone(),
            certified: certified.clone(),
        },
        SyncError::NotEntitled { id, peer, rule } => SyncError::NotEntitled {
            id: id.clone(),
            peer: peer.clone(),
            rule,
        },
        SyncError::Revoked { peer, fingerprint } => SyncError::Revoked {
            peer: peer.clone(),
            fingerprint: fingerprint.clone(),
        },
        other => SyncError::Protocol(other.to_string()),
    }
}
