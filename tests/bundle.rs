//! Offline bundles: export, signed import, idempotence, cursor advance, and
//! refusal of tampered, truncated, untrusted, misaddressed and older bundles.

use liudong_core::{Code, Link};
use liudong_store::{CursorDir, Incoming, Source, Store};
use liudong_sync::bundle::{BundleSigner, NodeKey, RingVerifier, TrustedSigner, export, import};
use liudong_sync::{Node, SyncConfig, system_clock};
use liudong_tests::*;
use std::sync::Arc;

fn store(dir: &std::path::Path, code: &str, parent: &str) -> Arc<Store> {
    Arc::new(open_store_at(dir, code, parent))
}

fn recs(from: u64, to: u64) -> Vec<Incoming> {
    outflows(VILLAGE_A1, VILLAGE_A1, from..=to, 0)
}

#[tokio::test]
async fn bundles_carry_records_once_and_refuse_bad_files() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let county = store(&dir.path().join("c"), COUNTY_A, EXCHANGE);
    let town_store = store(&dir.path().join("t"), TOWN_A, COUNTY_A);
    let town = Node::new(town_store.clone(), SyncConfig::default(), system_clock());
    county
        .apply(&recs(1, 100), &Source::Detached, None, true)
        .unwrap();

    let key = NodeKey::load_or_create(&dir.path().join("c")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("c").join(liudong_sync::bundle::KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = NodeKey::load_or_create(&dir.path().join("c")).unwrap();
    assert_eq!(key.public_key(), again.public_key(), "the key is kept");
    let trusted = vec![TrustedSigner {
        code: COUNTY_A.into(),
        public_key: key.public_key(),
    }];
    let town_code = Code::parse(TOWN_A).unwrap();
    let (b1, body1) = export(&county, &key, &town_code, None, 1).unwrap();
    assert_eq!(
        (body1.since, body1.upto, body1.records.len()),
        (0, 100, 100)
    );

    // Refusals first: nothing may be stored by any of them.
    let err = |r: Result<_, liudong_sync::bundle::BundleError>| r.expect_err("refused").to_string();
    let mut tampered = b1.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 1;
    let e = err(import(&town, &tampered, &trusted, &RingVerifier).await);
    assert!(
        e.contains("signature does not verify") || e.contains("does not decompress"),
        "{e}"
    );
    let e = err(import(&town, &b1[..b1.len() - 7], &trusted, &RingVerifier).await);
    assert!(e.contains("truncated"), "{e}");
    let e = err(import(&town, &b1[..20], &trusted, &RingVerifier).await);
    assert!(e.contains("truncated"), "{e}");
    let e = err(import(&town, b"hello", &trusted, &RingVerifier).await);
    assert!(
        e.contains("truncated") || e.contains("not a Liudong bundle"),
        "{e}"
    );
    let e = err(import(&town, &b1, &[], &RingVerifier).await);
    assert!(
        e.contains("not trusted") && e.contains("[[bundle.trusted]]"),
        "{e}"
    );
    let impostor = NodeKey::load_or_create(&dir.path().join("x")).unwrap();
    let wrong_key = vec![TrustedSigner {
        code: COUNTY_A.into(),
        public_key: impostor.public_key(),
    }];
    let e = err(import(&town, &b1, &wrong_key, &RingVerifier).await);
    assert!(e.contains("not trusted"), "{e}");
    let other = Code::parse(TOWN_A_OTHER).unwrap();
    let (b_other, _) = export(&county, &key, &other, None, 1).unwrap();
    let e = err(import(&town, &b_other, &trusted, &RingVerifier).await);
    assert!(e.contains(&format!("is for node {TOWN_A_OTHER}")), "{e}");
    let e = format!(
        "{:#}",
        export(&county, &key, &Code::parse(TOWN_B).unwrap(), None, 1).unwrap_err()
    );
    assert!(e.contains("neither the upstream nor a child"), "{e}");
    assert_eq!(town_store.record_count(), 0);
    assert_eq!(town_store.cursor(CursorDir::In, &Link::Parent).unwrap(), 0);

    // Import: everything new, cursor at the bundle's end.
    let out = import(&town, &b1, &trusted, &RingVerifier).await.unwrap();
    assert_eq!(
        (out.new, out.duplicate, out.cursor_advanced, out.cursor),
        (100, 0, true, 100)
    );
    assert_eq!(town_store.record_count(), 100);
    // The next network session has nothing to send for the township.
    let cur = town_store.cursor(CursorDir::In, &Link::Parent).unwrap();
    let page = county
        .outbox(&Link::Child(town_code.clone()), cur, 1000, 1 << 20)
        .unwrap();
    assert!(page.records.is_empty() && page.drained);
    assert_eq!(
        town_store.fingerprint(&Link::Parent).unwrap(),
        county.fingerprint(&Link::Child(town_code.clone())).unwrap()
    );

    // Replay: nothing changes.
    let applied = town_store
        .counters()
        .applied
        .load(std::sync::atomic::Ordering::Relaxed);
    let seq = town_store.last_seq();
    let out = import(&town, &b1, &trusted, &RingVerifier).await.unwrap();
    assert_eq!((out.new, out.cursor_advanced), (0, false));
    assert_eq!(town_store.last_seq(), seq);

    // A later bundle (from the receipt's cursor) carries only the new records;
    // the older bundle imported afterwards changes nothing.
    county
        .apply(&recs(101, 150), &Source::Detached, None, true)
        .unwrap();
    let (b2, body2) = export(&county, &key, &town_code, Some(cur), 2).unwrap();
    assert_eq!(
        (body2.since, body2.upto, body2.records.len()),
        (100, 150, 50)
    );
    let out = import(&town, &b2, &trusted, &RingVerifier).await.unwrap();
    assert_eq!((out.new, out.cursor), (50, 150));
    let out = import(&town, &b1, &trusted, &RingVerifier).await.unwrap();
    assert_eq!((out.new, out.cursor_advanced, out.cursor), (0, false, 150));
    assert_eq!(
        town_store
            .counters()
            .applied
            .load(std::sync::atomic::Ordering::Relaxed)
            - applied,
        50
    );
    assert_eq!(town_store.record_count(), 150);

    // A bundle that starts beyond what was received applies but does not
    // move the cursor past the gap.
    county
        .apply(&recs(151, 160), &Source::Detached, None, true)
        .unwrap();
    county
        .apply(&recs(161, 170), &Source::Detached, None, true)
        .unwrap();
    let (b4, _) = export(&county, &key, &town_code, Some(160), 3).unwrap();
    let out = import(&town, &b4, &trusted, &RingVerifier).await.unwrap();
    assert_eq!((out.new, out.cursor_advanced, out.cursor), (10, false, 150));
}

/// Bundles both ways (county → township and township → county), then a real
/// gRPC session between the two: it moves nothing, because each import
/// advanced the receiver's cursor exactly as a network session would have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_imports_both_ways_the_next_network_session_moves_nothing() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let county_store = store(&dir.path().join("c"), COUNTY_A, EXCHANGE);
    let town_store = store(&dir.path().join("t"), TOWN_A, COUNTY_A);
    let county = Node::new(county_store.clone(), SyncConfig::default(), system_clock());
    let town = Node::new(town_store.clone(), SyncConfig::default(), system_clock());
    county_store
        .apply(&recs(1, 120), &Source::Detached, None, true)
        .unwrap();
    let upward = outflows(TOWN_A, VILLAGE_A2, 1..=80, 5000);
    town_store
        .apply(&upward, &Source::Local, None, true)
        .unwrap();
    let county_key = NodeKey::load_or_create(&dir.path().join("c")).unwrap();
    let town_key = NodeKey::load_or_create(&dir.path().join("t")).unwrap();
    let trust = |code: &str, key: &NodeKey| {
        vec![TrustedSigner {
            code: code.into(),
            public_key: key.public_key(),
        }]
    };
    let town_code = Code::parse(TOWN_A).unwrap();
    let county_code = Code::parse(COUNTY_A).unwrap();
    let (down, _) = export(&county_store, &county_key, &town_code, None, 1).unwrap();
    let out = import(&town, &down, &trust(COUNTY_A, &county_key), &RingVerifier)
        .await
        .unwrap();
    assert_eq!((out.new, out.cursor_advanced), (120, true));
    let (up, _) = export(&town_store, &town_key, &county_code, None, 1).unwrap();
    let out = import(&county, &up, &trust(TOWN_A, &town_key), &RingVerifier)
        .await
        .unwrap();
    assert_eq!((out.new, out.cursor_advanced), (80, true));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(liudong_net::serve_sync(
        listener,
        county.clone(),
        Default::default(),
        stop.clone(),
    ));
    let connector =
        liudong_net::GrpcConnector::new(&format!("http://{addr}"), Default::default()).unwrap();
    let parent = town_store.parent().unwrap().clone();
    let stats = liudong_sync::run_client_session(
        town.clone(),
        &parent,
        false,
        |rx| liudong_sync::Connect::open(&connector, rx),
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        (stats.sent, stats.received, stats.duplicates),
        (0, 0, 0),
        "nothing resent after the bundles"
    );
    assert_eq!(
        town_store.fingerprint(&Link::Parent).unwrap(),
        county_store
            .fingerprint(&Link::Child(town_code.clone()))
            .unwrap()
    );
    assert_eq!(town_store.fingerprint(&Link::Parent).unwrap().count, 200);
    stop.cancel();
    server.await.unwrap().unwrap();
}
