//! Starting and stopping one node.
//!
//! Order at start: open the store → bind listeners → serve sync and admin →
//! start the upstream link. Every task is one of the node's
//! ([`Node::spawn`]): the node owns the one task tracker and cancellation
//! token. At shutdown: cancel → the servers stop accepting and sessions end
//! at a batch boundary (a batch is applied and flushed whole or not at all)
//! → wait for every task of the node under a deadline → flush the store.

use crate::config::NodeConfig;
pub use crate::error::NodeError;
use liudong_net::GrpcConnector;
use liudong_store::Store;
use liudong_sync::{LinkHandle, Node, WallClock, run_link, system_clock};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

type Result<T, E = NodeError> = std::result::Result<T, E>;

/// A running node.
pub struct RunningNode {
    pub node: Arc<Node>,
    /// Bound sync address (for children), if the node serves any.
    pub sync_addr: Option<SocketAddr>,
    /// Bound admin address, if configured.
    pub admin_addr: Option<SocketAddr>,
    /// Bound web console address (`[console]`), once the console crate has
    /// started it on this node (see `liudong_console::start`).
    pub console_addr: Option<SocketAddr>,
    /// Bound metrics address (`[metrics] listen`), if enabled.
    pub metrics_addr: Option<SocketAddr>,
    /// Handle to the upstream link driver.
    pub link: Option<LinkHandle>,
    /// Verifies against the upstream (what `liudong verify` runs), if any.
    pub verifier: Option<liudong_sync::verify::Verifier>,
    /// The node's transport options (its TLS identity included), for tools
    /// and tests that connect to other nodes as this node.
    pub net: liudong_net::NetOptions,
}

/// Opens a node's store (refusing a directory that belongs to another node).
pub fn open_store(cfg: &NodeConfig) -> Result<Arc<Store>> {
    std::fs::create_dir_all(&cfg.data_dir).map_err(|source| NodeError::DataDir {
        path: cfg.data_dir.clone(),
        source,
    })?;
    let store = Store::open(
        &cfg.data_dir,
        cfg.scope.clone(),
        cfg.upstream_scope().cloned(),
        &cfg.store,
    )
    .map_err(|source| match source {
        e @ liudong_store::StoreError::Damaged { .. } => NodeError::DamagedStore(e),
        source => NodeError::OpenStore {
            path: cfg.data_dir.clone(),
            source,
        },
    })?;
    Ok(Arc::new(store))
}

/// Starts a node with the system clock.
pub async fn start(cfg: NodeConfig) -> Result<RunningNode> {
    start_with_clock(cfg, system_clock()).await
}

/// Starts a node with the given wall clock (tests use a skewed one).
pub async fn start_with_clock(cfg: NodeConfig, clock: WallClock) -> Result<RunningNode> {
    let store = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || open_store(&cfg)).await??
    };
    let keys = key_ring(&cfg, clock())?;
    let node = Node::with_keys(store, cfg.sync.clone(), clock, keys);
    liudong_sync::seal::start_sealer(&node);
    if node.keys().is_some() {
        let n = node.clone();
        let loaded =
            tokio::task::spawn_blocking(move || liudong_sync::keys::load_announcements(&n))
                .await??;
        tracing::info!(node = %cfg.scope.code, announcements = loaded, "sealed exchange tier: keys loaded");
    }
    match &cfg.net.tls {
        None => tracing::warn!(
            node = %cfg.scope.code,
            "insecure = true: links are plaintext and unauthenticated (loopback only); configure [tls] for real use"
        ),
        Some(t) => tracing::info!(node = %cfg.scope.code, cert = t.fingerprint(), "mutual TLS"),
    }
    let cancel = node.cancel_token();

    let mut sync_addr = None;
    if let Some(addr) = cfg.listen {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| NodeError::Listen {
                addr,
                setting: "[node] listen",
                source,
            })?;
        sync_addr = Some(listener.local_addr()?);
        let (served, opts, cancel) = (node.clone(), cfg.net.clone(), cancel.clone());
        node.spawn(async move {
            if let Err(e) = liudong_net::serve_sync(listener, served, opts, cancel).await {
                tracing::error!(error = %e, "sync service stopped");
            }
        });
    }

    // A node that serves re-reads its revocation list in `serve_sync`; one
    // that only dials (a village) re-reads it here, so that an upstream
    // revoked while it runs is refused at the next connection.
    if let (None, Some(tls)) = (cfg.listen, &cfg.net.tls) {
        node.spawn(tls.revocation().clone().watch(cancel.clone()));
    }

    if let Some(up) = &cfg.awaiting_upstream {
        tracing::warn!(
            node = %cfg.scope.code,
            upstream = %up.code,
            "the upstream has no address yet ([upstream] url): records for it wait here; `liudong trust add` with its trust file gives it (docs/operations.md)"
        );
    }
    let mut link = None;
    let mut verifier = None;
    if let Some((parent, url)) = &cfg.parent {
        // An initial sync or a long catch-up shows its progress.
        let follower = crate::monitoring::SyncFollower::new(
            format!("初始同步 sync with {}", parent.code),
            crate::monitoring::SERVE_PROGRESS_MIN,
        );
        node.spawn(follower.follow(node.sync_progress(), cancel.clone()));
        let connector = Arc::new(GrpcConnector::new(url, cfg.net.clone())?);
        let peer = Arc::new(connector.verifier());
        let v = liudong_sync::verify::Verifier::new(node.clone(), parent.clone(), peer);
        if let Some(every) = cfg.verify.interval {
            let (v, repair, cancel) = (v.clone(), cfg.verify.repair, cancel.clone());
            node.spawn(v.run_periodic(every, repair, cancel));
        }
        verifier = Some(v);
        if cfg.exchange.sealed {
            node.spawn(liudong_sync::keys::run_key_sync(
                node.clone(),
                parent.clone(),
                Arc::new(connector.keys()),
                cfg.exchange.keys_interval,
                cancel.clone(),
            ));
        }
        let (handle, _task) = run_link(
            node.clone(),
            parent.clone(),
            connector,
            cfg.link.clone(),
            cancel.clone(),
        );
        link = Some(handle);
    }

    if let Some(nl) = &cfg.exchange.nats {
        let (handle, v) = start_cluster_link(&node, &cfg, nl)?;
        if let Some(every) = cfg.verify.interval {
            // Nothing to repair from the cluster: `repair` has no effect.
            node.spawn(v.clone().run_periodic(every, false, cancel.clone()));
        }
        link = Some(handle);
        verifier = Some(v);
    }

    let mut admin_addr = None;
    if let Some(addr) = cfg.admin_listen {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| NodeError::Listen {
                addr,
                setting: "[node] admin_listen",
                source,
            })?;
        admin_addr = Some(listener.local_addr()?);
        let mut svc = crate::admin::AdminService::new(node.clone(), link.clone());
        if let Some(v) = verifier.clone() {
            svc = svc.with_verifier(v);
        }
        let cancel = cancel.clone();
        node.spawn(async move {
            if let Err(e) = crate::admin::serve_admin_service(listener, svc, cancel).await {
                tracing::error!(error = %e, "admin service stopped");
            }
        });
    }
    let metrics_addr = crate::metrics_http::start_metrics(&cfg, &node, &cancel).await?;
    tracing::info!(
        node = %node.scope().code,
        kind = node.scope().kind.name(),
        sync = ?sync_addr,
        admin = ?admin_addr,
        metrics = ?metrics_addr,
        records = node.store().record_count(),
        log = node.store().last_seq(),
        "node started"
    );
    Ok(RunningNode {
        node,
        sync_addr,
        admin_addr,
        console_addr: None,
        metrics_addr,
        link,
        verifier,
        net: cfg.net.clone(),
    })
}

/// Starts a county's link to its JetStream exchange (`[exchange] nats`)
/// and its key directory there; the verifier reads the delivery proofs
/// addressed to it.
fn start_cluster_link(
    node: &Arc<Node>,
    cfg: &NodeConfig,
    nl: &crate::config::NatsLink,
) -> Result<(LinkHandle, liudong_sync::verify::Verifier)> {
    use liudong_jetstream::{ConsumeOptions, ExchangeOptions, Identity, LinkSettings};
    let tls = cfg.net.tls.clone().ok_or_else(|| NodeError::NatsKey {
        path: nl.seed.clone(),
        source: liudong_jetstream::SetupError::Key("[tls] is not configured".into()),
    })?;
    let identity = Identity::load(cfg.scope.code.clone(), &nl.seed, tls).map_err(|source| {
        NodeError::NatsKey {
            path: nl.seed.clone(),
            source,
        }
    })?;
    let mut opts = ExchangeOptions::new(nl.servers.clone(), nl.exchange.code.clone());
    opts.stream = nl.stream.clone();
    let settings = LinkSettings {
        publish_batch: cfg.sync.max_batch,
        consume: ConsumeOptions::default(),
        pacing: cfg.link.clone(),
        proofs_every: cfg.exchange.keys_interval,
    };
    tracing::info!(node = %cfg.scope.code, exchange = %nl.exchange.code, servers = nl.servers.len(), "exchange: JetStream cluster");
    let link = liudong_jetstream::start_link(node.clone(), identity, opts, settings);
    node.spawn(liudong_sync::keys::run_key_sync(
        node.clone(),
        nl.exchange.clone(),
        Arc::new(liudong_jetstream::keys::ClusterKeys::new(
            link.connection.clone(),
            nl.exchange.code.clone(),
        )),
        cfg.exchange.keys_interval,
        node.cancel_token(),
    ));
    let verifier = liudong_sync::verify::Verifier::with_proofs(
        node.clone(),
        nl.exchange.clone(),
        Arc::new(liudong_jetstream::proofs::ClusterProofs::new(
            link.connection.clone(),
        )),
    );
    Ok((link.handle, verifier))
}

/// The key ring of a node of the sealed exchange tier: a county's own keys
/// (created in its data directory at first start) with its TLS identity to
/// announce them and the CAs to check other counties' announcements; an
/// exchange node's empty ring. `None` outside the sealed tier.
fn key_ring(cfg: &NodeConfig, now_ms: u64) -> Result<Option<Arc<liudong_exchange::KeyRing>>> {
    if !cfg.exchange.sealed {
        return Ok(None);
    }
    if cfg.scope.is_exchange() {
        return Ok(Some(Arc::new(liudong_exchange::KeyRing::exchange())));
    }
    let mut trust: Option<Arc<dyn liudong_exchange::CertificateCheck>> = None;
    let mut signer: Option<Arc<dyn liudong_exchange::AnnouncementSigner>> = None;
    if let Some(tls) = &cfg.net.tls {
        let key_error = |source| NodeError::KeyTrust { source };
        trust = Some(Arc::new(
            liudong_net::keytrust::KeyTrust::load(tls.clone(), &cfg.exchange.key_cas)
                .map_err(key_error)?,
        ));
        signer = Some(Arc::new(
            liudong_net::keytrust::TlsAnnouncer::new(tls).map_err(key_error)?,
        ));
    }
    let ring =
        liudong_exchange::KeyRing::county(&cfg.data_dir, &cfg.scope.code, now_ms, trust, signer)
            .map_err(|source| NodeError::SealingKeys {
                node: cfg.scope.code.clone(),
                source,
            })?;
    Ok(Some(Arc::new(ring)))
}

impl RunningNode {
    /// Stops the node: cancel, wait for every task of the node (up to
    /// `deadline`), flush.
    pub async fn shutdown(self, deadline: Duration) -> Result<()> {
        let finished = self.node.stop_tasks(deadline).await;
        if !finished {
            tracing::warn!(node = %self.node.scope().code, "tasks did not finish before the shutdown deadline");
        }
        let store = self.node.store().clone();
        if store.write_failed() {
            return Err(NodeError::StoppedUnflushed {
                node: self.node.scope().code.clone(),
            });
        }
        tokio::task::spawn_blocking(move || store.flush())
            .await?
            .map_err(|source| NodeError::Flush { source })?;
        tracing::info!(node = %self.node.scope().code, "node stopped");
        Ok(())
    }

    /// The node's cancellation token (cancelling it starts shutdown).
    pub fn cancel_token(&self) -> CancellationToken {
        self.node.cancel_token()
    }

    /// Runs `task` as one of the node's tasks: shutdown cancels the token
    /// and waits for it under the deadline.
    pub fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.node.spawn(task);
    }
}
