//! `liudong exchange resend`: after the JetStream exchange lost everything
//! (all servers and their disks), a county publishes its outbox for the
//! exchange again.
//!
//! The link publishes the outbox from its durable `Out` cursor; moving the
//! cursor back to 0 has the next start publish every envelope of the outbox
//! again. Repeats are harmless: within the stream's de-duplication window a
//! message id (`<record id>@<destination>`) is stored once, and a
//! destination applies an envelope it already holds as a no-op. The node
//! must be stopped (its store is opened here); the change is in the audit
//! trail with the operator's name.

use crate::config::NodeConfig;
use crate::error::NodeError;
use liudong_core::Link;
use liudong_store::CursorDir;
use liudong_store::audit::AuditEvent;

/// What a re-send set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resent {
    /// The cursor before (outbox position).
    pub from: u64,
    /// Envelopes the link will publish again.
    pub records: u64,
}

/// Moves the publish cursor of the (stopped) county `cfg` back to the start
/// of its outbox for the exchange, audited under `operator`.
pub fn resend(cfg: &NodeConfig, operator: &str) -> Result<Resent, NodeError> {
    let Some(nl) = &cfg.exchange.nats else {
        return Err(NodeError::NotOnCluster {
            node: cfg.scope.code.clone(),
        });
    };
    let store = crate::runner::open_store(cfg)?;
    let link = Link::Parent;
    let store_err = |source| NodeError::OpenStore {
        path: cfg.data_dir.clone(),
        source,
    };
    let from = store.cursor(CursorDir::Out, &link).map_err(store_err)?;
    let records = store.pending(&link, 0).map_err(store_err)?;
    store
        .set_cursor(CursorDir::Out, &link, 0)
        .map_err(store_err)?;
    store
        .audit_append_durable(AuditEvent::Resent {
            operator: operator.to_string(),
            peer: nl.exchange.code.to_string(),
            from,
            records,
        })
        .map_err(store_err)?;
    store
        .flush()
        .map_err(|source| NodeError::Flush { source })?;
    tracing::info!(
        from,
        records,
        "outbox for the exchange to be published again"
    );
    Ok(Resent { from, records })
}
