//! `liudong`: the node binary. Commands, signals and printing only: the
//! work is done by the library crates (`liudong-node`, `liudong-ops`,
//! `liudong-ledger`, `liudong-console`, and for `demo`/`bench` the
//! `liudong-testkit` and `liudong-bench` crates).
//!
//! Invariants: no command opens a second path to a store (they go through
//! `liudong_node::access::NodeAccess` or the library that owns the job);
//! `anyhow` is used here only, at the edge where library errors are printed.

mod audit_cmd;
mod bundle_cmd;
mod cli;
mod config_arg;
mod exchange_cmd;
mod help;
mod operator_cmd;
mod recover_cmd;
mod report_cmd;
mod setup_cmd;
mod status_cmd;
mod table;
mod trust_cmd;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use config_arg::ConfigArg;
use std::io::Read;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "liudong",
    version,
    about = "Liudong (流动): sync hub for migrant-population service records"
)]
struct Cli {
    /// Language of messages, tables, headers and ledger values: zh (default)
    /// or en (also zh-CN, en-US).
    #[arg(long, global = true, env = "LIUDONG_LANG", value_parser = lang_arg)]
    lang: Option<liudong_i18n::Lang>,
    /// The operator running the command, recorded in the audit trail with
    /// what they view or write (default: LIUDONG_OPERATOR).
    #[arg(long, global = true, env = "LIUDONG_OPERATOR")]
    operator: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a node until SIGINT/SIGTERM.
    Serve {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Run one complete sync session with the upstream now.
    Sync {
        #[command(flatten)]
        config: ConfigArg,
        /// One session, then exit (the only mode; `serve` syncs continuously).
        #[arg(long, required = true)]
        once: bool,
    },
    /// Write records.
    Record {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Show links, cursors, pending records, last success and failure.
    Status {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        json: bool,
    },
    /// Audit the store and compare this node's scope with its upstream
    /// (fingerprints, top-down); exits non-zero if they differ at the end.
    Verify {
        #[command(flatten)]
        config: ConfigArg,
        /// Transfer the missing records both ways.
        #[arg(long)]
        repair: bool,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild or complete this node's store from its upstream after a loss
    /// (a damaged store, a wiped data directory, a restored backup): a
    /// damaged store is moved aside, everything the node is entitled to is
    /// pulled — its own records included — and a verification proves it
    /// complete. The node must be stopped (docs/operations.md).
    Recover {
        #[arg(long, short)]
        config: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// This node's keys: the bundle signing key, and a county's sealing keys
    /// of the exchange tier.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Offline bundles: carry records where there is no network.
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// Set up a node: `--code` for a county hub or an exchange (config, data
    /// directory, the operator's CA and the node's certificate), `--enrol FILE`
    /// for a township or village (unpacks the file its county hub issued).
    /// Prints numbered next steps (docs/operations.md).
    Init {
        /// The hub's division code: 6 digits (county), or CN, 2 or 4 digits (exchange).
        #[arg(long, required_unless_present = "enrol", conflicts_with = "enrol")]
        code: Option<String>,
        /// An enrolment file from `liudong enrol` (township or village).
        #[arg(long)]
        enrol: Option<PathBuf>,
        /// Directory of the config (liudong.toml) and tls/ (and ca/ of a hub).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Data directory of the store (default DIR/data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The upstream's address, https://host:port (a county: its exchange).
        #[arg(long, conflicts_with = "enrol")]
        upstream_url: Option<String>,
        /// The upstream's code (a county: the exchange it dials; default CN).
        #[arg(long, conflicts_with = "enrol")]
        upstream_code: Option<String>,
        /// Sync listen address (default 0.0.0.0:7000 exchange, :7200 county, :7300 township).
        #[arg(long)]
        listen: Option<String>,
        /// Admin listen address, loopback (default 127.0.0.1:7001/7201/7301/7401).
        #[arg(long)]
        admin_listen: Option<String>,
        /// Exchange nodes: level of their children, county (default) or province.
        #[arg(long, conflicts_with = "enrol")]
        exchange_children: Option<String>,
        /// Another operator's CA certificate to trust (the exchange's for a
        /// county; each county's for an exchange); repeatable.
        #[arg(long, conflicts_with = "enrol")]
        trust_ca: Vec<PathBuf>,
        /// The hub's CA directory (default DIR/ca).
        #[arg(long, conflicts_with = "enrol")]
        ca_dir: Option<PathBuf>,
        /// Overwrite an existing config and reissue the node's certificate.
        #[arg(long)]
        force: bool,
    },
    /// On a county hub: issue a township's or village's key and certificate
    /// from the county CA and write its enrolment file (mode 0600).
    Enrol {
        /// The county hub's config.
        #[command(flatten)]
        config: ConfigArg,
        /// The township (9 digits) or village (12 digits) to enrol.
        #[arg(long)]
        code: String,
        /// The address the node dials: this hub's for a township (default: from
        /// [node] listen if it names a host), its township's for a village.
        #[arg(long)]
        url_for_child: Option<String>,
        /// The county CA directory (default: ca/ beside the config).
        #[arg(long)]
        ca_dir: Option<PathBuf>,
        /// Certificate validity in days (default 825).
        #[arg(long, default_value_t = liudong_ops::pki::NODE_DAYS)]
        days: i64,
        /// The enrolment file to write.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Certificate authority of a hub operator: create it, issue node
    /// certificates, revoke them (docs/security.md).
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// The JetStream exchange tier (docs/scale.md): a county's NATS key, and
    /// the exchange cluster's nats-server configuration.
    Exchange {
        #[command(subcommand)]
        command: ExchangeCommand,
    },
    /// Trust between operators (a county and its exchange): export this
    /// hub's CA certificate and revocation list as a trust file, or add
    /// another operator's, without editing [tls] by hand (docs/operations.md).
    Trust {
        #[command(subcommand)]
        command: trust_cmd::TrustCommand,
    },
    /// Read the audit trail: sessions (who received which persons' records),
    /// operator writes and views (person show, overdue, report), refusals.
    Audit {
        #[command(flatten)]
        config: ConfigArg,
        /// Only entries at or after this time: YYYY-MM-DD[THH:MM[:SS]] (China
        /// Standard Time) or unix milliseconds.
        #[arg(long)]
        since: Option<String>,
        /// Only entries concerning this peer node code.
        #[arg(long)]
        peer: Option<String>,
        /// Only entries concerning this citizen ID ("who received this person's records").
        #[arg(long)]
        subject: Option<String>,
        /// At most this many entries (the newest).
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Run the benchmark suite (docs/performance.md): initial and incremental
    /// sync, fan-out, cross-county latency, footprint, exchange transports
    /// (gRPC exchange node vs a JetStream cluster; needs `nats-server`), sealed exchange,
    /// the PouchDB peer (needs `scripts/setup-bench.sh`), fan-in of village processes.
    Bench {
        /// Tiny sizes, one run: checks that the suite works (used by the tests).
        #[arg(long)]
        smoke: bool,
        /// Records on the large hub (default 1,000,000).
        #[arg(long)]
        records: Option<u64>,
        /// Runs per scenario; the median is reported (default 3).
        #[arg(long)]
        runs: Option<usize>,
        /// Only these scenarios (1-9), comma-separated.
        #[arg(long, value_delimiter = ',')]
        only: Option<Vec<u32>>,
        /// Write the results as JSON here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// zstd level for every store in the run, as `store.compression` (0 = off; default 3).
        #[arg(long, value_parser = clap::value_parser!(i32).range(0..=22))]
        compression: Option<i32>,
        /// Crossing records through each exchange transport in scenario 6 (default 20,000).
        #[arg(long)]
        exchange_records: Option<u64>,
        /// Records replicated by the PouchDB peer and by Liudong in scenario 8 (default 100,000).
        #[arg(long)]
        peer_records: Option<u64>,
    },
    /// A person's derived view: status, episodes, certificate, checks, births.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Overdue and attention lists of this node's jurisdiction (thresholds in [workflow]).
    Overdue {
        #[command(flatten)]
        config: ConfigArg,
        /// Only these kinds: missing_checks, certificate, no_certificate,
        /// unacknowledged, held (repeat or comma-separate; default all).
        #[arg(long = "kind", value_delimiter = ',')]
        kinds: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The monthly report (月报) of a jurisdiction this node holds.
    Report {
        #[command(flatten)]
        config: ConfigArg,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// The unit to report on (default: this node's code); rows are its children.
        #[arg(long)]
        code: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: report_cmd::Format,
    },
    /// Import a migrant ledger (流动人口台账, .xlsx or .csv) as records
    /// (docs/ledgers.md). A file with errors imports nothing unless --skip-invalid.
    Import(ImportArgs),
    /// Export persons, the overdue lists or the monthly report as .xlsx or
    /// .csv (UTF-8 with BOM), Chinese headers by default (docs/ledgers.md).
    Export {
        #[arg(value_enum)]
        what: ExportWhat,
        #[command(flatten)]
        config: ConfigArg,
        /// Output file: .xlsx or .csv.
        #[arg(long)]
        out: PathBuf,
        /// The month of `export report`, YYYY-MM.
        #[arg(long)]
        month: Option<String>,
        /// The unit of `export report` (default: this node's code); rows are its children.
        #[arg(long)]
        code: Option<String>,
    },
    /// Write a deterministic synthetic population for this node's county
    /// (the node must be stopped). Never real people.
    Seed {
        #[command(flatten)]
        config: ConfigArg,
        /// Seed number: the same seed writes the same records.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Households to generate.
        #[arg(long, default_value_t = 200)]
        households: u64,
    },
    /// Web console operators: add, list, remove (see docs/console.md).
    Operator {
        #[command(subcommand)]
        command: operator_cmd::OperatorCommand,
    },
    /// Start a local 9-node topology on loopback, send a migrant's records
    /// across two counties, and report where each arrived and how fast.
    Demo {
        /// Keep the nodes' store directories here (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The counties' exchange: `grpc` (the national exchange node, default)
        /// or `nats` (a three-server JetStream cluster; needs nats-server).
        #[arg(long, value_enum, default_value = "grpc")]
        exchange: liudong_testkit::demo::DemoExchange,
    },
}

/// What `liudong import` was asked to do (its command-line arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The ledger file: .xlsx (first worksheet) or .csv (UTF-8).
    pub file: PathBuf,
    #[command(flatten)]
    pub config: ConfigArg,
    /// TOML column map for other headers: [columns] "header" = "field".
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// Import the valid rows; write the rejected ones with their reasons to a file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where --skip-invalid writes rejected rows (default: FILE.rejects.csv beside FILE).
    #[arg(long, requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Check every row, show the codes read from addresses; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl ImportArgs {
    /// The import's options; `operator` is the global `--operator`
    /// (recorded on the records and in the audit trail; default
    /// LIUDONG_OPERATOR, else the login name).
    fn options(self, operator: Option<String>) -> Result<liudong_ledger::import::ImportOptions> {
        Ok(liudong_ledger::import::ImportOptions {
            config: self.config.path()?,
            file: self.file,
            map: self.map,
            skip_invalid: self.skip_invalid,
            rejects: self.rejects,
            operator,
            dry_run: self.dry_run,
        })
    }
}

/// What `liudong export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportWhat {
    /// Every person of this node's jurisdiction (人员台账).
    Persons,
    /// The overdue lists (逾期事项).
    Overdue,
    /// The monthly report (月报); needs --month.
    Report,
}

impl From<ExportWhat> for liudong_ledger::export::What {
    fn from(w: ExportWhat) -> Self {
        match w {
            ExportWhat::Persons => liudong_ledger::export::What::Persons,
            ExportWhat::Overdue => liudong_ledger::export::What::Overdue,
            ExportWhat::Report => liudong_ledger::export::What::Report,
        }
    }
}

#[derive(Subcommand)]
enum CaCommand {
    /// Create a CA for a jurisdiction (ca.crt, ca.key with mode 0600) in DIR.
    Init {
        /// The operator's division code: the CA may certify only nodes under it.
        #[arg(long)]
        code: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Issue a key and certificate for node CODE into OUT (node.crt, node.key, ca.crt).
    Issue {
        /// The CA directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[arg(long)]
        code: String,
        #[arg(long)]
        out: PathBuf,
        /// Validity in days (default 825).
        #[arg(long, default_value_t = liudong_ops::pki::NODE_DAYS)]
        days: i64,
    },
    /// Revoke a node certificate this CA issued: add its serial number to the
    /// CA's certificate revocation list DIR/crl.pem and re-sign it.
    Revoke {
        /// The CA directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The certificate to revoke (PEM).
        #[arg(long)]
        cert: PathBuf,
        /// Why: an RFC 5280 reason recorded in the CRL (keyCompromise,
        /// superseded, cessationOfOperation, affiliationChanged,
        /// privilegeWithdrawn, cACompromise), optionally followed by
        /// `: text`; anything else is recorded as unspecified.
        #[arg(long, default_value = "unspecified")]
        reason: String,
    },
}

// The variants are the subcommands' names (`exchange nats-config`, as issue
// 16 names it), hence the common prefix.
#[allow(clippy::enum_variant_names)]
#[derive(Subcommand)]
enum ExchangeCommand {
    /// On a county hub (or a province exchange): print its NATS public key
    /// (creating its key, tls/nats.nk mode 0600, on first use) as the
    /// `CODE KEY` line the exchange operator lists in --counties.
    NatsKey {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// On the exchange, once the cluster runs: create the stream and every
    /// county's durable consumer (or update them), with the administrative
    /// key nats-config wrote into DIR.
    NatsStream {
        /// The exchange node's config (its TLS identity dials the servers).
        #[arg(long, short)]
        config: PathBuf,
        /// The directory nats-config wrote.
        #[arg(long)]
        dir: PathBuf,
    },
    /// On a county hub whose exchange is the JetStream cluster, stopped:
    /// publish its whole outbox for the exchange again at the next start
    /// (after the cluster lost all its servers and disks). Audited.
    Resend {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// On the exchange: write the nats-server configuration of a JetStream
    /// cluster (one file per server, their certificates, the accounts and
    /// permissions of every county listed) into OUT.
    NatsConfig {
        /// The exchange node's config (its [tls] ca_certs: the counties' CAs).
        #[arg(long, short)]
        config: PathBuf,
        /// The participants: one `CODE KEY` line per county, as `nats-key` prints.
        #[arg(long)]
        counties: PathBuf,
        /// A server, HOST[:CLIENT[:CLUSTER[:MONITOR]]] (default ports 4222,
        /// 6222, 8222); at least three.
        #[arg(long = "server", required = true)]
        servers: Vec<String>,
        /// Output directory (new).
        #[arg(long)]
        out: PathBuf,
        /// The exchange's CA directory (default: ca/ beside the config).
        #[arg(long)]
        ca_dir: Option<PathBuf>,
        /// Where OUT will be on the servers (absolute; default OUT).
        #[arg(long)]
        install_dir: Option<PathBuf>,
        /// JetStream store directory on the servers (default INSTALL_DIR/jetstream).
        #[arg(long)]
        store_dir: Option<PathBuf>,
        /// Validity of the servers' certificates in days.
        #[arg(long, default_value_t = liudong_ops::pki::NODE_DAYS)]
        days: i64,
        /// JetStream file store limit per server, GiB.
        #[arg(long, default_value_t = 100)]
        max_store_gb: u64,
    },
}

#[derive(Subcommand)]
enum PersonCommand {
    /// Print the view of one person (table, or --json).
    Show {
        #[command(flatten)]
        config: ConfigArg,
        /// The person's citizen ID.
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Print the node code and public key (for the importers' [[bundle.trusted]]).
    Show {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// A county of the sealed exchange tier: make a new sealing key pair
    /// current. The older keys are kept to open records sealed to them; the
    /// running node announces the new key within seconds (docs/exchange.md).
    Rotate {
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Write the records node CODE (upstream or child) is entitled to and lacks
    /// as one signed, compressed file. The node must not be running.
    Export {
        #[command(flatten)]
        config: ConfigArg,
        /// The receiving node's code.
        #[arg(long = "for")]
        for_code: String,
        /// Start after this outbox position (the cursor of the receiver's last
        /// receipt); default: what the receiver last acknowledged.
        #[arg(long)]
        since: Option<u64>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a bundle's signature and entitlement and apply it (idempotent).
    Import {
        #[command(flatten)]
        config: ConfigArg,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum RecordCommand {
    /// Validate and write one record authored by this node. The record is JSON:
    /// {"operator": "...", "subject": "<citizen ID>", "origin": "<12-digit code>",
    ///  "residence": "<12-digit code, optional>", "body": {"<kind>": {...}}}
    /// with kind one of person_registered, marriage_registered, outflow_registered,
    /// certificate_issued, inflow_registered, inflow_acknowledged, check_reported,
    /// birth_registered, residence_changed, returned, correction.
    /// A correction or an inflow_acknowledged leaves out origin and residence (the node
    /// sets them from the record it refers to and refuses places that differ).
    Add {
        #[command(flatten)]
        config: ConfigArg,
        /// The record JSON; read from standard input if absent.
        #[arg(long)]
        json: Option<String>,
        /// Read the record JSON from this file.
        #[arg(long, conflicts_with = "json")]
        file: Option<PathBuf>,
        /// The id of this write (1 to 64 of A-Z a-z 0-9 . _ : -): the same
        /// record sent again with the same id is not stored twice. Without
        /// it a new id is made, and printed if the node's answer is lost.
        #[arg(long)]
        request_id: Option<String>,
    },
}

/// The value of `--lang` / `LIUDONG_LANG`.
fn lang_arg(s: &str) -> Result<liudong_i18n::Lang, String> {
    liudong_i18n::Lang::parse(s).ok_or_else(|| "zh | en".to_string())
}

/// Ends an import or export: an error is printed in the operator's language
/// (every cause on one line) and the process exits with status 1.
fn ledger_outcome(done: Result<(), liudong_ledger::LedgerError>) -> Result<()> {
    if let Err(e) = done {
        eprintln!("{}", liudong_i18n::t!("error-prefix", message = e.chain()));
        std::process::exit(1);
    }
    Ok(())
}

fn init_tracing(default: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour codes only on a terminal: a log file or journal gets plain text.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
}

/// A closed standard output (`liudong status --json | head -1`) ends the
/// program quietly and successfully, as it does other command-line tools:
/// printing to it fails with `BrokenPipe`, which the standard library
/// reports as a panic of the printing thread.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Prints an error as the operator reads it: the message and its causes on
/// one line, in the operator's language; the backtrace only when asked for
/// (`RUST_BACKTRACE=1`).
fn report_error(e: &anyhow::Error) {
    eprintln!(
        "{}",
        liudong_i18n::t!("error-prefix", message = format!("{e:#}"))
    );
    let asked = std::env::var("RUST_BACKTRACE").is_ok_and(|v| v != "0")
        || std::env::var("RUST_LIB_BACKTRACE").is_ok_and(|v| v != "0");
    if asked {
        eprintln!("{e:?}");
    }
}

fn main() -> std::process::ExitCode {
    quiet_on_closed_stdout();
    let cli: Cli = help::parse(Cli::command());
    if let Some(lang) = cli.lang {
        liudong_i18n::set_lang(lang);
    }
    if let Some(name) = cli.operator.as_deref() {
        liudong_node::access::set_operator(name);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            report_error(&anyhow::Error::new(e).context(liudong_i18n::t!("cli-runtime")));
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            report_error(&e);
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let operator = cli.operator.clone();
    match cli.command {
        Command::Serve { config } => {
            init_tracing("info");
            cli::serve(&config.path()?).await
        }
        Command::Sync { config, .. } => {
            init_tracing("warn");
            cli::sync_once(&config.path()?).await
        }
        Command::Record {
            command:
                RecordCommand::Add {
                    config,
                    json,
                    file,
                    request_id,
                },
        } => {
            init_tracing("warn");
            let json = match (json, file) {
                (Some(j), _) => j,
                (None, Some(f)) => std::fs::read_to_string(&f).with_context(|| {
                    liudong_i18n::t!("ops-io-read", path = f.display().to_string())
                })?,
                (None, None) => {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s
                }
            };
            cli::record_add(&config.path()?, &json, request_id).await
        }
        Command::Status { config, json } => {
            init_tracing("warn");
            status_cmd::status(&config.path()?, json).await
        }
        Command::Verify {
            config,
            repair,
            json,
        } => {
            init_tracing("warn");
            cli::verify(&config.path()?, repair, json).await
        }
        Command::Recover { config, json } => {
            init_tracing("warn");
            recover_cmd::cli_recover(&config, json).await
        }
        Command::Key {
            command: KeyCommand::Show { config },
        } => {
            init_tracing("warn");
            bundle_cmd::cli_key_show(&config.path()?)
        }
        Command::Key {
            command: KeyCommand::Rotate { config },
        } => {
            init_tracing("warn");
            bundle_cmd::cli_key_rotate(&config.path()?)
        }
        Command::Bundle { command } => {
            init_tracing("warn");
            match command {
                BundleCommand::Export {
                    config,
                    for_code,
                    since,
                    out,
                } => bundle_cmd::cli_export(&config.path()?, &for_code, since, &out),
                BundleCommand::Import { config, file } => {
                    bundle_cmd::cli_import(&config.path()?, &file).await
                }
            }
        }
        Command::Init {
            code,
            enrol,
            dir,
            data_dir,
            upstream_url,
            upstream_code,
            listen,
            admin_listen,
            exchange_children,
            trust_ca,
            ca_dir,
            force,
        } => {
            init_tracing("warn");
            let done = match enrol {
                Some(file) => liudong_ops::init::unpack(&liudong_ops::init::UnpackOptions {
                    file,
                    dir,
                    data_dir,
                    listen,
                    admin_listen,
                    force,
                })?,
                None => liudong_ops::init::init_hub(&liudong_ops::init::InitOptions {
                    code: code.unwrap_or_default(),
                    dir,
                    data_dir,
                    upstream_url,
                    upstream_code,
                    listen,
                    admin_listen,
                    exchange_children,
                    trust_ca,
                    ca_dir,
                    force,
                })?,
            };
            done.print();
            Ok(())
        }
        Command::Enrol {
            config,
            code,
            url_for_child,
            ca_dir,
            days,
            out,
            force,
        } => {
            init_tracing("warn");
            liudong_ops::init::enrol(&liudong_ops::init::EnrolOptions {
                config: config.path()?,
                code,
                url_for_child,
                ca_dir,
                days,
                out,
                force,
            })?;
            Ok(())
        }
        Command::Ca { command } => {
            init_tracing("warn");
            match command {
                CaCommand::Init { code, dir } => setup_cmd::ca_init(&code, &dir),
                CaCommand::Issue {
                    dir,
                    code,
                    out,
                    days,
                } => setup_cmd::ca_issue(&dir, &code, &out, days),
                CaCommand::Revoke { dir, cert, reason } => {
                    setup_cmd::ca_revoke(&dir, &cert, &reason)
                }
            }
        }
        Command::Exchange { command } => {
            init_tracing("warn");
            match command {
                ExchangeCommand::NatsKey { config } => exchange_cmd::nats_key(&config),
                ExchangeCommand::Resend { config } => exchange_cmd::resend(&config),
                ExchangeCommand::NatsStream { config, dir } => {
                    exchange_cmd::nats_stream(&config, &dir).await
                }
                ExchangeCommand::NatsConfig {
                    config,
                    counties,
                    servers,
                    out,
                    ca_dir,
                    install_dir,
                    store_dir,
                    days,
                    max_store_gb,
                } => exchange_cmd::nats_config(&liudong_ops::exchange_nats::NatsConfigOptions {
                    config,
                    ca_dir,
                    counties,
                    servers,
                    out,
                    install_dir,
                    store_dir,
                    days,
                    max_file_store_gb: max_store_gb,
                }),
            }
        }
        Command::Audit {
            config,
            since,
            peer,
            subject,
            limit,
            json,
        } => {
            init_tracing("warn");
            let filter = liudong_store::audit::AuditFilter {
                since_ms: since.as_deref().map(audit_cmd::parse_since).transpose()?,
                peer,
                subject,
                limit,
            };
            audit_cmd::cli_audit(&config.path()?, filter, json).await
        }
        Command::Bench {
            smoke,
            records,
            runs,
            only,
            out,
            compression,
            exchange_records,
            peer_records,
        } => {
            init_tracing("error");
            let mut o = if smoke {
                liudong_bench::BenchOptions::smoke()
            } else {
                liudong_bench::BenchOptions::full()
            };
            if let Some(r) = records {
                o.records = r;
            }
            if let Some(c) = compression {
                o.compression = c;
            }
            if let Some(r) = runs {
                o.runs = r.max(1);
            }
            if let Some(n) = exchange_records {
                o.exchange_records = n.max(1);
            }
            if let Some(n) = peer_records {
                o.peer_records = n.max(1);
            }
            liudong_bench::run(o, out, only).await.map(|_| ())
        }
        Command::Person {
            command: PersonCommand::Show { config, id, json },
        } => {
            init_tracing("warn");
            cli::require_operator()?;
            report_cmd::person_show(&config.path()?, &id, json).await
        }
        Command::Overdue {
            config,
            kinds,
            json,
        } => {
            init_tracing("warn");
            cli::require_operator()?;
            report_cmd::overdue(&config.path()?, kinds, json, liudong_i18n::lang()).await
        }
        Command::Report {
            config,
            month,
            code,
            format,
        } => {
            init_tracing("warn");
            cli::require_operator()?;
            report_cmd::report(&config.path()?, &month, code, format, liudong_i18n::lang()).await
        }
        Command::Import(o) => {
            init_tracing("warn");
            let done = liudong_ledger::import::import(&o.options(operator)?).await;
            ledger_outcome(done.map(|_| ()))
        }
        Command::Export {
            what,
            config,
            out,
            month,
            code,
        } => {
            init_tracing("warn");
            cli::require_operator()?;
            let done = liudong_ledger::export::export(&liudong_ledger::export::ExportOptions {
                config: config.path()?,
                what: what.into(),
                out,
                month,
                code,
                lang: liudong_i18n::lang(),
            })
            .await;
            ledger_outcome(done)
        }
        Command::Trust { command } => {
            init_tracing("warn");
            command.run()
        }
        Command::Seed {
            config,
            seed,
            households,
        } => {
            init_tracing("warn");
            setup_cmd::seed(&config.path()?, seed, households)
        }
        Command::Operator { command } => {
            init_tracing("warn");
            command.run()
        }
        Command::Demo { dir, exchange } => {
            init_tracing("warn");
            liudong_testkit::demo::run_with(dir, exchange)
                .await
                .map(|_| ())
        }
    }
}
