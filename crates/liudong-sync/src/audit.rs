//! Writing the audit trail of sessions: what was disclosed to whom, and how
//! each session ended.
//!
//! A batch's disclosure entry is written and flushed to disk *before* the
//! batch is sent, so the trail never misses records that left this node,
//! not even after a crash (it may list a batch that the transport then
//! failed to deliver). A session's entry counts what it moved also when it
//! ends in an error.

use crate::error::SyncError;
use crate::identity::PeerInfo;
use crate::msg::SessionStats;
use crate::node::{Node, blocking};
use bytes::Bytes;
use liudong_store::audit::AuditEvent;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The citizen IDs of encoded records (they were checked when stored).
pub fn subjects_of<'a>(records: impl IntoIterator<Item = &'a Bytes>) -> BTreeSet<String> {
    records
        .into_iter()
        .filter_map(|b| match liudong_proto::record_subject(b) {
            Some(s) => Some(s.to_string()),
            None => liudong_proto::decode_record(b)
                .ok()
                .map(|r| r.subject.as_str().to_string()),
        })
        .collect()
}

/// The distinct citizen IDs of checked records.
pub fn subjects_of_items(items: &[liudong_store::Incoming]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| i.record.subject.as_str().to_string())
        .collect()
}

/// The audit state of one session.
pub(crate) struct SessionAudit {
    node: Arc<Node>,
    peer: String,
    role: &'static str,
    fingerprint: Option<String>,
    addr: Option<String>,
    live: bool,
    sent: BTreeSet<String>,
    received: BTreeSet<String>,
}

impl SessionAudit {
    pub(crate) fn new(
        node: Arc<Node>,
        peer: String,
        role: &'static str,
        info: &PeerInfo,
        live: bool,
    ) -> SessionAudit {
        SessionAudit {
            node,
            peer,
            role,
            fingerprint: info.fingerprint.clone(),
            addr: info.addr.clone(),
            live,
            sent: BTreeSet::new(),
            received: BTreeSet::new(),
        }
    }

    /// Records that `records` are about to be sent to the peer.
    pub(crate) async fn disclosing(&mut self, records: &[Bytes]) -> Result<(), SyncError> {
        if records.is_empty() {
            return Ok(());
        }
        let subjects = subjects_of(records);
        self.sent.extend(subjects.iter().cloned());
        let event = AuditEvent::Disclosed {
            peer: self.peer.clone(),
            fingerprint: self.fingerprint.clone(),
            records: records.len() as u64,
            subjects: subjects.into_iter().collect(),
        };
        let store = self.node.store().clone();
        blocking(move || Ok(store.audit_append_durable(event)?)).await?;
        Ok(())
    }

    /// Records that `envelopes` are about to be sent to the peer over a
    /// sealed link. A county names, per destination county, the persons
    /// whose records it sealed to it: the destination is the only node that
    /// can read them (the exchange's session entry records their passage).
    /// An exchange, which cannot read them, names the peer and no person.
    pub(crate) async fn disclosing_sealed(&mut self, envelopes: &[Bytes]) -> Result<(), SyncError> {
        if envelopes.is_empty() {
            return Ok(());
        }
        let node = self.node.clone();
        let peer = self.peer.clone();
        let fingerprint = self.fingerprint.clone();
        let envelopes = envelopes.to_vec();
        let subjects = blocking(move || {
            let store = node.store();
            let mut by_destination: std::collections::BTreeMap<String, (u64, BTreeSet<String>)> =
                Default::default();
            for e in &envelopes {
                let Ok(h) = liudong_exchange::peek_header(e) else {
                    continue;
                };
                let to = if node.scope().is_exchange() {
                    peer.clone()
                } else {
                    h.destination.to_string()
                };
                let entry = by_destination.entry(to).or_default();
                entry.0 += 1;
                if let Some(r) = store.get(&h.record)? {
                    entry.1.insert(r.subject.as_str().to_string());
                }
            }
            let mut sent = BTreeSet::new();
            for (to, (records, subjects)) in by_destination {
                sent.extend(subjects.iter().cloned());
                store.audit_append(AuditEvent::Disclosed {
                    fingerprint: if to == peer {
                        fingerprint.clone()
                    } else {
                        None
                    },
                    peer: to,
                    records,
                    subjects: subjects.into_iter().collect(),
                })?;
            }
            Ok(sent)
        })
        .await?;
        self.sent.extend(subjects);
        Ok(())
    }

    /// Notes the persons of a received batch.
    pub(crate) fn received(&mut self, subjects: BTreeSet<String>) {
        self.received.extend(subjects);
    }

    /// Writes the session entry — what the session moved (also when it
    /// failed: `error`) — and a refusal entry if the peer was refused.
    pub(crate) async fn finish(self, stats: &SessionStats, error: Option<&SyncError>) {
        let outcome = match error {
            None => "ok".to_string(),
            Some(e) => e.to_string(),
        };
        let mut events = vec![AuditEvent::Session {
            peer: self.peer.clone(),
            role: self.role.to_string(),
            fingerprint: self.fingerprint.clone(),
            addr: self.addr.clone(),
            live: self.live,
            sent: stats.sent,
            received: stats.received,
            duplicates: stats.duplicates,
            subjects_sent: self.sent.len() as u64,
            subjects_received: self.received.len() as u64,
            outcome,
        }];
        if let Some(e) = error
            && e.is_refusal()
        {
            events.push(refusal(
                &self.peer,
                self.fingerprint.clone(),
                self.addr.clone(),
                e,
            ));
        }
        write(&self.node, events).await;
    }
}

/// The refusal entry for `e`.
pub fn refusal(
    peer: &str,
    fingerprint: Option<String>,
    addr: Option<String>,
    e: &SyncError,
) -> AuditEvent {
    AuditEvent::Refused {
        peer: Some(peer.to_string()),
        fingerprint,
        addr,
        reason: e.to_string(),
    }
}

/// Appends events; a failure is logged (the session's own outcome stands).
pub(crate) async fn write(node: &Arc<Node>, events: Vec<AuditEvent>) {
    let store = node.store().clone();
    let r = blocking(move || {
        for e in events {
            store.audit_append(e)?;
        }
        Ok(())
    })
    .await;
    if let Err(e) = r {
        tracing::error!(error = %e, "audit trail not written");
    }
}

/// Appends a refusal entry for `e` (e.g. a live session cut on revocation).
pub async fn write_refusal(
    node: &Arc<Node>,
    peer: &str,
    fingerprint: Option<String>,
    addr: Option<String>,
    e: &SyncError,
) {
    write(node, vec![refusal(peer, fingerprint, addr, e)]).await;
}
