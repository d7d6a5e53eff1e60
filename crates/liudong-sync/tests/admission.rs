//! The admission table: every class of bad input, sent through every entry
//! by which records reach a node from a peer, meets the same refusal — the
//! same error kind and rule — and nothing of its batch is stored.
//!
//! The receiver is township 410602100 (a real store in a temp dir, no
//! network). From below, its village 410602100001 pushes in a session,
//! offers records in a verify repair and signs bundles; from above, county
//! 410602 sends pull batches, answers a verify repair's fetch and signs
//! bundles. Each bad record rides in a batch behind a valid one, which must
//! not be stored either.

use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link, NodeScope, Record, RecordId};
use liudong_proto::{PROTOCOL_VERSION, VERIFY_VERSION};
use liudong_store::fingerprint::{Bucket, Digest};
use liudong_store::{CursorDir, Incoming, Source, Store, StoreError, StoreOptions};
use liudong_sync::bundle::{
    BundleBody, BundleError, BundleSigner, NodeKey, RingVerifier, TrustedSigner, import, seal,
};
use liudong_sync::verify::{
    VerifyAnswer, VerifyPeer, VerifyQuery, VerifyRequest, run_verify, serve_verify,
};
use liudong_sync::{
    Batch, ClientMsg, Hello, Node, PeerInfo, RULE_CHILD_AUTHOR, RULE_CHILD_PUSH, RULE_PARENT_SEND,
    ServerMsg, SyncConfig, SyncError, Welcome, run_client_session, serve_session,
};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const NOW_MS: u64 = 1_800_000_000_000;
const COUNTY: &str = "410602";
const TOWN: &str = "410602100";
const VILLAGE: &str = "410602100001";
const OTHER_VILLAGE: &str = "410602100002";
const OTHER_TOWNS_VILLAGE: &str = "410602001001";
/// The receiver's limits.
const MAX_BATCH: usize = 4;
const MAX_RECORD_BYTES: usize = 2048;

/// The ways records enter the receiver from a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// A child's push batch in a sync session (the serving half).
    Push,
    /// The upstream's pull batch in a sync session (the dialling half).
    Pull,
    /// Records a child offers in a verify repair.
    Offer,
    /// Records fetched from the upstream in a verify repair.
    Fetch,
    /// An offline bundle signed by the child.
    BundleUp,
    /// An offline bundle signed by the upstream.
    BundleDown,
}

const ENTRIES: [Entry; 6] = [
    Entry::Push,
    Entry::Pull,
    Entry::Offer,
    Entry::Fetch,
    Entry::BundleUp,
    Entry::BundleDown,
];

impl Entry {
    fn is_from_child(self) -> bool {
        matches!(self, Entry::Push | Entry::Offer | Entry::BundleUp)
    }

    fn link(self) -> Link {
        if self.is_from_child() {
            Link::Child(code(VILLAGE))
        } else {
            Link::Parent
        }
    }
}

/// The classes of bad input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Bytes that are not a record.
    Undecodable,
    /// More records than the receiver's `max_batch`.
    BatchOverLimit,
    /// A record larger than the receiver's `max_record_bytes`.
    RecordOverLimit,
    /// A record that fails validation (no operator).
    Invalid,
    /// A record outside the sender's scope (from a child) or the
    /// receiver's (from the upstream).
    NotEntitled,
    /// A record in the child's scope authored outside it (by the county).
    ForgedAuthor,
    /// A record in the receiver's own name that it does not hold (issue 14).
    ClaimsReceiver,
    /// A record whose sequence number is beyond what the clock allows.
    ExtremeSeq,
    /// A record whose id is held with different content.
    ConflictingDuplicate,
}

/// What the receiver must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Refused whole, with this kind of error, nothing stored.
    Refused(Kind),
    /// A bundle is applied in batches of at most `max_batch`: accepted whole.
    Chunked,
    /// The class does not exist for this entry (the upstream's authorship
    /// is not restricted).
    NotApplicable,
}

/// The kind of a refusal (and for entitlement, the rule named).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Decode,
    Limit,
    Invalid,
    NotEntitled(&'static str),
    /// A record in the receiver's name it does not hold: refused and audited.
    InReceiversName,
    Conflict,
}

use Expect::{Chunked, NotApplicable as NA, Refused as R};
use Kind::*;

const DECODE: Expect = R(Decode);
const LIMIT: Expect = R(Limit);
const INVALID: Expect = R(Invalid);
/// Not held by the sending child's scope.
const SCOPE_UP: Expect = R(NotEntitled(RULE_CHILD_PUSH));
/// Not held by the receiver's scope (sent by the upstream).
const SCOPE_DOWN: Expect = R(NotEntitled(RULE_PARENT_SEND));
/// Not authored by the sending child or a node under it.
const AUTHOR: Expect = R(NotEntitled(RULE_CHILD_AUTHOR));
const CONFLICT: Expect = R(Conflict);
/// In the receiver's own name, not held by it.
const OWN: Expect = R(InReceiversName);

/// Rows: the class of bad input; columns: the entries, in the order of
/// [`ENTRIES`]. Every cell but `NA` is run.
#[rustfmt::skip]
const TABLE: [(Class, [Expect; 6]); 9] = [
    //                              push      pull        offer     fetch       bundle up  bundle down
    (Class::Undecodable,          [DECODE,   DECODE,     DECODE,   DECODE,     DECODE,    DECODE    ]),
    (Class::BatchOverLimit,       [LIMIT,    LIMIT,      LIMIT,    LIMIT,      Chunked,   Chunked   ]),
    (Class::RecordOverLimit,      [LIMIT,    LIMIT,      LIMIT,    LIMIT,      LIMIT,     LIMIT     ]),
    (Class::Invalid,              [INVALID,  INVALID,    INVALID,  INVALID,    INVALID,   INVALID   ]),
    (Class::NotEntitled,          [SCOPE_UP, SCOPE_DOWN, SCOPE_UP, SCOPE_DOWN, SCOPE_UP,  SCOPE_DOWN]),
    (Class::ForgedAuthor,         [AUTHOR,   NA,         AUTHOR,   NA,         AUTHOR,    NA        ]),
    (Class::ConflictingDuplicate, [CONFLICT, CONFLICT,   CONFLICT, CONFLICT,   CONFLICT,  CONFLICT  ]),
    (Class::ClaimsReceiver,       [OWN,      OWN,        OWN,      OWN,        OWN,       OWN       ]),
    (Class::ExtremeSeq,           [INVALID,  INVALID,    INVALID,  INVALID,    INVALID,   INVALID   ]),
];

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn kind(e: &SyncError) -> Option<Kind> {
    Some(match e {
        SyncError::Decode { .. } => Decode,
        SyncError::Limit(_) => Limit,
        SyncError::Invalid { .. } => Invalid,
        SyncError::NotEntitled { rule, .. } => NotEntitled(rule),
        SyncError::ForgedAuthor { .. } => InReceiversName,
        SyncError::Store(StoreError::Conflict { .. }) => Conflict,
        _ => return None,
    })
}

fn bytes(r: &Record) -> Bytes {
    Bytes::from(liudong_proto::encode_record(r))
}

/// A valid record for the receiver from the entry's sender.
fn good(entry: Entry, seq: u64) -> Record {
    if entry.is_from_child() {
        test_record(VILLAGE, seq, seq, VILLAGE, None, outflow_body())
    } else {
        test_record(COUNTY, seq, 100 + seq, VILLAGE, None, outflow_body())
    }
}

/// The record held before each case, whose id the conflicting duplicate reuses.
fn held(entry: Entry) -> Record {
    good(entry, 50)
}

/// The records one cell sends: a valid record, then the bad one.
fn batch(class: Class, entry: Entry) -> Vec<Bytes> {
    let ok = bytes(&good(entry, 1));
    let bad = match class {
        Class::Undecodable => Bytes::from_static(&[0x0a, 0xff, 0xff, 0x01]),
        Class::BatchOverLimit => {
            return (1..=MAX_BATCH as u64 + 1)
                .map(|i| bytes(&good(entry, i)))
                .collect();
        }
        Class::RecordOverLimit => {
            let mut r = good(entry, 2);
            r.operator = "x".repeat(MAX_RECORD_BYTES + 100);
            bytes(&r)
        }
        Class::Invalid => {
            let mut r = good(entry, 2);
            r.operator = " ".into();
            bytes(&r)
        }
        Class::NotEntitled if entry.is_from_child() => bytes(&test_record(
            OTHER_VILLAGE,
            1,
            7,
            OTHER_VILLAGE,
            None,
            outflow_body(),
        )),
        Class::NotEntitled => bytes(&test_record(
            COUNTY,
            2,
            8,
            OTHER_TOWNS_VILLAGE,
            None,
            outflow_body(),
        )),
        // A record the village received from above, pushed back up.
        Class::ForgedAuthor => bytes(&test_record(COUNTY, 3, 9, VILLAGE, None, outflow_body())),
        Class::ConflictingDuplicate => {
            let mut r = held(entry);
            r.operator = "someone-else".into();
            bytes(&r)
        }
        // The township's own record, which it never wrote: a forgery.
        Class::ClaimsReceiver => bytes(&test_record(TOWN, 4, 11, VILLAGE, None, outflow_body())),
        Class::ExtremeSeq => {
            let mut r = good(entry, 2);
            r.id.seq = u64::MAX - 1;
            bytes(&r)
        }
    };
    vec![ok, bad]
}

/// The receiving township, holding one record from each direction.
fn receiver(dir: &Path) -> Arc<Node> {
    let scope = NodeScope::for_code(code(TOWN)).unwrap();
    let parent = scope.parent(&code(COUNTY)).unwrap();
    let store = Store::open(dir, scope, Some(parent), &StoreOptions::default()).unwrap();
    let cfg = SyncConfig {
        max_batch: MAX_BATCH,
        max_record_bytes: MAX_RECORD_BYTES,
        ..SyncConfig::default()
    };
    let node = Node::new(Arc::new(store), cfg, Arc::new(|| NOW_MS));
    for entry in [Entry::Push, Entry::Pull] {
        node.store()
            .apply(
                &[Incoming::new(held(entry))],
                &Source::Peer(entry.link()),
                None,
                true,
            )
            .unwrap();
    }
    node
}

/// What must not change when a batch is refused.
#[derive(Debug, PartialEq)]
struct Snapshot {
    ids: Vec<RecordId>,
    last_seq: u64,
    cursor_in: u64,
    imported: usize,
}

fn snapshot(node: &Node, link: &Link) -> Snapshot {
    let store = node.store();
    let imported = store
        .audit_query(&Default::default())
        .unwrap()
        .iter()
        .filter(|e| matches!(e.event, liudong_store::audit::AuditEvent::Imported { .. }))
        .count();
    Snapshot {
        ids: store.record_ids().unwrap(),
        last_seq: store.last_seq(),
        cursor_in: store.cursor(CursorDir::In, link).unwrap(),
        imported,
    }
}

/// Signing keys of the village and the county, trusted by the receiver.
struct Signers {
    village: NodeKey,
    county: NodeKey,
    trusted: Vec<TrustedSigner>,
}

fn signers(dir: &Path) -> Signers {
    let village = NodeKey::load_or_create(&dir.join("village-key")).unwrap();
    let county = NodeKey::load_or_create(&dir.join("county-key")).unwrap();
    let trusted = vec![
        TrustedSigner {
            code: VILLAGE.into(),
            public_key: village.public_key(),
        },
        TrustedSigner {
            code: COUNTY.into(),
            public_key: county.public_key(),
        },
    ];
    Signers {
        village,
        county,
        trusted,
    }
}

/// The upstream of a verify repair, answering that one bucket differs and
/// handing out `records` for any fetch.
struct FakeUpstream {
    records: Vec<Bytes>,
}

impl VerifyPeer for FakeUpstream {
    fn call(&self, req: VerifyRequest) -> BoxFuture<'static, Result<VerifyAnswer, SyncError>> {
        let differs = Digest {
            xor: [7; 16],
            count: 99,
        };
        let bucket = Bucket {
            month: 202609,
            area: VILLAGE.into(),
        };
        let mut ans = VerifyAnswer {
            version: VERIFY_VERSION,
            node: COUNTY.into(),
            ..VerifyAnswer::default()
        };
        match req.query {
            VerifyQuery::Root => ans.root = Some(differs),
            VerifyQuery::Months => ans.months = vec![(bucket.month, differs)],
            VerifyQuery::Buckets(_) => ans.buckets = vec![(bucket.clone(), differs)],
            VerifyQuery::Members(_) => {
                ans.members = vec![(bucket, RecordId::parse("410602-999").unwrap(), [9; 16])]
            }
            VerifyQuery::Fetch(_) => ans.records = self.records.clone(),
            VerifyQuery::Offer(_) | VerifyQuery::FetchSealed(_) => {}
        }
        Box::pin(async move { Ok(ans) })
    }
}

/// Sends `records` to `node` through `entry`; the error it is refused with.
async fn send(
    entry: Entry,
    node: &Arc<Node>,
    records: Vec<Bytes>,
    signers: &Signers,
) -> Result<(), SyncError> {
    let batch = Batch {
        records: records.clone(),
        cursor: 1,
        drained: true,
        remaining: None,
        lower_links: Vec::new(),
    };
    match entry {
        Entry::Push => {
            let hello = Hello {
                protocol: PROTOCOL_VERSION,
                node: VILLAGE.into(),
                max_batch: MAX_BATCH as u32,
                ..Hello::default()
            };
            let inbound =
                futures::stream::iter([Ok(ClientMsg::Hello(hello)), Ok(ClientMsg::Push(batch))]);
            let (tx, _rx) = mpsc::channel(64);
            serve_session(
                node.clone(),
                PeerInfo::default(),
                inbound,
                tx,
                CancellationToken::new(),
            )
            .await
            .map(|_| ())
        }
        Entry::Pull => {
            let parent = node.store().parent().unwrap().clone();
            let welcome = Welcome {
                protocol: PROTOCOL_VERSION,
                node: COUNTY.into(),
                push_cursor: 0,
                max_batch: MAX_BATCH as u32,
                sealed: None,
                clock_ms: None,
                clock_in_doubt: false,
            };
            run_client_session(
                node.clone(),
                &parent,
                false,
                move |rx: mpsc::Receiver<ClientMsg>| async move {
                    let frames = [Ok(ServerMsg::Welcome(welcome)), Ok(ServerMsg::Pull(batch))];
                    // The stream keeps the client's sending side open.
                    Ok(futures::stream::iter(frames)
                        .chain(futures::stream::pending())
                        .map(move |m| {
                            let _ = &rx;
                            m
                        })
                        .boxed())
                },
                CancellationToken::new(),
            )
            .await
            .map(|_| ())
        }
        Entry::Offer => serve_verify(
            node.clone(),
            PeerInfo::default(),
            VerifyRequest {
                version: VERIFY_VERSION,
                node: VILLAGE.into(),
                query: VerifyQuery::Offer(records),
            },
        )
        .await
        .map(|_| ()),
        Entry::Fetch => {
            let parent = node.store().parent().unwrap().clone();
            run_verify(node.clone(), &parent, &FakeUpstream { records }, true)
                .await
                .map(|_| ())
        }
        Entry::BundleUp | Entry::BundleDown => {
            let (from, key) = if entry == Entry::BundleUp {
                (VILLAGE, &signers.village)
            } else {
                (COUNTY, &signers.county)
            };
            let body = BundleBody {
                from: from.into(),
                to: TOWN.into(),
                created_ms: NOW_MS,
                since: 0,
                upto: 10,
                records: records.iter().map(|b| b.to_vec()).collect(),
            };
            let file = seal(&body, key).unwrap();
            match import(node, &file, &signers.trusted, &RingVerifier).await {
                Ok(_) => Ok(()),
                Err(BundleError::Refused(e)) => Err(e),
                Err(e) => panic!("{entry:?}: bundle refused before its records: {e}"),
            }
        }
    }
}

#[tokio::test]
async fn every_class_of_bad_input_is_refused_alike_by_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let signers = signers(dir.path());
    let mut covered = 0;
    let mut wrong = Vec::new();
    for (row, (class, cells)) in TABLE.iter().enumerate() {
        for (entry, expect) in ENTRIES.iter().zip(cells) {
            if *expect == NA {
                continue;
            }
            let node = receiver(&dir.path().join(format!("{row}-{entry:?}")));
            let link = entry.link();
            let before = snapshot(&node, &link);
            let refused_before = node.store().refused_count().unwrap();
            let records = batch(*class, *entry);
            let sent = records.len();
            let result = send(*entry, &node, records, &signers).await;
            let after = snapshot(&node, &link);
            // A record forged in the receiver's name is audited on every entry.
            let refused = node.store().refused_count().unwrap() - refused_before;
            if *class == Class::ClaimsReceiver && refused != 1 {
                wrong.push(format!(
                    "{class:?} via {entry:?}: {refused} refusals audited"
                ));
            }
            let found = match (expect, &result) {
                (R(k), Err(e)) if kind(e) == Some(*k) && after == before => None,
                (R(_), Err(e)) if after != before => Some(format!("refused ({e}) but stored")),
                (R(_), Err(e)) => Some(format!("refused as {:?}: {e}", kind(e))),
                (R(_), Ok(())) => Some("accepted".to_string()),
                (Chunked, Ok(()))
                    if after.ids.len() == before.ids.len() + sent
                        && after.cursor_in == 10
                        && after.imported == before.imported + sent.div_ceil(MAX_BATCH) =>
                {
                    None
                }
                (Chunked, Ok(())) => Some(format!("accepted as {after:?}")),
                (Chunked, Err(e)) => Some(format!("refused: {e}")),
                (NA, _) => unreachable!(),
            };
            if let Some(f) = found {
                wrong.push(format!("{class:?} via {entry:?}: expected {expect:?}, {f}"));
            }
            node.stop_tasks(std::time::Duration::from_secs(5)).await;
            covered += 1;
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(covered, 9 * 6 - 3, "every applicable cell ran");
}

/// A bundle larger than `max_batch` is applied batch by batch through the
/// receive path: a refused batch stores nothing of itself or what follows,
/// the batches before it stay (each passed every check), and the cursor
/// moves only with the last batch, so importing it again after the fix
/// resumes idempotently.
#[tokio::test]
async fn a_large_bundle_is_applied_in_batches_and_its_cursor_moves_with_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let signers = signers(dir.path());
    let node = receiver(&dir.path().join("t"));
    let mut changes = node.subscribe();
    changes.borrow_and_update();
    let mut records: Vec<Vec<u8>> = (1..=9)
        .map(|i| bytes(&good(Entry::BundleDown, i)).to_vec())
        .collect();
    let mut bad = good(Entry::BundleDown, 10);
    bad.operator = " ".into();
    let good_last = records[5].clone();
    records[5] = bytes(&bad).to_vec(); // in the second batch (records 5..8)
    let body = |records: Vec<Vec<u8>>| BundleBody {
        from: COUNTY.into(),
        to: TOWN.into(),
        created_ms: NOW_MS,
        since: 0,
        upto: 9,
        records,
    };
    let held_before = node.store().record_count();
    let file = seal(&body(records.clone()), &signers.county).unwrap();
    let err = import(&node, &file, &signers.trusted, &RingVerifier)
        .await
        .unwrap_err();
    assert!(
        matches!(err, BundleError::Refused(SyncError::Invalid { .. })),
        "{err}"
    );
    assert_eq!(node.store().record_count(), held_before + MAX_BATCH);
    assert_eq!(
        node.store().cursor(CursorDir::In, &Link::Parent).unwrap(),
        0
    );
    assert!(changes.has_changed().unwrap(), "subscribers were told");

    records[5] = good_last;
    let file = seal(&body(records), &signers.county).unwrap();
    let out = import(&node, &file, &signers.trusted, &RingVerifier)
        .await
        .unwrap();
    assert_eq!((out.new, out.duplicate), (5, 4));
    assert_eq!((out.cursor_advanced, out.cursor), (true, 9));
    assert_eq!(node.store().record_count(), held_before + 9);
    assert_eq!(
        node.store().cursor(CursorDir::In, &Link::Parent).unwrap(),
        9
    );
}
