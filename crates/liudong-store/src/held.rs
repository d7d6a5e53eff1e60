//! Records held and flagged: records received by sync that break a workflow
//! rule ([`liudong_core::workflow`]) because context is missing here.
//!
//! Such a record is stored and routed like any other (the next node may hold
//! the context), and the indexer, which re-derives a subject's view whenever a
//! record about that subject arrives, re-evaluates the rules for all the
//! subject's records and keeps one flag per failing record under the key
//! prefix `H` (`H · subject (18) · id` → [`HeldRecord`], postcard). A flag
//! disappears as soon as the context arrives. Records written here never
//! carry a flag: the writer refuses what breaks a rule.

use crate::{Incoming, StoreError, keys};
use liudong_core::workflow::{self, IssueKind, WorkflowIssue};
use liudong_core::{Body, Record, RecordId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Key prefix of the flags.
pub const HELD: u8 = b'H';

/// Key prefix of arrival times: `T · last local seq of an applied batch (8, BE)`
/// → unix ms when the batch was stored. One entry per batch, so the arrival
/// time of a record is that of the first entry at or above its local seq.
pub const ARRIVAL: u8 = b'T';

/// Stages the arrival time of a batch whose last local sequence number is `seq`.
pub(crate) fn stage_arrival(batch: &mut sled::Batch, seq: u64) {
    batch.insert(
        keys::prefixed(ARRIVAL, &[&seq.to_be_bytes()]),
        &crate::now_ms().to_be_bytes()[..],
    );
}

/// Version of the person-view encoding (`V`). A store whose views were
/// written in another version re-derives all of them on open.
pub const VIEW_FORMAT: u64 = 2;

/// One held record and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRecord {
    pub id: RecordId,
    /// The subject's citizen ID (never log it above debug level).
    pub subject: String,
    pub kind: String,
    pub issue: WorkflowIssue,
}

fn key(subject: &str, id: &RecordId) -> Vec<u8> {
    keys::prefixed(HELD, &[subject.as_bytes(), &keys::id(id)])
}

/// Re-evaluates the workflow rules for every record of one subject and stages
/// the flags that changed into `batch`.
pub(crate) fn reflag(
    tree: &sled::Tree,
    subject: &str,
    records: &[Record],
    batch: &mut sled::Batch,
) -> Result<(), StoreError> {
    let mut now: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for r in records {
        if let Err(issue) = workflow::check(r, records) {
            let h = HeldRecord {
                id: r.id.clone(),
                subject: subject.to_string(),
                kind: r.body.kind().to_string(),
                issue,
            };
            let v = postcard::to_allocvec(&h)
                .map_err(|e| StoreError::Corrupt(format!("held flag encoding: {e}")))?;
            now.insert(key(subject, &r.id), v);
        }
    }
    for kv in tree.scan_prefix(keys::prefixed(HELD, &[subject.as_bytes()])) {
        let (k, v) = kv?;
        match now.remove(k.as_ref()) {
            Some(new) if new.as_slice() == v.as_ref() => {}
            Some(new) => batch.insert(k, new),
            None => batch.remove(k),
        }
    }
    for (k, v) in now {
        batch.insert(k, v);
    }
    Ok(())
}

impl crate::Store {
    /// Every held record, in subject order (the indexer is caught up first).
    pub fn held(&self) -> Result<Vec<HeldRecord>, StoreError> {
        self.catch_up()?;
        let mut out = Vec::new();
        for kv in self.raw_tree().scan_prefix([HELD]) {
            let (_, v) = kv?;
            out.push(
                postcard::from_bytes(&v)
                    .map_err(|e| StoreError::Corrupt(format!("held flag: {e}")))?,
            );
        }
        Ok(out)
    }

    /// When this node stored record `id` (unix ms), if it holds it and the
    /// store recorded arrival times then (stores written before did not).
    pub fn arrival_ms(&self, id: &RecordId) -> Result<Option<u64>, StoreError> {
        let Some(v) = self.raw_tree().get(keys::record(&keys::id(id)))? else {
            return Ok(None);
        };
        let (seq, _, _) = keys::split_record_value(&v)
            .ok_or_else(|| StoreError::Corrupt("record value".into()))?;
        let from = keys::prefixed(ARRIVAL, &[&seq.to_be_bytes()]);
        let to = keys::prefixed(ARRIVAL, &[&u64::MAX.to_be_bytes()]);
        match self.raw_tree().range(from..=to).next() {
            Some(kv) => Ok(keys::u64_value(&kv?.1)),
            None => Ok(None),
        }
    }

    /// Checks a record written here against the workflow rules, with the
    /// subject's records held as context; any failure refuses it.
    pub(crate) fn check_workflow_local(&self, r: &Record) -> Result<(), StoreError> {
        if !workflow::needs_context(&r.body) {
            // No look-up (which would catch the indexer up under the writer lock).
            return Ok(());
        }
        let context = self.subject_records(r.subject.as_str())?;
        workflow::check(r, &context).map_err(|issue| StoreError::Invalid {
            id: r.id.clone(),
            error: issue.to_validation(),
        })
    }

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
}

#[cfg(test)]
mod tests;
