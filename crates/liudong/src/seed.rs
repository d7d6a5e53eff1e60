//! `liudong seed`: writes a deterministic synthetic population
//! ([`liudong_core::population`]) into a stopped node's store, authored by the
//! node, so that demos, tests and benchmarks have realistic data. Run it on a
//! fresh node: the same seed then always gives the same records.

use crate::config::Config;
use anyhow::{Result, bail};
use liudong_core::population::{Params, generate};
use liudong_core::validate::{Limits, check_record};
use liudong_core::{Date, NodeKind};
use liudong_store::{Incoming, Source};
use std::collections::HashSet;
use std::path::Path;

/// Generates and stores the population; returns the number of records written.
pub fn seed_store(
    store: &liudong_store::Store,
    seed: u64,
    households: u64,
    now_ms: u64,
) -> Result<usize> {
    let scope = store.scope();
    if matches!(scope.kind, NodeKind::Exchange { .. }) {
        bail!("seed writes a county, township or village population; this is an exchange node");
    }
    let first_seq = store
        .record_ids()?
        .into_iter()
        .filter(|id| id.node == scope.code)
        .map(|id| id.seq)
        .max()
        .unwrap_or(0)
        + 1;
    let records = generate(Params {
        unit: scope.code.clone(),
        author: scope.code.clone(),
        first_seq,
        seed,
        households,
        today: Date::from_unix_ms(now_ms),
    });
    let limits = Limits {
        now_ms,
        max_skew_ms: 0,
    };
    for r in &records {
        check_record(r, limits).map_err(|e| anyhow::anyhow!("generated record {}: {e}", r.id))?;
    }
    for chunk in records.chunks(500) {
        let items: Vec<Incoming> = chunk.iter().cloned().map(Incoming::new).collect();
        store.apply(&items, &Source::Local, None, true)?;
    }
    Ok(records.len())
}

/// The CLI entry point.
pub fn cli_seed(config: &Path, seed: u64, households: u64) -> Result<()> {
    let cfg = Config::load(config)?;
    let store = crate::runner::open_store(&cfg)?;
    let now = liudong_sync::system_clock()();
    let n = seed_store(&store, seed, households, now)?;
    store.catch_up()?;
    let people: HashSet<String> = store
        .views()
        .filter_map(|v| v.ok())
        .map(|v| v.subject.as_str().to_string())
        .collect();
    println!(
        "seeded {n} records about {} people ({households} households, seed {seed}) at node {}; they sync upstream when the node runs",
        people.len(),
        cfg.scope.code
    );
    Ok(())
}
