//! Large answers (issue 14 item 7): a running node answers queries and the
//! audit trail through its admin service in pieces of at most 1 MiB, so no
//! message limit applies to a whole answer (they used to fail with "decoded
//! message length too large"). The store is seeded with `liudong seed`'s
//! population: 1,500 households (about 14,500 records) by default, so the
//! test runs in reasonable time on a debug build; set
//! `LIUDONG_LARGE_HOUSEHOLDS=18600` for a county of about 175,000 records.

use liudong_core::overdue::Thresholds;
use liudong_node::NodeAccess;
use liudong_node::query::{Answer, Query};
use liudong_node::wire::Wire;
use liudong_tests::*;
use std::time::{Duration, Instant};

/// Households seeded (about 9.7 records each), unless
/// `LIUDONG_LARGE_HOUSEHOLDS` says otherwise.
const HOUSEHOLDS: u64 = 1_500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_size_node_answers_overdue_and_audit_through_its_admin_service() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = liudong_testkit::demo::local_config(
        COUNTY_A,
        Some((EXCHANGE, "http://127.0.0.1:9".into())),
        dir.path().join(COUNTY_A),
        false,
    )
    .unwrap();
    cfg.admin_listen = Some("127.0.0.1:0".parse().unwrap());
    let clock = liudong_sync::system_clock();
    let t = Instant::now();
    let seeded = {
        let store = liudong_node::runner::open_store(&cfg).unwrap();
        // The population ends with the last second of yesterday (China time).
        let (day, cst) = (86_400_000, 8 * 3_600_000);
        let end_of_yesterday = (clock() + cst) / day * day - cst - 1000;
        let households = std::env::var("LIUDONG_LARGE_HOUSEHOLDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(HOUSEHOLDS);
        let n = liudong_ops::seed::seed_store(&store, 7, households, end_of_yesterday).unwrap();
        store.flush().unwrap();
        n
    };
    println!("seeded {seeded} records in {:?}", t.elapsed());
    assert!(seeded >= 10_000, "{seeded} records");

    let county = liudong_testkit::start_node(cfg.clone()).await.unwrap();
    let admin = liudong_net::admin_client(&county.admin_addr.unwrap().to_string())
        .await
        .unwrap();
    let mut running = NodeAccess::running(&cfg, admin);
    let overdue = Query::Overdue {
        kinds: Vec::new(),
        thresholds: Thresholds::default(),
    };
    let t = Instant::now();
    let answer = running.query("large-test", &overdue).await.unwrap();
    let took = t.elapsed();
    let Answer::Overdue(list) = &answer else {
        panic!("not an overdue answer");
    };
    let bytes = prost::Message::encoded_len(&answer.to_wire());
    println!(
        "overdue through the admin service: {bytes} bytes in {took:?} ({} items, {} held)",
        list.items.len(),
        list.held.len()
    );
    assert!(!list.items.is_empty());
    // The same answer as the node's own query function gives.
    let node = county.node.clone();
    let direct = tokio::task::spawn_blocking(move || {
        liudong_node::query::run(node.store(), "large-test", &overdue, node.now_ms())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(answer, direct);

    // The same answer as raw pieces of at most 1 MiB.
    let mut raw = liudong_net::admin_client(&county.admin_addr.unwrap().to_string())
        .await
        .unwrap();
    let mut pieces = raw
        .query(
            liudong_node::query::OperatorQuery {
                operator: "large-test".into(),
                query: Query::Overdue {
                    kinds: Vec::new(),
                    thresholds: Thresholds::default(),
                },
            }
            .to_wire(),
        )
        .await
        .unwrap()
        .into_inner();
    let mut sizes = Vec::new();
    while let Some(p) = pieces.message().await.unwrap() {
        sizes.push(p.data.len());
    }
    println!("overdue as {} pieces of {sizes:?} bytes", sizes.len());
    assert_eq!(sizes.iter().sum::<usize>(), bytes);
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&n| n <= 1 << 20),
        "{sizes:?}"
    );

    // The audit trail, with the persons each query showed.
    let t = Instant::now();
    let entries = running.audit(&Default::default()).await.unwrap();
    println!("audit: {} entries in {:?}", entries.len(), t.elapsed());
    let viewed = entries
        .iter()
        .filter(|e| matches!(e.event, liudong_store::audit::AuditEvent::Viewed { .. }))
        .count();
    assert_eq!(viewed, 3, "the three queries are audited");
    drop(running);
    county.shutdown(Duration::from_secs(10)).await.unwrap();
}
