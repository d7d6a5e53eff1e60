//! What a verification found: the report of `liudong verify` against an
//! exchange node (fingerprints) or a JetStream exchange (delivery proofs).
//! Its own module, so that [`crate::verify`] and [`crate::proofs`] both
//! fill it without importing each other.

use liudong_store::fingerprint::AuditReport;
use serde::{Deserialize, Serialize};

/// How one bucket differs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BucketDiff {
    /// e.g. "origin 410602100001 in 2026-11".
    pub bucket: String,
    /// Members held here / at the upper node.
    pub here: u64,
    pub there: u64,
    /// Record ids the upper node holds and this node lacks.
    pub missing_here: Vec<String>,
    /// Record ids this node holds and the upper node lacks.
    pub missing_there: Vec<String>,
    /// Record ids held on both sides with different content (not repairable).
    pub conflicting: Vec<String>,
}

/// Against a JetStream exchange: how the envelopes received from one source
/// county compare with its delivery proof ([`crate::proofs`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SourceCheck {
    pub source: String,
    /// `equal`, `ahead`, `in_flight`, `missing`, `no_proof` or `refused`.
    pub state: String,
    /// Envelopes the proof counts / held here.
    pub sent: u64,
    pub received: u64,
    /// Envelopes the proof counts that are not here.
    pub missing: u64,
    /// Their record ids, where the proof lists them.
    pub missing_ids: Vec<String>,
    /// The buckets (month, route) that differ.
    pub buckets: Vec<String>,
    /// Why a proof was refused.
    pub reason: String,
}

/// The outcome of one verification.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VerifyReport {
    pub node: String,
    pub upstream: String,
    /// The scope compared (this node's, as the upstream sees it).
    pub scope: String,
    /// What the local audit found and removed from the fingerprints.
    pub audit: AuditReport,
    /// Fingerprints equal before any repair.
    pub in_step_before: bool,
    /// Fingerprints equal at the end.
    pub in_step: bool,
    pub local: String,
    pub remote: String,
    pub buckets: Vec<BucketDiff>,
    /// Records fetched from the upstream and newly stored here.
    pub fetched: u64,
    /// Records offered to the upstream / newly stored there.
    pub offered: u64,
    pub offered_new: u64,
    /// Against a JetStream exchange: each source county's deliveries
    /// compared with its proof (empty against an exchange node).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceCheck>,
    /// Against a JetStream exchange: messages addressed to this county
    /// still in its queue.
    #[serde(default)]
    pub in_flight: u64,
}
