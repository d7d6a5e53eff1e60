//! Anti-entropy: the `Verify` exchange between a node and its upper node.
//!
//! The lower node audits its own store (fingerprint index against the records
//! actually stored), then compares the fingerprints of its scope with the
//! upper node's digest of the same scope top-down — root, months, buckets —
//! lists the members of the buckets that differ, and (with `repair`) fetches
//! exactly the records it lacks and offers exactly the records the upper node
//! lacks. Both transfers go through the node's one receive path
//! ([`Node::receive`]: limits → decode → validate → entitlement → authorship
//! → atomic apply), like a session's batches. The outcome is kept as the link's sync
//! receipt, shown by `liudong status`.

use crate::error::SyncError;
use crate::identity::PeerInfo;
use crate::node::{Node, blocking};
use crate::receive::Admission;
pub use crate::verify_report::{BucketDiff, SourceCheck, VerifyReport};
use bytes::Bytes;
use futures::future::BoxFuture;
use liudong_core::{Code, Link, NodeScope, RecordId};
use liudong_proto::VERIFY_VERSION;
use liudong_store::CursorDir;
use liudong_store::fingerprint::{Bucket, Digest, Hash, Receipt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

/// Most months or buckets named in one query.
pub const MAX_QUERY_ITEMS: usize = 256;
/// Most members listed in one answer.
pub const MAX_MEMBERS: usize = 200_000;

/// One question of the lower node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyQuery {
    Root,
    Months,
    Buckets(Vec<u32>),
    Members(Vec<Bucket>),
    Fetch(Vec<RecordId>),
    /// On a sealed link: the envelopes of these records sealed to these counties.
    FetchSealed(Vec<(RecordId, Code)>),
    Offer(Vec<Bytes>),
}

/// A request: version, the asking node, the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyRequest {
    pub version: u32,
    pub node: String,
    pub query: VerifyQuery,
}

/// The upper node's answer (only the part asked for is filled).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyAnswer {
    pub version: u32,
    pub node: String,
    pub root: Option<Digest>,
    pub months: Vec<(u32, Digest)>,
    pub buckets: Vec<(Bucket, Digest)>,
    pub members: Vec<(Bucket, RecordId, Hash)>,
    pub records: Vec<Bytes>,
    pub applied_new: u64,
    pub applied_duplicate: u64,
}

/// Sends verify requests to the upper node (implemented by the transport).
pub trait VerifyPeer: Send + Sync + 'static {
    fn call(&self, req: VerifyRequest) -> BoxFuture<'static, Result<VerifyAnswer, SyncError>>;
}

fn too_many(what: &str, n: usize, max: usize) -> SyncError {
    SyncError::Limit(liudong_i18n::t!(
        "sync-limit-verify",
        n = n,
        what = what,
        max = max
    ))
}

/// Answers one verify request of a child (the upper node's side). A
/// refusal (who the peer is, what it offered) is written to the audit
/// trail with the peer's code, certificate fingerprint and address.
pub async fn serve_verify(
    node: Arc<Node>,
    peer: PeerInfo,
    req: VerifyRequest,
) -> Result<VerifyAnswer, SyncError> {
    let (claimed, fingerprint, addr) = (
        req.node.clone(),
        peer.fingerprint.clone(),
        peer.addr.clone(),
    );
    let r = serve_verify_inner(node.clone(), peer, req).await;
    if let Err(e) = &r
        && e.is_refusal()
    {
        crate::audit::write_refusal(&node, &claimed, fingerprint, addr, e).await;
    }
    r
}

async fn serve_verify_inner(
    node: Arc<Node>,
    peer: PeerInfo,
    req: VerifyRequest,
) -> Result<VerifyAnswer, SyncError> {
    node.store().check_writable()?;
    if req.version != VERIFY_VERSION {
        return Err(SyncError::Version {
            ours: VERIFY_VERSION,
            theirs: req.version,
        });
    }
    let (code, child) = peer.identify_child(&node, &req.node, "VerifyRequest.node")?;
    let fingerprint = peer.fingerprint.clone();
    let link = Link::Child(code.clone());
    let mut ans = VerifyAnswer {
        version: VERIFY_VERSION,
        node: node.scope().code.to_string(),
        ..VerifyAnswer::default()
    };
    let store = node.store().clone();
    match req.query {
        VerifyQuery::Root => {
            ans.root = Some(blocking(move || Ok(store.fingerprint(&link)?)).await?);
        }
        VerifyQuery::Months => {
            ans.months = blocking(move || Ok(store.fingerprint_months(&link)?)).await?;
        }
        VerifyQuery::Buckets(months) => {
            if months.len() > MAX_QUERY_ITEMS {
                return Err(too_many(
                    &liudong_i18n::t!("sync-verify-months"),
                    months.len(),
                    MAX_QUERY_ITEMS,
                ));
            }
            ans.buckets = blocking(move || {
                let mut out = Vec::new();
                for m in months {
                    out.extend(store.fingerprint_buckets(&link, m)?);
                }
                Ok(out)
            })
            .await?;
        }
        VerifyQuery::Members(buckets) => {
            if buckets.len() > MAX_QUERY_ITEMS {
                return Err(too_many(
                    &liudong_i18n::t!("sync-verify-buckets"),
                    buckets.len(),
                    MAX_QUERY_ITEMS,
                ));
            }
            ans.members = blocking(move || {
                let mut out = Vec::new();
                for b in buckets {
                    for (id, h) in store.bucket_members(&link, &b)? {
                        out.push((b.clone(), id, h));
                    }
                    if out.len() > MAX_MEMBERS {
                        return Err(too_many(
                            &liudong_i18n::t!("sync-verify-members"),
                            out.len(),
                            MAX_MEMBERS,
                        ));
                    }
                }
                Ok(out)
            })
            .await?;
        }
        VerifyQuery::Fetch(ids) => {
            let max = node.config().max_batch;
            if ids.len() > max {
                return Err(too_many(
                    &liudong_i18n::t!("sync-verify-record-ids"),
                    ids.len(),
                    max,
                ));
            }
            let child = child.clone();
            ans.records = blocking(move || {
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    // A record outside the caller's scope is answered as an
                    // unknown one: left out, revealing nothing of it.
                    match store.get(&id)? {
                        Some(r) if child.holds(&r) => {}
                        _ => continue,
                    }
                    if let Some(b) = store.get_bytes(&id)? {
                        out.push(Bytes::from(b));
                    }
                }
                Ok(out)
            })
            .await?;
            disclosed(&node, code.to_string(), fingerprint, &ans.records).await?;
        }
        VerifyQuery::FetchSealed(ids) => {
            let max = node.config().max_batch;
            if ids.len() > max {
                return Err(too_many(
                    &liudong_i18n::t!("sync-verify-envelope-ids"),
                    ids.len(),
                    max,
                ));
            }
            ans.records = blocking(move || {
                let mut out = Vec::with_capacity(ids.len());
                for (id, destination) in ids {
                    let Some(b) = store.envelope_bytes(&id, &destination)? else {
                        continue;
                    };
                    let h = liudong_exchange::peek_header(&b)?;
                    if !child.holds_envelope(&h.crossing()) {
                        return Err(SyncError::NotEntitled {
                            id,
                            peer: child.to_string(),
                            rule: crate::receive::RULE_SEALED_DOWN,
                        });
                    }
                    out.push(Bytes::from(b));
                }
                Ok(out)
            })
            .await?;
            disclosed(&node, code.to_string(), fingerprint, &ans.records).await?;
        }
        VerifyQuery::Offer(records) => {
            let out = node
                .receive(Admission::repair(link, records))
                .await?
                .outcome;
            ans.applied_new = out.new as u64;
            ans.applied_duplicate = out.duplicate as u64;
        }
    }
    Ok(ans)
}

/// Audits records about to leave this node outside a session (verify repair).
async fn disclosed(
    node: &Arc<Node>,
    peer: String,
    fingerprint: Option<String>,
    records: &[Bytes],
) -> Result<(), SyncError> {
    if records.is_empty() {
        return Ok(());
    }
    let event = liudong_store::audit::AuditEvent::Disclosed {
        peer,
        fingerprint,
        records: records.len() as u64,
        subjects: crate::audit::subjects_of(records).into_iter().collect(),
    };
    let store = node.store().clone();
    blocking(move || Ok(store.audit_append_durable(event)?)).await?;
    Ok(())
}

fn diff_keys<K: Ord + Clone>(here: &[(K, Digest)], there: &[(K, Digest)]) -> Vec<K> {
    let a: BTreeMap<&K, &Digest> = here.iter().map(|(k, d)| (k, d)).collect();
    let b: BTreeMap<&K, &Digest> = there.iter().map(|(k, d)| (k, d)).collect();
    let keys: BTreeSet<&K> = a.keys().chain(b.keys()).copied().collect();
    keys.into_iter()
        .filter(|k| a.get(k) != b.get(k))
        .cloned()
        .collect()
}

/// Runs one verification of this node's scope against its upstream `parent`.
pub async fn run_verify(
    node: Arc<Node>,
    parent: &NodeScope,
    peer: &dyn VerifyPeer,
    repair: bool,
) -> Result<VerifyReport, SyncError> {
    let span = info_span!("verify", upstream = %parent.code, repair);
    node.store().check_writable()?;
    let r = verify_inner(node.clone(), parent, peer, repair, false)
        .instrument(span)
        .await;
    node.verify_step("done", None, false);
    r
}

/// Verifies and repairs like [`run_verify`] as part of `liudong recover`:
/// the records fetched from the upstream are received as a recovery
/// ([`Admission::recover`]), so records in this node's own name that it lost
/// come back too, counted as written here.
pub async fn run_verify_reclaiming(
    node: Arc<Node>,
    parent: &NodeScope,
    peer: &dyn VerifyPeer,
) -> Result<VerifyReport, SyncError> {
    let span = info_span!("verify", upstream = %parent.code, repair = true, recover = true);
    node.store().check_writable()?;
    let r = verify_inner(node.clone(), parent, peer, true, true)
        .instrument(span)
        .await;
    node.verify_step("done", None, false);
    r
}

async fn verify_inner(
    node: Arc<Node>,
    parent: &NodeScope,
    peer: &dyn VerifyPeer,
    repair: bool,
    reclaim: bool,
) -> Result<VerifyReport, SyncError> {
    let own = node.scope().clone();
    let store = node.store().clone();
    let ask = |query| {
        peer.call(VerifyRequest {
            version: VERIFY_VERSION,
            node: own.code.to_string(),
            query,
        })
    };
    node.verify_step("audit", None, true);
    let audit = {
        let s = store.clone();
        blocking(move || Ok(s.audit()?)).await?
    };
    let local_root = |store: Arc<liudong_store::Store>| async move {
        blocking(move || Ok(store.fingerprint(&Link::Parent)?)).await
    };
    let root = ask(VerifyQuery::Root).await?;
    if root.node != parent.code.to_string() {
        return Err(SyncError::WrongUpstream {
            expected: parent.code.clone(),
            found: root.node,
        });
    }
    let remote_before = root.root.unwrap_or_default();
    let local_before = local_root(store.clone()).await?;
    let in_step_before = remote_before == local_before;
    let mut diffs: Vec<BucketDiff> = Vec::new();
    let mut missing_here: Vec<(Bucket, RecordId)> = Vec::new();
    let mut missing_there: Vec<(Bucket, RecordId)> = Vec::new();
    if !in_step_before {
        let there = ask(VerifyQuery::Months).await?.months;
        let s = store.clone();
        let here = blocking(move || Ok(s.fingerprint_months(&Link::Parent)?)).await?;
        let months = diff_keys(&here, &there);
        let mut buckets = Vec::new();
        node.verify_step("compare", Some(months.len() as u64), false);
        for chunk in months.chunks(MAX_QUERY_ITEMS) {
            let there = ask(VerifyQuery::Buckets(chunk.to_vec())).await?.buckets;
            let s = store.clone();
            let ms = chunk.to_vec();
            let here = blocking(move || {
                let mut out = Vec::new();
                for m in ms {
                    out.extend(s.fingerprint_buckets(&Link::Parent, m)?);
                }
                Ok(out)
            })
            .await?;
            buckets.extend(diff_keys(&here, &there));
            node.verify_done(chunk.len() as u64);
        }
        for chunk in buckets.chunks(64) {
            let there = ask(VerifyQuery::Members(chunk.to_vec())).await?.members;
            let mut there_by: BTreeMap<Bucket, BTreeMap<RecordId, Hash>> = BTreeMap::new();
            for (b, id, h) in there {
                there_by.entry(b).or_default().insert(id, h);
            }
            for b in chunk {
                let s = store.clone();
                let bb = b.clone();
                let here: BTreeMap<RecordId, Hash> =
                    blocking(move || Ok(s.bucket_members(&Link::Parent, &bb)?))
                        .await?
                        .into_iter()
                        .collect();
                let empty = BTreeMap::new();
                let there = there_by.get(b).unwrap_or(&empty);
                let mut d = BucketDiff {
                    bucket: b.to_string(),
                    here: here.len() as u64,
                    there: there.len() as u64,
                    missing_here: Vec::new(),
                    missing_there: Vec::new(),
                    conflicting: Vec::new(),
                };
                for (id, h) in there {
                    match here.get(id) {
                        None => {
                            d.missing_here.push(id.to_string());
                            missing_here.push((b.clone(), id.clone()));
                        }
                        Some(x) if x != h => d.conflicting.push(id.to_string()),
                        Some(_) => {}
                    }
                }
                for id in here.keys().filter(|id| !there.contains_key(id)) {
                    d.missing_there.push(id.to_string());
                    missing_there.push((b.clone(), id.clone()));
                }
                diffs.push(d);
            }
        }
    }
    let mut report = VerifyReport {
        node: own.code.to_string(),
        upstream: parent.code.to_string(),
        scope: own.to_string(),
        audit,
        in_step_before,
        in_step: in_step_before,
        local: local_before.hex(),
        remote: remote_before.hex(),
        buckets: diffs,
        fetched: 0,
        offered: 0,
        offered_new: 0,
        sources: Vec::new(),
        in_flight: 0,
    };
    // A recovery expects a store that differs everywhere: no line per bucket.
    for d in report.buckets.iter().filter(|_| !reclaim) {
        warn!(
            bucket = %d.bucket,
            here = d.here,
            there = d.there,
            missing_here = d.missing_here.len(),
            missing_there = d.missing_there.len(),
            conflicting = d.conflicting.len(),
            "fingerprints differ"
        );
    }
    // On a sealed link the items are envelopes: the receive path checks
    // their headers (a county's own envelope returned in a repair is
    // admitted, and an exchange takes back from a county the envelopes
    // addressed to it), so neither filter below applies.
    let sealed = node.sealed_link(&Link::Parent);
    if !reclaim && !sealed {
        // Records in this node's own name that it lost come back only
        // through `liudong recover` (the receive path refuses them
        // otherwise): they are not fetched, so the rest is repaired.
        let before = missing_here.len();
        missing_here.retain(|(_, id)| id.node != own.code);
        let lost = before - missing_here.len();
        if lost > 0 {
            warn!(
                records = lost,
                "records in this node's own name are held by the upstream but not here (store wiped or restored?); run `liudong recover` to take them back"
            );
        }
    }
    // The upstream admits from this node only records it or a node under
    // it wrote (the author rule of the receive path): records from above
    // that the upstream lacks come back to it from its own upstream.
    let before = missing_there.len();
    if !sealed {
        missing_there.retain(|(_, id)| id.node.is_under(&own.code));
    }
    if missing_there.len() < before {
        warn!(
            records = before - missing_there.len(),
            "records written above this node are held here but not by the upstream: not offered (the upstream takes them back from its own upstream)"
        );
    }
    if repair && !in_step_before {
        let max = node.config().max_batch.max(1);
        node.verify_step("fetch", Some(missing_here.len() as u64), false);
        for chunk in missing_here.chunks(max) {
            let query = if sealed {
                VerifyQuery::FetchSealed(
                    chunk
                        .iter()
                        .filter_map(|(b, id)| Some((id.clone(), destination_of(b)?)))
                        .collect(),
                )
            } else {
                VerifyQuery::Fetch(chunk.iter().map(|(_, id)| id.clone()).collect())
            };
            let records = ask(query).await?.records;
            let admission = if reclaim {
                Admission::recover(records)
            } else {
                Admission::repair(Link::Parent, records)
            };
            let out = node.receive(admission).await?.outcome;
            report.fetched += out.new as u64;
            node.verify_done(chunk.len() as u64);
        }
        node.verify_step("offer", Some(missing_there.len() as u64), false);
        for chunk in missing_there.chunks(max) {
            let s = store.clone();
            let ids = chunk.to_vec();
            let records = blocking(move || {
                let mut out = Vec::new();
                for (b, id) in ids {
                    let bytes = match destination_of(&b) {
                        Some(d) if sealed => s.envelope_bytes(&id, &d)?,
                        _ => s.get_bytes(&id)?,
                    };
                    out.extend(bytes.map(Bytes::from));
                }
                Ok(out)
            })
            .await?;
            report.offered += records.len() as u64;
            disclosed(&node, parent.code.to_string(), None, &records).await?;
            report.offered_new += ask(VerifyQuery::Offer(records)).await?.applied_new;
            node.verify_done(chunk.len() as u64);
        }
        let remote = ask(VerifyQuery::Root).await?.root.unwrap_or_default();
        let local = local_root(store.clone()).await?;
        report.in_step = remote == local;
        report.local = local.hex();
        report.remote = remote.hex();
    }
    let receipt = Receipt {
        peer: parent.code.to_string(),
        at_ms: node.now_ms(),
        in_step: report.in_step,
        cursor_in: store.cursor(CursorDir::In, &Link::Parent)?,
        cursor_out: store.cursor(CursorDir::Out, &Link::Parent)?,
        fingerprint: report.local.clone(),
        differing: if report.in_step {
            Vec::new()
        } else {
            report.buckets.iter().map(|d| d.bucket.clone()).collect()
        },
    };
    store.set_receipt(&Link::Parent, &receipt)?;
    info!(
        in_step_before = report.in_step_before,
        in_step = report.in_step,
        differing = report.buckets.len(),
        fetched = report.fetched,
        offered_new = report.offered_new,
        audit_missing = report.audit.missing.len(),
        audit_corrupt = report.audit.corrupt.len(),
        "verify finished"
    );
    Ok(report)
}

/// The destination county of an envelope bucket (`None` for a record bucket).
fn destination_of(b: &Bucket) -> Option<Code> {
    Code::parse(b.route()?.1).ok()
}

/// What a node verifies against.
#[derive(Clone)]
enum Against {
    /// Its upstream node (the `Verify` service).
    Node(Arc<dyn VerifyPeer>),
    /// A JetStream exchange: the delivery proofs addressed to it.
    Proofs(Arc<dyn crate::proofs::ExchangeProofs>),
}

/// Everything needed to verify a node against its upstream, shareable
/// between the periodic task and the admin service (one run at a time).
#[derive(Clone)]
pub struct Verifier {
    node: Arc<Node>,
    parent: NodeScope,
    peer: Against,
    running: Arc<tokio::sync::Mutex<()>>,
}

impl Verifier {
    pub fn new(node: Arc<Node>, parent: NodeScope, peer: Arc<dyn VerifyPeer>) -> Verifier {
        Verifier {
            node,
            parent,
            peer: Against::Node(peer),
            running: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// A county whose exchange is a JetStream cluster: verifies with the
    /// delivery proofs addressed to it ([`crate::proofs`]).
    pub fn with_proofs(
        node: Arc<Node>,
        exchange: NodeScope,
        proofs: Arc<dyn crate::proofs::ExchangeProofs>,
    ) -> Verifier {
        Verifier {
            node,
            parent: exchange,
            peer: Against::Proofs(proofs),
            running: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Runs one verification now (waiting for one already running). Against
    /// delivery proofs there is nothing to repair from the exchange
    /// (`repair` is ignored): the source re-sends (`liudong exchange resend`).
    pub async fn run(&self, repair: bool) -> Result<VerifyReport, SyncError> {
        let _one = self.running.lock().await;
        match &self.peer {
            Against::Node(peer) => {
                run_verify(self.node.clone(), &self.parent, peer.as_ref(), repair).await
            }
            Against::Proofs(p) => {
                crate::proofs::run_exchange_verify(self.node.clone(), &self.parent, p.as_ref())
                    .await
            }
        }
    }

    /// Verifies every `interval` until cancelled; failures are logged and
    /// retried at the next interval.
    pub async fn run_periodic(self, interval: Duration, repair: bool, cancel: CancellationToken) {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(interval) => {}
            }
            if let Err(e) = self.run(repair).await {
                warn!(error = %e, "periodic verify failed; retrying at the next interval");
            }
        }
    }
}
