//! The operator commands.

use crate::config::{Config, NodeConfig};
use crate::runner;
use anyhow::{Context, Result, bail};
use liudong_core::{Body, CitizenId, Code};
use liudong_proto::pb;
use liudong_store::Draft;
use liudong_sync::{Node, run_client_session, system_clock};
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// `liudong serve`: runs until SIGINT or SIGTERM, then shuts down cleanly.
pub async fn serve(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let node = runner::start(cfg).await?;
    wait_for_signal().await?;
    tracing::info!("shutdown requested");
    node.shutdown(Duration::from_secs(20)).await
}

async fn wait_for_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

/// A record as an operator writes it (`liudong record add`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    /// Operator account writing the record.
    pub operator: String,
    /// Citizen ID of the person.
    pub subject: String,
    /// 12-digit village code of the registered locality.
    pub origin: String,
    /// 12-digit village code of the residence, when known.
    #[serde(default)]
    pub residence: Option<String>,
    /// The record body, e.g. `{"outflow_registered": {"leave_date": "2026-10-01"}}`.
    pub body: Body,
}

/// Parses operator JSON into a draft, naming the field at fault.
pub fn parse_input(json: &str) -> Result<Draft> {
    let input: RecordInput = serde_json::from_str(json)
        .context("record JSON is not valid (see `liudong record add --help` for the format)")?;
    Ok(Draft {
        operator: input.operator,
        subject: CitizenId::parse(&input.subject).context("field subject")?,
        origin: Code::parse(&input.origin).context("field origin")?,
        residence: input
            .residence
            .as_deref()
            .map(Code::parse)
            .transpose()
            .context("field residence")?,
        body: input.body,
    })
}

pub(crate) fn to_request(d: &Draft) -> pb::WriteRecordRequest {
    pb::WriteRecordRequest {
        operator: d.operator.clone(),
        subject: d.subject.as_str().to_string(),
        origin: d.origin.as_str().to_string(),
        residence: d
            .residence
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        body: Some(liudong_proto::body_to_pb(&d.body)),
    }
}

/// Connects to the running node's admin service, if there is one.
pub(crate) async fn admin(
    cfg: &NodeConfig,
) -> Option<pb::admin_client::AdminClient<tonic::transport::Channel>> {
    let addr = cfg.admin_listen?;
    if addr.port() == 0 {
        return None;
    }
    liudong_net::admin_client(&addr.to_string()).await.ok()
}

pub(crate) fn status_error(s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", s.code(), s.message())
}

/// `liudong record add`: validates and writes one record at this node.
pub async fn record_add(config: &Path, json: &str) -> Result<()> {
    let cfg = Config::load(config)?;
    let draft = parse_input(json)?;
    let (id, hlc) = match admin(&cfg).await {
        Some(mut client) => {
            let r = client
                .write_record(to_request(&draft))
                .await
                .map_err(status_error)?
                .into_inner();
            let id = r.id.context("node answered without a record id")?;
            (format!("{}-{}", Code::parse(&id.node)?, id.seq), r.hlc)
        }
        None => {
            let node = offline_node(&cfg)?;
            let r = node.write_local(draft).await?;
            (r.id.to_string(), r.hlc.0)
        }
    };
    println!("written {id} (hlc {})", liudong_core::Hlc(hlc));
    Ok(())
}

fn offline_node(cfg: &NodeConfig) -> Result<Arc<Node>> {
    let store = runner::open_store(cfg)?;
    Ok(Node::new(store, cfg.sync.clone(), system_clock()))
}

/// `liudong sync --once`: one complete session with the upstream.
pub async fn sync_once(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let (pushed, pulled) = match admin(&cfg).await {
        Some(mut client) => {
            let r = client
                .sync_now(pb::SyncNowRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            (r.pushed, r.pulled)
        }
        None => {
            let Some((parent, url)) = cfg.parent.clone() else {
                bail!("this node has no [upstream] to sync with");
            };
            let node = offline_node(&cfg)?;
            let connector = liudong_net::GrpcConnector::new(&url, cfg.net.clone())?;
            use liudong_sync::Connect;
            let s = run_client_session(
                node.clone(),
                &parent,
                false,
                |rx| connector.open(rx),
                CancellationToken::new(),
            )
            .await
            .with_context(|| format!("sync with {} at {url}", parent.code))?;
            node.store().flush()?;
            (s.sent, s.received)
        }
    };
    println!("sync complete: pushed {pushed} records, pulled {pulled} new records");
    Ok(())
}

/// `liudong status`: links, cursors, pending records, last success and failure.
pub async fn status(config: &Path, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let report: serde_json::Value = match admin(&cfg).await {
        Some(mut client) => {
            let r = client
                .status(pb::StatusRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            serde_json::from_str(&r.json)?
        }
        None => {
            let store = runner::open_store(&cfg)?;
            serde_json::to_value(liudong_sync::status::report(&store)?)?
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "node {} ({}), {} records, local seq {}, conflicts refused {}, peers refused {} (see `liudong audit`)",
        report["node"].as_str().unwrap_or("?"),
        report["kind"].as_str().unwrap_or("?"),
        report["records"],
        report["last_seq"],
        report["conflicts"],
        report["refused"].as_u64().unwrap_or(0)
    );
    if report["write_failed"] == true {
        println!(
            "STORE CANNOT WRITE: records are refused until the node is restarted; check that the data directory is writable and has free space"
        );
    }
    let mut receipts = Vec::new();
    println!(
        "{:<9} {:<14} {:>10} {:>10} {:>8} {:>9} {:<20} {:<20} last error",
        "link",
        "peer",
        "cursor_in",
        "cursor_out",
        "pending",
        "sessions",
        "last success",
        "last failure"
    );
    let when = |v: &serde_json::Value| v.as_u64().map(fmt_ms).unwrap_or_else(|| "-".into());
    for l in report["links"].as_array().into_iter().flatten() {
        receipts.push(receipt_line(l));
        println!(
            "{:<9} {:<14} {:>10} {:>10} {:>8} {:>9} {:<20} {:<20} {}",
            l["role"].as_str().unwrap_or("?"),
            l["peer"].as_str().unwrap_or("?"),
            l["cursor_in"],
            l["cursor_out"],
            l["pending_out"],
            l["sessions"],
            when(&l["last_success_ms"]),
            when(&l["last_failure_ms"]),
            l["last_error"].as_str().unwrap_or("-")
        );
    }
    for r in receipts {
        println!("{r}");
    }
    Ok(())
}

/// The sync receipt of one link, as `liudong status` prints it.
fn receipt_line(l: &serde_json::Value) -> String {
    let peer = l["peer"].as_str().unwrap_or("?");
    let r = &l["receipt"];
    if r.is_null() {
        return format!(
            "{peer}: not verified yet (fingerprint {}); run `liudong verify`",
            l["fingerprint"].as_str().unwrap_or("?")
        );
    }
    let at = r["at_ms"].as_u64().map(fmt_ms).unwrap_or_default();
    if r["in_step"].as_bool() == Some(true) {
        format!(
            "in step with {peer} as of {at}, cursor {}, fingerprint {}",
            r["cursor_in"],
            r["fingerprint"].as_str().unwrap_or("?")
        )
    } else {
        format!(
            "NOT in step with {peer} as of {at}, cursor {}, fingerprint {}; differing: {}; run `liudong verify --repair`",
            r["cursor_in"],
            r["fingerprint"].as_str().unwrap_or("?"),
            r["differing"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        )
    }
}

/// `liudong verify [--repair]`: audits the store and compares this node's
/// scope with its upstream; with `repair`, transfers what is missing both ways.
/// Exits with an error when the node is not in step at the end.
pub async fn verify(config: &Path, repair: bool, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let report: liudong_sync::verify::VerifyReport = match admin(&cfg).await {
        Some(mut client) => {
            let r = client
                .verify_now(pb::VerifyNowRequest { repair })
                .await
                .map_err(status_error)?
                .into_inner();
            serde_json::from_str(&r.json).context("verify report from the running node")?
        }
        None => {
            let Some((parent, url)) = cfg.parent.clone() else {
                bail!("this node has no [upstream] to verify against");
            };
            let node = offline_node(&cfg)?;
            let peer = liudong_net::verify::GrpcVerifier::new(&url, cfg.net.clone())?;
            let r = liudong_sync::verify::run_verify(node.clone(), &parent, &peer, repair)
                .await
                .with_context(|| format!("verify with {} at {url}", parent.code))?;
            node.store().flush()?;
            r
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_verify(&report);
    }
    if !report.in_step {
        bail!(
            "{} is not in step with {}{}",
            report.node,
            report.upstream,
            if repair {
                " even after repair (see the conflicting records above)"
            } else {
                "; run `liudong verify --repair`"
            }
        );
    }
    Ok(())
}

fn print_verify(r: &liudong_sync::verify::VerifyReport) {
    println!("verify {} against {}", r.scope, r.upstream);
    if !r.audit.is_clean() {
        println!(
            "  local audit: {} records missing, {} corrupt (removed so that repair can restore them)",
            r.audit.missing.len(),
            r.audit.corrupt.len()
        );
    }
    for d in &r.buckets {
        println!(
            "  differs: {}: here {}, upstream {}; missing here {}, missing upstream {}, conflicting {}",
            d.bucket,
            d.here,
            d.there,
            d.missing_here.len(),
            d.missing_there.len(),
            d.conflicting.len()
        );
    }
    if r.fetched + r.offered > 0 {
        println!(
            "  repaired: fetched {} records, offered {} ({} new upstream)",
            r.fetched, r.offered, r.offered_new
        );
    }
    println!(
        "  {}: fingerprint here {}, upstream {}",
        if r.in_step { "in step" } else { "NOT in step" },
        r.local,
        r.remote
    );
}

/// Formats unix milliseconds as China Standard Time.
pub fn fmt_ms(ms: u64) -> String {
    let d = liudong_core::Date::from_unix_ms(ms);
    let secs = (ms / 1000 + 8 * 3600) % 86_400;
    format!(
        "{d} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}
