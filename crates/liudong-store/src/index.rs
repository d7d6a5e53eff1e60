//! The indexer: derives the subject index (`S`), person views (`V`) and
//! held-record flags (`H`) from the log, off the apply path, from its own
//! cursor (`M indexed`). Re-indexing is idempotent, so a crash between an
//! apply and the indexer loses nothing.
//!
//! A subject's view is stored with what extending it needs
//! ([`ViewFold`]) and the number of its held flags. New records that all
//! sort after every record folded, none a correction nor corrected, about a
//! subject with no flag, are folded onto the stored view and checked against
//! the workflow rules alone (a record sorting after all others cannot
//! change the rules' verdict on an earlier one): nothing else of the subject
//! is read. Otherwise the view is derived again from all the subject's
//! records and every flag re-evaluated.

use crate::engine::{Batch, Tree};
use crate::error::StoreError;
use crate::held;
use crate::keys;
use crate::records;
use liudong_core::record::Body;
use liudong_core::workflow;
use liudong_core::{PersonView, Record, ViewFold};
use std::collections::BTreeMap;

/// Version of the person-view encoding (`V`). A store whose views were
/// written in another version re-derives all of them on open.
///
/// 4: a [`ViewFold`] (whose encoding begins with the [`PersonView`]'s),
/// then the subject's number of held flags (postcard `u32`).
pub const VIEW_FORMAT: u64 = 4;

/// The person view at the start of a stored view value.
pub(crate) fn decode_view(value: &[u8]) -> Result<PersonView, StoreError> {
    postcard::take_from_bytes(value)
        .map(|(v, _)| v)
        .map_err(|e| StoreError::Corrupt(format!("view: {e}")))
}

/// A stored view value: the fold and the number of held flags (`None`
/// when it does not decode, e.g. written in another format: then the view
/// is derived again).
fn decode_fold(value: &[u8]) -> Option<(ViewFold, u32)> {
    let (fold, rest) = postcard::take_from_bytes::<ViewFold>(value).ok()?;
    let (held, _) = postcard::take_from_bytes::<u32>(rest).ok()?;
    Some((fold, held))
}

fn encode_fold(fold: &ViewFold, held: u32) -> Result<Vec<u8>, StoreError> {
    let mut out = postcard::to_allocvec(fold)
        .map_err(|e| StoreError::Corrupt(format!("view encoding: {e}")))?;
    out.extend(
        postcard::to_allocvec(&held)
            .map_err(|e| StoreError::Corrupt(format!("view encoding: {e}")))?,
    );
    Ok(out)
}

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
    for (subject, mut fresh) in by_subject {
        fresh.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        let stored = tree.get(keys::view(&subject))?;
        if let Some((fold, 0)) = stored.as_deref().and_then(decode_fold)
            && let Some((fold, held)) = extend(tree, &subject, fold, &fresh, &mut batch)?
        {
            batch.insert(keys::view(&subject), encode_fold(&fold, held)?);
            continue;
        }
        let mut all = records::subject_records(tree, &subject)?;
        all.extend(fresh);
        let held = held::reflag(tree, &subject, &all, &mut batch)?;
        if let Some(fold) = ViewFold::derive(&all) {
            batch.insert(keys::view(&subject), encode_fold(&fold, held)?);
        }
    }
    batch.insert(keys::meta(keys::META_INDEXED), last.to_be_bytes());
    Ok(Some((n, batch)))
}

/// Folds `fresh` (in clock order) onto the stored `fold` of a subject with
/// no held flag, staging a flag for each new record the workflow rules hold;
/// returns the extended fold and its number of flags, or `None` (nothing
/// staged) when a record cannot be folded on (see [`ViewFold::extend`]).
fn extend(
    tree: &Tree,
    subject: &str,
    mut fold: ViewFold,
    fresh: &[Record],
    batch: &mut Batch,
) -> Result<Option<(ViewFold, u32)>, StoreError> {
    if !fresh.iter().all(|r| fold.extends_with(r)) {
        return Ok(None);
    }
    let mut flags = Vec::new();
    for (i, r) in fresh.iter().enumerate() {
        let open = fold.episode_open();
        if !fold.extend(r) {
            return Ok(None);
        }
        if !workflow::needs_context(&r.body) {
            continue;
        }
        // The rules look at the records `r` names (among the subject's
        // records indexed or fresh, as a derivation would), and at the
        // episode state.
        let mut context: Vec<Record> = fresh[..=i].to_vec();
        if let Body::InflowAcknowledged(b) = &r.body
            && !context.iter().any(|c| c.id == b.inflow)
        {
            let id_key = keys::id(&b.inflow);
            if tree.get(keys::subject(subject, &id_key))?.is_some()
                && let Some(st) = records::stored(tree, &id_key)?
            {
                context.push(st.record()?);
            }
        }
        if let Err(issue) = workflow::check_following(r, &context, open) {
            flags.push((r, issue));
        }
    }
    let held = flags.len() as u32;
    for (r, issue) in flags {
        held::stage_flag(subject, r, issue, batch)?;
    }
    Ok(Some((fold, held)))
}
