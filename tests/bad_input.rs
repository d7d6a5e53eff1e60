//! Bad input over the wire: each gets a precise gRPC status and changes nothing.

use bytes::Bytes;
use liudong_proto::pb;
use liudong_tests::*;
use prost::Message;
use tonic::Code;

/// Opens a raw plaintext session as `node`, pushes one batch, and returns the status the server ends with.
async fn push_raw(addr: std::net::SocketAddr, node: &str, records: Vec<Bytes>) -> tonic::Status {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    push_raw_on(channel, node, records).await
}

fn good_record(seq: u64) -> pb::Record {
    let r = liudong_core::synth::test_record(
        VILLAGE_A1,
        seq,
        seq,
        VILLAGE_A1,
        None,
        liudong_core::synth::outflow_body(),
    );
    let mut r = liudong_proto::record_to_pb(&r);
    r.hlc = liudong_core::Hlc::new(liudong_sync::system_clock()() - 1000, 0).0;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_input_gets_a_precise_status_and_changes_nothing() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(
        dir.path(),
        &[
            (EXCHANGE, None),
            (COUNTY_A, Some(EXCHANGE)),
            (TOWN_A, Some(COUNTY_A)),
        ],
    )
    .await;
    let town = topo.node(TOWN_A);
    let addr = town.sync_addr.unwrap();
    let store = town.node.store().clone();

    // A valid record first, so a conflicting copy can be tried.
    let ok = good_record(1);
    let s = push_raw(addr, VILLAGE_A1, vec![Bytes::from(ok.encode_to_vec())]).await;
    assert_eq!(s.code(), Code::Ok, "{s:?}");
    assert_eq!(store.record_count(), 1);
    let before = store.last_seq();

    let cases: Vec<(&str, Vec<u8>, Code, &str)> = vec![
        (
            "malformed bytes",
            vec![0x0a, 0xff, 0xff, 0x01],
            Code::InvalidArgument,
            "cannot be decoded",
        ),
        (
            "unknown body",
            {
                let mut r = good_record(2);
                r.body = None;
                let mut b = r.encode_to_vec();
                // field 7 (body) holding an unknown oneof member, field number 99
                b.extend_from_slice(&[0x3a, 0x03, 0x9a, 0x06, 0x00]);
                b
            },
            Code::InvalidArgument,
            "body",
        ),
        (
            "wrong-length code",
            {
                let mut r = good_record(3);
                r.origin = "41060210000".into();
                r.encode_to_vec()
            },
            Code::InvalidArgument,
            "origin",
        ),
        (
            "conflicting duplicate id",
            {
                let mut r = ok.clone();
                r.operator = "someone-else".into();
                r.encode_to_vec()
            },
            Code::AlreadyExists,
            "410602100001-1",
        ),
        (
            "record of another village",
            {
                let mut r = good_record(4);
                r.id.as_mut().unwrap().node = VILLAGE_A2.into();
                r.origin = VILLAGE_A2.into();
                r.encode_to_vec()
            },
            Code::PermissionDenied,
            "not entitled",
        ),
    ];
    for (what, bytes, code, needle) in cases {
        // A valid record rides along in the same batch: it must not be stored either.
        let batch = vec![
            Bytes::from(good_record(10).encode_to_vec()),
            Bytes::from(bytes),
        ];
        let s = push_raw(addr, VILLAGE_A1, batch).await;
        assert_eq!(s.code(), code, "{what}: {s:?}");
        assert!(s.message().contains(needle), "{what}: {}", s.message());
        assert_eq!(store.record_count(), 1, "{what}: nothing stored");
        assert_eq!(store.last_seq(), before, "{what}: log unchanged");
    }

    // A node that is not a child is refused before anything is read.
    let s = push_raw(
        addr,
        VILLAGE_B1,
        vec![Bytes::from(good_record(11).encode_to_vec())],
    )
    .await;
    assert_eq!(s.code(), Code::PermissionDenied, "{s:?}");
    assert!(
        s.message().contains("not a direct child"),
        "{}",
        s.message()
    );
    assert_eq!(store.record_count(), 1);
    topo.shutdown().await.unwrap();
}
