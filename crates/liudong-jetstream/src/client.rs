//! A participant's connection to the exchange cluster, and publishing.
//!
//! One connection per participant (async-nats multiplexes every publish,
//! pull request and acknowledgement over it, and reconnects to another
//! server of the cluster by itself). It authenticates with the participant's
//! nkey, presents the node's TLS certificate, checks the servers'
//! certificates against the node's trusted CAs and CRLs (they must name the
//! exchange's code), and uses the participant's own inbox prefix.
//!
//! A publish succeeds only once the stream has stored the message on a
//! quorum of its replicas (the JetStream publish acknowledgement); the
//! record id is the message id, so a publish repeated after a lost
//! acknowledgement is dropped by the stream's de-duplication window rather
//! than stored twice.

use crate::error::ExchangeError;
use crate::identity::Identity;
use crate::names;
use async_nats::jetstream::{self, context::PublishErrorKind};
use bytes::Bytes;
use liudong_core::Code;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Header naming the source participant.
pub const HEADER_SOURCE: &str = "Liudong-Source";
/// Header naming the destination participant.
pub const HEADER_DEST: &str = "Liudong-Dest";
/// Header giving the payload's size in bytes.
pub const HEADER_SIZE: &str = "Liudong-Size";

/// How to reach the cluster.
#[derive(Debug, Clone)]
pub struct ExchangeOptions {
    /// Server URLs, `tls://host:port` (any subset of the cluster will do;
    /// the client learns the others).
    pub servers: Vec<String>,
    /// The exchange's code: the servers' certificates must name it.
    pub exchange: Code,
    /// The stream's name.
    pub stream: String,
    /// Time allowed to connect (TCP, TLS and authentication).
    pub connect_timeout: Duration,
    /// Time allowed for a publish acknowledgement or an API answer.
    pub request_timeout: Duration,
}

impl ExchangeOptions {
    /// Defaults for `servers` of exchange `exchange`: the default stream,
    /// 5 s to connect, 5 s for an acknowledgement.
    pub fn new(servers: Vec<String>, exchange: Code) -> ExchangeOptions {
        ExchangeOptions {
            servers,
            exchange,
            stream: names::DEFAULT_STREAM.to_string(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// A payload to publish: its message id (a county uses `<record id>@<destination>`,
/// [`crate::link::message_id`]), where it goes, the opaque bytes.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub dest: Code,
    pub payload: Bytes,
}

/// A stored publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// The stream sequence number.
    pub sequence: u64,
    /// True if the stream already held this message id (not stored again).
    pub duplicate: bool,
}

/// Permission violations the server reported on this connection (the last
/// few), for the operation waiting on the subject concerned.
#[derive(Default)]
pub(crate) struct Violations {
    seen: Mutex<VecDeque<String>>,
    notify: Notify,
}

impl Violations {
    const KEEP: usize = 64;

    fn record(&self, message: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() == Self::KEEP {
            seen.pop_front();
        }
        seen.push_back(message.to_string());
        drop(seen);
        self.notify.notify_waiters();
    }

    /// True if a violation naming `subject` was reported.
    pub(crate) fn names(&self, subject: &str) -> bool {
        let quoted = format!("\"{subject}\"");
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|m| m.contains(&quoted))
    }

    /// Waits until a violation naming `subject` is reported.
    pub(crate) async fn wait_for(&self, subject: &str) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.names(subject) {
                return;
            }
            notified.await;
        }
    }
}

/// A participant's connection to the exchange cluster.
#[derive(Clone)]
pub struct Exchange {
    pub(crate) client: async_nats::Client,
    pub(crate) js: jetstream::Context,
    code: Code,
    pub(crate) stream: String,
    pub(crate) violations: Arc<Violations>,
    pub(crate) request_timeout: Duration,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("code", &self.code)
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl Exchange {
    /// Connects as participant `identity`.
    pub async fn connect(
        identity: &Identity,
        opts: &ExchangeOptions,
    ) -> Result<Exchange, ExchangeError> {
        let inbox = names::inbox_prefix(&identity.code);
        Exchange::connect_as(identity, &inbox, opts).await
    }

    /// Connects as the exchange operator (the administrative user of the
    /// generated configuration; `identity` carries its seed and the exchange
    /// node's TLS identity). Only for setting the stream up.
    pub async fn connect_admin(
        identity: &Identity,
        opts: &ExchangeOptions,
    ) -> Result<Exchange, ExchangeError> {
        Exchange::connect_as(identity, names::ADMIN_INBOX, opts).await
    }

    async fn connect_as(
        identity: &Identity,
        inbox: &str,
        opts: &ExchangeOptions,
    ) -> Result<Exchange, ExchangeError> {
        let tls = identity
            .tls
            .peer_client_config(&opts.exchange)
            .map_err(|e| ExchangeError::Tls(e.to_string()))?;
        let violations = Arc::new(Violations::default());
        let seen = violations.clone();
        let code = identity.code.clone();
        let options = async_nats::ConnectOptions::new()
            .nkey(identity.seed().to_string())
            .require_tls(true)
            .tls_client_config(tls)
            .custom_inbox_prefix(inbox)
            .name(format!("liudong-{code}"))
            .connection_timeout(opts.connect_timeout)
            .request_timeout(Some(opts.request_timeout))
            .event_callback(move |event| {
                let seen = seen.clone();
                let code = code.clone();
                async move {
                    match event {
                        async_nats::Event::ServerError(async_nats::ServerError::Other(m)) => {
                            if m.to_ascii_lowercase().contains("permissions violation") {
                                tracing::warn!(participant = %code, error = %m, "exchange refused an operation");
                                seen.record(&m);
                            } else {
                                tracing::warn!(participant = %code, error = %m, "exchange server error");
                            }
                        }
                        async_nats::Event::Disconnected => {
                            tracing::info!(participant = %code, "disconnected from the exchange cluster")
                        }
                        async_nats::Event::Connected => {
                            tracing::info!(participant = %code, "connected to the exchange cluster")
                        }
                        other => tracing::debug!(participant = %code, event = %other, "exchange event"),
                    }
                }
            });
        let client = options
            .connect(opts.servers.as_slice())
            .await
            .map_err(|e| connect_error(&opts.servers, e))?;
        let js = jetstream::context::ContextBuilder::new()
            .timeout(opts.request_timeout)
            .build(client.clone());
        Ok(Exchange {
            client,
            js,
            code: identity.code.clone(),
            stream: opts.stream.clone(),
            violations,
            request_timeout: opts.request_timeout,
        })
    }

    /// This participant's code.
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// The underlying client (tests and diagnostics: what the server lets
    /// this identity do beyond the transport's own operations).
    pub fn nats(&self) -> &async_nats::Client {
        &self.client
    }

    /// True if the server reported a permission violation naming `subject`
    /// on this connection.
    pub fn was_refused(&self, subject: &str) -> bool {
        self.violations.names(subject)
    }

    /// Publishes one payload and waits for the stream to store it.
    pub async fn publish(&self, msg: &Outgoing) -> Result<Published, ExchangeError> {
        self.publish_all(std::slice::from_ref(msg))
            .await
            .pop()
            .expect("one result per message")
    }

    /// Publishes `msgs` pipelined (all sent, then every acknowledgement
    /// awaited); one result per message, in order. A caller moving an
    /// outbox cursor moves it past the longest prefix of successes.
    pub async fn publish_all(&self, msgs: &[Outgoing]) -> Vec<Result<Published, ExchangeError>> {
        let mut pending = Vec::with_capacity(msgs.len());
        for m in msgs {
            let subject = names::subject(&m.dest, &self.code);
            let publish = jetstream::message::PublishMessage::build()
                .payload(m.payload.clone())
                .message_id(&m.id)
                .header(HEADER_SOURCE, self.code.to_string().as_str())
                .header(HEADER_DEST, m.dest.to_string().as_str())
                .header(HEADER_SIZE, m.payload.len().to_string().as_str());
            let sent = self.js.send_publish(subject.clone(), publish).await;
            pending.push((subject, sent));
        }
        let waits = pending.into_iter().map(|(subject, sent)| async move {
            let fut = sent.map_err(|e| self.publish_error(&subject, e))?;
            tokio::select! {
                r = fut.into_future() => r
                    .map(|ack| Published { sequence: ack.sequence, duplicate: ack.duplicate })
                    .map_err(|e| self.publish_error(&subject, e)),
                _ = self.violations.wait_for(&subject) => {
                    Err(ExchangeError::PermissionDenied { subject })
                }
            }
        });
        futures::future::join_all(waits).await
    }

    fn publish_error(
        &self,
        subject: &str,
        e: async_nats::error::Error<PublishErrorKind>,
    ) -> ExchangeError {
        if self.violations.names(subject) {
            return ExchangeError::PermissionDenied {
                subject: subject.to_string(),
            };
        }
        let reason = e.to_string();
        match e.kind() {
            PublishErrorKind::TimedOut => ExchangeError::Timeout {
                what: "publish",
                after: self.request_timeout,
            },
            // No server subscribed to the subject: the stream has no
            // leader (no quorum) or does not exist; the former is the case
            // once it was created, and retrying is right for both.
            PublishErrorKind::StreamNotFound | PublishErrorKind::BrokenPipe => {
                ExchangeError::Unavailable { reason }
            }
            PublishErrorKind::MaxPayloadExceeded => ExchangeError::Rejected { reason },
            _ => classify_api_error(&reason, subject),
        }
    }
}

/// Classes a JetStream API error text (the server's description).
pub(crate) fn classify_api_error(reason: &str, subject: &str) -> ExchangeError {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("maximum messages per subject exceeded")
        || lower.contains("maximum messages exceeded")
        || lower.contains("maximum bytes exceeded")
        || lower.contains("insufficient resources")
    {
        ExchangeError::Full {
            subject: subject.to_string(),
        }
    } else if lower.contains("stream not found") {
        ExchangeError::NoStream {
            stream: subject.to_string(),
        }
    } else if lower.contains("no quorum")
        || lower.contains("unavailable")
        || lower.contains("no responders")
        || lower.contains("not current")
        || lower.contains("timed out")
        || lower.contains("timeout")
    {
        ExchangeError::Unavailable {
            reason: reason.to_string(),
        }
    } else {
        ExchangeError::Rejected {
            reason: reason.to_string(),
        }
    }
}

fn connect_error(servers: &[String], e: async_nats::ConnectError) -> ExchangeError {
    use async_nats::ConnectErrorKind as K;
    let reason = e.to_string();
    match e.kind() {
        K::AuthorizationViolation | K::Authentication => ExchangeError::Auth { reason },
        _ => ExchangeError::Connect {
            servers: servers.join(", "),
            reason,
        },
    }
}
