//! Setting up a node for an operator who is not a developer (docs/operations.md):
//!
//! - `liudong init --code CODE`: a hub (county, or an exchange) gets a
//!   commented config with the defaults of its level, its data directory,
//!   the operator's CA (`ca/`) and its own node certificate (`tls/`);
//! - `liudong enrol --config HUB --code CHILD --out FILE`: the county hub
//!   issues a township's or village's key and certificate from its CA and
//!   writes everything that node needs as one enrolment file ([`crate::enrol_file`]);
//! - `liudong init --enrol FILE`: the township or village unpacks it.
//!
//! Every config written here is checked with [`Config::load`] before the
//! command reports success.

use crate::enrol_file::{self, Enrolment};
use crate::error::{ConfigError, Context, OpsError, io, refuse};
use crate::pki;
use liudong_core::code::Level;
use liudong_core::{Code, NodeKind};
use liudong_i18n::t;
use liudong_node::config::Config;
use std::io::Write;
use std::path::{Path, PathBuf};

type Result<T, E = OpsError> = std::result::Result<T, E>;

/// File name of the config `init` writes in its directory.
pub const CONFIG_FILE: &str = "liudong.toml";
/// Directory (under the config's) of the node's TLS files.
pub const TLS_DIR: &str = "tls";
/// Directory (under the config's) of a hub's CA, unless `--ca-dir` says otherwise.
pub const CA_DIR: &str = "ca";
/// Directory of the CA where `enrol` keeps a copy of every certificate it issued.
pub const ISSUED_DIR: &str = "issued";

/// What `liudong init --code` is asked to set up.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub code: String,
    /// Directory of the config and the `tls/` files (created).
    pub dir: PathBuf,
    /// Data directory; default `DIR/data`.
    pub data_dir: Option<PathBuf>,
    /// The upstream's sync address (`https://host:port`).
    pub upstream_url: Option<String>,
    /// The upstream's code: for a county the exchange it dials (default `CN`).
    pub upstream_code: Option<String>,
    /// Sync listen address; default per level.
    pub listen: Option<String>,
    /// Admin listen address (loopback); default per level.
    pub admin_listen: Option<String>,
    /// Exchange nodes: `county` (default) or `province`.
    pub exchange_children: Option<String>,
    /// Other operators' CA certificates to trust (the exchange's for a county,
    /// the counties' for an exchange).
    pub trust_ca: Vec<PathBuf>,
    /// The hub's CA directory; default `DIR/ca`.
    pub ca_dir: Option<PathBuf>,
    /// Overwrite an existing config (and reissue the node certificate).
    pub force: bool,
}

/// What `liudong init --enrol FILE` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    pub file: PathBuf,
    pub dir: PathBuf,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub admin_listen: Option<String>,
    pub force: bool,
}

/// What `liudong enrol` is asked to issue.
#[derive(Debug, Clone)]
pub struct EnrolOptions {
    /// The hub's config.
    pub config: PathBuf,
    /// The township or village to enrol.
    pub code: String,
    /// The address the child dials: the county hub's for a township, the
    /// township's for a village.
    pub url_for_child: Option<String>,
    /// The hub's CA directory; default `ca/` beside the config.
    pub ca_dir: Option<PathBuf>,
    /// Certificate validity in days.
    pub days: i64,
    pub out: PathBuf,
    pub force: bool,
}

/// The defaults of a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelDefaults {
    /// Sync listen address (none for a village: it has no children).
    pub listen: Option<&'static str>,
    pub admin_listen: &'static str,
    /// Live session (true) or one-shot sessions every `interval_secs`.
    pub live: bool,
    pub interval_secs: u64,
    pub cache_mb: u64,
    pub verify_secs: u64,
}

/// Defaults by kind: hubs are well connected and keep a live session;
/// townships and villages often have poor links and sync in one-shot
/// sessions (every 10 minutes, hourly) plus right after each local write.
pub fn defaults(kind: NodeKind) -> LevelDefaults {
    match kind {
        NodeKind::Exchange { .. } => LevelDefaults {
            listen: Some("0.0.0.0:7000"),
            admin_listen: "127.0.0.1:7001",
            live: true,
            interval_secs: 300,
            cache_mb: 128,
            verify_secs: 3600,
        },
        NodeKind::County => LevelDefaults {
            listen: Some("0.0.0.0:7200"),
            admin_listen: "127.0.0.1:7201",
            live: true,
            interval_secs: 300,
            cache_mb: 128,
            verify_secs: 3600,
        },
        NodeKind::Township => LevelDefaults {
            listen: Some("0.0.0.0:7300"),
            admin_listen: "127.0.0.1:7301",
            live: false,
            interval_secs: 600,
            cache_mb: 32,
            verify_secs: 3600,
        },
        NodeKind::Village => LevelDefaults {
            listen: None,
            admin_listen: "127.0.0.1:7401",
            live: false,
            interval_secs: 3600,
            cache_mb: 8,
            verify_secs: 6 * 3600,
        },
    }
}

/// The official name of a division, or why there is none. Refuses codes
/// that are not in the embedded table.
pub fn division_name(code: &Code) -> Result<String> {
    let t = liudong_core::divisions::table();
    if code.is_national() {
        return Ok("全国 (national)".into());
    }
    if !t.contains(code.as_str()) {
        return Err(OpsError::UnknownDivision {
            code: code.clone(),
            date: t.data_date().to_string(),
            level: code.level(),
            digits: code.level().digits(),
        });
    }
    // Villages carry no names in the shipped table: name the unit they belong to.
    Ok(match t.name(code.as_str()) {
        Some(n) => n.to_string(),
        None => match code
            .parent()
            .and_then(|p| t.name(p.as_str()).map(str::to_string))
        {
            Some(p) => format!("a {} of {p}", code.level().name()),
            None => format!("{} {code}", code.level().name()),
        },
    })
}

/// The node kind a code is set up as (exchange nodes: `children`).
pub fn kind_of(code: &Code, children: Option<&str>) -> Result<NodeKind> {
    Ok(match code.level() {
        Level::Village => NodeKind::Village,
        Level::Township => NodeKind::Township,
        Level::County => NodeKind::County,
        _ => NodeKind::Exchange {
            child_level: match children.unwrap_or("county") {
                "county" => Level::County,
                "province" => Level::Province,
                other => refuse!(t!("ops-exchange-children-value", other = other.to_string())),
            },
        },
    })
}

/// Everything a rendered config says.
#[derive(Debug, Clone)]
pub struct Plan {
    pub code: Code,
    pub name: String,
    pub kind: NodeKind,
    /// The upstream and its address (`None` while it has none yet).
    pub upstream: Option<(Code, Option<String>)>,
    /// As written in the config (relative to it, or absolute).
    pub data_dir: PathBuf,
    pub listen: Option<String>,
    pub admin_listen: String,
    /// `[tls]` paths as written in the config.
    pub ca_certs: Vec<PathBuf>,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// `[tls] crls` as written in the config.
    pub crls: Vec<PathBuf>,
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn qpath(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

/// One `key = value   # comment` line of a rendered config, the comments
/// aligned.
fn entry(s: &mut String, key: &str, value: impl std::fmt::Display, comment: &str) {
    let kv = format!("{key} = {value}");
    s.push_str(&format!("{kv:<35} # {comment}\n"));
}

/// The commented config of a plan, with the defaults of its level.
pub fn render(plan: &Plan) -> String {
    use std::fmt::Write as _;
    let d = defaults(plan.kind);
    let w = liudong_node::config::WorkflowSection::default();
    let what = match plan.kind {
        NodeKind::Exchange { child_level } => format!(
            "exchange node: holds only records that cross between its {}s and passes each on",
            child_level.name()
        ),
        NodeKind::County => {
            "county hub: holds every record of the county; its townships dial it".into()
        }
        NodeKind::Township => "township node: its villages dial it; it dials its county".into(),
        NodeKind::Village => "village node: it has no children and only dials its township".into(),
    };
    let mut s = String::new();
    let _ = writeln!(s, "# Liudong node {} ({}): {what}.", plan.code, plan.name);
    let _ = writeln!(
        s,
        "# Written by `liudong init`; every option is explained in docs/operations.md and config/*.toml."
    );
    let _ = writeln!(s, "# Relative paths are relative to this file.");
    let _ = writeln!(s, "[node]");
    entry(
        &mut s,
        "code",
        quote(&plan.code.to_string()),
        "the division this node serves",
    );
    if let NodeKind::Exchange { child_level } = plan.kind {
        entry(
            &mut s,
            "exchange_children",
            quote(child_level.name()),
            "level of the nodes that dial it: \"county\" or \"province\"",
        );
    }
    entry(
        &mut s,
        "data_dir",
        qpath(&plan.data_dir),
        "the node's store; back it up (docs/operations.md)",
    );
    match &plan.listen {
        Some(l) => {
            entry(
                &mut s,
                "listen",
                quote(l),
                "its child nodes dial this address (mutual TLS)",
            );
        }
        None => {
            let _ = writeln!(
                s,
                "# listen: none, a village has no children (set one only if that changes)"
            );
        }
    }
    entry(
        &mut s,
        "admin_listen",
        quote(&plan.admin_listen),
        "loopback only: liudong status / record add / verify reach the running node here",
    );
    let _ = writeln!(s);
    match &plan.upstream {
        Some((code, url)) => {
            let _ = writeln!(s, "[upstream]");
            entry(
                &mut s,
                "code",
                quote(&code.to_string()),
                "the node this one dials",
            );
            match url {
                Some(url) => entry(
                    &mut s,
                    "url",
                    quote(url),
                    "its sync address; https because every link is mutual TLS",
                ),
                None => {
                    let _ = writeln!(
                        s,
                        "# url: not known yet; records for {code} wait here. `liudong trust add` with its trust file sets it (docs/operations.md)"
                    );
                }
            }
        }
        None => {
            let _ = writeln!(
                s,
                "# [upstream]: none, this is the top exchange node (a province exchange would dial \"CN\")"
            );
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "[sync]");
    entry(
        &mut s,
        "live",
        d.live,
        "true: keep a session open, records cross at once; false: one-shot sessions",
    );
    entry(
        &mut s,
        "interval_secs",
        d.interval_secs,
        "one-shot session period when live = false (and after each local write)",
    );
    let _ = writeln!(
        s,
        "# max_batch = 500, max_batch_bytes = 1048576, window = 4, max_skew_secs = 300,"
    );
    let _ = writeln!(
        s,
        "# idle_timeout_secs = 60, backoff_min_ms = 500, backoff_max_secs = 300: see config/county.toml"
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "[store]");
    entry(
        &mut s,
        "cache_mb",
        d.cache_mb,
        "store page cache (village 8, township 32, hubs 128)",
    );
    entry(
        &mut s,
        "compression",
        "3",
        "zstd level of pages on disk (1-22), 0 = off",
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "# Periodic proof that this node and its upstream hold the same records of its scope."
    );
    let _ = writeln!(s, "[verify]");
    entry(
        &mut s,
        "interval_secs",
        d.verify_secs,
        "0 = only when an operator runs `liudong verify`",
    );
    entry(
        &mut s,
        "repair",
        "true",
        "transfer the missing records both ways when they differ",
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "[workflow]");
    entry(
        &mut s,
        "missed_quarters",
        w.missed_quarters,
        "N: list migrants missing this many consecutive quarterly check reports",
    );
    entry(
        &mut s,
        "certificate_days",
        w.certificate_days,
        "D: list certificates expired or expiring within this many days",
    );
    entry(
        &mut s,
        "ack_days",
        w.ack_days,
        "A: list inflow notices unacknowledged after this many days",
    );
    let _ = writeln!(s);
    s.push_str(&optional_sections(plan.kind));
    let _ = writeln!(s, "# Mutual TLS on every link (docs/security.md).");
    let _ = writeln!(s, "[tls]");
    let cas: Vec<String> = plan.ca_certs.iter().map(|p| qpath(p)).collect();
    let _ = writeln!(
        s,
        "ca_certs = [{}]   # CAs trusted for peers",
        cas.join(", ")
    );
    if plan.kind == NodeKind::County && plan.ca_certs.len() == 1 {
        let _ = writeln!(
            s,
            "# a county hub also trusts the exchange operator's CA: copy it to tls/ and add it above"
        );
    }
    if matches!(plan.kind, NodeKind::Exchange { .. }) && plan.ca_certs.len() == 1 {
        let _ = writeln!(
            s,
            "# an exchange trusts the CA of every county it serves: copy each county's ca.crt to tls/ and add it above"
        );
    }
    let _ = writeln!(
        s,
        "cert = {:<28} # this node's certificate (names {})",
        qpath(&plan.cert),
        plan.code
    );
    entry(
        &mut s,
        "key",
        qpath(&plan.key),
        "its private key, mode 0600",
    );
    let crls: Vec<String> = plan.crls.iter().map(|p| qpath(p)).collect();
    entry(
        &mut s,
        "crls",
        format!("[{}]", crls.join(", ")),
        "certificate revocation lists of the CAs above, re-read every 250 ms",
    );
    if plan.ca_certs.len() > 1 {
        let _ = writeln!(
            s,
            "# add another operator's CRL (copied to tls/crl-<code>.pem) when it sends one; without it, certificates of that CA are not checked for revocation"
        );
    }
    s
}

/// The optional sections, commented out: the Prometheus endpoint on every
/// node, and on a hub the web console (remove the leading `# ` to enable).
fn optional_sections(kind: NodeKind) -> String {
    let mut s = String::from(
        "# Prometheus metrics, plain HTTP: keep it on loopback or behind the firewall (docs/monitoring.md).\n\
         # [metrics]\n\
         # listen = \"127.0.0.1:9464\"\n\n",
    );
    if matches!(kind, NodeKind::County | NodeKind::Exchange { .. }) {
        s.push_str(
            "# The web console for operators, HTTPS with this node's certificate (docs/console.md);\n\
             # add accounts with `liudong operator add --config <this file> --name NAME`.\n\
             # [console]\n\
             # listen = \"127.0.0.1:8443\"     # the address operators' browsers reach\n\
             # idle_timeout_secs = 900       # a session unused this long ends\n\
             # max_session_secs = 28800      # a session ends this long after login\n\n",
        );
    }
    s
}

/// Opens `path` for writing with `mode`; refuses an existing file unless `force`.
pub(crate) fn write_file(path: &Path, data: &[u8], mode: u32, force: bool) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            OpsError::Exists {
                path: path.to_path_buf(),
                hint: "ops-exists-force",
            }
        } else {
            io("write", path)(e)
        }
    })?;
    #[cfg(unix)]
    {
        // An existing file keeps its old mode when truncated: set it.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io("set the mode of", path))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(io("write", path))
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io("create directory", dir))
}

/// `path` as written in a config in `base`: relative if under it.
fn config_path(base: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .map_err(OpsError::CurrentDir)?
            .join(p))
    }
}

/// Refuses a listen address that is not `IP:port` before anything is written.
fn check_addrs(listen: &Option<String>, admin: &Option<String>) -> Result<()> {
    for (flag, v) in [("--listen", listen), ("--admin-listen", admin)] {
        if let Some(v) = v {
            let a: std::net::SocketAddr = v.parse().map_err(|e: std::net::AddrParseError| {
                OpsError::Usage(t!(
                    "ops-listen-address",
                    flag = flag.to_string(),
                    v = v.to_string(),
                    e = e.to_string()
                ))
            })?;
            if flag == "--admin-listen" && !a.ip().is_loopback() {
                refuse!(t!("ops-admin-listen-loopback", v = v.to_string()));
            }
        }
    }
    Ok(())
}

fn refuse_existing_config(config: &Path, force: bool) -> Result<()> {
    if config.exists() && !force {
        return Err(OpsError::Exists {
            path: config.to_path_buf(),
            hint: "ops-exists-config",
        });
    }
    Ok(())
}

/// Checks a written config the way `serve` will load it.
fn check_loads(config: &Path) -> Result<liudong_node::config::NodeConfig> {
    Config::load(config).map_err(ConfigError::new).with_context(|| {
        format!(
            "the config just written does not load; fix the option named above and rerun with --force ({})",
            config.display()
        )
    })
}

/// The result of setting up a node, for the caller to print or check.
#[derive(Debug, Clone)]
pub struct SetUp {
    pub config: PathBuf,
    pub data_dir: PathBuf,
    pub fingerprint: String,
    pub steps: Vec<String>,
    pub summary: String,
}

impl SetUp {
    /// Prints the summary and numbered next steps.
    pub fn print(&self) {
        println!("{}", self.summary);
        println!("{}", t!("ops-next-steps"));
        for (i, s) in self.steps.iter().enumerate() {
            println!("  {}. {s}", i + 1);
        }
    }
}

/// `liudong init --code`: sets up a county hub or an exchange node.
pub fn init_hub(o: &InitOptions) -> Result<SetUp> {
    let code = Code::parse(&o.code).with_context(|| format!("--code {:?}", o.code))?;
    let name = division_name(&code)?;
    let kind = kind_of(&code, o.exchange_children.as_deref())?;
    if matches!(kind, NodeKind::Township | NodeKind::Village) {
        refuse!(t!(
            "ops-needs-enrolment",
            code = code.to_string(),
            name = name.to_string(),
            kind = kind.label()
        ));
    }
    if o.exchange_children.is_some() && kind == NodeKind::County {
        refuse!(t!("ops-exchange-children-not-exchange"));
    }
    check_addrs(&o.listen, &o.admin_listen)?;
    let dir = absolute(&o.dir)?;
    let config = dir.join(CONFIG_FILE);
    refuse_existing_config(&config, o.force)?;
    let upstream_code = || -> Result<Code> {
        let up = o.upstream_code.as_deref().unwrap_or("CN");
        let up = Code::parse(up).with_context(|| format!("--upstream-code {up:?}"))?;
        division_name(&up).context("--upstream-code")?;
        Ok(up)
    };
    let upstream = match (kind, &o.upstream_url) {
        // A county may start before its exchange exists: records crossing
        // the county wait for it (`liudong trust add` gives the address).
        (NodeKind::County, None) => Some((upstream_code()?, None)),
        (_, None) => {
            if o.upstream_code.is_some() {
                refuse!(t!("ops-upstream-code-needs-url"));
            }
            None
        }
        (_, Some(url)) => Some((upstream_code()?, Some(url.clone()))),
    };
    if let Some((_, Some(url))) = &upstream
        && !url.starts_with("https://")
    {
        refuse!(t!("ops-upstream-url-https", url = url.to_string()));
    }
    let mut trust = Vec::new();
    for f in &o.trust_ca {
        let pem = std::fs::read_to_string(f)
            .map_err(io("read", f))
            .context("--trust-ca")?;
        let other =
            pki::ca_cert_code(&pem).with_context(|| format!("--trust-ca {}", f.display()))?;
        if other == code {
            refuse!(t!(
                "ops-trust-ca-own",
                f = f.display().to_string(),
                code = code.to_string()
            ));
        }
        trust.push((other, pem));
    }
    let tls = dir.join(TLS_DIR);
    create_dir(&tls)?;
    let ca_dir = match &o.ca_dir {
        Some(d) => absolute(d)?,
        None => dir.join(CA_DIR),
    };
    let ca = if ca_dir.join(pki::CA_KEY).exists() {
        let ca = pki::ca_load(&ca_dir)
            .with_context(|| t!("ops-context-ca", dir = ca_dir.display().to_string()))?;
        if ca.code != code {
            refuse!(t!(
                "ops-ca-dir-other-code",
                ca_dir = ca_dir.display().to_string(),
                code = ca.code.to_string(),
                code2 = code.to_string()
            ));
        }
        ca
    } else {
        pki::ca_init(&code, &ca_dir).with_context(|| {
            t!(
                "ops-context-creating-ca",
                dir = ca_dir.display().to_string()
            )
        })?
    };
    // The hub reads its CA's CRL in place when the CA lives in the node's
    // directory; a CA kept elsewhere (removable media) is copied to tls/, so
    // the hub starts without it.
    let crl_pem = ca.current_crl()?;
    let crl = if ca_dir.starts_with(&dir) {
        ca.crl_path()
    } else {
        let copy = tls.join(pki::CRL);
        write_file(&copy, crl_pem.as_bytes(), 0o644, true)?;
        copy
    };
    let issued = ca
        .issue(&code, pki::NODE_DAYS)
        .context(t!("ops-context-issuing-hub"))?;
    keep_issued(&ca_dir, &code, &issued.fingerprint, &issued.cert_pem)?;
    write_file(
        &tls.join(pki::NODE_KEY),
        issued.key_pem.as_bytes(),
        0o600,
        o.force,
    )?;
    write_file(
        &tls.join(pki::NODE_CERT),
        issued.cert_pem.as_bytes(),
        0o644,
        o.force,
    )?;
    write_file(
        &tls.join(pki::CA_CERT),
        ca.cert_pem.as_bytes(),
        0o644,
        o.force,
    )?;
    let mut ca_certs = vec![PathBuf::from(TLS_DIR).join(pki::CA_CERT)];
    let mut trusted = Vec::new();
    for (other, pem) in &trust {
        let name = format!("ca-{}.crt", other.to_string().to_ascii_lowercase());
        write_file(&tls.join(&name), pem.as_bytes(), 0o644, o.force)?;
        ca_certs.push(PathBuf::from(TLS_DIR).join(name));
        trusted.push(other.clone());
    }
    let data_dir = match &o.data_dir {
        Some(d) => absolute(d)?,
        None => dir.join("data"),
    };
    create_dir(&data_dir)?;
    let d = defaults(kind);
    let plan = Plan {
        code: code.clone(),
        name: name.clone(),
        kind,
        upstream: upstream.clone(),
        data_dir: config_path(&dir, &data_dir),
        listen: o.listen.clone().or(d.listen.map(str::to_string)),
        admin_listen: o.admin_listen.clone().unwrap_or(d.admin_listen.into()),
        ca_certs,
        cert: PathBuf::from(TLS_DIR).join(pki::NODE_CERT),
        key: PathBuf::from(TLS_DIR).join(pki::NODE_KEY),
        crls: vec![config_path(&dir, &crl)],
    };
    write_file(&config, render(&plan).as_bytes(), 0o644, o.force)?;
    let loaded = check_loads(&config)?;
    let cfg = config.display();
    let mut steps = vec![t!("ops-step-review", config = cfg.to_string())];
    match kind {
        NodeKind::County => {
            let exch = &upstream
                .as_ref()
                .map(|u| u.0.to_string())
                .unwrap_or_default();
            if !trusted.iter().any(|c| c.to_string() == *exch) {
                steps.push(t!(
                    "topo-init-step-trust",
                    exchange = exch.as_str(),
                    config = cfg.to_string()
                ));
            }
            if upstream.as_ref().is_some_and(|u| u.1.is_none()) {
                steps.push(t!("topo-init-step-waiting", exchange = exch.as_str()));
            }
        }
        _ => steps.push(t!(
            "topo-init-step-trust-exchange",
            config = cfg.to_string()
        )),
    }
    steps.push(t!(
        "ops-step-keep-ca-key",
        key = ca_dir.join(pki::CA_KEY).display().to_string(),
        code = code.to_string()
    ));
    if crl != ca.crl_path() {
        steps.push(t!(
            "ops-step-copy-crl",
            ca = ca_dir.display().to_string(),
            crl = ca.crl_path().display().to_string(),
            to = crl.display().to_string()
        ));
    }
    steps.push(t!("ops-step-start", config = cfg.to_string()));
    if kind == NodeKind::County {
        let port = loaded.listen.map(|a| a.port()).unwrap_or(7200);
        steps.push(t!(
            "ops-step-enrol-children",
            config = cfg.to_string(),
            port = port.to_string()
        ));
    }
    steps.push(t!("ops-step-check", config = cfg.to_string()));
    Ok(SetUp {
        summary: t!(
            "ops-setup-hub",
            kind = kind.label(),
            code = code.to_string(),
            name = name.to_string(),
            dir = dir.display().to_string(),
            config = cfg.to_string(),
            data = data_dir.display().to_string(),
            cert = tls.join(pki::NODE_CERT).display().to_string(),
            fingerprint = issued.fingerprint.as_str(),
            key = tls.join(pki::NODE_KEY).display().to_string(),
            ca = ca_dir.display().to_string(),
            crl = crl.display().to_string()
        ),
        config,
        data_dir,
        fingerprint: issued.fingerprint,
        steps,
    })
}

/// Keeps a copy of an issued certificate in the CA's `issued/` directory,
/// so the operator can revoke it later (`liudong ca revoke --cert ...`).
fn keep_issued(ca_dir: &Path, code: &Code, fingerprint: &str, pem: &str) -> Result<PathBuf> {
    let dir = ca_dir.join(ISSUED_DIR);
    create_dir(&dir)?;
    let hex = fingerprint.strip_prefix("sha256:").unwrap_or(fingerprint);
    let path = dir.join(format!(
        "{}-{}.crt",
        code.to_string().to_ascii_lowercase(),
        &hex[..hex.len().min(16)]
    ));
    write_file(&path, pem.as_bytes(), 0o644, false)?;
    Ok(path)
}

/// The address a township dials, from the hub's listen address.
pub(crate) fn url_from_listen(listen: Option<std::net::SocketAddr>) -> Option<String> {
    let a = listen?;
    if a.ip().is_unspecified() || a.port() == 0 {
        return None;
    }
    Some(format!("https://{a}"))
}

/// `liudong enrol`: issues a township's or village's identity from the county
/// hub's CA and writes its enrolment file (mode 0600).
pub fn enrol(o: &EnrolOptions) -> Result<PathBuf> {
    let hub = Config::load(&o.config).map_err(ConfigError::new)?;
    if hub.scope.kind != NodeKind::County {
        refuse!(t!(
            "ops-enrol-not-county",
            code = hub.scope.code.to_string(),
            kind = hub.scope.kind.label()
        ));
    }
    let county = &hub.scope.code;
    let code = Code::parse(&o.code).with_context(|| format!("--code {:?}", o.code))?;
    let upstream = match code.level() {
        Level::Township | Level::Village => code
            .parent()
            .ok_or_else(|| OpsError::Usage(t!("ops-enrol-no-parent", code = code.to_string())))?,
        other => refuse!(t!(
            "ops-enrol-code-level",
            code = code.to_string(),
            level = other.label()
        )),
    };
    if !code.is_under(county) {
        refuse!(t!(
            "ops-enrol-outside",
            code = code.to_string(),
            county = county.to_string()
        ));
    }
    let name = division_name(&code)?;
    division_name(&upstream)?;
    if !(1..=3650).contains(&o.days) {
        refuse!(t!("ops-days", days = o.days.to_string()));
    }
    let url = match (&o.url_for_child, code.level()) {
        (Some(u), _) => u.clone(),
        (None, Level::Township) => url_from_listen(hub.listen).ok_or_else(|| {
            OpsError::Usage(t!(
                "ops-url-for-child-missing-township",
                listen = hub
                    .listen
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "-".into()),
                port = hub.listen.map(|a| a.port()).unwrap_or(7200)
            ))
        })?,
        (None, _) => refuse!(t!(
            "ops-url-for-child-missing-village",
            code = code.to_string(),
            upstream = upstream.to_string()
        )),
    };
    if !url.starts_with("https://") {
        refuse!(t!("ops-url-for-child-https", url = url.to_string()));
    }
    let base = o.config.parent().unwrap_or(Path::new("."));
    let ca_dir = absolute(&match &o.ca_dir {
        Some(d) => d.clone(),
        None => base.join(CA_DIR),
    })?;
    let ca = pki::ca_load(&ca_dir).with_context(|| {
        t!(
            "ops-context-ca-elsewhere",
            dir = ca_dir.display().to_string()
        )
    })?;
    if &ca.code != county {
        refuse!(t!(
            "ops-ca-dir-other-county",
            ca_dir = ca_dir.display().to_string(),
            code = ca.code.to_string(),
            county = county.to_string()
        ));
    }
    if o.out.exists() && !o.force {
        refuse!(t!(
            "ops-enrol-file-exists",
            out = o.out.display().to_string()
        ));
    }
    let issued = ca.issue(&code, o.days)?;
    let kept = keep_issued(&ca_dir, &code, &issued.fingerprint, &issued.cert_pem)?;
    let crl = ca.current_crl()?;
    let e = Enrolment {
        code: code.to_string(),
        name: name.clone(),
        issued_by: county.to_string(),
        issued_on: liudong_core::Date::from_unix_ms(now_ms()).to_string(),
        upstream_code: upstream.to_string(),
        upstream_url: url,
        fingerprint: issued.fingerprint.clone(),
        node_cert: issued.cert_pem,
        node_key: issued.key_pem,
        ca_cert: ca.cert_pem.clone(),
        crl,
        revocation_hint: t!(
            "ops-enrol-revocation-hint",
            crl = ca.crl_path().display().to_string(),
            kept = kept.display().to_string(),
            ca = ca_dir.display().to_string()
        ),
    };
    write_file(&o.out, enrol_file::encode(&e).as_bytes(), 0o600, o.force)?;
    let kind = if code.level() == Level::Township {
        NodeKind::Township
    } else {
        NodeKind::Village
    }
    .label();
    println!(
        "{}",
        t!(
            "ops-enrol-written",
            kind = kind.as_str(),
            code = code.to_string(),
            name = name.to_string(),
            out = o.out.display().to_string(),
            fingerprint = issued.fingerprint.as_str(),
            county = county.to_string(),
            days = o.days.to_string(),
            kept = kept.display().to_string(),
            upstream = upstream.to_string(),
            url = e.upstream_url.as_str()
        )
    );
    println!("{}", t!("ops-next-steps"));
    println!("  1. {}", t!("ops-enrol-step-carry"));
    println!(
        "  2. {}",
        t!(
            "ops-enrol-step-init",
            kind = kind.as_str(),
            file = o
                .out
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string()
        )
    );
    println!(
        "  3. {}",
        t!(
            "ops-enrol-step-nothing",
            county = county.to_string(),
            config = o.config.display().to_string()
        )
    );
    Ok(o.out.clone())
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `liudong init --enrol FILE`: unpacks an enrolment file into a node's directory.
pub fn unpack(o: &UnpackOptions) -> Result<SetUp> {
    let text = std::fs::read(&o.file).map_err(io("read enrolment file", &o.file))?;
    let e = enrol_file::decode(&text).with_context(|| {
        t!(
            "ops-context-enrol-file",
            file = o.file.display().to_string()
        )
    })?;
    let code = Code::parse(&e.code).context(t!("ops-context-enrol-file-field", field = "code"))?;
    let kind = kind_of(&code, None)?;
    if !matches!(kind, NodeKind::Township | NodeKind::Village) {
        refuse!(t!(
            "ops-enrol-file-not-lower",
            file = o.file.display().to_string(),
            code = code.to_string()
        ));
    }
    let upstream = Code::parse(&e.upstream_code)
        .context(t!("ops-context-enrol-file-field", field = "upstream_code"))?;
    check_addrs(&o.listen, &o.admin_listen)?;
    let dir = absolute(&o.dir)?;
    let config = dir.join(CONFIG_FILE);
    refuse_existing_config(&config, o.force)?;
    let tls = dir.join(TLS_DIR);
    create_dir(&tls)?;
    for (name, content, mode) in [
        (pki::NODE_KEY, &e.node_key, 0o600),
        (pki::NODE_CERT, &e.node_cert, 0o644),
        (pki::CA_CERT, &e.ca_cert, 0o644),
        (pki::CRL, &e.crl, 0o644),
    ] {
        write_file(&tls.join(name), content.as_bytes(), mode, o.force)?;
    }
    let data_dir = match &o.data_dir {
        Some(d) => absolute(d)?,
        None => dir.join("data"),
    };
    create_dir(&data_dir)?;
    let d = defaults(kind);
    let plan = Plan {
        code: code.clone(),
        name: e.name.clone(),
        kind,
        upstream: Some((upstream.clone(), Some(e.upstream_url.clone()))),
        data_dir: config_path(&dir, &data_dir),
        listen: o.listen.clone().or(d.listen.map(str::to_string)),
        admin_listen: o.admin_listen.clone().unwrap_or(d.admin_listen.into()),
        ca_certs: vec![PathBuf::from(TLS_DIR).join(pki::CA_CERT)],
        cert: PathBuf::from(TLS_DIR).join(pki::NODE_CERT),
        key: PathBuf::from(TLS_DIR).join(pki::NODE_KEY),
        crls: vec![PathBuf::from(TLS_DIR).join(pki::CRL)],
    };
    write_file(&config, render(&plan).as_bytes(), 0o644, o.force)?;
    check_loads(&config)?;
    let cfg = config.display();
    let mut steps = vec![
        t!(
            "ops-step-delete-enrol",
            file = o.file.display().to_string(),
            key = tls.join(pki::NODE_KEY).display().to_string()
        ),
        t!("ops-step-review", config = cfg.to_string()),
        t!("ops-step-start", config = cfg.to_string()),
        t!(
            "ops-step-check-upstream",
            upstream = upstream.to_string(),
            url = e.upstream_url.as_str(),
            config = cfg.to_string()
        ),
        t!(
            "ops-step-keep-crl",
            crl = tls.join(pki::CRL).display().to_string(),
            hint = e.revocation_hint.as_str()
        ),
    ];
    if kind == NodeKind::Township {
        steps.push(t!(
            "ops-step-villages",
            code = code.to_string(),
            listen = plan
                .listen
                .clone()
                .unwrap_or_else(|| t!("ops-listen-unknown"))
        ));
    }
    Ok(SetUp {
        summary: t!(
            "ops-setup-enrolled",
            kind = kind.label(),
            code = code.to_string(),
            name = e.name.as_str(),
            dir = dir.display().to_string(),
            county = e.issued_by.as_str(),
            issued_on = e.issued_on.as_str(),
            config = cfg.to_string(),
            data = data_dir.display().to_string(),
            cert = tls.join(pki::NODE_CERT).display().to_string(),
            fingerprint = e.fingerprint.as_str(),
            key = tls.join(pki::NODE_KEY).display().to_string(),
            upstream = upstream.to_string(),
            url = e.upstream_url.as_str()
        ),
        config,
        data_dir,
        fingerprint: e.fingerprint,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_node::config::NodeConfig;

    fn hub(dir: &Path, code: &str, upstream: Option<(&str, &str)>) -> InitOptions {
        InitOptions {
            code: code.into(),
            dir: dir.to_path_buf(),
            upstream_url: upstream.map(|u| u.1.to_string()),
            upstream_code: upstream.map(|u| u.0.to_string()),
            ..InitOptions::default()
        }
    }

    fn load(path: &Path) -> NodeConfig {
        Config::load(path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
    }

    fn enrol_opts(config: &Path, code: &str, url: Option<&str>, out: &Path) -> EnrolOptions {
        EnrolOptions {
            config: config.to_path_buf(),
            code: code.into(),
            url_for_child: url.map(str::to_string),
            ca_dir: None,
            days: 30,
            out: out.to_path_buf(),
            force: false,
        }
    }

    fn check_level(cfg: &NodeConfig, kind: NodeKind, set: &SetUp) {
        let d = defaults(kind);
        assert_eq!(cfg.scope.kind, kind);
        assert_eq!(cfg.link.live, d.live);
        assert_eq!(cfg.link.interval.as_secs(), d.interval_secs);
        assert_eq!(cfg.store.cache_bytes, d.cache_mb << 20);
        assert_eq!(
            cfg.verify.interval.map(|i| i.as_secs()),
            Some(d.verify_secs)
        );
        assert_eq!(cfg.listen.map(|a| a.to_string()).as_deref(), d.listen);
        assert_eq!(cfg.admin_listen.unwrap().to_string(), d.admin_listen);
        assert_eq!(
            cfg.thresholds,
            liudong_core::overdue::Thresholds::default(),
            "workflow thresholds are DOMAIN.md's defaults"
        );
        let tls = cfg.net.tls.as_ref().expect("mutual TLS, not insecure");
        assert_eq!(tls.fingerprint(), set.fingerprint);
        assert!(cfg.data_dir.is_dir(), "data directory created");
        assert!(!set.steps.is_empty());
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn every_level_gets_a_config_that_loads_with_its_defaults() {
        let t = tempfile::tempdir().unwrap();
        // National exchange, a province exchange under it, a county hub.
        let ex = init_hub(&hub(&t.path().join("cn"), "CN", None)).unwrap();
        let cfg = load(&ex.config);
        check_level(
            &cfg,
            NodeKind::Exchange {
                child_level: Level::County,
            },
            &ex,
        );
        assert!(cfg.parent.is_none());
        let mut o = hub(&t.path().join("cn-p"), "CN", None);
        o.exchange_children = Some("province".into());
        let cfg = load(&init_hub(&o).unwrap().config);
        assert_eq!(
            cfg.scope.kind,
            NodeKind::Exchange {
                child_level: Level::Province
            }
        );
        let p = init_hub(&hub(
            &t.path().join("41"),
            "41",
            Some(("CN", "https://exchange.example:7000")),
        ))
        .unwrap();
        let cfg = load(&p.config);
        assert_eq!(cfg.parent.as_ref().unwrap().0.code.to_string(), "CN");

        let dir = t.path().join("county");
        let mut o = hub(
            &dir,
            "410602",
            Some(("CN", "https://exchange.example:7000")),
        );
        o.listen = Some("127.0.0.1:7200".into());
        let county = init_hub(&o).unwrap();
        let cfg = load(&county.config);
        assert_eq!(cfg.listen.unwrap().to_string(), "127.0.0.1:7200");
        assert!(cfg.console.is_none() && cfg.metrics_listen.is_none());
        // The commented optional sections validate once uncommented.
        let text = std::fs::read_to_string(&county.config).unwrap();
        let mut optional = false;
        let enabled: String = text
            .lines()
            .map(|l| {
                optional |= l == "# [metrics]";
                match l.strip_prefix("# ") {
                    Some(rest) if optional && (rest.starts_with('[') || rest.contains(" = ")) => {
                        rest
                    }
                    _ => l,
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let enabled_path = dir.join("enabled.toml");
        std::fs::write(&enabled_path, enabled).unwrap();
        let cfg = load(&enabled_path);
        assert_eq!(cfg.metrics_listen.unwrap().to_string(), "127.0.0.1:9464");
        assert!(cfg.console.is_some(), "console enabled");
        let mut o = hub(
            &t.path().join("county-default"),
            "410602",
            Some(("CN", "https://exchange.example:7000")),
        );
        o.trust_ca = vec![t.path().join("cn/ca/ca.crt")];
        let c2 = init_hub(&o).unwrap();
        check_level(&load(&c2.config), NodeKind::County, &c2);
        let text = std::fs::read_to_string(&c2.config).unwrap();
        assert!(text.contains("\"tls/ca-cn.crt\""), "{text}");
        #[cfg(unix)]
        {
            assert_eq!(mode(&dir.join("tls/node.key")), 0o600);
            assert_eq!(mode(&dir.join("ca/ca.key")), 0o600);
        }

        // Township and village from enrolment files of the county.
        let town_file = t.path().join("town.enrol");
        enrol(&enrol_opts(&county.config, "410602100", None, &town_file)).unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&town_file), 0o600);
        let town = unpack(&UnpackOptions {
            file: town_file,
            dir: t.path().join("town"),
            ..UnpackOptions::default()
        })
        .unwrap();
        let cfg = load(&town.config);
        check_level(&cfg, NodeKind::Township, &town);
        let (up, url) = cfg.parent.as_ref().unwrap();
        assert_eq!(
            (up.code.to_string().as_str(), url.as_str()),
            ("410602", "https://127.0.0.1:7200")
        );
        #[cfg(unix)]
        assert_eq!(mode(&t.path().join("town/tls/node.key")), 0o600);

        let vil_file = t.path().join("vil.enrol");
        enrol(&enrol_opts(
            &county.config,
            "410602100001",
            Some("https://township.example:7300"),
            &vil_file,
        ))
        .unwrap();
        let vil = unpack(&UnpackOptions {
            file: vil_file,
            dir: t.path().join("vil"),
            ..UnpackOptions::default()
        })
        .unwrap();
        let cfg = load(&vil.config);
        check_level(&cfg, NodeKind::Village, &vil);
        assert_eq!(cfg.parent.as_ref().unwrap().0.code.to_string(), "410602100");
        // Every issued certificate is kept at the CA for revocation.
        let kept = std::fs::read_dir(dir.join("ca/issued")).unwrap().count();
        assert_eq!(kept, 3, "the hub's own, the township's, the village's");
    }

    #[test]
    fn refusals_name_the_problem() {
        let t = tempfile::tempdir().unwrap();
        let err = |r: Result<SetUp>| crate::error::chain(&r.unwrap_err());
        let e = err(init_hub(&hub(
            t.path(),
            "410699",
            Some(("CN", "https://x:1")),
        )));
        assert!(
            e.contains("410699") && e.contains("不在内置的区划表中"),
            "{e}"
        );
        let e = err(init_hub(&hub(t.path(), "410602100", None)));
        assert!(e.contains("liudong enrol") && e.contains("--enrol"), "{e}");
        // A county without its exchange's address waits for it.
        let waiting = init_hub(&hub(&t.path().join("waiting"), "410602", None)).unwrap();
        let cfg = load(&waiting.config);
        assert!(cfg.parent.is_none());
        assert_eq!(cfg.awaiting_upstream.unwrap().code.to_string(), "CN");
        assert!(
            waiting.steps.iter().any(|s| s.contains("trust add")),
            "{:?}",
            waiting.steps
        );
        let e = err(init_hub(&hub(
            t.path(),
            "410602",
            Some(("CN", "http://x:1")),
        )));
        assert!(e.contains("https://"), "{e}");
        assert!(!t.path().join(CONFIG_FILE).exists());
        // Bad flags are refused before anything is written.
        let bad = t.path().join("bad");
        let mut o = hub(&bad, "410602", Some(("CN", "https://x:1")));
        o.admin_listen = Some("0.0.0.0:7201".into());
        assert!(err(init_hub(&o)).contains("回环地址"));
        o.admin_listen = None;
        o.listen = Some("county-hub:7200".into());
        assert!(err(init_hub(&o)).contains("--listen"));
        o.listen = None;
        let not_ca = t.path().join("not-ca.crt");
        std::fs::write(&not_ca, "hello").unwrap();
        o.trust_ca = vec![not_ca];
        assert!(err(init_hub(&o)).contains("--trust-ca"));
        assert!(!bad.exists(), "nothing written for refused flags");

        let dir = t.path().join("hub");
        let o = hub(
            &dir,
            "410602",
            Some(("CN", "https://exchange.example:7000")),
        );
        let first = init_hub(&o).unwrap();
        let before = std::fs::read_to_string(dir.join("tls/node.crt")).unwrap();
        let e = err(init_hub(&o));
        assert!(e.contains("已存在") && e.contains("--force"), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.join("tls/node.crt")).unwrap(),
            before
        );
        let again = init_hub(&InitOptions {
            force: true,
            ..o.clone()
        })
        .unwrap();
        assert_ne!(again.fingerprint, first.fingerprint, "--force reissues");
        load(&again.config);

        let out = t.path().join("x.enrol");
        let enrol_err = |code: &str, url: Option<&str>| {
            crate::error::chain(&enrol(&enrol_opts(&again.config, code, url, &out)).unwrap_err())
        };
        let e = enrol_err("440306018", None);
        assert!(e.contains("不在本中心的辖区内"), "{e}");
        let e = enrol_err("410602", None);
        assert!(e.contains("县级代码"), "{e}");
        let e = enrol_err("410602100001", None);
        assert!(
            e.contains("缺少 --url-for-child") && e.contains("410602100"),
            "{e}"
        );
        let e = enrol_err("410602100", None);
        assert!(
            e.contains("缺少 --url-for-child") && e.contains("0.0.0.0:7200"),
            "{e}"
        );
        assert!(!out.exists(), "nothing written on refusal");

        // A CA kept outside the config's directory (--ca-dir) serves enrol the same way.
        let mut o = hub(
            &t.path().join("hub2"),
            "410602",
            Some(("CN", "https://exchange.example:7000")),
        );
        o.ca_dir = Some(t.path().join("usb/ca-410602"));
        o.listen = Some("127.0.0.1:7200".into());
        let h2 = init_hub(&o).unwrap();
        assert!(t.path().join("usb/ca-410602/ca.key").exists());
        let text = std::fs::read_to_string(&h2.config).unwrap();
        // Its CRL: a copy in tls/ (the hub must start without the CA's medium),
        // and a step saying to refresh it after each revocation.
        assert!(text.contains("crls = [\"tls/crl.pem\"]"), "{text}");
        assert!(
            h2.steps.iter().any(|s| s.contains("usb/ca-410602/crl.pem")),
            "{:?}",
            h2.steps
        );
        let mut eo = enrol_opts(&h2.config, "410602100", None, &out);
        assert!(crate::error::chain(&enrol(&eo).unwrap_err()).contains("--ca-dir"));
        eo.ca_dir = o.ca_dir.clone();
        enrol(&eo).unwrap();

        let ex = init_hub(&hub(&t.path().join("cn"), "CN", None)).unwrap();
        let e =
            crate::error::chain(&enrol(&enrol_opts(&ex.config, "410602", None, &out)).unwrap_err());
        assert!(e.contains("入网文件由县级中心签发"), "{e}");
    }
}
