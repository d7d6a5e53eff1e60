//! Verify against an exchange that has no node to answer (the JetStream
//! cluster): each county announces, per destination, a signed delivery
//! proof ([`liudong_exchange::Proof`]) of what it has handed to the
//! exchange; the destination compares every proof addressed to it with its
//! own fingerprints of the envelopes it received from that source.
//!
//! Both sides use only what the exchange sees: a sealed link's scope is
//! fingerprinted by (month of sealing, source → destination) over the
//! envelope bytes, so the sender's buckets of a route and the receiver's
//! are the same set when nothing is lost. Per source the outcome is:
//!
//! - `equal`: every envelope the proof counts is here;
//! - `ahead`: all of them are here, and more (the proof predates the last
//!   envelopes; it is renewed after each published page);
//! - `in_flight`: some are not here yet, but messages addressed to this
//!   county are still in its consumer (delivered, not yet applied);
//! - `missing`: some are not here and nothing is on the way — named by id
//!   where the proof lists them, else by month; the source re-sends them
//!   (`liudong exchange resend`);
//! - `no_proof`: envelopes from that source are here but it has announced
//!   no proof (yet);
//! - `refused`: the proof does not verify (forged, altered, another route)
//!   or is signed with a key not received yet.

use crate::error::SyncError;
use crate::node::{Node, blocking};
use crate::verify_report::{BucketDiff, SourceCheck, VerifyReport};
use futures::future::BoxFuture;
use liudong_core::{Code, Link, NodeScope};
use liudong_exchange::Proof;
use liudong_exchange::proof::hash_of;
use liudong_store::CursorDir;
use liudong_store::Store;
use liudong_store::fingerprint::{Bucket, Digest, Hash};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tracing::{info, warn};

/// The proofs found: (source county, proof bytes).
pub type Found = Vec<(Code, Vec<u8>)>;

/// Where a county reads the proofs addressed to it (implemented by the
/// transport).
pub trait ExchangeProofs: Send + Sync + 'static {
    /// The latest proof of each of `sources` for `own` (absent ones left out).
    fn proofs(&self, own: Code, sources: Vec<Code>)
    -> BoxFuture<'static, Result<Found, SyncError>>;
    /// Messages addressed to `own` still in its queue: waiting, or delivered
    /// and not yet acknowledged.
    fn in_flight(&self, own: Code) -> BoxFuture<'static, Result<u64, SyncError>>;
}

/// The months (with their digests) of the envelopes of each route with
/// `source == own` (`outgoing`) or `destination == own` (incoming), keyed
/// by the other county.
pub fn routes(
    store: &Store,
    own: &Code,
    outgoing: bool,
) -> Result<BTreeMap<Code, BTreeMap<u32, Digest>>, SyncError> {
    let mut out: BTreeMap<Code, BTreeMap<u32, Digest>> = BTreeMap::new();
    for (m, _) in store.fingerprint_months(&Link::Parent)? {
        for (b, d) in store.fingerprint_buckets(&Link::Parent, m)? {
            let Some((s, t)) = b.route() else { continue };
            let other = match (outgoing, s == own.as_str(), t == own.as_str()) {
                (true, true, false) => t,
                (false, false, true) => s,
                _ => continue,
            };
            if let Ok(c) = Code::parse(other) {
                out.entry(c).or_default().insert(m, d);
            }
        }
    }
    Ok(out)
}

/// Verifies this county's deliveries from every source against their
/// proofs (see the module docs); the report's `sources` say how each
/// compares, `in_step` whether all are `equal` or `ahead`.
pub async fn run_exchange_verify(
    node: Arc<Node>,
    exchange: &NodeScope,
    peer: &dyn ExchangeProofs,
) -> Result<VerifyReport, SyncError> {
    node.store().check_writable()?;
    node.verify_step("audit", None, true);
    let r = verify_inner(node.clone(), exchange, peer).await;
    node.verify_step("done", None, false);
    r
}

async fn verify_inner(
    node: Arc<Node>,
    exchange: &NodeScope,
    peer: &dyn ExchangeProofs,
) -> Result<VerifyReport, SyncError> {
    let own = node.scope().code.clone();
    let store = node.store().clone();
    let audit = {
        let s = store.clone();
        blocking(move || Ok(s.audit()?)).await?
    };
    let here = {
        let (s, own) = (store.clone(), own.clone());
        blocking(move || routes(&s, &own, false)).await?
    };
    let ring = node.keys().cloned();
    let mut sources: BTreeSet<Code> = ring.as_ref().map(|r| r.peer_counties()).unwrap_or_default();
    sources.extend(here.keys().cloned());
    sources.remove(&own);
    node.verify_step("compare", Some(sources.len() as u64), false);
    let proofs: BTreeMap<Code, Vec<u8>> = peer
        .proofs(own.clone(), sources.iter().cloned().collect())
        .await?
        .into_iter()
        .collect();
    let in_flight = peer.in_flight(own.clone()).await?;
    let empty = BTreeMap::new();
    let (mut local, mut remote) = (Digest::default(), Digest::default());
    let mut checks = Vec::new();
    let mut diffs = Vec::new();
    for source in &sources {
        let mine = here.get(source).unwrap_or(&empty);
        let received: u64 = mine.values().map(|d| d.count).sum();
        for d in mine.values() {
            local.merge(d);
        }
        let mut check = SourceCheck {
            source: source.to_string(),
            received,
            ..SourceCheck::default()
        };
        let Some(bytes) = proofs.get(source) else {
            if received > 0 {
                check.state = "no_proof".into();
                checks.push(check);
            }
            continue;
        };
        let proof = match ring.as_deref() {
            Some(ring) => Proof::open(bytes, ring, source, &own).map_err(SyncError::from),
            None => Err(SyncError::from(liudong_exchange::SealError::NoKey {
                county: own.clone(),
            })),
        };
        let proof = match proof {
            Ok(p) => p,
            Err(e) => {
                warn!(source = %source, error = %e, "delivery proof refused");
                check.state = "refused".into();
                check.reason = e.to_string();
                checks.push(check);
                continue;
            }
        };
        check.sent = proof.count();
        let mut extra = 0u64;
        for pm in &proof.months {
            let there = pm.digest().unwrap_or_default();
            remote.merge(&there);
            let mine_m = mine.get(&pm.month).copied().unwrap_or_default();
            if mine_m == there {
                continue;
            }
            let bucket = Bucket::of_route(pm.month, source.as_str(), own.as_str());
            let mut d = BucketDiff {
                bucket: bucket.to_string(),
                here: mine_m.count,
                there: there.count,
                missing_here: Vec::new(),
                missing_there: Vec::new(),
                conflicting: Vec::new(),
            };
            match &pm.members {
                Some(listed) => {
                    let s = store.clone();
                    let b = bucket.clone();
                    let held: BTreeMap<String, Hash> =
                        blocking(move || Ok(s.bucket_members(&Link::Parent, &b)?))
                            .await?
                            .into_iter()
                            .map(|(id, h)| (id.to_string(), h))
                            .collect();
                    let theirs: BTreeMap<&str, Option<Hash>> = listed
                        .iter()
                        .map(|(id, h)| (id.as_str(), hash_of(h)))
                        .collect();
                    for (id, h) in &theirs {
                        match held.get(*id) {
                            None => d.missing_here.push(id.to_string()),
                            Some(x) if Some(*x) != *h => d.conflicting.push(id.to_string()),
                            Some(_) => {}
                        }
                    }
                    for id in held.keys().filter(|id| !theirs.contains_key(id.as_str())) {
                        d.missing_there.push(id.clone());
                    }
                    check.missing += d.missing_here.len() as u64;
                    extra += d.missing_there.len() as u64;
                    check.missing_ids.extend(d.missing_here.iter().cloned());
                }
                None => {
                    let lack = there.count.saturating_sub(mine_m.count);
                    // Equal counts with different digests: at least one
                    // envelope differs either way.
                    check.missing += lack.max(u64::from(there.count == mine_m.count));
                    extra += mine_m.count.saturating_sub(there.count);
                }
            }
            check.buckets.push(d.bucket.clone());
            diffs.push(d);
        }
        // Months here that the proof does not know yet.
        let known: BTreeSet<u32> = proof.months.iter().map(|m| m.month).collect();
        extra += mine
            .iter()
            .filter(|(m, _)| !known.contains(m))
            .map(|(_, d)| d.count)
            .sum::<u64>();
        check.state = match (check.missing, extra) {
            (0, 0) => "equal",
            (0, _) => "ahead",
            _ if in_flight > 0 => "in_flight",
            _ => "missing",
        }
        .into();
        checks.push(check);
    }
    let in_step = checks
        .iter()
        .all(|c| c.state == "equal" || c.state == "ahead");
    for c in checks.iter().filter(|c| c.state != "equal") {
        warn!(source = %c.source, state = %c.state, sent = c.sent, received = c.received, missing = c.missing, "delivery proof differs");
    }
    let report = VerifyReport {
        node: own.to_string(),
        upstream: exchange.code.to_string(),
        scope: node.scope().to_string(),
        audit,
        in_step_before: in_step,
        in_step,
        local: local.hex(),
        remote: remote.hex(),
        buckets: diffs,
        fetched: 0,
        offered: 0,
        offered_new: 0,
        sources: checks,
        in_flight,
    };
    let receipt = liudong_store::fingerprint::Receipt {
        peer: exchange.code.to_string(),
        at_ms: node.now_ms(),
        in_step,
        cursor_in: store.cursor(CursorDir::In, &Link::Parent)?,
        cursor_out: store.cursor(CursorDir::Out, &Link::Parent)?,
        fingerprint: report.local.clone(),
        differing: report.buckets.iter().map(|d| d.bucket.clone()).collect(),
    };
    store.set_receipt(&Link::Parent, &receipt)?;
    info!(
        in_step,
        sources = report.sources.len(),
        in_flight,
        "verify against the exchange's delivery proofs finished"
    );
    Ok(report)
}
