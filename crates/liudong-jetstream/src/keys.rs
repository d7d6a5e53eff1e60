//! The key directory on the cluster: how counties that exchange through
//! JetStream learn each other's sealing keys.
//!
//! Each county announces its keys (current and retired) on
//! `liudong.k.<county>.<key id>` in the `LIUDONG_KEYS` stream, which keeps
//! the latest copy of each subject; every county reads the stream from the
//! position it last saw with direct gets. It is the same exchange of
//! announcements a county has with a gRPC exchange node
//! ([`liudong_sync::keys::KeysPeer`]), with the cluster in the exchange
//! node's place: announcements are public (keys and the certificates that
//! bind them to counties) and each county checks every one before it seals
//! to it or accepts envelopes signed with it
//! ([`liudong_exchange::KeyRing::accept`]). The servers let a county
//! announce only on its own subjects.

use crate::client::Exchange;
use crate::error::ExchangeError;
use crate::names;
use async_nats::jetstream::stream::DirectGetErrorKind;
use futures::FutureExt;
use futures::future::BoxFuture;
use liudong_core::Code;
use liudong_exchange::EXCHANGE_VERSION;
use liudong_exchange::announce::Announcement;
use liudong_sync::SyncError;
use liudong_sync::keys::{KeysAnswer, KeysPeer, KeysRequest, MAX_ANNOUNCEMENTS};
use std::sync::Arc;
use tokio::sync::watch;

/// A county's key directory calls, answered by the cluster.
pub struct ClusterKeys {
    /// The connection (set once the link has connected).
    exchange: watch::Receiver<Option<Arc<Exchange>>>,
    /// The exchange the cluster stands for (answers name it).
    upstream: Code,
}

impl ClusterKeys {
    pub fn new(exchange: watch::Receiver<Option<Arc<Exchange>>>, upstream: Code) -> ClusterKeys {
        ClusterKeys { exchange, upstream }
    }
}

impl KeysPeer for ClusterKeys {
    fn call(&self, req: KeysRequest) -> BoxFuture<'static, Result<KeysAnswer, SyncError>> {
        let connected = self.exchange.borrow().clone();
        let upstream = self.upstream.clone();
        async move {
            let Some(x) = connected else {
                return Err(ExchangeError::not_connected().into());
            };
            for bytes in &req.publish {
                announce(&x, bytes).await?;
            }
            let (announcements, next) = read_after(&x, req.after).await?;
            Ok(KeysAnswer {
                version: EXCHANGE_VERSION,
                node: upstream.to_string(),
                announcements,
                next,
            })
        }
        .boxed()
    }
}

/// Publishes one of this county's announcements, unless the stream already
/// holds the same bytes on its subject.
async fn announce(x: &Exchange, bytes: &[u8]) -> Result<(), ExchangeError> {
    let a = Announcement::decode(bytes).map_err(|e| ExchangeError::Rejected {
        reason: e.to_string(),
    })?;
    let subject = names::key_subject(&a.county, &a.key_id);
    let stream = keys_stream(x).await?;
    match stream.direct_get_last_for_subject(subject.clone()).await {
        Ok(m) if m.payload.as_ref() == bytes => return Ok(()),
        Ok(_) => {}
        Err(e) if matches!(e.kind(), DirectGetErrorKind::NotFound) => {}
        Err(e) => return Err(direct_get_error(x, e)),
    }
    let ack =
        x.js.publish_with_headers(subject.clone(), headers(&a), bytes.to_vec().into())
            .await
            .map_err(|e| publish_error(x, &subject, e.to_string()))?;
    ack.await
        .map_err(|e| publish_error(x, &subject, e.to_string()))?;
    Ok(())
}

fn headers(a: &Announcement) -> async_nats::HeaderMap {
    let mut h = async_nats::HeaderMap::new();
    h.insert(
        async_nats::header::NATS_MESSAGE_ID,
        format!("{}.{}", a.county, a.key_id).as_str(),
    );
    h
}

fn publish_error(x: &Exchange, subject: &str, reason: String) -> ExchangeError {
    if x.was_refused(subject) {
        ExchangeError::PermissionDenied {
            subject: subject.to_string(),
        }
    } else {
        crate::client::classify_api_error(&reason, subject)
    }
}

fn direct_get_error(
    x: &Exchange,
    e: async_nats::jetstream::stream::DirectGetError,
) -> ExchangeError {
    let subject = format!("$JS.API.DIRECT.GET.{}", names::KEYS_STREAM);
    if x.was_refused(&subject) {
        return ExchangeError::PermissionDenied { subject };
    }
    crate::client::classify_api_error(&e.to_string(), names::KEYS_STREAM)
}

async fn keys_stream(
    x: &Exchange,
) -> Result<async_nats::jetstream::stream::Stream<()>, ExchangeError> {
    x.js.get_stream_no_info(names::KEYS_STREAM)
        .await
        .map_err(|e| crate::client::classify_api_error(&e.to_string(), names::KEYS_STREAM))
}

/// The announcements held after stream position `after` (at most
/// [`MAX_ANNOUNCEMENTS`]) and the position to read from next.
async fn read_after(x: &Exchange, after: u64) -> Result<(Vec<Vec<u8>>, u64), ExchangeError> {
    let stream = keys_stream(x).await?;
    let mut out = Vec::new();
    let mut next = after;
    while out.len() < MAX_ANNOUNCEMENTS {
        match stream
            .direct_get_next_for_subject(names::key_subjects(), Some(next + 1))
            .await
        {
            Ok(m) => {
                next = m.sequence;
                out.push(m.payload.to_vec());
            }
            Err(e) if matches!(e.kind(), DirectGetErrorKind::NotFound) => break,
            Err(e) => return Err(direct_get_error(x, e)),
        }
    }
    Ok((out, next))
}
