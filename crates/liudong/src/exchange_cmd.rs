//! Printing for `liudong exchange nats-key | nats-config | nats-stream |
//! resend`; the work is `liudong_ops::exchange_nats`' (and
//! `liudong_node::resend`'s).

use anyhow::Result;
use liudong_i18n::t;
use liudong_ops::exchange_nats::{self, NatsConfigOptions};
use std::path::Path;

/// `liudong exchange nats-key`.
pub fn nats_key(config: &Path) -> Result<()> {
    let k = exchange_nats::nats_key(config)?;
    let path = k.path.display().to_string();
    if k.created {
        eprintln!("{}", t!("jetstream-key-created", path = path));
    } else {
        eprintln!("{}", t!("jetstream-key-kept", path = path));
    }
    println!("{} {}", k.code, k.public_key);
    Ok(())
}

/// `liudong exchange nats-config`.
pub fn nats_config(o: &NatsConfigOptions) -> Result<()> {
    let w = exchange_nats::nats_config(o)?;
    let plan = &w.plan;
    println!(
        "{}",
        t!(
            "jetstream-config-written",
            exchange = plan.exchange.to_string(),
            servers = plan.servers.len(),
            counties = plan.participants.len(),
            out = o.out.display().to_string()
        )
    );
    for (s, conf) in plan.servers.iter().zip(&w.configs) {
        println!("  {}  {}  {}", s.name, s.client_url(), conf.display());
    }
    println!(
        "{}",
        t!(
            "jetstream-config-next",
            admin = w.admin_seed.display().to_string(),
            urls = plan.client_urls().join(", ")
        )
    );
    Ok(())
}

/// `liudong exchange nats-stream`.
pub async fn nats_stream(config: &Path, dir: &Path) -> Result<()> {
    let done = exchange_nats::nats_stream(config, dir).await?;
    println!(
        "{}",
        t!(
            "jetstream-stream-ready",
            created = if done.stream_created { 1 } else { 0 },
            consumers = done.consumers_created.len()
        )
    );
    Ok(())
}

/// `liudong exchange resend`: the county (stopped) publishes its outbox for
/// the exchange again at its next start (after the cluster lost its disks).
pub fn resend(config: &Path) -> Result<()> {
    crate::cli::require_operator()?;
    let cfg = liudong_node::config::Config::load(config)?;
    let exchange = cfg
        .exchange
        .nats
        .as_ref()
        .map(|n| n.exchange.code.to_string())
        .unwrap_or_default();
    let r = liudong_node::resend::resend(&cfg, &liudong_node::access::operator())?;
    println!(
        "{}",
        t!(
            "jetstream-resend-done",
            exchange = exchange,
            records = r.records,
            from = r.from
        )
    );
    Ok(())
}
