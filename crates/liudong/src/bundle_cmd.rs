//! `liudong key show` and `liudong bundle export | import` (docs/protocol.md, "Bundles").

use anyhow::{Context, Result};
use liudong_core::Code;
use liudong_i18n::t;
use liudong_node::config::Config;
use liudong_node::runner::open_store;
use liudong_sync::Node;
use liudong_sync::bundle::{BundleSigner, NodeKey, RingVerifier, export, import};
use std::path::Path;

/// `liudong key show`: prints this node's bundle signing public key.
pub fn cli_key_show(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let key = NodeKey::load_or_create(&cfg.data_dir)?;
    println!("{} {}", cfg.scope.code, key.public_key());
    Ok(())
}

/// `liudong key rotate`: appends a new current sealing key pair to the
/// county's key file (the running node reloads it and announces the key).
pub fn cli_key_rotate(config: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    if !cfg.exchange.sealed || cfg.scope.is_exchange() {
        anyhow::bail!(t!(
            "exchange-rotate-not-county",
            node = cfg.scope.code.to_string(),
            config = config.display().to_string()
        ));
    }
    let now = (liudong_sync::system_clock())();
    let (key, retired) = liudong_exchange::keyring::rotate(&cfg.data_dir, &cfg.scope.code, now)?;
    println!(
        "{}",
        t!(
            "exchange-rotated",
            county = cfg.scope.code.to_string(),
            key = key.key_id.clone(),
            retired = retired
        )
    );
    Ok(())
}

/// `liudong bundle export`.
pub fn cli_export(config: &Path, for_code: &str, since: Option<u64>, out: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let for_code = Code::parse(for_code).context("--for")?;
    let key = NodeKey::load_or_create(&cfg.data_dir)?;
    let store = open_store(&cfg)?;
    let now = (liudong_sync::system_clock())();
    let (bytes, body) = export(&store, &key, &for_code, since, now)?;
    if !body.records.is_empty() {
        let records: Vec<bytes::Bytes> = body.records.iter().cloned().map(Into::into).collect();
        store.audit_append(liudong_store::audit::AuditEvent::Disclosed {
            peer: for_code.to_string(),
            fingerprint: None,
            records: records.len() as u64,
            subjects: liudong_sync::audit::subjects_of(&records)
                .into_iter()
                .collect(),
        })?;
        store.flush()?;
    }
    let tmp = out.with_extension("partial");
    std::fs::write(&tmp, &bytes)
        .with_context(|| t!("ops-io-write", path = tmp.display().to_string()))?;
    std::fs::rename(&tmp, out)
        .with_context(|| t!("ops-io-write", path = out.display().to_string()))?;
    println!(
        "{}",
        t!(
            "bundle-written",
            to = for_code.to_string(),
            records = body.records.len(),
            since = body.since,
            upto = body.upto,
            bytes = bytes.len(),
            path = out.display().to_string()
        )
    );
    Ok(())
}

/// `liudong bundle import`.
pub async fn cli_import(config: &Path, file: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let bytes = std::fs::read(file)
        .with_context(|| t!("ops-io-read", path = file.display().to_string()))?;
    let store = open_store(&cfg)?;
    let node = Node::new(store, cfg.sync.clone(), liudong_sync::system_clock());
    let out = import(&node, &bytes, &cfg.bundle_trusted, &RingVerifier)
        .await
        .with_context(|| t!("bundle-file-refused", path = file.display().to_string()))?;
    node.store().flush()?;
    if out.new == 0 && !out.cursor_advanced {
        let from = out.from.to_string();
        println!(
            "{}",
            t!("bundle-nothing-new", from = from, cursor = out.cursor)
        );
    } else {
        println!(
            "{}",
            t!(
                "bundle-imported",
                from = out.from.to_string(),
                records = out.records,
                new = out.new,
                duplicate = out.duplicate,
                cursor = out.cursor,
                advanced = if out.cursor_advanced { "yes" } else { "no" }
            )
        );
    }
    Ok(())
}
