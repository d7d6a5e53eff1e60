//! `liudong bench`: the benchmark suite (docs/performance.md).
//!
//! Invariants: every ratio is taken against a baseline measured in the same
//! run on the same records; the production code paths are measured (nothing
//! turned off); `--smoke` runs every scenario at tiny sizes in the tests
//! (scenario 6 starts a three-server `nats-server` cluster: it needs the
//! binary on PATH, as `scripts/setup-test.sh` installs it; scenario 8 runs
//! the PouchDB peer under Node.js from `.tools/pouchdb/`, as
//! `scripts/setup-bench.sh` installs it; scenario 9 starts real `liudong
//! serve` processes, a hub and up to 170 villages).
//!
//! Real nodes (the embedded store on disk, gRPC on loopback through a byte-counting TCP
//! proxy, the production code paths) on synthetic records shaped like real
//! ones (real division codes, valid citizen IDs, ~300 encoded bytes). Every
//! scenario reports the median of several runs and, where the issue asks for
//! one, a ratio against a baseline measured in the same run.

use anyhow::{Context, Result, bail, ensure};
use liudong_core::divisions;
use liudong_core::record::*;
use liudong_core::synth::{self, SynthRng};
use liudong_core::{Code, Date, Hlc, NodeScope, Record, RecordId};
use liudong_net::{GrpcConnector, NetOptions};
use liudong_store::{Incoming, Source, Store, StoreOptions};
use liudong_sync::{Connect, Node, SyncConfig, run_client_session, system_clock};
use liudong_testkit::demo::{self, Topology};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

mod exchange;
mod fanin;
mod peer;

/// Sizes of a bench run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchOptions {
    /// Records on the hub for the initial sync and the large incremental case.
    pub records: u64,
    /// Records on the small hub of the incremental case.
    pub small_records: u64,
    /// New records spread over the villages in the fan-out case.
    pub fanout_records: u64,
    /// County whose townships and villages form the fan-out case.
    pub fanout_county: String,
    /// Samples for the cross-county latency.
    pub latency_samples: usize,
    /// Runs per scenario (the median is reported).
    pub runs: usize,
    /// zstd level of every store in the run (0 = uncompressed), as `store.compression`.
    pub compression: i32,
    /// Crossing records sent county → exchange → county in the exchange
    /// cases: transports (gRPC exchange node vs JetStream) and sealed vs clear.
    pub exchange_records: u64,
    /// Records replicated in the PouchDB peer case (the first of those
    /// scenario 1 sends: the same generator and seed), each way of syncing.
    pub peer_records: u64,
    /// Numbers of village processes syncing with one hub in the fan-in case
    /// (at most 170, the most villages of one township in the table).
    pub fanin_nodes: Vec<usize>,
    /// Seconds of each fan-in measurement window.
    pub fanin_secs: u64,
}

impl BenchOptions {
    fn store_options(&self) -> StoreOptions {
        StoreOptions {
            compression: Some(self.compression).filter(|&l| l > 0),
            ..StoreOptions::default()
        }
    }

    pub fn full() -> BenchOptions {
        BenchOptions {
            records: 1_000_000,
            small_records: 10_000,
            fanout_records: 100_000,
            fanout_county: "410621".into(),
            latency_samples: 50,
            runs: 3,
            compression: 3,
            exchange_records: 20_000,
            peer_records: 100_000,
            fanin_nodes: vec![10, 50, 100, 170],
            fanin_secs: 20,
        }
    }

    pub fn smoke() -> BenchOptions {
        BenchOptions {
            records: 2_000,
            small_records: 500,
            fanout_records: 2_000,
            fanout_county: "410602".into(),
            latency_samples: 5,
            runs: 1,
            compression: 3,
            exchange_records: 1_000,
            peer_records: 1_000,
            fanin_nodes: vec![3],
            fanin_secs: 4,
        }
    }
}

/// One scenario's measurements (medians).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Measure {
    pub scenario: String,
    pub wall_ms: f64,
    pub records: u64,
    pub records_per_s: f64,
    pub wire_bytes: u64,
    pub peak_rss_mb: f64,
    pub disk_mb: f64,
    /// Scenario-specific figures (baseline rates, ratios, targets).
    pub notes: Vec<(String, String)>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

// ---- process measurements -------------------------------------------------

fn proc_status_kb(pid: Option<u32>, field: &str) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".into(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resets the peak-RSS mark of this process (Linux `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> f64 {
    proc_status_kb(None, "VmHWM:").unwrap_or(0) as f64 / 1024.0
}

fn dir_size(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                dir_size(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}

// ---- a byte-counting TCP proxy ----------------------------------------------

/// Forwards 127.0.0.1:<port> to `target`, counting bytes both ways.
struct Proxy {
    addr: std::net::SocketAddr,
    bytes: Arc<AtomicU64>,
    cancel: CancellationToken,
}

impl Proxy {
    async fn start(target: std::net::SocketAddr) -> Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let bytes = Arc::new(AtomicU64::new(0));
        let cancel = CancellationToken::new();
        let (b, c) = (bytes.clone(), cancel.clone());
        let tasks = TaskTracker::new();
        let conns = tasks.clone();
        tasks.spawn(async move {
            loop {
                let (inbound, _) = tokio::select! {
                    _ = c.cancelled() => return,
                    r = listener.accept() => match r { Ok(x) => x, Err(_) => return },
                };
                let b = b.clone();
                conns.spawn(async move {
                    let _ = inbound.set_nodelay(true);
                    if let Ok(out) = TcpStream::connect(target).await {
                        let _ = out.set_nodelay(true);
                        let (ri, wi) = inbound.into_split();
                        let (ro, wo) = out.into_split();
                        tokio::join!(pump(ri, wo, b.clone()), pump(ro, wi, b));
                    }
                });
            }
        });
        Ok(Proxy {
            addr,
            bytes,
            cancel,
        })
    }

    fn take(&self) -> u64 {
        self.bytes.swap(0, Ordering::Relaxed)
    }
}

/// Copies one direction, counting bytes as they pass.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bytes: Arc<AtomicU64>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                bytes.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

// ---- synthetic records ------------------------------------------------------

/// Generates `n` records about people of the villages under `township`, about
/// four records a person, shaped like real ones (~300 encoded bytes).
pub fn gen_records(n: u64, seed: u64, township: &str, first_seq: u64) -> Result<Vec<Record>> {
    let villages: Vec<String> = divisions::table()
        .children(township)
        .iter()
        .map(|s| s.to_string())
        .collect();
    ensure!(
        !villages.is_empty(),
        "township {township} has no villages in the division table"
    );
    let residences = [
        "440306018001",
        "440306018002",
        "330106002051",
        "320583101001",
    ];
    let mut rng = SynthRng::new(seed);
    let now = system_clock()() - 86_400_000;
    let today = Date::from_unix_ms(now);
    let mut out = Vec::with_capacity(n as usize);
    let mut seqs = std::collections::HashMap::<String, u64>::new();
    while (out.len() as u64) < n {
        let village = rng.pick(&villages).clone();
        let birth = synth::birth_date(&mut rng, today, 18, 49);
        let sex = if rng.chance(0.5) {
            Sex::Female
        } else {
            Sex::Male
        };
        let subject = synth::citizen_id(&mut rng, &township[..6], birth, sex);
        let name = synth::name(&mut rng);
        let residence = Code::parse(rng.pick::<&str>(&residences))?;
        let bodies = [
            (
                None,
                Body::PersonRegistered(PersonRegistered {
                    name,
                    sex,
                    birth_date: birth,
                    marital_status: MaritalStatus::Married,
                    hukou: HukouType::Agricultural,
                    household: format!(
                        "{village}-户{:04}（{}村民小组）",
                        rng.below(3000),
                        rng.below(12) + 1
                    ),
                    phone: format!("13{:09}", rng.below(1_000_000_000)),
                }),
            ),
            (
                Some(residence.clone()),
                Body::OutflowRegistered(OutflowRegistered {
                    leave_date: today.add_days(-(rng.below(300) as i64) - 30),
                    purpose: Purpose::Work,
                    expected_months: 12,
                }),
            ),
            (
                Some(residence.clone()),
                Body::InflowRegistered(InflowRegistered {
                    arrival_date: today.add_days(-(rng.below(20) as i64)),
                    address: format!(
                        "广东省深圳市宝安区西乡街道固戍社区第{}工业园{}栋{}室",
                        rng.below(9),
                        rng.below(40),
                        rng.below(900)
                    ),
                    employer: "深圳市宝安区某某电子科技有限公司（装配车间）".into(),
                    certificate_number: Some(format!(
                        "豫鹤{}-{:06}",
                        today.year,
                        rng.below(999_999)
                    )),
                }),
            ),
            (
                Some(residence),
                Body::CheckReported(CheckReported {
                    quarter: today.quarter(),
                    check_date: today.add_days(-(rng.below(20) as i64)),
                    result: CheckResult::Normal,
                }),
            ),
        ];
        for (res, body) in bodies {
            if out.len() as u64 >= n {
                break;
            }
            let seq = seqs.entry(village.clone()).or_insert(first_seq);
            *seq += 1;
            out.push(Record {
                id: RecordId {
                    node: Code::parse(&village)?,
                    seq: *seq,
                },
                hlc: Hlc::new(now + out.len() as u64 / 16, (out.len() % 16) as u16),
                operator: format!("{village}-计生专干-{:02}", rng.below(4)),
                subject: subject.clone(),
                origin: Code::parse(&village)?,
                residence: res,
                body,
            });
        }
    }
    Ok(out)
}

fn scope(code: &str, parent: Option<&str>) -> Result<(NodeScope, Option<NodeScope>)> {
    let s = NodeScope::for_code(Code::parse(code)?)?;
    let p = parent
        .map(|p| s.parent(&Code::parse(p).expect("valid")))
        .transpose()?;
    Ok((s, p))
}

fn open(
    dir: &Path,
    code: &str,
    parent: Option<&str>,
    cache_mb: u64,
    o: &BenchOptions,
) -> Result<Arc<Store>> {
    let (s, p) = scope(code, parent)?;
    let opts = StoreOptions {
        cache_bytes: cache_mb << 20,
        ..o.store_options()
    };
    Ok(Arc::new(Store::open(dir, s, p, &opts)?))
}

/// Loads records into a hub's store as if received from its children, and
/// brings its views up to date, as on a hub in steady state (not timed).
fn load(store: &Store, items: &[Incoming]) -> Result<()> {
    for chunk in items.chunks(5_000) {
        store.apply(chunk, &Source::Detached, None, false)?;
    }
    store.catch_up()?;
    store.flush()?;
    Ok(())
}

/// A hub serving on loopback, reached through a counting proxy.
struct Hub {
    node: Arc<Node>,
    proxy: Proxy,
    cancel: CancellationToken,
}

impl Hub {
    async fn start(store: Arc<Store>) -> Result<Hub> {
        Hub::start_with(store, NetOptions::default()).await
    }

    /// As [`Hub::start`], serving with `net` (e.g. mutual TLS).
    async fn start_with(store: Arc<Store>, net: NetOptions) -> Result<Hub> {
        let node = Node::new(store, SyncConfig::default(), system_clock());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let cancel = CancellationToken::new();
        let (n, c) = (node.clone(), cancel.clone());
        node.spawn(async move { liudong_net::serve_sync(listener, n, net, c).await });
        let proxy = Proxy::start(addr).await?;
        Ok(Hub {
            node,
            proxy,
            cancel,
        })
    }

    fn url(&self) -> String {
        format!("http://{}", self.proxy.addr)
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// One one-shot session of `child` with the hub; returns (elapsed, records received).
async fn session(child: &Arc<Node>, hub_url: &str) -> Result<(Duration, u64)> {
    session_with(child, hub_url, NetOptions::default()).await
}

/// As [`session`], dialling with `net` (e.g. mutual TLS).
async fn session_with(
    child: &Arc<Node>,
    hub_url: &str,
    net: NetOptions,
) -> Result<(Duration, u64)> {
    let parent = child
        .store()
        .parent()
        .context("child has no parent")?
        .clone();
    let connector = GrpcConnector::new(hub_url, net)?;
    let t = Instant::now();
    let s = run_client_session(
        child.clone(),
        &parent,
        false,
        |rx| connector.open(rx),
        CancellationToken::new(),
    )
    .await?;
    Ok((t.elapsed(), s.received))
}

// ---- scenarios --------------------------------------------------------------

const COUNTY: &str = "410602";
const TOWNSHIP: &str = "410602100";

/// 1 and 2: initial sync against the raw reference, then incremental syncs.
async fn initial_and_incremental(o: &BenchOptions, work: &Path) -> Result<Vec<Measure>> {
    println!("generating {} records …", o.records);
    let records = gen_records(o.records, 1, TOWNSHIP, 0)?;
    let items: Vec<Incoming> = records.into_iter().map(Incoming::new).collect();
    let avg = items.iter().map(|i| i.bytes.len()).sum::<usize>() as f64 / items.len() as f64;
    let raw_items: Vec<(Vec<u8>, Vec<u8>)> = items
        .iter()
        .map(|i| (liudong_store::keys::id(&i.record.id), i.bytes.clone()))
        .collect();
    let batch = SyncConfig::default().max_batch;

    let (mut sync_rate, mut raw_rate, mut wall, mut wire, mut rss, mut disk) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut apply_rate, mut read_rate, mut check_rate, mut index_ms) =
        (vec![], vec![], vec![], vec![]);
    let mut raw_disk = vec![];
    let mut receiver_cpu: Vec<(f64, f64)> = vec![];
    let mut layout = String::new();
    let (mut inc_small, mut inc_large, mut inc_bytes_small, mut inc_bytes_large) =
        (vec![], vec![], vec![], vec![]);
    for run in 0..o.runs {
        let dir = work.join(format!("initial-{run}"));
        // Raw batch insert into the storage engine of the same records (the physical reference).
        let t = Instant::now();
        liudong_store::raw_batch_insert(
            &dir.join("raw"),
            &raw_items,
            batch,
            &StoreOptions {
                cache_bytes: 32 << 20,
                ..o.store_options()
            },
        )?;
        raw_rate.push(items.len() as f64 / t.elapsed().as_secs_f64());
        raw_disk.push(dir_size(&dir.join("raw")) as f64);

        // Diagnostics: the receiver's apply path alone, and the hub's outbox reads alone.
        let probe = open(&dir.join("probe"), TOWNSHIP, Some(COUNTY), 32, o)?;
        let (t, cpu) = (Instant::now(), process_cpu_s());
        for chunk in items.chunks(batch) {
            probe.apply(chunk, &Source::Peer(liudong_core::Link::Parent), None, true)?;
        }
        apply_rate.push(items.len() as f64 / t.elapsed().as_secs_f64());
        // The receiver's CPU per record: the apply above, then the views.
        let apply_cpu = process_cpu_s() - cpu;
        let cpu = process_cpu_s();
        probe.catch_up()?;
        let view_cpu = process_cpu_s() - cpu;
        receiver_cpu.push((apply_cpu, view_cpu));
        let checker = Node::new(probe.clone(), SyncConfig::default(), system_clock());
        let t = Instant::now();
        for chunk in items.chunks(batch) {
            let b = liudong_sync::Batch {
                records: chunk.iter().map(|i| i.bytes.clone().into()).collect(),
                cursor: 0,
                drained: false,
                ..Default::default()
            };
            checker.admit(&liudong_core::Link::Parent, &b)?;
        }
        check_rate.push(items.len() as f64 / t.elapsed().as_secs_f64());
        drop(checker);
        drop(probe);
        let county = open(&dir.join("county"), COUNTY, Some("CN"), 128, o)?;
        load(&county, &items)?;
        let t = Instant::now();
        let mut cursor = 0;
        let town_link = liudong_core::Link::Child(Code::parse(TOWNSHIP)?);
        loop {
            let page = county.outbox(&town_link, cursor, batch, 1 << 20)?;
            cursor = page.cursor;
            if page.drained {
                break;
            }
        }
        read_rate.push(items.len() as f64 / t.elapsed().as_secs_f64());
        let hub = Hub::start(county).await?;
        let town = Node::new(
            open(&dir.join("town"), TOWNSHIP, Some(COUNTY), 32, o)?,
            SyncConfig::default(),
            system_clock(),
        );
        reset_peak_rss();
        let (elapsed, received) = session(&town, &hub.url()).await?;
        ensure!(
            received == o.records,
            "initial sync received {received} of {} records",
            o.records
        );
        wall.push(elapsed.as_secs_f64() * 1000.0);
        sync_rate.push(received as f64 / elapsed.as_secs_f64());
        wire.push(hub.proxy.take() as f64);
        rss.push(peak_rss_mb());
        // Views are indexed off the acknowledgement path; wait for them (and
        // report how long after the sync they were complete).
        let t = Instant::now();
        let st = town.store().clone();
        tokio::task::spawn_blocking(move || st.catch_up()).await??;
        index_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        town.store().flush()?;
        disk.push(dir_size(&dir.join("town")) as f64);
        let by_prefix = town.store().logical_bytes_by_prefix()?;
        layout = by_prefix
            .iter()
            .map(|(tag, bytes)| format!("{tag} {:.0}", *bytes as f64 / o.records as f64))
            .collect::<Vec<_>>()
            .join(" · ");

        // Incremental: 10 new records on this large hub, and on a small one.
        incremental(&hub, &town, run, &mut inc_large, &mut inc_bytes_large).await?;
        drop(hub);
        let small_county = open(&dir.join("county-small"), COUNTY, Some("CN"), 128, o)?;
        load(
            &small_county,
            &items[..(o.small_records as usize).min(items.len())],
        )?;
        let small = Hub::start(small_county).await?;
        let small_town = Node::new(
            open(&dir.join("town-small"), TOWNSHIP, Some(COUNTY), 32, o)?,
            SyncConfig::default(),
            system_clock(),
        );
        session(&small_town, &small.url()).await?;
        small_town.store().catch_up()?;
        incremental(
            &small,
            &small_town,
            run,
            &mut inc_small,
            &mut inc_bytes_small,
        )
        .await?;
        drop(small);
        std::fs::remove_dir_all(&dir).ok();
    }
    let (sync_r, raw_r) = (median(sync_rate), median(raw_rate));
    let (small_ms, large_ms) = (median(inc_small), median(inc_large));
    Ok(vec![
        Measure {
            scenario: "1 initial sync".into(),
            wall_ms: median(wall),
            records: o.records,
            records_per_s: sync_r,
            wire_bytes: median(wire) as u64,
            peak_rss_mb: median(rss),
            disk_mb: median(disk.clone()) / 1e6,
            notes: vec![
                (
                    "raw engine batch insert rec/s".into(),
                    format!("{raw_r:.0}"),
                ),
                (
                    "sync / raw".into(),
                    format!("{:.2} (target ≥ 0.80)", sync_r / raw_r),
                ),
                (
                    "receiver apply alone rec/s".into(),
                    format!("{:.0}", median(apply_rate)),
                ),
                (
                    "receiver CPU µs per record, apply + views (target ≤ 60)".into(),
                    {
                        let us = |f: fn(&(f64, f64)) -> f64| {
                            median(receiver_cpu.iter().map(f).collect()) * 1e6 / o.records as f64
                        };
                        let (a, v) = (us(|c| c.0), us(|c| c.1));
                        format!("{:.0} ({a:.0} + {v:.0})", a + v)
                    },
                ),
                (
                    "hub outbox read alone rec/s".into(),
                    format!("{:.0}", median(read_rate)),
                ),
                (
                    "receiver decode+validate alone rec/s".into(),
                    format!("{:.0}", median(check_rate)),
                ),
                (
                    "views complete after sync ms".into(),
                    format!("{:.0}", median(index_ms)),
                ),
                ("avg encoded record bytes".into(), format!("{avg:.0}")),
                (
                    "disk bytes per record / encoded".into(),
                    format!(
                        "{:.2} (target ≤ 2.5)",
                        median(disk) / o.records as f64 / avg
                    ),
                ),
                (
                    "raw engine disk bytes per record / encoded".into(),
                    format!("{:.2}", median(raw_disk) / o.records as f64 / avg),
                ),
                (
                    "store bytes per record by key prefix (before the engine)".into(),
                    layout,
                ),
            ],
        },
        Measure {
            scenario: "2 incremental sync".into(),
            wall_ms: large_ms,
            records: 10,
            records_per_s: 10.0 / (large_ms / 1000.0),
            wire_bytes: median(inc_bytes_large.clone()) as u64,
            notes: vec![
                (
                    format!("latency ms, hub {} records", o.small_records),
                    format!("{small_ms:.1}"),
                ),
                (
                    format!("latency ms, hub {} records", o.records),
                    format!("{large_ms:.1} (target ≤ 20)"),
                ),
                (
                    "large / small".into(),
                    format!("{:.2} (target ≤ 1.5)", large_ms / small_ms),
                ),
                (
                    "wire bytes small / large".into(),
                    format!(
                        "{} / {}",
                        median(inc_bytes_small) as u64,
                        median(inc_bytes_large) as u64
                    ),
                ),
            ],
            ..Measure::default()
        },
    ])
}

/// Sessions measured per run of the incremental case (each brings 10 new records).
const INCREMENTAL_SAMPLES: u64 = 20;

/// The incremental case: 10 new records on `hub`, one session of `child`;
/// repeated [`INCREMENTAL_SAMPLES`] times, every latency and byte count kept.
async fn incremental(
    hub: &Hub,
    child: &Arc<Node>,
    run: usize,
    latency_ms: &mut Vec<f64>,
    bytes: &mut Vec<f64>,
) -> Result<()> {
    for i in 0..INCREMENTAL_SAMPLES {
        let first_seq = 10_000_000 + 100 * (run as u64 * INCREMENTAL_SAMPLES + i);
        let fresh: Vec<Incoming> = gen_records(10, 1000 + first_seq, TOWNSHIP, first_seq)?
            .into_iter()
            .map(Incoming::new)
            .collect();
        load(hub.node.store(), &fresh)?;
        hub.proxy.take();
        let (d, n) = session(child, &hub.url()).await?;
        ensure!(n == 10, "incremental sync received {n} of 10 records");
        latency_ms.push(d.as_secs_f64() * 1000.0);
        bytes.push(hub.proxy.take() as f64);
    }
    Ok(())
}

/// 3: a county hub, its townships and all their villages; new records spread
/// over the villages; every township and village syncs.
async fn fanout(o: &BenchOptions, work: &Path) -> Result<Measure> {
    let county = o.fanout_county.as_str();
    let towns: Vec<String> = divisions::table()
        .children(county)
        .iter()
        .map(|s| s.to_string())
        .collect();
    let villages: Vec<(String, String)> = towns
        .iter()
        .flat_map(|t| {
            divisions::table()
                .children(t)
                .into_iter()
                .map(move |v| (t.clone(), v.to_string()))
        })
        .collect();
    ensure!(!villages.is_empty(), "county {county} has no villages");
    let per_town = (o.fanout_records / towns.len() as u64).max(1);
    // Written at the county (a village refuses a record in its own name
    // that it does not hold, so the villages cannot be named as authors of
    // records they are sent).
    let author = Code::parse(county)?;
    let mut items = Vec::new();
    for (i, t) in towns.iter().enumerate() {
        if divisions::table().children(t).is_empty() {
            continue;
        }
        for mut r in gen_records(per_town, 77 + i as u64, t, 0)? {
            r.id = RecordId {
                node: author.clone(),
                seq: items.len() as u64 + 1,
            };
            items.push(Incoming::new(r));
        }
    }
    let (mut walls, mut ratios) = (vec![], vec![]);
    let mut sent_total = 0;
    for run in 0..o.runs {
        let dir = work.join(format!("fanout-{run}"));
        let hub_store = open(&dir.join(county), county, Some("CN"), 128, o)?;
        load(&hub_store, &items)?;
        let hub = Hub::start(hub_store).await?;
        let t = Instant::now();
        let read_before = hub
            .node
            .store()
            .counters()
            .outbox_read
            .load(Ordering::Relaxed);
        let mut sent = 0u64;
        let mut town_reads = 0u64;
        let mut town_sent = 0u64;
        for town in &towns {
            let tstore = open(&dir.join(town), town, Some(county), 16, o)?;
            let tnode = Node::new(tstore, SyncConfig::default(), system_clock());
            let (_, n) = session(&tnode, &hub.url()).await?;
            sent += n;
            let thub = Hub::start(tnode.store().clone()).await?;
            let before = thub
                .node
                .store()
                .counters()
                .outbox_read
                .load(Ordering::Relaxed);
            // Villages of this township, eight at a time.
            let vs: Vec<&String> = villages
                .iter()
                .filter(|(t, _)| t == town)
                .map(|(_, v)| v)
                .collect();
            for group in vs.chunks(8) {
                let mut tasks = tokio::task::JoinSet::new();
                for v in group {
                    let vstore = open(&dir.join(v.as_str()), v, Some(town), 1, o)?;
                    let vnode = Node::new(vstore, SyncConfig::default(), system_clock());
                    let url = thub.url();
                    tasks.spawn(async move { session(&vnode, &url).await });
                }
                while let Some(t) = tasks.join_next().await {
                    town_sent += t??.1;
                }
            }
            town_reads += thub
                .node
                .store()
                .counters()
                .outbox_read
                .load(Ordering::Relaxed)
                - before;
        }
        let hub_reads = hub
            .node
            .store()
            .counters()
            .outbox_read
            .load(Ordering::Relaxed)
            - read_before;
        walls.push(t.elapsed().as_secs_f64() * 1000.0);
        ensure!(
            town_sent == items.len() as u64,
            "villages received {town_sent} of {} records",
            items.len()
        );
        ratios.push((hub_reads + town_reads) as f64 / (sent + town_sent) as f64);
        sent_total = sent + town_sent;
        drop(hub);
        std::fs::remove_dir_all(&dir).ok();
    }
    let wall = median(walls);
    Ok(Measure {
        scenario: "3 fan-out".into(),
        wall_ms: wall,
        records: items.len() as u64,
        records_per_s: sent_total as f64 / (wall / 1000.0),
        notes: vec![
            (
                "county / townships / villages".into(),
                format!("{county} / {} / {}", towns.len(), villages.len()),
            ),
            (
                "records read / records sent by hubs".into(),
                format!("{:.3} (target ≈ 1)", median(ratios)),
            ),
        ],
        ..Measure::default()
    })
}

/// 4: time from writing an inflow at a village of county B until it is stored
/// at the origin village in county A, through live links (five hops), every
/// link over mutual TLS as deployed.
async fn cross_county(o: &BenchOptions, work: &Path) -> Result<Measure> {
    let dir = work.join("latency");
    let pki = liudong_testkit::demo_tls::DemoPki::create(&dir, &demo::DEMO_NODES)?;
    let topo = Topology::start_with(&dir, &demo::DEMO_NODES, true, Some(&pki), |c| {
        c.store.compression = o.store_options().compression
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut lat = Vec::new();
    let today = Date::from_unix_ms(system_clock()());
    for i in 0..o.latency_samples {
        let mut rng = SynthRng::new(500 + i as u64);
        let birth = synth::birth_date(&mut rng, today, 20, 40);
        let subject = synth::citizen_id(&mut rng, COUNTY, birth, Sex::Female);
        let draft = liudong_store::Draft {
            operator: "bench".into(),
            subject,
            origin: Some(Code::parse(demo::VILLAGE_A1)?),
            residence: Some(Code::parse(demo::VILLAGE_B1)?),
            body: Body::InflowRegistered(InflowRegistered {
                arrival_date: today,
                address: "西乡街道".into(),
                employer: String::new(),
                certificate_number: None,
            }),
        };
        let t = Instant::now();
        let r = topo.write(demo::VILLAGE_B1, draft).await?;
        let origin = topo.node(demo::VILLAGE_A1).node.store().clone();
        while origin.get_bytes(&r.id)?.is_none() {
            if t.elapsed() > Duration::from_secs(10) {
                bail!("record {} did not reach {} in 10 s", r.id, demo::VILLAGE_A1);
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    topo.shutdown().await?;
    let mut sorted = lat.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p90 = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
    let med = median(lat);
    Ok(Measure {
        scenario: "4 cross-county latency".into(),
        wall_ms: med,
        records: o.latency_samples as u64,
        notes: vec![
            (
                "median ms (5 hops)".into(),
                format!("{med:.1} (target ≤ 100)"),
            ),
            ("p90 ms".into(), format!("{p90:.1}")),
        ],
        ..Measure::default()
    })
}

/// 5: RSS of real `liudong serve` processes: an idle village, and a county
/// hub holding `records` records.
async fn footprint(o: &BenchOptions, work: &Path) -> Result<Measure> {
    let exe = std::env::current_exe()?;
    let dir = work.join("footprint");
    std::fs::create_dir_all(&dir)?;
    // County store with o.records records, written before the process starts.
    let county_dir = dir.join(format!("{COUNTY}-data"));
    {
        let store = open(&county_dir, COUNTY, Some("CN"), 128, o)?;
        let items: Vec<Incoming> = gen_records(o.records, 3, TOWNSHIP, 0)?
            .into_iter()
            .map(Incoming::new)
            .collect();
        load(&store, &items)?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    // Plaintext loopback nodes (`insecure`), each in its own data directory.
    let write = |file: &str,
                 code: &str,
                 listen: Option<String>,
                 up: (&str, String),
                 extra: &str| {
        let path = dir.join(file);
        let listen = listen
            .map(|l| format!("listen = \"{l}\"\n"))
            .unwrap_or_default();
        std::fs::write(
            &path,
            format!(
                "[node]\ncode = \"{code}\"\ndata_dir = \"{code}-data\"\n{listen}insecure = true\n[upstream]\ncode = \"{}\"\nurl = \"{}\"\n[store]\ncompression = {}\n{extra}",
                up.0, up.1, o.compression
            ),
        )
        .map(|()| path)
    };
    let nowhere = || "http://127.0.0.1:9".to_string();
    let county_cfg = write(
        "county.toml",
        COUNTY,
        Some(format!("127.0.0.1:{port}")),
        ("CN", nowhere()),
        "",
    )?;
    // The township that receives all of them from the county process.
    let town_cfg = write(
        "town.toml",
        TOWNSHIP,
        Some("127.0.0.1:0".into()),
        (COUNTY, format!("http://127.0.0.1:{port}")),
        &format!("cache_mb = {TOWN_CACHE_MB}\n"),
    )?;
    let village_cfg = write(
        "village.toml",
        demo::VILLAGE_A1,
        None,
        (TOWNSHIP, nowhere()),
        "",
    )?;
    let mut rss = Vec::new();
    let mut receiver = None;
    for cfg in [&village_cfg, &county_cfg] {
        let mut child = node_process(&exe, &["serve"], cfg, std::process::Stdio::null)?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let kb = proc_status_kb(Some(child.id()), "VmRSS:").unwrap_or(0);
        if cfg == &county_cfg {
            receiver = Some(receive(&exe, &town_cfg, port, o.records).await);
        }
        terminate(&mut child);
        rss.push(kb as f64 / 1024.0);
    }
    let (sync_peak, views_peak, views_cpu) = receiver.expect("county measured")?;
    Ok(Measure {
        scenario: "5 footprint".into(),
        records: o.records,
        peak_rss_mb: rss[1],
        disk_mb: dir_size(&county_dir) as f64 / 1e6,
        notes: vec![
            (
                "idle village RSS MB".into(),
                format!("{:.1} (target ≤ 30)", rss[0]),
            ),
            (
                format!("county hub RSS MB, {} records", o.records),
                format!("{:.1}", rss[1]),
            ),
            (
                format!(
                    "township RSS MB through a sync of {} records, peak (cache_mb {TOWN_CACHE_MB}, bound {})",
                    o.records,
                    TOWN_CACHE_MB + 64
                ),
                format!("{sync_peak:.1}"),
            ),
            (
                "township RSS MB while its views are built after the sync, peak".into(),
                format!("{views_peak:.1}"),
            ),
            (
                "township CPU µs per record building its views".into(),
                format!("{:.0}", views_cpu * 1e6 / o.records as f64),
            ),
            (
                "county disk bytes per record".into(),
                format!("{:.0}", dir_size(&county_dir) as f64 / o.records as f64),
            ),
        ],
        ..Measure::default()
    })
}

/// `exe ARGS --config CFG` as a node process logging errors only, its
/// standard output and error as `output` makes them.
fn node_process(
    exe: &Path,
    args: &[&str],
    cfg: &Path,
    output: fn() -> std::process::Stdio,
) -> std::io::Result<std::process::Child> {
    std::process::Command::new(exe)
        .args(args)
        .arg("--config")
        .arg(cfg)
        .env("RUST_LOG", "error")
        .stdout(output())
        .stderr(output())
        .spawn()
}

/// Stops a node process as an operator would (SIGTERM) and reaps it.
fn terminate(child: &mut std::process::Child) {
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
}

/// Store cache of the township that receives in the footprint case.
const TOWN_CACHE_MB: u64 = 32;

/// The receiving township of the footprint case, as processes: `liudong
/// sync` (one session pulling all `records` from the county process), then
/// `liudong serve` until its CPU has been idle for 2 s (its views built).
/// Returns the peak RSS (MB) of each and the CPU seconds of the second.
async fn receive(exe: &Path, cfg: &Path, port: u16, records: u64) -> Result<(f64, f64, f64)> {
    // A county holding many records may take a while to open and listen.
    let t = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        ensure!(
            t.elapsed() < Duration::from_secs(300),
            "the county process does not listen on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sync = node_process(
        exe,
        &["--lang", "en", "sync", "--once"],
        cfg,
        std::process::Stdio::piped,
    )?;
    let (sync_peak, _) = watch(sync.id(), false).await;
    let out = sync.wait_with_output()?;
    let said = String::from_utf8_lossy(&out.stdout);
    ensure!(
        said.contains(&format!("pulled {records} new records")),
        "township sync: {said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut serve = node_process(exe, &["serve"], cfg, std::process::Stdio::null)?;
    let (views_peak, cpu) = watch(serve.id(), true).await;
    terminate(&mut serve);
    Ok((sync_peak, views_peak, cpu))
}

/// Samples process `pid` every 50 ms until it exits or, with `until_idle`,
/// until its CPU time has not moved for 2 s (at most 10 minutes); returns
/// its peak RSS (MB, `VmHWM`) and CPU seconds.
async fn watch(pid: u32, until_idle: bool) -> (f64, f64) {
    let cpu = || {
        let t = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let f: Vec<String> = t
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Some((f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?) as f64 / 100.0)
    };
    let (mut peak, mut used) = (0u64, 0.0);
    let (start, mut moved) = (Instant::now(), Instant::now());
    while start.elapsed() < Duration::from_secs(600) {
        let Some(kb) = proc_status_kb(Some(pid), "VmHWM:") else {
            break;
        };
        peak = peak.max(kb);
        match cpu() {
            Some(c) if c > used => (used, moved) = (c, Instant::now()),
            Some(_) => {}
            None => break,
        }
        if until_idle && moved.elapsed() > Duration::from_secs(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (peak as f64 / 1024.0, used)
}

/// CPU time (user + system) of this process so far, in seconds (Linux
/// `/proc/self/stat`, at the usual 100 ticks a second).
fn process_cpu_s() -> f64 {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|t| {
            // Fields after the command name (which ends with ')'): utime is
            // the 12th, stime the 13th.
            let rest = t.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    ticks as f64 / 100.0
}

/// One pass of the exchange case: crossing records of county A's township
/// (about people living in county B) enter county A, travel to the
/// exchange and on to county B over live links through two counting
/// proxies (one per hop), sealed or in clear. Returns (seconds, CPU
/// seconds of the process, bytes A ↔ exchange, bytes exchange ↔ B, records).
async fn exchange_pass(
    o: &BenchOptions,
    dir: &Path,
    sealed: bool,
    records: &[Record],
) -> Result<(f64, f64, u64, u64, u64)> {
    let start = |code: &str, up: Option<String>| {
        let mut cfg =
            demo::local_config(code, up.map(|u| (demo::EXCHANGE, u)), dir.join(code), true);
        if let Ok(c) = &mut cfg {
            c.store.compression = o.store_options().compression;
            c.set_sealed(sealed);
        }
        async move { liudong_testkit::start_node(cfg?).await }
    };
    let ex = start(demo::EXCHANGE, None).await?;
    let ex_addr = ex.sync_addr.context("the exchange has no sync address")?;
    let (hop_a, hop_b) = (Proxy::start(ex_addr).await?, Proxy::start(ex_addr).await?);
    let a = start(demo::COUNTY_A, Some(format!("http://{}", hop_a.addr))).await?;
    let b = start(demo::COUNTY_B, Some(format!("http://{}", hop_b.addr))).await?;
    // Let the links (and in the sealed case the key directory) settle.
    let ring_a = a.node.keys().cloned();
    let dest = Code::parse(demo::COUNTY_B)?;
    let settle = Instant::now();
    while let Some(k) = ring_a
        .as_ref()
        .filter(|k| k.current_peer(&dest, u64::MAX / 2).is_none())
    {
        ensure!(
            settle.elapsed() < Duration::from_secs(30),
            "county B's sealing key did not reach county A in 30 s"
        );
        k.want_keys();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    hop_a.take();
    hop_b.take();
    let items: Vec<Incoming> = records.iter().cloned().map(Incoming::new).collect();
    let from = Source::Peer(liudong_core::Link::Child(Code::parse(TOWNSHIP)?));
    let b_store = b.node.store().clone();
    let cpu0 = process_cpu_s();
    let t = Instant::now();
    for chunk in items.chunks(1_000) {
        a.node.store().apply(chunk, &from, None, false)?;
    }
    let want = items.len();
    while b_store.record_count() < want {
        ensure!(
            t.elapsed() < Duration::from_secs(600),
            "county B holds {} of {want} crossing records after 600 s",
            b_store.record_count()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = process_cpu_s() - cpu0;
    let bytes = (hop_a.take(), hop_b.take());
    for n in [b, a, ex] {
        n.shutdown(Duration::from_secs(10)).await?;
    }
    Ok((secs, cpu, bytes.0, bytes.1, want as u64))
}

/// 7: crossing records county → exchange → county, sealed (HPKE to the
/// destination county, signed by the source; the exchange routes by header)
/// against the same records in clear, in the same run: throughput, its
/// ratio, CPU and wire bytes per crossing record per hop.
async fn sealed_exchange(o: &BenchOptions, work: &Path) -> Result<Measure> {
    let records: Vec<Record> = gen_records(o.exchange_records * 2, 6, TOWNSHIP, 0)?
        .into_iter()
        .filter(|r| {
            r.residence
                .as_ref()
                .is_some_and(|c| c.as_str().starts_with(demo::COUNTY_B))
        })
        .take(o.exchange_records as usize)
        .collect();
    let mut rates = [Vec::new(), Vec::new()];
    let mut cpu = [Vec::new(), Vec::new()];
    let mut hop1 = [Vec::new(), Vec::new()];
    let mut hop2 = [Vec::new(), Vec::new()];
    let mut n = 0;
    for run in 0..o.runs {
        for (i, sealed) in [false, true].into_iter().enumerate() {
            let dir = work.join(format!("exchange-{run}-{sealed}"));
            let (secs, c, b1, b2, count) = exchange_pass(o, &dir, sealed, &records).await?;
            n = count;
            let per = |x: f64| x / count.max(1) as f64;
            rates[i].push(count as f64 / secs);
            cpu[i].push(per(c) * 1e6);
            hop1[i].push(per(b1 as f64));
            hop2[i].push(per(b2 as f64));
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let [plain_rate, sealed_rate] = rates.map(median);
    let [plain_cpu, sealed_cpu] = cpu.map(median);
    let [plain_h1, sealed_h1] = hop1.map(median);
    let [plain_h2, sealed_h2] = hop2.map(median);
    let ratio = sealed_rate / plain_rate.max(f64::MIN_POSITIVE);
    Ok(Measure {
        scenario: "7 sealed exchange".into(),
        records: n,
        records_per_s: sealed_rate,
        wire_bytes: (sealed_h1 + sealed_h2).round() as u64 * n,
        notes: vec![
            (
                "crossing records/s in clear".into(),
                format!("{plain_rate:.0}"),
            ),
            (
                "crossing records/s sealed".into(),
                format!("{sealed_rate:.0}"),
            ),
            (
                "sealed / clear throughput".into(),
                format!("{ratio:.3} (target ≥ 0.80: sealing costs ≤ 20 %)"),
            ),
            (
                "CPU µs per crossing record, 3 nodes, 2 hops".into(),
                format!("clear {plain_cpu:.0}, sealed {sealed_cpu:.0} (≈ half per hop)"),
            ),
            (
                "wire bytes per record, county A → exchange".into(),
                format!("clear {plain_h1:.0}, sealed {sealed_h1:.0}"),
            ),
            (
                "wire bytes per record, exchange → county B".into(),
                format!("clear {plain_h2:.0}, sealed {sealed_h2:.0}"),
            ),
        ],
        ..Measure::default()
    })
}

/// Runs the suite, prints the table and writes the JSON file.
pub async fn run(
    o: BenchOptions,
    out: Option<PathBuf>,
    only: Option<Vec<u32>>,
) -> Result<Vec<Measure>> {
    let tmp = tempfile::tempdir()?;
    let work = tmp.path();
    let want = |n: u32| only.as_ref().is_none_or(|v| v.contains(&n));
    let mut all = Vec::new();
    if want(1) || want(2) {
        all.extend(initial_and_incremental(&o, work).await?);
    }
    if want(3) {
        all.push(fanout(&o, work).await?);
    }
    if want(4) {
        all.push(cross_county(&o, work).await?);
    }
    if want(5) {
        all.push(footprint(&o, work).await?);
    }
    if want(6) {
        all.push(exchange::transports(&o, work).await?);
    }
    if want(7) {
        all.push(sealed_exchange(&o, work).await?);
    }
    if want(8) {
        all.push(peer::pouchdb_peer(&o, work).await?);
    }
    if want(9) {
        all.push(fanin::fan_in(&o, work).await?);
    }
    println!(
        "\n{:<24} {:>10} {:>10} {:>12} {:>12} {:>9} {:>9}",
        "scenario", "wall ms", "records", "records/s", "wire bytes", "rss MB", "disk MB"
    );
    for m in &all {
        println!(
            "{:<24} {:>10.1} {:>10} {:>12.0} {:>12} {:>9.1} {:>9.1}",
            m.scenario,
            m.wall_ms,
            m.records,
            m.records_per_s,
            m.wire_bytes,
            m.peak_rss_mb,
            m.disk_mb
        );
        for (k, v) in &m.notes {
            println!("{:<24}   {k}: {v}", "");
        }
    }
    if let Some(path) = out {
        let doc = serde_json::json!({ "options": o, "machine": machine(), "results": all });
        std::fs::write(&path, serde_json::to_string_pretty(&doc)?)?;
        println!("\nwritten {}", path.display());
    }
    Ok(all)
}

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("model name"))
            .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
    });
    serde_json::json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "mem_total_kb": proc_meminfo("MemTotal:"),
    })
}

fn proc_meminfo(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/meminfo")
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
