//! Anti-entropy: records deleted or corrupted behind the sync engine's back
//! (directly in the store's engine) are detected by `Verify`, named by
//! scope, and restored exactly by repair — both ways.

use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link, RecordId};
use liudong_store::{Incoming, Source, Store};
use liudong_sync::verify::run_verify;
use liudong_tests::*;
use std::collections::BTreeSet;
use std::process::Command;

const N: u64 = 300;

fn record_key(id: &RecordId) -> Vec<u8> {
    liudong_store::keys::record(&liudong_store::keys::id(id))
}

fn ids_for(store: &Store, link: &Link) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (m, _) in store.fingerprint_months(link).unwrap() {
        for (b, _) in store.fingerprint_buckets(link, m).unwrap() {
            for (id, _) in store.bucket_members(link, &b).unwrap() {
                out.insert(id.to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_detects_names_and_repairs_damage_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let topo = start(
        dir.path(),
        &[
            (EXCHANGE, None),
            (COUNTY_A, Some(EXCHANGE)),
            (TOWN_A, Some(COUNTY_A)),
        ],
    )
    .await;
    let county = topo.node(COUNTY_A);
    let town = topo.node(TOWN_A);
    let records: Vec<Incoming> = (1..=N)
        .map(|i| {
            let origin = if i % 2 == 0 { VILLAGE_A1 } else { VILLAGE_A2 };
            Incoming::new(test_record(origin, i, i, origin, None, outflow_body()))
        })
        .collect();
    county
        .node
        .store()
        .apply(&records, &Source::Detached, None, true)
        .unwrap();
    town.link.as_ref().unwrap().sync_now().await.unwrap();
    let ts = town.node.store();
    let cs = county.node.store();
    let town_link = Link::Child(Code::parse(TOWN_A).unwrap());
    assert_eq!(ts.fingerprint(&Link::Parent).unwrap().count, N);
    assert_eq!(
        ts.fingerprint(&Link::Parent).unwrap(),
        cs.fingerprint(&town_link).unwrap()
    );
    let county_scope = ts.parent().unwrap().clone();
    // The town's own transport options: mutual TLS with its certificate.
    let url = format!("https://{}", county.sync_addr.unwrap());
    let peer = liudong_net::verify::GrpcVerifier::new(&url, town.net.clone()).unwrap();

    // In step: nothing to do.
    let r = run_verify(town.node.clone(), &county_scope, &peer, true)
        .await
        .unwrap();
    assert!(
        r.in_step_before && r.in_step && r.buckets.is_empty(),
        "{r:?}"
    );

    // Damage the township: delete 5 records of A1, corrupt 2 of A2.
    let deleted: Vec<RecordId> = [2u64, 4, 6, 8, 10]
        .iter()
        .map(|&i| records[i as usize - 1].record.id.clone())
        .collect();
    for id in &deleted {
        assert!(ts.raw().remove(record_key(id)).unwrap().is_some());
    }
    let corrupted: Vec<RecordId> = [1u64, 3]
        .iter()
        .map(|&i| records[i as usize - 1].record.id.clone())
        .collect();
    for id in &corrupted {
        let k = record_key(id);
        let mut v = ts.raw().get(&k).unwrap().unwrap().to_vec();
        let at = v.len() - 3;
        v[at] ^= 0x20;
        ts.raw().insert(k, v).unwrap();
    }
    // Damage the county: delete 3 records (of A2) that the township still holds.
    let lost_up: Vec<RecordId> = [21u64, 23, 25]
        .iter()
        .map(|&i| records[i as usize - 1].record.id.clone())
        .collect();
    for id in &lost_up {
        assert!(cs.raw().remove(record_key(id)).unwrap().is_some());
    }
    // The county's own verification (against its exchange) audits its store.
    let ex_url = format!("https://{}", topo.node(EXCHANGE).sync_addr.unwrap());
    let ex_peer = liudong_net::verify::GrpcVerifier::new(&ex_url, county.net.clone()).unwrap();
    let cr = run_verify(
        county.node.clone(),
        &cs.parent().unwrap().clone(),
        &ex_peer,
        true,
    )
    .await
    .unwrap();
    assert_eq!(cr.audit.missing.len(), 3, "{cr:?}");

    // Detect without repair: names the scope, changes nothing.
    // Records removed behind the store's back are not in its maintained
    // count until an audit recounts: count what is really there.
    let before = ts.record_ids().unwrap().len();
    let r = run_verify(town.node.clone(), &county_scope, &peer, false)
        .await
        .unwrap();
    assert!(!r.in_step_before && !r.in_step, "{r:?}");
    assert_eq!(r.audit.missing.len(), 5, "{:?}", r.audit);
    assert_eq!(r.audit.corrupt.len(), 2, "{:?}", r.audit);
    let named: BTreeSet<&str> = r.buckets.iter().map(|d| d.bucket.as_str()).collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(
        named
            .iter()
            .any(|b| b.starts_with(&format!("origin {VILLAGE_A1} in ")))
    );
    assert!(
        named
            .iter()
            .any(|b| b.starts_with(&format!("origin {VILLAGE_A2} in ")))
    );
    let missing_here: BTreeSet<String> = r
        .buckets
        .iter()
        .flat_map(|d| d.missing_here.iter().cloned())
        .collect();
    let expect_here: BTreeSet<String> = deleted
        .iter()
        .chain(&corrupted)
        .map(|i| i.to_string())
        .collect();
    assert_eq!(missing_here, expect_here);
    let missing_there: BTreeSet<String> = r
        .buckets
        .iter()
        .flat_map(|d| d.missing_there.iter().cloned())
        .collect();
    let expect_there: BTreeSet<String> = lost_up.iter().map(|i| i.to_string()).collect();
    assert_eq!(missing_there, expect_there);
    assert!(r.buckets.iter().all(|d| d.conflicting.is_empty()));
    assert_eq!(
        ts.record_count(),
        before - 2,
        "corrupt records were removed"
    );
    let receipt = ts.receipt(&Link::Parent).unwrap().unwrap();
    assert!(!receipt.in_step && receipt.differing.len() == 2);

    // Repair: exactly the missing records move, both ways.
    let applied_town = ts
        .counters()
        .applied
        .load(std::sync::atomic::Ordering::Relaxed);
    let applied_county = cs
        .counters()
        .applied
        .load(std::sync::atomic::Ordering::Relaxed);
    let r = run_verify(town.node.clone(), &county_scope, &peer, true)
        .await
        .unwrap();
    assert!(r.in_step, "{r:?}");
    assert_eq!((r.fetched, r.offered, r.offered_new), (7, 3, 3));
    assert_eq!(
        ts.counters()
            .applied
            .load(std::sync::atomic::Ordering::Relaxed)
            - applied_town,
        7
    );
    assert_eq!(
        cs.counters()
            .applied
            .load(std::sync::atomic::Ordering::Relaxed)
            - applied_county,
        3
    );
    for r in &records {
        assert_eq!(
            ts.get_bytes(&r.record.id).unwrap().as_deref(),
            Some(r.bytes.as_slice()),
            "{} restored at the township",
            r.record.id
        );
        assert_eq!(
            cs.get_bytes(&r.record.id).unwrap().as_deref(),
            Some(r.bytes.as_slice()),
            "{} restored at the county",
            r.record.id
        );
    }
    assert_eq!(ts.record_count() as u64, N);
    assert_eq!(
        ts.fingerprint(&Link::Parent).unwrap(),
        cs.fingerprint(&town_link).unwrap()
    );
    assert_eq!(ids_for(ts, &Link::Parent), ids_for(cs, &town_link));
    let receipt = ts.receipt(&Link::Parent).unwrap().unwrap();
    assert!(receipt.in_step && receipt.differing.is_empty());
    assert_eq!(receipt.fingerprint, r.local);

    // A second run finds nothing.
    let again = run_verify(town.node.clone(), &county_scope, &peer, true)
        .await
        .unwrap();
    assert!(again.in_step_before && again.audit.is_clean(), "{again:?}");
    topo.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_command_and_status_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &[(EXCHANGE, None), (COUNTY_A, Some(EXCHANGE))]).await;
    let county = topo.node(COUNTY_A);
    let records = outflows(VILLAGE_A1, VILLAGE_A1, 1..=40, 0);
    county
        .node
        .store()
        .apply(&records, &Source::Detached, None, true)
        .unwrap();
    let url = format!("http://{}", county.sync_addr.unwrap());
    let config = write_config(dir.path(), TOWN_A, COUNTY_A, &url);
    let bin = liudong_bin();
    let run = |args: &[&str]| {
        let out = Command::new(&bin)
            .args(args)
            .arg("--config")
            .arg(&config)
            .env("LIUDONG_LANG", "en")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    // Before any sync the township lacks everything: verify says so and fails.
    let (ok, text) = run(&["verify"]);
    assert!(!ok, "{text}");
    assert!(text.contains(&format!("origin {VILLAGE_A1} in ")), "{text}");
    assert!(text.contains("liudong verify --repair"), "{text}");
    let (ok, text) = run(&["status"]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("NOT in step with {COUNTY_A}")),
        "{text}"
    );
    // Repair brings it in step, and status shows the receipt.
    let (ok, text) = run(&["verify", "--repair"]);
    assert!(ok, "{text}");
    assert!(text.contains("fetched 40 records"), "{text}");
    let (ok, text) = run(&["status"]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("in step with {COUNTY_A} as of ")),
        "{text}"
    );
    assert!(text.contains("fingerprint "), "{text}");
    // The next network sync does not need to move anything new.
    let (ok, text) = run(&["sync", "--once"]);
    assert!(ok, "{text}");
    assert!(text.contains("pulled 0 new records"), "{text}");
    topo.shutdown().await.unwrap();
}
