//! A node killed (SIGKILL, a real process) in the middle of a large sync
//! resumes from its last durable point and ends with exactly its peer's
//! records: none missing, none twice.

use liudong_core::{Code, Link, NodeScope};
use liudong_store::{Incoming, Source, Store, StoreOptions};
use liudong_tests::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RECORDS: u64 = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_sync_resumes_without_loss_or_duplicates() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &[(EXCHANGE, None), (COUNTY_A, Some(EXCHANGE))]).await;
    let county = topo.node(COUNTY_A);
    // The county holds many records for township A.
    let batch: Vec<Incoming> = (1..=RECORDS)
        .map(|i| {
            Incoming::new(liudong_core::synth::test_record(
                VILLAGE_A1,
                i,
                i,
                VILLAGE_A1,
                None,
                liudong_core::synth::outflow_body(),
            ))
        })
        .collect();
    for chunk in batch.chunks(2000) {
        county
            .node
            .store()
            .apply(chunk, &Source::Detached, None, false)
            .unwrap();
    }
    county.node.store().flush().unwrap();
    let town_link = Link::Child(Code::parse(TOWN_A).unwrap());
    assert_eq!(county.node.store().pending(&town_link, 0).unwrap(), RECORDS);

    let url = format!("http://{}", county.sync_addr.unwrap());
    let config = write_config(dir.path(), TOWN_A, COUNTY_A, &url);
    let bin = liudong_bin();
    let run = || {
        Command::new(&bin)
            .args(["sync", "--once", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Kill at growing delays until a run finishes on its own (bounded).
    let mut kills = 0;
    let mut finished = false;
    for attempt in 0..12u64 {
        let mut child = run();
        let deadline = Instant::now() + Duration::from_millis(150 + attempt * 150);
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "sync --once failed: {status}");
                finished = true;
                break;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
            }
        }
    }
    if !finished {
        let status = run().wait().unwrap();
        assert!(status.success());
    }
    assert!(kills > 0, "the sync was never interrupted; raise RECORDS");

    // Inspect the township's store directly (its process has exited).
    let scope = NodeScope::for_code(Code::parse(TOWN_A).unwrap()).unwrap();
    let parent = scope.parent(&Code::parse(COUNTY_A).unwrap()).unwrap();
    let town = Store::open(
        &dir.path().join(format!("data-{TOWN_A}")),
        scope,
        Some(parent),
        &StoreOptions::default(),
    )
    .unwrap();
    let mut want: Vec<_> = batch.iter().map(|i| i.record.id.clone()).collect();
    want.sort();
    assert_eq!(
        town.record_ids().unwrap(),
        want,
        "exactly the county's records, none missing"
    );
    assert_eq!(town.last_seq(), RECORDS, "each record entered the log once");
    assert_eq!(
        town.log_after(0, usize::MAX).unwrap().len() as u64,
        RECORDS,
        "no duplicate log entries"
    );
    assert_eq!(
        town.pending(&Link::Parent, 0).unwrap(),
        0,
        "nothing is queued back to the county"
    );
    eprintln!("killed {kills} times mid-sync; resumed to exactly {RECORDS} records");
    drop(town);
    topo.shutdown().await.unwrap();
}
