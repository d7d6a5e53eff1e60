//! The one receive path: every way records enter this node from a peer
//! goes through [`Node::receive`] —
//!
//! | entry | link | cursor moved | audit |
//! |---|---|---|---|
//! | a pushed batch (serving half of a session) | the child | its `In` cursor | the session's `received` persons |
//! | a pulled batch (dialling half of a session) | the upstream | its `In` cursor | the session's `received` persons |
//! | a record offered by a child (verify repair) | the child | — | `Imported` "verify repair: offered by …" |
//! | a record fetched from the upstream (verify repair) | the upstream | — | `Imported` "verify repair: fetched from the upstream" |
//! | an offline bundle, in batches of at most `max_batch` | the signer's link | its `In` cursor, with the last batch | `Imported` "bundle from …" |
//! | a record fetched from the upstream by `liudong recover` | the upstream | — | `Imported` "recover: fetched from the upstream" |
//! | envelopes delivered by a JetStream exchange (`liudong-jetstream` link) | the upstream | — (the stream's consumer keeps the position) | `Imported` "JetStream exchange"; refusals audited by the link |
//!
//! — and meets the same checks in the same order: the limits (batch size
//! and record size, before anything is decoded), then record by record
//! decode → validate (fields, clock skew, workflow) → entitlement →
//! authorship, then one atomic, durable apply of the whole batch (with the
//! cursor it moves), the audit entry, and the change notification. The
//! first failure refuses the whole batch with a precise error; nothing of it
//! is stored.
//!
//! The rules depend only on the link: from a child, records must be held by
//! the child's scope and authored by the child or a node under it; from the
//! upstream, records must be held by this node's scope. On every link, a
//! record in this node's own name that it does not hold is refused (only
//! the node itself writes its records) and the refusal is audited — except
//! in `liudong recover`, where the operator takes this node's records back
//! from its upstream after the store was lost.
//!
//! On a sealed link (a county's link to its exchange, every link of an
//! exchange node) the items are envelopes, and the same path applies the
//! rules of the exchange tier to their headers (see [`Node::admit_sealed`]):
//! an exchange checks the header and routes by it, never opening anything;
//! the destination county checks the signature, opens the envelope and
//! submits the record to the record checks above, as a record from its
//! upstream, and stores it with the envelope in one atomic batch.

use crate::audit::subjects_of_items;
use crate::error::SyncError;
use crate::msg::Batch;
use crate::node::{Node, blocking};
use bytes::Bytes;
use liudong_core::validate::{Limits, check_record};
use liudong_core::{Code, Link, NodeScope, Record};
use liudong_exchange::{ENVELOPE_OVERHEAD, Envelope, SealError};
use liudong_store::audit::AuditEvent;
use liudong_store::{ApplyOutcome, CursorDir, CursorUpdate, Incoming, SealedItem, Source};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The rule (a catalogue id, for [`SyncError::NotEntitled`]) for records pushed by a child.
pub const RULE_CHILD_PUSH: &str = "sync-rule-child-push";
/// The rule (a catalogue id, for [`SyncError::NotEntitled`]) for records pushed by a child that it did not author or forward from below.
pub const RULE_CHILD_AUTHOR: &str = "sync-rule-child-author";
/// The rule (a catalogue id, for [`SyncError::NotEntitled`]) for records sent by an upper node.
pub const RULE_PARENT_SEND: &str = "sync-rule-parent-send";
/// The rule (a catalogue id, for [`SyncError::NotEntitled`]) for envelopes pushed to an exchange by a child.
pub const RULE_SEALED_SOURCE: &str = "sync-rule-sealed-source";
/// The rule (a catalogue id, for [`SyncError::NotEntitled`]) for envelopes sent down by an upper exchange.
pub const RULE_SEALED_DOWN: &str = "sync-rule-sealed-down";
/// The rule (a catalogue id, for [`SyncError::NotEntitled`]) for the record inside an envelope.
pub const RULE_SEALED_AUTHOR: &str = "sync-rule-sealed-author";

/// A node's scope as the operator reads it ("村 410602100001").
pub(crate) fn scope_name(scope: &liudong_core::NodeScope) -> String {
    use liudong_core::NodeKind;
    let kind = match scope.kind {
        NodeKind::Village => liudong_i18n::t!("topo-kind-village"),
        NodeKind::Township => liudong_i18n::t!("topo-kind-township"),
        NodeKind::County => liudong_i18n::t!("topo-kind-county"),
        NodeKind::Exchange { .. } => liudong_i18n::t!("topo-kind-exchange"),
    };
    liudong_i18n::t!("sync-scope", kind = kind, code = scope.code.to_string())
}

/// Which entry of the protocol records come by: it decides the audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A batch of a sync session (pushed by a child or pulled from the
    /// upstream); the session writes its own audit entry when it ends.
    Session,
    /// Records fetched from the upstream or offered by a child in a verify
    /// repair: audited as `Imported` when any was new.
    Repair,
    /// Records of an offline bundle signed by `from`: audited as `Imported`.
    Bundle { from: String },
    /// Records fetched from the upstream by `liudong recover`: records in
    /// this node's own name are admitted (they were written here before the
    /// store was lost) and stored as reclaimed; audited as `Imported`.
    Recover,
    /// Envelopes delivered by a JetStream exchange (no session: the
    /// transport's durable consumer keeps the position): audited as
    /// `Imported` when any was new; the link audits what it refuses.
    Exchange,
}

/// A batch of records arriving over `link`.
#[derive(Debug, Clone)]
pub struct Admission {
    /// The link the records come over (their sender is its peer).
    pub link: Link,
    /// The encoded records (their `cursor` is used only through `cursor`).
    pub batch: Batch,
    /// The position in the sender's outbox to store as `link`'s `In`
    /// cursor, in the same atomic batch as the records (`None`: no cursor moves).
    pub cursor: Option<u64>,
    pub via: Via,
}

impl Admission {
    /// A batch of a session: it moves `link`'s `In` cursor to its own cursor.
    pub fn session(link: Link, batch: Batch) -> Admission {
        Admission {
            link,
            cursor: Some(batch.cursor),
            batch,
            via: Via::Session,
        }
    }

    /// Records of a verify repair (no cursor moves).
    pub fn repair(link: Link, records: Vec<Bytes>) -> Admission {
        Admission {
            link,
            batch: Batch {
                records,
                ..Batch::default()
            },
            cursor: None,
            via: Via::Repair,
        }
    }

    /// Records fetched from the upstream by `liudong recover` (no cursor moves).
    pub fn recover(records: Vec<Bytes>) -> Admission {
        Admission {
            via: Via::Recover,
            ..Admission::repair(Link::Parent, records)
        }
    }
}

/// What receiving a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    pub outcome: ApplyOutcome,
    /// The citizen IDs of the batch's records.
    pub subjects: BTreeSet<String>,
}

/// What a link's peer may send.
struct Rules {
    /// Every record must be held by this scope ...
    holder: NodeScope,
    rule: &'static str,
    /// ... and, from a child, authored by this node or one under it.
    authors_under: Option<Code>,
}

impl Via {
    /// The audit entry for a received batch, if this entry writes one.
    fn audit_event(
        &self,
        link: &Link,
        items: &[Incoming],
        outcome: &ApplyOutcome,
        subjects: &BTreeSet<String>,
    ) -> Option<AuditEvent> {
        let (source, records) = match self {
            Via::Session => return None,
            Via::Repair if outcome.new == 0 => return None,
            Via::Repair => (
                match link {
                    Link::Parent => "verify repair: fetched from the upstream".to_string(),
                    Link::Child(c) => format!("verify repair: offered by {c}"),
                },
                outcome.new as u64,
            ),
            Via::Bundle { from } => (format!("bundle from {from}"), items.len() as u64),
            Via::Exchange if outcome.new == 0 => return None,
            Via::Exchange => ("JetStream exchange".to_string(), outcome.new as u64),
            Via::Recover if outcome.new == 0 => return None,
            Via::Recover => (
                "recover: fetched from the upstream".to_string(),
                outcome.new as u64,
            ),
        };
        Some(AuditEvent::Imported {
            source,
            records,
            subjects: subjects.iter().cloned().collect(),
        })
    }
}

impl Node {
    /// Receives a batch from a peer: checks the limits, then decodes,
    /// validates and checks every record for entitlement and authorship
    /// ([`Node::admit`]), then durably applies the batch and the cursor it
    /// moves in one atomic store batch, writes the entry's audit event and
    /// notifies the node's subscribers. The first failure refuses the
    /// whole batch and nothing of it is stored.
    pub async fn receive(self: &Arc<Self>, admission: Admission) -> Result<Received, SyncError> {
        let Admission {
            link,
            batch,
            cursor,
            via,
        } = admission;
        self.check_limits_for(&link, &batch)?;
        let node = self.clone();
        let peer = self.peer_code(&link);
        let received = blocking(move || {
            let reclaim = via == Via::Recover && link == Link::Parent;
            let sealed = node.sealed_link(&link);
            let admitted = if sealed {
                node.admit_sealed(&link, &batch, &via)
            } else {
                node.admit_records(&link, &batch, reclaim)
                    .map(|items| (items, Vec::new()))
            };
            let (items, envelopes) = match admitted {
                Ok(admitted) => admitted,
                Err(e) => {
                    // A session audits its refusals when it ends,
                    // `serve_verify` those of a child's offer (with the
                    // peer's certificate) and the JetStream link every
                    // envelope it terminates; the other entries (a repair
                    // fetch, a bundle) audit a record forged in this node's
                    // name here.
                    let audited_by_caller = matches!(via, Via::Session | Via::Exchange)
                        || (via == Via::Repair && link != Link::Parent);
                    if !audited_by_caller && matches!(e, SyncError::ForgedAuthor { .. }) {
                        let peer = node.peer_code(&link);
                        node.store()
                            .audit_append(crate::audit::refusal(&peer, None, None, &e))?;
                    }
                    return Err(e);
                }
            };
            let subjects = subjects_of_items(&items);
            let cursor = cursor.map(|value| CursorUpdate {
                dir: CursorDir::In,
                link: link.clone(),
                value,
            });
            let source = if reclaim {
                Source::Reclaimed
            } else {
                Source::Peer(link.clone())
            };
            let mut outcome = node
                .store()
                .apply_sealed(&items, &envelopes, &source, cursor, true)?;
            if sealed {
                // The link's items are the envelopes (a county stores the
                // record of each with it).
                outcome.new = outcome.sealed_new;
                outcome.duplicate = outcome.sealed_duplicate;
            }
            if let Some(event) = via.audit_event(&link, &items, &outcome, &subjects) {
                node.store().audit_append(event)?;
            }
            Ok(Received { outcome, subjects })
        })
        .await?;
        self.metrics().applied(&peer, received.outcome.new as u64);
        Ok(received)
    }

    /// Checks a received batch against this node's size limits before
    /// anything of it is decoded: at most `max_batch` records, each at most
    /// `max_record_bytes`. (The whole frame is bounded by the transport's
    /// message size.)
    pub fn check_limits(&self, batch: &Batch) -> Result<(), SyncError> {
        self.check_limits_on(batch, false)
    }

    /// [`Node::check_limits`] for a batch of `link`: on a sealed link an
    /// envelope may exceed `max_record_bytes` by its fixed overhead.
    pub fn check_limits_for(&self, link: &Link, batch: &Batch) -> Result<(), SyncError> {
        self.check_limits_on(batch, self.sealed_link(link))
    }

    fn check_limits_on(&self, batch: &Batch, sealed: bool) -> Result<(), SyncError> {
        let cfg = self.config();
        let max_item = cfg.max_record_bytes + if sealed { ENVELOPE_OVERHEAD } else { 0 };
        if batch.records.len() > cfg.max_batch {
            return Err(SyncError::Limit(liudong_i18n::t!(
                "sync-limit-batch",
                records = batch.records.len(),
                max = cfg.max_batch
            )));
        }
        if let Some((index, r)) = batch
            .records
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() > max_item)
        {
            return Err(SyncError::Limit(liudong_i18n::t!(
                "sync-limit-record-bytes",
                index = index,
                bytes = r.len(),
                max = cfg.max_record_bytes,
                envelope = if sealed { ENVELOPE_OVERHEAD } else { 0 }
            )));
        }
        Ok(())
    }

    /// The record checks of [`Node::receive`] (after the limits), storing
    /// nothing: each record in turn is decoded, validated (fields, clock
    /// skew, workflow rules against the store and the records before it),
    /// checked for entitlement (held by the sender's scope from a child, by
    /// this node's from the upstream) and, from a child, for authorship.
    /// Returns the records with their canonical bytes; the first failure
    /// refuses the batch. Blocking (store reads).
    pub fn admit(&self, link: &Link, batch: &Batch) -> Result<Vec<Incoming>, SyncError> {
        self.admit_records(link, batch, false)
    }

    /// [`Node::admit`]; with `reclaim` (`liudong recover`, from the
    /// upstream only), records in this node's own name that it does not
    /// hold are admitted too.
    fn admit_records(
        &self,
        link: &Link,
        batch: &Batch,
        reclaim: bool,
    ) -> Result<Vec<Incoming>, SyncError> {
        let rules = self.rules(link)?;
        let limits = self.limits();
        let mut items: Vec<Incoming> = Vec::with_capacity(batch.records.len());
        for (index, bytes) in batch.records.iter().enumerate() {
            let record = liudong_proto::decode_record(bytes)
                .map_err(|error| SyncError::Decode { index, error })?;
            let item = self.check_one(record, &items, limits, &rules, link, reclaim)?;
            items.push(item);
        }
        Ok(items)
    }

    /// The checks of one decoded record (validation, workflow against the
    /// store and `before`, a record forged in this node's name, entitlement,
    /// authorship); its canonical bytes. `reclaim`: records in this node's
    /// own name that it does not hold are admitted (`liudong recover`).
    fn check_one(
        &self,
        record: Record,
        before: &[Incoming],
        limits: Limits,
        rules: &Rules,
        link: &Link,
        reclaim: bool,
    ) -> Result<Incoming, SyncError> {
        if let Some(issue) = self.store().workflow_breach(&record, before)? {
            return Err(SyncError::Invalid {
                id: record.id.clone(),
                error: issue.to_validation(),
            });
        }
        check_record(&record, limits).map_err(|error| SyncError::Invalid {
            id: record.id.clone(),
            error,
        })?;
        // Only this node writes records in its name: one it does not
        // hold can only be forged (or, in a recovery, its own lost one).
        if record.id.node == self.scope().code
            && !reclaim
            && self.store().get_bytes(&record.id)?.is_none()
            && !before.iter().any(|i| i.record.id == record.id)
        {
            return Err(SyncError::ForgedAuthor {
                id: record.id.clone(),
                peer: self.peer_code(link),
            });
        }
        if !rules.holder.holds(&record) {
            return Err(SyncError::NotEntitled {
                id: record.id.clone(),
                peer: scope_name(&rules.holder),
                rule: rules.rule,
            });
        }
        // A lower node forwards only what it or its own children wrote
        // (what it received from above never goes back up).
        if let Some(peer) = &rules.authors_under
            && !record.id.node.is_under(peer)
        {
            return Err(SyncError::NotEntitled {
                id: record.id.clone(),
                peer: peer.to_string(),
                rule: RULE_CHILD_AUTHOR,
            });
        }
        let canonical = liudong_proto::encode_record(&record);
        Ok(Incoming {
            record,
            bytes: canonical,
        })
    }

    /// The checks of [`Node::receive`] for a batch of envelopes on a sealed
    /// link, storing nothing (blocking: store reads). Each envelope's header
    /// is decoded and checked first (fields, sizes), then by where the node
    /// stands:
    ///
    /// - an **exchange** node checks the header only: from a child, the
    ///   source county must be the child or under it (authorship; in a
    ///   verify repair the child may also return envelopes addressed to
    ///   it) and the envelope must travel through this exchange; from its
    ///   upstream, the destination must lie under this exchange. Nothing is
    ///   verified or opened: it holds no key.
    /// - a **county** receiving from its exchange accepts only envelopes
    ///   addressed to it (in a verify repair also its own, returned): it
    ///   checks the source's signature, opens the envelope with its current
    ///   or a retired key, and submits the record to the record checks as a
    ///   record from its upstream (validation, workflow, entitlement: the
    ///   record must involve this county), plus: the record is the one the
    ///   header names and was written under the source county.
    ///
    /// Returns the opened records and the envelopes to store; the first
    /// failure refuses the batch.
    pub fn admit_sealed(
        &self,
        link: &Link,
        batch: &Batch,
        via: &Via,
    ) -> Result<(Vec<Incoming>, Vec<SealedItem>), SyncError> {
        let scope = self.scope();
        let limits = self.limits();
        let record_rules = self.rules(&Link::Parent)?;
        let mut items: Vec<Incoming> = Vec::new();
        let mut envelopes = Vec::with_capacity(batch.records.len());
        // Envelopes sealed in one batch share one encapsulation: its key is
        // derived once for the received batch.
        let mut batch_keys = liudong_exchange::OpenCache::default();
        for (index, bytes) in batch.records.iter().enumerate() {
            let env = Envelope::decode(index, bytes)?;
            let h = &env.header;
            let route = h.crossing();
            let refuse = |peer: String, rule: &'static str| SyncError::NotEntitled {
                id: h.record.clone(),
                peer,
                rule,
            };
            match link {
                Link::Child(child) if scope.is_exchange() => {
                    let child_scope = scope.child(child).ok_or_else(|| SyncError::NotChild {
                        peer: child.clone(),
                        server: scope.code.clone(),
                    })?;
                    let authored = h.source.is_under(child)
                        || (*via == Via::Repair && h.destination.is_under(child));
                    if !authored
                        || !scope.holds_envelope(&route)
                        || !child_scope.holds_envelope(&route)
                    {
                        return Err(refuse(child.to_string(), RULE_SEALED_SOURCE));
                    }
                }
                Link::Parent if scope.is_exchange() => {
                    if !h.destination.is_under(&scope.code) || !scope.holds_envelope(&route) {
                        return Err(refuse(scope_name(scope), RULE_SEALED_DOWN));
                    }
                }
                Link::Parent => {
                    let own = *via == Via::Repair && h.source == scope.code;
                    if h.destination != scope.code && !own {
                        return Err(refuse(scope_name(scope), RULE_SEALED_DOWN));
                    }
                    let keys = self.keys().ok_or(SealError::NoKey {
                        county: scope.code.clone(),
                    })?;
                    let Some(signer) = keys.peer_key(&h.source, &h.signer_key) else {
                        keys.want_keys();
                        return Err(SealError::UnknownSigner {
                            id: h.record.clone(),
                            from: h.source.clone(),
                            key_id: h.signer_key.clone(),
                        }
                        .into());
                    };
                    env.verify(&signer)?;
                    if !own {
                        let key = keys.own_key(&h.recipient_key).ok_or_else(|| {
                            SealError::UnknownRecipientKey {
                                id: h.record.clone(),
                                county: scope.code.clone(),
                                key_id: h.recipient_key.clone(),
                            }
                        })?;
                        let plain = env.open_with(&key, &mut batch_keys)?;
                        let record = liudong_proto::decode_record(&plain)
                            .map_err(|error| SyncError::Decode { index, error })?;
                        if record.id != h.record || !record.id.node.is_under(&h.source) {
                            return Err(refuse(h.source.to_string(), RULE_SEALED_AUTHOR));
                        }
                        let item =
                            self.check_one(record, &items, limits, &record_rules, link, false)?;
                        items.push(item);
                    }
                }
                Link::Child(c) => {
                    return Err(SyncError::Protocol(format!(
                        "the link with {c} does not carry sealed envelopes"
                    )));
                }
            }
            envelopes.push(h.item(bytes.to_vec()));
        }
        Ok((items, envelopes))
    }

    /// What `link`'s peer may send (see the module docs).
    fn rules(&self, link: &Link) -> Result<Rules, SyncError> {
        Ok(match link {
            Link::Parent => Rules {
                holder: self.scope().clone(),
                rule: RULE_PARENT_SEND,
                authors_under: None,
            },
            Link::Child(c) => Rules {
                holder: self.scope().child(c).ok_or_else(|| SyncError::NotChild {
                    peer: c.clone(),
                    server: self.scope().code.clone(),
                })?,
                rule: RULE_CHILD_PUSH,
                authors_under: Some(c.clone()),
            },
        })
    }
}
