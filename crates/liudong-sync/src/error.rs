//! Errors of a sync session, split by where they are detected, and the
//! status code each is reported with.

use liudong_core::{Code, RecordId, ValidationError};
use liudong_i18n::t;
use liudong_proto::DecodeError;
use liudong_store::StoreError;

/// The gRPC status codes, mirrored here so that the protocol engine can
/// classify errors without knowing the transport (`liudong-net`'s `status`
/// module converts them to and from `tonic::Code`). The discriminants are
/// the codes' numbers on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusCode {
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

impl StatusCode {
    /// Every code, in the order of their numbers.
    pub const ALL: [StatusCode; 17] = [
        StatusCode::Ok,
        StatusCode::Cancelled,
        StatusCode::Unknown,
        StatusCode::InvalidArgument,
        StatusCode::DeadlineExceeded,
        StatusCode::NotFound,
        StatusCode::AlreadyExists,
        StatusCode::PermissionDenied,
        StatusCode::ResourceExhausted,
        StatusCode::FailedPrecondition,
        StatusCode::Aborted,
        StatusCode::OutOfRange,
        StatusCode::Unimplemented,
        StatusCode::Internal,
        StatusCode::Unavailable,
        StatusCode::DataLoss,
        StatusCode::Unauthenticated,
    ];

    /// True if a session that failed with this code may succeed when tried
    /// again later without anyone acting: the link was broken or slow, the
    /// peer was busy, shutting down or hit a per-session limit. Every other
    /// code is a *refusal* — of this node's identity, of what it sent, of
    /// its protocol version, or a conflict — that repeats until an operator
    /// fixes its cause (see docs/protocol.md, "Retries and refusals").
    pub fn is_retryable(self) -> bool {
        match self {
            StatusCode::Unavailable
            | StatusCode::DeadlineExceeded
            | StatusCode::ResourceExhausted
            | StatusCode::Aborted
            | StatusCode::Internal
            | StatusCode::Unknown
            | StatusCode::Cancelled
            // Not an error at all; only a misbehaving peer reports it as one.
            | StatusCode::Ok => true,
            StatusCode::InvalidArgument
            | StatusCode::NotFound
            | StatusCode::AlreadyExists
            | StatusCode::PermissionDenied
            | StatusCode::FailedPrecondition
            | StatusCode::OutOfRange
            | StatusCode::Unimplemented
            | StatusCode::DataLoss
            | StatusCode::Unauthenticated => false,
        }
    }

    /// The code's name as gRPC libraries print it (e.g. `PermissionDenied`).
    pub fn name(self) -> &'static str {
        match self {
            StatusCode::Ok => "Ok",
            StatusCode::Cancelled => "Cancelled",
            StatusCode::Unknown => "Unknown",
            StatusCode::InvalidArgument => "InvalidArgument",
            StatusCode::DeadlineExceeded => "DeadlineExceeded",
            StatusCode::NotFound => "NotFound",
            StatusCode::AlreadyExists => "AlreadyExists",
            StatusCode::PermissionDenied => "PermissionDenied",
            StatusCode::ResourceExhausted => "ResourceExhausted",
            StatusCode::FailedPrecondition => "FailedPrecondition",
            StatusCode::Aborted => "Aborted",
            StatusCode::OutOfRange => "OutOfRange",
            StatusCode::Unimplemented => "Unimplemented",
            StatusCode::Internal => "Internal",
            StatusCode::Unavailable => "Unavailable",
            StatusCode::DataLoss => "DataLoss",
            StatusCode::Unauthenticated => "Unauthenticated",
        }
    }
}

impl std::fmt::Display for StatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong in a sync session.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", t!("sync-version", theirs = *theirs, ours = *ours))]
    Version { ours: u32, theirs: u32 },
    #[error("{}", t!("sync-protocol", error = .0.as_str()))]
    Protocol(String),
    #[error("{}", t!("sync-not-child", peer = peer.to_string(), server = server.to_string()))]
    NotChild { peer: Code, server: Code },
    #[error("{}", t!("sync-identity-mismatch", claimed = claimed.to_string(), certified = certified.to_string()))]
    IdentityMismatch { claimed: Code, certified: Code },
    #[error("{}", t!("sync-wrong-upstream", found = found.as_str(), expected = expected.to_string()))]
    WrongUpstream { expected: Code, found: String },
    #[error("{}", t!("sync-decode", index = *index, error = error.to_string()))]
    Decode { index: usize, error: DecodeError },
    #[error("{}", t!("sync-invalid", id = id.to_string(), error = error.to_string()))]
    Invalid {
        id: RecordId,
        error: ValidationError,
    },
    #[error("{}", t!("sync-not-entitled", id = id.to_string(), peer = peer.as_str(), rule = liudong_i18n::tr(rule, &[])))]
    NotEntitled {
        id: RecordId,
        peer: String,
        /// The rule broken: a catalogue id (`RULE_*` of `receive.rs`).
        rule: &'static str,
    },
    /// `peer` sent a record in this node's own name that this node does not
    /// hold: only the node itself writes its records, so it is forged (or
    /// this node lost it, which `liudong recover` repairs).
    #[error("{}", liudong_i18n::t!("refused-forged-author", id = id.to_string(), peer = peer.as_str()))]
    ForgedAuthor { id: RecordId, peer: String },
    #[error("{}", t!("sync-revoked", fingerprint = fingerprint.as_str(), peer = peer.to_string()))]
    Revoked { peer: Code, fingerprint: String },
    #[error("{}", t!("sync-limit", reason = .0.as_str()))]
    Limit(String),
    #[error("{}", t!("sync-timeout", reason = .0.as_str()))]
    Timeout(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A status from the link: the peer's answer, or the transport's own
    /// failure (unreachable, TLS refused), with a hint where one is known.
    #[error("{}", t!("sync-remote", message = message.as_str()))]
    Remote { code: StatusCode, message: String },
    #[error("{}", t!("sync-transport", reason = .0.as_str()))]
    Transport(String),
    /// This node's clock differs from its upstream's by more than
    /// `[sync] max_skew_secs`: local writes are refused (see `clock.rs`).
    #[error("{}", clock_offset_message(upstream, *local_ms, *upstream_ms, *limit_ms))]
    ClockOffset {
        upstream: Code,
        local_ms: u64,
        upstream_ms: u64,
        limit_ms: u64,
    },
    #[error("{}", t!("sync-cancelled"))]
    Cancelled,
    /// An envelope or key of the sealed exchange tier.
    #[error(transparent)]
    Seal(#[from] liudong_exchange::SealError),
    /// The two ends of a link disagree on whether it carries sealed envelopes.
    #[error("{}", t!("sync-seal-mismatch", peer = peer.as_str(), theirs = sealed_word(*theirs), ours = sealed_word(*ours)))]
    SealMismatch {
        peer: String,
        /// Whether this node carries sealed envelopes on the link.
        ours: bool,
        /// Whether the peer does.
        theirs: bool,
    },
    /// A newer session of the same lower node began: this one ends (see
    /// `turns.rs`). Retryable: the newer session carries on.
    #[error("{}", liudong_i18n::t!("session-superseded", peer = peer.to_string()))]
    Superseded { peer: Code },
}

/// "carries" or "does not carry" (sealed envelopes), for
/// [`SyncError::SealMismatch`].
fn sealed_word(sealed: bool) -> String {
    if sealed {
        t!("sync-sealed-carries")
    } else {
        t!("sync-sealed-not-carries")
    }
}

/// The operator's message for a clock that differs from the upstream's.
fn clock_offset_message(upstream: &Code, local_ms: u64, upstream_ms: u64, limit_ms: u64) -> String {
    let (ahead, diff) = if local_ms >= upstream_ms {
        (true, local_ms - upstream_ms)
    } else {
        (false, upstream_ms - local_ms)
    };
    let id_ahead = if ahead { "ahead" } else { "behind" };
    liudong_i18n::t!(
        "clock-offset-writes-refused",
        local = crate::clock::time_cst(local_ms),
        upstream = upstream.to_string(),
        remote = crate::clock::time_cst(upstream_ms),
        direction = id_ahead,
        diff = diff / 1000,
        limit = limit_ms / 1000
    )
}

impl SyncError {
    /// The status code a peer receives for this error (`liudong-net` sends
    /// it as the gRPC status), and by which it is classified
    /// ([`SyncError::is_retryable`]). A [`SyncError::Remote`] keeps the code
    /// the peer or the transport reported.
    pub fn code(&self) -> StatusCode {
        match self {
            SyncError::Version { .. }
            | SyncError::WrongUpstream { .. }
            | SyncError::ClockOffset { .. } => StatusCode::FailedPrecondition,
            SyncError::Protocol(_) | SyncError::Decode { .. } | SyncError::Invalid { .. } => {
                StatusCode::InvalidArgument
            }
            SyncError::NotChild { .. }
            | SyncError::IdentityMismatch { .. }
            | SyncError::NotEntitled { .. }
            | SyncError::ForgedAuthor { .. }
            | SyncError::Revoked { .. } => StatusCode::PermissionDenied,
            SyncError::Limit(_) => StatusCode::ResourceExhausted,
            SyncError::Timeout(_) => StatusCode::DeadlineExceeded,
            SyncError::Store(s) => match s {
                StoreError::Conflict { .. } => StatusCode::AlreadyExists,
                StoreError::Invalid { .. } | StoreError::InvalidInBatch { .. } => {
                    StatusCode::InvalidArgument
                }
                StoreError::Io(_) => StatusCode::Unavailable,
                StoreError::Corrupt(_) => StatusCode::DataLoss,
                StoreError::WrongNode { .. } => StatusCode::FailedPrecondition,
                StoreError::BadRequestId { .. } => StatusCode::InvalidArgument,
                StoreError::RequestReused { .. } => StatusCode::AlreadyExists,
                StoreError::Damaged { .. } => StatusCode::DataLoss,
            },
            SyncError::Remote { code, .. } => *code,
            SyncError::Transport(_) | SyncError::Cancelled => StatusCode::Unavailable,
            SyncError::Seal(e) => seal_code(e),
            SyncError::SealMismatch { .. } => StatusCode::FailedPrecondition,
            SyncError::Superseded { .. } => StatusCode::Aborted,
        }
    }

    /// True if the same session may succeed later without anyone acting
    /// (see [`StatusCode::is_retryable`]); false for a refusal, which the
    /// link driver does not hammer (it waits its longest backoff and shows
    /// the link as `REFUSED`).
    pub fn is_retryable(&self) -> bool {
        self.code().is_retryable()
    }

    /// True if the peer was refused for who it is or what it sent (identity,
    /// jurisdiction, entitlement): such errors are audited and counted.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            SyncError::NotChild { .. }
                | SyncError::IdentityMismatch { .. }
                | SyncError::NotEntitled { .. }
                | SyncError::ForgedAuthor { .. }
                | SyncError::Revoked { .. }
        ) || matches!(self, SyncError::Seal(e) if e.is_forgery())
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
            SyncError::ForgedAuthor { .. } => "forged_author",
            SyncError::Revoked { .. } => "revoked",
            SyncError::Invalid { .. } => "invalid_record",
            SyncError::Decode { .. } => "undecodable_record",
            SyncError::Limit(_) => "limit",
            SyncError::Version { .. } => "protocol_version",
            SyncError::WrongUpstream { .. } => "wrong_upstream",
            SyncError::Store(StoreError::Conflict { .. }) => "conflict",
            SyncError::Protocol(_) => "protocol",
            SyncError::Seal(e) if e.is_forgery() => "forged_envelope",
            SyncError::Seal(liudong_exchange::SealError::Malformed { .. })
            | SyncError::Seal(liudong_exchange::SealError::Header { .. }) => "malformed_envelope",
            SyncError::SealMismatch { .. } => "sealed_mismatch",
            _ => return None,
        })
    }
}

/// A link's error as the link status keeps it (`last_error`, `refused`):
/// the name of its status code — a machine code programs classify the
/// failure by (the console's link states) — then the message for the
/// operator, which is in this node's language.
pub fn stored_link_error(e: &SyncError) -> String {
    format!("{}: {}", e.code().name(), e)
}

/// The operator's part of a stored link error ([`stored_link_error`]): the
/// message without the status code's name; anything else as it is.
pub fn link_error_message(stored: &str) -> &str {
    match stored.split_once(": ") {
        Some((head, rest)) if StatusCode::ALL.iter().any(|c| c.name() == head) => rest,
        _ => stored,
    }
}

/// The status of an error of the sealed exchange tier.
fn seal_code(e: &liudong_exchange::SealError) -> StatusCode {
    use liudong_exchange::SealError as E;
    match e {
        E::Malformed { .. } | E::Header { .. } | E::Announcement(_) | E::ProofMalformed { .. } => {
            StatusCode::InvalidArgument
        }
        E::BadSignature { .. }
        | E::CannotOpen { .. }
        | E::ProofBadSignature { .. }
        | E::ProofRoute { .. } => StatusCode::PermissionDenied,
        E::UnknownSigner { .. } | E::NoKey { .. } | E::ProofUnknownSigner { .. } => {
            StatusCode::Unavailable
        }
        E::UnknownRecipientKey { .. } | E::KeyFile { .. } => StatusCode::FailedPrecondition,
        E::Random | E::Hpke(_) => StatusCode::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_numbered_as_on_the_wire_and_named_as_grpc_prints_them() {
        for (n, c) in StatusCode::ALL.iter().enumerate() {
            assert_eq!(*c as usize, n);
        }
        assert_eq!(StatusCode::PermissionDenied.to_string(), "PermissionDenied");
        let e = SyncError::Remote {
            code: StatusCode::Unavailable,
            message: "tcp connect error".into(),
        };
        // The operator reads the message, not the gRPC code's name.
        assert_eq!(e.to_string(), "tcp connect error");
    }

    /// Each code's class: a broken, slow or busy link is retried with the
    /// fast backoff; everything else is a refusal that needs an operator.
    #[test]
    fn each_code_is_either_retryable_or_a_refusal() {
        use StatusCode::*;
        let retryable = [
            Ok,
            Cancelled,
            Unknown,
            DeadlineExceeded,
            ResourceExhausted,
            Aborted,
            Internal,
            Unavailable,
        ];
        let refused = [
            InvalidArgument,
            NotFound,
            AlreadyExists,
            PermissionDenied,
            FailedPrecondition,
            OutOfRange,
            Unimplemented,
            DataLoss,
            Unauthenticated,
        ];
        assert_eq!(retryable.len() + refused.len(), StatusCode::ALL.len());
        for c in retryable {
            assert!(c.is_retryable(), "{c}");
            let e = SyncError::Remote {
                code: c,
                message: "m".into(),
            };
            assert!(e.is_retryable(), "{c}");
        }
        for c in refused {
            assert!(!c.is_retryable(), "{c}");
            let e = SyncError::Remote {
                code: c,
                message: "m".into(),
            };
            assert!(!e.is_retryable(), "{c}");
        }
    }

    /// A stored link error starts with its status code's name (for
    /// programs); the operator reads the message alone.
    #[test]
    fn stored_link_errors_keep_their_code_apart_from_the_message() {
        let e = SyncError::Timeout("x".into());
        let stored = stored_link_error(&e);
        assert!(stored.starts_with("DeadlineExceeded: "), "{stored}");
        assert_eq!(link_error_message(&stored), e.to_string());
        assert_eq!(link_error_message("无法连接: x"), "无法连接: x");
    }

    /// Every rule of a refusal for entitlement is a message of the catalogue.
    #[test]
    fn entitlement_rules_are_in_the_catalogue() {
        use liudong_i18n::{Lang, ids};
        let (zh, en) = (ids(Lang::Zh), ids(Lang::En));
        for rule in [
            crate::RULE_CHILD_PUSH,
            crate::RULE_CHILD_AUTHOR,
            crate::RULE_PARENT_SEND,
            crate::RULE_SEALED_SOURCE,
            crate::RULE_SEALED_DOWN,
            crate::RULE_SEALED_AUTHOR,
        ] {
            assert!(zh.iter().any(|i| i == rule), "{rule}");
            assert!(en.iter().any(|i| i == rule), "{rule}");
        }
    }

    /// Local errors are classified by the code the peer would receive for
    /// them, so both ends of a link agree on what is worth retrying.
    #[test]
    fn local_errors_are_classified_by_their_code() {
        let div = |s: &str| Code::parse(s).unwrap();
        let id = RecordId {
            node: div("410602100001"),
            seq: 1,
        };
        let cases: Vec<(SyncError, StatusCode)> = vec![
            (
                SyncError::Version { ours: 1, theirs: 2 },
                StatusCode::FailedPrecondition,
            ),
            (
                SyncError::WrongUpstream {
                    expected: div("410602"),
                    found: "410603".into(),
                },
                StatusCode::FailedPrecondition,
            ),
            (SyncError::Protocol("x".into()), StatusCode::InvalidArgument),
            (
                SyncError::NotChild {
                    peer: div("410603"),
                    server: div("410602"),
                },
                StatusCode::PermissionDenied,
            ),
            (
                SyncError::NotEntitled {
                    id: id.clone(),
                    peer: "p".into(),
                    rule: crate::RULE_CHILD_PUSH,
                },
                StatusCode::PermissionDenied,
            ),
            (
                SyncError::Store(StoreError::Conflict { id }),
                StatusCode::AlreadyExists,
            ),
            (
                SyncError::Store(StoreError::Corrupt("x".into())),
                StatusCode::DataLoss,
            ),
            (SyncError::Limit("x".into()), StatusCode::ResourceExhausted),
            (SyncError::Timeout("x".into()), StatusCode::DeadlineExceeded),
            (SyncError::Transport("x".into()), StatusCode::Unavailable),
            (SyncError::Cancelled, StatusCode::Unavailable),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code, "{e}");
            assert_eq!(e.is_retryable(), code.is_retryable(), "{e}");
        }
        assert!(!SyncError::Version { ours: 1, theirs: 2 }.is_retryable());
        assert!(SyncError::Limit("session records".into()).is_retryable());
    }
}
