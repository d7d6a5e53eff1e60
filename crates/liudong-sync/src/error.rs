//! Errors of a sync session, split by where they are detected.

use liudong_core::{Code, RecordId, ValidationError};
use liudong_proto::DecodeError;
use liudong_store::StoreError;

/// What went wrong in a sync session.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "protocol version {theirs} is not supported (this node speaks {ours}); upgrade the older node"
    )]
    Version { ours: u32, theirs: u32 },
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error(
        "node {peer} is not a direct child of {server}; a node may only sync with its own upstream"
    )]
    NotChild { peer: Code, server: Code },
    #[error(
        "session claims node {claimed}, but the peer's certificate is for {certified}; a node may only use its own certificate"
    )]
    IdentityMismatch { claimed: Code, certified: Code },
    #[error(
        "upstream answered as node {found}, but this node's upstream is configured as {expected}; check [upstream] in the config"
    )]
    WrongUpstream { expected: Code, found: String },
    #[error("record #{index} of the batch cannot be decoded: {error}")]
    Decode { index: usize, error: DecodeError },
    #[error("record {id} is invalid: {error}")]
    Invalid {
        id: RecordId,
        error: ValidationError,
    },
    #[error("record {id} is not entitled to {peer}: {rule}")]
    NotEntitled {
        id: RecordId,
        peer: String,
        rule: &'static str,
    },
    #[error(
        "certificate {fingerprint} of node {peer} has been revoked; the node needs a new certificate from its CA"
    )]
    Revoked { peer: Code, fingerprint: String },
    #[error("limit exceeded: {0}")]
    Limit(String),
    #[error("timed out: {0}")]
    Timeout(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A status from the link: the peer's answer, or the transport's own
    /// failure (unreachable, TLS refused), with a hint where one is known.
    #[error("{code}: {message}")]
    Remote { code: String, message: String },
    #[error("transport: {0}")]
    Transport(String),
    #[error("session cancelled (shutting down)")]
    Cancelled,
}

impl SyncError {
    /// True if the peer was refused for who it is or what it sent (identity,
    /// jurisdiction, entitlement): such errors are audited and counted.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            SyncError::NotChild { .. }
                | SyncError::IdentityMismatch { .. }
                | SyncError::NotEntitled { .. }
                | SyncError::Revoked { .. }
        )
    }

    /// Why this node refused the peer or what it sent, as the `reason`
    /// label of `liudong_refused_total` (see docs/monitoring.md); `None` for
    /// failures that are not a refusal (transport, timeouts, the peer's own
    /// refusals, shutdown).
    pub fn refusal_reason(&self) -> Option<&'static str> {
        Some(match self {
            SyncError::NotChild { .. } => "not_child",
            SyncError::IdentityMismatch { .. } => "identity_mismatch",
            SyncError::NotEntitled { .. } => "not_entitled",
            SyncError::Revoked { .. } => "revoked",
            SyncError::Invalid { .. } => "invalid_record",
            SyncError::Decode { .. } => "undecodable_record",
            SyncError::Limit(_) => "limit",
            SyncError::Version { .. } => "protocol_version",
            SyncError::WrongUpstream { .. } => "wrong_upstream",
            SyncError::Store(StoreError::Conflict { .. }) => "conflict",
            SyncError::Protocol(_) => "protocol",
            _ => return None,
        })
    }

    /// True if the same session may succeed later without anyone acting.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Store(e) => e.is_retryable(),
            SyncError::Transport(_) | SyncError::Timeout(_) | SyncError::Cancelled => true,
            SyncError::Remote { code, .. } => {
                matches!(
                    code.as_str(),
                    "Unavailable"
                        | "DeadlineExceeded"
                        | "ResourceExhausted"
                        | "Aborted"
                        | "Internal"
                        | "Unknown"
                        | "Cancelled"
                )
            }
            _ => false,
        }
    }
}
