//! Reading the record tree: stored records, the paged indexes (the log and
//! the outboxes), a subject's records and meta counters. Functions of the
//! tree only; the [`crate::Store`] decides when they run.

use crate::engine::{Tree, Value};
use crate::error::StoreError;
use crate::keys;
use liudong_core::Record;

/// A stored record value (`local seq · source link · canonical bytes`), as
/// the engine holds it: nothing is copied until asked.
pub(crate) struct Stored(Value);

impl Stored {
    fn parts(&self) -> (u64, &[u8], &[u8]) {
        keys::split_record_value(&self.0).expect("checked when read")
    }

    /// The local sequence number the record was stored at.
    pub(crate) fn seq(&self) -> u64 {
        self.parts().0
    }

    /// The source link key (empty for local and detached records).
    pub(crate) fn source(&self) -> &[u8] {
        self.parts().1
    }

    /// The record's canonical bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.parts().2
    }

    pub(crate) fn record(&self) -> Result<Record, StoreError> {
        decode(self.bytes())
    }
}

/// Reads a stored record by id key, or a stored envelope by its item key
/// (its `bytes` are then the envelope's).
pub(crate) fn stored(tree: &Tree, id_key: &[u8]) -> Result<Option<Stored>, StoreError> {
    let Some(v) = tree.get(keys::item(id_key))? else {
        return Ok(None);
    };
    if keys::split_record_value(&v).is_none() {
        return Err(StoreError::Corrupt("record value".into()));
    }
    Ok(Some(Stored(v)))
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
    liudong_proto::decode_record(bytes)
        .map_err(|e| StoreError::Corrupt(format!("stored record: {e}")))
}

/// A big-endian counter or cursor at `key` (0 when absent).
pub(crate) fn read_u64(tree: &Tree, key: &[u8]) -> Result<u64, StoreError> {
    Ok(tree
        .get(key)?
        .and_then(|v| keys::u64_value(&v))
        .unwrap_or(0))
}

/// A meta counter of the record tree (0 when absent).
pub(crate) fn read_meta(tree: &Tree, name: &str) -> Result<u64, StoreError> {
    read_u64(tree, &keys::meta(name))
}

/// Visits the entries of a paged index (the log `L`, or one link's outbox
/// `O · link`) with a local sequence number above `after`, in order.
/// `visit` returns `false` to stop after the entry it was given; the result
/// says whether entries remain beyond that point.
pub(crate) fn scan_pages(
    tree: &Tree,
    prefix: &[u8],
    after: u64,
    mut visit: impl FnMut(u64, &[u8]) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    let (start, end) = keys::pages_after(prefix, after);
    let mut pages = tree.range(start..=end);
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

/// A subject's records as far as the subject index has been built.
pub(crate) fn subject_records(tree: &Tree, subject: &str) -> Result<Vec<Record>, StoreError> {
    let prefix = keys::subject_prefix(subject);
    let mut out = Vec::new();
    for kv in tree.scan_prefix(&prefix) {
        let (k, _) = kv?;
        if let Some(st) = stored(tree, &k[prefix.len()..])? {
            out.push(st.record()?);
        }
    }
    Ok(out)
}
