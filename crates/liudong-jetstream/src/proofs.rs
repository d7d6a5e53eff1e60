//! Delivery proofs on the cluster: how `liudong verify` works for a county
//! whose exchange is JetStream ([`liudong_sync::proofs`]).
//!
//! Each county announces, per destination, a signed proof
//! ([`liudong_exchange::Proof`]) of the envelopes it has published to it and
//! had acknowledged by the stream, on `liudong.f.<county>.<destination>` in
//! the `LIUDONG_PROOFS` stream (latest copy of each subject kept, 3
//! replicas, direct get). It announces after each published page (only when
//! the outbox is drained, so that a proof never counts an envelope not yet
//! acknowledged) and again every `proofs_every` (so that a new cluster,
//! after a total loss, has them again). The servers let a county announce
//! only as the source and read only the proofs addressed to it; the
//! destination checks the signature with the source's announced key.

use crate::client::Exchange;
use crate::error::ExchangeError;
use crate::names;
use async_nats::jetstream::stream::DirectGetErrorKind;
use futures::FutureExt;
use futures::future::BoxFuture;
use liudong_core::{Code, Link};
use liudong_exchange::Proof;
use liudong_exchange::proof::{MAX_LISTED, MAX_LISTED_PER_MONTH};
use liudong_store::fingerprint::{Bucket, Hash};
use liudong_store::{CursorDir, Store};
use liudong_sync::proofs::{ExchangeProofs, Found, routes};
use liudong_sync::{Node, SyncError};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::watch;

/// This county's proof for each destination, if its outbox for the
/// exchange is drained (else `None`: announced after the next page).
fn own_proofs(store: &Store, own: &Code) -> Result<Option<BTreeMap<Code, Proof>>, SyncError> {
    let mut out = BTreeMap::new();
    for (dest, months) in routes(store, own, true)? {
        let mut listed = 0u64;
        let mut entries = Vec::new();
        // The newest months are listed first while there is room.
        for (&m, &d) in months.iter().rev() {
            let members = if d.count <= MAX_LISTED_PER_MONTH && listed + d.count <= MAX_LISTED {
                listed += d.count;
                let b = Bucket::of_route(m, own.as_str(), dest.as_str());
                let ms: Vec<(String, Hash)> = store
                    .bucket_members(&Link::Parent, &b)?
                    .into_iter()
                    .map(|(id, h)| (id.to_string(), h))
                    .collect();
                Some(ms)
            } else {
                None
            };
            entries.push((m, d, members));
        }
        entries.reverse();
        out.insert(dest.clone(), Proof::new(own, &dest, entries));
    }
    // Every envelope counted above was sealed before this check: if the
    // outbox holds nothing after the cursor, each is acknowledged.
    let cursor = store.cursor(CursorDir::Out, &Link::Parent)?;
    if store.pending(&Link::Parent, cursor)? > 0 {
        return Ok(None);
    }
    Ok(Some(out))
}

/// Announces this county's proofs that changed since `last` (all of them
/// with `all`); how many were published.
pub(crate) async fn announce(
    node: &Arc<Node>,
    x: &Exchange,
    last: &mut HashMap<Code, Vec<u8>>,
    all: bool,
) -> Result<usize, SyncError> {
    let Some(own_key) = node.keys().and_then(|k| k.current()) else {
        return Ok(0);
    };
    let store = node.store().clone();
    let own = node.scope().code.clone();
    let me = own.clone();
    let proofs = tokio::task::spawn_blocking(move || own_proofs(&store, &me))
        .await
        .map_err(|e| SyncError::Transport(e.to_string()))??;
    let Some(proofs) = proofs else {
        return Ok(0);
    };
    let mut n = 0;
    for (dest, proof) in proofs {
        let bytes = proof.seal(&own_key);
        if !all && last.get(&dest) == Some(&bytes) {
            continue;
        }
        publish(x, &own, &dest, &bytes).await?;
        last.insert(dest, bytes);
        n += 1;
    }
    Ok(n)
}

/// Publishes one proof on `source`'s subject for `dest` (message id: the
/// member hash of its bytes, hex). The stream keeps the latest per subject.
pub async fn publish(
    x: &Exchange,
    source: &Code,
    dest: &Code,
    bytes: &[u8],
) -> Result<(), ExchangeError> {
    let subject = names::proof_subject(source, dest);
    let mut h = async_nats::HeaderMap::new();
    let id = liudong_core::hex::encode(&liudong_store::fingerprint::hash(bytes));
    h.insert(async_nats::header::NATS_MESSAGE_ID, id.as_str());
    let refused = |reason: String| {
        if x.was_refused(&subject) {
            ExchangeError::PermissionDenied {
                subject: subject.clone(),
            }
        } else {
            crate::client::classify_api_error(&reason, &subject)
        }
    };
    let ack =
        x.js.publish_with_headers(subject.clone(), h, bytes.to_vec().into())
            .await
            .map_err(|e| refused(e.to_string()))?;
    ack.await.map_err(|e| refused(e.to_string()))?;
    Ok(())
}

/// The latest proof of `source` for `own`, if any.
pub async fn read(
    x: &Exchange,
    source: &Code,
    own: &Code,
) -> Result<Option<Vec<u8>>, ExchangeError> {
    let stream =
        x.js.get_stream_no_info(names::PROOFS_STREAM)
            .await
            .map_err(|e| crate::client::classify_api_error(&e.to_string(), names::PROOFS_STREAM))?;
    let subject = names::proof_subject(source, own);
    match stream.direct_get_last_for_subject(subject.clone()).await {
        Ok(m) => Ok(Some(m.payload.to_vec())),
        Err(e) if matches!(e.kind(), DirectGetErrorKind::NotFound) => Ok(None),
        Err(e) => {
            let api = format!("$JS.API.DIRECT.GET.{}.{subject}", names::PROOFS_STREAM);
            if x.was_refused(&api) {
                Err(ExchangeError::PermissionDenied { subject: api })
            } else {
                Err(crate::client::classify_api_error(
                    &e.to_string(),
                    names::PROOFS_STREAM,
                ))
            }
        }
    }
}

/// Messages addressed to `own` still in its consumer: waiting, or
/// delivered and not yet acknowledged.
pub async fn in_flight(x: &Exchange, own: &Code) -> Result<u64, ExchangeError> {
    let name = names::consumer_name(own);
    let mut c =
        x.js.get_consumer_from_stream::<async_nats::jetstream::consumer::pull::Config, _, _>(
            name, &x.stream,
        )
        .await
        .map_err(|e| crate::client::classify_api_error(&e.to_string(), &x.stream))?;
    let info = c
        .info()
        .await
        .map_err(|e| crate::client::classify_api_error(&e.to_string(), &x.stream))?;
    Ok(info.num_pending + info.num_ack_pending as u64)
}

/// A county's proofs and queue, read from the cluster (for
/// [`liudong_sync::verify::Verifier::with_proofs`]).
pub struct ClusterProofs {
    exchange: watch::Receiver<Option<Arc<Exchange>>>,
}

impl ClusterProofs {
    pub fn new(exchange: watch::Receiver<Option<Arc<Exchange>>>) -> ClusterProofs {
        ClusterProofs { exchange }
    }

    fn connected(&self) -> Result<Arc<Exchange>, SyncError> {
        self.exchange
            .borrow()
            .clone()
            .ok_or_else(|| ExchangeError::not_connected().into())
    }
}

impl ExchangeProofs for ClusterProofs {
    fn proofs(
        &self,
        own: Code,
        sources: Vec<Code>,
    ) -> BoxFuture<'static, Result<Found, SyncError>> {
        let x = self.connected();
        async move {
            let x = x?;
            let mut out = Vec::new();
            for s in sources {
                if let Some(b) = read(&x, &s, &own).await? {
                    out.push((s, b));
                }
            }
            Ok(out)
        }
        .boxed()
    }

    fn in_flight(&self, own: Code) -> BoxFuture<'static, Result<u64, SyncError>> {
        let x = self.connected();
        async move { Ok(in_flight(&*x?, &own).await?) }.boxed()
    }
}
