//! Scenario 8, the PouchDB peer: the records of scenario 1 (the first
//! `peer_records` of them: same generator, same seed), as JSON documents, replicated between two express-pouchdb servers (CouchDB
//! protocol, leveldb adapter on disk) by the PouchDB replicator with
//! `batch_size` 500 and 100, interleaved round by round with Liudong's
//! initial sync of the same records (county hub → fresh township over
//! mutual TLS, as deployed), all real processes or real nodes on loopback.
//!
//! The peer runs under Node.js from the modules `scripts/setup-bench.sh`
//! installs into `.tools/pouchdb/` (pinned by `scripts/pouchdb/package-lock.json`);
//! the driver script is `pouchdb.js` beside this file, written into the run's
//! directory.

use super::{
    BenchOptions, COUNTY, Hub, Measure, TOWNSHIP, dir_size, gen_records, load, median, open,
    session_with,
};
use anyhow::{Context, Result, bail, ensure};
use liudong_core::NodeKind;
use liudong_store::Incoming;
use liudong_sync::{Node, SyncConfig, system_clock};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The driver script (serve / load / replicate).
const SCRIPT: &str = include_str!("pouchdb.js");

/// Replication batch sizes of the peer, the first is the one compared.
const BATCHES: [usize; 2] = [500, 100];

/// Where the peer's `node_modules` are: `$LIUDONG_POUCHDB`, else
/// `.tools/pouchdb` in the current directory or one above it, else in the
/// source tree this binary was built from.
fn modules() -> Result<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(d) = std::env::var_os("LIUDONG_POUCHDB") {
        candidates.push(PathBuf::from(d));
    }
    if let Ok(cwd) = std::env::current_dir() {
        candidates.extend(cwd.ancestors().map(|a| a.join(".tools/pouchdb")));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/pouchdb"));
    for c in &candidates {
        let m = c.join("node_modules");
        if m.join("pouchdb-node").is_dir() && m.join("express-pouchdb").is_dir() {
            return Ok(m);
        }
    }
    bail!(
        "scenario 8 needs the PouchDB peer, which is not installed: run scripts/setup-bench.sh \
         (installs the pinned pouchdb-node and express-pouchdb into .tools/pouchdb/ of the \
         repository, with Node.js and npm on PATH), or set LIUDONG_POUCHDB to a directory \
         holding their node_modules"
    )
}

/// A running express-pouchdb server; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    async fn start(script: &Path, modules: &Path, dir: PathBuf) -> Result<Server> {
        std::fs::create_dir_all(&dir)?;
        let mut child = Command::new("node")
            .arg(script)
            .arg("serve")
            .arg(&dir)
            .env("NODE_PATH", modules)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting node (Node.js must be on PATH for scenario 8)")?;
        let stdout = child.stdout.take().context("no stdout of node")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .context("express-pouchdb did not start in 30 s")??
            .context("express-pouchdb exited before listening")?;
        let port = line
            .strip_prefix("listening ")
            .and_then(|p| p.trim().parse().ok())
            .with_context(|| format!("unexpected first line of express-pouchdb: {line:?}"))?;
        Ok(Server { child, port, dir })
    }

    fn url(&self, db: &str) -> String {
        format!("http://127.0.0.1:{}/{db}", self.port)
    }

    fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// Runs the driver script in `mode`, returning its last stdout line as JSON.
async fn drive(
    script: &Path,
    modules: &Path,
    args: &[&std::ffi::OsStr],
) -> Result<serde_json::Value> {
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .env("NODE_PATH", modules)
        .kill_on_drop(true)
        .output()
        .await?;
    ensure!(
        out.status.success(),
        "pouchdb.js {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last).with_context(|| format!("pouchdb.js printed {last:?}"))
}

/// Scenario 8 (issue 17 item 1): docs/s of the PouchDB replicator against
/// Liudong's initial sync records/s on the same records, and their ratio.
pub(crate) async fn pouchdb_peer(o: &BenchOptions, work: &Path) -> Result<Measure> {
    let modules = modules()?;
    let n_records = o.peer_records;
    let dir = work.join("peer");
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("pouchdb.js");
    std::fs::write(&script, SCRIPT)?;

    // The records of scenario 1 (same seed), as CouchDB documents.
    let records = gen_records(n_records, 1, TOWNSHIP, 0)?;
    let docs = dir.join("docs.ndjson");
    let mut text = String::new();
    let mut json_bytes = 0usize;
    for r in &records {
        let mut v = serde_json::to_value(r)?;
        v["_id"] = format!("{}", r.id).into();
        let line = serde_json::to_string(&v)?;
        json_bytes += line.len();
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&docs, text)?;
    let items: Vec<Incoming> = records.into_iter().map(Incoming::new).collect();

    let source = Server::start(&script, &modules, dir.join("source")).await?;
    let target = Server::start(&script, &modules, dir.join("target")).await?;
    let loaded = drive(
        &script,
        &modules,
        &[
            "load".as_ref(),
            source.url("records").as_ref(),
            docs.as_os_str(),
        ],
    )
    .await?;
    ensure!(
        loaded["doc_count"].as_u64() == Some(n_records),
        "the PouchDB source holds {} of {} documents",
        loaded["doc_count"],
        n_records
    );

    // Mutual TLS between the county hub and the township, as deployed.
    let pki = liudong_testkit::demo_tls::DemoPki::create(
        &dir,
        &[(COUNTY, None), (TOWNSHIP, Some(COUNTY))],
    )?;

    let (mut liudong, mut pouch, mut wire) = (vec![], [vec![], vec![]], vec![]);
    let mut plain = vec![];
    let (mut liudong_disk, mut pouch_disk) = (vec![], vec![]);
    let mut hub_cpu = [vec![], vec![]];
    for run in 0..o.runs {
        // Liudong: the initial sync of a fresh township from the county.
        let rdir = dir.join(format!("liudong-{run}"));
        let county = open(&rdir.join("county"), COUNTY, Some("CN"), 128, o)?;
        load(&county, &items)?;
        let hub = Hub::start_with(county.clone(), pki.net(COUNTY, NodeKind::County, None)?).await?;
        let town = Node::new(
            open(&rdir.join("town"), TOWNSHIP, Some(COUNTY), 32, o)?,
            SyncConfig::default(),
            system_clock(),
        );
        let url = format!("https://{}", hub.proxy.addr);
        let (elapsed, received) = session_with(
            &town,
            &url,
            pki.net(TOWNSHIP, NodeKind::Township, Some(COUNTY))?,
        )
        .await?;
        ensure!(
            received == n_records,
            "initial sync received {received} of {} records",
            n_records
        );
        liudong.push(received as f64 / elapsed.as_secs_f64());
        wire.push(hub.proxy.take() as f64);
        // Views are indexed off the acknowledgement path: complete them
        // before the disk is measured (not timed).
        let st = town.store().clone();
        tokio::task::spawn_blocking(move || st.catch_up()).await??;
        town.store().flush()?;
        liudong_disk.push(dir_size(&rdir.join("town")) as f64);
        drop(hub);
        drop(town);
        // The same sync in plaintext (same hub store, another fresh
        // township): what mutual TLS costs, in the same round.
        let hub = Hub::start(county).await?;
        let town = Node::new(
            open(&rdir.join("town-plain"), TOWNSHIP, Some(COUNTY), 32, o)?,
            SyncConfig::default(),
            system_clock(),
        );
        let (elapsed, received) = super::session(&town, &hub.url()).await?;
        ensure!(
            received == n_records,
            "initial sync in plaintext received {received} of {n_records} records"
        );
        plain.push(received as f64 / elapsed.as_secs_f64());
        drop(hub);
        drop(town);
        std::fs::remove_dir_all(&rdir).ok();

        // PouchDB: one replication per batch size into a fresh database.
        for (i, batch) in BATCHES.into_iter().enumerate() {
            let db = format!("records-{run}-{batch}");
            let cpu0 = [source.pid(), target.pid()].map(super::exchange::cpu_secs);
            let r = drive(
                &script,
                &modules,
                &[
                    "replicate".as_ref(),
                    source.url("records").as_ref(),
                    target.url(&db).as_ref(),
                    batch.to_string().as_ref(),
                ],
            )
            .await?;
            let cpu1 = [source.pid(), target.pid()].map(super::exchange::cpu_secs);
            ensure!(
                r["doc_count"].as_u64() == Some(n_records),
                "PouchDB replication (batch {batch}) left {} of {} documents",
                r["doc_count"],
                n_records
            );
            let ms = r["ms"].as_f64().context("no ms from the replicator")?;
            pouch[i].push(n_records as f64 / (ms / 1000.0));
            hub_cpu[i].push((cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]) / n_records as f64 * 1e6);
            if i == 0 {
                pouch_disk.push(dir_size(&target.dir.join(&db)) as f64);
            }
        }
    }
    drop((source, target));
    let lr = median(liudong);
    let [p500, p100] = pouch.map(median);
    let [cpu500, cpu100] = hub_cpu.map(median);
    let n = n_records as f64;
    Ok(Measure {
        scenario: "8 PouchDB peer".into(),
        wall_ms: n / lr.max(f64::MIN_POSITIVE) * 1000.0,
        records: n_records,
        records_per_s: lr,
        wire_bytes: median(wire) as u64,
        disk_mb: median(liudong_disk.clone()) / 1e6,
        notes: vec![
            (
                "Liudong initial sync rec/s (mutual TLS)".into(),
                format!("{lr:.0}"),
            ),
            (
                "Liudong initial sync rec/s, plaintext, same round".into(),
                format!("{:.0}", median(plain)),
            ),
            (
                "PouchDB replication docs/s, batch 500".into(),
                format!("{p500:.0}"),
            ),
            (
                "PouchDB replication docs/s, batch 100".into(),
                format!("{p100:.0}"),
            ),
            (
                "Liudong / PouchDB (batch 500)".into(),
                format!("{:.1} (target ≥ 10)", lr / p500.max(f64::MIN_POSITIVE)),
            ),
            (
                "Liudong / PouchDB (batch 100)".into(),
                format!("{:.1}", lr / p100.max(f64::MIN_POSITIVE)),
            ),
            (
                "PouchDB servers CPU µs per doc, batch 500 / 100".into(),
                format!("{cpu500:.0} / {cpu100:.0}"),
            ),
            (
                "avg JSON document bytes".into(),
                format!("{:.0}", json_bytes as f64 / n),
            ),
            (
                "disk bytes per record, Liudong township / PouchDB target".into(),
                format!(
                    "{:.0} / {:.0}",
                    median(liudong_disk) / n,
                    median(pouch_disk) / n
                ),
            ),
        ],
        ..Measure::default()
    })
}
