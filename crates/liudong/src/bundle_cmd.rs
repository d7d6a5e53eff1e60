//! `liudong key show` and `liudong bundle export | import` (docs/protocol.md, "Bundles").

use anyhow::{Context, Result};
use liudong_core::Code;
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
        anyhow::bail!(liudong_i18n::t!(
            "exchange-rotate-not-county",
            node = cfg.scope.code.to_string(),
            config = config.display().to_string()
        ));
    }
    let now = (liudong_sync::system_clock())();
    let (key, retired) = liudong_exchange::keyring::rotate(&cfg.data_dir, &cfg.scope.code, now)?;
    println!(
        "{}",
        liudong_i18n::t!(
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
    std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "bundle for {for_code}: {} records (outbox {}..{}], {} bytes, written to {}",
        body.records.len(),
        body.since,
        body.upto,
        bytes.len(),
        out.display()
    );
    Ok(())
}

/// `liudong bundle import`.
pub async fn cli_import(config: &Path, file: &Path) -> Result<()> {
    let cfg = Config::load(config)?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(&cfg)?;
    let node = Node::new(store, cfg.sync.clone(), liudong_sync::system_clock());
    let out = import(&node, &bytes, &cfg.bundle_trusted, &RingVerifier)
        .await
        .with_context(|| format!("bundle {} refused", file.display()))?;
    node.store().flush()?;
    if out.new == 0 && !out.cursor_advanced {
        println!(
            "bundle from {} already imported or older than what this node holds: nothing changed (cursor {})",
            out.from, out.cursor
        );
    } else {
        println!(
            "bundle from {}: {} records, {} new, {} already held; cursor {}{}",
            out.from,
            out.records,
            out.new,
            out.duplicate,
            out.cursor,
            if out.cursor_advanced {
                ""
            } else {
                " (not advanced: the bundle starts after what this node has received; import the earlier bundle too)"
            }
        );
    }
    Ok(())
}
