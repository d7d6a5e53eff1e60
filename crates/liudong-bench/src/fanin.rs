//! Scenario 9, fan-in (issue 17 item 5): one township hub and N of its
//! villages, every one a real `liudong serve` process over mutual TLS, the
//! villages in one-shot mode syncing every [`INTERVAL_SECS`] s. Over a
//! measured window: the hub's CPU per served session (utime + stime of
//! `/proc/<pid>/stat` ÷ sessions the hub's metrics counted) and the p99 of
//! the hub's session durations (its `liudong_sync_session_duration_seconds`
//! histogram, interpolated within the bucket), for each N.
//!
//! The hub is township 370704008, the one with the most villages (170) in
//! the division table: the largest fan-in of real children one node has.

use super::{BenchOptions, Measure, dir_size, median, proc_status_kb};
use anyhow::{Context, Result, ensure};
use liudong_core::{Code, NodeKind, divisions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// The hub: the township with the most villages in the division table.
const HUB: &str = "370704008";
/// Its county (the hub's upstream, not running: the hub only serves).
const HUB_COUNTY: &str = "370704";
/// Seconds between a village's one-shot sessions.
const INTERVAL_SECS: u64 = 2;

/// A free port on loopback (bound, read, released).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The `[tls]` section of node `code`.
fn tls_section(
    pki: &liudong_testkit::demo_tls::DemoPki,
    code: &str,
    kind: NodeKind,
) -> Result<String> {
    let f = pki.files(&Code::parse(code)?, kind);
    let list = |v: &[PathBuf]| {
        v.iter()
            .map(|p| format!("{:?}", p.display().to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(format!(
        "[tls]\nca_certs = [{}]\ncert = {:?}\nkey = {:?}\ncrls = [{}]\n",
        list(&f.ca_certs),
        f.cert.display().to_string(),
        f.key.display().to_string(),
        list(&f.crls)
    ))
}

/// Starts `liudong serve --config <cfg>` (killed when dropped).
fn serve(exe: &Path, cfg: &Path) -> Result<Child> {
    Ok(Command::new(exe)
        .args(["serve", "--config"])
        .arg(cfg)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?)
}

/// The samples of a Prometheus text exposition, by series (name and labels
/// as written).
async fn scrape(port: u16) -> Result<BTreeMap<String, f64>> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .await?;
    let mut body = String::new();
    s.read_to_string(&mut body).await?;
    let text = body
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .context("no HTTP body from the metrics endpoint")?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect())
}

/// The value of label `name` in a series `name{a="x",b="y"}`.
fn label<'a>(series: &'a str, name: &str) -> Option<&'a str> {
    let labels = series.split_once('{')?.1.strip_suffix('}')?;
    labels.split(',').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.trim_matches('"'))
    })
}

/// The hub's served sessions so far: (count by outcome, cumulative
/// duration buckets as (upper bound s, count)).
struct Served {
    ok: f64,
    other: f64,
    buckets: Vec<(f64, f64)>,
}

fn served(s: &BTreeMap<String, f64>) -> Served {
    let (mut ok, mut other) = (0.0, 0.0);
    let mut buckets = Vec::new();
    for (k, v) in s {
        let served = label(k, "role") == Some("served");
        if k.starts_with("liudong_sync_sessions_total{") && served {
            if label(k, "outcome") == Some("ok") {
                ok += v;
            } else {
                other += v;
            }
        }
        if k.starts_with("liudong_sync_session_duration_seconds_bucket{")
            && served
            && let Some(le) = label(k, "le")
        {
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap_or(f64::INFINITY)
            };
            buckets.push((le, *v));
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    Served { ok, other, buckets }
}

/// The `q` quantile of the sessions between two cumulative histograms,
/// interpolated linearly within its bucket (as Prometheus'
/// `histogram_quantile`), in seconds.
fn quantile(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> f64 {
    let delta: Vec<(f64, f64)> = after
        .iter()
        .map(|&(le, n)| {
            let b = before
                .iter()
                .find(|(l, _)| *l == le)
                .map(|x| x.1)
                .unwrap_or(0.0);
            (le, n - b)
        })
        .collect();
    let total = delta.last().map(|x| x.1).unwrap_or(0.0);
    if total <= 0.0 {
        return 0.0;
    }
    let rank = q * total;
    let mut prev = (0.0, 0.0);
    for &(le, n) in &delta {
        if n >= rank {
            if le.is_infinite() {
                return prev.0;
            }
            let span = n - prev.1;
            let frac = if span > 0.0 {
                (rank - prev.1) / span
            } else {
                1.0
            };
            return prev.0 + (le - prev.0) * frac;
        }
        prev = (le, n);
    }
    prev.0
}

/// One measurement with `n` villages: (hub CPU ms per session, p99 ms,
/// p50 ms, sessions per second, median village RSS MB, hub RSS MB).
async fn one(
    o: &BenchOptions,
    exe: &Path,
    dir: &Path,
    pki: &liudong_testkit::demo_tls::DemoPki,
    villages: &[String],
) -> Result<[f64; 6]> {
    std::fs::create_dir_all(dir)?;
    let (port, mport) = (free_port()?, free_port()?);
    let hub_cfg = dir.join("hub.toml");
    std::fs::write(
        &hub_cfg,
        format!(
            "[node]\ncode = \"{HUB}\"\ndata_dir = \"hub-data\"\nlisten = \"127.0.0.1:{port}\"\n\
             [upstream]\ncode = \"{HUB_COUNTY}\"\nurl = \"https://127.0.0.1:9\"\n\
             [store]\ncompression = {}\n[metrics]\nlisten = \"127.0.0.1:{mport}\"\n{}",
            o.compression,
            tls_section(pki, HUB, NodeKind::Township)?
        ),
    )?;
    let mut hub = serve(exe, &hub_cfg)?;
    let hub_pid = hub.id().context("hub exited")?;
    // Wait for the hub's metrics endpoint (it serves once the node is up).
    let t = Instant::now();
    while scrape(mport).await.is_err() {
        ensure!(
            t.elapsed() < Duration::from_secs(30),
            "the fan-in hub did not start in 30 s"
        );
        if let Ok(Some(status)) = hub.try_wait() {
            anyhow::bail!("the fan-in hub exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut children = Vec::new();
    for v in villages {
        let cfg = dir.join(format!("{v}.toml"));
        std::fs::write(
            &cfg,
            format!(
                "[node]\ncode = \"{v}\"\ndata_dir = \"{v}-data\"\n\
                 [upstream]\ncode = \"{HUB}\"\nurl = \"https://127.0.0.1:{port}\"\n\
                 [sync]\nlive = false\ninterval_secs = {INTERVAL_SECS}\n\
                 [store]\ncompression = {}\n{}",
                o.compression,
                tls_section(pki, v, NodeKind::Village)?
            ),
        )?;
        children.push(serve(exe, &cfg)?);
    }
    // Warm-up: every village's first session, then one more interval.
    let n = villages.len() as f64;
    let t = Instant::now();
    loop {
        let s = served(&scrape(mport).await?);
        if s.ok >= n {
            break;
        }
        ensure!(
            t.elapsed() < Duration::from_secs(120),
            "after 120 s the hub served {} first sessions of {n} villages ({} failed)",
            s.ok,
            s.other
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(INTERVAL_SECS)).await;
    let before = served(&scrape(mport).await?);
    let cpu0 = super::exchange::cpu_secs(Some(hub_pid));
    let t = Instant::now();
    tokio::time::sleep(Duration::from_secs(o.fanin_secs)).await;
    let after = served(&scrape(mport).await?);
    let cpu = super::exchange::cpu_secs(Some(hub_pid)) - cpu0;
    let secs = t.elapsed().as_secs_f64();
    let sessions = after.ok - before.ok;
    let failed = after.other - before.other;
    ensure!(
        sessions > 0.0 && failed == 0.0,
        "fan-in with {n} villages: {sessions} sessions served, {failed} failed in {secs:.0} s"
    );
    let p99 = quantile(&before.buckets, &after.buckets, 0.99) * 1000.0;
    let p50 = quantile(&before.buckets, &after.buckets, 0.50) * 1000.0;
    let rss: Vec<f64> = children
        .iter()
        .filter_map(|c| c.id())
        .filter_map(|pid| proc_status_kb(Some(pid), "VmRSS:"))
        .map(|kb| kb as f64 / 1024.0)
        .collect();
    let hub_rss = proc_status_kb(Some(hub_pid), "VmRSS:").unwrap_or(0) as f64 / 1024.0;
    for mut c in children {
        let _ = c.kill().await;
    }
    let _ = hub.kill().await;
    Ok([
        cpu * 1000.0 / sessions,
        p99,
        p50,
        sessions / secs,
        median(rss),
        hub_rss,
    ])
}

/// Scenario 9: fan-in for each number of villages in `o.fanin_nodes`.
pub(crate) async fn fan_in(o: &BenchOptions, work: &Path) -> Result<Measure> {
    let exe = std::env::current_exe()?;
    let all: Vec<String> = divisions::table()
        .children(HUB)
        .iter()
        .map(|s| s.to_string())
        .collect();
    let dir = work.join("fanin");
    std::fs::create_dir_all(&dir)?;
    let most = o
        .fanin_nodes
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .min(all.len());
    let mut nodes: Vec<(&str, Option<&str>)> = vec![(HUB, Some(HUB_COUNTY))];
    nodes.extend(all[..most].iter().map(|v| (v.as_str(), Some(HUB))));
    let pki = liudong_testkit::demo_tls::DemoPki::create(&dir, &nodes)?;
    let mut notes = vec![(
        "hub / village sync interval".into(),
        format!(
            "{HUB} ({} villages in the table) / {INTERVAL_SECS} s one-shot, mutual TLS",
            all.len()
        ),
    )];
    let (mut worst_cpu, mut worst_p99) = (0.0f64, 0.0f64);
    let mut last_rate = 0.0;
    let mut disk = 0.0;
    for &want in &o.fanin_nodes {
        let n = want.min(all.len());
        let (mut cpu, mut p99, mut p50, mut rate, mut rss, mut hub_rss) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for run in 0..o.runs {
            let d = dir.join(format!("n{n}-{run}"));
            let [c, p, m, r, v, h] = one(o, &exe, &d, &pki, &all[..n]).await?;
            cpu.push(c);
            p99.push(p);
            p50.push(m);
            rate.push(r);
            rss.push(v);
            hub_rss.push(h);
            disk = dir_size(&d) as f64;
            std::fs::remove_dir_all(&d).ok();
        }
        let (c, p) = (median(cpu), median(p99));
        worst_cpu = worst_cpu.max(c);
        worst_p99 = worst_p99.max(p);
        last_rate = median(rate.clone());
        notes.push((
            format!("{n} villages"),
            format!(
                "{:.1} sessions/s · hub CPU {c:.2} ms/session ({:.1} % of a core) · session p50 {:.1} ms, p99 {p:.1} ms · RSS hub {:.0} MB, village {:.0} MB",
                median(rate.clone()),
                c * median(rate) / 10.0,
                median(p50),
                median(hub_rss),
                median(rss)
            ),
        ));
    }
    notes.push((
        "worst over N: hub CPU ms per session / p99 ms".into(),
        format!("{worst_cpu:.2} (target ≤ 1) / {worst_p99:.1} (target ≤ 50)"),
    ));
    Ok(Measure {
        scenario: "9 fan-in".into(),
        wall_ms: worst_p99,
        records: o
            .fanin_nodes
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .min(all.len()) as u64,
        records_per_s: last_rate,
        disk_mb: disk / 1e6,
        notes,
        ..Measure::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_within_the_bucket_of_the_window() {
        let before = vec![(0.01, 10.0), (0.05, 10.0), (f64::INFINITY, 10.0)];
        // 100 sessions in the window: 50 under 10 ms, 50 between 10 and 50 ms.
        let after = vec![(0.01, 60.0), (0.05, 110.0), (f64::INFINITY, 110.0)];
        assert!((quantile(&before, &after, 0.5) - 0.01).abs() < 1e-9);
        assert!((quantile(&before, &after, 0.99) - (0.01 + 0.04 * 49.0 / 50.0)).abs() < 1e-9);
        assert_eq!(quantile(&after, &after, 0.99), 0.0);
    }

    #[test]
    fn served_sessions_are_read_from_the_exposition() {
        let mut s = BTreeMap::new();
        s.insert(
            "liudong_sync_sessions_total{role=\"served\",outcome=\"ok\"}".into(),
            7.0,
        );
        s.insert(
            "liudong_sync_sessions_total{role=\"served\",outcome=\"failed\"}".into(),
            1.0,
        );
        s.insert(
            "liudong_sync_sessions_total{role=\"dialled\",outcome=\"ok\"}".into(),
            5.0,
        );
        s.insert(
            "liudong_sync_session_duration_seconds_bucket{role=\"served\",le=\"+Inf\"}".into(),
            8.0,
        );
        s.insert(
            "liudong_sync_session_duration_seconds_bucket{role=\"served\",le=\"0.05\"}".into(),
            6.0,
        );
        let v = served(&s);
        assert_eq!((v.ok, v.other), (7.0, 1.0));
        assert_eq!(v.buckets, vec![(0.05, 6.0), (f64::INFINITY, 8.0)]);
    }
}
