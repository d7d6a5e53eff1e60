//! The audit trail: an append-only log of who received what, who wrote what,
//! and what was refused.
//!
//! It lives in its own tree ([`keys::TREE_AUDIT`]; its key layout is in
//! [`keys`]), so it never collides with the record keys and is not part of
//! record fingerprints: entries by sequence number, a subject index, and
//! counters.
//!
//! Invariants:
//! - Entries are only ever appended; nothing in this crate updates or
//!   removes one.
//! - Appending is one insert (a disclosure is written before each batch is
//!   sent, so it must be cheap). The subject index is derived from the
//!   entries later, from its own cursor, when a subject query needs it;
//!   indexing is idempotent.
//! - Citizen IDs are stored here (the trail must answer "who received this
//!   person's records") but never logged.

use crate::engine::{Batch, Db, Tree};
use crate::error::StoreError;
use crate::keys;
use crate::types::now_ms;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AuditEvent {
    /// A sync session ended (either side).
    Session {
        /// The other node's code.
        peer: String,
        /// `served` (this node was the upper node) or `dialled`.
        role: String,
        /// The peer certificate's SHA-256 fingerprint (none without TLS).
        fingerprint: Option<String>,
        addr: Option<String>,
        live: bool,
        sent: u64,
        received: u64,
        duplicates: u64,
        /// Distinct persons whose records were sent / received.
        subjects_sent: u64,
        subjects_received: u64,
        /// `ok`, or the error that ended the session.
        outcome: String,
    },
    /// Records were sent to a peer (written as they are sent, so a live
    /// session's disclosures are in the trail before the session ends).
    Disclosed {
        peer: String,
        fingerprint: Option<String>,
        records: u64,
        /// Citizen IDs of the persons concerned.
        subjects: Vec<String>,
    },
    /// Something a peer tried was refused (TLS handshake, identity, entitlement).
    Refused {
        peer: Option<String>,
        fingerprint: Option<String>,
        addr: Option<String>,
        reason: String,
    },
    /// An operator wrote a record on this node.
    RecordWritten {
        operator: String,
        record: String,
        kind: String,
        subject: String,
    },
    /// An operator read personal data or figures on this node (`person show`,
    /// `overdue`, `report`): who, what, and the persons shown.
    Viewed {
        operator: String,
        /// The query, e.g. `person`, `overdue missing_checks`, `report 2026-10 410602`.
        query: String,
        /// Citizen IDs of the persons shown (none for a report's figures).
        subjects: Vec<String>,
    },
    /// Records were imported outside a session (bundle import, repair).
    Imported {
        source: String,
        records: u64,
        subjects: Vec<String>,
    },
    /// An operator moved the node's publish cursor for its exchange back, so
    /// that its outbox is published again (`liudong exchange resend`).
    Resent {
        operator: String,
        /// The exchange.
        peer: String,
        /// The cursor before (outbox position).
        from: u64,
        /// Envelopes of the outbox to publish again.
        records: u64,
    },
}

impl AuditEvent {
    /// The peer this event concerns, if any.
    pub fn peer(&self) -> Option<&str> {
        match self {
            AuditEvent::Session { peer, .. } | AuditEvent::Disclosed { peer, .. } => Some(peer),
            AuditEvent::Refused { peer, .. } => peer.as_deref(),
            AuditEvent::Imported { source, .. } => Some(source),
            AuditEvent::Resent { peer, .. } => Some(peer),
            AuditEvent::RecordWritten { .. } | AuditEvent::Viewed { .. } => None,
        }
    }

    fn subjects(&self) -> BTreeSet<&str> {
        match self {
            AuditEvent::Disclosed { subjects, .. }
            | AuditEvent::Imported { subjects, .. }
            | AuditEvent::Viewed { subjects, .. } => subjects.iter().map(String::as_str).collect(),
            AuditEvent::RecordWritten { subject, .. } => [subject.as_str()].into(),
            _ => BTreeSet::new(),
        }
    }
}

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the trail (increasing).
    pub seq: u64,
    /// Wall time, unix milliseconds.
    pub time_ms: u64,
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries at or after this time (unix ms).
    pub since_ms: Option<u64>,
    /// Only entries concerning this peer code.
    pub peer: Option<String>,
    /// Only entries concerning this citizen ID.
    pub subject: Option<String>,
    /// At most this many (the newest).
    pub limit: Option<usize>,
}

/// The trail: the audit tree, and the database whose persisted id counter
/// numbers the entries.
pub(crate) struct Trail {
    db: Db,
    tree: Tree,
}

impl Trail {
    pub(crate) fn new(db: Db, tree: Tree) -> Trail {
        Trail { db, tree }
    }

    /// Appends an event to the trail; returns its sequence number.
    pub(crate) fn append(&self, event: AuditEvent) -> Result<u64, StoreError> {
        let seq = self.db.generate_id()? + 1;
        let entry = AuditEntry {
            seq,
            time_ms: now_ms(),
            event,
        };
        let value = serde_json::to_vec(&entry)
            .map_err(|e| StoreError::Corrupt(format!("audit entry not encodable: {e}")))?;
        self.tree.insert(keys::audit_entry(seq), value)?;
        if matches!(entry.event, AuditEvent::Refused { .. }) {
            // An atomic increment: refusals are written by concurrent tasks.
            self.tree
                .update(keys::audit_meta(keys::AUDIT_REFUSED), |old| {
                    let n = old.and_then(keys::u64_value).unwrap_or(0);
                    Some((n + 1).to_be_bytes().to_vec())
                })?;
        }
        Ok(seq)
    }

    /// Number of refusals recorded in the trail.
    pub(crate) fn refused_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .tree
            .get(keys::audit_meta(keys::AUDIT_REFUSED))?
            .and_then(|v| keys::u64_value(&v))
            .unwrap_or(0))
    }

    /// Brings the subject index up to date with the entries.
    fn index(&self) -> Result<(), StoreError> {
        let tree = &self.tree;
        let cursor = keys::audit_meta(keys::AUDIT_INDEXED);
        let done = tree
            .get(&cursor)?
            .and_then(|v| keys::u64_value(&v))
            .unwrap_or(0);
        let mut batch = Batch::default();
        let mut last = done;
        let mut pending = 0usize;
        for kv in tree.range(keys::audit_entry(done + 1)..) {
            let (k, v) = kv?;
            if k.first() != Some(&keys::AUDIT_ENTRY) {
                break;
            }
            let e: AuditEntry = serde_json::from_slice(&v)
                .map_err(|e| StoreError::Corrupt(format!("audit entry unreadable: {e}")))?;
            for s in e.event.subjects() {
                batch.insert(keys::audit_by_subject(s, e.seq), b"");
                pending += 1;
            }
            last = e.seq;
            if pending >= 50_000 {
                batch.insert(&cursor, last.to_be_bytes());
                tree.apply(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        if last != done {
            batch.insert(&cursor, last.to_be_bytes());
            tree.apply(batch)?;
        }
        Ok(())
    }

    fn entry(&self, key: &[u8]) -> Result<Option<AuditEntry>, StoreError> {
        match self.tree.get(key)? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("audit entry unreadable: {e}"))),
        }
    }

    /// Reads the entries matching `filter`, oldest first.
    pub(crate) fn query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let keep = |e: &AuditEntry| {
            filter.since_ms.is_none_or(|t| e.time_ms >= t)
                && filter
                    .peer
                    .as_deref()
                    .is_none_or(|p| e.event.peer() == Some(p))
        };
        let mut out = Vec::new();
        match &filter.subject {
            Some(subject) => {
                self.index()?;
                let prefix = keys::audit_subject_prefix(subject);
                for kv in self.tree.scan_prefix(&prefix) {
                    let (k, _) = kv?;
                    let Some(seq) = k.get(prefix.len()..) else {
                        continue;
                    };
                    let key = keys::prefixed(keys::AUDIT_ENTRY, &[seq]);
                    if let Some(e) = self.entry(&key)?
                        && keep(&e)
                    {
                        out.push(e);
                    }
                }
            }
            None => {
                for kv in self.tree.scan_prefix([keys::AUDIT_ENTRY]) {
                    let (_, v) = kv?;
                    let e: AuditEntry = serde_json::from_slice(&v)
                        .map_err(|e| StoreError::Corrupt(format!("audit entry unreadable: {e}")))?;
                    if keep(&e) {
                        out.push(e);
                    }
                }
            }
        }
        if let Some(n) = filter.limit
            && out.len() > n
        {
            out.drain(..out.len() - n);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};
    use liudong_core::{Code, NodeScope};

    #[test]
    fn append_and_query() {
        let dir = tempfile::tempdir().unwrap();
        let scope = NodeScope::for_code(Code::parse("410602100").unwrap()).unwrap();
        let store = Store::open(dir.path(), scope, None, &StoreOptions::default()).unwrap();
        let a = "410602199001011237".to_string();
        let b = "410602199001011245".to_string();
        store
            .audit_append(AuditEvent::Disclosed {
                peer: "410602100001".into(),
                fingerprint: None,
                records: 3,
                subjects: vec![a.clone(), b.clone()],
            })
            .unwrap();
        store
            .audit_append(AuditEvent::Refused {
                peer: Some("410602100002".into()),
                fingerprint: None,
                addr: None,
                reason: "x".into(),
            })
            .unwrap();
        store
            .audit_append(AuditEvent::RecordWritten {
                operator: "op".into(),
                record: "410602100/1".into(),
                kind: "returned".into(),
                subject: b.clone(),
            })
            .unwrap();
        let all = store.audit_query(&AuditFilter::default()).unwrap();
        assert_eq!(all.len(), 3);
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
        let by_a = store
            .audit_query(&AuditFilter {
                subject: Some(a),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_a.len(), 1);
        let by_b = store
            .audit_query(&AuditFilter {
                subject: Some(b),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_b.len(), 2);
        let by_peer = store
            .audit_query(&AuditFilter {
                peer: Some("410602100002".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_peer.len(), 1);
        assert_eq!(store.refused_count().unwrap(), 1);
        let last = store
            .audit_query(&AuditFilter {
                limit: Some(1),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(last[0].seq, all[2].seq);
    }
}
