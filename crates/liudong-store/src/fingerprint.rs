//! Scoped fingerprints: per link, a three-level tree of commutative digests
//! over the records the node shares with the peer on that link, maintained
//! incrementally inside every apply batch.
//!
//! A record belongs to the *scope of a link* exactly when the routing rule
//! sends it over that link (`NodeScope::links_for`, including the link it came
//! from). Seen from both ends, that is the same set: the records both peers
//! are entitled to. Within a link, a record falls into one *bucket*, named by
//! the record's month (from its HLC, UTC) and its origin code, so a
//! difference can be narrowed down to "village 410602100001, 2026-11".
//!
//! The keys (`F` digests per link at three levels, `G` member pages) are
//! laid out in [`keys`].
//!
//! A digest is the XOR of the members' hashes (blake3, first 16 bytes) plus their count (XOR is
//! commutative, so the digest does not depend on arrival order). Adding a
//! record touches at most 3 links × 3 digests (read once per batch) and one
//! entry in a member page per link: O(1) point reads and writes, no scans.
//! The `G` member pages (one per batch and bucket, keyed by the lowest local
//! sequence number in the page) make the listing of one bucket a prefix scan,
//! and are what [`crate::Store::audit`] checks against the records actually
//! stored.

use crate::engine::{Batch, EngineError, Tree};
use crate::error::StoreError;
use crate::keys;
use crate::types::{Incoming, SealedItem};
use liudong_core::{Date, Link, NodeScope, Record, RecordId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

fn xor_into(into: &mut Hash, other: &Hash) {
    for (a, b) in into.iter_mut().zip(other) {
        *a ^= b;
    }
}

/// A commutative digest of a set of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Digest {
    pub xor: Hash,
    pub count: u64,
}

impl Digest {
    /// Adds (`add == true`) or removes one member hash.
    pub fn toggle(&mut self, hash: &Hash, add: bool) {
        xor_into(&mut self.xor, hash);
        self.count = if add {
            self.count + 1
        } else {
            self.count.saturating_sub(1)
        };
    }

    /// Adds the members of a disjoint set (another bucket's digest): the
    /// digest of the union.
    pub fn merge(&mut self, other: &Digest) {
        xor_into(&mut self.xor, &other.xor);
        self.count += other.count;
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = self.xor.to_vec();
        v.extend_from_slice(&self.count.to_be_bytes());
        v
    }

    pub fn decode(v: &[u8]) -> Option<Digest> {
        if v.len() != HASH_LEN + 8 {
            return None;
        }
        Some(Digest {
            xor: v[..HASH_LEN].try_into().ok()?,
            count: u64::from_be_bytes(v[HASH_LEN..].try_into().ok()?),
        })
    }

    /// Short hex form for operators: the first 8 bytes of the XOR and the count.
    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(24);
        for b in &self.xor[..8] {
            s.push_str(&format!("{b:02x}"));
        }
        format!("{s}/{}", self.count)
    }
}

/// One bucket of a link's scope: a month and an origin code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bucket {
    /// `yyyymm` of the record's HLC wall time (UTC).
    pub month: u32,
    /// The record's origin code.
    pub area: String,
}

impl std::fmt::Display for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((source, destination)) = self.route() {
            return write!(
                f,
                "envelopes {source}→{destination} sealed in {:04}-{:02}",
                self.month / 100,
                self.month % 100
            );
        }
        write!(
            f,
            "origin {} in {:04}-{:02}",
            self.area,
            self.month / 100,
            self.month % 100
        )
    }
}

/// Separates the two counties of an envelope bucket's area.
const ROUTE_SEPARATOR: char = '>';

impl Bucket {
    /// The bucket of the envelopes sealed in `month` on route
    /// source → destination (a sealed link's scope is bucketed by what the
    /// exchange can see: the month of sealing and the two counties).
    pub fn of_route(month: u32, source: &str, destination: &str) -> Bucket {
        Bucket {
            month,
            area: format!("{source}{ROUTE_SEPARATOR}{destination}"),
        }
    }

    /// For an envelope bucket, its source and destination counties.
    pub fn route(&self) -> Option<(&str, &str)> {
        self.area.split_once(ROUTE_SEPARATOR)
    }
}

/// The bucket of a record.
pub fn bucket_of(r: &Record) -> Bucket {
    let d = Date::from_unix_ms(r.hlc.wall_ms());
    Bucket {
        month: d.year.max(0) as u32 * 100 + d.month,
        area: r.origin.as_str().to_string(),
    }
}

/// Bytes of a member hash.
pub const HASH_LEN: usize = 16;

/// A member hash: the first 16 bytes of blake3 of a record's canonical bytes.
/// 128 bits make an accidental collision negligible (fingerprints detect
/// drift; authenticity is the job of TLS and bundle signatures) and keep the
/// incompressible part of the member pages small.
pub type Hash = [u8; HASH_LEN];

/// The member hash of a record's canonical bytes.
pub fn hash(bytes: &[u8]) -> Hash {
    let full = blake3::hash(bytes);
    full.as_bytes()[..HASH_LEN]
        .try_into()
        .expect("blake3 output is 32 bytes")
}

fn root_key(lk: &[u8]) -> Vec<u8> {
    keys::fp_root(lk)
}

fn month_key(lk: &[u8], month: u32) -> Vec<u8> {
    keys::fp_month(lk, month)
}

fn bucket_key(lk: &[u8], b: &Bucket) -> Vec<u8> {
    keys::fp_bucket(lk, b.month, &b.area)
}

fn member_prefix(lk: &[u8], b: &Bucket) -> Vec<u8> {
    keys::member_prefix(lk, b.month, &b.area)
}

/// Splits a member page key into (link key, bucket, bucket prefix length).
fn parse_page_key(k: &[u8]) -> Option<(Vec<u8>, Bucket, usize)> {
    let (lk, month, area, plen) = keys::parse_member_page(k)?;
    Some((lk, Bucket { month, area }, plen))
}

/// Encodes a member page: (id key, blake3 hash) pairs. Id keys are
/// self-delimiting (`len · code · seq`).
fn encode_page<'a>(members: impl IntoIterator<Item = (&'a [u8], &'a Hash)>) -> Vec<u8> {
    let mut v = Vec::new();
    for (id_key, h) in members {
        v.extend_from_slice(id_key);
        v.extend_from_slice(h);
    }
    v
}

/// Decodes a member page; `None` if it is malformed. Members are record id
/// keys or envelope item keys (both self-delimiting).
fn decode_page(mut v: &[u8]) -> Option<Vec<(&[u8], Hash)>> {
    let mut out = Vec::new();
    while !v.is_empty() {
        let id_len = keys::item_len(v)?;
        let id_key = v.get(..id_len)?;
        let h: Hash = v.get(id_len..id_len + HASH_LEN)?.try_into().ok()?;
        out.push((id_key, h));
        v = &v[id_len + HASH_LEN..];
    }
    Some(out)
}

/// The members a batch adds to one bucket, and the lowest local sequence
/// number among them (the page's key).
type NewPage = (u64, Vec<(Vec<u8>, Hash)>);

/// Digest changes and new member pages accumulated for one store batch (the
/// writer lock is held, so reading the current digests and writing them back
/// is race-free).
///
/// Members are *paged* like the log: one batch writes one page per
/// (link, bucket) it touches rather than one entry per record and link,
/// so a bulk sync pays for fingerprints a few page inserts per batch. A
/// record's membership is not looked up on the write path: the store applies
/// each record once (a record already held is a no-op), and [`crate::Store::audit`]
/// removes members whose record is gone or damaged, and duplicate members.
#[derive(Default)]
pub(crate) struct Pending {
    digests: HashMap<Vec<u8>, Digest>,
    /// Bucket prefix → (lowest local seq, new members).
    pages: BTreeMap<Vec<u8>, NewPage>,
    rewrites: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Pending {
    fn digest(&mut self, tree: &Tree, key: Vec<u8>) -> Result<&mut Digest, EngineError> {
        if !self.digests.contains_key(&key) {
            let d = tree
                .get(&key)?
                .and_then(|v| Digest::decode(&v))
                .unwrap_or_default();
            self.digests.insert(key.clone(), d);
        }
        Ok(self.digests.get_mut(&key).expect("inserted above"))
    }

    fn toggle_all(
        &mut self,
        tree: &Tree,
        lk: &[u8],
        b: &Bucket,
        h: &Hash,
        add: bool,
    ) -> Result<(), EngineError> {
        for key in [root_key(lk), month_key(lk, b.month), bucket_key(lk, b)] {
            self.digest(tree, key)?.toggle(h, add);
        }
        Ok(())
    }

    /// Adds record `id_key` (stored at local sequence `seq`, hash `h`) to
    /// `link`'s bucket `b`. The caller guarantees the record is newly stored.
    pub(crate) fn add(
        &mut self,
        tree: &Tree,
        link: &Link,
        b: &Bucket,
        id_key: &[u8],
        h: Hash,
        seq: u64,
    ) -> Result<(), EngineError> {
        let lk = keys::link(link);
        self.toggle_all(tree, &lk, b, &h, true)?;
        let page = self
            .pages
            .entry(member_prefix(&lk, b))
            .or_insert_with(|| (seq, Vec::new()));
        page.0 = page.0.min(seq);
        page.1.push((id_key.to_vec(), h));
        Ok(())
    }

    /// Replaces the page at `key` with `kept` after removing the members
    /// `dropped` from the digests of bucket `b` of link `lk`.
    fn rewrite(
        &mut self,
        tree: &Tree,
        key: Vec<u8>,
        lk: &[u8],
        b: &Bucket,
        kept: &[(&[u8], Hash)],
        dropped: &[Hash],
    ) -> Result<(), EngineError> {
        for h in dropped {
            self.toggle_all(tree, lk, b, h, false)?;
        }
        self.rewrites
            .push((key, encode_page(kept.iter().map(|(k, h)| (*k, h)))));
        Ok(())
    }

    /// Writes the accumulated changes into `batch`.
    pub(crate) fn write(self, batch: &mut Batch) {
        for (k, d) in self.digests {
            if d.count == 0 {
                batch.remove(k);
            } else {
                batch.insert(k, d.encode());
            }
        }
        for (prefix, (first, members)) in self.pages {
            let v = encode_page(members.iter().map(|(k, h)| (k.as_slice(), h)));
            batch.insert(keys::member_page(&prefix, first), v);
        }
        for (k, v) in self.rewrites {
            if v.is_empty() {
                batch.remove(k);
            } else {
                batch.insert(k, v);
            }
        }
    }
}

/// What an audit of the fingerprint index against the stored records found
/// and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditReport {
    /// Member entries checked.
    pub checked: u64,
    /// Records indexed but no longer stored (removed from the fingerprints).
    pub missing: Vec<String>,
    /// Records stored with bytes that no longer match their hash, or that do
    /// not decode (removed, so that repair can fetch them again).
    pub corrupt: Vec<String>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.corrupt.is_empty()
    }
}

/// The outcome of the last verification of one link, kept for `liudong status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    /// The peer's division code.
    pub peer: String,
    /// When the comparison finished (unix ms).
    pub at_ms: u64,
    /// Both sides' fingerprints of the link's scope were equal at the end.
    pub in_step: bool,
    /// How far this node had received the peer's outbox.
    pub cursor_in: u64,
    /// How far the peer had acknowledged this node's outbox.
    pub cursor_out: u64,
    /// This node's fingerprint of the link's scope (short hex / count).
    pub fingerprint: String,
    /// Buckets that still differed at the end (empty when in step).
    pub differing: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberState {
    Intact,
    Missing,
    Corrupt,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("fingerprint index: {what}"))
}

/// Adds the fingerprint entries of a newly stored record (stored at local
/// sequence `seq`, in the scopes of `links`) to `pending`.
pub(crate) fn add_record(
    pending: &mut Pending,
    tree: &Tree,
    item: &Incoming,
    id_key: &[u8],
    links: &[Link],
    seq: u64,
) -> Result<(), EngineError> {
    let b = bucket_of(&item.record);
    let h = hash(&item.bytes);
    for link in links {
        pending.add(tree, link, &b, id_key, h, seq)?;
    }
    Ok(())
}

/// Adds the fingerprint entries of a newly stored envelope (item key `key`,
/// stored at local sequence `seq`, in the scopes of `links`): bucket of its
/// route and month, hash of its bytes.
pub(crate) fn add_envelope(
    pending: &mut Pending,
    tree: &Tree,
    env: &SealedItem,
    key: &[u8],
    links: &[Link],
    seq: u64,
) -> Result<(), EngineError> {
    let b = Bucket::of_route(
        env.month,
        env.route.source.as_str(),
        env.route.destination.as_str(),
    );
    let h = hash(&env.bytes);
    for link in links {
        pending.add(tree, link, &b, key, h, seq)?;
    }
    Ok(())
}

/// Builds the fingerprint index from the stored records if this store
/// predates it (once; O(records)); returns how many records it indexed, or
/// `None` if the index was already built. The caller holds the writer lock
/// (or has not shared the store yet) and flushes afterwards.
pub(crate) fn backfill(
    tree: &Tree,
    scope: &NodeScope,
    parent: Option<&NodeScope>,
    sealed_parent: bool,
) -> Result<Option<u64>, StoreError> {
    let flag = keys::meta(keys::META_FINGERPRINTS);
    if tree.get(&flag)?.is_some() {
        return Ok(None);
    }
    let mut pending = Pending::default();
    let mut n = 0u64;
    for kv in tree.scan_prefix([keys::RECORD]) {
        let (k, v) = kv?;
        let (seq, _, bytes) =
            keys::split_record_value(&v).ok_or_else(|| corrupt("record value"))?;
        let r = liudong_proto::decode_record(bytes)
            .map_err(|e| StoreError::Corrupt(format!("stored record: {e}")))?;
        let item = Incoming {
            record: r,
            bytes: bytes.to_vec(),
        };
        let mut links = scope.links_for(parent, &item.record);
        if sealed_parent {
            links.retain(|l| *l != Link::Parent);
        }
        add_record(
            &mut pending,
            tree,
            &item,
            keys::id_key_of_record(&k),
            &links,
            seq,
        )?;
        n += 1;
        if n.is_multiple_of(10_000) {
            let mut batch = Batch::default();
            std::mem::take(&mut pending).write(&mut batch);
            tree.apply(batch)?;
        }
    }
    let mut batch = Batch::default();
    pending.write(&mut batch);
    batch.insert(flag, [1u8]);
    tree.apply(batch)?;
    Ok(Some(n))
}

/// The root digest of a link's scope.
pub(crate) fn root(tree: &Tree, link: &Link) -> Result<Digest, StoreError> {
    Ok(tree
        .get(root_key(&keys::link(link)))?
        .and_then(|v| Digest::decode(&v))
        .unwrap_or_default())
}

/// The digests of every month of a link's scope.
pub(crate) fn months(tree: &Tree, link: &Link) -> Result<Vec<(u32, Digest)>, StoreError> {
    let lk = keys::link(link);
    let mut out = Vec::new();
    for kv in tree.scan_prefix(keys::fp_months(&lk)) {
        let (k, v) = kv?;
        let month = keys::parse_fp_month(&k, &lk).ok_or_else(|| corrupt("month key"))?;
        out.push((month, Digest::decode(&v).ok_or_else(|| corrupt("digest"))?));
    }
    Ok(out)
}

/// The digests of every bucket of one month of a link's scope.
pub(crate) fn buckets(
    tree: &Tree,
    link: &Link,
    month: u32,
) -> Result<Vec<(Bucket, Digest)>, StoreError> {
    let lk = keys::link(link);
    let mut out = Vec::new();
    for kv in tree.scan_prefix(keys::fp_buckets_of_month(&lk, month)) {
        let (k, v) = kv?;
        let (month, area) = keys::parse_fp_bucket(&k, &lk).ok_or_else(|| corrupt("bucket key"))?;
        out.push((
            Bucket { month, area },
            Digest::decode(&v).ok_or_else(|| corrupt("digest"))?,
        ));
    }
    Ok(out)
}

/// The members (record id and hash) of one bucket of a link's scope (for an
/// envelope bucket, the ids of the sealed records: the destination is the
/// bucket's).
pub(crate) fn members(
    tree: &Tree,
    link: &Link,
    b: &Bucket,
) -> Result<Vec<(RecordId, Hash)>, StoreError> {
    let prefix = member_prefix(&keys::link(link), b);
    let mut out = Vec::new();
    for kv in tree.scan_prefix(&prefix) {
        let (_, v) = kv?;
        for (id_key, h) in decode_page(&v).ok_or_else(|| corrupt("member page"))? {
            out.push((
                keys::item_record_id(id_key).ok_or_else(|| corrupt("member id"))?,
                h,
            ));
        }
    }
    Ok(out)
}

/// Whether the record (or envelope) a member names is stored with the
/// member's hash.
fn member_state(tree: &Tree, id_key: &[u8], h: &Hash) -> Result<MemberState, StoreError> {
    Ok(match tree.get(keys::item(id_key))? {
        None => MemberState::Missing,
        Some(v) => match keys::split_record_value(&v) {
            Some((_, _, bytes)) if hash(bytes) == *h => MemberState::Intact,
            _ => MemberState::Corrupt,
        },
    })
}

/// The read-only first pass of an audit, without blocking writers: the
/// buckets (member page prefixes) with a member whose record is gone or
/// damaged, or that is listed twice. Counts the members checked in `report`.
pub(crate) fn audit_suspects(
    tree: &Tree,
    report: &mut AuditReport,
) -> Result<BTreeSet<Vec<u8>>, StoreError> {
    let mut suspects: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut bucket: Vec<u8> = Vec::new();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    for kv in tree.scan_prefix([keys::MEMBER]) {
        let (k, v) = kv?;
        let (_, _, plen) = parse_page_key(&k).ok_or_else(|| corrupt("member page key"))?;
        if k[..plen] != bucket[..] {
            bucket = k[..plen].to_vec();
            seen.clear();
        }
        for (id_key, h) in decode_page(&v).ok_or_else(|| corrupt("member page"))? {
            report.checked += 1;
            let ok = seen.insert(id_key.to_vec())
                && member_state(tree, id_key, &h)? == MemberState::Intact;
            if !ok {
                suspects.insert(bucket.clone());
            }
        }
    }
    Ok(suspects)
}

/// The second pass of an audit, under the writer lock: re-reads each suspect
/// bucket and returns the batch that rewrites its pages without the bad
/// members (and removes damaged records), naming them in `report`.
pub(crate) fn audit_repair(
    tree: &Tree,
    suspects: BTreeSet<Vec<u8>>,
    report: &mut AuditReport,
) -> Result<Batch, StoreError> {
    let mut pending = Pending::default();
    let mut batch = Batch::default();
    let mut named = BTreeSet::new();
    for prefix in suspects {
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        for kv in tree.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let (lk, b, _) = parse_page_key(&k).ok_or_else(|| corrupt("member page key"))?;
            let members = decode_page(&v).ok_or_else(|| corrupt("member page"))?;
            let (mut kept, mut dropped) = (Vec::new(), Vec::new());
            for (id_key, h) in members {
                if !seen.insert(id_key.to_vec()) {
                    dropped.push(h);
                    continue;
                }
                let state = member_state(tree, id_key, &h)?;
                if state == MemberState::Intact {
                    kept.push((id_key, h));
                    continue;
                }
                dropped.push(h);
                let id = keys::item_record_id(id_key).ok_or_else(|| corrupt("member id"))?;
                if state == MemberState::Corrupt {
                    batch.remove(keys::item(id_key));
                }
                if named.insert(id.to_string()) {
                    match state {
                        MemberState::Corrupt => report.corrupt.push(id.to_string()),
                        _ => report.missing.push(id.to_string()),
                    }
                }
            }
            if !dropped.is_empty() {
                pending.rewrite(tree, k.to_vec(), &lk, &b, &kept, &dropped)?;
            }
        }
    }
    pending.write(&mut batch);
    Ok(batch)
}

/// The key and value that store `r` as the receipt of `link`.
pub(crate) fn receipt_entry(link: &Link, r: &Receipt) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let v = postcard::to_allocvec(r).map_err(|e| corrupt(&e.to_string()))?;
    Ok((keys::receipt(&keys::link(link)), v))
}

/// The receipt of the last verification of `link`, if any.
pub(crate) fn receipt(tree: &Tree, link: &Link) -> Result<Option<Receipt>, StoreError> {
    match tree.get(keys::receipt(&keys::link(link)))? {
        Some(v) => Ok(Some(
            postcard::from_bytes(&v).map_err(|e| corrupt(&e.to_string()))?,
        )),
        None => Ok(None),
    }
}
