//! Records held and flagged: records received by sync that break a workflow
//! rule ([`liudong_core::workflow`]) because context is missing here, and
//! the arrival times of batches.
//!
//! Such a record is stored and routed like any other (the next node may hold
//! the context), and the indexer re-evaluates the rules for all the
//! subject's records whenever it re-derives the subject's view (a record
//! out of clock order, a correction, a subject already flagged), or checks
//! the records it folds onto the view otherwise, and keeps one flag per
//! failing record
//! ([`keys::held`] → [`HeldRecord`], postcard). A flag disappears as soon as
//! the context arrives. Records written here never carry a flag: the writer
//! refuses what breaks a rule.

use crate::engine::{Batch, Tree};
use crate::error::StoreError;
use crate::keys;
use crate::records;
use liudong_core::workflow::{self, WorkflowIssue};
use liudong_core::{Record, RecordId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One held record and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRecord {
    pub id: RecordId,
    /// The subject's citizen ID (never log it above debug level).
    pub subject: String,
    pub kind: String,
    pub issue: WorkflowIssue,
}

/// Stages the arrival time (now) of a batch whose last local sequence
/// number is `seq`.
pub(crate) fn stage_arrival(batch: &mut Batch, seq: u64, now_ms: u64) {
    batch.insert(keys::arrival(seq), now_ms.to_be_bytes());
}

/// The flag of record `r` about `subject`, held for `issue`.
fn flag(subject: &str, r: &Record, issue: WorkflowIssue) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let h = HeldRecord {
        id: r.id.clone(),
        subject: subject.to_string(),
        kind: r.body.kind().to_string(),
        issue,
    };
    let v = postcard::to_allocvec(&h)
        .map_err(|e| StoreError::Corrupt(format!("held flag encoding: {e}")))?;
    Ok((keys::held(subject, &keys::id(&r.id)), v))
}

/// Stages the flag of record `r` (of a subject that had none before).
pub(crate) fn stage_flag(
    subject: &str,
    r: &Record,
    issue: WorkflowIssue,
    batch: &mut Batch,
) -> Result<(), StoreError> {
    let (k, v) = flag(subject, r, issue)?;
    batch.insert(k, v);
    Ok(())
}

/// Re-evaluates the workflow rules for every record of one subject and stages
/// the flags that changed into `batch`; returns the subject's number of flags.
pub(crate) fn reflag(
    tree: &Tree,
    subject: &str,
    records: &[Record],
    batch: &mut Batch,
) -> Result<u32, StoreError> {
    let mut now: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for r in records {
        if let Err(issue) = workflow::check(r, records) {
            let (k, v) = flag(subject, r, issue)?;
            now.insert(k, v);
        }
    }
    let count = now.len() as u32;
    for kv in tree.scan_prefix(keys::held_of(subject)) {
        let (k, v) = kv?;
        match now.remove(&*k) {
            Some(new) if new.as_slice() == &*v => {}
            Some(new) => batch.insert(k, new),
            None => batch.remove(k),
        }
    }
    for (k, v) in now {
        batch.insert(k, v);
    }
    Ok(count)
}

/// Every flag, in subject order.
pub(crate) fn all(tree: &Tree) -> Result<Vec<HeldRecord>, StoreError> {
    let mut out = Vec::new();
    for kv in tree.scan_prefix([keys::HELD]) {
        let (_, v) = kv?;
        out.push(
            postcard::from_bytes(&v).map_err(|e| StoreError::Corrupt(format!("held flag: {e}")))?,
        );
    }
    Ok(out)
}

/// When record `id` was stored (unix ms), if it is held and arrival times
/// were recorded then (stores written before did not).
pub(crate) fn arrival_ms(tree: &Tree, id: &RecordId) -> Result<Option<u64>, StoreError> {
    let Some(st) = records::stored(tree, &keys::id(id))? else {
        return Ok(None);
    };
    let from = keys::arrival(st.seq());
    let to = keys::arrival(u64::MAX);
    match tree.range(from..=to).next() {
        Some(kv) => Ok(keys::u64_value(&kv?.1)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
