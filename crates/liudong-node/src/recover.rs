//! `liudong recover`: brings a stopped node's store back in step with its
//! upstream after a loss — a damaged store, a wiped data directory, or one
//! restored from an older backup — using the node's own identity (its
//! `[tls]` enrolment) to reach the upstream, and proves the result with a
//! verification.
//!
//! Steps:
//! 1. Open the store. A damaged one ([`StoreError::Damaged`]) is set aside
//!    into `DATA_DIR/damaged-<unix seconds>/` (the engine's files only: the
//!    console's operator accounts and the bundle signing key stay) and a
//!    new store is opened in its place. A store that opens — restored or
//!    wiped — is kept and completed.
//! 2. Move the store's log on to the clock's floor ([`Store::skip_log_to`]):
//!    children's cursors are positions in the log as it was before the loss,
//!    so every entry written from now on lies beyond them.
//! 3. One sync session with the upstream: pulls the node's outbox there (and
//!    pushes what is waiting here).
//! 4. A verification with repair that reclaims: the records of the node's
//!    scope the session does not bring — those this node (or a node under
//!    it) sent up, among them this node's own — are fetched and received as
//!    a recovery ([`liudong_sync::Admission::recover`]): this node's own
//!    records count as written here, so its authored sequence number comes
//!    back and it never reissues one of their ids (ids also follow the clock,
//!    see `RecordId::next_seq`); what the upstream lacks is offered.
//! 5. A final verification without repair: its receipt ("in step with …")
//!    is stored for `liudong status` and returned.

use crate::config::NodeConfig;
use crate::error::NodeError;
use liudong_core::{Code, Link, RecordId};
use liudong_store::fingerprint::Receipt;
use liudong_store::{Store, StoreError};
use liudong_sync::verify::{VerifyReport, run_verify, run_verify_reclaiming};
use liudong_sync::{Connect, Node, SyncError, system_clock};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Why a recovery could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    /// The node answers on its admin address: it must be stopped first.
    #[error("{}", liudong_i18n::t!("recover-node-running", node = node.to_string()))]
    Running { node: Code },
    /// A node without an upstream has nothing to recover from.
    #[error("{}", liudong_i18n::t!("recover-no-upstream", node = node.to_string()))]
    NoUpstream { node: Code },
    /// The damaged store could not be moved aside.
    #[error("{}", liudong_i18n::t!("recover-set-aside-failed", from = from.display().to_string(), to = to.display().to_string()))]
    SetAside {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A step with the upstream failed; nothing done so far is lost (run
    /// `liudong recover` again).
    #[error("{}", liudong_i18n::t!("recover-upstream-failed", step = *step, upstream = upstream.to_string(), url = url.as_str()))]
    Upstream {
        step: &'static str,
        upstream: Code,
        url: String,
        #[source]
        source: Box<SyncError>,
    },
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
}

/// What the store was found to be when `recover` opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "found", rename_all = "snake_case")]
pub enum Found {
    /// Damaged: set aside into `to` (`moved`: the names moved), a new store
    /// opened in its place.
    Damaged {
        detail: String,
        to: PathBuf,
        moved: Vec<String>,
    },
    /// It opened, holding `records` (a restored backup, a wiped directory,
    /// or a healthy store): kept and completed.
    Opened { records: u64 },
}

/// What `liudong recover` did.
#[derive(Debug, Clone, Serialize)]
pub struct RecoverReport {
    pub node: String,
    pub upstream: String,
    pub found: Found,
    /// The local log's next entries are numbered above this.
    pub log_from: u64,
    /// Records the sync session brought / sent.
    pub pulled: u64,
    pub pushed: u64,
    /// The reclaiming verification's repair: records fetched (among them
    /// this node's own) and offered.
    pub fetched: u64,
    pub offered_new: u64,
    /// This node's authored sequence number before and after.
    pub author_seq_before: u64,
    pub author_seq: u64,
    /// Records held at the end.
    pub records: u64,
    /// The final verification (no repair): `in_step` proves the store
    /// holds exactly what the upstream holds of this node's scope.
    pub verify: VerifyReport,
    /// Its sync receipt, as stored for `liudong status`.
    pub receipt: Option<Receipt>,
}

/// Recovers the store of the stopped node `cfg` from its upstream (see the
/// module docs); `now_ms` is the wall clock.
pub async fn recover(cfg: &NodeConfig, now_ms: u64) -> Result<RecoverReport, RecoverError> {
    let node_code = cfg.scope.code.clone();
    let Some((parent, url)) = cfg.parent.clone() else {
        return Err(RecoverError::NoUpstream { node: node_code });
    };
    if let Some(addr) = cfg.admin_listen
        && addr.port() != 0
        && liudong_net::admin_client(&addr.to_string()).await.is_ok()
    {
        return Err(RecoverError::Running { node: node_code });
    }
    let (store, found) = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || open_or_set_aside(&cfg, now_ms)).await??
    };
    let author_seq_before = store.author_seq();
    let log_from = {
        let store = store.clone();
        let base = RecordId::seq_floor(now_ms);
        tokio::task::spawn_blocking(move || store.skip_log_to(base)).await??
    };
    tracing::info!(node = %node_code, ?found, log_from, "recovering the store from the upstream");
    let node = Node::new(store.clone(), cfg.sync.clone(), system_clock());
    let failed = |step: &'static str| {
        let (upstream, url) = (parent.code.clone(), url.clone());
        move |source: SyncError| RecoverError::Upstream {
            step,
            upstream,
            url,
            source: Box::new(source),
        }
    };
    let connector =
        liudong_net::GrpcConnector::new(&url, cfg.net.clone()).map_err(failed("sync"))?;
    let session = liudong_sync::run_client_session(
        node.clone(),
        &parent,
        false,
        |rx| connector.open(rx),
        CancellationToken::new(),
    )
    .await
    .map_err(failed("sync"))?;
    let peer =
        liudong_net::verify::GrpcVerifier::new(&url, cfg.net.clone()).map_err(failed("verify"))?;
    let repair = run_verify_reclaiming(node.clone(), &parent, &peer)
        .await
        .map_err(failed("verify"))?;
    let verify = run_verify(node.clone(), &parent, &peer, false)
        .await
        .map_err(failed("verify"))?;
    node.stop_tasks(std::time::Duration::from_secs(10)).await;
    {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.flush()).await??;
    }
    let report = RecoverReport {
        node: node_code.to_string(),
        upstream: parent.code.to_string(),
        found,
        log_from,
        pulled: session.received,
        pushed: session.sent,
        fetched: repair.fetched,
        offered_new: repair.offered_new,
        author_seq_before,
        author_seq: store.author_seq(),
        records: store.record_count() as u64,
        verify,
        receipt: store.receipt(&Link::Parent)?,
    };
    tracing::info!(
        node = %node_code,
        pulled = report.pulled,
        fetched = report.fetched,
        author_seq = report.author_seq,
        in_step = report.verify.in_step,
        "recovery finished"
    );
    Ok(report)
}

/// Opens the node's store; a damaged one is set aside first and a new one
/// opened in its place.
fn open_or_set_aside(cfg: &NodeConfig, now_ms: u64) -> Result<(Arc<Store>, Found), RecoverError> {
    match crate::runner::open_store(cfg) {
        Ok(store) => {
            let records = store.record_count() as u64;
            Ok((store, Found::Opened { records }))
        }
        Err(NodeError::DamagedStore(StoreError::Damaged { detail, .. })) => {
            let to = cfg.data_dir.join(format!("damaged-{}", now_ms / 1000));
            let moved =
                Store::set_aside(&cfg.data_dir, &to).map_err(|source| RecoverError::SetAside {
                    from: cfg.data_dir.clone(),
                    to: to.clone(),
                    source,
                })?;
            tracing::warn!(dir = %to.display(), ?moved, "the damaged store was set aside");
            let store = crate::runner::open_store(cfg)?;
            Ok((store, Found::Damaged { detail, to, moved }))
        }
        Err(e) => Err(e.into()),
    }
}
