//! Hostile input: every limit is enforced with a precise gRPC status and a
//! message naming the config option, and nothing beyond the limit is stored.

use bytes::Bytes;
use futures::StreamExt;
use liudong_core::synth::{outflow_body, test_record};
use liudong_proto::pb;
use liudong_store::Source;
use liudong_tests::*;
use prost::Message;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

type Inbound = tonic::Streaming<pb::ServerFrame>;

/// A raw session: the test sends frames on the returned sender.
async fn open(
    addr: std::net::SocketAddr,
    max_message: usize,
) -> (mpsc::Sender<pb::ClientFrame>, Inbound) {
    let mut client = pb::sync_client::SyncClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
        .max_encoding_message_size(max_message)
        .max_decoding_message_size(max_message);
    let (tx, rx) = mpsc::channel(16);
    let inbound = client
        .session(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    (tx, inbound)
}

fn frame(f: pb::client_frame::Frame) -> pb::ClientFrame {
    pb::ClientFrame { frame: Some(f) }
}

fn hello(live: bool) -> pb::ClientFrame {
    frame(pb::client_frame::Frame::Hello(pb::Hello {
        protocol: 1,
        node: VILLAGE_A1.into(),
        pull_cursor: 0,
        live,
        max_batch: 10,
        ..Default::default()
    }))
}

fn push(records: Vec<Bytes>, cursor: u64) -> pb::ClientFrame {
    frame(pb::client_frame::Frame::Push(pb::Batch {
        records,
        cursor,
        drained: false,
        remaining: None,
        lower_links: Vec::new(),
    }))
}

fn good(seq: u64) -> Bytes {
    let r = test_record(VILLAGE_A1, seq, seq, VILLAGE_A1, None, outflow_body());
    let mut r = liudong_proto::record_to_pb(&r);
    r.hlc = liudong_core::Hlc::new(liudong_sync::system_clock()() - 1000, 0).0;
    Bytes::from(r.encode_to_vec())
}

/// Reads frames until the server ends the session with a status (acking
/// every pull batch when `ack` is set); returns the push acks seen too.
async fn until_status(
    tx: &mpsc::Sender<pb::ClientFrame>,
    inbound: &mut Inbound,
    ack: bool,
) -> (Vec<u64>, tonic::Status) {
    let mut acks = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_secs(30), inbound.next())
            .await
            .expect("the server answers within 30 s");
        match next {
            Some(Ok(pb::ServerFrame {
                frame: Some(pb::server_frame::Frame::PushAck(a)),
            })) => acks.push(a.cursor),
            Some(Ok(pb::ServerFrame {
                frame: Some(pb::server_frame::Frame::Pull(b)),
            })) => {
                if ack {
                    let _ = tx
                        .send(frame(pb::client_frame::Frame::PullAck(pb::Ack {
                            cursor: b.cursor,
                        })))
                        .await;
                }
            }
            Some(Ok(_)) => {}
            Some(Err(s)) => return (acks, s),
            None => return (acks, tonic::Status::ok("ended")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limit_has_a_precise_status_and_stores_nothing_beyond_it() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = liudong_testkit::demo::Topology::start(
        dir.path(),
        &[
            (EXCHANGE, None),
            (COUNTY_A, Some(EXCHANGE)),
            (TOWN_A, Some(COUNTY_A)),
        ],
        true,
        |cfg| {
            if cfg.scope.code.as_str() == TOWN_A {
                cfg.sync.max_batch = 10;
                cfg.sync.max_record_bytes = 2048;
                cfg.sync.max_session_records = 25;
                cfg.sync.idle_timeout = Duration::from_secs(1);
                cfg.net.max_message_bytes = 1 << 20;
            }
        },
    )
    .await
    .unwrap();
    let town = topo.node(TOWN_A);
    let addr = town.sync_addr.unwrap();
    let store = town.node.store().clone();
    let big = 4 << 20;

    // Too many records in one batch.
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(false)).await.unwrap();
    tx.send(push((1..=11).map(good).collect(), 11))
        .await
        .unwrap();
    let (acks, s) = until_status(&tx, &mut rx, true).await;
    assert!(acks.is_empty());
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    assert!(s.message().contains("max_batch = 10"), "{}", s.message());
    assert_eq!(store.record_count(), 0);

    // One record larger than max_record_bytes (refused before decoding).
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(false)).await.unwrap();
    tx.send(push(vec![good(1), Bytes::from(vec![0x0a; 3000])], 2))
        .await
        .unwrap();
    let (_, s) = until_status(&tx, &mut rx, true).await;
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    assert!(
        s.message().contains("record #1") && s.message().contains("max_record_bytes"),
        "{}",
        s.message()
    );
    assert_eq!(store.record_count(), 0);

    // A frame larger than the transport's message limit.
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(false)).await.unwrap();
    tx.send(push(vec![Bytes::from(vec![0u8; 1_500_000])], 1))
        .await
        .unwrap();
    let (_, s) = until_status(&tx, &mut rx, true).await;
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    assert!(s.message().contains("max_message_mb"), "{}", s.message());
    assert_eq!(store.record_count(), 0);

    // More records in one session than max_session_records: the first two
    // batches are stored and acknowledged, the third is refused whole.
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(false)).await.unwrap();
    for b in 0..3u64 {
        tx.send(push(
            (b * 10 + 1..=b * 10 + 10).map(good).collect(),
            b * 10 + 10,
        ))
        .await
        .unwrap();
    }
    let (acks, s) = until_status(&tx, &mut rx, true).await;
    assert_eq!(acks, vec![10, 20]);
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    assert!(
        s.message().contains("max_session_records = 25"),
        "{}",
        s.message()
    );
    assert_eq!(store.record_count(), 20, "exactly the acknowledged batches");
    // A new session continues from the durable cursor.
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(false)).await.unwrap();
    let welcome = rx.next().await.unwrap().unwrap();
    match welcome.frame {
        Some(pb::server_frame::Frame::Welcome(w)) => assert_eq!(w.push_cursor, 20),
        other => panic!("expected Welcome, got {other:?}"),
    }
    tx.send(push((21..=30).map(good).collect(), 30))
        .await
        .unwrap();
    drop(tx);
    let (acks, s) = until_status(&mpsc::channel(1).0, &mut rx, false).await;
    assert_eq!(acks, vec![30]);
    assert_eq!(s.code(), Code::Ok, "{s:?}");
    assert_eq!(store.record_count(), 30);

    // A one-shot session that falls silent.
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(false)).await.unwrap();
    let t = Instant::now();
    let (_, s) = until_status(&tx, &mut rx, true).await;
    assert_eq!(s.code(), Code::DeadlineExceeded, "{s:?}");
    assert!(s.message().contains("idle_timeout_secs"), "{}", s.message());
    assert!(t.elapsed() < Duration::from_secs(10));

    // Records for the village wait in the township's outbox.
    let down = outflows(TOWN_A, VILLAGE_A1, 1..=5, 0);
    store.apply(&down, &Source::Detached, None, true).unwrap();

    // A live session may stay quiet once everything is acknowledged ...
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(true)).await.unwrap();
    let mut pulled = 0;
    loop {
        match rx.next().await.unwrap().unwrap().frame {
            Some(pb::server_frame::Frame::Pull(b)) => {
                pulled += b.records.len();
                tx.send(frame(pb::client_frame::Frame::PullAck(pb::Ack {
                    cursor: b.cursor,
                })))
                .await
                .unwrap();
                if b.drained {
                    break;
                }
            }
            _ => continue,
        }
    }
    assert_eq!(pulled, 5);
    let quiet = tokio::time::timeout(Duration::from_millis(2500), rx.next()).await;
    assert!(quiet.is_err(), "a quiet live session stays open: {quiet:?}");
    drop(tx);

    // ... but not leave a batch unacknowledged.
    let (tx, mut rx) = open(addr, big).await;
    tx.send(frame(pb::client_frame::Frame::Hello(pb::Hello {
        protocol: 1,
        node: VILLAGE_A1.into(),
        pull_cursor: 0,
        live: true,
        max_batch: 10,
        ..Default::default()
    })))
    .await
    .unwrap();
    let (_, s) = until_status(&tx, &mut rx, false).await;
    assert_eq!(s.code(), Code::DeadlineExceeded, "{s:?}");
    assert!(
        s.message().contains("awaited its acknowledgement"),
        "{}",
        s.message()
    );

    // Frames out of protocol.
    let (tx, mut rx) = open(addr, big).await;
    tx.send(push(vec![good(40)], 40)).await.unwrap();
    let (_, s) = until_status(&tx, &mut rx, true).await;
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    assert!(s.message().contains("first message must be Hello"));
    let (tx, mut rx) = open(addr, big).await;
    tx.send(hello(false)).await.unwrap();
    tx.send(pb::ClientFrame { frame: None }).await.unwrap();
    let (_, s) = until_status(&tx, &mut rx, true).await;
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    assert_eq!(store.record_count(), 35);
    drop((tx, rx));
    topo.shutdown().await.unwrap();
}

/// An outbox page stays within `max_batch_bytes` (a single larger record is
/// sent alone), and the records held back start the next page.
#[test]
fn outbox_pages_stay_within_the_byte_budget() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let scope =
        liudong_core::NodeScope::for_code(liudong_core::Code::parse(TOWN_A).unwrap()).unwrap();
    let parent = scope
        .parent(&liudong_core::Code::parse(COUNTY_A).unwrap())
        .unwrap();
    let store =
        liudong_store::Store::open(dir.path(), scope, Some(parent), &Default::default()).unwrap();
    let recs = outflows(TOWN_A, VILLAGE_A1, 1..=10, 0);
    store.apply(&recs, &Source::Local, None, true).unwrap();
    let size = recs[0].bytes.len();
    let link = liudong_core::Link::Parent;
    let budget = 3 * size + size / 2;
    let mut after = 0;
    let mut pages = Vec::new();
    loop {
        let page = store.outbox(&link, after, 100, budget).unwrap();
        let bytes: usize = page.records.iter().map(Vec::len).sum();
        assert!(bytes <= budget, "page of {bytes} bytes over {budget}");
        pages.push(page.records.len());
        after = page.cursor;
        if page.drained {
            break;
        }
    }
    assert_eq!(pages, vec![3, 3, 3, 1]);
    let single = store.outbox(&link, 0, 100, 10).unwrap();
    assert_eq!(
        single.records.len(),
        1,
        "a record over the budget goes alone"
    );
    assert!(!single.drained);
}
