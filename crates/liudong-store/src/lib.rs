//! The embedded store of one Liudong node.
//!
//! This is the only crate that names sled. It keeps, in one sled tree (see
//! [`keys`]): records by id, the local append log, one outbox per link (the
//! routing index that lets a peer's pull cost what that peer receives), the
//! subject index, derived person views, cursors and link status.
//!
//! Invariants:
//! - A batch is applied atomically with one `apply_batch`: a record, its log
//!   entry, its outbox entries, its subject entry, the refreshed views and the
//!   cursor that the batch advances land together or not at all.
//! - Applying is idempotent: a record already held is a no-op. A record whose
//!   id is held with other bytes is a conflict: the whole batch is refused and
//!   nothing of it is stored (only the conflict counter moves).
//! - One writer at a time (a mutex), so local sequence numbers are assigned
//!   and become visible in order: a reader that has seen seq `n` will never
//!   later see a new entry below `n`.
//! - [`Store::apply`] returns only after the batch is flushed to disk when
//!   asked to be durable; callers acknowledge to peers only after that.
//! - The subject index and person views are derived from the log by an
//!   indexer with its own cursor ([`Store::index_pending`]), off the
//!   acknowledgement path; every read of a view first catches up, so a view
//!   read is always a function of all records held.

pub mod audit;
pub mod fingerprint;
pub mod held;
pub mod keys;
pub mod peer;

use keys::Dir;
use liudong_core::validate::{Limits, check_record};
use liudong_core::workflow;
use liudong_core::{
    Body, CitizenId, Code, Hlc, HlcClock, Link, NodeScope, PersonView, Record, RecordId,
    ValidationError,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store I/O error: {0}; check that the data directory exists, is writable and has free space"
    )]
    Io(#[from] sled::Error),
    #[error(
        "record {id} is already held with different content (conflicting duplicate id); nothing of this batch was stored"
    )]
    Conflict { id: RecordId },
    #[error("record {id}: {error}")]
    Invalid {
        id: RecordId,
        error: ValidationError,
    },
    /// A draft of a batch write (see [`Store::write_local_batch`]) fails;
    /// nothing of the batch was written.
    #[error(
        "draft #{index} of the batch (would be record {id}): {error}; nothing of this batch was written"
    )]
    InvalidInBatch {
        index: usize,
        id: RecordId,
        error: ValidationError,
    },
    #[error(
        "store is corrupt: {0}; restore the data directory from a backup or resync it from its upstream"
    )]
    Corrupt(String),
    #[error(
        "data directory belongs to node {found}, not {expected}; point data_dir at this node's own directory"
    )]
    WrongNode { found: String, expected: String },
}

impl StoreError {
    /// True for failures that may pass if retried later (I/O).
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Io(_))
    }
}

/// A decoded record with its canonical bytes.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub record: Record,
    pub bytes: Vec<u8>,
}

impl Incoming {
    pub fn new(record: Record) -> Incoming {
        let bytes = liudong_proto::encode_record(&record);
        Incoming { record, bytes }
    }
}

/// Where a batch came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Written at this node.
    Local,
    /// Received over a link (never sent back over it).
    Peer(Link),
    /// Imported or repaired without a link.
    Detached,
}

/// A cursor to move together with a batch.
#[derive(Debug, Clone)]
pub struct CursorUpdate {
    pub dir: Dir,
    pub link: Link,
    pub value: u64,
}

/// What applying a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// Records newly stored.
    pub new: usize,
    /// Records already held (no-ops).
    pub duplicate: usize,
    /// Highest local sequence number after the batch.
    pub last_seq: u64,
}

/// A page of one link's outbox.
#[derive(Debug, Clone, Default)]
pub struct OutboxPage {
    /// Canonical record bytes, in outbox order.
    pub records: Vec<Vec<u8>>,
    /// Outbox position covered (the last entry read, or the `after` given).
    pub cursor: u64,
    /// True if nothing was left after this page when it was read.
    pub drained: bool,
}

/// Persisted status of one link (postcard: new fields go at the end, and
/// [`Store::link_status`] still reads the values older builds wrote).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LinkStatus {
    pub last_success_ms: Option<u64>,
    pub last_failure_ms: Option<u64>,
    pub last_error: Option<String>,
    pub sessions: u64,
    pub records_sent: u64,
    pub records_received: u64,
    /// The last session with the upstream was refused (an error that is not
    /// retryable): the link driver then waits its longest backoff before the
    /// next attempt. Cleared when a session is accepted.
    #[serde(default)]
    pub refused: Option<Refusal>,
}

/// A refused session of the link with the upstream.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Refusal {
    /// When (unix ms).
    pub at_ms: u64,
    /// The error, as the link status's `last_error`.
    pub error: String,
}

/// [`LinkStatus`] as builds before `refused` stored it. Postcard has no
/// field names or lengths, so a value missing a trailing field does not
/// decode as the new struct (`#[serde(default)]` only helps self-describing
/// formats); it is read in this layout instead.
#[derive(Deserialize)]
struct LinkStatusV1 {
    last_success_ms: Option<u64>,
    last_failure_ms: Option<u64>,
    last_error: Option<String>,
    sessions: u64,
    records_sent: u64,
    records_received: u64,
}

impl From<LinkStatusV1> for LinkStatus {
    fn from(v: LinkStatusV1) -> LinkStatus {
        LinkStatus {
            last_success_ms: v.last_success_ms,
            last_failure_ms: v.last_failure_ms,
            last_error: v.last_error,
            sessions: v.sessions,
            records_sent: v.records_sent,
            records_received: v.records_received,
            refused: None,
        }
    }
}

impl LinkStatus {
    /// Decodes a stored link status, in the current layout or the one
    /// before `refused` was added.
    pub fn decode(bytes: &[u8]) -> Result<LinkStatus, postcard::Error> {
        postcard::from_bytes::<LinkStatus>(bytes).or_else(|e| {
            postcard::from_bytes::<LinkStatusV1>(bytes)
                .map(Into::into)
                .map_err(|_| e)
        })
    }
}

/// A record draft written by an operator at this node.
#[derive(Debug, Clone)]
pub struct Draft {
    pub operator: String,
    pub subject: CitizenId,
    pub origin: Code,
    pub residence: Option<Code>,
    pub body: Body,
}

/// One entry of [`Store::write_local_batch`]'s result.
#[derive(Debug, Clone)]
pub struct LocalWrite {
    pub record: Record,
    /// True if an identical record was already held (nothing was written).
    pub existing: bool,
}

/// A stored record: its source link key and bytes.
struct Stored {
    source: Vec<u8>,
    bytes: Vec<u8>,
}

struct Writer {
    next_seq: u64,
    author_seq: u64,
    clock: HlcClock,
    /// Highest sequence number held per authoring node (loaded lazily). A
    /// record above it cannot be held yet, so its duplicate check needs no
    /// tree look-up; records at or below it (repairs, resends) are looked up.
    authors: HashMap<Code, u64>,
}

/// Counters kept in memory since the store was opened.
#[derive(Debug, Default)]
pub struct Counters {
    pub applied: AtomicU64,
    pub duplicates: AtomicU64,
    pub conflicts: AtomicU64,
    /// Outbox entries read to serve peers (compare with records sent).
    pub outbox_read: AtomicU64,
}

/// Meta key of the persisted record count, written in the same sled batch as
/// the records it counts, so it survives a crash exactly as they do.
const RECORDS_META: &str = "records";

/// Tuning for sled.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// sled page cache size in bytes.
    pub cache_bytes: u64,
    /// Background flush interval; `None` flushes only when asked.
    pub flush_every_ms: Option<u64>,
    /// zstd level for sled's on-disk pages (1–22); `None` stores them uncompressed.
    pub compression: Option<i32>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_bytes: 64 << 20,
            flush_every_ms: Some(500),
            compression: Some(3),
        }
    }
}

impl StoreOptions {
    fn sled_config(&self, path: &Path) -> sled::Config {
        let c = sled::Config::new()
            .path(path)
            .cache_capacity(self.cache_bytes)
            .flush_every_ms(self.flush_every_ms);
        match self.compression {
            Some(level) => c.use_compression(true).compression_factor(level),
            None => c,
        }
    }
}

/// One node's store.
pub struct Store {
    db: sled::Db,
    tree: sled::Tree,
    scope: NodeScope,
    parent: Option<NodeScope>,
    writer: Mutex<Writer>,
    indexer: Mutex<()>,
    counters: Counters,
    /// Records held: persisted under [`RECORDS_META`] with every batch that
    /// adds records, recounted once when a store has no count yet.
    records: AtomicU64,
    /// The audit trail, a tree of its own (see `audit.rs`).
    audit: sled::Tree,
    /// Set when a batch could not be written or flushed: the writer's
    /// in-memory state may then be ahead of the disk, so every later batch
    /// is refused until the store is reopened (see [`Store::write_failed`]).
    write_failed: std::sync::atomic::AtomicBool,
}

/// Wall-clock time in unix milliseconds (0 if the clock is before 1970).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn read_meta(tree: &sled::Tree, name: &str) -> Result<u64, StoreError> {
    Ok(tree
        .get(keys::meta(name))?
        .and_then(|v| keys::u64_value(&v))
        .unwrap_or(0))
}

impl Store {
    /// Opens (or creates) the store of node `scope` in `path`.
    pub fn open(
        path: &Path,
        scope: NodeScope,
        parent: Option<NodeScope>,
        opts: &StoreOptions,
    ) -> Result<Store, StoreError> {
        let db = open_sled(&opts.sled_config(path))?;
        let tree = db.open_tree("liudong")?;
        let audit = db.open_tree("audit")?;
        let owner = keys::meta("node");
        match tree.get(&owner)? {
            Some(v) if v.as_ref() != scope.code.to_string().as_bytes() => {
                return Err(StoreError::WrongNode {
                    found: String::from_utf8_lossy(&v).into_owned(),
                    expected: scope.code.to_string(),
                });
            }
            Some(_) => {}
            None => {
                tree.insert(owner, scope.code.to_string().as_bytes())?;
                db.flush()?;
            }
        }
        if read_meta(&tree, "view_format")? != held::VIEW_FORMAT {
            // Views of another encoding: re-derive them all from the log.
            tree.remove(keys::meta("indexed"))?;
            tree.insert(
                keys::meta("view_format"),
                &held::VIEW_FORMAT.to_be_bytes()[..],
            )?;
        }
        let writer = Writer {
            next_seq: read_meta(&tree, "seq")?,
            author_seq: read_meta(&tree, "author_seq")?,
            clock: HlcClock::resume(Hlc(read_meta(&tree, "hlc")?)),
            authors: HashMap::new(),
        };
        let counters = Counters::default();
        counters
            .conflicts
            .store(read_meta(&tree, "conflicts")?, Ordering::Relaxed);
        let store = Store {
            db,
            tree,
            scope,
            parent,
            writer: Mutex::new(writer),
            indexer: Mutex::new(()),
            counters,
            records: AtomicU64::new(0),
            audit,
            write_failed: Default::default(),
        };
        store.backfill_fingerprints()?;
        store.load_record_count()?;
        Ok(store)
    }

    pub fn scope(&self) -> &NodeScope {
        &self.scope
    }

    pub fn parent(&self) -> Option<&NodeScope> {
        self.parent.as_ref()
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Validates and writes a record authored here, durably.
    pub fn write_local(&self, draft: Draft, limits: Limits) -> Result<Record, StoreError> {
        let mut w = self.lock();
        let record = Record {
            id: RecordId {
                node: self.scope.code.clone(),
                seq: w.author_seq + 1,
            },
            hlc: w.clock.tick(limits.now_ms),
            operator: draft.operator,
            subject: draft.subject,
            origin: draft.origin,
            residence: draft.residence,
            body: draft.body,
        };
        check_record(&record, limits).map_err(|error| StoreError::Invalid {
            id: record.id.clone(),
            error,
        })?;
        self.check_workflow_local(&record)?;
        let incoming = Incoming::new(record);
        self.apply_locked(
            &mut w,
            std::slice::from_ref(&incoming),
            &Source::Local,
            None,
            true,
        )?;
        Ok(incoming.record)
    }

    /// Validates and writes a batch of records authored here, atomically and
    /// durably (one flush for the batch: what `liudong import` uses). Every
    /// draft gets the checks of [`Store::write_local`]; the first that fails
    /// refuses the whole batch, naming its index. With `skip_identical`, a
    /// draft identical to a record already held about the same subject (same
    /// origin, residence and body; operator, id and clock aside), or to an
    /// earlier draft of the batch, is not written again: its entry in the
    /// result is that record, with `existing` set.
    pub fn write_local_batch(
        &self,
        drafts: Vec<Draft>,
        limits: Limits,
        skip_identical: bool,
    ) -> Result<Vec<LocalWrite>, StoreError> {
        let mut w = self.lock();
        let mut clock = w.clock;
        let mut seq = w.author_seq;
        let mut out: Vec<LocalWrite> = Vec::with_capacity(drafts.len());
        let mut held: HashMap<CitizenId, Vec<Record>> = HashMap::new();
        for (index, draft) in drafts.into_iter().enumerate() {
            if !held.contains_key(&draft.subject)
                && (skip_identical || workflow::needs_context(&draft.body))
            {
                let context = self.subject_records(draft.subject.as_str())?;
                held.insert(draft.subject.clone(), context);
            }
            let context = held.entry(draft.subject.clone()).or_default();
            if skip_identical
                && let Some(same) = context.iter().find(|r| {
                    r.origin == draft.origin
                        && r.residence == draft.residence
                        && r.body == draft.body
                })
            {
                out.push(LocalWrite {
                    record: same.clone(),
                    existing: true,
                });
                continue;
            }
            let record = Record {
                id: RecordId {
                    node: self.scope.code.clone(),
                    seq: seq + 1,
                },
                hlc: clock.tick(limits.now_ms),
                operator: draft.operator,
                subject: draft.subject,
                origin: draft.origin,
                residence: draft.residence,
                body: draft.body,
            };
            let invalid = |error| StoreError::InvalidInBatch {
                index,
                id: record.id.clone(),
                error,
            };
            check_record(&record, limits).map_err(invalid)?;
            if workflow::needs_context(&record.body) {
                workflow::check(&record, context).map_err(|i| invalid(i.to_validation()))?;
            }
            seq += 1;
            context.push(record.clone());
            out.push(LocalWrite {
                record,
                existing: false,
            });
        }
        let items: Vec<Incoming> = out
            .iter()
            .filter(|x| !x.existing)
            .map(|x| Incoming::new(x.record.clone()))
            .collect();
        if !items.is_empty() {
            self.apply_locked(&mut w, &items, &Source::Local, None, true)?;
        }
        Ok(out)
    }

    /// Applies a batch of received records atomically (see the crate docs).
    /// With `durable`, returns only after the batch is flushed to disk.
    pub fn apply(
        &self,
        items: &[Incoming],
        source: &Source,
        cursor: Option<CursorUpdate>,
        durable: bool,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut w = self.lock();
        self.apply_locked(&mut w, items, source, cursor, durable)
    }

    fn apply_locked(
        &self,
        w: &mut Writer,
        items: &[Incoming],
        source: &Source,
        cursor: Option<CursorUpdate>,
        durable: bool,
    ) -> Result<ApplyOutcome, StoreError> {
        self.check_writable()?;
        let mut batch = sled::Batch::default();
        let mut seq = w.next_seq;
        let mut author_seq = w.author_seq;
        let mut max_hlc = w.clock.last();
        let mut in_batch: HashMap<Vec<u8>, &[u8]> = HashMap::new();
        let (source_key, skip) = match source {
            Source::Local => (keys::LOCAL_SOURCE.to_vec(), None),
            Source::Peer(l) => (keys::link(l), Some(l)),
            Source::Detached => (keys::LOCAL_SOURCE.to_vec(), None),
        };
        let mut out = ApplyOutcome::default();
        let mut staged_authors: HashMap<Code, u64> = HashMap::new();
        let mut log_page: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut outbox_pages: BTreeMap<Vec<u8>, Vec<(u64, usize)>> = BTreeMap::new();
        let mut fp = fingerprint::Pending::default();
        for item in items {
            let id_key = keys::id(&item.record.id);
            if let Some(prev) = in_batch.get(&id_key) {
                if *prev != item.bytes.as_slice() {
                    return Err(self.conflict(&item.record.id));
                }
                out.duplicate += 1;
                continue;
            }
            let author = &item.record.id.node;
            let high = match staged_authors.get(author) {
                Some(h) => *h,
                None => self.author_high(w, author)?,
            };
            let fresh = item.record.id.seq > high;
            if fresh {
                staged_authors.insert(author.clone(), item.record.id.seq);
            } else if let Some(stored) = self.tree.get(keys::record(&id_key))? {
                let (_, _, bytes) = keys::split_record_value(&stored)
                    .ok_or_else(|| StoreError::Corrupt(format!("record {}", item.record.id)))?;
                if bytes != item.bytes.as_slice() {
                    return Err(self.conflict(&item.record.id));
                }
                out.duplicate += 1;
                continue;
            }
            seq += 1;
            let r = &item.record;
            batch.insert(
                keys::record(&id_key),
                keys::record_value(seq, &source_key, &item.bytes),
            );
            let links = self.scope.links_for(self.parent.as_ref(), r);
            for link in &links {
                if Some(link) != skip {
                    outbox_pages
                        .entry(keys::link(link))
                        .or_default()
                        .push((seq, log_page.len()));
                }
            }
            self.fingerprint_new(&mut fp, item, &id_key, &links, seq)?;
            log_page.push((seq, id_key.clone()));
            if r.id.node == self.scope.code {
                author_seq = author_seq.max(r.id.seq);
            }
            max_hlc = max_hlc.max(r.hlc);
            in_batch.insert(id_key, &item.bytes);
            out.new += 1;
        }
        if out.new > 0 {
            let entry = |i: &usize| (log_page[*i].0, log_page[*i].1.as_slice());
            for (link_key, entries) in &outbox_pages {
                let last = entries.last().map_or(seq, |e| e.0);
                batch.insert(
                    keys::outbox(link_key, last),
                    keys::page(entries.iter().map(|(_, i)| entry(i))),
                );
            }
            batch.insert(
                keys::log(seq),
                keys::page(log_page.iter().map(|(s, k)| (*s, k.as_slice()))),
            );
            for (author, high) in &staged_authors {
                batch.insert(keys::high_water(author), &high.to_be_bytes()[..]);
            }
            held::stage_arrival(&mut batch, seq);
            batch.insert(keys::meta("seq"), &seq.to_be_bytes()[..]);
            batch.insert(keys::meta("author_seq"), &author_seq.to_be_bytes()[..]);
            batch.insert(keys::meta("hlc"), &max_hlc.0.to_be_bytes()[..]);
            let records = self.records.load(Ordering::Relaxed) + out.new as u64;
            batch.insert(keys::meta(RECORDS_META), &records.to_be_bytes()[..]);
        }
        fp.write(&mut batch);
        if let Some(c) = &cursor {
            batch.insert(
                keys::cursor(c.dir, &keys::link(&c.link)),
                &c.value.to_be_bytes()[..],
            );
        }
        let applied = self.tree.apply_batch(batch);
        if applied.is_ok() {
            // The tree now holds the batch, and the count with it.
            self.records.fetch_add(out.new as u64, Ordering::Relaxed);
        }
        let written = applied.and_then(|()| {
            if durable {
                self.db.flush().map(|_| ())
            } else {
                Ok(())
            }
        });
        self.wrote(written)?;
        w.next_seq = seq;
        w.author_seq = author_seq;
        w.authors.extend(staged_authors);
        w.clock.observe(max_hlc);
        self.counters
            .applied
            .fetch_add(out.new as u64, Ordering::Relaxed);
        self.counters
            .duplicates
            .fetch_add(out.duplicate as u64, Ordering::Relaxed);
        out.last_seq = seq;
        Ok(out)
    }

    /// The highest sequence number held from `author` (0 if none).
    fn author_high(&self, w: &mut Writer, author: &Code) -> Result<u64, StoreError> {
        if let Some(h) = w.authors.get(author) {
            return Ok(*h);
        }
        if let Some(v) = self.tree.get(keys::high_water(author))? {
            let high =
                keys::u64_value(&v).ok_or_else(|| StoreError::Corrupt("high-water mark".into()))?;
            w.authors.insert(author.clone(), high);
            return Ok(high);
        }
        // A store written before marks were persisted: the highest record key.
        let code = author.as_str().as_bytes();
        let prefix = keys::prefixed(keys::RECORD, &[&[code.len() as u8], code]);
        let high = match self.tree.scan_prefix(&prefix).keys().next_back() {
            Some(k) => {
                keys::parse_id(&k?[1..])
                    .ok_or_else(|| StoreError::Corrupt("record key".into()))?
                    .seq
            }
            None => 0,
        };
        w.authors.insert(author.clone(), high);
        Ok(high)
    }

    /// Visits the entries of a paged index (the log `L`, or one link's
    /// outbox `O · link`) with a local sequence number above `after`, in
    /// order. `visit` returns `false` to stop after the entry it was given;
    /// the result says whether entries remain beyond that point.
    fn scan_pages(
        &self,
        prefix: &[u8],
        after: u64,
        mut visit: impl FnMut(u64, &[u8]) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        let start = keys::prefixed(
            prefix[0],
            &[&prefix[1..], &after.saturating_add(1).to_be_bytes()],
        );
        let end = keys::prefixed(prefix[0], &[&prefix[1..], &u64::MAX.to_be_bytes()]);
        let mut pages = self.tree.range(start..=end);
        while let Some(kv) = pages.next() {
            let (_, v) = kv?;
            let entries =
                keys::parse_page(&v).ok_or_else(|| StoreError::Corrupt("index page".into()))?;
            let mut rest = entries.iter().filter(|(seq, _)| *seq > after).peekable();
            while let Some((seq, id_key)) = rest.next() {
                if !visit(*seq, id_key)? {
                    let more = match pages.next() {
                        Some(kv) => kv.map(|_| true)?,
                        None => false,
                    };
                    return Ok(rest.peek().is_some() || more);
                }
            }
        }
        Ok(false)
    }

    fn conflict(&self, id: &RecordId) -> StoreError {
        let n = self.counters.conflicts.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(record = %id, conflicts = n, "conflicting duplicate record id refused");
        if let Err(e) = self
            .tree
            .insert(keys::meta("conflicts"), &n.to_be_bytes()[..])
        {
            tracing::warn!(error = %e, "could not persist the conflict counter");
        }
        StoreError::Conflict { id: id.clone() }
    }

    /// Reads a stored record's bytes and source.
    fn stored(&self, id_key: &[u8]) -> Result<Option<Stored>, StoreError> {
        let Some(v) = self.tree.get(keys::record(id_key))? else {
            return Ok(None);
        };
        let (_, src, bytes) = keys::split_record_value(&v)
            .ok_or_else(|| StoreError::Corrupt("record value".into()))?;
        Ok(Some(Stored {
            source: src.to_vec(),
            bytes: bytes.to_vec(),
        }))
    }

    fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
        liudong_proto::decode_record(bytes)
            .map_err(|e| StoreError::Corrupt(format!("stored record: {e}")))
    }

    /// A record by id.
    pub fn get(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        match self.stored(&keys::id(id))? {
            Some(st) => Self::decode(&st.bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The canonical bytes of a record by id.
    pub fn get_bytes(&self, id: &RecordId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.stored(&keys::id(id))?.map(|st| st.bytes))
    }

    /// The link a record was received from (`None` for local or detached records).
    pub fn source_of(&self, id: &RecordId) -> Result<Option<Link>, StoreError> {
        Ok(self
            .stored(&keys::id(id))?
            .and_then(|st| keys::parse_link(&st.source)))
    }

    /// Brings the subject index and person views up to date with the log,
    /// `max` log entries at a time; returns how many entries it indexed.
    ///
    /// Views are derived state, maintained from the log as a change feed,
    /// off the acknowledgement path: the indexer keeps its own cursor
    /// (`M/indexed`), groups the new entries by subject, and writes their
    /// subject-index entries and refreshed views in one batch. After a crash
    /// it resumes from its last written cursor; re-indexing is idempotent.
    pub fn index_pending(&self, max: usize) -> Result<usize, StoreError> {
        if max == 0 {
            return Ok(0);
        }
        let _guard = self.indexer.lock().unwrap_or_else(|p| p.into_inner());
        let done = read_meta(&self.tree, "indexed")?;
        let mut by_subject: BTreeMap<String, Vec<Record>> = BTreeMap::new();
        let mut batch = sled::Batch::default();
        let mut last = done;
        let mut n = 0;
        self.scan_pages(&[keys::LOG], done, |seq, id_key| {
            last = seq;
            let st = self.stored(id_key)?.ok_or_else(|| {
                StoreError::Corrupt(format!("log entry {seq} names a record that is not stored"))
            })?;
            let r = Self::decode(&st.bytes)?;
            batch.insert(keys::subject(r.subject.as_str(), id_key), &[][..]);
            by_subject
                .entry(r.subject.as_str().to_string())
                .or_default()
                .push(r);
            n += 1;
            Ok(n < max)
        })?;
        if n == 0 {
            return Ok(0);
        }
        for (subject, fresh) in by_subject {
            let mut all = self.subject_records_indexed(&subject)?;
            all.extend(fresh);
            held::reflag(&self.tree, &subject, &all, &mut batch)?;
            if let Some(view) = PersonView::derive(&all) {
                let bytes = postcard::to_allocvec(&view)
                    .map_err(|e| StoreError::Corrupt(format!("view encoding: {e}")))?;
                batch.insert(keys::view(&subject), bytes);
            }
        }
        batch.insert(keys::meta("indexed"), &last.to_be_bytes()[..]);
        self.wrote(self.tree.apply_batch(batch))?;
        Ok(n)
    }

    /// Indexes everything the log holds (see [`Store::index_pending`]).
    pub fn catch_up(&self) -> Result<(), StoreError> {
        while self.index_pending(10_000)? > 0 {}
        Ok(())
    }

    /// How far the views lag behind the log (log entries not yet indexed).
    pub fn index_lag(&self) -> Result<u64, StoreError> {
        Ok(self
            .last_seq()
            .saturating_sub(read_meta(&self.tree, "indexed")?))
    }

    /// All records held about one subject.
    pub fn subject_records(&self, subject: &str) -> Result<Vec<Record>, StoreError> {
        self.catch_up()?;
        self.subject_records_indexed(subject)
    }

    /// The subject's records as far as the subject index has been built.
    fn subject_records_indexed(&self, subject: &str) -> Result<Vec<Record>, StoreError> {
        let prefix = keys::prefixed(keys::SUBJECT, &[subject.as_bytes()]);
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix(&prefix) {
            let (k, _) = kv?;
            let id_key = &k[prefix.len()..];
            if let Some(st) = self.stored(id_key)? {
                out.push(Self::decode(&st.bytes)?);
            }
        }
        Ok(out)
    }

    /// The derived view of one person.
    pub fn view(&self, subject: &CitizenId) -> Result<Option<PersonView>, StoreError> {
        self.catch_up()?;
        match self.tree.get(keys::view(subject.as_str()))? {
            Some(v) => postcard::from_bytes(&v)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("view of a subject: {e}"))),
            None => Ok(None),
        }
    }

    /// Every view held, in subject order.
    pub fn views(&self) -> Box<dyn Iterator<Item = Result<PersonView, StoreError>> + '_> {
        if let Err(e) = self.catch_up() {
            return Box::new(std::iter::once(Err(e)));
        }
        Box::new(self.tree.scan_prefix([keys::VIEW]).map(|kv| {
            let (_, v) = kv?;
            postcard::from_bytes(&v).map_err(|e| StoreError::Corrupt(format!("view: {e}")))
        }))
    }

    /// The views held after subject `after` (all when `None`), in subject
    /// order: a paged read of [`Store::views`].
    pub fn views_after(
        &self,
        after: Option<&str>,
    ) -> Box<dyn Iterator<Item = Result<PersonView, StoreError>> + '_> {
        let Some(after) = after else {
            return self.views();
        };
        if let Err(e) = self.catch_up() {
            return Box::new(std::iter::once(Err(e)));
        }
        let start = keys::view(after);
        let range = (
            std::ops::Bound::Excluded(start),
            std::ops::Bound::Excluded(vec![keys::VIEW + 1]),
        );
        Box::new(self.tree.range(range).map(|kv| {
            let (_, v) = kv?;
            postcard::from_bytes(&v).map_err(|e| StoreError::Corrupt(format!("view: {e}")))
        }))
    }

    /// Reads one page of a link's outbox after position `after`.
    pub fn outbox(
        &self,
        link: &Link,
        after: u64,
        max_records: usize,
        max_bytes: usize,
    ) -> Result<OutboxPage, StoreError> {
        let prefix = keys::prefixed(keys::OUTBOX, &[&keys::link(link)]);
        let mut page = OutboxPage {
            cursor: after,
            ..OutboxPage::default()
        };
        let mut bytes_total = 0usize;
        // A record that would take a non-empty page over `max_bytes` is left
        // for the next page (a single larger record is sent alone).
        let mut held_back = false;
        let more = self.scan_pages(&prefix, after, |seq, id_key| {
            let st = self.stored(id_key)?.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "outbox entry {seq} names a record that is not stored"
                ))
            })?;
            if !page.records.is_empty() && bytes_total + st.bytes.len() > max_bytes {
                held_back = true;
                return Ok(false);
            }
            bytes_total += st.bytes.len();
            page.records.push(st.bytes);
            page.cursor = seq;
            Ok(page.records.len() < max_records.max(1) && bytes_total < max_bytes)
        })?;
        page.drained = !more && !held_back;
        self.counters
            .outbox_read
            .fetch_add(page.records.len() as u64, Ordering::Relaxed);
        Ok(page)
    }

    /// Number of outbox entries of `link` after `after` (records pending on that link).
    pub fn pending(&self, link: &Link, after: u64) -> Result<u64, StoreError> {
        let prefix = keys::prefixed(keys::OUTBOX, &[&keys::link(link)]);
        let mut n = 0u64;
        self.scan_pages(&prefix, after, |_, _| {
            n += 1;
            Ok(true)
        })?;
        Ok(n)
    }

    /// Links that have an outbox at this node (children seen in records, and the parent).
    pub fn outbox_links(&self) -> Result<Vec<Link>, StoreError> {
        let mut out: Vec<Link> = Vec::new();
        let mut from = vec![keys::OUTBOX];
        while let Some(kv) = self.tree.range(from.clone()..).next() {
            let (k, _) = kv?;
            if k.first() != Some(&keys::OUTBOX) {
                break;
            }
            let link = keys::parse_link(&k[1..])
                .ok_or_else(|| StoreError::Corrupt("outbox key".into()))?;
            let mut next = keys::prefixed(keys::OUTBOX, &[&keys::link(&link)]);
            next.extend_from_slice(&[0xff; 9]);
            out.push(link);
            from = next;
        }
        Ok(out)
    }

    pub fn cursor(&self, dir: Dir, link: &Link) -> Result<u64, StoreError> {
        Ok(self
            .tree
            .get(keys::cursor(dir, &keys::link(link)))?
            .and_then(|v| keys::u64_value(&v))
            .unwrap_or(0))
    }

    /// Records how far a peer has acknowledged this node's outbox. Advisory
    /// (status display): it is flushed with the next batch, not on its own,
    /// because the receiver's own durable cursor is what sessions resume from.
    pub fn set_cursor(&self, dir: Dir, link: &Link, value: u64) -> Result<(), StoreError> {
        self.wrote(self.tree.insert(
            keys::cursor(dir, &keys::link(link)),
            &value.to_be_bytes()[..],
        ))?;
        Ok(())
    }

    pub fn link_status(&self, link: &Link) -> Result<LinkStatus, StoreError> {
        match self.tree.get(keys::link_status(&keys::link(link)))? {
            Some(v) => {
                LinkStatus::decode(&v).map_err(|e| StoreError::Corrupt(format!("link status: {e}")))
            }
            None => Ok(LinkStatus::default()),
        }
    }

    pub fn update_link_status(
        &self,
        link: &Link,
        f: impl FnOnce(&mut LinkStatus),
    ) -> Result<(), StoreError> {
        let _w = self.lock();
        let mut s = self.link_status(link)?;
        f(&mut s);
        let v = postcard::to_allocvec(&s)
            .map_err(|e| StoreError::Corrupt(format!("link status: {e}")))?;
        self.wrote(self.tree.insert(keys::link_status(&keys::link(link)), v))?;
        Ok(())
    }

    /// Links with a stored status.
    pub fn status_links(&self) -> Result<Vec<Link>, StoreError> {
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix([keys::LINK]) {
            let (k, _) = kv?;
            out.extend(keys::parse_link(&k[1..]));
        }
        Ok(out)
    }

    /// True once a batch could not be written: the store then refuses every
    /// batch (nothing more is acknowledged) until it is reopened.
    pub fn write_failed(&self) -> bool {
        self.write_failed.load(Ordering::SeqCst)
    }

    /// Passes a write's result on, remembering a failure (see [`Store::write_failed`]).
    fn wrote<T>(&self, r: Result<T, sled::Error>) -> Result<T, StoreError> {
        r.map_err(|e| {
            if !self.write_failed.swap(true, Ordering::SeqCst) {
                tracing::error!(error = %e, "the store cannot write; refusing all records until restart");
            }
            e.into()
        })
    }

    /// Fails once a write has failed. Callers check this before anything
    /// that scans the tree too: after an I/O error sled can spin forever in
    /// a read that happens to restructure a page (observed with sled 0.34 on
    /// a full disk), so a failed store is not read either, except by point
    /// look-ups.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        if self.write_failed() {
            return Err(StoreError::Io(sled::Error::Io(std::io::Error::other(
                "an earlier write to the data directory failed, so this node accepts no records until it is restarted",
            ))));
        }
        Ok(())
    }

    /// Highest local sequence number.
    pub fn last_seq(&self) -> u64 {
        self.lock().next_seq
    }

    /// The node clock's high-water mark.
    pub fn clock(&self) -> Hlc {
        self.lock().clock.last()
    }

    /// Number of records held: one look-up of the count the store maintains
    /// (see [`RECORDS_META`]), read from the tree so that it agrees with the
    /// records any reader sees (the count is written in their batch).
    pub fn record_count(&self) -> usize {
        let stored = self
            .tree
            .get(keys::meta(RECORDS_META))
            .ok()
            .flatten()
            .and_then(|v| keys::u64_value(&v));
        stored.unwrap_or_else(|| self.records.load(Ordering::Relaxed)) as usize
    }

    /// Counts the records by scanning them: O(records).
    fn scan_record_count(&self) -> u64 {
        self.tree.scan_prefix([keys::RECORD]).count() as u64
    }

    /// Loads the persisted record count; a store written before the count
    /// was kept is counted once and the count persisted.
    fn load_record_count(&self) -> Result<(), StoreError> {
        let n = match self.tree.get(keys::meta(RECORDS_META))? {
            Some(v) => {
                keys::u64_value(&v).ok_or_else(|| StoreError::Corrupt("record count".into()))?
            }
            None => self.recount_records()?,
        };
        self.records.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// Recounts the records and persists the count (after records were
    /// removed by an audit, or for a store that has no count yet). The caller
    /// holds the writer lock or runs before the store is shared.
    pub(crate) fn recount_records(&self) -> Result<u64, StoreError> {
        let n = self.scan_record_count();
        self.tree
            .insert(keys::meta(RECORDS_META), &n.to_be_bytes()[..])?;
        self.records.store(n, Ordering::Relaxed);
        Ok(n)
    }

    /// Every record id held, in id order.
    pub fn record_ids(&self) -> Result<Vec<RecordId>, StoreError> {
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix([keys::RECORD]) {
            let (k, _) = kv?;
            out.push(
                keys::parse_id(&k[1..]).ok_or_else(|| StoreError::Corrupt("record key".into()))?,
            );
        }
        Ok(out)
    }

    /// Records of the local log after `after`, up to `max` (a change feed).
    pub fn log_after(&self, after: u64, max: usize) -> Result<Vec<(u64, Record)>, StoreError> {
        let mut out = Vec::new();
        if max == 0 {
            return Ok(out);
        }
        self.scan_pages(&[keys::LOG], after, |seq, id_key| {
            if let Some(st) = self.stored(id_key)? {
                out.push((seq, Self::decode(&st.bytes)?));
            }
            Ok(out.len() < max)
        })?;
        Ok(out)
    }

    /// Flushes everything to disk.
    pub fn flush(&self) -> Result<usize, StoreError> {
        Ok(self.db.flush()?)
    }

    /// Bytes sled uses on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// Key and value bytes held under each key prefix (`R`, `L`, `O`, …),
    /// before sled's own overhead and compression: what the store's disk
    /// footprint is made of. O(entries); a diagnostic for benchmarks.
    pub fn logical_bytes_by_prefix(&self) -> Result<BTreeMap<char, u64>, StoreError> {
        let mut out = BTreeMap::new();
        for kv in self.tree.iter() {
            let (k, v) = kv?;
            let tag = k.first().map_or('?', |b| *b as char);
            *out.entry(tag).or_default() += (k.len() + v.len()) as u64;
        }
        Ok(out)
    }

    /// Raw access for tests that damage a store behind the engine's back.
    #[doc(hidden)]
    pub fn raw_tree(&self) -> &sled::Tree {
        &self.tree
    }
}

pub use keys::Dir as CursorDir;
pub use peer::PeerState;

#[cfg(test)]
mod tests;

/// The physical reference for benchmarks: a plain sled batch insert of
/// (key, value) pairs into a fresh store at `path`, in batches of `batch`,
/// flushing after each batch as the sync path does before acknowledging.
pub fn raw_batch_insert(
    path: &Path,
    items: &[(Vec<u8>, Vec<u8>)],
    batch: usize,
    opts: &StoreOptions,
) -> Result<u64, StoreError> {
    let db = opts.sled_config(path).open()?;
    let tree = db.open_tree("raw")?;
    for chunk in items.chunks(batch.max(1)) {
        let mut b = sled::Batch::default();
        for (k, v) in chunk {
            b.insert(k.as_slice(), v.as_slice());
        }
        tree.apply_batch(b)?;
        db.flush()?;
    }
    Ok(db.size_on_disk()?)
}

/// Opens sled, waiting (bounded: 2 s) for the directory's file lock when it
/// is still held by a store of this process that is being dropped: sled
/// releases the lock from its background flusher thread, so a store closed
/// and reopened at once (a restart in the same process, a test) can find
/// it taken for a few milliseconds. Another process holding the lock is
/// still refused after the wait.
fn open_sled(cfg: &sled::Config) -> Result<sled::Db, sled::Error> {
    let mut attempts = 0;
    loop {
        match cfg.open() {
            Err(sled::Error::Io(e))
                if attempts < 100 && e.to_string().contains("could not acquire lock") =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

#[cfg(test)]
mod fingerprint_tests;
