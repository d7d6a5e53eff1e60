//! The indexer: derives the subject index (`S`), person views (`V`) and
//! held-record flags (`H`) from the log, off the apply path, from its own
//! cursor (`M indexed`). Re-indexing is idempotent, so a crash between an
//! apply and the indexer loses nothing.

use crate::engine::{Batch, Tree};
use crate::error::StoreError;
use crate::held;
use crate::keys;
use crate::records;
use liudong_core::{PersonView, Record};
use std::collections::BTreeMap;

/// Version of the person-view encoding (`V`). A store whose views were
/// written in another version re-derives all of them on open.
pub const VIEW_FORMAT: u64 = 3;

/// Reads up to `max` log entries after the indexer's cursor and stages, in
/// one batch, their subject-index entries, the re-derived view and
/// re-evaluated flags of every subject they touch, and the advanced cursor.
/// Returns how many entries the batch covers and the batch (`None` when
/// the views are up to date). The caller holds the indexer lock.
pub(crate) fn stage(tree: &Tree, max: usize) -> Result<Option<(usize, Batch)>, StoreError> {
    let done = records::read_meta(tree, keys::META_INDEXED)?;
    let mut by_subject: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let mut batch = Batch::default();
    let mut last = done;
    let mut n = 0;
    records::scan_pages(tree, &[keys::LOG], done, |seq, id_key| {
        last = seq;
        n += 1;
        if keys::is_envelope(id_key) {
            // Sealed: nothing of a person to index.
            return Ok(n < max);
        }
        let st = records::stored(tree, id_key)?.ok_or_else(|| {
            StoreError::Corrupt(format!("log entry {seq} names a record that is not stored"))
        })?;
        let r = st.record()?;
        batch.insert(keys::subject(r.subject.as_str(), id_key), b"");
        by_subject
            .entry(r.subject.as_str().to_string())
            .or_default()
            .push(r);
        Ok(n < max)
    })?;
    if n == 0 {
        return Ok(None);
    }
    for (subject, fresh) in by_subject {
        let mut all = records::subject_records(tree, &subject)?;
        all.extend(fresh);
        held::reflag(tree, &subject, &all, &mut batch)?;
        if let Some(view) = PersonView::derive(&all) {
            let bytes = postcard::to_allocvec(&view)
                .map_err(|e| StoreError::Corrupt(format!("view encoding: {e}")))?;
            batch.insert(keys::view(&subject), bytes);
        }
    }
    batch.insert(keys::meta(keys::META_INDEXED), last.to_be_bytes());
    Ok(Some((n, batch)))
}
