//! `liudong recover`: rebuilds or completes a stopped node's store from its
//! upstream and prints what it found, what it fetched and the verify
//! receipt (see `liudong_node::recover`).

use anyhow::{Result, bail};
use liudong_i18n::t;
use liudong_node::config::Config;
use liudong_node::recover::{Found, RecoverReport, recover};
use liudong_node::status::fmt_ms;
use std::path::Path;

/// `liudong recover --config FILE [--json]`; fails unless the node is in
/// step with its upstream at the end.
pub async fn cli_recover(config: &Path, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let now_ms = liudong_sync::system_clock()();
    let report = recover(&cfg, now_ms).await?;
    if json {
        crate::cli::print_json_sorted(&report)?;
    } else {
        print!("{}", recover_text(&report));
    }
    if !report.verify.in_step {
        bail!(t!(
            "recover-not-in-step",
            node = report.node.as_str(),
            upstream = report.upstream.as_str()
        ));
    }
    Ok(())
}

/// The human form of a recovery report.
pub fn recover_text(r: &RecoverReport) -> String {
    let lines = [
        match &r.found {
            Found::Damaged { detail, to, moved } => t!(
                "recover-found-damaged",
                detail = detail.as_str(),
                to = to.display().to_string(),
                moved = moved.join(", ")
            ),
            Found::Opened { records } => t!("recover-found-opened", records = records.to_string()),
        },
        t!(
            "recover-synced",
            upstream = r.upstream.as_str(),
            pulled = r.pulled.to_string(),
            pushed = r.pushed.to_string()
        ),
        t!(
            "recover-repaired",
            fetched = r.fetched.to_string(),
            offered = r.offered_new.to_string()
        ),
        t!(
            "recover-author-seq",
            before = r.author_seq_before.to_string(),
            after = r.author_seq.to_string(),
            records = r.records.to_string()
        ),
        match (&r.receipt, r.verify.in_step) {
            (Some(c), true) => t!(
                "recover-receipt-in-step",
                upstream = c.peer.as_str(),
                at = fmt_ms(c.at_ms),
                cursor = c.cursor_in.to_string(),
                fingerprint = c.fingerprint.as_str()
            ),
            _ => t!(
                "recover-receipt-not-in-step",
                upstream = r.upstream.as_str(),
                here = r.verify.local.as_str(),
                there = r.verify.remote.as_str(),
                differing = r
                    .verify
                    .buckets
                    .iter()
                    .map(|b| b.bucket.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    ];
    let mut out = lines.join("\n");
    out.push('\n');
    out
}
