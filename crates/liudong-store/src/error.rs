//! The store's error type.

use crate::engine::EngineError;
use liudong_core::{RecordId, ValidationError};
use std::path::PathBuf;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store I/O error: {0}; check that the data directory exists, is writable and has free space"
    )]
    Io(#[from] EngineError),
    #[error(
        "record {id} is already held with different content (conflicting duplicate id); nothing of this batch was stored"
    )]
    Conflict { id: RecordId },
    #[error("record {id}: {error}")]
    Invalid {
        id: RecordId,
        error: ValidationError,
    },
    /// A draft of a batch write (see [`crate::Store::write_local_batch`])
    /// fails; nothing of the batch was written.
    #[error(
        "draft #{index} of the batch (would be record {id}): {error}; nothing of this batch was written"
    )]
    InvalidInBatch {
        index: usize,
        id: RecordId,
        error: ValidationError,
    },
    #[error(
        "store is corrupt: {0}; restore the data directory from a backup or resync it from its upstream"
    )]
    Corrupt(String),
    #[error(
        "data directory belongs to node {found}, not {expected}; point data_dir at this node's own directory"
    )]
    WrongNode { found: String, expected: String },
    /// A client's request id that is not 1 to 64 plain characters.
    #[error("{}", liudong_i18n::t!("request-id-bad", id = id.as_str()))]
    BadRequestId { id: String },
    /// A request id already kept for a different write.
    #[error("{}", liudong_i18n::t!("request-id-reused", id = id.as_str()))]
    RequestReused { id: String },
    /// The store's files are damaged (flipped bytes, a truncated file): the
    /// engine cannot read them, or reads back less than it once held.
    /// Nothing was changed.
    #[error("{}", liudong_i18n::t!("store-damaged", path = path.display().to_string(), detail = detail.as_str()))]
    Damaged { path: PathBuf, detail: String },
}

impl StoreError {
    /// True for failures that may pass if retried later (I/O).
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Io(_))
    }
}
