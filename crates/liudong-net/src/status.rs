//! The one place where errors become gRPC statuses and back.

use crate::tls::{REFUSAL_KEY, Refusal};
use liudong_i18n::t;
use liudong_sync::{StatusCode, SyncError};
use tonic::{Code, Status};

/// Maps a sync error to the precise gRPC status a peer receives: the code
/// of its kind ([`SyncError::code`]) and its message. A status relayed from
/// the upstream (e.g. a verification the admin service ran) is answered as
/// `UNKNOWN`: it is not this node's verdict.
pub fn to_status(e: &SyncError) -> Status {
    let code = match e {
        SyncError::Remote { .. } => Code::Unknown,
        e => to_code(e.code()),
    };
    Status::new(code, e.to_string())
}

/// The gRPC code of a [`StatusCode`].
pub fn to_code(c: StatusCode) -> Code {
    match c {
        StatusCode::Ok => Code::Ok,
        StatusCode::Cancelled => Code::Cancelled,
        StatusCode::Unknown => Code::Unknown,
        StatusCode::InvalidArgument => Code::InvalidArgument,
        StatusCode::DeadlineExceeded => Code::DeadlineExceeded,
        StatusCode::NotFound => Code::NotFound,
        StatusCode::AlreadyExists => Code::AlreadyExists,
        StatusCode::PermissionDenied => Code::PermissionDenied,
        StatusCode::ResourceExhausted => Code::ResourceExhausted,
        StatusCode::FailedPrecondition => Code::FailedPrecondition,
        StatusCode::Aborted => Code::Aborted,
        StatusCode::OutOfRange => Code::OutOfRange,
        StatusCode::Unimplemented => Code::Unimplemented,
        StatusCode::Internal => Code::Internal,
        StatusCode::Unavailable => Code::Unavailable,
        StatusCode::DataLoss => Code::DataLoss,
        StatusCode::Unauthenticated => Code::Unauthenticated,
    }
}

/// The [`StatusCode`] of a gRPC code.
pub fn from_code(c: Code) -> StatusCode {
    match c {
        Code::Ok => StatusCode::Ok,
        Code::Cancelled => StatusCode::Cancelled,
        Code::Unknown => StatusCode::Unknown,
        Code::InvalidArgument => StatusCode::InvalidArgument,
        Code::DeadlineExceeded => StatusCode::DeadlineExceeded,
        Code::NotFound => StatusCode::NotFound,
        Code::AlreadyExists => StatusCode::AlreadyExists,
        Code::PermissionDenied => StatusCode::PermissionDenied,
        Code::ResourceExhausted => StatusCode::ResourceExhausted,
        Code::FailedPrecondition => StatusCode::FailedPrecondition,
        Code::Aborted => StatusCode::Aborted,
        Code::OutOfRange => StatusCode::OutOfRange,
        Code::Unimplemented => StatusCode::Unimplemented,
        Code::Internal => StatusCode::Internal,
        Code::Unavailable => StatusCode::Unavailable,
        Code::DataLoss => StatusCode::DataLoss,
        Code::Unauthenticated => StatusCode::Unauthenticated,
    }
}

/// Turns the error of a peer's inbound frame stream (as tonic reports it)
/// into a sync error: a frame over the message size limit is a limit
/// (`RESOURCE_EXHAUSTED`), a frame that is not valid protobuf is the peer's
/// fault (`INVALID_ARGUMENT`), anything else a transport failure.
pub fn from_inbound(s: &Status) -> SyncError {
    match s.code() {
        Code::OutOfRange | Code::ResourceExhausted => {
            SyncError::Limit(liudong_i18n::t!("net-frame-too-large", error = s.message()))
        }
        Code::Internal if s.message().contains("decode") => SyncError::Protocol(liudong_i18n::t!(
            "net-frame-undecodable",
            error = s.message()
        )),
        _ => SyncError::Transport(format!("{}: {}", s.code(), s.message())),
    }
}

/// Turns a status received from a peer into a sync error.
pub fn from_status(s: &Status) -> SyncError {
    from_status_with(s, None)
}

/// [`from_status`] for a call on a link whose connection ended with the TLS
/// alert `refusal` (see [`crate::channel::TlsRefusal`]): the alert is added
/// when the status itself does not name it.
pub fn from_link_status(s: &Status, refusal: &crate::channel::TlsRefusal) -> SyncError {
    from_status_with(s, refusal.take())
}

fn from_status_with(s: &Status, alert: Option<String>) -> SyncError {
    let mut message = s.message().to_string();
    // A refused client certificate is recognised by its machine code, not
    // by the wording (the server's language); a server of an older version
    // sends no code, only its English text.
    let refusal = s
        .metadata()
        .get(REFUSAL_KEY)
        .and_then(|v| v.to_str().ok())
        .map(Refusal::parse)
        .or_else(|| {
            message.starts_with("client certificate refused").then(|| {
                match message.contains("is revoked") {
                    true => Refusal::Revoked,
                    false => Refusal::Other,
                }
            })
        });
    // Transport failures carry their cause in the error chain, not the message.
    let mut cause = std::error::Error::source(s);
    let mut chain = Vec::new();
    while let Some(c) = cause {
        chain.push(c.to_string());
        cause = c.source();
    }
    if let Some(last) = chain.last() {
        message = format!("{message}: {last}");
    }
    if let Some(alert) = alert
        && !message.contains("fatal alert")
    {
        message = format!("{message} ({alert})");
    }
    if let Some((now, from)) = not_yet_valid_times(&message) {
        // This node's clock found the upstream's certificate not valid yet.
        message.push_str("; ");
        message.push_str(&liudong_i18n::t!(
            "tls-upstream-not-yet-valid-hint",
            from = liudong_sync::time_cst(from * 1000),
            now = liudong_sync::time_cst(now * 1000)
        ));
    } else if message.contains("received fatal alert: CertificateExpired") {
        // The upstream's clock found this node's certificate expired or not valid yet.
        message.push_str("; ");
        message.push_str(&liudong_i18n::t!("tls-alert-expired-hint"));
    } else if let Some(refusal) = refusal {
        // Refused at the start of a session on a connection opened before
        // (HTTP/2 reuses it): the upstream checked this node's certificate again.
        hint(
            &mut message,
            &match refusal {
                Refusal::Revoked => t!("net-hint-own-certificate-revoked"),
                _ => t!("net-hint-own-certificate-refused"),
            },
        );
    } else if message.contains("received fatal alert: CertificateRevoked") {
        hint(&mut message, &t!("net-hint-own-certificate-revoked"));
    } else if message.contains("received fatal alert") {
        hint(&mut message, &t!("net-hint-tls-alert"));
    } else if message.contains("connection closed") || message.contains("broken pipe") {
        hint(&mut message, &t!("net-hint-connection-closed"));
    } else if message.contains("invalid peer certificate: Revoked") {
        hint(&mut message, &t!("net-hint-upstream-revoked"));
    } else if message.contains("tcp connect error") {
        hint(&mut message, &t!("net-hint-unreachable"));
    } else if message.contains("certificate") || message.contains("InvalidCertificate") {
        hint(&mut message, &t!("net-hint-upstream-certificate"));
    }
    SyncError::Remote {
        code: from_code(s.code()),
        message,
    }
}

/// Adds `text` to `message` as a hint.
fn hint(message: &mut String, text: &str) {
    message.push_str("; ");
    message.push_str(text);
}

/// The verification time and the certificate's start (unix seconds) in
/// rustls' message for a certificate not valid yet ("certificate not valid
/// yet: verification time T (UNIX), but certificate is not valid before N").
fn not_yet_valid_times(message: &str) -> Option<(u64, u64)> {
    let rest = message
        .split_once("certificate not valid yet: verification time ")?
        .1;
    let number = |s: &str| -> Option<u64> {
        s.split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse().ok())
    };
    let now = number(rest)?;
    let from = number(rest.split_once("is not valid before ")?.1)?;
    Some((now, from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::{Code as Div, RecordId};
    use liudong_store::StoreError;

    #[test]
    fn every_code_converts_both_ways_with_its_number_and_name() {
        for c in StatusCode::ALL {
            let g = to_code(c);
            assert_eq!(g as i32, c as i32, "{c}");
            assert_eq!(format!("{g:?}"), c.to_string());
            assert_eq!(from_code(g), c);
        }
    }

    /// What a peer receives for an error is classified like the error
    /// itself: retryable at one end of the link is retryable at the other.
    #[test]
    fn a_status_received_is_classified_like_the_error_sent() {
        let div = |s: &str| Div::parse(s).unwrap();
        let id = RecordId {
            node: div("410602100001"),
            seq: 1,
        };
        let errors = vec![
            SyncError::Version { ours: 1, theirs: 2 },
            SyncError::Protocol("x".into()),
            SyncError::NotChild {
                peer: div("440306018"),
                server: div("410602"),
            },
            SyncError::WrongUpstream {
                expected: div("410602"),
                found: "410603".into(),
            },
            SyncError::NotEntitled {
                id: id.clone(),
                peer: "p".into(),
                rule: liudong_sync::RULE_CHILD_PUSH,
            },
            SyncError::Store(StoreError::Conflict { id }),
            SyncError::Store(StoreError::Corrupt("x".into())),
            SyncError::Limit("x".into()),
            SyncError::Timeout("x".into()),
            SyncError::Transport("x".into()),
            SyncError::Cancelled,
        ];
        for e in errors {
            let received = from_status(&to_status(&e));
            assert_eq!(received.code(), e.code(), "{e}");
            assert_eq!(received.is_retryable(), e.is_retryable(), "{e}");
            assert!(matches!(received, SyncError::Remote { .. }));
        }
    }

    #[test]
    fn an_unreachable_upstream_is_said_so_not_blamed_on_the_peer() {
        let e = from_status(&Status::unavailable(
            "tcp connect error: Connection refused (os error 111)",
        ));
        let text = e.to_string();
        assert!(text.starts_with("tcp connect error"), "{text}");
        assert!(text.contains("无法连接上级节点"), "{text}");
        assert!(!text.contains("拒绝了本节点"), "{text}");
    }

    #[test]
    fn a_revoked_certificate_is_said_so_on_either_end() {
        // This node's own certificate refused by the upstream.
        let e = from_status(&Status::unavailable(
            "transport error: received fatal alert: CertificateRevoked",
        ));
        let text = e.to_string();
        assert!(text.contains("证书已吊销"), "{text}");
        assert!(text.contains("本节点的证书"), "{text}");
        // The same on a connection opened before the revocation: known by
        // the refusal's machine code, whatever the server's language.
        let e = from_status(&crate::server::refused(
            Refusal::Revoked,
            "certificate sha256:00 (node 410602100001) est révoqué",
        ));
        let text = e.to_string();
        assert!(text.contains("证书已吊销"), "{text}");
        assert!(!text.contains("ca_certs"), "{text}");
        // Another refusal reason is not said to be a revocation.
        let e = from_status(&crate::server::refused(Refusal::UnknownIssuer, "x"));
        let text = e.to_string();
        assert!(!text.contains("证书已吊销"), "{text}");
        assert!(text.contains("拒绝了本节点的证书"), "{text}");
        // A server of an older version sends only its English text.
        let e = from_status(&Status::permission_denied(
            "client certificate refused: certificate sha256:00 (node 410602100001) is revoked (on its CA's certificate revocation list)",
        ));
        assert!(e.to_string().contains("证书已吊销"), "{e}");
        // The upstream's certificate refused here.
        let e = from_status(&Status::unavailable(
            "transport error: invalid peer certificate: Revoked",
        ));
        let text = e.to_string();
        assert!(text.contains("证书已吊销"), "{text}");
        assert!(text.contains("[tls] crls"), "{text}");
    }

    #[test]
    fn a_connection_ended_by_a_tls_alert_is_said_so() {
        let refusal = crate::channel::TlsRefusal::default();
        let s = Status::cancelled("operation was canceled: connection closed");
        let e = from_link_status(&s, &refusal);
        assert!(e.to_string().contains("上级节点关闭了连接"), "{e}");
        // (What the dialler's connection records when the alert arrives.)
        let refusal = refusal_with("received fatal alert: CertificateRevoked");
        let text = from_link_status(&s, &refusal).to_string();
        assert!(text.contains("CertificateRevoked"), "{text}");
        assert!(text.contains("证书已吊销"), "{text}");
        assert!(refusal.take().is_none(), "taken once");
    }

    fn refusal_with(alert: &str) -> crate::channel::TlsRefusal {
        let r = crate::channel::TlsRefusal::default();
        r.record_for_test(alert);
        r
    }

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
