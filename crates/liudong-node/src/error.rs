//! The errors of opening, starting and stopping a node.

use liudong_core::Code;
use liudong_i18n::t;
use liudong_store::StoreError;
use liudong_sync::SyncError;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a node cannot be opened, started or stopped cleanly.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("{}", t!("node-data-dir", path = path.display().to_string()))]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The store's files are damaged (the message says what to do).
    #[error(transparent)]
    DamagedStore(StoreError),
    #[error("{}", t!("node-open-store", path = path.display().to_string()))]
    OpenStore {
        path: PathBuf,
        #[source]
        source: StoreError,
    },
    /// A listener could not be bound; `setting` names the config field.
    #[error("{}", t!("node-listen", addr = addr.to_string(), setting = *setting))]
    Listen {
        addr: SocketAddr,
        setting: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", t!("node-stopped-unflushed", node = node.to_string()))]
    StoppedUnflushed { node: Code },
    #[error("{}", t!("node-flush"))]
    Flush {
        #[source]
        source: StoreError,
    },
    /// The upstream link cannot be set up (e.g. its URL).
    #[error(transparent)]
    Upstream(#[from] SyncError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The keys of the sealed exchange tier cannot be loaded.
    #[error("{}", t!("node-sealing-keys", node = node.to_string()))]
    SealingKeys {
        node: Code,
        #[source]
        source: liudong_exchange::SealError,
    },
    /// The TLS side of key announcements cannot be set up.
    #[error("{}", t!("node-key-trust"))]
    KeyTrust {
        #[source]
        source: liudong_net::tls::TlsError,
    },
    /// The county's NATS key for `[exchange] nats` cannot be used.
    #[error("{}", liudong_i18n::t!("jetstream-node-key", path = path.display().to_string()))]
    NatsKey {
        path: PathBuf,
        #[source]
        source: liudong_jetstream::SetupError,
    },
    /// `liudong exchange resend` on a node whose exchange is not a cluster.
    #[error("{}", liudong_i18n::t!("jetstream-resend-not-cluster", node = node.to_string()))]
    NotOnCluster { node: Code },
    /// A blocking task of the start or the shutdown panicked.
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
}
