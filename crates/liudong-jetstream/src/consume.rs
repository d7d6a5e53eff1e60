//! A participant's durable pull consumer: deliveries to its own subject,
//! handed to an async handler in bounded batches, acknowledged only after
//! the handler returns `Ok` (for a county: after the records are applied
//! durably). A batch whose handler fails is negatively acknowledged and
//! delivered again after `retry_delay`; a message the handler never answers
//! for (a crash) is delivered again after the stream's `ack_wait`. The
//! handler must therefore be idempotent — the county's receive path is: a
//! record already held is a no-op.

use crate::client::Exchange;
use crate::error::ExchangeError;
use crate::names;
use async_nats::jetstream::{AckKind, consumer};
use bytes::Bytes;
use futures::StreamExt;
use liudong_core::Code;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One message delivered to this participant.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The record id (the message id it was published with).
    pub id: String,
    pub source: Code,
    pub dest: Code,
    pub payload: Bytes,
    /// The stream sequence number.
    pub sequence: u64,
    /// How many times it has been delivered, this time included.
    pub delivered: u64,
}

/// How deliveries are pulled.
#[derive(Debug, Clone)]
pub struct ConsumeOptions {
    /// Most messages handed to the handler at once, and most pulled ahead
    /// of it (the bound on messages in flight).
    pub batch: usize,
    /// Lifetime of one pull request.
    pub expires: Duration,
    /// Delay before a batch the handler refused is delivered again, and
    /// between attempts to reach the consumer while the cluster is down.
    pub retry_delay: Duration,
}

impl Default for ConsumeOptions {
    fn default() -> ConsumeOptions {
        ConsumeOptions {
            batch: 256,
            expires: Duration::from_secs(5),
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// How the handler settles one delivery of a batch it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Applied (or already held): acknowledge, the stream removes it.
    Ack,
    /// Refused for good (tampered, forged, not addressed here): terminate,
    /// it is never delivered again. The handler audits why.
    Term,
}

/// What a consumer run did (until it was stopped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumeStats {
    /// Messages handed to the handler (redeliveries included).
    pub delivered: u64,
    /// Of those, messages delivered before (`delivered > 1`).
    pub redelivered: u64,
    /// Messages acknowledged after the handler returned `Ok`.
    pub acked: u64,
    /// Messages negatively acknowledged after the handler failed.
    pub nacked: u64,
    /// Messages without a valid id or subject, terminated (never delivered
    /// again) and not handed to the handler.
    pub malformed: u64,
    /// Messages the handler refused for good, terminated.
    pub terminated: u64,
    /// Handler calls.
    pub batches: u64,
}

impl Exchange {
    /// Consumes this participant's deliveries until `shutdown`, calling
    /// `handler` with each batch. Returns an error only for what retrying
    /// cannot fix (permission refused); everything else — servers down, no
    /// quorum, a lost connection — is logged and retried every
    /// `retry_delay`.
    pub async fn consume<F, Fut, E>(
        &self,
        opts: &ConsumeOptions,
        shutdown: CancellationToken,
        mut handler: F,
    ) -> Result<ConsumeStats, ExchangeError>
    where
        F: FnMut(Vec<Delivery>) -> Fut,
        Fut: std::future::Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        self.consume_settled(opts, shutdown, |batch| {
            let n = batch.len();
            let fut = handler(batch);
            async move { fut.await.map(|()| vec![Settle::Ack; n]) }
        })
        .await
    }

    /// [`Exchange::consume`] with a handler that settles each delivery of
    /// a batch on its own: `Ok` with one [`Settle`] per delivery (in order),
    /// or `Err` to have the whole batch delivered again.
    pub async fn consume_settled<F, Fut, E>(
        &self,
        opts: &ConsumeOptions,
        shutdown: CancellationToken,
        mut handler: F,
    ) -> Result<ConsumeStats, ExchangeError>
    where
        F: FnMut(Vec<Delivery>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Settle>, E>>,
        E: std::fmt::Display,
    {
        let mut stats = ConsumeStats::default();
        let name = names::consumer_name(self.code());
        let batch = opts.batch.max(1);
        loop {
            if shutdown.is_cancelled() {
                return Ok(stats);
            }
            let stream = match self.pull_stream(&name, opts, batch).await {
                Ok(s) => s,
                Err(e) if e.is_retryable() => {
                    tracing::warn!(participant = %self.code(), error = %e, "exchange consumer unavailable; retrying");
                    if wait(&shutdown, opts.retry_delay).await {
                        return Ok(stats);
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut chunks = stream.ready_chunks(batch);
            loop {
                let chunk = tokio::select! {
                    _ = shutdown.cancelled() => return Ok(stats),
                    c = chunks.next() => c,
                };
                let Some(chunk) = chunk else { break };
                let mut messages = Vec::with_capacity(chunk.len());
                let mut failed = None;
                for item in chunk {
                    match item {
                        Ok(m) => messages.push(m),
                        Err(e) => failed = Some(e),
                    }
                }
                if !messages.is_empty() {
                    self.handle(messages, opts, &mut handler, &mut stats).await;
                }
                if let Some(e) = failed {
                    tracing::warn!(participant = %self.code(), error = %e, "exchange pull interrupted; pulling again");
                    break;
                }
            }
            if wait(&shutdown, opts.retry_delay).await {
                return Ok(stats);
            }
        }
    }

    async fn pull_stream(
        &self,
        name: &str,
        opts: &ConsumeOptions,
        batch: usize,
    ) -> Result<consumer::pull::Stream, ExchangeError> {
        let info_subject = format!("$JS.API.CONSUMER.INFO.{}.{name}", self.stream);
        let consumer = self
            .js
            .get_consumer_from_stream::<consumer::pull::Config, _, _>(name, &self.stream)
            .await
            .map_err(|e| {
                if self.violations.names(&info_subject) {
                    ExchangeError::PermissionDenied {
                        subject: info_subject.clone(),
                    }
                } else {
                    ExchangeError::Unavailable {
                        reason: e.to_string(),
                    }
                }
            })?;
        consumer
            .stream()
            .max_messages_per_batch(batch)
            .expires(opts.expires)
            .heartbeat(opts.expires / 4)
            .messages()
            .await
            .map_err(|e| ExchangeError::Unavailable {
                reason: e.to_string(),
            })
    }

    /// Hands one batch to the handler and acknowledges it (or not).
    async fn handle<F, Fut, E>(
        &self,
        messages: Vec<async_nats::jetstream::Message>,
        opts: &ConsumeOptions,
        handler: &mut F,
        stats: &mut ConsumeStats,
    ) where
        F: FnMut(Vec<Delivery>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Settle>, E>>,
        E: std::fmt::Display,
    {
        let mut good = Vec::with_capacity(messages.len());
        let mut deliveries = Vec::with_capacity(messages.len());
        for m in messages {
            match delivery(&m) {
                Some(d) => {
                    deliveries.push(d);
                    good.push(m);
                }
                None => {
                    stats.malformed += 1;
                    tracing::warn!(participant = %self.code(), subject = %m.subject, "malformed exchange message terminated");
                    let _ = m.ack_with(AckKind::Term).await;
                }
            }
        }
        if deliveries.is_empty() {
            return;
        }
        stats.batches += 1;
        stats.delivered += deliveries.len() as u64;
        stats.redelivered += deliveries.iter().filter(|d| d.delivered > 1).count() as u64;
        let n = deliveries.len();
        match handler(deliveries).await {
            Ok(settled) => {
                // Acknowledgements go out in order on one connection; the
                // last one waits for the server's confirmation, so the
                // batch is settled before the next one is handled. A
                // delivery the handler did not settle is acknowledged
                // (the handler answered for the batch).
                let last = good.len() - 1;
                for (i, m) in good.iter().enumerate() {
                    let verdict = settled.get(i).copied().unwrap_or(Settle::Ack);
                    let r = match verdict {
                        Settle::Term => {
                            stats.terminated += 1;
                            m.ack_with(AckKind::Term).await
                        }
                        Settle::Ack if i == last => {
                            stats.acked += 1;
                            m.double_ack().await
                        }
                        Settle::Ack => {
                            stats.acked += 1;
                            m.ack().await
                        }
                    };
                    if let Err(e) = r {
                        tracing::warn!(participant = %self.code(), error = %e, "acknowledgement not confirmed; the message may be delivered again");
                    }
                }
            }
            Err(e) => {
                tracing::warn!(participant = %self.code(), error = %e, records = n, "delivery not applied; it will be delivered again");
                for m in &good {
                    let _ = m.ack_with(AckKind::Nak(Some(opts.retry_delay))).await;
                }
                stats.nacked += n as u64;
            }
        }
    }
}

/// The delivery a message carries, if it is well-formed: an id, and a
/// subject naming two valid codes.
fn delivery(m: &async_nats::jetstream::Message) -> Option<Delivery> {
    let id = m
        .headers
        .as_ref()?
        .get(async_nats::header::NATS_MESSAGE_ID)?
        .as_str()
        .to_string();
    let (source, dest) = names::parse_subject(m.subject.as_str())?;
    let info = m.info().ok()?;
    Some(Delivery {
        id,
        source,
        dest,
        payload: m.payload.clone(),
        sequence: info.stream_sequence,
        delivered: info.delivered.max(1) as u64,
    })
}

/// Sleeps `d` unless `shutdown` comes first; true if it did.
async fn wait(shutdown: &CancellationToken, d: Duration) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => true,
        _ = tokio::time::sleep(d) => false,
    }
}
