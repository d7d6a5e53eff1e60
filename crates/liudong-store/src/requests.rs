//! Operator writes that can be retried: each carries a request id chosen by
//! the client, kept with the write in the same atomic batch, so that a
//! write retried after its answer was lost (a broken connection, a crash
//! before the answer was printed) stores nothing twice and answers what the
//! first attempt stored.
//!
//! An id is kept with a digest of what it asked for: the same id with a
//! different write is refused. Ids are kept for [`KEEP_MS`] and at most
//! [`MAX_KEPT`] of them; older ones are dropped as new ones are written (a
//! few per write), so the table stays bounded in both number and age.

use crate::engine::{Batch, Tree};
use crate::error::StoreError;
use crate::keys;
use crate::records::read_meta;
use crate::types::Draft;
use liudong_core::RecordId;
use serde::{Deserialize, Serialize};

/// How long a request id is kept: a retry comes within minutes; a month
/// covers an operator who retries the next day, or after a holiday.
pub const KEEP_MS: u64 = 30 * 86_400_000;
/// Most request ids kept.
pub const MAX_KEPT: u64 = 100_000;
/// Longest request id.
pub const MAX_ID_LEN: usize = 64;
/// Most old ids dropped per write (the table shrinks back to its bounds
/// over a few writes if they were lowered).
const DROP_PER_WRITE: usize = 64;

/// What a request id stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// When it was written (unix ms).
    pub at_ms: u64,
    /// A digest of the drafts (and options) it asked to write.
    pub digest: [u8; 16],
    /// The records it answered, one per draft, and whether each was
    /// already held then (not written by it).
    pub records: Vec<(RecordId, bool)>,
}

/// Checks a client's request id: 1 to [`MAX_ID_LEN`] characters of
/// `A-Z a-z 0-9 . _ : -`.
pub fn check_id(id: &str) -> Result<(), StoreError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadRequestId { id: id.to_string() })
    }
}

/// The digest of a write of `drafts` (with `skip_identical`): the same
/// drafts give the same digest.
pub fn digest(drafts: &[Draft], skip_identical: bool) -> [u8; 16] {
    let mut h = blake3::Hasher::new();
    h.update(&[u8::from(skip_identical)]);
    for d in drafts {
        let part = (&d.operator, &d.subject, &d.origin, &d.residence, &d.body);
        let bytes = postcard::to_allocvec(&part).unwrap_or_default();
        h.update(&(bytes.len() as u64).to_be_bytes());
        h.update(&bytes);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}

/// The entry of request `id`, if kept.
pub(crate) fn find(tree: &Tree, id: &str) -> Result<Option<Entry>, StoreError> {
    match tree.get(keys::request(id))? {
        None => Ok(None),
        Some(v) => postcard::from_bytes(&v)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("request {id}: {e}"))),
    }
}

/// Stages request `id` with `entry` into the batch that writes its records,
/// and drops the oldest ids beyond the bounds (as of `entry.at_ms`).
pub(crate) fn stage(
    batch: &mut Batch,
    tree: &Tree,
    id: &str,
    entry: &Entry,
) -> Result<(), StoreError> {
    let value = postcard::to_allocvec(entry)
        .map_err(|e| StoreError::Corrupt(format!("request {id}: {e}")))?;
    batch.insert(keys::request(id), value);
    batch.insert(keys::request_by_time(entry.at_ms, id), b"");
    let mut kept = read_meta(tree, keys::META_REQUESTS)? + 1;
    let cutoff = entry.at_ms.saturating_sub(KEEP_MS);
    for kv in tree
        .scan_prefix(keys::requests_by_time())
        .take(DROP_PER_WRITE)
    {
        let (k, _) = kv?;
        let (at, old) = keys::parse_request_by_time(&k)
            .ok_or_else(|| StoreError::Corrupt("request index key".into()))?;
        if kept <= MAX_KEPT && at >= cutoff {
            break;
        }
        batch.remove(keys::request(&old));
        batch.remove(k);
        kept -= 1;
    }
    batch.insert(keys::meta(keys::META_REQUESTS), kept.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{T_A, V_A1, open};
    use crate::{Draft, StoreError};
    use liudong_core::Code;
    use liudong_core::synth::{outflow_body, test_record};
    use liudong_core::validate::Limits;

    const NOW: u64 = 1_800_000_000_000;

    fn limits(now_ms: u64) -> Limits {
        Limits {
            now_ms,
            max_skew_ms: 300_000,
        }
    }

    fn draft(person: u64) -> Draft {
        Draft {
            operator: "cadre".into(),
            subject: test_record(V_A1, 1, person, V_A1, None, outflow_body()).subject,
            origin: Some(Code::parse(V_A1).unwrap()),
            residence: None,
            body: outflow_body(),
        }
    }

    #[test]
    fn a_write_retried_with_its_request_id_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path(), T_A, Some("410602"));
        let first = s
            .write_local_request(draft(1), limits(NOW), Some("req-1"))
            .unwrap();
        assert!(!first.existing);
        // The answer was lost; the client sends the same write again.
        let again = s
            .write_local_request(draft(1), limits(NOW + 5_000), Some("req-1"))
            .unwrap();
        assert!(again.existing, "nothing written the second time");
        assert_eq!(again.record, first.record);
        assert_eq!(s.record_count(), 1);
        // The id survives a restart (it was written with the record).
        drop(s);
        let s = open(dir.path(), T_A, Some("410602"));
        let after = s
            .write_local_request(draft(1), limits(NOW + 9_000), Some("req-1"))
            .unwrap();
        assert_eq!((after.existing, after.record.id), (true, first.record.id));
        // The same id for another write is refused, nothing written.
        let e = s
            .write_local_request(draft(2), limits(NOW), Some("req-1"))
            .unwrap_err();
        assert!(matches!(e, StoreError::RequestReused { .. }), "{e}");
        assert_eq!(s.record_count(), 1);
        // Without an id, the same draft is written again (an operator's choice).
        s.write_local(draft(1), limits(NOW)).unwrap();
        assert_eq!(s.record_count(), 2);
        // Batches: the replay answers every record of the first attempt.
        let (w, replayed) = s
            .write_local_batch_request(vec![draft(3), draft(4)], limits(NOW), true, Some("b-1"))
            .unwrap();
        assert!(!replayed && w.iter().all(|x| !x.existing));
        let (again, replayed) = s
            .write_local_batch_request(vec![draft(3), draft(4)], limits(NOW), true, Some("b-1"))
            .unwrap();
        assert!(replayed);
        let ids =
            |v: &[crate::LocalWrite]| v.iter().map(|x| x.record.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&again), ids(&w));
        assert_eq!(s.record_count(), 4);
        assert!(
            s.replayed("b-1", &[draft(3), draft(4)], true)
                .unwrap()
                .is_some()
        );
        assert!(s.replayed("b-2", &[draft(3)], true).unwrap().is_none());
        assert!(matches!(
            s.write_local_request(draft(5), limits(NOW), Some("bad id")),
            Err(StoreError::BadRequestId { .. })
        ));
    }

    #[test]
    fn request_ids_are_dropped_after_a_month() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path(), T_A, Some("410602"));
        s.write_local_request(draft(1), limits(NOW), Some("old"))
            .unwrap();
        s.write_local_request(draft(2), limits(NOW + KEEP_MS - 1), Some("recent"))
            .unwrap();
        assert!(s.replayed("old", &[draft(1)], false).unwrap().is_some());
        // A write a month later drops the id that has aged out, not the other.
        s.write_local_request(draft(3), limits(NOW + KEEP_MS + 1), Some("new"))
            .unwrap();
        assert!(s.replayed("old", &[draft(1)], false).unwrap().is_none());
        assert!(s.replayed("recent", &[draft(2)], false).unwrap().is_some());
        assert_eq!(
            read_meta(s.tree_for_tests(), keys::META_REQUESTS).unwrap(),
            2
        );
    }

    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(check_id("rec-0123abcd").is_ok());
        assert!(check_id("import:2026-12-01T10:00:00.5_x").is_ok());
        for bad in ["", "with space", "中文", &"x".repeat(MAX_ID_LEN + 1)] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
    }
}
