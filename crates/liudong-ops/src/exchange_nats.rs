//! `liudong exchange nats-config` and `liudong exchange nats-key`: the
//! JetStream exchange cluster's configuration, derived from the counties
//! enrolled, and a county's own NATS key.
//!
//! The exchange operator runs `nats-config` with the exchange node's config
//! (its `[tls] ca_certs` are the CAs of the counties it serves, plus its
//! own), the exchange CA (it issues each server a certificate naming the
//! exchange's code and the server's host), a file of the participants' codes
//! and public keys (one `CODE KEY` line each, as `nats-key` prints them), and
//! the servers. It writes one nats-server configuration per server, the
//! certificates, the CA bundles, and the operator's own administrative seed.
//! Every participant must be covered by one of the trusted CAs: a county
//! whose certificate the servers could not check is refused.

use crate::error::{OpsError, io};
use crate::pki;
use liudong_core::{Code, NodeKind};
use liudong_i18n::t;
use liudong_jetstream::identity::{ensure_seed_file, new_user_key, write_private};
use liudong_jetstream::names;
use liudong_jetstream::server_conf::{ClusterPlan, Participant, ServerPlan};
use liudong_node::config::Config;
use std::path::{Path, PathBuf};

type Result<T, E = OpsError> = std::result::Result<T, E>;

/// Default ports of a server: clients, routes, monitoring.
pub const DEFAULT_PORTS: (u16, u16, u16) = (4222, 6222, 8222);
/// The seed file of a participant, beside its TLS key.
pub const SEED_FILE: &str = "nats.nk";
/// The exchange operator's seed file in the output directory.
pub const ADMIN_SEED: &str = "admin.nk";

/// What `nats-config` is asked to write.
#[derive(Debug, Clone)]
pub struct NatsConfigOptions {
    /// The exchange node's config.
    pub config: PathBuf,
    /// The exchange's CA directory; default `ca/` beside the config.
    pub ca_dir: Option<PathBuf>,
    /// The participants: `CODE KEY` lines.
    pub counties: PathBuf,
    /// The servers: `HOST[:CLIENT[:CLUSTER[:MONITOR]]]`.
    pub servers: Vec<String>,
    /// Output directory (created; must not hold a configuration yet).
    pub out: PathBuf,
    /// Where the output directory will be on the servers (paths in the
    /// configurations); default the output directory itself.
    pub install_dir: Option<PathBuf>,
    /// JetStream store directory on the servers (each server uses a
    /// subdirectory named after it); default `INSTALL_DIR/jetstream`.
    pub store_dir: Option<PathBuf>,
    /// Validity of the servers' certificates, days.
    pub days: i64,
    /// JetStream file store limit per server, GiB.
    pub max_file_store_gb: u64,
}

/// What `nats-config` wrote.
#[derive(Debug, Clone)]
pub struct NatsConfigWritten {
    pub plan: ClusterPlan,
    /// One configuration file per server, in order.
    pub configs: Vec<PathBuf>,
    /// The exchange operator's seed (mode 0600).
    pub admin_seed: PathBuf,
}

/// Parses `HOST[:CLIENT[:CLUSTER[:MONITOR]]]` (IPv6 hosts in brackets).
pub fn parse_server(spec: &str) -> Result<(String, u16, u16, u16)> {
    let bad = || OpsError::Usage(t!("jetstream-server-spec", spec = spec));
    let (host, rest) = match spec.strip_prefix('[') {
        Some(r) => {
            let (h, rest) = r.split_once(']').ok_or_else(bad)?;
            (h.to_string(), rest.strip_prefix(':').unwrap_or(rest))
        }
        None => match spec.split_once(':') {
            Some((h, r)) => (h.to_string(), r),
            None => (spec.to_string(), ""),
        },
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad());
    }
    let mut ports = [DEFAULT_PORTS.0, DEFAULT_PORTS.1, DEFAULT_PORTS.2];
    if !rest.is_empty() {
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() > 3 {
            return Err(bad());
        }
        for (i, p) in parts.iter().enumerate() {
            ports[i] = p.parse().ok().filter(|&n: &u16| n > 0).ok_or_else(bad)?;
        }
    }
    Ok((host, ports[0], ports[1], ports[2]))
}

/// Parses the participants file: `CODE KEY` per line, `#` comments.
pub fn parse_counties(path: &Path) -> Result<Vec<Participant>> {
    let text = std::fs::read_to_string(path).map_err(io("read", path))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: String| {
            OpsError::Usage(t!(
                "jetstream-counties-line",
                path = path.display().to_string(),
                line = i + 1,
                what = what
            ))
        };
        let mut words = line.split_whitespace();
        let (Some(code), Some(key), None) = (words.next(), words.next(), words.next()) else {
            return Err(bad(t!("jetstream-counties-shape")));
        };
        let code = Code::parse(code).map_err(|e| bad(e.to_string()))?;
        if !liudong_core::divisions::table().contains(&code.to_string()) {
            return Err(bad(t!(
                "jetstream-counties-unknown",
                code = code.to_string()
            )));
        }
        out.push(Participant {
            code,
            nkey: key.to_string(),
        });
    }
    Ok(out)
}

fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    Ok(std::env::current_dir()
        .map_err(OpsError::CurrentDir)?
        .join(p))
}

/// `liudong exchange nats-config`: checks everything, then writes the
/// cluster's files under `o.out`.
pub fn nats_config(o: &NatsConfigOptions) -> Result<NatsConfigWritten> {
    let exchange = Config::load(&o.config).map_err(crate::error::ConfigError::new)?;
    if !matches!(exchange.scope.kind, NodeKind::Exchange { .. }) {
        return Err(OpsError::Usage(t!(
            "jetstream-not-exchange",
            code = exchange.scope.code.to_string(),
            kind = exchange.scope.kind.name()
        )));
    }
    let code = exchange.scope.code.clone();
    let base = o.config.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(&o.config).map_err(io("read", &o.config))?;
    let raw: Config = toml::from_str(&text).map_err(|e| OpsError::Usage(e.to_string()))?;
    let tls = raw
        .tls
        .as_ref()
        .ok_or_else(|| {
            OpsError::Usage(t!(
                "jetstream-no-tls",
                path = o.config.display().to_string()
            ))
        })?
        .files(base)?;
    // The CAs clients' certificates must chain to, and their jurisdictions.
    let mut bundle = String::new();
    let mut jurisdictions = Vec::new();
    for path in &tls.ca_certs {
        let pem = std::fs::read_to_string(path).map_err(io("read", path))?;
        jurisdictions.push(pki::ca_cert_code(&pem)?);
        bundle.push_str(pem.trim_end());
        bundle.push('\n');
    }
    let ca_dir = absolute(
        &o.ca_dir
            .clone()
            .unwrap_or_else(|| base.join(crate::init::CA_DIR)),
    )?;
    let ca = pki::ca_load(&ca_dir).map_err(|e| OpsError::Context {
        what: t!("jetstream-ca-dir", dir = ca_dir.display().to_string()),
        error: Box::new(e),
    })?;
    if ca.code != code {
        return Err(OpsError::Usage(t!(
            "jetstream-ca-mismatch",
            dir = ca_dir.display().to_string(),
            ca = ca.code.to_string(),
            code = code.to_string()
        )));
    }
    let participants = parse_counties(&o.counties)?;
    for p in &participants {
        if !jurisdictions.iter().any(|j| p.code.is_under(j)) {
            return Err(OpsError::Usage(t!(
                "jetstream-county-untrusted",
                code = p.code.to_string(),
                path = o.config.display().to_string()
            )));
        }
    }
    if !(1..=3650).contains(&o.days) {
        return Err(OpsError::Usage(t!("jetstream-days", days = o.days)));
    }
    let out = absolute(&o.out)?;
    let install = match &o.install_dir {
        Some(d) => d.clone(),
        None => out.clone(),
    };
    if !install.is_absolute() {
        return Err(OpsError::Usage(t!(
            "jetstream-install-relative",
            dir = install.display().to_string()
        )));
    }
    let store = o
        .store_dir
        .clone()
        .unwrap_or_else(|| install.join("jetstream"));
    let mut servers = Vec::new();
    for (i, spec) in o.servers.iter().enumerate() {
        let (host, client_port, cluster_port, monitor) = parse_server(spec)?;
        let name = format!("nats-{}", i + 1);
        servers.push(ServerPlan {
            store_dir: store.join(&name),
            cert: install.join("tls").join(format!("{name}.crt")),
            key: install.join("tls").join(format!("{name}.key")),
            name,
            host,
            client_port,
            cluster_port,
            monitor_port: Some(monitor),
        });
    }
    let (admin_seed, admin_nkey) = new_user_key()?;
    let plan = ClusterPlan {
        exchange: code.clone(),
        cluster_name: format!("liudong-{code}"),
        stream: names::DEFAULT_STREAM.to_string(),
        servers,
        client_ca_file: install.join("tls").join("clients-ca.pem"),
        route_ca_file: install.join("tls").join("exchange-ca.crt"),
        admin_nkey,
        participants,
        max_file_store: o.max_file_store_gb << 30,
    };
    plan.check()?;
    let rendered: Vec<String> = (0..plan.servers.len())
        .map(|i| plan.render(i))
        .collect::<Result<_, _>>()?;
    // Everything checked: write.
    let first = out.join("nats-1.conf");
    if first.exists() {
        return Err(OpsError::Exists {
            path: first,
            hint: "ops-exists-jetstream",
        });
    }
    let tls_out = out.join("tls");
    std::fs::create_dir_all(&tls_out).map_err(io("write", &tls_out))?;
    write_public(&tls_out.join("clients-ca.pem"), &bundle)?;
    write_public(&tls_out.join("exchange-ca.crt"), &ca.cert_pem)?;
    let mut configs = Vec::new();
    for (i, s) in plan.servers.iter().enumerate() {
        let issued = ca.issue_server(&code, std::slice::from_ref(&s.host), o.days)?;
        write_public(&tls_out.join(format!("{}.crt", s.name)), &issued.cert_pem)?;
        write_private(&tls_out.join(format!("{}.key", s.name)), &issued.key_pem)?;
        let path = out.join(format!("{}.conf", s.name));
        write_public(&path, &rendered[i])?;
        configs.push(path);
    }
    let admin = out.join(ADMIN_SEED);
    write_private(&admin, &format!("{admin_seed}\n"))?;
    let cluster = ClusterFile {
        exchange: code.to_string(),
        stream: plan.stream.clone(),
        servers: plan.client_urls(),
        participants: plan
            .participants
            .iter()
            .map(|p| p.code.to_string())
            .collect(),
        max_file_store: plan.max_file_store,
    };
    let text = toml::to_string(&cluster).map_err(|e| OpsError::Usage(e.to_string()))?;
    write_public(
        &out.join(CLUSTER_FILE),
        &format!(
            "# Written by `liudong exchange nats-config`; read by `liudong exchange nats-stream`.\n{text}"
        ),
    )?;
    Ok(NatsConfigWritten {
        plan,
        configs,
        admin_seed: admin,
    })
}

fn write_public(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(io("write", path))
}

/// The cluster as `nats-config` wrote it, for `nats-stream`.
pub const CLUSTER_FILE: &str = "cluster.toml";

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ClusterFile {
    exchange: String,
    stream: String,
    servers: Vec<String>,
    participants: Vec<String>,
    /// Each server's JetStream file store limit, bytes.
    max_file_store: u64,
}

/// `liudong exchange nats-stream`: with the exchange node's TLS identity
/// and the administrative key of `dir` (what `nats-config` wrote), creates
/// the stream and every participant's durable consumer on the running
/// cluster, or brings them to the current settings.
pub async fn nats_stream(config: &Path, dir: &Path) -> Result<liudong_jetstream::stream::Ensured> {
    let exchange = Config::load(config).map_err(crate::error::ConfigError::new)?;
    let tls = exchange.net.tls.clone().ok_or_else(|| {
        OpsError::Usage(t!("jetstream-no-tls", path = config.display().to_string()))
    })?;
    let path = dir.join(CLUSTER_FILE);
    let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
    let cluster: ClusterFile = toml::from_str(&text).map_err(|e| {
        OpsError::Usage(t!(
            "ops-file-error",
            path = path.display().to_string(),
            e = e.to_string()
        ))
    })?;
    let code = Code::parse(&cluster.exchange)?;
    if code != exchange.scope.code {
        return Err(OpsError::Usage(t!(
            "jetstream-ca-mismatch",
            dir = dir.display().to_string(),
            ca = code.to_string(),
            code = exchange.scope.code.to_string()
        )));
    }
    let participants = cluster
        .participants
        .iter()
        .map(|c| Code::parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    let id = liudong_jetstream::Identity::load(code.clone(), &dir.join(ADMIN_SEED), tls)?;
    let mut opts = liudong_jetstream::ExchangeOptions::new(cluster.servers, code);
    opts.stream = cluster.stream.clone();
    let admin = liudong_jetstream::Exchange::connect_admin(&id, &opts)
        .await
        .map_err(|e| OpsError::Usage(e.to_string()))?;
    // Every replica lives within each server's store limit: the stream
    // takes nine tenths of it, leaving room for the consumers' state.
    let settings = liudong_jetstream::StreamSettings {
        name: cluster.stream,
        max_bytes: i64::try_from(cluster.max_file_store / 10 * 9).unwrap_or(i64::MAX),
        ..Default::default()
    };
    liudong_jetstream::stream::ensure(&admin, &settings, &participants)
        .await
        .map_err(|e| OpsError::Usage(e.to_string()))
}

/// What `nats-key` found or made.
#[derive(Debug, Clone)]
pub struct NatsKey {
    pub code: Code,
    pub public_key: String,
    pub path: PathBuf,
    pub created: bool,
}

/// `liudong exchange nats-key`: the county's (or province exchange's) NATS
/// seed beside its TLS key (`nats.nk`, mode 0600), created on first use; the
/// public key is what the exchange operator lists.
pub fn nats_key(config: &Path) -> Result<NatsKey> {
    let node = Config::load(config).map_err(crate::error::ConfigError::new)?;
    let code = node.scope.code.clone();
    let participates = match node.scope.kind {
        NodeKind::County => true,
        NodeKind::Exchange { .. } => code.level() == liudong_core::Level::Province,
        _ => false,
    };
    if !participates {
        return Err(OpsError::Usage(t!(
            "jetstream-key-level",
            code = code.to_string(),
            kind = node.scope.kind.name()
        )));
    }
    let base = config.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(config).map_err(io("read", config))?;
    let raw: Config = toml::from_str(&text).map_err(|e| OpsError::Usage(e.to_string()))?;
    let tls = raw
        .tls
        .as_ref()
        .ok_or_else(|| {
            OpsError::Usage(t!("jetstream-no-tls", path = config.display().to_string()))
        })?
        .files(base)?;
    let dir = tls.key.parent().unwrap_or(base).to_path_buf();
    let path = dir.join(SEED_FILE);
    let (public_key, created) = ensure_seed_file(&path)?;
    Ok(NatsKey {
        code,
        public_key,
        path,
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_specs_take_defaults_and_refuse_garbage() {
        assert_eq!(
            parse_server("nats1.example").unwrap(),
            ("nats1.example".into(), 4222, 6222, 8222)
        );
        assert_eq!(
            parse_server("127.0.0.1:5000:6000:7000").unwrap(),
            ("127.0.0.1".into(), 5000, 6000, 7000)
        );
        assert_eq!(
            parse_server("[::1]:5000").unwrap(),
            ("::1".into(), 5000, 6222, 8222)
        );
        for bad in ["", ":4222", "h:0", "h:x", "h:1:2:3:4", "[::1", "a b"] {
            assert!(parse_server(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_counties_file_names_the_line_at_fault() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("counties.txt");
        let (_, key) = new_user_key().unwrap();
        std::fs::write(
            &p,
            format!("# 县 公钥\n410602 {key}\n\n440306 {key} # same key\n"),
        )
        .unwrap();
        let parts = parse_counties(&p).unwrap();
        assert_eq!(parts.len(), 2);
        for (text, line) in [
            (format!("410602 {key}\n999999 {key}\n"), 2),
            ("410602\n".to_string(), 1),
            (format!("410602 {key} extra\n"), 1),
            (format!("41060 {key}\n"), 1),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = parse_counties(&p).unwrap_err().to_string();
            assert!(
                e.contains(&format!(":{line}")) || e.contains(&format!(" {line}")),
                "{e}"
            );
        }
    }
}
