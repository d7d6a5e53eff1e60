//! The one place where errors become gRPC statuses and back.

use liudong_store::StoreError;
use liudong_sync::SyncError;
use tonic::{Code, Status};

/// Maps a sync error to the precise gRPC status a peer receives.
pub fn to_status(e: &SyncError) -> Status {
    let code = match e {
        SyncError::Version { .. } | SyncError::WrongUpstream { .. } => Code::FailedPrecondition,
        SyncError::Protocol(_) | SyncError::Decode { .. } | SyncError::Invalid { .. } => {
            Code::InvalidArgument
        }
        SyncError::NotChild { .. }
        | SyncError::IdentityMismatch { .. }
        | SyncError::NotEntitled { .. } => Code::PermissionDenied,
        SyncError::Limit(_) => Code::ResourceExhausted,
        SyncError::Timeout(_) => Code::DeadlineExceeded,
        SyncError::Store(s) => match s {
            StoreError::Conflict { .. } => Code::AlreadyExists,
            StoreError::Invalid { .. } => Code::InvalidArgument,
            StoreError::Io(_) => Code::Unavailable,
            StoreError::Corrupt(_) => Code::DataLoss,
            StoreError::WrongNode { .. } => Code::FailedPrecondition,
        },
        SyncError::Remote { .. } => Code::Unknown,
        SyncError::Transport(_) | SyncError::Cancelled => Code::Unavailable,
    };
    Status::new(code, e.to_string())
}

/// Maps an operator query error to a gRPC status.
pub fn query_status(e: liudong_sync::query::QueryError) -> Status {
    use liudong_sync::query::QueryError;
    match e {
        QueryError::Bad(m) => Status::invalid_argument(m),
        QueryError::NotFound(m) => Status::not_found(m),
        QueryError::Store(s) => to_status(&SyncError::Store(s)),
    }
}

/// Turns the error of a peer's inbound frame stream (as tonic reports it)
/// into a sync error: a frame over the message size limit is a limit
/// (`RESOURCE_EXHAUSTED`), a frame that is not valid protobuf is the peer's
/// fault (`INVALID_ARGUMENT`), anything else a transport failure.
pub fn from_inbound(s: &Status) -> SyncError {
    match s.code() {
        Code::OutOfRange | Code::ResourceExhausted => SyncError::Limit(format!(
            "frame refused: {} ([net] max_message_mb)",
            s.message()
        )),
        Code::Internal if s.message().contains("decode") => {
            SyncError::Protocol(format!("frame cannot be decoded: {}", s.message()))
        }
        _ => SyncError::Transport(format!("{}: {}", s.code(), s.message())),
    }
}

/// Turns a status received from a peer into a sync error.
pub fn from_status(s: &Status) -> SyncError {
    SyncError::Remote {
        code: format!("{:?}", s.code()),
        message: s.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::{Code as Div, RecordId};

    #[test]
    fn precise_codes() {
        let id = RecordId {
            node: Div::parse("410602100001").unwrap(),
            seq: 1,
        };
        assert_eq!(
            to_status(&SyncError::Store(StoreError::Conflict { id })).code(),
            Code::AlreadyExists
        );
        let e = SyncError::NotChild {
            peer: Div::parse("440306018").unwrap(),
            server: Div::parse("410602").unwrap(),
        };
        let s = to_status(&e);
        assert_eq!(s.code(), Code::PermissionDenied);
        assert!(s.message().contains("440306018"));
        let back = from_status(&s);
        assert!(!back.is_retryable());
        assert!(from_status(&Status::unavailable("x")).is_retryable());
    }
}
