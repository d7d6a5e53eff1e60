//! The errors of opening, starting and stopping a node.

use liudong_core::Code;
use liudong_store::StoreError;
use liudong_sync::SyncError;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a node cannot be opened, started or stopped cleanly.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("cannot create data directory {}", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The store's files are damaged (the message says what to do).
    #[error(transparent)]
    DamagedStore(StoreError),
    #[error("cannot open the store in {} (is another liudong process using it?)", path.display())]
    OpenStore {
        path: PathBuf,
        #[source]
        source: StoreError,
    },
    /// A listener could not be bound; `setting` names the config field.
    #[error("cannot listen on {addr} ({setting})")]
    Listen {
        addr: SocketAddr,
        setting: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "node {node} stopped without a final flush: its store could not write (check that the data directory is writable and has free space); everything acknowledged was flushed before its acknowledgement"
    )]
    StoppedUnflushed { node: Code },
    #[error("flushing the store at shutdown")]
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
    #[error("the sealing keys of node {node} (the exchange tier is sealed: [exchange] sealed)")]
    SealingKeys {
        node: Code,
        #[source]
        source: liudong_exchange::SealError,
    },
    /// The TLS side of key announcements cannot be set up.
    #[error("[exchange] key_cas or the node's TLS key, for announcing and checking sealing keys")]
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
    /// A blocking task of the start or the shutdown panicked.
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
}
