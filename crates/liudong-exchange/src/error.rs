//! What can go wrong with envelopes, keys and announcements.

use liudong_core::{Code, RecordId};

/// Why an envelope could not be sealed, checked or opened, or a key or
/// announcement not used. Every message says what was wrong and what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SealError {
    #[error("envelope #{index} of the batch is malformed: {reason}")]
    Malformed { index: usize, reason: String },
    #[error(
        "envelope of record {id}: field {field} of its header: {reason}; the sending county must seal it again"
    )]
    Header {
        id: String,
        field: &'static str,
        reason: String,
    },
    #[error(
        "envelope of record {id} from county {from} is signed with key {key_id}, which this county has not received yet; it will be fetched from the exchange and the envelope accepted on the next attempt"
    )]
    UnknownSigner {
        id: RecordId,
        from: Code,
        key_id: String,
    },
    #[error(
        "envelope of record {id}: the signature of county {from} does not verify; the envelope was altered on the way or not sealed by {from}"
    )]
    BadSignature { id: RecordId, from: Code },
    #[error(
        "envelope of record {id} is sealed to key {key_id}, which county {county} does not hold; restore the county's sealing key file (sealing-keys.json) from its backup"
    )]
    UnknownRecipientKey {
        id: RecordId,
        county: Code,
        key_id: String,
    },
    #[error(
        "envelope of record {id} from county {from} does not open with key {key_id}: its payload was altered after signing or sealed to another key"
    )]
    CannotOpen {
        id: RecordId,
        from: Code,
        key_id: String,
    },
    #[error(
        "no sealing key of county {county} is known yet; its announcement is fetched from the exchange (is county {county} running and connected?)"
    )]
    NoKey { county: Code },
    #[error("key announcement: {0}")]
    Announcement(String),
    #[error("sealing key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("the system random number generator failed")]
    Random,
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
