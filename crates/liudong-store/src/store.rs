//! The store of one node: opening, the writer (local writes and batch
//! applies), the change notification, and every read. The layout is in
//! [`crate::keys`]; the engine behind it in [`crate::engine`].

use crate::audit::{AuditEntry, AuditEvent, AuditFilter, Trail};
use crate::engine::{Batch, Db, EngineConfig, EngineError, RawTree, Tree};
use crate::error::StoreError;
use crate::fingerprint::{self, AuditReport, Bucket, Digest, Hash, Receipt};
use crate::held::{self, HeldRecord};
use crate::index;
use crate::keys::{self, Dir};
use crate::marker;
use crate::peer::{self, LowerReport, PeerState};
use crate::records::{self, read_meta};
use crate::requests;
use crate::types::{
    Announced, ApplyOutcome, Counters, CursorUpdate, Draft, Incoming, LinkStatus, LocalWrite,
    OutboxPage, Queued, SealedItem, Source, StoreOptions, now_ms,
};
use liudong_core::placing;
use liudong_core::validate::{Limits, check_record};
use liudong_core::workflow::{self, IssueKind, WorkflowIssue};
use liudong_core::{
    Body, CitizenId, Code, Hlc, HlcClock, Link, NodeScope, PersonView, Record, RecordId,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::watch;

/// The writer's state, guarded by the writer lock.
pub(crate) struct Writer {
    next_seq: u64,
    author_seq: u64,
    clock: HlcClock,
    /// Highest sequence number held per authoring node (loaded lazily). A
    /// record above it cannot be held yet, so its duplicate check needs no
    /// tree look-up; records at or below it (repairs, resends) are looked up.
    authors: HashMap<Code, u64>,
}

/// One node's store.
pub struct Store {
    db: Db,
    /// The data directory (for the store marker).
    path: std::path::PathBuf,
    tree: Tree,
    scope: NodeScope,
    parent: Option<NodeScope>,
    /// The link to the parent carries sealed envelopes (the parent is a
    /// sealed exchange): crossing records go to the seal queue.
    sealed_parent: bool,
    /// Serialises the key directory's read-modify-writes.
    keys: Mutex<()>,
    /// The writer lock: serialises batches (assigning local sequence numbers
    /// and applying them in order) and the audit's repairs. Never held
    /// across a flush.
    writer: Mutex<Writer>,
    /// The writer's last local sequence number and clock high-water, set
    /// under the writer lock after each applied batch (or tick), read
    /// without it.
    last_seq: AtomicU64,
    clock_high: AtomicU64,
    /// Serialises indexer runs.
    indexer: Mutex<()>,
    /// Serialises the read-modify-write of link statuses and peer states.
    status: Mutex<()>,
    /// The last outbox count of each link (see [`Store::pending`]).
    pending_counts: Mutex<HashMap<Vec<u8>, PendingCount>>,
    counters: Counters,
    /// Records held: persisted under [`keys::META_RECORDS`] with every batch
    /// that adds records, recounted once when a store has no count yet.
    records: AtomicU64,
    /// The audit trail, a tree of its own (see `audit.rs`).
    audit: Trail,
    /// Set when a batch could not be written or flushed: the writer's
    /// in-memory state may then be ahead of the disk, so every later batch
    /// is refused until the store is reopened (see [`Store::write_failed`]).
    write_failed: AtomicBool,
    /// The change notification: the last local sequence number of the
    /// batches committed so far (see [`Store::subscribe`]).
    changes: watch::Sender<u64>,
    /// What the durability flushes saw (tests only).
    #[cfg(test)]
    pub(crate) flush_probe: Mutex<Vec<FlushProbe>>,
}

/// The state of the store when a batch's durability flush started (tests only).
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlushProbe {
    /// The writer lock was free.
    pub writer_free: bool,
    /// The value of the change notification.
    pub notified: u64,
    /// The last local sequence number of the batch being flushed.
    pub batch_last_seq: u64,
}

impl StoreOptions {
    fn engine(&self) -> EngineConfig {
        EngineConfig {
            cache_bytes: self.cache_bytes,
            flush_every_ms: self.flush_every_ms,
            compression: self.compression,
        }
    }
}

/// A link's outbox entries with `after < seq <= last`, counted.
#[derive(Debug, Clone, Copy)]
struct PendingCount {
    after: u64,
    last: u64,
    count: u64,
}

impl Store {
    /// Opens (or creates) the store of node `scope` in `path`.
    ///
    /// Damaged files are refused with [`StoreError::Damaged`], changing
    /// nothing: files the engine cannot read (or panics on), and a store
    /// that reads back less than its marker says was flushed (see
    /// `marker.rs`). A store whose authored sequence number was raised by a
    /// record it received (the fault older versions had) gets it recomputed
    /// from the records it wrote, and says so in the log.
    pub fn open(
        path: &Path,
        scope: NodeScope,
        parent: Option<NodeScope>,
        opts: &StoreOptions,
    ) -> Result<Store, StoreError> {
        Self::open_checked(path, scope, parent, opts).map_err(|e| match e {
            StoreError::Io(EngineError::Corrupt(detail)) | StoreError::Corrupt(detail) => {
                StoreError::Damaged {
                    path: path.to_path_buf(),
                    detail,
                }
            }
            e => e,
        })
    }

    fn open_checked(
        path: &Path,
        scope: NodeScope,
        parent: Option<NodeScope>,
        opts: &StoreOptions,
    ) -> Result<Store, StoreError> {
        let db = Db::open(path, &opts.engine())?;
        let tree = db.open_tree(keys::TREE_RECORDS)?;
        let audit = db.open_tree(keys::TREE_AUDIT)?;
        let owner = keys::meta(keys::META_NODE);
        let code = scope.code.to_string();
        let remembered = marker::read(path).filter(|m| m.node == code);
        match tree.get(&owner)? {
            Some(v) if &*v != code.as_bytes() => {
                return Err(StoreError::WrongNode {
                    found: String::from_utf8_lossy(&v).into_owned(),
                    expected: code,
                });
            }
            Some(_) => {}
            None => {
                if let Some(m) = &remembered {
                    // The directory held this node's store, now unreadable.
                    return Err(StoreError::Corrupt(liudong_i18n::t!(
                        "store-damaged-empty",
                        node = code,
                        log = m.log.to_string()
                    )));
                }
                tree.insert(owner, code.as_str())?;
                db.flush()?;
            }
        }
        let log = read_meta(&tree, keys::META_SEQ)?;
        if let Some(m) = &remembered
            && m.log > log
        {
            return Err(StoreError::Corrupt(liudong_i18n::t!(
                "store-damaged-shorter",
                flushed = m.log.to_string(),
                found = log.to_string()
            )));
        }
        let author_seq = check_author_seq(&tree, &scope.code)?;
        if read_meta(&tree, keys::META_VIEW_FORMAT)? != index::VIEW_FORMAT {
            // Views of another encoding: re-derive them all from the log.
            tree.remove(keys::meta(keys::META_INDEXED))?;
            tree.insert(
                keys::meta(keys::META_VIEW_FORMAT),
                index::VIEW_FORMAT.to_be_bytes(),
            )?;
        }
        let writer = Writer {
            next_seq: log,
            author_seq,
            clock: HlcClock::resume(Hlc(read_meta(&tree, keys::META_HLC)?)),
            authors: HashMap::new(),
        };
        let counters = Counters::default();
        counters
            .conflicts
            .store(read_meta(&tree, keys::META_CONFLICTS)?, Ordering::Relaxed);
        let store = Store {
            last_seq: AtomicU64::new(writer.next_seq),
            clock_high: AtomicU64::new(writer.clock.last().0),
            changes: watch::Sender::new(writer.next_seq),
            audit: Trail::new(db.clone(), audit),
            db,
            path: path.to_path_buf(),
            tree,
            sealed_parent: opts.sealed && parent.as_ref().is_some_and(NodeScope::is_exchange),
            keys: Mutex::new(()),
            pending_counts: Mutex::new(HashMap::new()),
            scope,
            parent,
            writer: Mutex::new(writer),
            indexer: Mutex::new(()),
            status: Mutex::new(()),
            counters,
            records: AtomicU64::new(0),
            write_failed: Default::default(),
            #[cfg(test)]
            flush_probe: Mutex::new(Vec::new()),
        };
        store.backfill_fingerprints()?;
        store.load_record_count()?;
        store.remember(path, log);
        Ok(store)
    }

    /// Writes the store marker: `log` is durable in this directory.
    fn remember(&self, path: &Path, log: u64) {
        let m = marker::Marker {
            node: self.scope.code.to_string(),
            log,
        };
        if let Err(e) = marker::write(path, &m) {
            tracing::warn!(error = %e, dir = %path.display(), "could not write the store marker");
        }
    }

    /// Moves the store's own files (the engine's and the marker) out of the
    /// data directory `dir` into the new directory `to`, leaving every
    /// other file of `dir` (operator accounts, the signing key) where it
    /// is; `dir` can then hold a new store. Returns the names moved. The
    /// store must not be open.
    pub fn set_aside(dir: &Path, to: &Path) -> std::io::Result<Vec<String>> {
        std::fs::create_dir_all(to)?;
        let mut moved = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if crate::engine::is_engine_file(&name) || name.starts_with(marker::FILE) {
                std::fs::rename(entry.path(), to.join(&name))?;
                moved.push(name);
            }
        }
        moved.sort();
        Ok(moved)
    }

    pub fn scope(&self) -> &NodeScope {
        &self.scope
    }

    pub fn parent(&self) -> Option<&NodeScope> {
        self.parent.as_ref()
    }

    /// True if this node's link to its parent carries sealed envelopes (its
    /// crossing records are sealed from the seal queue first).
    pub fn sealed_parent(&self) -> bool {
        self.sealed_parent
    }

    /// The links of this node that record `r` belongs to (travels over, or
    /// came by), and whether it waits in the seal queue: on a county whose
    /// parent link is sealed, a crossing record goes to the seal queue
    /// instead of the parent's outbox and scope.
    pub(crate) fn record_links(&self, r: &Record) -> (Vec<Link>, bool) {
        let mut links = self.scope.links_for(self.parent.as_ref(), r);
        if self.sealed_parent && links.first() == Some(&Link::Parent) {
            links.remove(0);
            return (links, true);
        }
        (links, false)
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The record tree (tests only).
    #[cfg(test)]
    pub(crate) fn tree_for_tests(&self) -> &Tree {
        &self.tree
    }

    /// Takes the writer lock.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn status_lock(&self) -> MutexGuard<'_, ()> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A receiver of the change notification: the last local sequence
    /// number of the batches committed so far. It changes right after a
    /// batch that added records is committed — applied and, for a durable
    /// batch, flushed — never before, so whoever it wakes can read those
    /// records (and may send them on: they are on disk).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Validates and writes a record authored here, durably. Its places are
    /// settled first from the records held about the person
    /// ([`liudong_core::placing::settle`]): a correction or acknowledgement
    /// takes its target's, a return or residence change the person's
    /// current residence; places given that differ are refused.
    pub fn write_local(&self, draft: Draft, limits: Limits) -> Result<Record, StoreError> {
        Ok(self.write_local_request(draft, limits, None)?.record)
    }

    /// [`Store::write_local`] with the client's request id `request` (see
    /// `requests.rs`), kept in the same atomic batch as the record: if the
    /// id is kept already, for the same draft, nothing is written and the
    /// record it wrote then is answered with `existing` set; for another
    /// draft the write is refused ([`StoreError::RequestReused`]).
    pub fn write_local_request(
        &self,
        draft: Draft,
        limits: Limits,
        request: Option<&str>,
    ) -> Result<LocalWrite, StoreError> {
        let request = self.request_of(request, std::slice::from_ref(&draft), false)?;
        let (record, out) = {
            let mut w = self.lock();
            if let Some((id, digest)) = &request
                && let Some(mut earlier) = self.replay(id, *digest)?
            {
                return earlier
                    .pop()
                    .ok_or_else(|| StoreError::Corrupt(format!("request {id}: no record")));
            }
            // No look-up for other bodies (it would catch the indexer up
            // under the writer lock), unless the clock is far ahead.
            let context = if workflow::needs_context(&draft.body) {
                Some(self.subject_records(draft.subject.as_str())?)
            } else {
                None
            };
            let hlc = w.clock.stamp(limits.now_ms, limits.max_skew_ms, || {
                Ok::<_, StoreError>(match &context {
                    Some(c) => highest_stamp(c),
                    None => highest_stamp(&self.subject_records(draft.subject.as_str())?),
                })
            })?;
            let context = context.unwrap_or_default();
            let id = RecordId {
                node: self.scope.code.clone(),
                seq: RecordId::next_seq(w.author_seq, hlc),
            };
            let invalid = |error| StoreError::Invalid {
                id: id.clone(),
                error,
            };
            let mut body = draft.body;
            let (origin, residence) =
                placing::settle(draft.origin, draft.residence, &mut body, &context)
                    .map_err(invalid)?;
            let record = Record {
                id: id.clone(),
                hlc,
                operator: draft.operator,
                subject: draft.subject,
                origin,
                residence,
                body,
            };
            self.clock_high.store(w.clock.last().0, Ordering::Release);
            check_record(&record, limits).map_err(invalid)?;
            if workflow::needs_context(&record.body) {
                workflow::check(&record, &context).map_err(|i| invalid(i.to_validation()))?;
            }
            let entry = request.map(|(id, digest)| {
                let records = vec![(record.id.clone(), false)];
                (id, Self::request_entry(digest, limits, records))
            });
            let incoming = Incoming::new(record);
            let out = self.apply_locked(
                &mut w,
                std::slice::from_ref(&incoming),
                &[],
                &Source::Local,
                None,
                entry.as_ref().map(|(id, e)| (id.as_str(), e)),
            )?;
            (incoming.record, out)
        };
        self.commit(&out, true)?;
        Ok(LocalWrite {
            record,
            existing: false,
        })
    }

    /// A checked request id and the digest of what it asks to write.
    fn request_of(
        &self,
        request: Option<&str>,
        drafts: &[Draft],
        skip_identical: bool,
    ) -> Result<Option<(String, [u8; 16])>, StoreError> {
        request
            .map(|id| {
                requests::check_id(id)?;
                Ok((id.to_string(), requests::digest(drafts, skip_identical)))
            })
            .transpose()
    }

    fn request_entry(
        digest: [u8; 16],
        limits: Limits,
        records: Vec<(RecordId, bool)>,
    ) -> requests::Entry {
        requests::Entry {
            at_ms: limits.now_ms,
            digest,
            records,
        }
    }

    /// What an earlier write with request id `id` answered, if the id is
    /// kept: its records, each with `existing` set (nothing is written
    /// now). Refused if the id was kept for another write (`digest`).
    fn replay(&self, id: &str, digest: [u8; 16]) -> Result<Option<Vec<LocalWrite>>, StoreError> {
        let Some(entry) = requests::find(&self.tree, id)? else {
            return Ok(None);
        };
        if entry.digest != digest {
            return Err(StoreError::RequestReused { id: id.to_string() });
        }
        let mut out = Vec::with_capacity(entry.records.len());
        for (rid, _) in entry.records {
            let record = self.get(&rid)?.ok_or_else(|| {
                StoreError::Corrupt(format!("request {id}: record {rid} is gone"))
            })?;
            out.push(LocalWrite {
                record,
                existing: true,
            });
        }
        Ok(Some(out))
    }

    /// The records an earlier write with request id `id` answered, if the
    /// id is still kept (for the same `drafts`; for others the write is
    /// refused as [`Store::write_local_batch_request`] would). Stores nothing.
    pub fn replayed(
        &self,
        id: &str,
        drafts: &[Draft],
        skip_identical: bool,
    ) -> Result<Option<Vec<LocalWrite>>, StoreError> {
        requests::check_id(id)?;
        self.replay(id, requests::digest(drafts, skip_identical))
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
        Ok(self
            .write_local_batch_request(drafts, limits, skip_identical, None)?
            .0)
    }

    /// [`Store::write_local_batch`] with the client's request id `request`
    /// kept in the same atomic batch (see [`Store::write_local_request`]).
    /// The flag is true if the id was kept already: nothing was written,
    /// and the records it answered then are answered again, all `existing`.
    pub fn write_local_batch_request(
        &self,
        drafts: Vec<Draft>,
        limits: Limits,
        skip_identical: bool,
        request: Option<&str>,
    ) -> Result<(Vec<LocalWrite>, bool), StoreError> {
        let request = self.request_of(request, &drafts, skip_identical)?;
        let mut w = self.lock();
        if let Some((id, digest)) = &request
            && let Some(earlier) = self.replay(id, *digest)?
        {
            return Ok((earlier, true));
        }
        let mut clock = w.clock;
        let mut seq = w.author_seq;
        let mut out: Vec<LocalWrite> = Vec::with_capacity(drafts.len());
        let mut held: HashMap<CitizenId, Vec<Record>> = HashMap::new();
        for (index, draft) in drafts.into_iter().enumerate() {
            // A clock far ahead stamps above the person's records: they are needed.
            let ahead = clock.is_ahead(limits.now_ms, limits.max_skew_ms);
            if !held.contains_key(&draft.subject)
                && (skip_identical || ahead || workflow::needs_context(&draft.body))
            {
                let context = self.subject_records(draft.subject.as_str())?;
                held.insert(draft.subject.clone(), context);
            }
            let context = held.entry(draft.subject.clone()).or_default();
            let invalid = |id: &RecordId, error| StoreError::InvalidInBatch {
                index,
                id: id.clone(),
                error,
            };
            let mut body = draft.body;
            // Refused before it is stamped: named by the id it would get now.
            let (origin, residence) =
                placing::settle(draft.origin, draft.residence, &mut body, context).map_err(
                    |e| {
                        let id = RecordId {
                            node: self.scope.code.clone(),
                            seq: RecordId::next_seq(seq, clock.last()),
                        };
                        invalid(&id, e)
                    },
                )?;
            if skip_identical
                && let Some(same) = context
                    .iter()
                    .find(|r| r.origin == origin && r.residence == residence && r.body == body)
            {
                out.push(LocalWrite {
                    record: same.clone(),
                    existing: true,
                });
                continue;
            }
            let hlc = clock.stamp(limits.now_ms, limits.max_skew_ms, || {
                Ok::<_, StoreError>(highest_stamp(context))
            })?;
            let record = Record {
                id: RecordId {
                    node: self.scope.code.clone(),
                    seq: RecordId::next_seq(seq, hlc),
                },
                hlc,
                operator: draft.operator,
                subject: draft.subject,
                origin,
                residence,
                body,
            };
            check_record(&record, limits).map_err(|e| invalid(&record.id, e))?;
            if workflow::needs_context(&record.body) {
                workflow::check(&record, context)
                    .map_err(|i| invalid(&record.id, i.to_validation()))?;
            }
            seq = record.id.seq;
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
            w.clock = clock;
            let entry = request.map(|(id, digest)| {
                let records = out
                    .iter()
                    .map(|x| (x.record.id.clone(), x.existing))
                    .collect();
                (id, Self::request_entry(digest, limits, records))
            });
            let applied = self.apply_locked(
                &mut w,
                &items,
                &[],
                &Source::Local,
                None,
                entry.as_ref().map(|(id, e)| (id.as_str(), e)),
            )?;
            drop(w);
            self.commit(&applied, true)?;
        }
        Ok((out, false))
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
        self.apply_sealed(items, &[], source, cursor, durable)
    }

    /// Applies records and sealed envelopes in one atomic batch (see
    /// [`Store::apply`]): what a county stores when it opens envelopes from
    /// its exchange (the records, and the envelopes for the link's
    /// fingerprints), and what an exchange stores (envelopes only). An
    /// envelope already held with the same bytes is a no-op; with other
    /// bytes a conflict that refuses the batch.
    pub fn apply_sealed(
        &self,
        items: &[Incoming],
        envelopes: &[SealedItem],
        source: &Source,
        cursor: Option<CursorUpdate>,
        durable: bool,
    ) -> Result<ApplyOutcome, StoreError> {
        let out = {
            let mut w = self.lock();
            self.apply_locked(&mut w, items, envelopes, source, cursor, None)?
        };
        self.commit(&out, durable)?;
        Ok(out)
    }

    /// The second half of every write, after the writer lock is released:
    /// flushes when the batch must be durable (a failed flush makes the
    /// store refuse everything after, see [`Store::write_failed`]), then
    /// notifies subscribers if the batch added records. Flushing outside the
    /// lock lets the next batch be built while this one reaches the disk; a
    /// flush makes every write before it durable, so whichever flush returns
    /// first covers all batches applied before it.
    fn commit(&self, out: &ApplyOutcome, durable: bool) -> Result<(), StoreError> {
        if durable {
            #[cfg(test)]
            self.probe_flush(out.last_seq);
            self.wrote(self.db.flush())?;
        }
        if out.new + out.sealed_new > 0 {
            let seq = out.last_seq;
            // Monotonic: batches may finish their flushes out of order.
            self.changes.send_if_modified(|last| {
                let newer = seq > *last;
                if newer {
                    *last = seq;
                }
                newer
            });
        }
        self.counters
            .applied
            .fetch_add(out.new as u64, Ordering::Relaxed);
        self.counters
            .duplicates
            .fetch_add(out.duplicate as u64, Ordering::Relaxed);
        Ok(())
    }

    #[cfg(test)]
    fn probe_flush(&self, batch_last_seq: u64) {
        let probe = FlushProbe {
            writer_free: self.writer.try_lock().is_ok(),
            notified: *self.changes.borrow(),
            batch_last_seq,
        };
        self.flush_probe
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(probe);
    }

    /// Builds and applies one batch under the writer lock (no flush), and
    /// moves the writer's state and its lock-free mirrors on. A local write
    /// keeps its client's `request` id in the same batch.
    fn apply_locked(
        &self,
        w: &mut Writer,
        items: &[Incoming],
        envelopes: &[SealedItem],
        source: &Source,
        cursor: Option<CursorUpdate>,
        request: Option<(&str, &requests::Entry)>,
    ) -> Result<ApplyOutcome, StoreError> {
        self.check_writable()?;
        let mut batch = Batch::default();
        let mut seq = w.next_seq;
        let mut author_seq = w.author_seq;
        let mut max_hlc = w.clock.last();
        let mut in_batch: HashMap<Vec<u8>, &[u8]> = HashMap::new();
        let (source_key, skip) = match source {
            Source::Local => (keys::LOCAL_SOURCE.to_vec(), None),
            Source::Peer(l) => (keys::link(l), Some(l)),
            Source::Detached => (keys::LOCAL_SOURCE.to_vec(), None),
            Source::Reclaimed => (keys::link(&Link::Parent), Some(&Link::Parent)),
        };
        // Only the node's own writes, and its records reclaimed from its
        // upstream by `liudong recover`, move its authored sequence number:
        // never a record received in its name.
        let authored_here = matches!(source, Source::Local | Source::Reclaimed);
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
            let own = r.id.node == self.scope.code;
            let stored_source = if own && *source == Source::Reclaimed {
                keys::RECLAIMED_SOURCE
            } else {
                &source_key
            };
            batch.insert(
                keys::record(&id_key),
                keys::record_value(seq, stored_source, &item.bytes),
            );
            let (links, to_seal) = self.record_links(r);
            queue_on(&mut outbox_pages, &links, skip, (seq, log_page.len()));
            if to_seal && skip != Some(&Link::Parent) {
                outbox_pages
                    .entry(keys::SEAL_QUEUE.to_vec())
                    .or_default()
                    .push((seq, log_page.len()));
            }
            fingerprint::add_record(&mut fp, &self.tree, item, &id_key, &links, seq)?;
            log_page.push((seq, id_key.clone()));
            if own && authored_here {
                author_seq = author_seq.max(r.id.seq);
            }
            max_hlc = max_hlc.max(r.hlc);
            in_batch.insert(id_key, &item.bytes);
            out.new += 1;
        }
        for env in envelopes {
            let key = keys::envelope(&env.id, &env.route.destination);
            if let Some(prev) = in_batch.get(&key) {
                if *prev != env.bytes.as_slice() {
                    return Err(self.conflict(&env.id));
                }
                out.sealed_duplicate += 1;
                continue;
            }
            if let Some(stored) = self.tree.get(keys::envelope_entry(&key))? {
                let (_, _, bytes) = keys::split_record_value(&stored)
                    .ok_or_else(|| StoreError::Corrupt(format!("envelope of {}", env.id)))?;
                if bytes != env.bytes.as_slice() {
                    return Err(self.conflict(&env.id));
                }
                out.sealed_duplicate += 1;
                continue;
            }
            seq += 1;
            batch.insert(
                keys::envelope_entry(&key),
                keys::record_value(seq, &source_key, &env.bytes),
            );
            let links = self.scope.envelope_links(self.parent.as_ref(), &env.route);
            queue_on(&mut outbox_pages, &links, skip, (seq, log_page.len()));
            fingerprint::add_envelope(&mut fp, &self.tree, env, &key, &links, seq)?;
            log_page.push((seq, key.clone()));
            in_batch.insert(key, &env.bytes);
            out.sealed_new += 1;
        }
        if out.new + out.sealed_new > 0 {
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
                batch.insert(keys::high_water(author), high.to_be_bytes());
            }
            held::stage_arrival(&mut batch, seq, now_ms());
            batch.insert(keys::meta(keys::META_SEQ), seq.to_be_bytes());
            batch.insert(keys::meta(keys::META_AUTHOR_SEQ), author_seq.to_be_bytes());
            batch.insert(keys::meta(keys::META_HLC), max_hlc.0.to_be_bytes());
            let records = self.records.load(Ordering::Relaxed) + out.new as u64;
            batch.insert(keys::meta(keys::META_RECORDS), records.to_be_bytes());
        }
        fp.write(&mut batch);
        if let Some((id, entry)) = request {
            requests::stage(&mut batch, &self.tree, id, entry)?;
        }
        if let Some(c) = &cursor {
            batch.insert(
                keys::cursor(c.dir, &keys::link(&c.link)),
                c.value.to_be_bytes(),
            );
        }
        self.wrote(self.tree.apply(batch))?;
        // The tree now holds the batch, and the count with it.
        self.records.fetch_add(out.new as u64, Ordering::Relaxed);
        w.next_seq = seq;
        w.author_seq = author_seq;
        w.authors.extend(staged_authors);
        w.clock.observe(max_hlc);
        self.last_seq.store(seq, Ordering::Release);
        self.clock_high.store(w.clock.last().0, Ordering::Release);
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
        let high = match self.tree.scan_prefix(keys::records_of(author)).next_back() {
            Some(kv) => {
                let (k, _) = kv?;
                keys::parse_record(&k)
                    .ok_or_else(|| StoreError::Corrupt("record key".into()))?
                    .seq
            }
            None => 0,
        };
        w.authors.insert(author.clone(), high);
        Ok(high)
    }

    fn conflict(&self, id: &RecordId) -> StoreError {
        let n = self.counters.conflicts.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(record = %id, conflicts = n, "conflicting duplicate record id refused");
        if let Err(e) = self
            .tree
            .insert(keys::meta(keys::META_CONFLICTS), n.to_be_bytes())
        {
            tracing::warn!(error = %e, "could not persist the conflict counter");
        }
        StoreError::Conflict { id: id.clone() }
    }

    /// A record by id.
    pub fn get(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        match records::stored(&self.tree, &keys::id(id))? {
            Some(st) => st.record().map(Some),
            None => Ok(None),
        }
    }

    /// The canonical bytes of a record by id.
    pub fn get_bytes(&self, id: &RecordId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(records::stored(&self.tree, &keys::id(id))?.map(|st| st.bytes().to_vec()))
    }

    /// The bytes of the envelope of record `id` sealed to `destination`, if held.
    pub fn envelope_bytes(
        &self,
        id: &RecordId,
        destination: &Code,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            records::stored(&self.tree, &keys::envelope(id, destination))?
                .map(|st| st.bytes().to_vec()),
        )
    }

    /// True if this node holds record `id` or an envelope of it (an exchange
    /// node holds only envelopes).
    pub fn holds_item(&self, id: &RecordId) -> Result<bool, StoreError> {
        if self.tree.get(keys::record(&keys::id(id)))?.is_some() {
            return Ok(true);
        }
        let prefix = keys::envelope_entry(&keys::envelopes_of(id));
        Ok(self.tree.scan_prefix(prefix).next().transpose()?.is_some())
    }

    /// Number of envelopes held (an exchange node's items; a county's sent
    /// and received ones). Counts by scanning: for tests, status and tools.
    pub fn envelope_count(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for kv in self.tree.scan_prefix([keys::ENVELOPE]) {
            kv?;
            n += 1;
        }
        Ok(n)
    }

    /// Up to `max` records of the seal queue after position `after` (each
    /// [`Queued`]), with
    /// their positions and canonical bytes, and whether more follow.
    pub fn seal_queue(&self, after: u64, max: usize) -> Result<(Vec<Queued>, bool), StoreError> {
        let prefix = keys::outbox_of(keys::SEAL_QUEUE);
        let mut out = Vec::new();
        let more = records::scan_pages(&self.tree, &prefix, after, |seq, id_key| {
            let st = records::stored(&self.tree, id_key)?.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "seal queue entry {seq} names a record that is not stored"
                ))
            })?;
            out.push((seq, st.record()?, st.bytes().to_vec()));
            Ok(out.len() < max.max(1))
        })?;
        Ok((out, more))
    }

    /// Stores a county's key announcement (`bytes`, already checked by the
    /// caller) in the key directory under (`county`, `key_id`).
    pub fn put_announcement(
        &self,
        county: &Code,
        key_id: &str,
        bytes: &[u8],
    ) -> Result<Announced, StoreError> {
        self.put_announcement_with(county, key_id, bytes, |held| held == bytes)
    }

    /// As [`Store::put_announcement`], with `same` deciding whether the
    /// announcement already held (its bytes) announces the same keys (a
    /// county signs its announcements again at each publication, so equal
    /// keys may come in other bytes): then it is kept and this is `Same`.
    pub fn put_announcement_with(
        &self,
        county: &Code,
        key_id: &str,
        bytes: &[u8],
        same: impl Fn(&[u8]) -> bool,
    ) -> Result<Announced, StoreError> {
        self.check_writable()?;
        let _k = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let key = keys::announcement(county, key_id);
        if let Some(v) = self.tree.get(&key)? {
            return Ok(if v.get(8..).is_some_and(same) {
                Announced::Same
            } else {
                Announced::Conflict
            });
        }
        let seq = read_meta(&self.tree, keys::META_KEY_SEQ)? + 1;
        let mut value = seq.to_be_bytes().to_vec();
        value.extend_from_slice(bytes);
        let mut batch = Batch::default();
        batch.insert(key, value);
        batch.insert(keys::meta(keys::META_KEY_SEQ), seq.to_be_bytes());
        self.wrote(self.tree.apply(batch))?;
        self.wrote(self.db.flush())?;
        Ok(Announced::New(seq))
    }

    /// The key announcements stored after directory position `after`, in
    /// directory order, with their positions.
    pub fn announcements_after(&self, after: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix([keys::ANNOUNCEMENT]) {
            let (_, v) = kv?;
            let seq = v
                .get(..8)
                .and_then(keys::u64_value)
                .ok_or_else(|| StoreError::Corrupt("key announcement".into()))?;
            if seq > after {
                out.push((seq, v[8..].to_vec()));
            }
        }
        out.sort_by_key(|(seq, _)| *seq);
        Ok(out)
    }

    /// The link a record was received from (`None` for local or detached records).
    pub fn source_of(&self, id: &RecordId) -> Result<Option<Link>, StoreError> {
        Ok(
            records::stored(&self.tree, &keys::id(id))?
                .and_then(|st| keys::parse_link(st.source())),
        )
    }

    // ---- workflow rules ----

    /// For a record received by sync: the workflow breach it commits against
    /// the records it refers to (looked up in `batch`, then here), if any.
    /// Missing context is not a breach (the record will be held and flagged).
    pub fn workflow_breach(
        &self,
        r: &Record,
        batch: &[Incoming],
    ) -> Result<Option<WorkflowIssue>, StoreError> {
        let target = match &r.body {
            Body::InflowAcknowledged(b) => &b.inflow,
            Body::Correction(c) => &c.target,
            _ => return Ok(None),
        };
        let found = match batch.iter().find(|x| &x.record.id == target) {
            Some(x) => Some(x.record.clone()),
            None => self.get(target)?,
        };
        let Some(found) = found else {
            return Ok(None);
        };
        Ok(workflow::check(r, &[found])
            .err()
            .filter(|i| i.kind == IssueKind::Breach))
    }

    /// Every held record, in subject order (the indexer is caught up first).
    pub fn held(&self) -> Result<Vec<HeldRecord>, StoreError> {
        self.catch_up()?;
        held::all(&self.tree)
    }

    /// When this node stored record `id` (unix ms), if it holds it and the
    /// store recorded arrival times then (stores written before did not).
    pub fn arrival_ms(&self, id: &RecordId) -> Result<Option<u64>, StoreError> {
        held::arrival_ms(&self.tree, id)
    }

    // ---- the indexer and views ----

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
        match index::stage(&self.tree, max)? {
            Some((n, batch)) => {
                self.wrote(self.tree.apply(batch))?;
                Ok(n)
            }
            None => Ok(0),
        }
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
            .saturating_sub(read_meta(&self.tree, keys::META_INDEXED)?))
    }

    /// All records held about one subject.
    pub fn subject_records(&self, subject: &str) -> Result<Vec<Record>, StoreError> {
        self.catch_up()?;
        records::subject_records(&self.tree, subject)
    }

    /// The derived view of one person.
    pub fn view(&self, subject: &CitizenId) -> Result<Option<PersonView>, StoreError> {
        self.catch_up()?;
        match self.tree.get(keys::view(subject.as_str()))? {
            Some(v) => index::decode_view(&v).map(Some),
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
            index::decode_view(&v)
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
        let range = (
            std::ops::Bound::Excluded(keys::view(after)),
            std::ops::Bound::Excluded(keys::views_end()),
        );
        Box::new(self.tree.range(range).map(|kv| {
            let (_, v) = kv?;
            index::decode_view(&v)
        }))
    }

    // ---- outboxes, cursors, link status ----

    /// Reads one page of a link's outbox after position `after`.
    pub fn outbox(
        &self,
        link: &Link,
        after: u64,
        max_records: usize,
        max_bytes: usize,
    ) -> Result<OutboxPage, StoreError> {
        let prefix = keys::outbox_of(&keys::link(link));
        let mut page = OutboxPage {
            cursor: after,
            ..OutboxPage::default()
        };
        let mut bytes_total = 0usize;
        // A record that would take a non-empty page over `max_bytes` is left
        // for the next page (a single larger record is sent alone).
        let mut held_back = false;
        let more = records::scan_pages(&self.tree, &prefix, after, |seq, id_key| {
            let st = records::stored(&self.tree, id_key)?.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "outbox entry {seq} names a record that is not stored"
                ))
            })?;
            let bytes = st.bytes();
            if !page.records.is_empty() && bytes_total + bytes.len() > max_bytes {
                held_back = true;
                return Ok(false);
            }
            bytes_total += bytes.len();
            page.records.push(bytes.to_vec());
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
        let link_key = keys::link(link);
        let prefix = keys::outbox_of(&link_key);
        // Every entry at or below `last` is visible (a batch's pages are
        // applied before `last_seq` moves past them) and none can appear
        // there later: counts up to `last` stay true.
        let last = self.last_seq();
        let between = |low: u64, high: u64| -> Result<u64, StoreError> {
            let mut n = 0u64;
            records::scan_pages(&self.tree, &prefix, low, |seq, _| {
                if seq > high {
                    return Ok(false);
                }
                n += 1;
                Ok(true)
            })?;
            Ok(n)
        };
        let known = self
            .pending_counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&link_key)
            .copied();
        // A child's cursor and the log only move forward between two
        // counts, so the last count is corrected by what left below the
        // cursor and what arrived above the log; a read of a child's
        // backlog costs what changed, not the size of its outbox.
        let n = match known {
            Some(k) if k.after <= after && after <= k.last && k.last <= last => {
                k.count.saturating_sub(between(k.after, after)?) + between(k.last, last)?
            }
            _ => between(after, last)?,
        };
        self.pending_counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                link_key,
                PendingCount {
                    after,
                    last,
                    count: n,
                },
            );
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
            if k.get(1..2) == Some(keys::SEAL_QUEUE) {
                // The seal queue, not a peer's outbox.
                from = keys::after_outbox(&keys::outbox_of(keys::SEAL_QUEUE));
                continue;
            }
            let link = keys::parse_link_after_prefix(&k)
                .ok_or_else(|| StoreError::Corrupt("outbox key".into()))?;
            from = keys::after_outbox(&keys::outbox_of(&keys::link(&link)));
            out.push(link);
        }
        Ok(out)
    }

    pub fn cursor(&self, dir: Dir, link: &Link) -> Result<u64, StoreError> {
        records::read_u64(&self.tree, &keys::cursor(dir, &keys::link(link)))
    }

    /// Records how far a peer has acknowledged this node's outbox. Advisory
    /// (status display): it is flushed with the next batch, not on its own,
    /// because the receiver's own durable cursor is what sessions resume from.
    pub fn set_cursor(&self, dir: Dir, link: &Link, value: u64) -> Result<(), StoreError> {
        self.wrote(
            self.tree
                .insert(keys::cursor(dir, &keys::link(link)), value.to_be_bytes()),
        )?;
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

    /// Updates the status of `link` (a read-modify-write under the status
    /// lock, never the writer lock; no flush).
    pub fn update_link_status(
        &self,
        link: &Link,
        f: impl FnOnce(&mut LinkStatus),
    ) -> Result<(), StoreError> {
        let _s = self.status_lock();
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
            out.extend(keys::parse_link_after_prefix(&k));
        }
        Ok(out)
    }

    /// The stored state of `link`'s peer (default if none).
    pub fn peer_state(&self, link: &Link) -> Result<PeerState, StoreError> {
        peer::get(&self.tree, link)
    }

    /// Updates the state of `link`'s peer (a read-modify-write under the
    /// status lock, never the writer lock; no flush).
    pub fn update_peer_state(
        &self,
        link: &Link,
        f: impl FnOnce(&mut PeerState),
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        let _s = self.status_lock();
        let mut s = peer::get(&self.tree, link)?;
        f(&mut s);
        let (k, v) = peer::entry(link, &s)?;
        self.wrote(self.tree.insert(k, v))?;
        Ok(())
    }

    /// Links with a stored peer state.
    pub fn peer_links(&self) -> Result<Vec<Link>, StoreError> {
        peer::links(&self.tree)
    }

    /// Every link this node knows, sorted: the upstream (if it has one),
    /// and each child it has records for (an outbox), a link status or a
    /// peer state of.
    pub fn known_links(&self) -> Result<Vec<Link>, StoreError> {
        let mut links = self.outbox_links()?;
        links.extend(self.status_links()?);
        links.extend(self.peer_links()?);
        if self.parent.is_some() {
            links.push(Link::Parent);
        }
        links.sort();
        links.dedup();
        Ok(links)
    }

    /// The last report `link`'s peer made of its links with the nodes below
    /// it (a township's villages), if any.
    pub fn lower_report(&self, link: &Link) -> Result<Option<LowerReport>, StoreError> {
        peer::get_lower(&self.tree, link)
    }

    /// Replaces the report of `link`'s peer about the nodes below it
    /// (advisory, like the peer state: no flush).
    pub fn set_lower_report(&self, link: &Link, report: &LowerReport) -> Result<(), StoreError> {
        self.check_writable()?;
        let (k, v) = peer::lower_entry(link, report)?;
        self.wrote(self.tree.insert(k, v))?;
        Ok(())
    }

    // ---- failure, counters, the log ----

    /// True once a batch could not be written: the store then refuses every
    /// batch (nothing more is acknowledged) until it is reopened.
    pub fn write_failed(&self) -> bool {
        self.write_failed.load(Ordering::SeqCst)
    }

    /// Passes a write's result on, remembering a failure (see [`Store::write_failed`]).
    fn wrote<T>(&self, r: Result<T, EngineError>) -> Result<T, StoreError> {
        r.map_err(|e| {
            if !self.write_failed.swap(true, Ordering::SeqCst) {
                tracing::error!(error = %e, "the store cannot write; refusing all records until restart");
            }
            e.into()
        })
    }

    /// Fails once a write has failed. Callers check this before anything
    /// that scans the tree too: after an I/O error the engine can spin
    /// forever in a read that happens to restructure a page (observed on a
    /// full disk), so a failed store is not read either, except by point
    /// look-ups.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        if self.write_failed() {
            return Err(StoreError::Io(EngineError::Io(std::io::Error::other(
                "an earlier write to the data directory failed, so this node accepts no records until it is restarted",
            ))));
        }
        Ok(())
    }

    /// Moves the local log on so that its next entry is numbered above
    /// `at_least`; returns the last local sequence number. `liudong
    /// recover` does this before it refills a store: the children's cursors
    /// are positions in this node's log as it was before the loss, and every
    /// entry written from then on must lie beyond all of them (a child
    /// resumes after its cursor; entries it already holds are no-ops).
    pub fn skip_log_to(&self, at_least: u64) -> Result<u64, StoreError> {
        self.check_writable()?;
        let mut w = self.lock();
        if w.next_seq >= at_least {
            return Ok(w.next_seq);
        }
        let _indexer = self.indexer.lock().unwrap_or_else(|p| p.into_inner());
        let mut batch = Batch::default();
        batch.insert(keys::meta(keys::META_SEQ), at_least.to_be_bytes());
        if read_meta(&self.tree, keys::META_INDEXED)? == w.next_seq {
            // Nothing between the old end and the new start to index.
            batch.insert(keys::meta(keys::META_INDEXED), at_least.to_be_bytes());
        }
        self.wrote(self.tree.apply(batch))?;
        w.next_seq = at_least;
        self.last_seq.store(at_least, Ordering::Release);
        drop(w);
        self.flush()?;
        Ok(at_least)
    }

    /// The last sequence number this node issued for a record in its own
    /// name, as far as its store knows.
    pub fn author_seq(&self) -> u64 {
        self.lock().author_seq
    }

    /// Highest local sequence number. Never blocks (not even on a writer).
    pub fn last_seq(&self) -> u64 {
        self.last_seq.load(Ordering::Acquire)
    }

    /// The node clock's high-water mark. Never blocks.
    pub fn clock(&self) -> Hlc {
        Hlc(self.clock_high.load(Ordering::Acquire))
    }

    /// Number of records held: one look-up of the count the store maintains
    /// (see [`keys::META_RECORDS`]), read from the tree so that it agrees with
    /// the records any reader sees (the count is written in their batch).
    pub fn record_count(&self) -> usize {
        let stored = self
            .tree
            .get(keys::meta(keys::META_RECORDS))
            .ok()
            .flatten()
            .and_then(|v| keys::u64_value(&v));
        stored.unwrap_or_else(|| self.records.load(Ordering::Relaxed)) as usize
    }

    /// Counts the records by scanning them: O(records).
    pub(crate) fn scan_record_count(&self) -> u64 {
        self.tree.scan_prefix([keys::RECORD]).count() as u64
    }

    /// Loads the persisted record count; a store written before the count
    /// was kept is counted once and the count persisted.
    fn load_record_count(&self) -> Result<(), StoreError> {
        let n = match self.tree.get(keys::meta(keys::META_RECORDS))? {
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
    fn recount_records(&self) -> Result<u64, StoreError> {
        let n = self.scan_record_count();
        self.tree
            .insert(keys::meta(keys::META_RECORDS), n.to_be_bytes())?;
        self.records.store(n, Ordering::Relaxed);
        Ok(n)
    }

    /// Every record id held, in id order.
    pub fn record_ids(&self) -> Result<Vec<RecordId>, StoreError> {
        let mut out = Vec::new();
        for kv in self.tree.scan_prefix([keys::RECORD]) {
            let (k, _) = kv?;
            out.push(
                keys::parse_record(&k).ok_or_else(|| StoreError::Corrupt("record key".into()))?,
            );
        }
        Ok(out)
    }

    /// Records of the local log after `after`, up to `max` (a change feed;
    /// envelopes are left out).
    pub fn log_after(&self, after: u64, max: usize) -> Result<Vec<(u64, Record)>, StoreError> {
        let mut out = Vec::new();
        if max == 0 {
            return Ok(out);
        }
        records::scan_pages(&self.tree, &[keys::LOG], after, |seq, id_key| {
            if keys::is_envelope(id_key) {
                return Ok(true);
            }
            if let Some(st) = records::stored(&self.tree, id_key)? {
                out.push((seq, st.record()?));
            }
            Ok(out.len() < max)
        })?;
        Ok(out)
    }

    /// Flushes everything to disk (waits for the disk; takes no lock), and
    /// records in the store marker how far the log is now durable.
    pub fn flush(&self) -> Result<usize, StoreError> {
        let log = self.last_seq();
        let n = self.db.flush()?;
        self.remember(&self.path, log);
        Ok(n)
    }

    /// Bytes the engine uses on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// Key and value bytes held under each key prefix (`R`, `L`, `O`, …),
    /// before the engine's own overhead and compression: what the store's
    /// disk footprint is made of. O(entries); a diagnostic for benchmarks.
    pub fn logical_bytes_by_prefix(&self) -> Result<BTreeMap<char, u64>, StoreError> {
        let mut out = BTreeMap::new();
        for kv in self.tree.iter() {
            let (k, v) = kv?;
            let tag = k.first().map_or('?', |b| *b as char);
            *out.entry(tag).or_default() += (k.len() + v.len()) as u64;
        }
        Ok(out)
    }

    /// Raw access to the record tree, for tests that damage a store behind
    /// its back. Not for production code.
    #[doc(hidden)]
    pub fn raw(&self) -> RawTree<'_> {
        RawTree(&self.tree)
    }

    // ---- fingerprints ----

    /// Builds the fingerprint index from the stored records if this store
    /// predates it (once, at open; O(records)).
    fn backfill_fingerprints(&self) -> Result<(), StoreError> {
        let built = {
            let _w = self.lock();
            fingerprint::backfill(
                &self.tree,
                &self.scope,
                self.parent.as_ref(),
                self.sealed_parent,
            )?
        };
        if let Some(n) = built {
            self.db.flush()?;
            if n > 0 {
                tracing::info!(records = n, "built the fingerprint index");
            }
        }
        Ok(())
    }

    /// The root digest of a link's scope.
    pub fn fingerprint(&self, link: &Link) -> Result<Digest, StoreError> {
        fingerprint::root(&self.tree, link)
    }

    /// The digests of every month of a link's scope.
    pub fn fingerprint_months(&self, link: &Link) -> Result<Vec<(u32, Digest)>, StoreError> {
        fingerprint::months(&self.tree, link)
    }

    /// The digests of every bucket of one month of a link's scope.
    pub fn fingerprint_buckets(
        &self,
        link: &Link,
        month: u32,
    ) -> Result<Vec<(Bucket, Digest)>, StoreError> {
        fingerprint::buckets(&self.tree, link, month)
    }

    /// The members (record id and hash) of one bucket of a link's scope.
    pub fn bucket_members(
        &self,
        link: &Link,
        b: &Bucket,
    ) -> Result<Vec<(RecordId, Hash)>, StoreError> {
        fingerprint::members(&self.tree, link, b)
    }

    /// Checks the fingerprint index against the records actually stored and
    /// repairs the index: a record indexed but gone is removed from the
    /// fingerprints; a record whose bytes no longer match its hash (or no
    /// longer decode) is removed entirely, so that a repair can fetch it again.
    /// O(records); runs at the start of every verification, never on the
    /// write path. The scan does not block writers; a repair takes the writer
    /// lock to rewrite the damaged buckets, and flushes after releasing it.
    pub fn audit(&self) -> Result<AuditReport, StoreError> {
        let mut report = AuditReport::default();
        let suspects = fingerprint::audit_suspects(&self.tree, &mut report)?;
        if suspects.is_empty() {
            return Ok(report);
        }
        {
            let _w = self.lock();
            let batch = fingerprint::audit_repair(&self.tree, suspects, &mut report)?;
            self.tree.apply(batch)?;
            // Records removed here, or gone behind the store's back: count anew.
            self.recount_records()?;
        }
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
        let (k, v) = fingerprint::receipt_entry(link, r)?;
        self.tree.insert(k, v)?;
        Ok(())
    }

    /// The receipt of the last verification of `link`, if any.
    pub fn receipt(&self, link: &Link) -> Result<Option<Receipt>, StoreError> {
        fingerprint::receipt(&self.tree, link)
    }

    // ---- the audit trail ----

    /// Appends an event to the audit trail; returns its sequence number.
    pub fn audit_append(&self, event: AuditEvent) -> Result<u64, StoreError> {
        self.audit.append(event)
    }

    /// Appends an event to the audit trail and flushes it to disk before
    /// returning: for the disclosure of records about to leave this node,
    /// which a crash after they left must not lose.
    pub fn audit_append_durable(&self, event: AuditEvent) -> Result<u64, StoreError> {
        let seq = self.audit.append(event)?;
        self.wrote(self.db.flush())?;
        Ok(seq)
    }

    /// Number of refusals recorded in the audit trail.
    pub fn refused_count(&self) -> Result<u64, StoreError> {
        self.audit.refused_count()
    }

    /// Reads the audit entries matching `filter`, oldest first.
    pub fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit.query(filter)
    }
}

/// The highest stamp of `records` (0 for none): the floor of the next
/// stamp about the same person (see [`HlcClock::stamp`]).
fn highest_stamp(records: &[Record]) -> Hlc {
    records.iter().map(|r| r.hlc).max().unwrap_or_default()
}

/// The authored sequence number to resume from. Versions before the fix of
/// issue 14 raised it for records received in this node's name, so one
/// forged record with an extreme number stopped every later write. If the
/// record the stored number names was not written here (nor reclaimed by
/// `liudong recover`) but received, the number is recomputed from the
/// records this node wrote, and the repair is logged.
fn check_author_seq(tree: &Tree, me: &Code) -> Result<u64, StoreError> {
    let stored = read_meta(tree, keys::META_AUTHOR_SEQ)?;
    if stored == 0 {
        return Ok(0);
    }
    let written_here = |source: &[u8]| source.is_empty() || source == keys::RECLAIMED_SOURCE;
    let id = RecordId {
        node: me.clone(),
        seq: stored,
    };
    let named_here = match records::stored(tree, &keys::id(&id))? {
        None => true,
        Some(st) => written_here(st.source()),
    };
    if named_here {
        return Ok(stored);
    }
    let mut recomputed = 0;
    for kv in tree.scan_prefix(keys::records_of(me)) {
        let (k, v) = kv?;
        let id = keys::parse_record(&k).ok_or_else(|| StoreError::Corrupt("record key".into()))?;
        let (_, source, _) = keys::split_record_value(&v)
            .ok_or_else(|| StoreError::Corrupt(format!("record {id}")))?;
        if written_here(source) {
            recomputed = recomputed.max(id.seq);
        }
    }
    tree.insert(keys::meta(keys::META_AUTHOR_SEQ), recomputed.to_be_bytes())?;
    tracing::warn!(
        node = %me,
        stored,
        recomputed,
        "the authored sequence number had been raised by a record received in this node's name; recomputed from the records this node wrote"
    );
    Ok(recomputed)
}

/// The physical reference for benchmarks: a plain engine batch insert of
/// (key, value) pairs into a fresh database at `path`, in batches of
/// `batch`, flushing after each batch as the sync path does before
/// acknowledging.
pub fn raw_batch_insert(
    path: &Path,
    items: &[(Vec<u8>, Vec<u8>)],
    batch: usize,
    opts: &StoreOptions,
) -> Result<u64, StoreError> {
    let db = Db::open(path, &opts.engine())?;
    let tree = db.open_tree("raw")?;
    for chunk in items.chunks(batch.max(1)) {
        let mut b = Batch::default();
        for (k, v) in chunk {
            b.insert(k, v);
        }
        tree.apply(b)?;
        db.flush()?;
    }
    Ok(db.size_on_disk()?)
}

/// Puts a stored item (its local seq and position in the log page) in the
/// outbox of every link of `links` but `skip` (the link it came by).
fn queue_on(
    outbox_pages: &mut BTreeMap<Vec<u8>, Vec<(u64, usize)>>,
    links: &[Link],
    skip: Option<&Link>,
    at: (u64, usize),
) {
    for link in links {
        if Some(link) != skip {
            outbox_pages.entry(keys::link(link)).or_default().push(at);
        }
    }
}
