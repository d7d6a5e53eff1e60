//! A county's link to a JetStream exchange: the county's side of the
//! exchange tier when `[exchange] nats` names a cluster instead of an
//! exchange node.
//!
//! Three tasks of the node (tracked, stopped with it):
//!
//! - **connect**: dials the cluster with the county's identity, again with
//!   backoff until it succeeds (the client then reconnects by itself); a
//!   failure is recorded in the upstream link's status, so `liudong status`
//!   shows the exchange unavailable.
//! - **publish**: pages the county's outbox for its exchange (the sealed
//!   envelopes the sealer stored) from the link's durable `Out` cursor,
//!   publishes each envelope on `liudong.x.<destination>.<county>` with
//!   `<record id>@<destination>` as the message id, and advances the cursor
//!   only when every envelope of the page was acknowledged by the stream. A
//!   retryable failure (no quorum, servers down, a full queue) leaves the
//!   page in the outbox and is retried with backoff; a publish repeated
//!   after a lost acknowledgement or a crash is stored once (de-duplication
//!   window) or applied once at the destination (a record already held is a
//!   no-op).
//! - **consume**: the county's durable consumer hands it batches of
//!   envelopes; each batch goes through the node's one receive path
//!   ([`Node::receive`] on the upstream link: signature, open, validate,
//!   entitlement, one atomic durable apply) and is acknowledged only after
//!   that. A batch that fails for a reason that may pass (a signer's key not
//!   known yet, the store busy) is delivered again; one that is refused is
//!   taken apart and each refused envelope terminated and audited, so that
//!   one bad envelope cannot hold up the others. An envelope whose subject
//!   names another source than the county that signed it is refused (a
//!   county relays only what it sealed itself).
//!
//! The publish task also announces the county's delivery proofs
//! ([`crate::proofs`]) after each published page and every `proofs_every`.

use crate::client::{Exchange, ExchangeOptions, Outgoing};
use crate::consume::{ConsumeOptions, Delivery, Settle};
use crate::identity::Identity;
use bytes::Bytes;
use liudong_core::{Code, Link};
use liudong_store::CursorDir;

use liudong_sync::{
    Admission, Batch, LinkConfig, LinkHandle, LinkRequest, Node, SessionStats, SyncError, Via,
    backoff,
};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

/// The rule (a catalogue id) an envelope published under another county's
/// name breaks.
pub const RULE_OWN_ENVELOPES: &str = "sync-rule-own-envelopes";

/// How the link runs.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// Envelopes published per page of the outbox.
    pub publish_batch: usize,
    /// The consumer's batches.
    pub consume: ConsumeOptions,
    /// Backoff after a failure (`backoff_min`, `backoff_max` are used).
    pub pacing: LinkConfig,
    /// How often the county's delivery proofs are announced again even if
    /// unchanged (they are announced after every published page too).
    pub proofs_every: std::time::Duration,
}

/// A running link: the handle for `liudong sync --once` and the connection
/// (for the key directory).
pub struct ClusterLink {
    pub handle: LinkHandle,
    pub connection: watch::Receiver<Option<Arc<Exchange>>>,
}

/// Starts the link of `node` (a county whose exchange is the cluster named
/// by `opts`, connecting as `identity`).
pub fn start_link(
    node: Arc<Node>,
    identity: Identity,
    opts: ExchangeOptions,
    settings: LinkSettings,
) -> ClusterLink {
    let (ready_tx, ready) = watch::channel(None::<Arc<Exchange>>);
    let (handle, requests) = LinkHandle::channel();
    let cancel = node.cancel_token();
    let exchange = opts.exchange.clone();
    node.spawn(
        connect(
            node.clone(),
            identity,
            opts,
            settings.pacing.clone(),
            ready_tx,
            cancel.clone(),
        )
        .instrument(info_span!("exchange_connect", peer = %exchange)),
    );
    node.spawn(
        publish(
            node.clone(),
            ready.clone(),
            settings.clone(),
            requests,
            cancel.clone(),
        )
        .instrument(info_span!("exchange_publish", peer = %exchange)),
    );
    node.spawn(
        consume(node.clone(), ready.clone(), settings, cancel)
            .instrument(info_span!("exchange_consume", peer = %exchange)),
    );
    ClusterLink {
        handle,
        connection: ready,
    }
}

async fn connect(
    node: Arc<Node>,
    identity: Identity,
    opts: ExchangeOptions,
    pacing: LinkConfig,
    ready: watch::Sender<Option<Arc<Exchange>>>,
    cancel: CancellationToken,
) {
    let mut failures = 0;
    loop {
        let attempt = tokio::select! {
            _ = cancel.cancelled() => return,
            r = Exchange::connect(&identity, &opts) => r,
        };
        match attempt {
            Ok(x) => {
                info!(
                    servers = opts.servers.len(),
                    "connected to the exchange cluster"
                );
                let x = Arc::new(x);
                let _ = ready.send(Some(x));
                if let Some(keys) = node.keys() {
                    keys.want_keys();
                }
                return;
            }
            Err(e) => {
                failures += 1;
                warn!(error = %e, retryable = e.is_retryable(), "cannot reach the exchange cluster");
                let e = SyncError::from(e);
                node.record_session(&Link::Parent, Err(&e)).await;
                let wait = if e.is_retryable() {
                    backoff(&pacing, failures)
                } else {
                    pacing.backoff_max
                };
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

/// Waits for the connection (or the node's end).
async fn connected(
    ready: &mut watch::Receiver<Option<Arc<Exchange>>>,
    cancel: &CancellationToken,
) -> Option<Arc<Exchange>> {
    tokio::select! {
        _ = cancel.cancelled() => None,
        r = ready.wait_for(Option::is_some) => r.ok().and_then(|x| x.clone()),
    }
}

/// The outgoing message of one envelope of the outbox.
fn outgoing(bytes: Vec<u8>) -> Result<Outgoing, SyncError> {
    let header = liudong_exchange::peek_header(&bytes)?;
    Ok(Outgoing {
        id: message_id(&header.record.to_string(), &header.destination),
        dest: header.destination,
        payload: Bytes::from(bytes),
    })
}

/// The message id of a record's envelope for `dest`: a record crossing to
/// two counties is two messages, each stored once.
pub fn message_id(record: &str, dest: &Code) -> String {
    format!("{record}@{dest}")
}

/// Publishes one page of the outbox; the number published (0: drained).
async fn publish_page(node: &Arc<Node>, x: &Exchange, max: usize) -> Result<u64, SyncError> {
    let after = node.store().cursor(CursorDir::Out, &Link::Parent)?;
    let page = node.read_outbox(&Link::Parent, after, max).await?;
    if page.records.is_empty() {
        return Ok(0);
    }
    let msgs = page
        .records
        .into_iter()
        .map(outgoing)
        .collect::<Result<Vec<_>, _>>()?;
    let n = msgs.len() as u64;
    for r in x.publish_all(&msgs).await {
        r?;
    }
    // Every envelope of the page is on a quorum of the stream's replicas.
    let store = node.store().clone();
    let cursor = page.cursor;
    tokio::task::spawn_blocking(move || store.set_cursor(CursorDir::Out, &Link::Parent, cursor))
        .await
        .map_err(|e| SyncError::Transport(e.to_string()))??;
    Ok(n)
}

/// Publishes until the outbox is drained; what it sent.
async fn drain(node: &Arc<Node>, x: &Exchange, max: usize) -> Result<SessionStats, SyncError> {
    let mut stats = SessionStats::default();
    loop {
        let n = publish_page(node, x, max).await?;
        if n == 0 {
            return Ok(stats);
        }
        stats.sent += n;
        stats.batches += 1;
    }
}

async fn publish(
    node: Arc<Node>,
    mut ready: watch::Receiver<Option<Arc<Exchange>>>,
    settings: LinkSettings,
    mut requests: mpsc::Receiver<LinkRequest>,
    cancel: CancellationToken,
) {
    let max = settings.publish_batch.max(1);
    let mut changes = node.subscribe();
    let mut failures = 0u32;
    let mut proofs = std::collections::HashMap::new();
    let every = settings
        .proofs_every
        .max(std::time::Duration::from_millis(100));
    let mut proofs_due = tokio::time::Instant::now();
    loop {
        // Until connected, an operator's request is answered at once.
        let x = tokio::select! {
            x = connected(&mut ready, &cancel) => match x { Some(x) => x, None => return },
            Some(reply) = requests.recv() => {
                let _ = reply.send(Err(SyncError::from(crate::ExchangeError::not_connected()).to_string()));
                continue;
            }
        };
        changes.borrow_and_update();
        let r = drain(&node, &x, max).await;
        let wait = match &r {
            Ok(stats) => {
                failures = 0;
                if stats.sent > 0 {
                    info!(sent = stats.sent, "published to the exchange");
                    node.record_session(&Link::Parent, Ok(stats)).await;
                }
                let all = tokio::time::Instant::now() >= proofs_due;
                if all {
                    proofs_due = tokio::time::Instant::now() + every;
                }
                if stats.sent > 0 || all {
                    match crate::proofs::announce(&node, &x, &mut proofs, all).await {
                        Ok(n) if n > 0 => info!(proofs = n, "delivery proofs announced"),
                        Ok(_) => {}
                        Err(e) => {
                            warn!(error = %e, "announcing delivery proofs failed; announced again later");
                            proofs.clear();
                        }
                    }
                }
                None
            }
            Err(e) => {
                failures += 1;
                warn!(error = %e, retryable = e.is_retryable(), "publishing to the exchange failed; the records wait in the outbox");
                node.record_session(&Link::Parent, Err(e)).await;
                Some(if e.is_retryable() {
                    backoff(&settings.pacing, failures)
                } else {
                    settings.pacing.backoff_max
                })
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = changes.changed(), if wait.is_none() => if r.is_err() { return },
            _ = tokio::time::sleep_until(proofs_due), if wait.is_none() => {}
            _ = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {}
            Some(reply) = requests.recv() => {
                let r = drain(&node, &x, max).await;
                node.record_session(&Link::Parent, r.as_ref()).await;
                if r.is_ok() {
                    failures = 0;
                    if let Err(e) = crate::proofs::announce(&node, &x, &mut proofs, false).await {
                        warn!(error = %e, "announcing delivery proofs failed; announced again later");
                        proofs.clear();
                    }
                }
                let _ = reply.send(r.map_err(|e| e.to_string()));
            }
        }
    }
}

async fn consume(
    node: Arc<Node>,
    mut ready: watch::Receiver<Option<Arc<Exchange>>>,
    settings: LinkSettings,
    cancel: CancellationToken,
) {
    let Some(x) = connected(&mut ready, &cancel).await else {
        return;
    };
    let handler = |batch: Vec<Delivery>| {
        let node = node.clone();
        async move { settle(&node, batch).await }
    };
    match x
        .consume_settled(&settings.consume, cancel.clone(), handler)
        .await
    {
        Ok(stats) => info!(
            delivered = stats.delivered,
            acked = stats.acked,
            terminated = stats.terminated,
            "exchange consumer stopped"
        ),
        Err(e) => {
            warn!(error = %e, "the exchange cluster refused this county's consumer");
            node.record_session(&Link::Parent, Err(&SyncError::from(e)))
                .await;
        }
    }
}

/// Applies a batch of deliveries (see the module docs): `Err` has the whole
/// batch delivered again.
async fn settle(node: &Arc<Node>, batch: Vec<Delivery>) -> Result<Vec<Settle>, SyncError> {
    let n = batch.len();
    match receive(node, &batch).await {
        Ok(stats) => {
            node.record_session(&Link::Parent, Ok(&stats)).await;
            return Ok(vec![Settle::Ack; n]);
        }
        Err(e) if e.is_retryable() => return Err(e),
        Err(_) if n > 1 => {}
        Err(e) => {
            refused(node, &batch[0], &e).await;
            return Ok(vec![Settle::Term]);
        }
    }
    // A refusal: each delivery on its own, so that only the refused ones
    // are terminated.
    let mut out = Vec::with_capacity(n);
    for d in &batch {
        match receive(node, std::slice::from_ref(d)).await {
            Ok(stats) => {
                node.record_session(&Link::Parent, Ok(&stats)).await;
                out.push(Settle::Ack);
            }
            Err(e) if e.is_retryable() => return Err(e),
            Err(e) => {
                refused(node, d, &e).await;
                out.push(Settle::Term);
            }
        }
    }
    Ok(out)
}

/// Audits and records a refused delivery.
async fn refused(node: &Arc<Node>, d: &Delivery, e: &SyncError) {
    warn!(id = %d.id, source = %d.source, error = %e, "envelope from the exchange refused; terminated");
    let store = node.store().clone();
    let event = liudong_sync::audit::refusal(&d.source.to_string(), None, None, e);
    let _ = tokio::task::spawn_blocking(move || store.audit_append(event)).await;
    node.record_session(&Link::Parent, Err(e)).await;
}

/// Receives deliveries through the node's one receive path.
async fn receive(node: &Arc<Node>, batch: &[Delivery]) -> Result<SessionStats, SyncError> {
    for d in batch {
        let header = liudong_exchange::peek_header(&d.payload)?;
        if header.source != d.source {
            return Err(SyncError::NotEntitled {
                id: header.record,
                peer: d.source.to_string(),
                rule: RULE_OWN_ENVELOPES,
            });
        }
    }
    let records = batch.iter().map(|d| d.payload.clone()).collect();
    let r = node
        .receive(Admission {
            link: Link::Parent,
            batch: Batch {
                records,
                ..Batch::default()
            },
            cursor: None,
            via: Via::Exchange,
        })
        .await?;
    Ok(SessionStats {
        received: r.outcome.new as u64,
        duplicates: r.outcome.duplicate as u64,
        batches: 1,
        ..SessionStats::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_of_relayed_envelopes_is_in_the_catalogue() {
        use liudong_i18n::{Lang, ids};
        for lang in [Lang::Zh, Lang::En] {
            assert!(
                ids(lang).iter().any(|i| i == RULE_OWN_ENVELOPES),
                "{lang:?}"
            );
        }
        assert_eq!(
            message_id("410602100001-7", &Code::parse("440306").unwrap()),
            "410602100001-7@440306"
        );
    }
}
