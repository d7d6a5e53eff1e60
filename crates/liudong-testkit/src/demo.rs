//! The local demo topology: real nodes, each with its own store directory and
//! gRPC on 127.0.0.1 with OS-assigned ports.
//!
//! Two counties in different provinces — 鹤山区 (410602, Henan) and 宝安区
//! (440306, Guangdong) — each with a township and two villages, linked by a
//! national exchange node. A synthetic migrant from a village of county A
//! moves to a village of county B; the demo writes the records of that flow
//! at the nodes where operators would write them, and reports where each
//! record arrived and how long it took.

use anyhow::{Context, Result, bail};
use liudong_core::reason::kind_word;
use liudong_core::record::*;
use liudong_core::synth::{self, SynthRng};
use liudong_core::{CitizenId, Code, Date, NodeKind, Record, RecordId};
use liudong_i18n::t;
use liudong_node::config::{
    Config, NetSection, NodeConfig, NodeSection, StoreSection, SyncSection, UpstreamSection,
};
use liudong_node::runner::RunningNode;
use liudong_store::Draft;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Exchange, counties, townships and villages of the demo.
pub const EXCHANGE: &str = "CN";
pub const COUNTY_A: &str = "410602";
pub const TOWN_A: &str = "410602100";
pub const VILLAGE_A1: &str = "410602100001";
pub const VILLAGE_A2: &str = "410602100002";
pub const COUNTY_B: &str = "440306";
pub const TOWN_B: &str = "440306018";
pub const VILLAGE_B1: &str = "440306018001";
pub const VILLAGE_B2: &str = "440306018002";

/// (code, upstream) of every demo node, upstream first.
pub const DEMO_NODES: [(&str, Option<&str>); 9] = [
    (EXCHANGE, None),
    (COUNTY_A, Some(EXCHANGE)),
    (TOWN_A, Some(COUNTY_A)),
    (VILLAGE_A1, Some(TOWN_A)),
    (VILLAGE_A2, Some(TOWN_A)),
    (COUNTY_B, Some(EXCHANGE)),
    (TOWN_B, Some(COUNTY_B)),
    (VILLAGE_B1, Some(TOWN_B)),
    (VILLAGE_B2, Some(TOWN_B)),
];

/// Builds (and validates, as for a file) the config of one local node.
pub fn local_config(
    code: &str,
    upstream: Option<(&str, String)>,
    data_dir: PathBuf,
    live: bool,
) -> Result<NodeConfig> {
    let level = Code::parse(code)?.level();
    let serves = level != liudong_core::Level::Village;
    let cfg = Config {
        node: NodeSection {
            code: code.to_string(),
            exchange_children: None,
            data_dir,
            listen: serves.then(|| "127.0.0.1:0".to_string()),
            admin_listen: None,
            insecure: true,
            units_without_node: Vec::new(),
        },
        upstream: upstream.map(|(code, url)| UpstreamSection {
            code: code.to_string(),
            url: Some(url),
        }),
        sync: SyncSection {
            live,
            interval_secs: 3600,
            backoff_min_ms: 50,
            backoff_max_secs: 2,
            ..SyncSection::default()
        },
        store: StoreSection {
            cache_mb: Some(4),
            ..StoreSection::default()
        },
        net: NetSection::default(),
        verify: Default::default(),
        bundle: Default::default(),
        tls: None,
        workflow: Default::default(),
        console: None,
        metrics: Default::default(),
        exchange: Default::default(),
    };
    Ok(cfg.validate(Path::new("."))?)
}

/// A set of running local nodes.
pub struct Topology {
    pub nodes: BTreeMap<String, RunningNode>,
    /// Start order (upstreams first); shutdown runs in reverse.
    order: Vec<String>,
}

impl Topology {
    /// Starts `nodes` (upstreams listed before their children) under `dir`.
    /// `tweak` may adjust each config before start.
    pub async fn start(
        dir: &Path,
        nodes: &[(&str, Option<&str>)],
        live: bool,
        tweak: impl Fn(&mut NodeConfig),
    ) -> Result<Topology> {
        Topology::start_with(dir, nodes, live, None, tweak).await
    }

    /// As [`Topology::start`]; with `pki`, every link uses mutual TLS with
    /// the certificates it issued (see `demo_tls.rs`).
    pub async fn start_with(
        dir: &Path,
        nodes: &[(&str, Option<&str>)],
        live: bool,
        pki: Option<&crate::demo_tls::DemoPki>,
        tweak: impl Fn(&mut NodeConfig),
    ) -> Result<Topology> {
        Topology::start_on(dir, nodes, live, pki, None, tweak).await
    }

    /// As [`Topology::start_with`]; with `cluster`, the counties whose
    /// upstream is the exchange [`EXCHANGE`] use the JetStream cluster as
    /// their exchange (`[exchange] nats`), and no exchange node runs (leave
    /// it out of `nodes`). `pki` must then be the cluster's.
    pub async fn start_on(
        dir: &Path,
        nodes: &[(&str, Option<&str>)],
        live: bool,
        pki: Option<&crate::demo_tls::DemoPki>,
        cluster: Option<&crate::nats::NatsCluster>,
        tweak: impl Fn(&mut NodeConfig),
    ) -> Result<Topology> {
        let mut running: BTreeMap<String, RunningNode> = BTreeMap::new();
        for (code, up) in nodes {
            let upstream = match up {
                // The cluster stands for the exchange: the address is a
                // placeholder that `attach` replaces.
                Some(p) if cluster.is_some() && *p == EXCHANGE => {
                    Some((*p, "http://127.0.0.1:9".to_string()))
                }
                Some(p) => {
                    let parent = running
                        .get(*p)
                        .with_context(|| format!("start {p} before {code}"))?;
                    let addr = parent
                        .sync_addr
                        .with_context(|| format!("{p} has no sync address"))?;
                    Some((*p, format!("http://{addr}")))
                }
                None => None,
            };
            let mut cfg = local_config(code, upstream, dir.join(code), live)?;
            if let Some(pki) = pki {
                pki.secure(&mut cfg)?;
            }
            if let Some(c) = cluster
                && *up == Some(EXCHANGE)
            {
                c.attach(&mut cfg)?;
            }
            tweak(&mut cfg);
            let node = crate::start_node(cfg)
                .await
                .with_context(|| format!("starting node {code}"))?;
            running.insert(code.to_string(), node);
        }
        let order = nodes.iter().map(|(c, _)| c.to_string()).collect();
        Ok(Topology {
            nodes: running,
            order,
        })
    }

    pub fn node(&self, code: &str) -> &RunningNode {
        &self.nodes[code]
    }

    /// Writes a record at `code` as an operator would.
    pub async fn write(&self, code: &str, draft: Draft) -> Result<Record> {
        Ok(self.node(code).node.write_local(draft).await?)
    }

    /// Codes of the nodes holding record `id` (an exchange node of the
    /// sealed tier: an envelope of it).
    pub fn holders(&self, id: &RecordId) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (code, n) in &self.nodes {
            if n.node.store().holds_item(id)? {
                out.push(code.clone());
            }
        }
        Ok(out)
    }

    /// Waits (bounded by `deadline`) until record `id` (or, at an exchange
    /// node of the sealed tier, an envelope of it) is at every node of
    /// `expect`, returning the time each took to receive it.
    pub async fn wait_for(
        &self,
        id: &RecordId,
        expect: &[String],
        deadline: Duration,
    ) -> Result<BTreeMap<String, Duration>> {
        let start = Instant::now();
        let mut arrived: BTreeMap<String, Duration> = BTreeMap::new();
        while arrived.len() < expect.len() {
            for code in expect {
                if !arrived.contains_key(code) && self.node(code).node.store().holds_item(id)? {
                    arrived.insert(code.clone(), start.elapsed());
                }
            }
            if start.elapsed() > deadline {
                let missing: Vec<_> = expect
                    .iter()
                    .filter(|c| !arrived.contains_key(*c))
                    .collect();
                bail!("record {id} did not reach {missing:?} within {deadline:?}");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(arrived)
    }

    /// Stops every node, children first.
    pub async fn shutdown(mut self) -> Result<()> {
        for code in self.order.iter().rev() {
            if let Some(n) = self.nodes.remove(code) {
                n.shutdown(Duration::from_secs(10)).await?;
            }
        }
        Ok(())
    }

    /// Removes a node from the topology (to stop or restart it).
    pub fn take(&mut self, code: &str) -> Option<RunningNode> {
        self.nodes.remove(code)
    }

    /// Puts a (restarted) node back.
    pub fn put(&mut self, code: &str, node: RunningNode) {
        self.nodes.insert(code.to_string(), node);
    }
}

/// One line of the demo's report.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: RecordId,
    pub kind: &'static str,
    pub arrivals: BTreeMap<String, Duration>,
}

/// A synthetic migrant woman registered in village A1.
pub fn demo_person(seed: u64, today: Date) -> (CitizenId, String) {
    let mut rng = SynthRng::new(seed);
    let birth = synth::birth_date(&mut rng, today, 22, 40);
    (
        synth::citizen_id(&mut rng, COUNTY_A, birth, Sex::Female),
        synth::name(&mut rng),
    )
}

/// The demo's records, in the order operators write them: (writing node, draft).
fn flow(today: Date, subject: &CitizenId, name: &str) -> Vec<(&'static str, Draft)> {
    let a1 = Code::parse(VILLAGE_A1).expect("valid");
    let b1 = Code::parse(VILLAGE_B1).expect("valid");
    let draft = |residence: Option<&Code>, body| Draft {
        operator: "demo-cadre".into(),
        subject: subject.clone(),
        origin: Some(a1.clone()),
        residence: residence.cloned(),
        body,
    };
    vec![
        (
            VILLAGE_A1,
            draft(
                None,
                Body::PersonRegistered(PersonRegistered {
                    name: name.to_string(),
                    sex: Sex::Female,
                    birth_date: subject.birth_date(),
                    marital_status: MaritalStatus::Married,
                    hukou: HukouType::Agricultural,
                    household: "A1-0042".into(),
                    phone: String::new(),
                }),
            ),
        ),
        (
            VILLAGE_A1,
            draft(
                Some(&b1),
                Body::OutflowRegistered(OutflowRegistered {
                    leave_date: today.add_days(-10),
                    purpose: Purpose::Work,
                    expected_months: 12,
                }),
            ),
        ),
        (
            TOWN_A,
            draft(
                Some(&b1),
                Body::CertificateIssued(CertificateIssued {
                    number: format!("豫鹤-{}-0001", today.year),
                    valid_from: today.add_days(-9),
                    valid_until: today.add_days(3 * 365),
                    marital_status: MaritalStatus::Married,
                    children: 1,
                }),
            ),
        ),
        (
            VILLAGE_B1,
            draft(
                Some(&b1),
                Body::InflowRegistered(InflowRegistered {
                    arrival_date: today.add_days(-2),
                    address: "西乡街道固戍社区某工业园宿舍".into(),
                    employer: "某电子有限公司".into(),
                    certificate_number: Some(format!("豫鹤-{}-0001", today.year)),
                }),
            ),
        ),
    ]
}

/// The exchange the demo's counties use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DemoExchange {
    /// The national exchange node (gRPC), the embedded default.
    #[default]
    Grpc,
    /// A three-server NATS JetStream cluster in place of the exchange node
    /// (needs `nats-server`).
    Nats,
}

/// Runs the demo under `dir` (a temporary directory if `None`) and prints the report.
pub async fn run(dir: Option<PathBuf>) -> Result<Vec<Row>> {
    run_with(dir, DemoExchange::Grpc).await
}

/// [`run`] with the exchange `exchange`.
pub async fn run_with(dir: Option<PathBuf>, exchange: DemoExchange) -> Result<Vec<Row>> {
    let tmp;
    let dir = match dir {
        Some(d) => d,
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let nodes = match exchange {
        DemoExchange::Grpc => DEMO_NODES.len(),
        DemoExchange::Nats => DEMO_NODES.len() - 1,
    };
    println!(
        "{}",
        t!("demo-head", nodes = nodes, dir = dir.display().to_string())
    );
    let pki = crate::demo_tls::DemoPki::create(&dir, &DEMO_NODES)?;
    let (topo, _cluster) = match exchange {
        DemoExchange::Grpc => (
            Topology::start_with(&dir, &DEMO_NODES, true, Some(&pki), |_| {}).await?,
            None,
        ),
        DemoExchange::Nats => {
            let cluster =
                crate::nats::NatsCluster::start_with_pki(&dir, pki, &[COUNTY_A, COUNTY_B]).await?;
            println!(
                "{}",
                t!(
                    "demo-nats",
                    urls = cluster.written.plan.client_urls().join(", "),
                    exchange = EXCHANGE
                )
            );
            let nodes: Vec<(&str, Option<&str>)> = DEMO_NODES
                .iter()
                .filter(|(c, _)| *c != EXCHANGE)
                .copied()
                .collect();
            let topo = Topology::start_on(
                &dir,
                &nodes,
                true,
                Some(cluster.pki()),
                Some(&cluster),
                |_| {},
            )
            .await?;
            (topo, Some(cluster))
        }
    };
    println!("{}", t!("demo-tls", dir = dir.display().to_string()));
    for (code, n) in &topo.nodes {
        let addr = n
            .sync_addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| t!("demo-dials-only"));
        let kind = match n.node.scope().kind {
            NodeKind::Village => t!("demo-kind-village"),
            NodeKind::Township => t!("demo-kind-township"),
            NodeKind::County => t!("demo-kind-county"),
            NodeKind::Exchange { .. } => t!("demo-kind-exchange"),
        };
        println!(
            "  {} {} {addr}",
            pad(code, 14, false),
            pad(&kind, 12, false)
        );
    }
    // Let the live sessions open before timing deliveries.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let today = Date::from_unix_ms(liudong_sync::system_clock()());
    let (subject, name) = demo_person(7, today);
    let steps = flow(today, &subject, &name);
    let mut rows = Vec::new();
    let mut inflow_id = None;
    let mut i = 0;
    while i < steps.len() || inflow_id.is_some() {
        let (at, draft) = if i < steps.len() {
            let (at, d) = steps[i].clone();
            (at, d)
        } else {
            // The origin acknowledges the inflow notice once it has arrived.
            let inflow: RecordId = inflow_id.take().expect("set");
            let b1 = Code::parse(VILLAGE_B1)?;
            (
                VILLAGE_A1,
                Draft {
                    operator: "demo-cadre".into(),
                    subject: subject.clone(),
                    origin: Some(Code::parse(VILLAGE_A1)?),
                    residence: Some(b1),
                    body: Body::InflowAcknowledged(InflowAcknowledged {
                        inflow,
                        outcome: AckOutcome::Confirmed,
                        certificate_number: Some(format!("豫鹤-{}-0001", today.year)),
                        certificate_valid_until: Some(today.add_days(3 * 365)),
                        note: String::new(),
                    }),
                },
            )
        };
        let record = topo.write(at, draft).await?;
        let expect: Vec<String> = topo
            .nodes
            .iter()
            .filter(|(_, n)| n.node.scope().holds(&record))
            .map(|(c, _)| c.clone())
            .collect();
        let arrivals = topo
            .wait_for(&record.id, &expect, Duration::from_secs(20))
            .await?;
        if matches!(record.body, Body::InflowRegistered(_)) {
            inflow_id = Some(record.id.clone());
        }
        rows.push(Row {
            id: record.id.clone(),
            kind: record.body.kind(),
            arrivals,
        });
        i += 1;
    }
    // Give stray copies time to show up, then check nobody else got anything.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for row in &rows {
        let holders = topo.holders(&row.id)?;
        let expected: Vec<String> = row.arrivals.keys().cloned().collect();
        if holders != expected {
            bail!(
                "record {} is held by {holders:?}, expected exactly {expected:?}",
                row.id
            );
        }
    }
    print_report(&topo, &rows, &subject);
    if let Some(v) = topo.node(VILLAGE_B1).node.store().view(&subject)? {
        let view = t!(
            "demo-view",
            village = VILLAGE_B1,
            status = liudong_node::text::status_word(v.status),
            residence = v.residence.map(|c| c.to_string()).unwrap_or_default(),
            certificate = v
                .certificate
                .as_ref()
                .map(|c| c.number.as_str())
                .unwrap_or("-"),
            until = v
                .certificate
                .as_ref()
                .and_then(|c| c.valid_until)
                .map(|d| d.to_string())
                .unwrap_or_default()
        );
        println!("\n{view}");
    }
    topo.shutdown().await?;
    Ok(rows)
}

fn print_report(topo: &Topology, rows: &[Row], subject: &CitizenId) {
    println!("\n{}", t!("demo-report-head", subject = subject.redacted()));
    let codes: Vec<&String> = topo.nodes.keys().collect();
    let l = liudong_i18n::lang();
    print!(
        "{} {}",
        pad(&t!("demo-col-record"), 28, false),
        pad(&t!("demo-col-kind"), 12, false)
    );
    for c in &codes {
        print!(" {}", pad(c, 12, true));
    }
    println!();
    for row in rows {
        print!(
            "{} {}",
            pad(&row.id.to_string(), 28, false),
            pad(&kind_word(row.kind, l), 12, false)
        );
        for c in &codes {
            let cell = match row.arrivals.get(*c) {
                Some(_) if **c == row.id.node.to_string() => t!("demo-written"),
                Some(d) => t!("demo-ms", ms = format!("{:.1}", d.as_secs_f64() * 1000.0)),
                None => "—".to_string(),
            };
            print!(" {}", pad(&cell, 12, true));
        }
        println!();
    }
    println!("\n{}", t!("demo-all-delivered"));
}

/// `s` padded to `width` terminal columns (a Chinese character takes two).
fn pad(s: &str, width: usize, right: bool) -> String {
    let w: usize = s
        .chars()
        .map(|c| {
            if (c as u32) < 0x1100 || c == '—' {
                1
            } else {
                2
            }
        })
        .sum();
    let fill = " ".repeat(width.saturating_sub(w));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}
