//! Shared helpers for the integration tests: starting topologies of real
//! nodes (each with its own store directory, gRPC on 127.0.0.1 port 0) and
//! building synthetic records.

use liudong_core::synth::{SynthRng, birth_date, citizen_id};
use liudong_core::{CitizenId, Code, Date, record::Sex};
use liudong_store::Draft;
use liudong_testkit::demo::Topology;
use std::path::Path;

pub use liudong_testkit::demo::{
    COUNTY_A, COUNTY_B, EXCHANGE, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2,
};

/// An unrelated township of county A (中山北路街道) and its village.
pub const TOWN_A_OTHER: &str = "410602001";
pub const VILLAGE_A_OTHER: &str = "410602001001";
/// An unrelated county in a third province (西湖区, Hangzhou), with a township and a village.
pub const COUNTY_C: &str = "330106";
pub const TOWN_C: &str = "330106002";
pub const VILLAGE_C1: &str = "330106002051";

/// The demo topology plus an unrelated township of county A and an unrelated county.
pub const WIDE: [(&str, Option<&str>); 14] = [
    (EXCHANGE, None),
    (COUNTY_A, Some(EXCHANGE)),
    (TOWN_A, Some(COUNTY_A)),
    (VILLAGE_A1, Some(TOWN_A)),
    (VILLAGE_A2, Some(TOWN_A)),
    (TOWN_A_OTHER, Some(COUNTY_A)),
    (VILLAGE_A_OTHER, Some(TOWN_A_OTHER)),
    (COUNTY_B, Some(EXCHANGE)),
    (TOWN_B, Some(COUNTY_B)),
    (VILLAGE_B1, Some(TOWN_B)),
    (VILLAGE_B2, Some(TOWN_B)),
    (COUNTY_C, Some(EXCHANGE)),
    (TOWN_C, Some(COUNTY_C)),
    (VILLAGE_C1, Some(TOWN_C)),
];

/// Starts `nodes` with live links under `dir`, every link over mutual TLS
/// as deployed (one CA per county operator and one for the exchange).
pub async fn start(dir: &Path, nodes: &[(&str, Option<&str>)]) -> Topology {
    start_tls(dir, nodes, true, |_| {}).await
}

/// As [`start`], with one-shot or live links and a config tweak.
pub async fn start_tls(
    dir: &Path,
    nodes: &[(&str, Option<&str>)],
    live: bool,
    tweak: impl Fn(&mut liudong_node::config::NodeConfig),
) -> Topology {
    let pki = liudong_testkit::demo_tls::DemoPki::create(dir, nodes).expect("certificates");
    Topology::start_with(dir, nodes, live, Some(&pki), tweak)
        .await
        .expect("topology starts")
}

/// Starts `nodes` with plaintext links (`insecure = true`, loopback only).
/// For tests that drive a node with a raw gRPC client or with `liudong`
/// processes configured by [`write_config`]; TLS itself is tested in
/// `security.rs` and `audit.rs`.
pub async fn start_plain(dir: &Path, nodes: &[(&str, Option<&str>)]) -> Topology {
    Topology::start(dir, nodes, true, |_| {})
        .await
        .expect("topology starts")
}

/// An exchange and county A with one-shot links, the county with a
/// loopback admin service: the topology (the exchange), the county's
/// config as an operator command reads it, and the running county.
pub async fn county_with_admin(
    dir: &Path,
) -> (
    Topology,
    liudong_node::config::NodeConfig,
    liudong_node::runner::RunningNode,
) {
    let mut topo = Topology::start(
        dir,
        &[(EXCHANGE, None), (COUNTY_A, Some(EXCHANGE))],
        false,
        |c| c.admin_listen = Some("127.0.0.1:0".parse().unwrap()),
    )
    .await
    .expect("topology starts");
    let exchange_url = format!("http://{}", topo.node(EXCHANGE).sync_addr.unwrap());
    let cfg = liudong_testkit::demo::local_config(
        COUNTY_A,
        Some((EXCHANGE, exchange_url)),
        dir.join(COUNTY_A),
        false,
    )
    .expect("county config");
    let county = topo.take(COUNTY_A).expect("county A runs");
    (topo, cfg, county)
}

/// A synthetic person registered in `origin` (valid check digit, never a real person).
pub fn person(seed: u64, origin: &str) -> CitizenId {
    let mut rng = SynthRng::new(seed);
    let birth = birth_date(&mut rng, Date::new(2026, 1, 1).unwrap(), 20, 45);
    citizen_id(&mut rng, &origin[..6], birth, Sex::Female)
}

/// A draft of `body` about `subject` of `origin`, living at `residence`.
pub fn draft(
    subject: &CitizenId,
    origin: &str,
    residence: Option<&str>,
    body: liudong_core::Body,
) -> Draft {
    Draft {
        operator: "test-cadre".into(),
        subject: subject.clone(),
        origin: Some(Code::parse(origin).unwrap()),
        residence: residence.map(|r| Code::parse(r).unwrap()),
        body,
    }
}

/// An outflow draft for `subject` of `origin` heading to `residence`.
pub fn outflow(subject: &CitizenId, origin: &str, residence: Option<&str>) -> Draft {
    draft(
        subject,
        origin,
        residence,
        liudong_core::synth::outflow_body(),
    )
}

/// Path of the built `liudong` binary (built by `cargo test --workspace`
/// because the `liudong` package has integration tests of its own).
pub fn liudong_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target directory");
    let bin = dir.join("liudong");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p liudong` (or `cargo test --workspace`)",
        bin.display()
    );
    bin
}

/// Writes a node config file for a real `liudong` process.
pub fn write_config(
    dir: &Path,
    code: &str,
    upstream: &str,
    upstream_url: &str,
) -> std::path::PathBuf {
    let path = dir.join(format!("{code}.toml"));
    let listen = if code.len() < 12 {
        "listen = \"127.0.0.1:0\"\n"
    } else {
        ""
    };
    std::fs::write(
        &path,
        format!(
            "[node]\ncode = \"{code}\"\ndata_dir = \"data-{code}\"\n{listen}insecure = true\n\n[upstream]\ncode = \"{upstream}\"\nurl = \"{upstream_url}\"\n\n[sync]\nlive = false\nmax_batch = 200\n"
        ),
    )
    .unwrap();
    path
}

pub mod proxy;

/// Opens one raw sync session on `channel` as `node`, pushes one batch and
/// returns the status the server ends with (`ok("acknowledged")` if it was
/// acknowledged). Waits at most 10 s for each frame.
pub async fn push_raw_on(
    channel: tonic::transport::Channel,
    node: &str,
    records: Vec<bytes::Bytes>,
) -> tonic::Status {
    use futures::StreamExt;
    use liudong_proto::pb;
    let mut client = pb::sync_client::SyncClient::new(channel);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let frame = |f| pb::ClientFrame { frame: Some(f) };
    let hello = pb::Hello {
        protocol: 1,
        node: node.into(),
        pull_cursor: u64::MAX,
        live: false,
        max_batch: 100,
        ..Default::default()
    };
    tx.send(frame(pb::client_frame::Frame::Hello(hello)))
        .await
        .expect("session channel open");
    let mut inbound = match client
        .session(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
    {
        Ok(r) => r.into_inner(),
        Err(s) => return s,
    };
    // The batch covers the position after the server's durable cursor
    // (a sender's positions only increase: docs/protocol.md, "Cursors").
    let mut records = Some(records);
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), inbound.next()).await {
            Ok(Some(Ok(pb::ServerFrame {
                frame: Some(pb::server_frame::Frame::Welcome(w)),
            }))) => {
                let push = pb::Batch {
                    records: records.take().unwrap_or_default(),
                    cursor: w.push_cursor + 1,
                    drained: true,
                    ..Default::default()
                };
                tx.send(frame(pb::client_frame::Frame::Push(push)))
                    .await
                    .expect("session channel open");
            }
            Ok(Some(Ok(pb::ServerFrame {
                frame: Some(pb::server_frame::Frame::PushAck(_)),
            }))) => return tonic::Status::ok("acknowledged"),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(s))) => return s,
            Ok(None) => panic!("the session ended without an error"),
            Err(_) => panic!("no answer within 10 s"),
        }
    }
}

/// A real `liudong serve` process, its config and its log.
pub struct NodeProcess {
    pub child: std::process::Child,
    pub config: std::path::PathBuf,
    pub log: std::path::PathBuf,
    /// "node started" lines in the log before this process was spawned.
    starts_before: usize,
}

fn starts_in(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("node started"))
        .map(str::to_string)
        .collect()
}

impl NodeProcess {
    /// Starts `liudong serve --config <config>`, logging to `log` (appended).
    pub fn spawn(config: &Path, log: &Path) -> NodeProcess {
        NodeProcess::spawn_with(std::process::Command::new(liudong_bin()), config, log)
    }

    /// Starts the node with a prepared command (e.g. `sh -c 'ulimit ...; exec "$0" "$@"'`
    /// with the binary as `$0`); `serve --config <config>` is appended.
    pub fn spawn_with(mut cmd: std::process::Command, config: &Path, log: &Path) -> NodeProcess {
        let starts_before = starts_in(log).len();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = cmd
            .args(["serve", "--config"])
            .arg(config)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        NodeProcess {
            child,
            config: config.to_path_buf(),
            log: log.to_path_buf(),
            starts_before,
        }
    }

    /// The "node started" line this process logged (waits up to 30 s).
    pub fn start_line(&mut self) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(line) = starts_in(&self.log).get(self.starts_before) {
                return line.clone();
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "node exited before it started ({status}):\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "node did not start within 30 s:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The sync address this process logged when it started.
    pub fn sync_addr(&mut self) -> std::net::SocketAddr {
        let line = self.start_line();
        let at = line.find("sync=Some(").expect("a sync address") + "sync=Some(".len();
        let end = line[at..].find(')').expect("closing parenthesis");
        line[at..at + end].parse().expect("socket address")
    }

    /// The number of records the store held when this process started.
    pub fn records_at_start(&mut self) -> u64 {
        let line = self.start_line();
        let at = line.find("records=").expect("a record count") + "records=".len();
        line[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// SIGKILL: the process dies at once, mid-write or not.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits up to `deadline` for the exit; returns the
    /// exit status and how long it took (panics on timeout).
    pub fn terminate(
        &mut self,
        deadline: std::time::Duration,
    ) -> (std::process::ExitStatus, std::time::Duration) {
        let t = std::time::Instant::now();
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return (s, t.elapsed());
            }
            if t.elapsed() > deadline {
                self.kill9();
                panic!(
                    "node did not exit within {deadline:?} of SIGTERM:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill9();
        }
    }
}

/// A loopback port picked by the OS (bound, then released for a node process
/// to take; used for admin addresses that tools must find again).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes the config of a live node process: `listen` on an OS-assigned
/// port for hubs, an admin port if given, fast retries, no periodic verify;
/// `extra` is appended (more `[sync]`/`[net]` keys must go in `sync_extra`).
pub fn write_live_config(
    dir: &Path,
    code: &str,
    upstream: (&str, &str),
    admin_port: Option<u16>,
    sync_extra: &str,
) -> std::path::PathBuf {
    let path = dir.join(format!("{code}.toml"));
    let listen = if code.len() < 12 {
        "listen = \"127.0.0.1:0\"\n"
    } else {
        ""
    };
    let admin = admin_port
        .map(|p| format!("admin_listen = \"127.0.0.1:{p}\"\n"))
        .unwrap_or_default();
    std::fs::write(
        &path,
        format!(
            "[node]\ncode = \"{code}\"\ndata_dir = \"data-{code}\"\n{listen}{admin}insecure = true\n\n\
             [upstream]\ncode = \"{}\"\nurl = \"{}\"\n\n\
             [sync]\nlive = true\nbackoff_min_ms = 50\nbackoff_max_secs = 1\nidle_timeout_secs = 5\n{sync_extra}\n\
             [net]\nkeepalive_secs = 2\nconnect_timeout_secs = 2\n\n\
             [verify]\ninterval_secs = 0\n",
            upstream.0, upstream.1
        ),
    )
    .unwrap();
    path
}

/// Opens a node's store directly (its process must not be running).
pub fn open_store(dir: &Path, code: &str, parent: &str) -> liudong_store::Store {
    open_store_at(&dir.join(format!("data-{code}")), code, parent)
}

/// Outflow records with sequence numbers `seqs`, authored by `author`, each
/// about its own synthetic person (number `person_base + seq`) registered at
/// `origin`.
pub fn outflows(
    author: &str,
    origin: &str,
    seqs: std::ops::RangeInclusive<u64>,
    person_base: u64,
) -> Vec<liudong_store::Incoming> {
    seqs.map(|i| {
        liudong_store::Incoming::new(liudong_core::synth::test_record(
            author,
            i,
            person_base + i,
            origin,
            None,
            liudong_core::synth::outflow_body(),
        ))
    })
    .collect()
}

/// Opens the store of node `code` (below `parent`) in the data directory `data`.
pub fn open_store_at(data: &Path, code: &str, parent: &str) -> liudong_store::Store {
    let scope = liudong_core::NodeScope::for_code(Code::parse(code).unwrap()).unwrap();
    let p = scope.parent(&Code::parse(parent).unwrap()).unwrap();
    liudong_store::Store::open(
        data,
        scope,
        Some(p),
        &liudong_store::StoreOptions::default(),
    )
    .unwrap()
}

/// Checks that nothing is counted twice in a store: the maintained record
/// count is right, every record has one log entry and one subject-index entry, the fingerprint index matches the
/// records (audit clean), and no conflict was counted.
pub fn assert_no_duplicates(store: &liudong_store::Store, what: &str) {
    let records = store.record_count();
    assert_eq!(
        store.record_ids().unwrap().len(),
        records,
        "{what}: the store's maintained record count matches its records"
    );
    assert_eq!(
        store.last_seq() as usize,
        records,
        "{what}: one log sequence number per record"
    );
    assert_eq!(
        store.log_after(0, usize::MAX).unwrap().len(),
        records,
        "{what}: one log entry per record"
    );
    store.catch_up().unwrap();
    let subject_entries = store
        .raw()
        .scan_prefix([liudong_store::keys::SUBJECT])
        .count();
    assert_eq!(
        subject_entries, records,
        "{what}: one subject entry per record"
    );
    let audit = store.audit().unwrap();
    assert!(
        audit.is_clean(),
        "{what}: fingerprint index audit {audit:?}"
    );
    assert_eq!(
        store
            .counters()
            .conflicts
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "{what}: no conflicts"
    );
}

/// Runs `liudong ARGS` to completion as an operator would — `RUST_BACKTRACE`
/// unset, `envs` set (e.g. `LIUDONG_LANG`) — failing the test if it takes
/// more than 60 s. Returns its exit status and output.
pub fn run_liudong(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(liudong_bin());
    cmd.args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("liudong {args:?} did not finish within 60 s");
        }
    }
}
