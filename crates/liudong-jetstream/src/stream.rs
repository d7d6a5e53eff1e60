//! The exchange stream and the participants' durable consumers, as the
//! exchange operator sets them up ([`ensure`], with the administrative
//! identity; participants may not create or change either).
//!
//! The stream is a work queue: a message is removed once the destination's
//! consumer acknowledges it, i.e. once the destination county has applied
//! the record durably. The source's part ends earlier, with the publish
//! acknowledgement (stored on a quorum of the three replicas). What stays on
//! the servers is therefore what destinations have not applied yet.
//!
//! Limits: each (destination, source) subject holds at most
//! `max_per_subject` messages and refuses new ones beyond that
//! (`discard_new_per_subject`), so a county that stops consuming fills only
//! its own queues — its senders' publishes to it fail as retryable and the
//! records wait in their outboxes — while every other county's traffic goes
//! on. `max_bytes` bounds the whole stream the same way.

use crate::client::{Exchange, classify_api_error};
use crate::error::ExchangeError;
use crate::names;
use async_nats::jetstream::{consumer, stream};
use liudong_core::Code;
use std::time::Duration;

/// The stream's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSettings {
    /// Stream name.
    pub name: String,
    /// Replicas of every message (3: a server can be lost without losing
    /// a message or the quorum).
    pub replicas: usize,
    /// How long a message id is remembered for de-duplication.
    pub duplicate_window: Duration,
    /// Largest stored size of the whole stream, bytes.
    pub max_bytes: i64,
    /// Most messages held per (destination, source) subject.
    pub max_per_subject: i64,
    /// Largest message (payload), bytes.
    pub max_message_bytes: i32,
    /// Time a delivered message may stay unacknowledged before it is
    /// delivered again.
    pub ack_wait: Duration,
    /// Most messages delivered to one consumer and not yet acknowledged.
    pub max_ack_pending: i64,
}

impl Default for StreamSettings {
    fn default() -> StreamSettings {
        StreamSettings {
            name: names::DEFAULT_STREAM.to_string(),
            replicas: 3,
            duplicate_window: Duration::from_secs(600),
            max_bytes: 100 << 30,
            max_per_subject: 1_000_000,
            max_message_bytes: 1 << 20,
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 1_000,
        }
    }
}

impl StreamSettings {
    /// The stream configuration.
    pub fn stream_config(&self) -> stream::Config {
        stream::Config {
            name: self.name.clone(),
            description: Some("Liudong exchange: crossing records, county to county".into()),
            subjects: vec![names::stream_subjects()],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            num_replicas: self.replicas,
            duplicate_window: self.duplicate_window,
            max_bytes: self.max_bytes,
            max_messages_per_subject: self.max_per_subject,
            discard: stream::DiscardPolicy::New,
            discard_new_per_subject: true,
            max_message_size: self.max_message_bytes,
            deny_delete: true,
            deny_purge: true,
            ..Default::default()
        }
    }

    /// The key directory's stream: the latest copy of each announcement
    /// (one subject per county and key), replicated like the exchange
    /// stream, kept until replaced, read by direct get.
    pub fn keys_config(&self) -> stream::Config {
        self.latest_per_subject(
            names::KEYS_STREAM,
            "Liudong exchange: counties' sealing key announcements",
            names::key_subjects(),
            64 << 10,
        )
    }

    /// The delivery proofs' stream: the latest proof of each route (one
    /// subject per source and destination), replicated, read by direct get.
    pub fn proofs_config(&self) -> stream::Config {
        self.latest_per_subject(
            names::PROOFS_STREAM,
            "Liudong exchange: counties' delivery proofs",
            names::proof_subjects(),
            liudong_exchange::proof::MAX_PROOF_BYTES as i32,
        )
    }

    /// A stream that keeps the latest message of each subject (replicated
    /// like the exchange stream, read by direct get, never deleted from or
    /// purged): the key directory and the delivery proofs.
    fn latest_per_subject(
        &self,
        name: &str,
        description: &str,
        subjects: String,
        max_message_size: i32,
    ) -> stream::Config {
        stream::Config {
            name: name.to_string(),
            description: Some(description.into()),
            subjects: vec![subjects],
            retention: stream::RetentionPolicy::Limits,
            storage: stream::StorageType::File,
            num_replicas: self.replicas,
            duplicate_window: self.duplicate_window,
            max_messages_per_subject: 1,
            discard: stream::DiscardPolicy::Old,
            max_message_size,
            allow_direct: true,
            deny_delete: true,
            deny_purge: true,
            ..Default::default()
        }
    }

    /// The durable consumer of participant `code`.
    pub fn consumer_config(&self, code: &Code) -> consumer::pull::Config {
        consumer::pull::Config {
            durable_name: Some(names::consumer_name(code)),
            description: Some(format!("Liudong exchange: deliveries to {code}")),
            filter_subject: names::inbound_filter(code),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: self.ack_wait,
            max_deliver: -1,
            max_ack_pending: self.max_ack_pending,
            num_replicas: self.replicas,
            ..Default::default()
        }
    }
}

/// What [`ensure`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ensured {
    pub stream_created: bool,
    pub keys_stream_created: bool,
    pub proofs_stream_created: bool,
    pub consumers_created: Vec<Code>,
}

/// Creates the stream and a durable consumer for every participant, or
/// brings existing ones to `settings` (the exchange operator's connection).
pub async fn ensure(
    admin: &Exchange,
    settings: &StreamSettings,
    participants: &[Code],
) -> Result<Ensured, ExchangeError> {
    let mut out = Ensured::default();
    let api = |e: &dyn std::fmt::Display| classify_api_error(&e.to_string(), &settings.name);
    let (stream, created) = create_or_update(admin, settings.stream_config(), &api).await?;
    out.stream_created = created;
    let (_, created) = create_or_update(admin, settings.keys_config(), &api).await?;
    out.keys_stream_created = created;
    let (_, created) = create_or_update(admin, settings.proofs_config(), &api).await?;
    out.proofs_stream_created = created;
    for code in participants {
        let name = names::consumer_name(code);
        let exists = stream
            .get_consumer::<consumer::pull::Config>(&name)
            .await
            .is_ok();
        if exists {
            stream
                .update_consumer(settings.consumer_config(code))
                .await
                .map_err(|e| api(&e))?;
        } else {
            stream
                .create_consumer(settings.consumer_config(code))
                .await
                .map_err(|e| api(&e))?;
            out.consumers_created.push(code.clone());
        }
    }
    Ok(out)
}

/// Creates the stream `config` names, or brings it to `config`; true if it
/// was created.
async fn create_or_update(
    admin: &Exchange,
    config: stream::Config,
    api: &impl Fn(&dyn std::fmt::Display) -> ExchangeError,
) -> Result<(stream::Stream, bool), ExchangeError> {
    match admin.js.get_stream(&config.name).await {
        Ok(s) => {
            admin.js.update_stream(config).await.map_err(|e| api(&e))?;
            Ok((s, false))
        }
        Err(e) if not_found(&e) => {
            let s = admin.js.create_stream(config).await.map_err(|e| api(&e))?;
            Ok((s, true))
        }
        Err(e) => Err(api(&e)),
    }
}

fn not_found(e: &async_nats::jetstream::context::GetStreamError) -> bool {
    matches!(
        e.kind(),
        async_nats::jetstream::context::GetStreamErrorKind::JetStream(ref j)
            if j.error_code() == async_nats::jetstream::ErrorCode::STREAM_NOT_FOUND
    )
}

/// The stream's state as the exchange operator sees it: (messages held,
/// last sequence number assigned).
pub async fn state(admin: &Exchange) -> Result<(u64, u64), ExchangeError> {
    let mut s = admin
        .js
        .get_stream(&admin.stream)
        .await
        .map_err(|e| classify_api_error(&e.to_string(), &admin.stream))?;
    let info = s
        .info()
        .await
        .map_err(|e| classify_api_error(&e.to_string(), &admin.stream))?;
    Ok((info.state.messages, info.state.last_sequence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_a_replicated_file_work_queue_that_refuses_rather_than_drops() {
        let s = StreamSettings::default().stream_config();
        assert_eq!(s.num_replicas, 3);
        assert_eq!(s.storage, stream::StorageType::File);
        assert_eq!(s.retention, stream::RetentionPolicy::WorkQueue);
        assert_eq!(s.discard, stream::DiscardPolicy::New);
        assert!(s.discard_new_per_subject && s.max_messages_per_subject > 0);
        assert!(s.duplicate_window >= Duration::from_secs(60));
        assert_eq!(s.subjects, vec!["liudong.x.*.*".to_string()]);
    }

    #[test]
    fn a_consumer_reads_only_its_own_destination_and_acks_explicitly() {
        let c = StreamSettings::default().consumer_config(&Code::parse("440306").unwrap());
        assert_eq!(c.durable_name.as_deref(), Some("to-440306"));
        assert_eq!(c.filter_subject, "liudong.x.440306.*");
        assert_eq!(c.ack_policy, consumer::AckPolicy::Explicit);
        assert_eq!(c.max_deliver, -1, "never given up on");
        assert!(c.max_ack_pending > 0);
    }
}
