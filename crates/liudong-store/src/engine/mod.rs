//! The storage engine seam: engine-neutral handles over an ordered key-value
//! store, and the one adapter that implements them (`sled.rs`, sled 0.34).
//! This module is the only part of the crate that names the engine; the rest
//! of the store sees only the types below.
//!
//! - [`Db`]: a database directory: named trees, [`Db::flush`] (the only call
//!   that waits for the disk), the size on disk, and a persisted id counter.
//! - [`Tree`]: an ordered map of byte keys to byte values: point reads and
//!   writes, ordered range and prefix scans (double-ended, so "the last key
//!   below" is `next_back`), atomic [`Batch`]es, and an atomic
//!   read-modify-write of one key.
//! - [`Batch`]: inserts and removes applied together by [`Tree::apply`]:
//!   all of them or none, and no reader sees half of one.
//! - [`Value`]: the engine's own buffer behind a neutral wrapper that derefs
//!   to `[u8]`, so a read copies nothing.
//! - [`EngineError`]: what the engine reports.
//! - [`RawTree`]: test-only raw access to a tree (see [`crate::Store::raw`]).
//!
//! Writes are atomic and visible to readers at once, but durable only after
//! a flush (explicit, or the engine's background flush every
//! [`EngineConfig::flush_every_ms`]). After an I/O error the engine keeps
//! failing until the directory is reopened.
//!
//! The shape follows Garage's `db` crate (neutral tree, error and batch
//! types, one adapter per engine), with static dispatch instead of trait
//! objects: there is one engine, and the apply path should pay nothing for
//! the seam.

mod sled;

use self::sled as imp;
use std::ops::{Bound, Deref, RangeBounds};
use std::path::Path;

/// An error of the storage engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading or writing the data directory failed (full disk, permissions,
    /// the directory locked by another process, …).
    #[error("{}", liudong_i18n::t!("store-engine-io", error = .0.to_string()))]
    Io(#[from] std::io::Error),
    /// The engine found damaged data on disk.
    #[error("{0}")]
    Corrupt(String),
    /// Anything else the engine reports (unsupported use, an engine bug).
    #[error("{0}")]
    Other(String),
}

pub type Result<T> = std::result::Result<T, EngineError>;

/// How to open a database.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Page cache size in bytes.
    pub cache_bytes: u64,
    /// Background flush interval; `None` flushes only when asked.
    pub flush_every_ms: Option<u64>,
    /// zstd level for pages on disk (1–22); `None` stores them uncompressed.
    pub compression: Option<i32>,
}

/// A value (or key) read from a tree: the engine's buffer, shared, not copied.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Value(imp::Buf);

impl Deref for Value {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl AsRef<[u8]> for Value {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl std::borrow::Borrow<[u8]> for Value {
    #[inline]
    fn borrow(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", &**self)
    }
}

/// One database directory.
#[derive(Clone)]
pub struct Db(imp::Db);

/// True for the name of a file or directory the engine keeps in a database
/// directory (other files there belong to someone else).
pub fn is_engine_file(name: &str) -> bool {
    imp::is_own_file(name)
}

impl Db {
    /// Opens (or creates) the database in `path`. A directory still locked by
    /// a database of this process that is being closed is waited for
    /// (briefly); one locked by another process is refused.
    pub fn open(path: &Path, cfg: &EngineConfig) -> Result<Db> {
        imp::Db::open(path, cfg).map(Db)
    }

    /// Opens (or creates) the tree called `name`.
    pub fn open_tree(&self, name: &str) -> Result<Tree> {
        self.0.open_tree(name).map(Tree)
    }

    /// Makes every write so far durable; returns the bytes written. The only
    /// call of the engine that waits for the disk (fsync).
    pub fn flush(&self) -> Result<usize> {
        self.0.flush()
    }

    /// Bytes the database uses on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.0.size_on_disk()
    }

    /// A new id from a persisted counter: strictly increasing across calls
    /// and restarts (ids may be skipped after a crash).
    pub fn generate_id(&self) -> Result<u64> {
        self.0.generate_id()
    }
}

/// One ordered tree of byte keys and values.
#[derive(Clone)]
pub struct Tree(imp::Tree);

impl Tree {
    #[inline]
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>> {
        self.0.get(key.as_ref())
    }

    /// Inserts one value; returns the previous one.
    #[inline]
    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<Option<Value>> {
        self.0.insert(key.as_ref(), value.as_ref())
    }

    /// Removes one key; returns its value.
    #[inline]
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>> {
        self.0.remove(key.as_ref())
    }

    /// Replaces the value of `key` by `f(current)` (`None` removes it),
    /// atomically with respect to concurrent updates of that key (`f` may
    /// run more than once); returns the new value.
    pub fn update(
        &self,
        key: impl AsRef<[u8]>,
        f: impl FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    ) -> Result<Option<Value>> {
        self.0.update(key.as_ref(), f)
    }

    /// Applies every write of `batch` atomically.
    #[inline]
    pub fn apply(&self, batch: Batch) -> Result<()> {
        self.0.apply(batch.0)
    }

    /// Every entry, in key order.
    pub fn iter(&self) -> Iter {
        Iter(self.0.iter())
    }

    /// The entries whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        Iter(self.0.scan_prefix(prefix.as_ref()))
    }

    /// The entries with a key in `range`, in key order.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        Iter(
            self.0
                .range(bytes(range.start_bound()), bytes(range.end_bound())),
        )
    }
}

fn bytes<K: AsRef<[u8]>>(b: Bound<&K>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_ref()),
        Bound::Excluded(k) => Bound::Excluded(k.as_ref()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Entries of a scan, as owned keys and values; double-ended.
pub struct Iter(imp::Iter);

impl Iterator for Iter {
    type Item = Result<(Value, Value)>;
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl DoubleEndedIterator for Iter {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back()
    }
}

/// Writes applied atomically by [`Tree::apply`].
#[derive(Default)]
pub struct Batch(imp::Batch);

impl Batch {
    #[inline]
    pub fn insert(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.0.insert(key.as_ref(), value.as_ref())
    }

    #[inline]
    pub fn remove(&mut self, key: impl AsRef<[u8]>) {
        self.0.remove(key.as_ref())
    }
}

/// Raw access to a tree, for tests that damage a store behind its back
/// ([`crate::Store::raw`]). Not for production code: nothing here keeps the
/// store's invariants.
#[doc(hidden)]
pub struct RawTree<'a>(pub(crate) &'a Tree);

#[doc(hidden)]
impl RawTree<'_> {
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        Ok(self.0.get(key)?.map(|v| v.to_vec()))
    }

    /// Inserts one value; returns the previous one.
    pub fn insert(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self.0.insert(key, value)?.map(|v| v.to_vec()))
    }

    /// Removes one key; returns its value.
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        Ok(self.0.remove(key)?.map(|v| v.to_vec()))
    }

    /// Every entry, in key order.
    pub fn iter(&self) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + '_ {
        self.0
            .iter()
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())))
    }

    /// The entries whose key starts with `prefix`, in key order.
    pub fn scan_prefix(
        &self,
        prefix: impl AsRef<[u8]>,
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + '_ {
        self.0
            .scan_prefix(prefix)
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path) -> Db {
        let cfg = EngineConfig {
            cache_bytes: 1 << 20,
            flush_every_ms: None,
            compression: Some(3),
        };
        Db::open(dir, &cfg).unwrap()
    }

    #[test]
    fn tree_operations_batches_and_scans() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path());
        let t = db.open_tree("t").unwrap();
        assert!(t.insert(b"a1", b"x").unwrap().is_none());
        assert_eq!(t.insert(b"a1", b"y").unwrap().as_deref(), Some(&b"x"[..]));
        let mut b = Batch::default();
        b.insert(b"a2", b"2");
        b.insert(b"a3", b"3");
        b.insert(b"b1", b"4");
        b.remove(b"a1");
        t.apply(b).unwrap();
        assert!(t.get(b"a1").unwrap().is_none());
        let keys = |it: Iter| -> Vec<Vec<u8>> { it.map(|kv| kv.unwrap().0.to_vec()).collect() };
        assert_eq!(keys(t.scan_prefix(b"a")), [b"a2".to_vec(), b"a3".to_vec()]);
        assert_eq!(
            keys(t.range(b"a3".to_vec()..)),
            [b"a3".to_vec(), b"b1".to_vec()]
        );
        let last = t.scan_prefix(b"a").next_back().unwrap().unwrap();
        assert_eq!((&*last.0, &*last.1), (&b"a3"[..], &b"3"[..]));
        let n = t
            .update(b"n", |old| {
                let n = old.map_or(0, |v| v[0]);
                Some(vec![n + 1])
            })
            .unwrap();
        assert_eq!(n.as_deref(), Some(&[1u8][..]));
        assert_eq!(t.remove(b"b1").unwrap().as_deref(), Some(&b"4"[..]));
        let id = db.generate_id().unwrap();
        assert!(db.generate_id().unwrap() > id);
        db.flush().unwrap();
        assert!(db.size_on_disk().unwrap() > 0);
    }

    /// The engine is named only in this module: every other source file of
    /// the crate speaks of "the engine".
    #[test]
    fn the_engine_is_named_only_in_the_engine_module() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let engine_dir = src.join("engine");
        let mut stack = vec![src];
        let mut offenders = Vec::new();
        let mut files = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if path != engine_dir {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files += 1;
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        if line.to_lowercase().contains("sled") {
                            offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(files > 5, "read the crate's sources ({files} files)");
        assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    }
}
