//! Fingerprint maintenance: order independence, idempotence, equality of the
//! two ends of a link, backfill, and the audit of damaged stores.

use crate::fingerprint::{self, Digest, bucket_of};
use crate::keys;
use crate::{Incoming, Source};
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link};

use crate::tests::{T_A, V_A1, V_A2, V_B1, open};

const C_A: &str = "410602";

fn records(n: u64) -> Vec<Incoming> {
    (1..=n)
        .map(|i| {
            let res = match i % 3 {
                0 => Some(V_A2),
                1 => Some(V_B1),
                _ => None,
            };
            Incoming::new(test_record(V_A1, i, i, V_A1, res, outflow_body()))
        })
        .collect()
}

#[test]
fn order_independent_idempotent_and_equal_at_both_ends() {
    let (d1, d2, d3) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let town = open(d1.path(), T_A, Some(C_A));
    let town2 = open(d2.path(), T_A, Some(C_A));
    let county = open(d3.path(), C_A, Some("41"));
    let rs = records(60);
    town.apply(&rs, &Source::Detached, None, true).unwrap();
    let mut rev = rs.clone();
    rev.reverse();
    for chunk in rev.chunks(7) {
        town2.apply(chunk, &Source::Detached, None, true).unwrap();
    }
    town2.apply(&rs, &Source::Detached, None, true).unwrap(); // duplicates: no-op
    let up = town.fingerprint(&Link::Parent).unwrap();
    assert_eq!(up.count, 60);
    assert_eq!(up, town2.fingerprint(&Link::Parent).unwrap());
    assert_eq!(
        town.fingerprint_months(&Link::Parent).unwrap(),
        town2.fingerprint_months(&Link::Parent).unwrap()
    );
    // The county's digest for its child T_A equals the township's for its upstream.
    county
        .apply(
            &rs,
            &Source::Peer(Link::Child(Code::parse(T_A).unwrap())),
            None,
            true,
        )
        .unwrap();
    let child = Link::Child(Code::parse(T_A).unwrap());
    assert_eq!(county.fingerprint(&child).unwrap(), up);
    // A village's scope at the township: only records touching it.
    let a2 = Link::Child(Code::parse(V_A2).unwrap());
    assert_eq!(town.fingerprint(&a2).unwrap().count, 20);
    // Buckets and members are consistent with the root.
    let mut total = Digest::default();
    for (m, _) in town.fingerprint_months(&Link::Parent).unwrap() {
        for (b, d) in town.fingerprint_buckets(&Link::Parent, m).unwrap() {
            let members = town.bucket_members(&Link::Parent, &b).unwrap();
            assert_eq!(members.len() as u64, d.count);
            for (_, h) in members {
                total.toggle(&h, true);
            }
        }
    }
    assert_eq!(total, up);
    assert_eq!(bucket_of(&rs[0].record).area, V_A1);
}

#[test]
fn backfill_matches_incremental() {
    let dir = tempfile::tempdir().unwrap();
    let expected;
    {
        let s = open(dir.path(), T_A, Some(C_A));
        s.apply(&records(25), &Source::Detached, None, true)
            .unwrap();
        expected = s.fingerprint(&Link::Parent).unwrap();
        // Forget the index, as a store from before fingerprints would be.
        let mut gone = Vec::new();
        for kv in s.raw().iter() {
            let (k, _) = kv.unwrap();
            if matches!(k[0], b'F' | b'G') {
                gone.push(k);
            }
        }
        for k in gone {
            s.raw().remove(k).unwrap();
        }
        s.raw().remove(keys::meta("fingerprints")).unwrap();
        s.flush().unwrap();
        assert_eq!(s.fingerprint(&Link::Parent).unwrap(), Digest::default());
    }
    let s = open(dir.path(), T_A, Some(C_A));
    assert_eq!(s.fingerprint(&Link::Parent).unwrap(), expected);
}

#[test]
fn audit_finds_deleted_and_corrupt_records() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), T_A, Some(C_A));
    let rs = records(30);
    s.apply(&rs, &Source::Detached, None, true).unwrap();
    let before = s.fingerprint(&Link::Parent).unwrap();
    assert!(s.audit().unwrap().is_clean());
    // Delete one record, corrupt another, behind the store's back.
    let del = keys::record(&keys::id(&rs[3].record.id));
    s.raw().remove(&del).unwrap();
    let bad = keys::record(&keys::id(&rs[4].record.id));
    let mut v = s.raw().get(&bad).unwrap().unwrap().to_vec();
    let last = v.len() - 1;
    v[last] ^= 0x55;
    s.raw().insert(&bad, v).unwrap();
    let report = s.audit().unwrap();
    assert_eq!(report.missing, vec![rs[3].record.id.to_string()]);
    assert_eq!(report.corrupt, vec![rs[4].record.id.to_string()]);
    assert_eq!(s.fingerprint(&Link::Parent).unwrap().count, 28);
    assert!(
        s.audit().unwrap().is_clean(),
        "the audit repaired the index"
    );
    // Re-applying the lost records restores the exact fingerprint.
    let out = s.apply(&rs[3..5], &Source::Detached, None, true).unwrap();
    assert_eq!(out.new, 2);
    assert_eq!(s.fingerprint(&Link::Parent).unwrap(), before);
}

#[test]
fn audit_removes_a_member_listed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), T_A, Some(C_A));
    let rs = records(12);
    s.apply(&rs, &Source::Detached, None, true).unwrap();
    let before = s.fingerprint(&Link::Parent).unwrap();
    // A record deleted behind the store's back and received again before any
    // audit ran is listed twice in its bucket, and the digest is off.
    s.raw()
        .remove(keys::record(&keys::id(&rs[5].record.id)))
        .unwrap();
    assert_eq!(
        s.apply(&rs[5..6], &Source::Detached, None, true)
            .unwrap()
            .new,
        1
    );
    assert_ne!(s.fingerprint(&Link::Parent).unwrap(), before);
    let report = s.audit().unwrap();
    assert!(report.missing.is_empty() && report.corrupt.is_empty());
    assert_eq!(s.fingerprint(&Link::Parent).unwrap(), before);
    let b = fingerprint::bucket_of(&rs[5].record);
    let members = s.bucket_members(&Link::Parent, &b).unwrap();
    let listed = members.iter().filter(|(id, _)| *id == rs[5].record.id);
    assert_eq!(listed.count(), 1);
}
