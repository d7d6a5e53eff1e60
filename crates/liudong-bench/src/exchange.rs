//! 6: the exchange transports, same records, same run: crossing records
//! county A → exchange → county B through the gRPC exchange node (as
//! deployed today: mutual TLS, the exchange's store on disk) and through a
//! three-server JetStream cluster (three replicas, file storage, mutual TLS,
//! each county with its own key). Both start from A's outbox to the
//! exchange and end with the records applied durably at B through the one
//! receive path; the first hop (A → exchange, acknowledged) and the second
//! (exchange → B, applied) are timed one after the other.
//!
//! Bytes per record and hop are counted at the TCP level by a proxy in front
//! of the exchange (TLS included); JetStream's replication between servers
//! is counted from the servers' route statistics (NATS-level bytes, before
//! TLS). CPU per record adds this process (both counties, and for gRPC the
//! exchange node) and the nats-server processes.

use super::*;
use liudong_core::Link;
use liudong_jetstream::{ConsumeOptions, Delivery, Exchange, Outgoing};
use liudong_sync::{Admission, Via};
use liudong_testkit::nats::{NatsCluster, http_get};

const COUNTY_B: &str = "440306";
const EXCHANGE: &str = "CN";

/// CPU seconds (user + system) of a process so far, from `/proc`.
pub(crate) fn cpu_secs(pid: Option<u32>) -> f64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): state is 3rd,
    // utime the 14th and stime the 15th field of the line.
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// `n` crossing records authored under county A with residences in county B.
fn crossing_records(n: u64) -> Result<Vec<Incoming>> {
    let b = Code::parse(COUNTY_B)?;
    let mut out = Vec::new();
    let mut seed = 600;
    while (out.len() as u64) < n {
        for r in gen_records(4 * n, seed, TOWNSHIP, seed * 10_000_000)? {
            if r.residence.as_ref().is_some_and(|c| c.is_under(&b)) && (out.len() as u64) < n {
                out.push(Incoming::new(r));
            }
        }
        seed += 1;
    }
    Ok(out)
}

/// The counties other than `from` that a record's places name: where the
/// exchange passes it.
fn destinations(bytes: &[u8], from: &Code) -> Result<Vec<Code>> {
    let r = liudong_proto::decode_record(bytes)?;
    let mut out: Vec<Code> = liudong_core::routing::places(&r)
        .filter_map(|c| c.at_level(liudong_core::Level::County))
        .filter(|c| c != from)
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

struct Hop {
    secs: f64,
    bytes: u64,
}

struct Run {
    first: Hop,
    second: Hop,
    cpu_secs: f64,
    /// JetStream only: the three servers' share of `cpu_secs`.
    servers_cpu_secs: f64,
    /// JetStream only: replication bytes between servers, and the store's
    /// size per server with every record held (before B consumed).
    replication_bytes: u64,
    disk_bytes_per_server: u64,
}

/// The gRPC exchange node: A pushes its outbox, B pulls its own.
async fn grpc_run(o: &BenchOptions, dir: &Path, items: &[Incoming]) -> Result<Run> {
    let pki = liudong_testkit::demo_tls::DemoPki::create(
        dir,
        &[
            (EXCHANGE, None),
            (COUNTY, Some(EXCHANGE)),
            (COUNTY_B, Some(EXCHANGE)),
        ],
    )?;
    let ex_kind = liudong_core::NodeKind::Exchange {
        child_level: liudong_core::Level::County,
    };
    let hub = Hub::start_with(
        open(&dir.join("exchange"), EXCHANGE, None, 128, o)?,
        pki.net(EXCHANGE, ex_kind, None)?,
    )
    .await?;
    let url = format!("https://{}", hub.proxy.addr);
    let a_store = open(&dir.join("a"), COUNTY, Some(EXCHANGE), 128, o)?;
    load(&a_store, items)?;
    let a = Node::new(a_store, SyncConfig::default(), system_clock());
    let b = Node::new(
        open(&dir.join("b"), COUNTY_B, Some(EXCHANGE), 128, o)?,
        SyncConfig::default(),
        system_clock(),
    );
    let county = liudong_core::NodeKind::County;
    let cpu0 = cpu_secs(None);
    hub.proxy.take();
    let (d1, _) = session_with(&a, &url, pki.net(COUNTY, county, Some(EXCHANGE))?).await?;
    let first = Hop {
        secs: d1.as_secs_f64(),
        bytes: hub.proxy.take(),
    };
    let (d2, got) = session_with(&b, &url, pki.net(COUNTY_B, county, Some(EXCHANGE))?).await?;
    let second = Hop {
        secs: d2.as_secs_f64(),
        bytes: hub.proxy.take(),
    };
    ensure!(
        got == items.len() as u64,
        "gRPC exchange: B received {got} of {} records",
        items.len()
    );
    Ok(Run {
        first,
        second,
        cpu_secs: cpu_secs(None) - cpu0,
        servers_cpu_secs: 0.0,
        replication_bytes: 0,
        disk_bytes_per_server: 0,
    })
}

/// Route bytes sent by every server so far (`/routez`).
async fn route_bytes(cluster: &NatsCluster) -> Result<u64> {
    let mut total = 0;
    for i in 0..3 {
        let (_, body) = http_get(cluster.monitor_port(i), "/routez").await?;
        let v: serde_json::Value = serde_json::from_str(&body)?;
        for r in v["routes"].as_array().into_iter().flatten() {
            total += r["out_bytes"].as_u64().unwrap_or(0);
        }
    }
    Ok(total)
}

fn servers_cpu(cluster: &NatsCluster) -> f64 {
    (0..3).map(|i| cpu_secs(cluster.pid(i))).sum()
}

/// JetStream: A publishes its outbox page by page (each page's
/// acknowledgements awaited before the next), B consumes and applies.
async fn jetstream_run(o: &BenchOptions, dir: &Path, items: &[Incoming]) -> Result<Run> {
    let cluster = NatsCluster::start(dir, &[COUNTY, COUNTY_B]).await?;
    // Each county reaches its server through a counting proxy.
    let target = |i: usize| -> Result<std::net::SocketAddr> {
        let url = &cluster.written.plan.servers[i];
        Ok(format!("{}:{}", url.host, url.client_port).parse()?)
    };
    let (proxy_a, proxy_b) = (
        Proxy::start(target(0)?).await?,
        Proxy::start(target(1)?).await?,
    );
    let via = |p: &Proxy| {
        let mut opts = cluster.options();
        opts.servers = vec![format!("tls://{}", p.addr)];
        opts
    };
    let a = Exchange::connect(&cluster.identity(COUNTY)?, &via(&proxy_a)).await?;
    let b = Exchange::connect(&cluster.identity(COUNTY_B)?, &via(&proxy_b)).await?;
    let a_store = open(&dir.join("a"), COUNTY, Some(EXCHANGE), 128, o)?;
    load(&a_store, items)?;
    let b_node = Node::new(
        open(&dir.join("b"), COUNTY_B, Some(EXCHANGE), 128, o)?,
        SyncConfig::default(),
        system_clock(),
    );
    let from = Code::parse(COUNTY)?;
    let batch = SyncConfig::default().max_batch;
    let (cpu0, srv0, routes0) = (
        cpu_secs(None),
        servers_cpu(&cluster),
        route_bytes(&cluster).await?,
    );
    proxy_a.take();
    let t = Instant::now();
    let mut cursor = 0;
    let mut published = 0;
    loop {
        let page = a_store.outbox(&Link::Parent, cursor, batch, 1 << 20)?;
        let mut msgs = Vec::with_capacity(page.records.len());
        for bytes in page.records {
            let id = liudong_proto::decode_record(&bytes)?.id.to_string();
            let payload = bytes::Bytes::from(bytes);
            for dest in destinations(&payload, &from)? {
                msgs.push(Outgoing {
                    id: id.clone(),
                    dest,
                    payload: payload.clone(),
                });
            }
        }
        for r in a.publish_all(&msgs).await {
            r?;
            published += 1;
        }
        cursor = page.cursor;
        if page.drained {
            break;
        }
    }
    ensure!(
        published == items.len(),
        "published {published} of {}",
        items.len()
    );
    let first = Hop {
        secs: t.elapsed().as_secs_f64(),
        bytes: proxy_a.take(),
    };
    let disk = cluster
        .store_dirs()
        .iter()
        .map(|d| dir_size(d))
        .max()
        .unwrap_or(0);
    proxy_b.take();
    let t = Instant::now();
    let stop = CancellationToken::new();
    let (node, s) = (b_node.clone(), stop.clone());
    let want = items.len();
    let consumer = tokio::spawn(async move {
        b.consume(
            &ConsumeOptions {
                batch,
                ..ConsumeOptions::default()
            },
            s,
            move |ds: Vec<Delivery>| {
                let node = node.clone();
                async move {
                    let admission = Admission {
                        link: Link::Parent,
                        batch: liudong_sync::Batch {
                            records: ds.into_iter().map(|d| d.payload).collect(),
                            ..Default::default()
                        },
                        cursor: None,
                        via: Via::Session,
                    };
                    node.receive(admission).await.map(|_| ())
                }
            },
        )
        .await
    });
    while b_node.store().record_count() < want {
        ensure!(
            t.elapsed() < Duration::from_secs(600),
            "JetStream: B holds {} of {want} records after 600 s",
            b_node.store().record_count()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = Hop {
        secs: t.elapsed().as_secs_f64(),
        bytes: proxy_b.take(),
    };
    stop.cancel();
    consumer.await??;
    Ok(Run {
        first,
        second,
        cpu_secs: cpu_secs(None) - cpu0 + servers_cpu(&cluster) - srv0,
        servers_cpu_secs: servers_cpu(&cluster) - srv0,
        replication_bytes: route_bytes(&cluster).await? - routes0,
        disk_bytes_per_server: disk,
    })
}

/// Scenario 6.
pub(crate) async fn transports(o: &BenchOptions, work: &Path) -> Result<Measure> {
    let n = o.exchange_records;
    println!("generating {n} crossing records …");
    let items = crossing_records(n)?;
    let avg = items.iter().map(|i| i.bytes.len()).sum::<usize>() as f64 / items.len() as f64;
    let (mut grpc, mut js) = (Vec::new(), Vec::new());
    for run in 0..o.runs {
        let dir = work.join(format!("exchange-{run}"));
        grpc.push(grpc_run(o, &dir.join("grpc"), &items).await?);
        js.push(jetstream_run(o, &dir.join("jetstream"), &items).await?);
        std::fs::remove_dir_all(&dir).ok();
    }
    let n = n as f64;
    let rate = |r: &Run| n / (r.first.secs + r.second.secs);
    let (g_rate, j_rate) = (
        median(grpc.iter().map(rate).collect()),
        median(js.iter().map(rate).collect()),
    );
    let per = |v: Vec<f64>| median(v) / n;
    let hop_rates = |rs: &[Run]| {
        format!(
            "{:.0} / {:.0}",
            median(rs.iter().map(|r| n / r.first.secs).collect()),
            median(rs.iter().map(|r| n / r.second.secs).collect())
        )
    };
    let hop_bytes = |rs: &[Run]| {
        format!(
            "{:.0} / {:.0}",
            per(rs.iter().map(|r| r.first.bytes as f64).collect()),
            per(rs.iter().map(|r| r.second.bytes as f64).collect())
        )
    };
    let cpu = |rs: &[Run]| per(rs.iter().map(|r| r.cpu_secs * 1e6).collect());
    Ok(Measure {
        scenario: "6 exchange transports".into(),
        wall_ms: median(
            js.iter()
                .map(|r| (r.first.secs + r.second.secs) * 1000.0)
                .collect(),
        ),
        records: n as u64,
        records_per_s: j_rate,
        wire_bytes: median(
            js.iter()
                .map(|r| (r.first.bytes + r.second.bytes + r.replication_bytes) as f64)
                .collect(),
        ) as u64,
        notes: vec![
            ("avg encoded record bytes".into(), format!("{avg:.0}")),
            ("gRPC exchange node rec/s".into(), format!("{g_rate:.0}")),
            (
                "JetStream (3 replicas) / gRPC".into(),
                format!("{:.2} (target ≥ 0.50)", j_rate / g_rate),
            ),
            ("rec/s per hop A→X / X→B, gRPC".into(), hop_rates(&grpc)),
            ("rec/s per hop A→X / X→B, JetStream".into(), hop_rates(&js)),
            (
                "wire bytes/record per hop A→X / X→B, gRPC".into(),
                hop_bytes(&grpc),
            ),
            (
                "wire bytes/record per hop A→X / X→B, JetStream".into(),
                hop_bytes(&js),
            ),
            (
                "JetStream replication bytes/record (routes, before TLS)".into(),
                format!(
                    "{:.0}",
                    per(js.iter().map(|r| r.replication_bytes as f64).collect())
                ),
            ),
            (
                "JetStream file store bytes/record per server (all held)".into(),
                format!(
                    "{:.0}",
                    per(js.iter().map(|r| r.disk_bytes_per_server as f64).collect())
                ),
            ),
            (
                "CPU µs/record, gRPC (counties + exchange node)".into(),
                format!("{:.0}", cpu(&grpc)),
            ),
            (
                "CPU µs/record, JetStream (counties + 3 servers)".into(),
                format!("{:.0}", cpu(&js)),
            ),
            (
                "CPU µs/record, the 3 JetStream servers alone".into(),
                format!(
                    "{:.0}",
                    per(js.iter().map(|r| r.servers_cpu_secs * 1e6).collect())
                ),
            ),
        ],
        ..Measure::default()
    })
}
