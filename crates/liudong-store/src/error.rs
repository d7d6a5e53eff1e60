//! The store's error type.

use crate::engine::EngineError;
use liudong_core::{RecordId, ValidationError};
use liudong_i18n::t;
use std::path::PathBuf;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", t!("store-io", error = .0.to_string()))]
    Io(#[from] EngineError),
    #[error("{}", t!("store-conflict", id = id.to_string()))]
    Conflict { id: RecordId },
    #[error("{}", t!("store-invalid", id = id.to_string(), error = error.to_string()))]
    Invalid {
        id: RecordId,
        error: ValidationError,
    },
    /// A draft of a batch write (see [`crate::Store::write_local_batch`])
    /// fails; nothing of the batch was written.
    #[error("{}", t!("store-invalid-in-batch", index = *index, id = id.to_string(), error = error.to_string()))]
    InvalidInBatch {
        index: usize,
        id: RecordId,
        error: ValidationError,
    },
    #[error("{}", t!("store-corrupt", detail = .0.as_str()))]
    Corrupt(String),
    #[error("{}", t!("store-wrong-node", found = found.as_str(), expected = expected.as_str()))]
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
