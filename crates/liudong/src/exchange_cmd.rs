//! Printing for `liudong exchange nats-key | nats-config`; the work is
//! `liudong_ops::exchange_nats`'.

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
