//! Faults: real node processes killed (SIGKILL) at seeded random points of a
//! large two-way sync, a lossy proxy between two nodes, clocks that run
//! ahead, SIGTERM in the middle of a sync, and a data directory that cannot
//! be written. See docs/faults.md for the fault model.

use bytes::Bytes;
use futures::StreamExt;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link};
use liudong_proto::pb;
use liudong_store::{Incoming, Source, Store};
use liudong_tests::proxy::Proxy;
use liudong_tests::*;
use prost::Message;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// Records the county holds for the township, authored at the county.
fn down(from: u64, to: u64) -> Vec<Incoming> {
    (from..=to)
        .map(|i| {
            let origin = if i % 2 == 0 { VILLAGE_A1 } else { VILLAGE_A2 };
            Incoming::new(test_record(COUNTY_A, i, i, origin, None, outflow_body()))
        })
        .collect()
}

/// Records the township authored, to be pushed up to the county.
fn up(from: u64, to: u64) -> Vec<Incoming> {
    (from..=to)
        .map(|i| {
            Incoming::new(test_record(
                TOWN_A,
                i,
                1_000_000 + i,
                VILLAGE_A2,
                None,
                outflow_body(),
            ))
        })
        .collect()
}

fn add(dir: &Path, code: &str, parent: &str, records: &[Incoming]) {
    let s = open_store(dir, code, parent);
    for chunk in records.chunks(1000) {
        s.apply(chunk, &Source::Detached, None, false).unwrap();
    }
    s.flush().unwrap();
}

fn town_link() -> Link {
    Link::Child(Code::parse(TOWN_A).unwrap())
}

/// `liudong status --json` of a running node (through its admin service).
fn status(config: &Path) -> Option<serde_json::Value> {
    let out = Command::new(liudong_bin())
        .args(["status", "--json", "--config"])
        .arg(config)
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn link_of<'a>(report: &'a serde_json::Value, peer: &str) -> &'a serde_json::Value {
    report["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["peer"] == peer)
        .unwrap_or(&serde_json::Value::Null)
}

/// Waits until both running nodes hold `total` records and their
/// fingerprints of the shared scope are equal.
fn wait_in_step(county_cfg: &Path, town_cfg: &Path, total: u64, limit: Duration) {
    let t = Instant::now();
    loop {
        if let (Some(c), Some(w)) = (status(county_cfg), status(town_cfg)) {
            let cf = link_of(&c, TOWN_A)["fingerprint"].clone();
            let tf = link_of(&w, COUNTY_A)["fingerprint"].clone();
            if c["records"] == total && w["records"] == total && cf == tf {
                return;
            }
            assert!(
                t.elapsed() < limit,
                "not in step after {limit:?}: county {} records, fingerprint {cf}; township {} records, fingerprint {tf}",
                c["records"],
                w["records"]
            );
        }
        assert!(t.elapsed() < limit, "nodes not answering after {limit:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// After the nodes have stopped: both hold exactly the expected records,
/// their fingerprints of the shared scope match, and nothing is counted twice.
fn assert_converged(dir: &Path, n_down: u64, n_up: u64) {
    let county = open_store(dir, COUNTY_A, EXCHANGE);
    let town = open_store(dir, TOWN_A, COUNTY_A);
    let mut want: Vec<_> = down(1, n_down)
        .into_iter()
        .chain(up(1, n_up))
        .map(|i| i.record.id)
        .collect();
    want.sort();
    assert_eq!(county.record_ids().unwrap(), want, "county holds exactly all");
    assert_eq!(town.record_ids().unwrap(), want, "township holds exactly all");
    let (cf, tf) = (
        county.fingerprint(&town_link()).unwrap(),
        town.fingerprint(&Link::Parent).unwrap(),
    );
    assert_eq!(cf, tf, "fingerprints of the shared scope");
    assert_eq!(cf.count, n_down + n_up);
    assert_no_duplicates(&county, "county");
    assert_no_duplicates(&town, "township");
    // Each record sits once in the outbox it travels by.
    assert_eq!(county.pending(&town_link(), 0).unwrap(), n_down);
    assert_eq!(town.pending(&Link::Parent, 0).unwrap(), n_up);
}

/// Two real node processes (a county and its township) sync thousands of
/// records both ways; at seeded random moments one or both is killed with
/// SIGKILL, more records are added behind its back, and it is restarted.
/// In the end both hold exactly the same records, once each.
#[test]
fn sigkill_at_random_points_loses_and_duplicates_nothing() {
    const SEED: u64 = 0x5eed_0005;
    const CYCLES: usize = 6;
    const DOWN_PER_CYCLE: u64 = 2500;
    const UP_PER_CYCLE: u64 = 800;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = StdRng::seed_from_u64(SEED);
    let county_cfg = write_live_config(
        d,
        COUNTY_A,
        (EXCHANGE, "http://127.0.0.1:9"),
        Some(free_port()),
        "",
    );
    let (mut n_down, mut n_up) = (DOWN_PER_CYCLE, UP_PER_CYCLE);
    // Seed both stores (the processes create them on first start).
    add(d, COUNTY_A, EXCHANGE, &down(1, n_down));
    let mut county = NodeProcess::spawn(&county_cfg, &d.join("county.log"));
    let proxy = rt.block_on(Proxy::start(county.sync_addr(), SEED, 0, 1));
    let town_cfg = write_live_config(
        d,
        TOWN_A,
        (COUNTY_A, &proxy.url()),
        Some(free_port()),
        "",
    );
    add(d, TOWN_A, COUNTY_A, &up(1, n_up));
    let mut town = NodeProcess::spawn(&town_cfg, &d.join("town.log"));
    let mut kills = (0, 0);
    let mut interrupted = 0;
    for cycle in 0..CYCLES {
        let wait = rng.random_range(50..800u64);
        std::thread::sleep(Duration::from_millis(wait));
        let victim = rng.random_range(0..3u32);
        if victim != 1 {
            county.kill9();
            kills.0 += 1;
            add(d, COUNTY_A, EXCHANGE, &down(n_down + 1, n_down + DOWN_PER_CYCLE));
            n_down += DOWN_PER_CYCLE;
        }
        if victim != 0 {
            town.kill9();
            kills.1 += 1;
            add(d, TOWN_A, COUNTY_A, &up(n_up + 1, n_up + UP_PER_CYCLE));
            n_up += UP_PER_CYCLE;
        }
        // A victim that restarts with fewer records than the in-step total
        // (less what was added behind its back) was killed mid-sync.
        let total = n_down + n_up;
        let mut short = Vec::new();
        if victim != 1 {
            county = NodeProcess::spawn(&county_cfg, &d.join("county.log"));
            proxy.retarget(county.sync_addr());
            short.push(total - county.records_at_start());
        }
        if victim != 0 {
            town = NodeProcess::spawn(&town_cfg, &d.join("town.log"));
            short.push(total - town.records_at_start());
        }
        if short.iter().any(|&s| s > 0) {
            interrupted += 1;
        }
        eprintln!(
            "cycle {cycle}: killed {} after {wait} ms; restarted lacking {short:?} of {total} records",
            ["county", "township", "both"][victim as usize]
        );
    }
    wait_in_step(&county_cfg, &town_cfg, n_down + n_up, Duration::from_secs(120));
    let (s, _) = town.terminate(Duration::from_secs(25));
    assert!(s.success(), "township exit {s}");
    let (s, _) = county.terminate(Duration::from_secs(25));
    assert!(s.success(), "county exit {s}");
    assert_converged(d, n_down, n_up);
    assert!(interrupted > 0, "no kill landed mid-sync; add records per cycle");
    eprintln!(
        "seed {SEED:#x}: county killed {} times, township {} times, {interrupted} of {CYCLES} cycles mid-sync; {n_down} records down, {n_up} up, in step once each",
        kills.0, kills.1
    );
}
