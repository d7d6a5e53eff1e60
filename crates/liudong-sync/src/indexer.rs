//! The view indexer: one task per node keeping the subject index and person
//! views up to date with the log, off the acknowledgement path.

use liudong_store::Store;
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The indexer waits for the log to be quiet this long before indexing ...
pub const INDEX_QUIET: Duration = Duration::from_millis(200);
/// ... unless this many log entries are waiting.
pub const INDEX_MAX_LAG: u64 = 250_000;

/// Keeps the subject index and person views up to date with the log; ends
/// when the node is cancelled or the store dropped (it holds the store only
/// while indexing, so it never keeps a closed node's store open; a run in
/// progress is finished: indexing is idempotent and resumes from its cursor
/// after a restart).
///
/// Indexing is deferred while records keep arriving (a bulk sync applies at
/// the speed of the disk and the views follow when it pauses, or whenever
/// [`INDEX_MAX_LAG`] entries are waiting). Nothing reads a stale view: every
/// view read catches the indexer up first.
pub(crate) async fn index_views(
    store: Weak<Store>,
    mut changed: watch::Receiver<u64>,
    cancel: CancellationToken,
) {
    loop {
        let Some(s) = store.upgrade() else { return };
        if s.write_failed() {
            tracing::error!("the store cannot write; view indexing stopped");
            return;
        }
        match tokio::task::spawn_blocking(move || s.catch_up()).await {
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "indexing views failed; retrying on the next change")
            }
            Err(e) => tracing::warn!(error = %e, "view indexer task failed"),
            Ok(Ok(())) => {}
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = changed.changed() => if r.is_err() { return },
        }
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                r = tokio::time::timeout(INDEX_QUIET, changed.changed()) => match r {
                    Err(_) => break,
                    Ok(Err(_)) => return,
                    Ok(Ok(()))
                        if store
                            .upgrade()
                            .and_then(|s| s.index_lag().ok())
                            .unwrap_or(u64::MAX)
                            >= INDEX_MAX_LAG =>
                    {
                        break;
                    }
                    Ok(Ok(())) => {}
                },
            }
        }
    }
}
