//! A three-server JetStream cluster on loopback for the exchange tests and
//! the benchmark, set up as an exchange operator would: the CAs and
//! certificates of [`DemoPki`], the exchange node's config, a counties file
//! of the participants' public keys, and `liudong exchange nats-config`
//! writing the servers' configurations (free ports, file stores in the
//! given directory). The servers are real `nats-server` processes, killed
//! when the cluster is dropped; every wait is bounded.
//!
//! Needs `nats-server` on PATH (scripts/setup-test.sh installs it) or named
//! by `LIUDONG_NATS_SERVER`.

use crate::demo_tls::DemoPki;
use anyhow::{Context, Result, bail};
use liudong_core::{Code, Level, NodeKind};
use liudong_jetstream::identity::new_user_key;
use liudong_jetstream::{Exchange, ExchangeOptions, Identity, StreamSettings};
use liudong_net::tls::TlsContext;
use liudong_ops::exchange_nats::{NatsConfigOptions, NatsConfigWritten, nats_config};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The exchange the cluster serves.
pub const EXCHANGE: &str = "CN";

/// How long a server may take to become healthy.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The `nats-server` program, or an error saying how to install it.
pub fn nats_server_program() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("LIUDONG_NATS_SERVER") {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file())
        .with_context(|| liudong_i18n::t!("jetstream-server-missing"))
}

/// One server process of the cluster.
struct Server {
    conf: PathBuf,
    log: PathBuf,
    monitor_port: u16,
    child: Option<Child>,
}

/// A running three-server cluster.
pub struct NatsCluster {
    program: PathBuf,
    servers: Vec<Server>,
    /// What `nats-config` wrote (the plan names ports and store directories).
    pub written: NatsConfigWritten,
    pki: DemoPki,
    seeds: BTreeMap<Code, String>,
    admin_seed: String,
    /// The exchange node's config and what `nats-config` wrote (to set the
    /// streams up again).
    exchange_config: PathBuf,
    out: PathBuf,
}

/// `n` distinct free loopback ports: every listener is held until all are
/// chosen, so that the system cannot hand the same port out twice.
fn free_ports(n: usize) -> Result<Vec<u16>> {
    let held = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    held.iter().map(|l| Ok(l.local_addr()?.port())).collect()
}

fn toml_list(paths: &[PathBuf]) -> String {
    let items: Vec<String> = paths
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    format!("[{}]", items.join(", "))
}

impl NatsCluster {
    /// Sets the cluster up under `dir` for the participants `counties`
    /// (county or province codes), starts its servers, waits until they are
    /// healthy and creates the stream and the participants' consumers.
    pub async fn start(dir: &Path, counties: &[&str]) -> Result<NatsCluster> {
        let mut nodes: Vec<(&str, Option<&str>)> = vec![(EXCHANGE, None)];
        nodes.extend(counties.iter().map(|c| (*c, Some(EXCHANGE))));
        let pki = DemoPki::create(dir, &nodes)?;
        NatsCluster::start_with_pki(dir, pki, counties).await
    }

    /// As [`NatsCluster::start`], with the CAs and certificates of `pki`
    /// (which must include the exchange [`EXCHANGE`] and the counties): the
    /// demo's nodes and the cluster then trust each other.
    pub async fn start_with_pki(
        dir: &Path,
        pki: DemoPki,
        counties: &[&str],
    ) -> Result<NatsCluster> {
        let program = nats_server_program()?;
        let exchange = Code::parse(EXCHANGE)?;
        let files = pki.files(
            &exchange,
            NodeKind::Exchange {
                child_level: Level::County,
            },
        );
        let ex_dir = dir.join("exchange");
        std::fs::create_dir_all(&ex_dir)?;
        let config = ex_dir.join("liudong.toml");
        std::fs::write(
            &config,
            format!(
                "[node]\ncode = \"CN\"\nexchange_children = \"county\"\ndata_dir = \"data\"\nlisten = \"127.0.0.1:0\"\n[tls]\nca_certs = {}\ncert = {:?}\nkey = {:?}\ncrls = {}\n",
                toml_list(&files.ca_certs),
                files.cert.display().to_string(),
                files.key.display().to_string(),
                toml_list(&files.crls),
            ),
        )?;
        let mut seeds = BTreeMap::new();
        let mut list = String::from("# participants of the test cluster\n");
        for c in counties {
            let (seed, public) = new_user_key()?;
            list.push_str(&format!("{c} {public}\n"));
            seeds.insert(Code::parse(c)?, seed);
        }
        let counties_file = ex_dir.join("counties.txt");
        std::fs::write(&counties_file, list)?;
        let mut specs = Vec::new();
        for p in free_ports(9)?.chunks(3) {
            specs.push(format!("127.0.0.1:{}:{}:{}", p[0], p[1], p[2]));
        }
        let out = dir.join("nats");
        let written = nats_config(&NatsConfigOptions {
            config: config.clone(),
            ca_dir: pki.ca_dir(EXCHANGE).cloned(),
            counties: counties_file,
            servers: specs,
            out: out.clone(),
            install_dir: None,
            store_dir: None,
            days: 30,
            max_file_store_gb: 1,
        })?;
        let admin_seed = liudong_jetstream::identity::read_seed(&written.admin_seed)?;
        let servers = written
            .configs
            .iter()
            .zip(&written.plan.servers)
            .map(|(conf, s)| Server {
                conf: conf.clone(),
                log: out.join(format!("{}.log", s.name)),
                monitor_port: s.monitor_port.expect("monitor port"),
                child: None,
            })
            .collect();
        let mut cluster = NatsCluster {
            program,
            servers,
            written,
            pki,
            seeds,
            admin_seed,
            exchange_config: config,
            out,
        };
        for i in 0..cluster.servers.len() {
            cluster.spawn(i)?;
        }
        cluster.wait_healthy(&[0, 1, 2]).await?;
        cluster.set_streams_up().await?;
        Ok(cluster)
    }

    /// The streams and consumers, as the operator creates them
    /// (`nats-stream`), once the servers have elected a meta leader.
    async fn set_streams_up(&self) -> Result<()> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            match liudong_ops::exchange_nats::nats_stream(&self.exchange_config, &self.out).await {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() < deadline => {
                    tracing::debug!(error = %e, "stream not created yet");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => bail!("creating the exchange stream: {e}"),
            }
        }
    }

    /// The whole cluster lost: every server killed and its file store
    /// deleted; then the servers start again empty (same configuration and
    /// addresses) and the operator sets the streams up again.
    pub async fn lose_everything(&mut self) -> Result<()> {
        for i in 0..self.servers.len() {
            self.kill(i)?;
        }
        for d in self.store_dirs() {
            if d.exists() {
                std::fs::remove_dir_all(&d)?;
            }
        }
        for i in 0..self.servers.len() {
            self.spawn(i)?;
        }
        self.wait_healthy(&[0, 1, 2]).await?;
        self.set_streams_up().await
    }

    /// The stream's settings (defaults; tests may not change them).
    pub fn settings(&self) -> StreamSettings {
        StreamSettings::default()
    }

    fn spawn(&mut self, i: usize) -> Result<()> {
        let s = &mut self.servers[i];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&s.log)?;
        let child = Command::new(&self.program)
            .arg("-c")
            .arg(&s.conf)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.program.display()))?;
        s.child = Some(child);
        Ok(())
    }

    /// Waits until the servers `which` answer their health check (JetStream
    /// current), at most [`READY_WITHIN`].
    pub async fn wait_healthy(&mut self, which: &[usize]) -> Result<()> {
        let start = Instant::now();
        for &i in which {
            loop {
                if let Some(child) = self.servers[i].child.as_mut()
                    && let Some(status) = child.try_wait()?
                {
                    bail!(
                        "nats-server {} exited ({status}); its log: {}",
                        i + 1,
                        self.log_tail(i)
                    );
                }
                if let Ok((200, _)) = http_get(self.servers[i].monitor_port, "/healthz").await {
                    break;
                }
                if start.elapsed() > READY_WITHIN {
                    bail!(
                        "nats-server {} not healthy within {READY_WITHIN:?}; its log: {}",
                        i + 1,
                        self.log_tail(i)
                    );
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(&self.servers[i].log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Kills server `i` (SIGKILL: no goodbye to the others) and reaps it.
    pub fn kill(&mut self, i: usize) -> Result<()> {
        if let Some(mut c) = self.servers[i].child.take() {
            c.kill()?;
            c.wait()?;
        }
        Ok(())
    }

    /// Starts server `i` again on its configuration and file store, and
    /// waits until it is healthy.
    pub async fn restart(&mut self, i: usize) -> Result<()> {
        self.spawn(i)?;
        self.wait_healthy(&[i]).await
    }

    /// The pid of server `i`, if running.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.servers[i].child.as_ref().map(Child::id)
    }

    /// The monitoring port of server `i` (`/varz`, `/routez`, `/healthz`).
    pub fn monitor_port(&self, i: usize) -> u16 {
        self.servers[i].monitor_port
    }

    /// The servers' JetStream file store directories.
    pub fn store_dirs(&self) -> Vec<PathBuf> {
        self.written
            .plan
            .servers
            .iter()
            .map(|s| s.store_dir.clone())
            .collect()
    }

    /// How participants reach the cluster.
    pub fn options(&self) -> ExchangeOptions {
        let mut o = ExchangeOptions::new(
            self.written.plan.client_urls(),
            Code::parse(EXCHANGE).expect("valid"),
        );
        o.stream = self.written.plan.stream.clone();
        o
    }

    /// The TLS identity of node `code` (a participant, or the exchange).
    pub fn tls(&self, code: &str) -> Result<Arc<TlsContext>> {
        let c = Code::parse(code)?;
        let exchange = Code::parse(EXCHANGE)?;
        let (kind, upstream) = if c == exchange {
            (
                NodeKind::Exchange {
                    child_level: Level::County,
                },
                None,
            )
        } else {
            (NodeKind::County, Some(&exchange))
        };
        Ok(TlsContext::load(&self.pki.files(&c, kind), &c, upstream)?)
    }

    /// Participant `code`'s identity (its own key and TLS certificate).
    pub fn identity(&self, code: &str) -> Result<Identity> {
        let c = Code::parse(code)?;
        let seed = self
            .seeds
            .get(&c)
            .with_context(|| format!("{code} is not a participant"))?;
        Ok(Identity::new(c, seed, self.tls(code)?)?)
    }

    /// The certificates of the cluster's participants and exchange.
    pub fn pki(&self) -> &DemoPki {
        &self.pki
    }

    /// Writes participant `code`'s NATS seed to `path` (mode 0600), as
    /// `liudong exchange nats-key` would have created it.
    pub fn write_seed(&self, code: &str, path: &Path) -> Result<()> {
        let seed = self
            .seeds
            .get(&Code::parse(code)?)
            .with_context(|| format!("{code} is not a participant"))?;
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(path, format!("{seed}\n"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }

    /// Makes county node `cfg` (configured for a gRPC exchange) use this
    /// cluster as its exchange, as `[exchange] nats` would.
    pub fn attach(&self, cfg: &mut liudong_node::config::NodeConfig) -> Result<()> {
        let code = cfg.scope.code.to_string();
        let exchange = cfg
            .upstream_scope()
            .filter(|p| p.is_exchange())
            .cloned()
            .with_context(|| format!("{code} has no exchange upstream"))?;
        let seed = cfg.data_dir.with_extension("nats.nk");
        self.write_seed(&code, &seed)?;
        cfg.parent = None;
        cfg.awaiting_upstream = None;
        cfg.sync.upstream_unaddressed = false;
        cfg.exchange.nats = Some(liudong_node::config::NatsLink {
            exchange,
            servers: self.written.plan.client_urls(),
            seed,
            stream: self.written.plan.stream.clone(),
        });
        Ok(())
    }

    /// Participant `code` connected.
    pub async fn connect(&self, code: &str) -> Result<Exchange> {
        Ok(Exchange::connect(&self.identity(code)?, &self.options()).await?)
    }

    /// The exchange operator's administrative connection.
    pub async fn admin(&self) -> Result<Exchange> {
        let id = Identity::new(
            Code::parse(EXCHANGE)?,
            &self.admin_seed,
            self.tls(EXCHANGE)?,
        )?;
        Ok(Exchange::connect_admin(&id, &self.options()).await?)
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for s in &mut self.servers {
            if let Some(mut c) = s.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

/// A plain HTTP/1.0 GET on 127.0.0.1 (the servers' monitoring port):
/// (status, body), within two seconds. HTTP/1.0, so that large answers
/// (`/routez`) come whole rather than chunked.
pub async fn http_get(port: u16, path: &str) -> Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fetch = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
            .await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        anyhow::Ok(buf)
    };
    let buf = tokio::time::timeout(Duration::from_secs(2), fetch)
        .await
        .context("monitoring endpoint timed out")??;
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("not an HTTP answer")?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
