//! Fuzz-style tests (proptest, a fixed seed and a bounded number of cases):
//! random and mutated records and sync frames fed to the decoder, the
//! validator and the serving half of a session over a real on-disk store.
//!
//! Properties: nothing panics; a batch is either acknowledged and then held
//! whole (canonical bytes), or refused and the store is unchanged (records,
//! log, fingerprints, cursor); every refusal maps to a precise gRPC status
//! with a message that says what was wrong.

use bytes::Bytes;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::validate::{Limits, check_record};
use liudong_core::{Code, Link, NodeScope};
use liudong_net::convert::client_from_pb;
use liudong_net::status::to_status;
use liudong_proto::pb;
use liudong_store::{CursorDir, Store, StoreOptions};
use liudong_sync::{
    Batch, ClientMsg, Hello, Node, PeerInfo, ServerMsg, SyncConfig, SyncError, serve_session,
};
use liudong_tests::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use prost::Message;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

const NOW_MS: u64 = 1_800_000_000_000;
/// Cases per session property (each a real session over a real store).
const CASES: u32 = 1000;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

/// A change applied to one encoded record of a batch.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit {
        at: usize,
        bit: u8,
    },
    Truncate {
        keep: usize,
    },
    Splice {
        at: usize,
        bytes: Vec<u8>,
    },
    Random(Vec<u8>),
    /// Replaces the record with a copy of one already held, altered (a conflict).
    ConflictWithHeld {
        pick: usize,
    },
    /// Resends a record already held, unchanged (a no-op).
    ResendHeld {
        pick: usize,
    },
    FarFuture {
        ahead_ms: u64,
    },
    Origin(String),
    Author(String),
    Subject(String),
    /// A record of another village (not entitled to be pushed by this child).
    Elsewhere,
    NoBody,
    SeqZero,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        any::<usize>().prop_map(|keep| Mutation::Truncate { keep }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Splice { at, bytes }),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::Random),
        any::<usize>().prop_map(|pick| Mutation::ConflictWithHeld { pick }),
        any::<usize>().prop_map(|pick| Mutation::ResendHeld { pick }),
        (1u64..10_000_000_000).prop_map(|ahead_ms| Mutation::FarFuture { ahead_ms }),
        "[0-9A-Z]{0,14}".prop_map(Mutation::Origin),
        "[0-9A-Z]{0,14}".prop_map(Mutation::Author),
        "[0-9X]{0,19}".prop_map(Mutation::Subject),
        Just(Mutation::Elsewhere),
        Just(Mutation::NoBody),
        Just(Mutation::SeqZero),
    ]
}

/// What one case sends: `good` fresh valid records, with `mutations` applied
/// to some of them (index modulo the batch length).
#[derive(Debug, Clone)]
struct Case {
    good: usize,
    mutations: Vec<(usize, Mutation)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..6,
        proptest::collection::vec((any::<usize>(), mutation()), 0..3),
    )
        .prop_map(|(good, mutations)| Case { good, mutations })
}

fn fresh(seq: u64) -> pb::Record {
    let r = test_record(VILLAGE_A1, seq, seq, VILLAGE_A1, None, outflow_body());
    liudong_proto::record_to_pb(&r)
}

fn build(c: &Case, next_seq: &AtomicU64, held: &[Vec<u8>]) -> Vec<Bytes> {
    let mut recs: Vec<Vec<u8>> = (0..c.good)
        .map(|_| fresh(next_seq.fetch_add(1, Ordering::Relaxed)).encode_to_vec())
        .collect();
    for (i, m) in &c.mutations {
        let i = i % recs.len();
        let pb_edit = |f: &dyn Fn(&mut pb::Record)| {
            // An earlier mutation may have left bytes that no longer decode.
            match pb::Record::decode(recs[i].as_slice()) {
                Ok(mut r) if r.id.is_some() => {
                    f(&mut r);
                    r.encode_to_vec()
                }
                _ => recs[i].clone(),
            }
        };
        let new = match m {
            Mutation::FlipBit { at, bit } => {
                let mut b = recs[i].clone();
                if !b.is_empty() {
                    let at = at % b.len();
                    b[at] ^= 1 << bit;
                }
                b
            }
            Mutation::Truncate { keep } => {
                let b = &recs[i];
                b[..keep % (b.len() + 1)].to_vec()
            }
            Mutation::Splice { at, bytes } => {
                let mut b = recs[i].clone();
                let at = at % (b.len() + 1);
                b.splice(at..at, bytes.iter().copied());
                b
            }
            Mutation::Random(bytes) => bytes.clone(),
            Mutation::ConflictWithHeld { pick } if !held.is_empty() => {
                let mut r = pb::Record::decode(held[pick % held.len()].as_slice()).unwrap();
                r.operator.push('x');
                r.encode_to_vec()
            }
            Mutation::ResendHeld { pick } if !held.is_empty() => held[pick % held.len()].clone(),
            Mutation::ConflictWithHeld { .. } | Mutation::ResendHeld { .. } => recs[i].clone(),
            Mutation::FarFuture { ahead_ms } => {
                pb_edit(&|r| r.hlc = liudong_core::Hlc::new(NOW_MS + ahead_ms, 0).0)
            }
            Mutation::Origin(o) => pb_edit(&|r| r.origin = o.clone()),
            Mutation::Author(a) => pb_edit(&|r| r.id.as_mut().unwrap().node = a.clone()),
            Mutation::Subject(s) => pb_edit(&|r| r.subject = s.clone()),
            Mutation::Elsewhere => pb_edit(&|r| r.origin = VILLAGE_A2.into()),
            Mutation::NoBody => pb_edit(&|r| r.body = None),
            Mutation::SeqZero => pb_edit(&|r| r.id.as_mut().unwrap().seq = 0),
        };
        recs[i] = new;
    }
    recs.into_iter().map(Bytes::from).collect()
}

/// Everything a refused batch must leave unchanged.
#[derive(Debug, PartialEq)]
struct Snapshot {
    records: usize,
    last_seq: u64,
    fingerprint: liudong_store::fingerprint::Digest,
    cursor: u64,
    log: usize,
}

fn snapshot(s: &Store, link: &Link) -> Snapshot {
    Snapshot {
        records: s.record_count(),
        last_seq: s.last_seq(),
        fingerprint: s.fingerprint(link).unwrap(),
        cursor: s.cursor(CursorDir::In, link).unwrap(),
        log: s.log_after(0, usize::MAX).unwrap().len(),
    }
}

/// A refusal is precise: a definite status (never UNKNOWN or INTERNAL) and a
/// message that says what was wrong.
fn assert_clear(e: &SyncError) {
    let s = to_status(e);
    assert!(
        !matches!(
            s.code(),
            tonic::Code::Ok | tonic::Code::Unknown | tonic::Code::Internal
        ),
        "{e}: {s:?}"
    );
    assert!(s.message().len() >= 15, "too terse: {s:?}");
}

/// Serves one session fed with `frames`; returns the push acks and the end.
async fn serve(
    node: &Arc<Node>,
    frames: Vec<Result<ClientMsg, SyncError>>,
) -> (Vec<u64>, Result<(), SyncError>) {
    let (tx, mut rx) = mpsc::channel(64);
    let inbound = futures::stream::iter(frames);
    let task = tokio::spawn(serve_session(
        node.clone(),
        PeerInfo::default(),
        inbound,
        tx,
        tokio_util::sync::CancellationToken::new(),
    ));
    let mut acks = Vec::new();
    while let Some(m) = rx.recv().await {
        if let Ok(ServerMsg::PushAck(c)) = m {
            acks.push(c);
        }
    }
    let end = task.await.expect("serve_session must not panic");
    (acks, end.map(|_| ()))
}

fn town(dir: &std::path::Path) -> Arc<Node> {
    let scope = NodeScope::for_code(Code::parse(TOWN_A).unwrap()).unwrap();
    let parent = scope.parent(&Code::parse(COUNTY_A).unwrap()).unwrap();
    let store = Store::open(dir, scope, Some(parent), &StoreOptions::default()).unwrap();
    let cfg = SyncConfig {
        max_batch: 8,
        idle_timeout: std::time::Duration::from_secs(5),
        ..SyncConfig::default()
    };
    Node::new(Arc::new(store), cfg, Arc::new(|| NOW_MS))
}

fn hello() -> ClientMsg {
    ClientMsg::Hello(Hello {
        protocol: 1,
        node: VILLAGE_A1.into(),
        pull_cursor: u64::MAX,
        live: false,
        max_batch: 8,
        ..Default::default()
    })
}

#[test]
fn decoder_and_validator_never_panic_and_roundtrip() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let limits = Limits {
        now_ms: NOW_MS,
        max_skew_ms: 300_000,
    };
    let good = fresh(1).encode_to_vec();
    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        (any::<usize>(), 0u8..8, any::<usize>()).prop_map(move |(at, bit, keep)| {
            let mut b = good.clone();
            let at = at % b.len();
            b[at] ^= 1 << bit;
            b.truncate(keep % (b.len() + 1) + b.len() / 2);
            b
        }),
    ];
    let accepted = std::cell::Cell::new(0u32);
    runner(3000)
        .run(&strategy, |bytes| {
            if let Ok(r) = liudong_proto::decode_record(&bytes) {
                if check_record(&r, limits).is_ok() {
                    accepted.set(accepted.get() + 1);
                }
                // What decodes re-encodes canonically to the same record.
                let canonical = liudong_proto::encode_record(&r);
                let again = liudong_proto::decode_record(&canonical).expect("canonical decodes");
                prop_assert_eq!(again, r);
            } else if let Err(e) = liudong_proto::decode_record(&bytes) {
                prop_assert!(!e.to_string().is_empty());
            }
            // Whole frames too: decoding and converting never panics.
            if let Ok(f) = pb::ClientFrame::decode(bytes.as_slice()) {
                let _ = client_from_pb(f);
            }
            Ok(())
        })
        .unwrap();
    eprintln!("3000 cases, {} decoded and validated", accepted.get());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_batches_are_applied_whole_or_not_at_all() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let node = town(dir.path());
    let link = Link::Child(Code::parse(VILLAGE_A1).unwrap());
    let next_seq = AtomicU64::new(1);
    let held: std::sync::Mutex<Vec<Vec<u8>>> = Default::default();
    let rt = tokio::runtime::Handle::current();
    let cursor_cell = AtomicU64::new(0);
    let stats = std::sync::Mutex::new((0u32, 0u32));
    tokio::task::block_in_place(|| {
        runner(CASES)
            .run(&case(), |c| {
                let batch = build(&c, &next_seq, &held.lock().unwrap());
                let before = snapshot(node.store(), &link);
                let cursor = cursor_cell.fetch_add(1, Ordering::Relaxed) + 1;
                let frames = vec![
                    Ok(hello()),
                    Ok(ClientMsg::Push(Batch {
                        records: batch.clone(),
                        cursor,
                        drained: true,
                        remaining: None,
                        lower_links: Vec::new(),
                    })),
                ];
                let (acks, end) = rt.block_on(serve(&node, frames));
                let after = snapshot(node.store(), &link);
                match end {
                    Ok(()) => {
                        prop_assert_eq!(acks, vec![cursor]);
                        for b in &batch {
                            let r = liudong_proto::decode_record(b).unwrap();
                            let stored = node.store().get_bytes(&r.id).unwrap();
                            prop_assert_eq!(
                                stored,
                                Some(liudong_proto::encode_record(&r)),
                                "acknowledged record {} is held canonically",
                                r.id
                            );
                            held.lock().unwrap().push(b.to_vec());
                        }
                        prop_assert_eq!(after.cursor, cursor);
                        prop_assert_eq!(after.log - before.log, after.records - before.records);
                        stats.lock().unwrap().0 += 1;
                    }
                    Err(e) => {
                        prop_assert!(acks.is_empty());
                        assert_clear(&e);
                        prop_assert_eq!(&after, &before, "refused batch changed the store: {}", e);
                        stats.lock().unwrap().1 += 1;
                    }
                }
                Ok(())
            })
            .unwrap();
    });
    let (acked_batches, refused) = *stats.lock().unwrap();
    eprintln!("{CASES} cases: {acked_batches} batches acknowledged, {refused} refused");
    assert!(
        acked_batches > 20 && refused > 20,
        "both outcomes exercised"
    );
}

/// Random frame sequences: arbitrary bytes decoded as frames, and
/// well-formed frames in arbitrary order with arbitrary cursors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_frame_sequences_end_cleanly() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let node = town(dir.path());
    let link = Link::Child(Code::parse(VILLAGE_A1).unwrap());
    let rt = tokio::runtime::Handle::current();
    let frame = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| {
            match pb::ClientFrame::decode(b.as_slice()) {
                Ok(f) => client_from_pb(f),
                Err(e) => Err(SyncError::Protocol(format!("frame cannot be decoded: {e}"))),
            }
        }),
        (any::<u32>(), "[0-9A-Z]{0,13}", any::<u64>(), any::<u32>()).prop_map(
            |(protocol, node, pull_cursor, max_batch)| Ok(ClientMsg::Hello(Hello {
                protocol: protocol % 3,
                node: if node.len() % 2 == 0 {
                    VILLAGE_A1.into()
                } else {
                    node
                },
                pull_cursor,
                live: false,
                max_batch,
                ..Default::default()
            }))
        ),
        any::<u64>().prop_map(|c| Ok(ClientMsg::PullAck(c % 4))),
        (
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..4),
            any::<u64>()
        )
            .prop_map(|(recs, cursor)| Ok(ClientMsg::Push(Batch {
                records: recs.into_iter().map(Bytes::from).collect(),
                cursor,
                drained: false,
                remaining: None,
                lower_links: Vec::new(),
            }))),
    ];
    let strategy = proptest::collection::vec(frame, 0..6);
    let before = snapshot(node.store(), &link);
    tokio::task::block_in_place(|| {
        runner(CASES)
            .run(&strategy, |frames| {
                let (_, end) = rt.block_on(serve(&node, frames));
                if let Err(e) = end {
                    assert_clear(&e);
                }
                Ok(())
            })
            .unwrap();
    });
    let after = snapshot(node.store(), &link);
    assert_eq!(
        after.records, before.records,
        "random bytes never make a record"
    );
}
