//! Faults: real node processes killed (SIGKILL) at seeded random points of a
//! large two-way sync, a lossy proxy between two nodes, SIGTERM in the
//! middle of a sync, and a data directory that cannot be written (clocks
//! that run ahead: clock.rs). See docs/faults.md for the fault model.

use bytes::Bytes;
use futures::StreamExt;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link};
use liudong_proto::pb;
use liudong_store::{Incoming, Source};
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
    outflows(TOWN_A, VILLAGE_A2, from..=to, 1_000_000)
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

/// Runs a command, failing the test if it takes more than 30 s.
fn output(cmd: &mut Command) -> std::process::Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("{cmd:?} did not finish within 30 s");
        }
    }
}

/// `liudong status --json` of a running node (through its admin service).
fn status(config: &Path) -> Option<serde_json::Value> {
    let out = output(
        Command::new(liudong_bin())
            .args(["status", "--json", "--config"])
            .arg(config),
    );
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
    assert_eq!(
        county.record_ids().unwrap(),
        want,
        "county holds exactly all"
    );
    assert_eq!(
        town.record_ids().unwrap(),
        want,
        "township holds exactly all"
    );
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
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
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
    let town_cfg = write_live_config(d, TOWN_A, (COUNTY_A, &proxy.url()), Some(free_port()), "");
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
            add(
                d,
                COUNTY_A,
                EXCHANGE,
                &down(n_down + 1, n_down + DOWN_PER_CYCLE),
            );
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
    wait_in_step(
        &county_cfg,
        &town_cfg,
        n_down + n_up,
        Duration::from_secs(120),
    );
    let (s, _) = town.terminate(Duration::from_secs(25));
    assert!(s.success(), "township exit {s}");
    let (s, _) = county.terminate(Duration::from_secs(25));
    assert!(s.success(), "county exit {s}");
    assert_converged(d, n_down, n_up);
    assert!(
        interrupted > 0,
        "no kill landed mid-sync; add records per cycle"
    );
    eprintln!(
        "seed {SEED:#x}: county killed {} times, township {} times, {interrupted} of {CYCLES} cycles mid-sync; {n_down} records down, {n_up} up, in step once each",
        kills.0, kills.1
    );
}

/// SIGTERM to both nodes in the middle of a large two-way sync: each exits 0
/// within the deadline, having finished or abandoned its current batch
/// cleanly (what it holds is exactly its peer's outbox up to its durable
/// cursor); the next start resumes and completes the sync.
#[test]
fn sigterm_mid_sync_exits_cleanly_and_resumes() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    // Large enough that an idle machine is still syncing when the SIGTERM
    // comes (a bound on the test, not a measurement).
    const N_DOWN: u64 = 40_000;
    const N_UP: u64 = 8_000;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let county_cfg = write_live_config(
        d,
        COUNTY_A,
        (EXCHANGE, "http://127.0.0.1:9"),
        Some(free_port()),
        "",
    );
    add(d, COUNTY_A, EXCHANGE, &down(1, N_DOWN));
    let mut county = NodeProcess::spawn(&county_cfg, &d.join("county.log"));
    let proxy = rt.block_on(Proxy::start(county.sync_addr(), 0, 0, 1));
    let town_cfg = write_live_config(d, TOWN_A, (COUNTY_A, &proxy.url()), Some(free_port()), "");
    add(d, TOWN_A, COUNTY_A, &up(1, N_UP));
    let mut town = NodeProcess::spawn(&town_cfg, &d.join("town.log"));
    // SIGTERM once records are moving (the township has pulled some).
    town.start_line();
    let t = Instant::now();
    while status(&town_cfg).is_none_or(|r| r["records"].as_u64() <= Some(N_UP)) {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the sync never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (ts, t_town) = town.terminate(Duration::from_secs(25));
    let (cs, t_county) = county.terminate(Duration::from_secs(25));
    assert!(ts.success() && cs.success(), "exit codes {ts} {cs}");
    {
        let county = open_store(d, COUNTY_A, EXCHANGE);
        let town = open_store(d, TOWN_A, COUNTY_A);
        let pulled = town.record_count() as u64 - N_UP;
        let pushed = county.record_count() as u64 - N_DOWN;
        let c_in = town
            .cursor(liudong_store::CursorDir::In, &Link::Parent)
            .unwrap();
        let t_in = county
            .cursor(liudong_store::CursorDir::In, &town_link())
            .unwrap();
        assert_eq!(
            pulled,
            county.pending(&town_link(), 0).unwrap() - county.pending(&town_link(), c_in).unwrap(),
            "the township holds exactly the county's outbox up to its cursor"
        );
        assert_eq!(
            pushed,
            town.pending(&Link::Parent, 0).unwrap() - town.pending(&Link::Parent, t_in).unwrap(),
            "the county holds exactly the township's outbox up to its cursor"
        );
        assert!(
            pulled < N_DOWN || pushed < N_UP,
            "SIGTERM came after the sync had finished; add records"
        );
        assert_no_duplicates(&county, "county after SIGTERM");
        assert_no_duplicates(&town, "township after SIGTERM");
        eprintln!(
            "SIGTERM mid-sync: township exited in {t_town:?} holding {pulled}/{N_DOWN} pulled, county in {t_county:?} holding {pushed}/{N_UP} pushed"
        );
    }
    let mut county = NodeProcess::spawn(&county_cfg, &d.join("county.log"));
    proxy.retarget(county.sync_addr());
    let mut town = NodeProcess::spawn(&town_cfg, &d.join("town.log"));
    wait_in_step(
        &county_cfg,
        &town_cfg,
        N_DOWN + N_UP,
        Duration::from_secs(120),
    );
    let (ts, _) = town.terminate(Duration::from_secs(25));
    let (cs, _) = county.terminate(Duration::from_secs(25));
    assert!(ts.success() && cs.success(), "exit codes {ts} {cs}");
    assert_converged(d, N_DOWN, N_UP);
}

/// A lossy link: a proxy between a township and its county drops, stalls,
/// delays and truncates the first connections at seeded random points. The
/// sync still completes both ways, the fingerprints match, and nothing is
/// stored twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_links_sync_completes_and_fingerprints_match() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    const SEED: u64 = 0x11_0c;
    const FAULTY: u64 = 24;
    const N_DOWN: u64 = 6000;
    const N_UP: u64 = 2000;
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &[(EXCHANGE, None), (COUNTY_A, Some(EXCHANGE))]).await;
    let county = topo.node(COUNTY_A).node.clone();
    for chunk in down(1, N_DOWN).chunks(1000) {
        county
            .store()
            .apply(chunk, &Source::Detached, None, true)
            .unwrap();
    }
    let proxy = Proxy::start(
        topo.node(COUNTY_A).sync_addr.unwrap(),
        SEED,
        FAULTY,
        120_000,
    )
    .await;
    {
        let s = open_store_at(&dir.path().join(TOWN_A), TOWN_A, COUNTY_A);
        s.apply(&up(1, N_UP), &Source::Detached, None, true)
            .unwrap();
    }
    let mut cfg = liudong_testkit::demo::local_config(
        TOWN_A,
        Some((COUNTY_A, proxy.url())),
        dir.path().join(TOWN_A),
        true,
    )
    .unwrap();
    cfg.sync.idle_timeout = Duration::from_secs(2);
    cfg.net.keepalive = Duration::from_secs(1);
    cfg.net.connect_timeout = Duration::from_secs(2);
    cfg.link.backoff_min = Duration::from_millis(50);
    cfg.link.backoff_max = Duration::from_millis(500);
    cfg.verify.interval = None;
    let town = liudong_testkit::start_node(cfg).await.unwrap();
    let t = Instant::now();
    loop {
        let (c, w) = (
            county.store().fingerprint(&town_link()).unwrap(),
            town.node.store().fingerprint(&Link::Parent).unwrap(),
        );
        if c == w && c.count == N_DOWN + N_UP {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "not in step after 120 s: county {}, township {}; proxy {:?}",
            c.hex(),
            w.hex(),
            proxy.stats
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = &proxy.stats;
    eprintln!(
        "seed {SEED:#x}: in step after {:?}; proxy: {s:?}",
        t.elapsed()
    );
    assert!(
        s.broken() >= 5,
        "the proxy broke too few connections: {s:?}"
    );
    assert_eq!(county.store().record_count() as u64, N_DOWN + N_UP);
    assert_eq!(town.node.store().record_count() as u64, N_DOWN + N_UP);
    assert_no_duplicates(county.store(), "county");
    assert_no_duplicates(town.node.store(), "township");
    town.shutdown(Duration::from_secs(10)).await.unwrap();
    topo.shutdown().await.unwrap();
}

/// Pushes batches of `per` fresh village records on one raw session until the
/// server ends it; returns the acknowledged cursors and the final status.
async fn push_until_refused(
    addr: std::net::SocketAddr,
    first_seq: u64,
    batches: u64,
    per: u64,
) -> (Vec<u64>, tonic::Status) {
    let mut client = match pb::sync_client::SyncClient::connect(format!("http://{addr}")).await {
        Ok(c) => c,
        Err(e) => return (Vec::new(), tonic::Status::unavailable(e.to_string())),
    };
    let (tx, rx) = mpsc::channel(4);
    let frame = |f| pb::ClientFrame { frame: Some(f) };
    tx.send(frame(pb::client_frame::Frame::Hello(pb::Hello {
        protocol: 1,
        node: VILLAGE_A1.into(),
        pull_cursor: u64::MAX,
        live: false,
        max_batch: 500,
        ..Default::default()
    })))
    .await
    .unwrap();
    let mut inbound = match client.session(ReceiverStream::new(rx)).await {
        Ok(r) => r.into_inner(),
        Err(s) => return (Vec::new(), s),
    };
    let now = liudong_sync::system_clock()();
    let mut acks = Vec::new();
    let mut next = first_seq;
    for _ in 0..batches {
        let records: Vec<Bytes> = (next..next + per)
            .map(|seq| {
                let r = test_record(VILLAGE_A1, seq, seq, VILLAGE_A1, None, outflow_body());
                let mut r = liudong_proto::record_to_pb(&r);
                r.hlc = liudong_core::Hlc::new(now - 1000, 0).0;
                Bytes::from(r.encode_to_vec())
            })
            .collect();
        next += per;
        let cursor = next - 1;
        let sent = tx
            .send(frame(pb::client_frame::Frame::Push(pb::Batch {
                records,
                cursor,
                drained: false,
                ..Default::default()
            })))
            .await;
        if sent.is_err() {
            // The server ended the session: report its status.
            while let Some(item) = inbound.next().await {
                if let Err(s) = item {
                    return (acks, s);
                }
            }
            return (acks, tonic::Status::ok("ended"));
        }
        // One batch at a time: wait for its ack or the end.
        loop {
            let item = tokio::time::timeout(Duration::from_secs(30), inbound.next())
                .await
                .expect("the node answers a pushed batch within 30 s");
            match item {
                Some(Ok(pb::ServerFrame {
                    frame: Some(pb::server_frame::Frame::PushAck(a)),
                })) => {
                    acks.push(a.cursor);
                    break;
                }
                Some(Ok(_)) => continue,
                Some(Err(s)) => return (acks, s),
                None => return (acks, tonic::Status::ok("ended")),
            }
        }
    }
    (acks, tonic::Status::ok("all acknowledged"))
}

/// A data directory that cannot take more writes (a real `liudong serve`
/// process whose file size limit, `ulimit -f`, stands in for a full disk):
/// the node refuses records with UNAVAILABLE and a clear message, and every
/// batch it acknowledged is on disk after a restart without the limit.
#[test]
fn full_disk_refuses_records_and_never_acknowledges_what_it_did_not_store() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    const LIMIT_KB: u64 = 3072;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write_live_config(
        d,
        TOWN_A,
        (COUNTY_A, "http://127.0.0.1:9"),
        Some(free_port()),
        "",
    );
    let mut cmd = Command::new("sh");
    // The shell ignores SIGXFSZ (so a write past the limit fails with EFBIG
    // instead of killing the process) and execs the node under the limit.
    cmd.arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
            LIMIT_KB * 2
        ))
        .arg(liudong_bin())
        // Its refusals are asserted in English below.
        .env("LIUDONG_LANG", "en");
    let mut town = NodeProcess::spawn_with(cmd, &cfg, &d.join("town.log"));
    let addr = town.sync_addr();
    let (acks, refusal) = rt.block_on(push_until_refused(addr, 1, 400, 200));
    eprintln!(
        "{} batches acknowledged, then {:?}: {}",
        acks.len(),
        refusal.code(),
        refusal.message()
    );
    assert!(!acks.is_empty(), "the store took some records first");
    assert_eq!(refusal.code(), tonic::Code::Unavailable, "{refusal:?}");
    assert!(
        refusal.message().contains("store I/O error") && refusal.message().contains("free space"),
        "{}",
        refusal.message()
    );
    let acked_upto = *acks.last().unwrap();
    // It keeps refusing: a new session is not acknowledged either.
    let (again, refusal) = rt.block_on(push_until_refused(addr, acked_upto + 1, 1, 10));
    assert!(
        again.is_empty(),
        "acknowledged after the disk filled: {again:?}"
    );
    assert_ne!(refusal.code(), tonic::Code::Ok, "{refusal:?}");
    eprintln!("next session: {:?}: {}", refusal.code(), refusal.message());
    // An operator's write is refused too, and status says why.
    let subject = person(7, VILLAGE_A1);
    let out = output(
        Command::new(liudong_bin())
            .args(["--lang", "en", "record", "add", "--config"])
            .arg(&cfg)
            .arg("--json")
            .arg(format!(
                r#"{{"operator":"c","subject":"{}","origin":"{VILLAGE_A1}","body":{{"returned":{{"return_date":"2026-01-01"}}}}}}"#,
                subject.as_str()
            )),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "record add succeeded on a full disk");
    assert!(err.contains("store I/O error"), "{err}");
    let out = output(
        Command::new(liudong_bin())
            .args(["--lang", "en", "status", "--config"])
            .arg(&cfg),
    );
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("STORE CANNOT WRITE"), "{text}");
    // The standard health service says so too (checked once a second).
    let status = rt.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
        let mut last = 0;
        for _ in 0..50 {
            last = health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: "liudong.v1.Sync".into(),
                })
                .await
                .unwrap()
                .into_inner()
                .status;
            if last != tonic_health::pb::health_check_response::ServingStatus::Serving as i32 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    });
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::NotServing as i32
    );
    // SIGTERM: it exits promptly, saying why it could not flush.
    let (exit, took) = town.terminate(Duration::from_secs(25));
    assert!(!exit.success(), "a node whose store failed exits non-zero");
    let log = std::fs::read_to_string(&town.log).unwrap();
    assert!(log.contains("stopped without a final flush"), "{log}");
    eprintln!("SIGTERM after the disk filled: exit {exit} after {took:?}");
    // Without the limit: every acknowledged record is there.
    let store = open_store(d, TOWN_A, COUNTY_A);
    for seq in 1..=acked_upto {
        let id = liudong_core::RecordId {
            node: Code::parse(VILLAGE_A1).unwrap(),
            seq,
        };
        assert!(
            store.get(&id).unwrap().is_some(),
            "acknowledged record {id} is missing"
        );
    }
    let cursor = store
        .cursor(
            liudong_store::CursorDir::In,
            &Link::Child(Code::parse(VILLAGE_A1).unwrap()),
        )
        .unwrap();
    assert!(
        cursor >= acked_upto,
        "durable cursor {cursor} < acknowledged {acked_upto}"
    );
    assert_no_duplicates(&store, "after the disk filled");
}
