//! Envelopes in the store: a county's seal queue, an exchange storing and
//! routing envelopes by their header fields, fingerprints over envelopes,
//! duplicates and conflicts, and the audit of envelope members.

use crate::keys::Dir;
use crate::{CursorUpdate, Incoming, SealedItem, Source, Store, StoreError, StoreOptions};
use liudong_core::code::Level;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Crossing, Link, NodeKind, NodeScope, RecordId};
use std::path::Path;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn sealed() -> StoreOptions {
    StoreOptions {
        sealed: true,
        ..StoreOptions::default()
    }
}

fn county(dir: &Path, code: &str) -> Store {
    let scope = NodeScope::for_code(c(code)).unwrap();
    let parent = scope.parent(&Code::national()).unwrap();
    Store::open(dir, scope, Some(parent), &sealed()).unwrap()
}

fn national(dir: &Path) -> Store {
    let scope = NodeScope::new(
        Code::national(),
        NodeKind::Exchange {
            child_level: Level::County,
        },
    )
    .unwrap();
    Store::open(dir, scope, None, &sealed()).unwrap()
}

fn envelope(author: &str, seq: u64, src: &str, dst: &str, bytes: &[u8]) -> SealedItem {
    SealedItem {
        id: RecordId {
            node: c(author),
            seq,
        },
        route: Crossing {
            source: c(src),
            destination: c(dst),
        },
        month: 202612,
        bytes: bytes.to_vec(),
    }
}

#[test]
fn a_sealed_county_queues_crossing_records_for_sealing_not_for_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    let s = county(dir.path(), "410602");
    assert!(s.sealed_parent());
    let crossing = Incoming::new(test_record(
        "410602100001",
        1,
        1,
        "410602100001",
        Some("440306018001"),
        outflow_body(),
    ));
    let local = Incoming::new(test_record(
        "410602100001",
        2,
        2,
        "410602100001",
        None,
        outflow_body(),
    ));
    let town = Source::Peer(Link::Child(c("410602100")));
    s.apply(&[crossing.clone(), local], &town, None, true)
        .unwrap();
    // Nothing in clear for the exchange; the crossing record waits to be sealed.
    assert!(
        s.outbox(&Link::Parent, 0, 100, 1 << 20)
            .unwrap()
            .records
            .is_empty()
    );
    let (queue, more) = s.seal_queue(0, 100).unwrap();
    assert!(!more);
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].2, crossing.bytes);
    assert_eq!(s.outbox_links().unwrap(), vec![]);
    assert_eq!(s.fingerprint(&Link::Parent).unwrap().count, 0);

    // Sealing it: the envelope goes to the parent's outbox and scope, with the cursor.
    let env = envelope("410602100001", 1, "410602", "440306", b"sealed-1");
    let out = s
        .apply_sealed(
            &[],
            std::slice::from_ref(&env),
            &Source::Local,
            Some(CursorUpdate {
                dir: Dir::Sealed,
                link: Link::Parent,
                value: queue[0].0,
            }),
            true,
        )
        .unwrap();
    assert_eq!((out.new, out.sealed_new), (0, 1));
    assert_eq!(s.cursor(Dir::Sealed, &Link::Parent).unwrap(), queue[0].0);
    let page = s.outbox(&Link::Parent, 0, 100, 1 << 20).unwrap();
    assert_eq!(page.records, vec![b"sealed-1".to_vec()]);
    assert_eq!(s.fingerprint(&Link::Parent).unwrap().count, 1);
    assert_eq!(s.record_count(), 2, "envelopes are not records");
    assert!(s.holds_item(&env.id).unwrap());
    assert_eq!(
        s.envelope_bytes(&env.id, &c("440306")).unwrap(),
        Some(b"sealed-1".to_vec())
    );
    // A record received from the exchange is not queued again.
    let back = Incoming::new(test_record(
        "440306018001",
        1,
        3,
        "410602100001",
        Some("440306018001"),
        outflow_body(),
    ));
    s.apply(&[back], &Source::Peer(Link::Parent), None, true)
        .unwrap();
    assert_eq!(s.seal_queue(queue[0].0, 100).unwrap().0.len(), 0);
    // The views skip envelopes, and the indexer catches up with them.
    s.catch_up().unwrap();
    assert_eq!(s.index_lag().unwrap(), 0);
}

#[test]
fn an_exchange_routes_envelopes_by_their_route_and_fingerprints_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = national(dir.path());
    let from_a = Source::Peer(Link::Child(c("410602")));
    let e1 = envelope("410602100001", 1, "410602", "440306", b"one");
    let e2 = envelope("410602100001", 1, "410602", "330106", b"two");
    let out = s
        .apply_sealed(&[], &[e1.clone(), e2.clone()], &from_a, None, true)
        .unwrap();
    assert_eq!((out.sealed_new, out.sealed_duplicate), (2, 0));
    let b = Link::Child(c("440306"));
    assert_eq!(
        s.outbox(&b, 0, 100, 1 << 20).unwrap().records,
        vec![b"one".to_vec()]
    );
    assert_eq!(
        s.outbox(&Link::Child(c("330106")), 0, 100, 1 << 20)
            .unwrap()
            .records,
        vec![b"two".to_vec()]
    );
    assert!(
        s.outbox(&Link::Child(c("410602")), 0, 100, 1 << 20)
            .unwrap()
            .records
            .is_empty(),
        "never back to the sender"
    );
    // The sender's scope holds both; each destination's its own.
    let a = Link::Child(c("410602"));
    assert_eq!(s.fingerprint(&a).unwrap().count, 2);
    assert_eq!(s.fingerprint(&b).unwrap().count, 1);
    let buckets = s.fingerprint_buckets(&b, 202612).unwrap();
    assert_eq!(buckets.len(), 1);
    assert_eq!(buckets[0].0.route(), Some(("410602", "440306")));
    assert_eq!(
        buckets[0].0.to_string(),
        "envelopes 410602→440306 sealed in 2026-12"
    );
    let members = s.bucket_members(&b, &buckets[0].0).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].0, e1.id);
    assert_eq!(members[0].1, crate::fingerprint::hash(b"one"));

    // A replay is a no-op; the same envelope with other bytes a conflict.
    let again = s
        .apply_sealed(&[], std::slice::from_ref(&e1), &from_a, None, true)
        .unwrap();
    assert_eq!((again.sealed_new, again.sealed_duplicate), (0, 1));
    let mut altered = e1.clone();
    altered.bytes = b"One".to_vec();
    assert!(matches!(
        s.apply_sealed(&[], &[altered], &from_a, None, true),
        Err(StoreError::Conflict { .. })
    ));
    // The audit checks envelope members against the stored envelopes.
    let report = s.audit().unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.checked, 4);
    assert_eq!(s.record_count(), 0);
    assert!(s.holds_item(&e1.id).unwrap());
}

#[test]
fn the_key_directory_keeps_each_announcement_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = national(dir.path());
    let a = c("410602");
    assert_eq!(
        s.put_announcement(&a, "k1", b"ann-1").unwrap(),
        crate::Announced::New(1)
    );
    assert_eq!(
        s.put_announcement(&a, "k1", b"ann-1").unwrap(),
        crate::Announced::Same
    );
    assert_eq!(
        s.put_announcement(&a, "k1", b"other").unwrap(),
        crate::Announced::Conflict
    );
    assert_eq!(
        s.put_announcement(&c("440306"), "k9", b"ann-2").unwrap(),
        crate::Announced::New(2)
    );
    assert_eq!(
        s.announcements_after(0).unwrap(),
        vec![(1, b"ann-1".to_vec()), (2, b"ann-2".to_vec())]
    );
    assert_eq!(
        s.announcements_after(1).unwrap(),
        vec![(2, b"ann-2".to_vec())]
    );
}
