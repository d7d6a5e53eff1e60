//! The sled adapter: the neutral handles of the engine seam mapped onto
//! sled 0.34 (one `sled::Db` per data directory, `sled::Tree`s, `IVec`
//! values, `sled::Batch`).

use super::{EngineConfig, EngineError, Result, Value};
use std::cell::Cell;
use std::ops::Bound;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Once;

pub(super) type Buf = sled::IVec;

impl From<sled::Error> for EngineError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(e) => EngineError::Io(e),
            e @ sled::Error::Corruption { .. } => EngineError::Corrupt(e.to_string()),
            e => EngineError::Other(e.to_string()),
        }
    }
}

thread_local! {
    /// Set while this thread opens a database: a panic then is the engine's
    /// reaction to damaged files, reported as an error, not printed.
    static OPENING: Cell<bool> = const { Cell::new(false) };
}

/// Opens sled, turning a panic inside it into [`EngineError::Corrupt`]. sled
/// 0.34 panics on some damaged files while it recovers them at open (e.g.
/// "tried to serialize Uninitialized" after flipped bytes in its log); the
/// default panic message and backtrace are kept off the terminal for such a
/// panic (every other panic is printed as before).
fn open_catching(c: &sled::Config) -> Result<sled::Result<sled::Db>> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !OPENING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    OPENING.with(|o| o.set(true));
    let opened = std::panic::catch_unwind(AssertUnwindSafe(|| c.open()));
    OPENING.with(|o| o.set(false));
    opened.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        EngineError::Corrupt(liudong_i18n::t!("store-engine-failed", what = what))
    })
}

/// True for the names of the files and directories sled keeps in a
/// database directory (`conf`, `db`, `blobs/`, `snap.*`).
pub(super) fn is_own_file(name: &str) -> bool {
    matches!(name, "conf" | "db" | "blobs") || name.starts_with("snap.")
}

fn value(v: Option<sled::IVec>) -> Option<Value> {
    v.map(Value)
}

#[derive(Clone)]
pub(super) struct Db(sled::Db);

impl Db {
    /// Opens sled, waiting (bounded: 2 s) for the directory's file lock when
    /// it is still held by a database of this process that is being dropped:
    /// sled releases the lock from its background flusher thread, so a store
    /// closed and reopened at once (a restart in the same process, a test)
    /// can find it taken for a few milliseconds. Another process holding the
    /// lock is still refused after the wait.
    pub(super) fn open(path: &Path, cfg: &EngineConfig) -> Result<Db> {
        let mut c = sled::Config::new()
            .path(path)
            .cache_capacity(cfg.cache_bytes)
            .flush_every_ms(cfg.flush_every_ms);
        if let Some(level) = cfg.compression {
            c = c.use_compression(true).compression_factor(level);
        }
        let mut attempts = 0;
        loop {
            match open_catching(&c)? {
                Err(sled::Error::Io(e))
                    if attempts < 100 && e.to_string().contains("could not acquire lock") =>
                {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                r => return Ok(Db(r?)),
            }
        }
    }

    pub(super) fn open_tree(&self, name: &str) -> Result<Tree> {
        Ok(Tree(self.0.open_tree(name)?))
    }

    pub(super) fn flush(&self) -> Result<usize> {
        Ok(self.0.flush()?)
    }

    pub(super) fn size_on_disk(&self) -> Result<u64> {
        Ok(self.0.size_on_disk()?)
    }

    pub(super) fn generate_id(&self) -> Result<u64> {
        Ok(self.0.generate_id()?)
    }
}

#[derive(Clone)]
pub(super) struct Tree(sled::Tree);

impl Tree {
    #[inline]
    pub(super) fn get(&self, key: &[u8]) -> Result<Option<Value>> {
        Ok(value(self.0.get(key)?))
    }

    #[inline]
    pub(super) fn insert(&self, key: &[u8], v: &[u8]) -> Result<Option<Value>> {
        Ok(value(self.0.insert(key, v)?))
    }

    #[inline]
    pub(super) fn remove(&self, key: &[u8]) -> Result<Option<Value>> {
        Ok(value(self.0.remove(key)?))
    }

    pub(super) fn update(
        &self,
        key: &[u8],
        f: impl FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    ) -> Result<Option<Value>> {
        Ok(value(self.0.update_and_fetch(key, f)?))
    }

    #[inline]
    pub(super) fn apply(&self, batch: Batch) -> Result<()> {
        Ok(self.0.apply_batch(batch.0)?)
    }

    pub(super) fn iter(&self) -> Iter {
        Iter(self.0.iter())
    }

    pub(super) fn scan_prefix(&self, prefix: &[u8]) -> Iter {
        Iter(self.0.scan_prefix(prefix))
    }

    pub(super) fn range(&self, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Iter {
        Iter(self.0.range::<&[u8], _>((start, end)))
    }
}

pub(super) struct Iter(sled::Iter);

impl Iter {
    #[inline]
    fn pair(kv: sled::Result<(sled::IVec, sled::IVec)>) -> Result<(Value, Value)> {
        let (k, v) = kv?;
        Ok((Value(k), Value(v)))
    }

    #[inline]
    pub(super) fn next(&mut self) -> Option<Result<(Value, Value)>> {
        self.0.next().map(Self::pair)
    }

    #[inline]
    pub(super) fn next_back(&mut self) -> Option<Result<(Value, Value)>> {
        self.0.next_back().map(Self::pair)
    }
}

#[derive(Default)]
pub(super) struct Batch(sled::Batch);

impl Batch {
    #[inline]
    pub(super) fn insert(&mut self, key: &[u8], v: &[u8]) {
        self.0.insert(key, v)
    }

    #[inline]
    pub(super) fn remove(&mut self, key: &[u8]) {
        self.0.remove(key)
    }
}
