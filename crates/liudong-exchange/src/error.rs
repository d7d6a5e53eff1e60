//! What can go wrong with envelopes, keys and announcements.

use liudong_core::{Code, RecordId};
use liudong_i18n::t;

/// Why an envelope could not be sealed, checked or opened, or a key or
/// announcement not used. Every message says what was wrong and what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SealError {
    #[error("{}", t!("seal-malformed", index = *index, reason = reason.as_str()))]
    Malformed { index: usize, reason: String },
    #[error("{}", t!("seal-header", id = id.as_str(), field = *field, reason = reason.as_str()))]
    Header {
        id: String,
        field: &'static str,
        reason: String,
    },
    #[error("{}", t!("seal-unknown-signer", id = id.to_string(), from = from.to_string(), key_id = key_id.as_str()))]
    UnknownSigner {
        id: RecordId,
        from: Code,
        key_id: String,
    },
    #[error("{}", t!("seal-bad-signature", id = id.to_string(), from = from.to_string()))]
    BadSignature { id: RecordId, from: Code },
    #[error("{}", t!("seal-unknown-recipient-key", id = id.to_string(), key_id = key_id.as_str(), county = county.to_string()))]
    UnknownRecipientKey {
        id: RecordId,
        county: Code,
        key_id: String,
    },
    #[error("{}", t!("seal-cannot-open", id = id.to_string(), from = from.to_string(), key_id = key_id.as_str()))]
    CannotOpen {
        id: RecordId,
        from: Code,
        key_id: String,
    },
    #[error("{}", t!("seal-no-key", county = county.to_string()))]
    NoKey { county: Code },
    #[error("{}", t!("seal-announcement", error = .0.as_str()))]
    Announcement(String),
    #[error("{}", t!("seal-key-file", path = path.as_str(), reason = reason.as_str()))]
    KeyFile { path: String, reason: String },
    #[error("{}", t!("seal-random"))]
    Random,
    #[error("{}", t!("seal-proof-malformed", from = from.to_string(), reason = reason.as_str()))]
    ProofMalformed { from: Code, reason: String },
    #[error("{}", t!("seal-proof-route", from = from.to_string(), route = route.as_str()))]
    ProofRoute { from: Code, route: String },
    #[error("{}", t!("seal-proof-unknown-signer", from = from.to_string(), key_id = key_id.as_str()))]
    ProofUnknownSigner { from: Code, key_id: String },
    #[error("{}", t!("seal-proof-bad-signature", from = from.to_string()))]
    ProofBadSignature { from: Code },
    #[error("HPKE: {0}")]
    Hpke(String),
}

impl SealError {
    /// True if the same input may be accepted later without anyone acting
    /// (a key not yet received).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SealError::UnknownSigner { .. } | SealError::NoKey { .. }
        )
    }

    /// True if the envelope was refused for being forged or altered.
    pub fn is_forgery(&self) -> bool {
        matches!(
            self,
            SealError::BadSignature { .. } | SealError::CannotOpen { .. }
        )
    }
}
