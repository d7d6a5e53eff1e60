//! Scoped fingerprints: per link, a three-level tree of commutative digests
//! over the records the node shares with the peer on that link, maintained
//! incrementally inside every `apply_batch`.
//!
//! A record belongs to the *scope of a link* exactly when the routing rule
//! sends it over that link (`NodeScope::links_for`, including the link it came
//! from). Seen from both ends, that is the same set: the records both peers
//! are entitled to. Within a link, a record falls into one *bucket*, named by
//! the record's month (from its HLC, UTC) and its origin code, so a
//! difference can be narrowed down to "village 410602100001, 2026-11".
//!
//! | key                                      | value                   |
//! |------------------------------------------|-------------------------|
//! | `F` · link · `0`                         | root digest of the link |
//! | `F` · link · `1` · month                 | digest of one month     |
//! | `F` · link · `2` · month · area          | digest of one bucket    |
//! | `G` · link · month · area · id           | blake3 of record bytes  |
//!
//! A digest is the XOR of the members' blake3 hashes plus their count (XOR is
//! commutative, so the digest does not depend on arrival order). Adding a
//! record touches at most 3 links × 3 digests + 1 member key per link: O(1)
//! point reads and writes, no scans. The `G` member index makes the listing of
//! one bucket a prefix scan, and is what [`crate::Store::audit`] checks
//! against the records actually stored.

use crate::{Incoming, Store, StoreError, keys};
use liudong_core::{Date, Link, Record, RecordId};
use std::collections::HashMap;

pub const FINGERPRINT: u8 = b'F';
pub const MEMBER: u8 = b'G';

const ROOT: u8 = 0;
const MONTH: u8 = 1;
const BUCKET: u8 = 2;

/// A commutative digest of a set of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Digest {
    pub xor: [u8; 32],
    pub count: u64,
}

impl Digest {
    /// Adds (`add == true`) or removes one member hash.
    pub fn toggle(&mut self, hash: &[u8; 32], add: bool) {
        for (a, b) in self.xor.iter_mut().zip(hash) {
            *a ^= b;
        }
        self.count = if add {
            self.count + 1
        } else {
            self.count.saturating_sub(1)
        };
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = self.xor.to_vec();
        v.extend_from_slice(&self.count.to_be_bytes());
        v
    }

    pub fn decode(v: &[u8]) -> Option<Digest> {
        if v.len() != 40 {
            return None;
        }
        Some(Digest {
            xor: v[..32].try_into().ok()?,
            count: u64::from_be_bytes(v[32..].try_into().ok()?),
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
        write!(
            f,
            "origin {} in {:04}-{:02}",
            self.area,
            self.month / 100,
            self.month % 100
        )
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

/// The member hash of a record's canonical bytes.
pub fn hash(bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(bytes).as_bytes()
}

fn area_part(area: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(1 + area.len());
    v.push(area.len() as u8);
    v.extend_from_slice(area.as_bytes());
    v
}

pub fn root_key(lk: &[u8]) -> Vec<u8> {
    keys::prefixed(FINGERPRINT, &[lk, &[ROOT]])
}

pub fn month_key(lk: &[u8], month: u32) -> Vec<u8> {
    keys::prefixed(FINGERPRINT, &[lk, &[MONTH], &month.to_be_bytes()])
}

pub fn months_prefix(lk: &[u8]) -> Vec<u8> {
    keys::prefixed(FINGERPRINT, &[lk, &[MONTH]])
}

pub fn bucket_key(lk: &[u8], b: &Bucket) -> Vec<u8> {
    keys::prefixed(
        FINGERPRINT,
        &[lk, &[BUCKET], &b.month.to_be_bytes(), &area_part(&b.area)],
    )
}

pub fn buckets_of_month_prefix(lk: &[u8], month: u32) -> Vec<u8> {
    keys::prefixed(FINGERPRINT, &[lk, &[BUCKET], &month.to_be_bytes()])
}

/// Parses the month and area after a `buckets_of_month_prefix`-style key's link part.
pub fn parse_bucket_tail(tail: &[u8]) -> Option<Bucket> {
    let month = u32::from_be_bytes(tail.get(..4)?.try_into().ok()?);
    let len = *tail.get(4)? as usize;
    let area = std::str::from_utf8(tail.get(5..5 + len)?).ok()?.to_string();
    Some(Bucket { month, area })
}

pub fn member_prefix(lk: &[u8], b: &Bucket) -> Vec<u8> {
    keys::prefixed(MEMBER, &[lk, &b.month.to_be_bytes(), &area_part(&b.area)])
}

pub fn member_key(lk: &[u8], b: &Bucket, id_key: &[u8]) -> Vec<u8> {
    let mut k = member_prefix(lk, b);
    k.extend_from_slice(id_key);
    k
}

/// Splits a member key into (link key, bucket, id key).
pub fn parse_member_key(k: &[u8]) -> Option<(Vec<u8>, Bucket, RecordId)> {
    if *k.first()? != MEMBER {
        return None;
    }
    let rest = &k[1..];
    let link_len = match *rest.first()? {
        0 => 1,
        n => 1 + n as usize,
    };
    let lk = rest.get(..link_len)?.to_vec();
    let tail = rest.get(link_len..)?;
    let b = parse_bucket_tail(tail)?;
    let id_at = 5 + b.area.len();
    let id = keys::parse_id(tail.get(id_at..)?)?;
    Some((lk, b, id))
}

/// Digest changes accumulated for one store batch (the writer lock is held,
/// so reading the current digests and writing them back is race-free).
#[derive(Default)]
pub struct Pending {
    digests: HashMap<Vec<u8>, Digest>,
    members: HashMap<Vec<u8>, Option<[u8; 32]>>,
}

impl Pending {
    fn digest(&mut self, tree: &sled::Tree, key: Vec<u8>) -> Result<&mut Digest, sled::Error> {
        if !self.digests.contains_key(&key) {
            let d = tree
                .get(&key)?
                .and_then(|v| Digest::decode(&v))
                .unwrap_or_default();
            self.digests.insert(key.clone(), d);
        }
        Ok(self.digests.get_mut(&key).expect("inserted above"))
    }

    fn member(&mut self, tree: &sled::Tree, key: &[u8]) -> Result<Option<[u8; 32]>, sled::Error> {
        if let Some(m) = self.members.get(key) {
            return Ok(*m);
        }
        Ok(tree.get(key)?.and_then(|v| v.as_ref().try_into().ok()))
    }

    fn toggle_all(
        &mut self,
        tree: &sled::Tree,
        lk: &[u8],
        b: &Bucket,
        h: &[u8; 32],
        add: bool,
    ) -> Result<(), sled::Error> {
        for key in [root_key(lk), month_key(lk, b.month), bucket_key(lk, b)] {
            self.digest(tree, key)?.toggle(h, add);
        }
        Ok(())
    }

    /// Makes `id` a member of `link`'s bucket `b` with hash `h` (idempotent:
    /// a member already present with the same hash changes nothing).
    /// `fresh` says the record was never held before (its sequence number is
    /// above its author's high-water mark), so it cannot be a member yet and
    /// the member look-up is skipped.
    pub fn add(
        &mut self,
        tree: &sled::Tree,
        link: &Link,
        b: &Bucket,
        id_key: &[u8],
        h: [u8; 32],
        fresh: bool,
    ) -> Result<(), sled::Error> {
        let lk = keys::link(link);
        let mk = member_key(&lk, b, id_key);
        let existing = if fresh { None } else { self.member(tree, &mk)? };
        match existing {
            Some(old) if old == h => return Ok(()),
            Some(old) => self.toggle_all(tree, &lk, b, &old, false)?,
            None => {}
        }
        self.toggle_all(tree, &lk, b, &h, true)?;
        self.members.insert(mk, Some(h));
        Ok(())
    }

    /// Removes a member given by its key (no-op if absent).
    pub fn remove(&mut self, tree: &sled::Tree, member_key: &[u8]) -> Result<(), sled::Error> {
        let Some((lk, b, _)) = parse_member_key(member_key) else {
            return Ok(());
        };
        if let Some(old) = self.member(tree, member_key)? {
            self.toggle_all(tree, &lk, &b, &old, false)?;
            self.members.insert(member_key.to_vec(), None);
        }
        Ok(())
    }

    /// Writes the accumulated changes into `batch`.
    pub fn write(self, batch: &mut sled::Batch) {
        for (k, d) in self.digests {
            if d.count == 0 {
                batch.remove(k);
            } else {
                batch.insert(k, d.encode());
            }
        }
        for (k, m) in self.members {
            match m {
                Some(h) => batch.insert(k, &h[..]),
                None => batch.remove(k),
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

fn receipt_key(lk: &[u8]) -> Vec<u8> {
    keys::prefixed(keys::META, &[b"receipt:", lk])
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("fingerprint index: {what}"))
}

impl Store {
    /// Adds the fingerprint entries of newly stored records to `pending`.
    pub(crate) fn fingerprint_new(
        &self,
        pending: &mut Pending,
        item: &Incoming,
        id_key: &[u8],
        links: &[Link],
        fresh: bool,
    ) -> Result<(), StoreError> {
        let b = bucket_of(&item.record);
        let h = hash(&item.bytes);
        for link in links {
            pending.add(&self.tree, link, &b, id_key, h, fresh)?;
        }
        Ok(())
    }

    /// Builds the fingerprint index from the stored records if this store
    /// predates it (once; O(records)).
    pub(crate) fn backfill_fingerprints(&self) -> Result<(), StoreError> {
        let flag = keys::meta("fingerprints");
        if self.tree.get(&flag)?.is_some() {
            return Ok(());
        }
        let _w = self.lock();
        let mut pending = Pending::default();
        let mut n = 0u64;
        for kv in self.tree.scan_prefix([keys::RECORD]) {
            let (k, v) = kv?;
            let (_, _, bytes) =
                keys::split_record_value(&v).ok_or_else(|| corrupt("record value"))?;
            let r = liudong_proto::decode_record(bytes)
                .map_err(|e| StoreError::Corrupt(format!("stored record: {e}")))?;
            let item = Incoming {
                record: r,
                bytes: bytes.to_vec(),
            };
            let links = self.scope.links_for(self.parent.as_ref(), &item.record);
            self.fingerprint_new(&mut pending, &item, &k[1..], &links, false)?;
            n += 1;
            if n.is_multiple_of(10_000) {
                let mut batch = sled::Batch::default();
                std::mem::take(&mut pending).write(&mut batch);
                self.tree.apply_batch(batch)?;
            }
        }
        let mut batch = sled::Batch::default();
        pending.write(&mut batch);
        batch.insert(flag, &[1u8][..]);
        self.tree.apply_batch(batch)?;
        self.db.flush()?;
        if n > 0 {
            tracing::info!(records = n, "built the fingerprint index");
        }
        Ok(())
    }

    /// The root digest of a link's scope.
    pub fn fingerprint(&self, link: &Link) -> Result<Digest, StoreError> {
        Ok(self
            .tree
            .get(root_key(&keys::link(link)))?
            .and_then(|v| Digest::decode(&v))
            .unwrap_or_default())
    }

    /// The digests of every month of a link's scope.
    pub fn fingerprint_months(&self, link: &Link) -> Result<Vec<(u32, Digest)>, StoreError> {
        let prefix = months_prefix(&keys::link(link));
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let month = u32::from_be_bytes(
                k[prefix.len()..]
                    .try_into()
                    .map_err(|_| corrupt("month key"))?,
            );
            out.push((month, Digest::decode(&v).ok_or_else(|| corrupt("digest"))?));
        }
        Ok(out)
    }

    /// The digests of every bucket of one month of a link's scope.
    pub fn fingerprint_buckets(
        &self,
        link: &Link,
        month: u32,
    ) -> Result<Vec<(Bucket, Digest)>, StoreError> {
        let lk = keys::link(link);
        let prefix = buckets_of_month_prefix(&lk, month);
        let skip = 1 + lk.len() + 1;
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let b = parse_bucket_tail(&k[skip..]).ok_or_else(|| corrupt("bucket key"))?;
            out.push((b, Digest::decode(&v).ok_or_else(|| corrupt("digest"))?));
        }
        Ok(out)
    }

    /// The members (record id and hash) of one bucket of a link's scope.
    pub fn bucket_members(
        &self,
        link: &Link,
        b: &Bucket,
    ) -> Result<Vec<(RecordId, [u8; 32])>, StoreError> {
        let prefix = member_prefix(&keys::link(link), b);
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let id = keys::parse_id(&k[prefix.len()..]).ok_or_else(|| corrupt("member key"))?;
            let h: [u8; 32] = v.as_ref().try_into().map_err(|_| corrupt("member hash"))?;
            out.push((id, h));
        }
        Ok(out)
    }

    /// Checks the fingerprint index against the records actually stored and
    /// repairs the index: a record indexed but gone is removed from the
    /// fingerprints; a record whose bytes no longer match its hash (or no
    /// longer decode) is removed entirely, so that a repair can fetch it again.
    /// O(records); runs at the start of every verification, never on the
    /// write path.
    pub fn audit(&self) -> Result<AuditReport, StoreError> {
        let mut report = AuditReport::default();
        // Read-only pass first, without blocking writers.
        let mut suspects: Vec<Vec<u8>> = Vec::new();
        for kv in self.tree.scan_prefix([MEMBER]) {
            let (k, v) = kv?;
            report.checked += 1;
            let (_, _, id) = parse_member_key(&k).ok_or_else(|| corrupt("member key"))?;
            let ok = match self.tree.get(keys::record(&keys::id(&id)))? {
                Some(stored) => keys::split_record_value(&stored)
                    .is_some_and(|(_, _, bytes)| hash(bytes).as_slice() == v.as_ref()),
                None => false,
            };
            if !ok {
                suspects.push(k.to_vec());
            }
        }
        if suspects.is_empty() {
            return Ok(report);
        }
        let _w = self.lock();
        let mut pending = Pending::default();
        let mut batch = sled::Batch::default();
        let mut seen = std::collections::BTreeSet::new();
        for mk in suspects {
            let (_, _, id) = parse_member_key(&mk).ok_or_else(|| corrupt("member key"))?;
            let Some(h) = self.tree.get(&mk)? else {
                continue;
            };
            let rk = keys::record(&keys::id(&id));
            let stored = self.tree.get(&rk)?;
            let state = match &stored {
                None => Some(false),
                Some(v) => match keys::split_record_value(v) {
                    Some((_, _, bytes)) if hash(bytes).as_slice() == h.as_ref() => None,
                    _ => Some(true),
                },
            };
            let Some(is_corrupt) = state else { continue };
            pending.remove(&self.tree, &mk)?;
            if is_corrupt {
                batch.remove(rk);
            }
            if seen.insert(id.to_string()) {
                if is_corrupt || stored.is_some() {
                    report.corrupt.push(id.to_string());
                } else {
                    report.missing.push(id.to_string());
                }
            }
        }
        pending.write(&mut batch);
        self.tree.apply_batch(batch)?;
        self.db.flush()?;
        tracing::warn!(
            missing = report.missing.len(),
            corrupt = report.corrupt.len(),
            "audit found records missing or corrupt in this store"
        );
        Ok(report)
    }

    /// Stores the receipt of the last verification of `link`.
    pub fn set_receipt(&self, link: &Link, r: &Receipt) -> Result<(), StoreError> {
        let v = postcard::to_allocvec(r).map_err(|e| corrupt(&e.to_string()))?;
        self.tree.insert(receipt_key(&keys::link(link)), v)?;
        Ok(())
    }

    /// The receipt of the last verification of `link`, if any.
    pub fn receipt(&self, link: &Link) -> Result<Option<Receipt>, StoreError> {
        match self.tree.get(receipt_key(&keys::link(link)))? {
            Some(v) => Ok(Some(
                postcard::from_bytes(&v).map_err(|e| corrupt(&e.to_string()))?,
            )),
            None => Ok(None),
        }
    }
}
