//! The operator commands. Each reaches the node through
//! [`NodeAccess`](liudong_node::NodeAccess) (the running node's admin
//! service, or the stopped node's store) and prints the typed answer.

use anyhow::{Result, bail};
use liudong_node::NodeAccess;
use liudong_node::access;
use liudong_node::config::Config;
use liudong_node::runner;
use std::path::Path;
use std::time::Duration;

/// `liudong serve`: runs until SIGINT or SIGTERM, then shuts down cleanly.
pub async fn serve(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let mut node = runner::start(cfg.clone()).await?;
    if let Err(e) = liudong_console::start(&mut node, &cfg).await {
        let _ = node.shutdown(Duration::from_secs(20)).await;
        return Err(e.into());
    }
    wait_for_signal().await?;
    tracing::info!("shutdown requested");
    Ok(node.shutdown(Duration::from_secs(20)).await?)
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

/// Prints `v` as indented JSON with the keys of every object in sorted
/// order, as `liudong status --json` and the query commands always have.
pub fn print_json_sorted<T: serde::Serialize>(v: &T) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::to_value(v)?)?
    );
    Ok(())
}

/// `liudong record add`: validates and writes one record at this node,
/// with a request id (the operator's, or a new one) so that a write whose
/// answer is lost can be retried without storing it twice.
pub async fn record_add(config: &Path, json: &str, request_id: Option<String>) -> Result<()> {
    let cfg = Config::load(config)?;
    let draft = access::parse_input(json)?;
    let id = request_id.unwrap_or_else(|| access::new_request_id("add"));
    let written = NodeAccess::open(&cfg)
        .await?
        .write_request(draft, Some(&id))
        .await;
    let written = match written {
        Err(e @ access::AccessError::OutcomeUnknown { .. }) => {
            eprintln!("{}", liudong_i18n::t!("record-add-retry", id = id.as_str()));
            return Err(e.into());
        }
        w => w?,
    };
    if written.existing {
        println!(
            "{}",
            liudong_i18n::t!(
                "record-add-replayed",
                request = id.as_str(),
                id = written.id.to_string(),
                hlc = written.hlc.to_string()
            )
        );
    } else {
        let (id, hlc) = (written.id.to_string(), written.hlc.to_string());
        println!(
            "{}",
            liudong_i18n::t!("record-add-written", id = id, hlc = hlc)
        );
    }
    Ok(())
}

/// `liudong sync --once`: one complete session with the upstream.
pub async fn sync_once(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let moved = NodeAccess::open(&cfg).await?.sync_once().await?;
    let (pushed, pulled) = (moved.pushed, moved.pulled);
    println!(
        "{}",
        liudong_i18n::t!("sync-complete", pushed = pushed, pulled = pulled)
    );
    Ok(())
}

/// Checks that a command showing personal data is audited under a named
/// operator: `--operator` or `LIUDONG_OPERATOR`. Without one, the login name
/// is recorded and a warning says so; with no login name either, the command
/// is refused.
pub fn require_operator() -> Result<()> {
    use liudong_node::access::{Operator, who};
    match who() {
        Operator::Named(_) => Ok(()),
        Operator::Login(name) => {
            eprintln!("{}", liudong_i18n::t!("topo-operator-login", name = name));
            Ok(())
        }
        Operator::Unknown => bail!("{}", liudong_i18n::t!("topo-operator-missing")),
    }
}

/// `liudong verify [--repair]`: audits the store and compares this node's
/// scope with its upstream; with `repair`, transfers what is missing both ways.
/// Exits with an error when the node is not in step at the end.
pub async fn verify(config: &Path, repair: bool, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let mut access = NodeAccess::open(&cfg).await?;
    let report = access.verify(repair).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for line in liudong_node::text::verify_lines(&report) {
            println!("{line}");
        }
    }
    if !report.in_step {
        bail!(
            "{}",
            liudong_node::text::verify_not_in_step(&report, repair)
        );
    }
    Ok(())
}
