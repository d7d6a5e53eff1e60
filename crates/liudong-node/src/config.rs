//! Node configuration: TOML, then environment overrides, then `validate()`.
//!
//! Every field is documented here and in `config/*.toml`; defaults are
//! explicit. A config that cannot work is refused at start with a message that
//! names the field and says what to do.

use liudong_core::code::Level;
use liudong_core::overdue::Thresholds;
use liudong_core::{Code, NodeKind, NodeScope};
use liudong_i18n::t;
use liudong_net::tls::{TlsContext, TlsError, TlsFiles};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Why a configuration cannot be used. Every message names the file or the
/// field at fault and says what is expected (the cause, where there is one,
/// follows as the error's source).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}", t!("config-read", path = path.display().to_string()))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", t!("config-syntax", path = path.display().to_string()))]
    Syntax {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    /// A config file whose content cannot work (the reason follows).
    #[error("{}", t!("config-file", path = path.display().to_string()))]
    File {
        path: PathBuf,
        #[source]
        source: Box<ConfigError>,
    },
    /// A field whose value cannot be read, e.g. `[node] code`, with why.
    #[error("{field}")]
    Field {
        field: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A setting that cannot work: what is wrong and what to do.
    #[error("{0}")]
    Invalid(String),
    /// No `--config`, no `LIUDONG_CONFIG` and no config file in the
    /// current directory.
    #[error("{}", liudong_i18n::t!("topo-config-not-found", dir = .dir.display().to_string()))]
    NotFound { dir: PathBuf },
}

type Result<T, E = ConfigError> = std::result::Result<T, E>;

/// Refuses a setting: `bail!(t!("config-sync-window", window = w))`.
macro_rules! bail {
    ($message:expr) => {
        return Err(ConfigError::Invalid($message))
    };
}

/// Names the field whose value failed to parse (the parse error is the cause).
trait FieldContext<T> {
    fn context(self, field: &str) -> Result<T>;
    fn with_context(self, field: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> FieldContext<T> for Result<T, E> {
    fn context(self, field: &str) -> Result<T> {
        self.with_context(|| field.to_string())
    }

    fn with_context(self, field: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| ConfigError::Field {
            field: field(),
            source: Box::new(e),
        })
    }
}

/// File name of a node's config in its directory, found there when no
/// `--config` is given (see [`find`]).
pub const CONFIG_FILE: &str = "liudong.toml";

/// The config file an operator command uses: `given` (`--config`, or
/// `LIUDONG_CONFIG` read by the binary), else [`CONFIG_FILE`] in `cwd`.
pub fn find(given: Option<&Path>, cwd: &Path) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let here = cwd.join(CONFIG_FILE);
    if here.is_file() {
        return Ok(here);
    }
    Err(ConfigError::NotFound {
        dir: cwd.to_path_buf(),
    })
}

/// A whole node configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub node: NodeSection,
    /// The node this one dials; absent only for the top exchange node.
    #[serde(default)]
    pub upstream: Option<UpstreamSection>,
    #[serde(default)]
    pub sync: SyncSection,
    #[serde(default)]
    pub store: StoreSection,
    #[serde(default)]
    pub net: NetSection,
    #[serde(default)]
    pub verify: VerifySection,
    #[serde(default)]
    pub bundle: BundleSection,
    /// Mutual TLS identity; required unless `[node] insecure = true` (loopback only).
    #[serde(default)]
    pub tls: Option<TlsSection>,
    #[serde(default)]
    pub workflow: WorkflowSection,
    /// The web console for county operators; absent: no console.
    #[serde(default)]
    pub console: Option<ConsoleSection>,
    #[serde(default)]
    pub metrics: MetricsSection,
    #[serde(default)]
    pub exchange: ExchangeSection,
}

/// `[exchange]`: the sealed exchange tier (counties and exchange nodes).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeSection {
    /// Crossing records travel the exchange tier sealed: a county seals each
    /// one to its destination county and exchange nodes store and route the
    /// envelopes without being able to read them. Must be the same on a
    /// county, its exchange and the exchanges above it. `false` is the
    /// former exchange in clear (for comparison and migration). Default true.
    pub sealed: bool,
    /// CA certificates (PEM) of the other counties whose sealing keys this
    /// county accepts, besides those in `[tls] ca_certs`: a key announcement
    /// is accepted when it is signed with a certificate for that county from
    /// one of these CAs, within its jurisdiction. Unused without `[tls]`.
    pub key_cas: Vec<PathBuf>,
    /// Seconds between exchanges of key announcements with the upstream (also
    /// at start, after `liudong key rotate`, and whenever a key is missing).
    /// Default 300.
    pub keys_interval_secs: u64,
    /// A county whose exchange is a NATS JetStream cluster: the servers'
    /// client URLs (`nats://host:4222` or `tls://host:4222`, every server of
    /// the cluster; the exchange operator's `cluster.toml` lists them). The
    /// county then publishes its crossing records to the cluster and
    /// consumes what is addressed to it, instead of dialling an exchange
    /// node: `[upstream]` keeps the exchange's code and has no `url`.
    /// Needs `[tls]` and `sealed = true`. Empty (default): a gRPC exchange.
    pub nats: Vec<String>,
    /// The county's NATS key (seed) file; default `nats.nk` beside the
    /// `[tls] key` (where `liudong exchange nats-key` creates it).
    pub nats_key: Option<PathBuf>,
    /// The exchange stream's name (as in the operator's `cluster.toml`).
    /// Default `LIUDONG_EXCHANGE`.
    pub nats_stream: Option<String>,
}

impl Default for ExchangeSection {
    fn default() -> Self {
        ExchangeSection {
            sealed: true,
            key_cas: Vec::new(),
            keys_interval_secs: 300,
            nats: Vec::new(),
            nats_key: None,
            nats_stream: None,
        }
    }
}

/// Validated `[exchange]` settings.
#[derive(Debug, Clone)]
pub struct ExchangeOptions {
    /// This node is part of the sealed exchange tier (a county below an
    /// exchange, or an exchange node, with `sealed = true`).
    pub sealed: bool,
    pub key_cas: Vec<PathBuf>,
    pub keys_interval: Duration,
    /// The JetStream exchange (`[exchange] nats`), if the county uses one.
    pub nats: Option<NatsLink>,
}

/// A county's validated JetStream exchange settings.
#[derive(Debug, Clone)]
pub struct NatsLink {
    /// The exchange the cluster stands for (`[upstream] code`).
    pub exchange: NodeScope,
    pub servers: Vec<String>,
    /// The county's NATS seed file.
    pub seed: PathBuf,
    pub stream: String,
}

/// `[workflow]`: thresholds of the overdue lists and the report (DOMAIN.md defaults).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowSection {
    /// N: a migrant is listed when the quarterly check report is missing for
    /// this many consecutive completed quarters. Default 2.
    pub missed_quarters: u32,
    /// D: certificates expired or expiring within this many days are listed. Default 30.
    pub certificate_days: i64,
    /// A: inflow notices not acknowledged within this many days are listed, and
    /// the report's feedback rate counts acknowledgements within it. Default 30.
    pub ack_days: i64,
}

impl Default for WorkflowSection {
    fn default() -> Self {
        let t = liudong_core::overdue::Thresholds::default();
        WorkflowSection {
            missed_quarters: t.missed_quarters,
            certificate_days: t.certificate_days,
            ack_days: t.ack_days,
        }
    }
}

/// `[bundle]`: offline bundles.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BundleSection {
    /// Nodes whose bundles this node imports: `[[bundle.trusted]]` with `code`
    /// and `public_key` (as printed by `liudong key show` on that node).
    pub trusted: Vec<liudong_sync::bundle::TrustedSigner>,
}

/// `[verify]`: periodic comparison of this node's scope with its upstream.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifySection {
    /// Seconds between verifications with the upstream; 0 turns the periodic run off
    /// (`liudong verify` still works). Default 3600.
    pub interval_secs: u64,
    /// Transfer the missing records both ways when the fingerprints differ. Default true.
    pub repair: bool,
}

impl Default for VerifySection {
    fn default() -> Self {
        VerifySection {
            interval_secs: 3600,
            repair: true,
        }
    }
}

/// Validated `[verify]` settings.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// `None`: no periodic verification.
    pub interval: Option<Duration>,
    pub repair: bool,
}

/// `[node]`: who this node is and where it keeps its data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSection {
    /// Division code served: 12 digits (village), 9 (township), 6 (county),
    /// or for an exchange node 2 digits (province), 4 (prefecture) or `CN` (national).
    pub code: String,
    /// For exchange nodes: level of the child nodes, `county` (default) or `province`.
    #[serde(default)]
    pub exchange_children: Option<String>,
    /// Directory of this node's store (created if missing). Relative paths
    /// are relative to the config file.
    pub data_dir: PathBuf,
    /// Address the sync service listens on for child nodes. Villages have no
    /// children and may omit it.
    #[serde(default)]
    pub listen: Option<String>,
    /// Loopback address of the local admin service used by `liudong record add`,
    /// `status` and `sync --once` while the node runs. Default 127.0.0.1:0 (none reachable).
    #[serde(default)]
    pub admin_listen: Option<String>,
    /// Allow plaintext gRPC without `[tls]`: for tests and demos on loopback
    /// only (refused on any non-loopback address; a warning is logged at start).
    #[serde(default)]
    pub insecure: bool,
    /// Units under this node that run no node of their own (a county's
    /// townships or villages, a township's villages), by division code: they
    /// are listed in `liudong status` as having no node, never as silent.
    #[serde(default)]
    pub units_without_node: Vec<String>,
}

/// `[upstream]`: the upper node this node dials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSection {
    /// The upstream's division code (its township, county or exchange).
    pub code: String,
    /// Its sync address, e.g. `https://county-hub.example:7200`. A county
    /// (or province exchange) whose exchange does not exist yet leaves it
    /// out: records for the exchange then wait in its outbox, and
    /// `liudong trust add` sets it from the exchange's trust file.
    #[serde(default)]
    pub url: Option<String>,
}

/// `[sync]`: session pacing and limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSection {
    /// Keep a session open and exchange each record as soon as it is written (true),
    /// or run one-shot sessions every `interval_secs` and after each local write (false).
    pub live: bool,
    /// Seconds between one-shot sessions when `live = false`. Default 300.
    pub interval_secs: u64,
    /// Most records per batch. Default 500.
    pub max_batch: usize,
    /// Most record bytes per batch. Default 1 MiB.
    pub max_batch_bytes: usize,
    /// Unacknowledged batches in flight each way. Default 4.
    pub window: usize,
    /// The max offset, seconds (default 300): while this node's wall clock
    /// differs from its upstream's by more than this (compared at every
    /// session), local writes are refused; a clock high-water further than
    /// this ahead of the wall clock stamps from the wall clock; event dates
    /// may be at most this far in the future. Records are never refused for
    /// their stamps (docs/protocol.md, "Clocks").
    pub max_skew_secs: u64,
    /// A one-shot session silent for this long fails, seconds; so does any session
    /// (live ones too) whose peer leaves a batch unacknowledged this long. Default 60.
    pub idle_timeout_secs: u64,
    /// Largest encoded record accepted from a peer, bytes (checked before decoding;
    /// a valid record is well under 4 KiB). Default 65536.
    pub max_record_bytes: usize,
    /// Most records a peer may send in one session; beyond it the session ends with
    /// RESOURCE_EXHAUSTED and the next one resumes from the durable cursor. Default 10000000.
    pub max_session_records: u64,
    /// First retry delay after a failed session, milliseconds. Default 500.
    pub backoff_min_ms: u64,
    /// Longest retry delay, seconds. Default 300.
    pub backoff_max_secs: u64,
}

impl Default for SyncSection {
    fn default() -> Self {
        SyncSection {
            live: true,
            interval_secs: 300,
            max_batch: 500,
            max_batch_bytes: 1 << 20,
            window: 4,
            max_skew_secs: 300,
            idle_timeout_secs: 60,
            max_record_bytes: 64 << 10,
            max_session_records: 10_000_000,
            backoff_min_ms: 500,
            backoff_max_secs: 300,
        }
    }
}

/// `[store]`: tuning of the embedded store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSection {
    /// Page cache of the store in MiB. Default: 8 for villages, 32 for townships, 128 for counties and exchanges.
    pub cache_mb: Option<u64>,
    /// Background flush interval in milliseconds (acknowledged batches are always flushed first). Default 500.
    pub flush_every_ms: u64,
    /// zstd level (1–22) for the store's pages on disk; 0 stores them uncompressed. Default 3.
    pub compression: i32,
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            cache_mb: None,
            flush_every_ms: 500,
            compression: 3,
        }
    }
}

/// `[net]`: transport limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetSection {
    /// Largest gRPC message, MiB. Default 16.
    pub max_message_mb: usize,
    /// HTTP/2 keepalive interval, seconds. Default 20.
    pub keepalive_secs: u64,
    /// Connection timeout, seconds. Default 10.
    pub connect_timeout_secs: u64,
    /// Most concurrent HTTP/2 streams (sessions, verify calls) a peer may open on
    /// one connection to this node. Default 32.
    pub max_streams: u32,
}

impl Default for NetSection {
    fn default() -> Self {
        NetSection {
            max_message_mb: 16,
            keepalive_secs: 20,
            connect_timeout_secs: 10,
            max_streams: 32,
        }
    }
}

/// A validated configuration, ready to run.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub scope: NodeScope,
    /// The upstream this node dials and its address.
    pub parent: Option<(NodeScope, String)>,
    /// The upstream this node will dial once it has an address (`[upstream]`
    /// without `url`): records for it wait in its outbox meanwhile.
    pub awaiting_upstream: Option<NodeScope>,
    pub data_dir: PathBuf,
    pub listen: Option<SocketAddr>,
    pub admin_listen: Option<SocketAddr>,
    pub sync: liudong_sync::SyncConfig,
    pub link: liudong_sync::LinkConfig,
    pub store: liudong_store::StoreOptions,
    pub net: liudong_net::NetOptions,
    pub verify: VerifyOptions,
    pub bundle_trusted: Vec<liudong_sync::bundle::TrustedSigner>,
    /// `[workflow]` thresholds.
    pub thresholds: liudong_core::overdue::Thresholds,
    /// `[console]`, validated; `None`: no console.
    pub console: Option<ConsoleOptions>,
    /// `[metrics] listen`: address of the Prometheus endpoint, if enabled.
    pub metrics_listen: Option<SocketAddr>,
    /// `[exchange]`, validated.
    pub exchange: ExchangeOptions,
}

/// True if a node of `scope` under `parent` belongs to the exchange tier:
/// an exchange node, or a county whose upstream is an exchange.
fn in_exchange_tier(scope: &NodeScope, parent: Option<&NodeScope>) -> bool {
    scope.is_exchange()
        || (scope.kind == NodeKind::County && parent.is_some_and(|p| p.is_exchange()))
}

impl NodeConfig {
    /// Takes this node in or out of the sealed exchange tier after
    /// validation (the bench compares both in one run), as `[exchange]
    /// sealed` would have: in only where the tier applies (an exchange node,
    /// or a county whose upstream is an exchange).
    pub fn set_sealed(&mut self, sealed: bool) {
        let sealed = sealed && in_exchange_tier(&self.scope, self.upstream_scope());
        self.sync.sealed = sealed;
        self.store.sealed = sealed;
        self.exchange.sealed = sealed;
    }
}

impl NodeConfig {
    /// The upstream's scope, whether it has an address yet or not (the store
    /// routes records for it either way).
    pub fn upstream_scope(&self) -> Option<&NodeScope> {
        self.parent
            .as_ref()
            .map(|(p, _)| p)
            .or(self.awaiting_upstream.as_ref())
            .or(self.exchange.nats.as_ref().map(|n| &n.exchange))
    }
}

impl Config {
    /// Reads a config file, applies environment overrides and validates it.
    pub fn load(path: &Path) -> Result<NodeConfig> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cfg: Config = toml::from_str(&text).map_err(|source| ConfigError::Syntax {
            path: path.to_path_buf(),
            source,
        })?;
        cfg.apply_env(|k| std::env::var(k).ok());
        let base = path.parent().unwrap_or(Path::new("."));
        cfg.validate(base).map_err(|e| ConfigError::File {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// Environment overrides: `LIUDONG_DATA_DIR`, `LIUDONG_LISTEN`,
    /// `LIUDONG_ADMIN_LISTEN`, `LIUDONG_UPSTREAM_URL`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("LIUDONG_DATA_DIR") {
            self.node.data_dir = v.into();
        }
        if let Some(v) = get("LIUDONG_LISTEN") {
            self.node.listen = Some(v);
        }
        if let Some(v) = get("LIUDONG_ADMIN_LISTEN") {
            self.node.admin_listen = Some(v);
        }
        if let (Some(v), Some(up)) = (get("LIUDONG_UPSTREAM_URL"), self.upstream.as_mut()) {
            up.url = Some(v);
        }
    }

    /// Checks everything that can be checked before start.
    pub fn validate(&self, base: &Path) -> Result<NodeConfig> {
        let code = Code::parse(&self.node.code).context("[node] code")?;
        let kind = match (code.level(), &self.node.exchange_children) {
            (Level::Village, None) => NodeKind::Village,
            (Level::Township, None) => NodeKind::Township,
            (Level::County, None) => NodeKind::County,
            (Level::Village | Level::Township | Level::County, Some(_)) => {
                bail!(t!("config-exchange-children-not-exchange"))
            }
            (_, children) => NodeKind::Exchange {
                child_level: match children.as_deref().unwrap_or("county") {
                    "county" => Level::County,
                    "province" => Level::Province,
                    other => bail!(t!(
                        "config-exchange-children-value",
                        other = other.to_string()
                    )),
                },
            },
        };
        check_known_code("[node] code", &code)?;
        let scope = NodeScope::new(code, kind).context("[node] code")?;
        for t in &self.bundle.trusted {
            Code::parse(&t.code).context("[[bundle.trusted]] code")?;
            if !t.public_key.starts_with("ed25519:") || t.public_key.len() != 8 + 64 {
                bail!(t!(
                    "config-bundle-trusted-key",
                    public_key = t.public_key.to_string(),
                    code = t.code.to_string()
                ));
            }
        }
        let without_node = units_without_node(&scope, &self.node.units_without_node)?;
        let mut awaiting_upstream = None;
        let parent = match &self.upstream {
            Some(up) => {
                let pcode = Code::parse(&up.code).context("[upstream] code")?;
                check_known_code("[upstream] code", &pcode)?;
                let p = scope.parent(&pcode).context("[upstream] code")?;
                match &up.url {
                    Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                        Some((p, url.clone()))
                    }
                    Some(url) => {
                        bail!(t!("config-upstream-url-scheme", url = url.to_string()))
                    }
                    None if matches!(scope.kind, NodeKind::County | NodeKind::Exchange { .. }) => {
                        awaiting_upstream = Some(p);
                        None
                    }
                    None => bail!(t!(
                        "config-upstream-url-missing",
                        kind = scope.kind.label(),
                        pcode = pcode.to_string()
                    )),
                }
            }
            None => {
                if !matches!(scope.kind, NodeKind::Exchange { .. }) {
                    bail!(t!("config-upstream-missing", kind = scope.kind.label()));
                }
                None
            }
        };
        let parse_addr = |field: &str, v: &Option<String>| -> Result<Option<SocketAddr>> {
            v.as_deref()
                .map(|s| {
                    s.parse::<SocketAddr>().with_context(|| {
                        format!("[node] {field} = {s:?} is not an address like 127.0.0.1:7400")
                    })
                })
                .transpose()
        };
        let listen = parse_addr("listen", &self.node.listen)?;
        let admin_listen = parse_addr("admin_listen", &self.node.admin_listen)?;
        let tls_configured = self.tls.is_some();
        let tls = transport(
            self,
            &scope,
            parent
                .as_ref()
                .map(|(p, u): &(NodeScope, String)| (&p.code, u.as_str())),
            listen,
            base,
        )?;
        if let Some(a) = admin_listen
            && !a.ip().is_loopback()
        {
            bail!(t!("config-admin-listen-loopback", a = a.to_string()));
        }
        if scope.child_level().is_some() && listen.is_none() {
            bail!(t!("config-listen-missing", kind = scope.kind.label()));
        }
        let s = &self.sync;
        if s.max_batch == 0 || s.max_batch > 10_000 {
            bail!(t!(
                "config-sync-max-batch",
                max_batch = s.max_batch.to_string()
            ));
        }
        if s.window == 0 || s.window > 64 {
            bail!(t!("config-sync-window", window = s.window.to_string()));
        }
        if s.max_batch_bytes < 4096 || s.max_batch_bytes > self.net.max_message_mb << 19 {
            bail!(t!(
                "config-sync-max-batch-bytes",
                max_batch_bytes = s.max_batch_bytes.to_string()
            ));
        }
        if s.max_record_bytes < 1024 || s.max_record_bytes > self.net.max_message_mb << 19 {
            bail!(t!(
                "config-sync-max-record-bytes",
                max_record_bytes = s.max_record_bytes.to_string()
            ));
        }
        if s.max_session_records < s.max_batch as u64 {
            bail!(t!(
                "config-sync-max-session-records",
                max_session_records = s.max_session_records.to_string(),
                max_batch = s.max_batch.to_string()
            ));
        }
        if self.net.max_message_mb == 0 || self.net.max_message_mb > 256 {
            bail!(t!(
                "config-net-max-message-mb",
                max_message_mb = self.net.max_message_mb.to_string()
            ));
        }
        if self.net.max_streams == 0 {
            bail!(t!("config-net-max-streams"));
        }
        if s.interval_secs == 0 || s.idle_timeout_secs == 0 || s.backoff_min_ms == 0 {
            bail!(t!("config-sync-positive"));
        }
        if !(0..=22).contains(&self.store.compression) {
            bail!(t!(
                "config-store-compression",
                compression = self.store.compression.to_string()
            ));
        }
        // Paths are relative to the config file's directory (`join` keeps an
        // absolute one as it is).
        let data_dir = base.join(&self.node.data_dir);
        let x = &self.exchange;
        if x.keys_interval_secs == 0 {
            bail!(t!("config-exchange-keys-interval"));
        }
        // A county that waits for its exchange's address (or reaches it
        // through JetStream) is in the tier all the same.
        let upstream = parent
            .as_ref()
            .map(|(p, _)| p)
            .or(awaiting_upstream.as_ref());
        let sealed = x.sealed && in_exchange_tier(&scope, upstream);
        let key_cas: Vec<PathBuf> = x.key_cas.iter().map(|p| base.join(p)).collect();
        let cache_mb = self.store.cache_mb.unwrap_or(match scope.kind {
            NodeKind::Village => 8,
            NodeKind::Township => 32,
            _ => 128,
        });
        let nats = self.nats_link(
            &scope,
            parent.is_some(),
            &mut awaiting_upstream,
            sealed,
            base,
        )?;
        let upstream_unaddressed = awaiting_upstream.is_some();
        Ok(NodeConfig {
            scope,
            parent,
            awaiting_upstream,
            data_dir,
            listen,
            admin_listen,
            sync: liudong_sync::SyncConfig {
                max_batch: s.max_batch,
                max_batch_bytes: s.max_batch_bytes,
                window: s.window,
                max_skew_ms: s.max_skew_secs * 1000,
                idle_timeout: Duration::from_secs(s.idle_timeout_secs),
                max_record_bytes: s.max_record_bytes,
                max_session_records: s.max_session_records,
                // Announced to the upstream: when to expect this node again.
                sync_interval_secs: u32::try_from(if s.live {
                    s.backoff_max_secs
                } else {
                    s.interval_secs
                })
                .unwrap_or(u32::MAX),
                sealed,
                without_node,
                upstream_unaddressed,
            },
            link: liudong_sync::LinkConfig {
                live: s.live,
                interval: Duration::from_secs(s.interval_secs),
                backoff_min: Duration::from_millis(s.backoff_min_ms),
                backoff_max: Duration::from_secs(s.backoff_max_secs),
            },
            store: liudong_store::StoreOptions {
                cache_bytes: cache_mb << 20,
                flush_every_ms: Some(self.store.flush_every_ms).filter(|&m| m > 0),
                compression: Some(self.store.compression).filter(|&l| l > 0),
                sealed,
            },
            net: liudong_net::NetOptions {
                max_message_bytes: self.net.max_message_mb << 20,
                keepalive: Duration::from_secs(self.net.keepalive_secs),
                connect_timeout: Duration::from_secs(self.net.connect_timeout_secs),
                tls,
                max_streams: self.net.max_streams,
            },
            verify: VerifyOptions {
                interval: Some(Duration::from_secs(self.verify.interval_secs))
                    .filter(|d| !d.is_zero()),
                repair: self.verify.repair,
            },
            bundle_trusted: self.bundle.trusted.clone(),
            thresholds: thresholds(&self.workflow)?,
            console: self
                .console
                .as_ref()
                .map(|c| c.validate(tls_configured))
                .transpose()?,
            metrics_listen: self.metrics.validate()?,
            exchange: ExchangeOptions {
                sealed,
                key_cas,
                keys_interval: Duration::from_secs(x.keys_interval_secs),
                nats,
            },
        })
    }

    /// Validates `[exchange] nats`: a county under an exchange, with `[tls]`,
    /// sealed, and `[upstream]` without `url` (the cluster is the exchange).
    fn nats_link(
        &self,
        scope: &NodeScope,
        upstream_url: bool,
        awaiting_upstream: &mut Option<NodeScope>,
        sealed: bool,
        base: &Path,
    ) -> Result<Option<NatsLink>> {
        let x = &self.exchange;
        if x.nats.is_empty() {
            if x.nats_key.is_some() || x.nats_stream.is_some() {
                bail!(t!("config-nats-key-without-nats"));
            }
            return Ok(None);
        }
        if scope.kind != NodeKind::County {
            bail!(t!("config-nats-not-county", kind = scope.kind.label()));
        }
        if upstream_url {
            bail!(t!("config-nats-and-url"));
        }
        let Some(exchange) = awaiting_upstream.take().filter(|p| p.is_exchange()) else {
            bail!(t!("config-nats-needs-code"));
        };
        for url in &x.nats {
            let rest = url
                .strip_prefix("nats://")
                .or_else(|| url.strip_prefix("tls://"));
            let ok = rest.is_some_and(|r| {
                r.rsplit_once(':')
                    .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            });
            if !ok {
                bail!(t!("config-nats-url", url = url.to_string()));
            }
        }
        let Some(tls) = &self.tls else {
            bail!(t!("config-nats-needs-tls"));
        };
        if !sealed {
            bail!(t!("config-nats-needs-sealed"));
        }
        let seed = match &x.nats_key {
            Some(p) => base.join(p),
            None => base
                .join(&tls.key)
                .parent()
                .map(|d| d.join("nats.nk"))
                .unwrap_or_else(|| base.join("nats.nk")),
        };
        Ok(Some(NatsLink {
            exchange,
            servers: x.nats.clone(),
            seed,
            stream: x
                .nats_stream
                .clone()
                .unwrap_or_else(|| "LIUDONG_EXCHANGE".to_string()),
        }))
    }
}

/// Refuses a configured code that is not in the embedded division table.
pub fn check_known_code(field: &str, code: &Code) -> Result<()> {
    if code.level() == liudong_core::Level::National {
        return Ok(());
    }
    liudong_core::validate::known_code(field, code).map_err(|e| {
        ConfigError::Invalid(t!(
            "config-unknown-code",
            field = e.field.to_string(),
            code = code.to_string(),
            reason = e.reason.to_string()
        ))
    })
}

/// Checks `[node] units_without_node`: units of the division table under
/// this node (a county: its townships and villages; a township: its
/// villages), not the node itself.
pub fn units_without_node(scope: &NodeScope, codes: &[String]) -> Result<BTreeSet<Code>> {
    const FIELD: &str = "[node] units_without_node";
    if codes.is_empty() {
        return Ok(BTreeSet::new());
    }
    if !matches!(scope.kind, NodeKind::County | NodeKind::Township) {
        bail!(t!(
            "config-units-not-here",
            field = FIELD,
            kind = scope.kind.label()
        ));
    }
    let mut out = BTreeSet::new();
    for c in codes {
        let code = Code::parse(c).with_context(|| format!("{FIELD} {c:?}"))?;
        if code == scope.code || !code.is_under(&scope.code) {
            bail!(t!(
                "config-units-not-under",
                field = FIELD,
                code = code.to_string(),
                node = scope.code.to_string()
            ));
        }
        if !matches!(code.level(), Level::Township | Level::Village) {
            bail!(t!(
                "config-units-level",
                field = FIELD,
                code = code.to_string(),
                level = code.level().label()
            ));
        }
        check_known_code(FIELD, &code)?;
        out.insert(code);
    }
    Ok(out)
}

/// Validated `[workflow]` thresholds.
pub fn thresholds(w: &WorkflowSection) -> Result<Thresholds> {
    if w.missed_quarters == 0 || w.certificate_days < 0 || w.ack_days <= 0 {
        bail!(t!("config-workflow-thresholds"));
    }
    Ok(Thresholds {
        missed_quarters: w.missed_quarters,
        certificate_days: w.certificate_days,
        ack_days: w.ack_days,
    })
}

/// `[console]`: the web console. Absent: no console.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    /// Address the console listens on, e.g. `127.0.0.1:8443` (HTTPS with the
    /// node's `[tls]` certificate).
    pub listen: String,
    /// A session unused for this long ends, seconds. Default 900 (15 minutes).
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u64,
    /// A session ends this long after login, used or not, seconds. Default 28800 (8 hours).
    #[serde(default = "default_max_session")]
    pub max_session_secs: u64,
    /// Failed logins for one operator name before logins under that name are
    /// refused for `lockout_secs`. Default 5.
    #[serde(default = "default_max_failures")]
    pub max_failed_logins: u32,
    /// How long logins under a name stay refused after too many failures, seconds. Default 900.
    #[serde(default = "default_lockout")]
    pub lockout_secs: u64,
}

fn default_idle() -> u64 {
    900
}
fn default_max_session() -> u64 {
    8 * 3600
}
fn default_max_failures() -> u32 {
    5
}
fn default_lockout() -> u64 {
    900
}

/// Validated `[console]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleOptions {
    pub listen: SocketAddr,
    pub idle_timeout: Duration,
    pub max_session: Duration,
    pub max_failed_logins: u32,
    pub lockout: Duration,
}

impl ConsoleSection {
    /// Checks the section; `tls` says whether the node has a `[tls]` identity
    /// (without one the node is `insecure` and the console stays on loopback).
    pub fn validate(&self, tls: bool) -> Result<ConsoleOptions> {
        let listen: SocketAddr = self.listen.parse().map_err(|_| {
            ConfigError::Invalid(t!(
                "config-console-listen-address",
                listen = self.listen.as_str()
            ))
        })?;
        if !tls && !listen.ip().is_loopback() {
            bail!(t!(
                "config-console-listen-loopback",
                listen = listen.to_string()
            ));
        }
        if !(60..=86_400).contains(&self.idle_timeout_secs) {
            bail!(t!(
                "config-console-idle-timeout",
                idle_timeout_secs = self.idle_timeout_secs.to_string()
            ));
        }
        if self.max_session_secs < self.idle_timeout_secs || self.max_session_secs > 7 * 86_400 {
            bail!(t!(
                "config-console-max-session",
                max_session_secs = self.max_session_secs.to_string(),
                idle_timeout_secs = self.idle_timeout_secs.to_string()
            ));
        }
        if !(1..=100).contains(&self.max_failed_logins) {
            bail!(t!(
                "config-console-max-failed-logins",
                max_failed_logins = self.max_failed_logins.to_string()
            ));
        }
        if !(1..=86_400).contains(&self.lockout_secs) {
            bail!(t!(
                "config-console-lockout",
                lockout_secs = self.lockout_secs.to_string()
            ));
        }
        Ok(ConsoleOptions {
            listen,
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_session: Duration::from_secs(self.max_session_secs),
            max_failed_logins: self.max_failed_logins,
            lockout: Duration::from_secs(self.lockout_secs),
        })
    }
}

/// `[metrics]`: the Prometheus endpoint.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Address of the plain-HTTP metrics endpoint (`GET /metrics`), e.g.
    /// "127.0.0.1:9464". Absent (the default): no endpoint.
    pub listen: Option<String>,
}

impl MetricsSection {
    /// The address to serve on, if any.
    pub fn validate(&self) -> Result<Option<SocketAddr>> {
        let Some(s) = self.listen.as_deref() else {
            return Ok(None);
        };
        let addr: SocketAddr = s.parse().with_context(|| {
            format!("[metrics] listen = {s:?} is not an address like 127.0.0.1:9464")
        })?;
        if addr.port() == 0 && !addr.ip().is_loopback() {
            bail!(t!("config-metrics-port", s = s.to_string()));
        }
        Ok(Some(addr))
    }
}

/// `[tls]`: this node's certificate and the CAs it trusts (mutual TLS on
/// every link). Paths are relative to the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// CA certificates (PEM) trusted for peers: the CA that issued this node's
    /// certificate and its children's, and the CA of the upstream's operator
    /// if that is another one (an exchange lists the CA of every county).
    pub ca_certs: Vec<PathBuf>,
    /// This node's certificate (PEM), from `liudong ca issue`.
    pub cert: PathBuf,
    /// This node's private key (PEM, mode 0600), from `liudong ca issue`.
    pub key: PathBuf,
    /// Certificate revocation lists (`crl.pem` of a CA, or a copy of it),
    /// one per trusted CA whose CRL this node has; re-read every 250 ms, so
    /// a revocation takes effect without restart. Certificates of a CA with
    /// no CRL here are not checked for revocation.
    #[serde(default)]
    pub crls: Vec<PathBuf>,
    /// The fingerprint list of earlier versions; refused with what to write
    /// instead (see [`TlsSection::files`]).
    #[serde(default)]
    revoked: Option<PathBuf>,
}

impl TlsSection {
    /// The files named, relative to `base` (the config's directory). A
    /// section still naming the `revoked` fingerprint list is refused with
    /// what to write instead.
    pub fn files(&self, base: &Path) -> Result<TlsFiles, TlsError> {
        if let Some(path) = &self.revoked {
            return Err(TlsError::RevokedListReplaced { path: path.clone() });
        }
        // Relative to the config file's directory; `join` keeps an absolute path.
        let rel = |p: &PathBuf| base.join(p);
        Ok(TlsFiles {
            ca_certs: self.ca_certs.iter().map(rel).collect(),
            cert: rel(&self.cert),
            key: rel(&self.key),
            crls: self.crls.iter().map(rel).collect(),
        })
    }
}

fn loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(h) => h.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the transport settings: either `[tls]` (https upstream) or
/// `insecure = true` on loopback only (http upstream). Loads the TLS files.
pub fn transport(
    cfg: &Config,
    scope: &NodeScope,
    upstream: Option<(&Code, &str)>,
    listen: Option<SocketAddr>,
    base: &Path,
) -> Result<Option<Arc<TlsContext>>> {
    match (&cfg.tls, cfg.node.insecure) {
        (Some(_), true) => bail!(t!("config-insecure-and-tls")),
        (None, false) => bail!(t!("config-tls-missing", code = scope.code.to_string())),
        (None, true) => {
            if let Some(a) = listen
                && !a.ip().is_loopback()
            {
                bail!(t!("config-listen-plaintext", a = a.to_string()));
            }
            if let Some((_, url)) = upstream {
                if url.starts_with("https://") {
                    bail!(t!("config-upstream-https-needs-tls", url = url.to_string()));
                }
                if !loopback_url(url) {
                    bail!(t!("config-upstream-plaintext", url = url.to_string()));
                }
            }
            Ok(None)
        }
        (Some(t), false) => {
            if let Some((_, url)) = upstream
                && !url.starts_with("https://")
            {
                bail!(t!("config-upstream-https-with-tls", url = url.to_string()));
            }
            let files = t.files(base).context("[tls]")?;
            let ctx =
                TlsContext::load(&files, &scope.code, upstream.map(|(c, _)| c)).context("[tls]")?;
            Ok(Some(ctx))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error as `liudong` prints it: the message and its causes.
    fn parse(s: &str) -> anyhow::Result<NodeConfig> {
        let c: Config = toml::from_str(s)?;
        Ok(c.validate(Path::new("/tmp"))?)
    }

    #[test]
    fn example_configs_validate() {
        for f in [
            "county.toml",
            "township.toml",
            "village.toml",
            "exchange.toml",
        ] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../config")
                .join(f);
            Config::load(&path).unwrap_or_else(|e| panic!("{f}: {e:#}"));
        }
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let e = parse("[node]\ncode = \"41060\"\ndata_dir = \"d\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("有 5 位"), "{e:#}");
        let e = parse("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("缺少 [upstream]"), "{e:#}");
        let e = parse("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\n[upstream]\ncode = \"440306018\"\nurl = \"http://127.0.0.1:1\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("必须以上级的代码开头"), "{e:#}");
        let e = parse("[node]\ncode = \"410602\"\ndata_dir = \"d\"\ninsecure = true\nlisten = \"0.0.0.0:7400\"\n[upstream]\ncode = \"CN\"\nurl = \"http://127.0.0.1:1\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("非回环地址"), "{e:#}");
        let e = parse("[node]\ncode = \"410602\"\ndata_dir = \"d\"\nlisten = \"127.0.0.1:7400\"\n[upstream]\ncode = \"CN\"\nurl = \"http://127.0.0.1:1\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("缺少 [tls]"), "{e:#}");
        let e = parse("[node]\ncode = \"410602\"\ndata_dir = \"d\"\nbogus = 1\n").unwrap_err();
        assert!(format!("{e:#}").contains("unknown field"), "{e:#}");
    }

    #[test]
    fn a_node_with_a_code_not_in_the_table_refuses_to_start() {
        let ok = "[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\n[upstream]\ncode = \"410602100\"\nurl = \"http://127.0.0.1:1\"\n";
        parse(ok).unwrap();
        let e = parse(&ok.replace("410602100001", "410602100999")).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("[node] code = 410602100999"), "{msg}");
        assert!(msg.contains("不在区划代码表中"), "{msg}");
        assert!(msg.contains("2023-06-30"), "{msg}");
        let e = parse(
            &ok.replace("410602100001", "410699100001")
                .replace("\"410602100\"", "\"410699100\""),
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("不在区划代码表中"), "{e:#}");
    }

    #[test]
    fn the_config_is_the_one_given_else_the_one_in_the_current_directory() {
        let dir = tempfile::tempdir().unwrap();
        let given = Path::new("/etc/liudong/liudong.toml");
        assert_eq!(find(Some(given), dir.path()).unwrap(), given);
        let e = find(None, dir.path()).unwrap_err();
        assert!(matches!(e, ConfigError::NotFound { .. }), "{e}");
        assert!(e.to_string().contains("LIUDONG_CONFIG"), "{e}");
        std::fs::write(dir.path().join(CONFIG_FILE), "").unwrap();
        assert_eq!(
            find(None, dir.path()).unwrap(),
            dir.path().join(CONFIG_FILE)
        );
    }

    #[test]
    fn units_without_a_node_lie_under_a_county_or_township_and_exist() {
        let county = "[node]\ncode = \"410602\"\ndata_dir = \"d\"\ninsecure = true\nlisten = \"127.0.0.1:1\"\n";
        let up = "[upstream]\ncode = \"CN\"\nurl = \"http://127.0.0.1:1\"\n";
        let with = |units: &str| parse(&format!("{county}units_without_node = {units}\n{up}"));
        let c = with("[\"410602100003\", \"410602001\"]").unwrap();
        let codes: Vec<String> = c.sync.without_node.iter().map(|c| c.to_string()).collect();
        assert_eq!(codes, ["410602001", "410602100003"]);
        for (units, want) in [
            ("[\"440306018001\"]", "不是 410602 下属的单位"),
            ("[\"410602\"]", "不是 410602 下属的单位"),
            ("[\"410602100999\"]", "不在区划代码表中"),
            ("[\"4106021\"]", "units_without_node"),
        ] {
            let e = with(units).unwrap_err();
            assert!(format!("{e:#}").contains(want), "{units}: {e:#}");
        }
        let village = "[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\nunits_without_node = [\"410602100002\"]\n[upstream]\ncode = \"410602100\"\nurl = \"http://127.0.0.1:1\"\n";
        let e = parse(village).unwrap_err();
        assert!(format!("{e:#}").contains("只有县级或乡级节点"), "{e:#}");
    }

    #[test]
    fn a_county_may_wait_for_the_address_of_its_exchange() {
        let county = "[node]\ncode = \"410602\"\ndata_dir = \"d\"\ninsecure = true\nlisten = \"127.0.0.1:1\"\n[upstream]\ncode = \"CN\"\n";
        let c = parse(county).unwrap();
        assert!(c.parent.is_none());
        assert_eq!(c.awaiting_upstream.as_ref().unwrap().code.to_string(), "CN");
        assert_eq!(c.upstream_scope().unwrap().code.to_string(), "CN");
        assert!(c.sync.upstream_unaddressed);
        // A township always knows its county's address (its enrolment gives it).
        let town = "[node]\ncode = \"410602100\"\ndata_dir = \"d\"\ninsecure = true\nlisten = \"127.0.0.1:1\"\n[upstream]\ncode = \"410602\"\n";
        let e = parse(town).unwrap_err();
        assert!(format!("{e:#}").contains("缺少 [upstream] url"), "{e:#}");
    }

    #[test]
    fn a_jetstream_exchange_is_for_sealed_counties_with_tls_and_no_upstream_url() {
        let head = "[node]\ncode = \"410602\"\ndata_dir = \"d\"\ninsecure = true\nlisten = \"127.0.0.1:1\"\n";
        let nats = "[exchange]\nnats = [\"nats://10.0.0.1:4222\", \"nats://10.0.0.2:4222\", \"nats://10.0.0.3:4222\"]\n";
        let err = |text: String| format!("{:#}", parse(&text).unwrap_err());
        let e = err(format!(
            "{head}[upstream]\ncode = \"CN\"\nurl = \"http://127.0.0.1:1\"\n{nats}"
        ));
        assert!(e.contains("请删除 [upstream] url"), "{e}");
        let e = err(format!("{head}[upstream]\ncode = \"CN\"\n{nats}"));
        assert!(e.contains("需要 [tls]"), "{e}");
        let e = err(format!(
            "{head}[upstream]\ncode = \"CN\"\n[exchange]\nnats = [\"http://10.0.0.1:4222\"]\n"
        ));
        assert!(e.contains("nats://host:4222"), "{e}");
        let e = err(format!(
            "{head}[upstream]\ncode = \"CN\"\n[exchange]\nnats_key = \"k.nk\"\n"
        ));
        assert!(e.contains("只在配置了 [exchange] nats 时使用"), "{e}");
        let town = "[node]\ncode = \"410602100\"\ndata_dir = \"d\"\ninsecure = true\nlisten = \"127.0.0.1:1\"\n[upstream]\ncode = \"410602\"\nurl = \"http://127.0.0.1:1\"\n";
        let e = err(format!("{town}{nats}"));
        assert!(e.contains("只用于县级中心"), "{e}");
        // Without nats, a county waiting for its exchange's address is in
        // the sealed tier all the same.
        let c = parse(&format!("{head}[upstream]\ncode = \"CN\"\n")).unwrap();
        assert!(c.exchange.sealed && c.exchange.nats.is_none());
    }

    #[test]
    fn workflow_thresholds_default_and_validate() {
        let ok = "[node]\ncode = \"410602\"\ndata_dir = \"d\"\ninsecure = true\nlisten = \"127.0.0.1:1\"\n[upstream]\ncode = \"CN\"\nurl = \"http://127.0.0.1:1\"\n";
        let c = parse(ok).unwrap();
        assert_eq!(c.thresholds, liudong_core::overdue::Thresholds::default());
        assert_eq!(
            (
                c.thresholds.missed_quarters,
                c.thresholds.certificate_days,
                c.thresholds.ack_days
            ),
            (2, 30, 30)
        );
        let c = parse(&format!(
            "{ok}[workflow]\nmissed_quarters = 3\nack_days = 15\n"
        ))
        .unwrap();
        assert_eq!(
            (c.thresholds.missed_quarters, c.thresholds.ack_days),
            (3, 15)
        );
        let e = parse(&format!("{ok}[workflow]\nmissed_quarters = 0\n")).unwrap_err();
        assert!(format!("{e:#}").contains("[workflow]"), "{e:#}");
    }
}

#[cfg(test)]
mod console_section_tests {
    use super::*;

    fn section(extra: &str) -> anyhow::Result<ConsoleOptions> {
        let s: ConsoleSection = toml::from_str(&format!("listen = \"127.0.0.1:8443\"\n{extra}"))?;
        Ok(s.validate(true)?)
    }

    #[test]
    fn defaults_and_limits() {
        let o = section("").unwrap();
        assert_eq!(o.idle_timeout, Duration::from_secs(900));
        assert_eq!(o.max_session, Duration::from_secs(8 * 3600));
        assert_eq!((o.max_failed_logins, o.lockout.as_secs()), (5, 900));
        let e = section("idle_timeout_secs = 10").unwrap_err();
        assert!(format!("{e:#}").contains("idle_timeout_secs = 10"), "{e:#}");
        let e = section("idle_timeout_secs = 600\nmax_session_secs = 300").unwrap_err();
        assert!(format!("{e:#}").contains("max_session_secs"), "{e:#}");
        let e = section("max_failed_logins = 0").unwrap_err();
        assert!(format!("{e:#}").contains("max_failed_logins"), "{e:#}");
        let e: ConsoleSection = toml::from_str("listen = \"nowhere\"").unwrap();
        assert!(
            format!("{:#}", e.validate(true).unwrap_err())
                .contains("不是形如 127.0.0.1:8443 的地址")
        );
    }

    #[test]
    fn the_example_section_in_county_toml_validates() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/county.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let block: String = text
            .lines()
            .skip_while(|l| *l != "# [console]")
            .skip(1)
            .take_while(|l| l.starts_with("# "))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        let s: ConsoleSection = toml::from_str(&block).unwrap();
        let o = s.validate(false).unwrap();
        assert_eq!(o.listen.port(), 8443);
        assert_eq!(o, section("").unwrap(), "the example shows the defaults");
    }

    #[test]
    fn plaintext_console_only_on_loopback() {
        let s: ConsoleSection = toml::from_str("listen = \"0.0.0.0:8443\"").unwrap();
        assert!(s.validate(true).is_ok());
        let e = s.validate(false).unwrap_err();
        assert!(format!("{e:#}").contains("回环地址"), "{e:#}");
    }
}

#[cfg(test)]
mod tls_tests {
    use super::*;

    fn validate(toml_text: &str) -> anyhow::Result<NodeConfig> {
        let c: Config = toml::from_str(toml_text)?;
        Ok(c.validate(Path::new("/tmp"))?)
    }

    #[test]
    fn plaintext_only_on_loopback() {
        assert!(loopback_url("http://127.0.0.1:7200"));
        assert!(loopback_url("http://localhost:7200/"));
        assert!(loopback_url("http://[::1]:7200"));
        assert!(!loopback_url("http://10.1.2.3:7200"));
        assert!(!loopback_url("http://county-hub.example:7200"));
        let e = validate("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\n[upstream]\ncode = \"410602100\"\nurl = \"http://10.1.2.3:7300\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("不允许以明文"), "{e:#}");
        let e = validate("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\ninsecure = true\n[upstream]\ncode = \"410602100\"\nurl = \"https://127.0.0.1:7300\"\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("使用 https 需要 [tls] 配置"),
            "{e:#}"
        );
        let e = validate("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\n[upstream]\ncode = \"410602100\"\nurl = \"https://127.0.0.1:7300\"\n[tls]\nca_certs = [\"missing/ca.crt\"]\ncert = \"missing/node.crt\"\nkey = \"missing/node.key\"\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("无法读取 /tmp/missing/ca.crt"),
            "{e:#}"
        );
        // The fingerprint list of earlier versions: refused, saying what to write.
        let e = validate("[node]\ncode = \"410602100001\"\ndata_dir = \"d\"\n[upstream]\ncode = \"410602100\"\nurl = \"https://127.0.0.1:7300\"\n[tls]\nca_certs = [\"tls/ca.crt\"]\ncert = \"tls/node.crt\"\nkey = \"tls/node.key\"\nrevoked = \"tls/revoked.txt\"\n").unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("[tls] revoked = \"tls/revoked.txt\""), "{msg}");
        assert!(msg.contains("crls = [") && msg.contains("crl.pem"), "{msg}");
    }
}
