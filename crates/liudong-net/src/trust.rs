//! What both the TLS set-up and the revocation lists build on: the names
//! certificates carry, the reload period, the error type, a trusted CA, and
//! the crypto provider.

use liudong_core::Code;
use liudong_i18n::t;
use rustls::pki_types::CertificateDer;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// URI SAN prefix naming a node's code in its certificate.
pub const NODE_URI: &str = "liudong:node:";
/// URI SAN prefix naming a CA's jurisdiction in its certificate.
pub const CA_URI: &str = "liudong:ca:";
/// How often the certificate revocation lists are re-read.
pub const RELOAD_EVERY: Duration = Duration::from_millis(250);
/// A TLS handshake must finish within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The DNS name a node's certificate carries: `<code>.node.liudong`
/// (`cn.node.liudong` for the national exchange).
pub fn dns_name(code: &Code) -> String {
    format!("{}.node.liudong", code.to_string().to_ascii_lowercase())
}

/// What can go wrong setting up or checking TLS identities.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{}", t!("net-tls-read", path = .path.display().to_string(), error = .source.to_string()))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", t!("net-tls-write", path = .path.display().to_string(), error = .source.to_string()))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", t!("net-tls-pem", path = .path.display().to_string(), what = .what.as_str()))]
    Pem { path: PathBuf, what: String },
    #[error("{}", t!("net-tls-no-code", uri = NODE_URI))]
    NoCode,
    #[error("{}", t!("net-tls-several-codes"))]
    SeveralCodes,
    #[error("{}", t!("net-tls-parse", error = .0.as_str()))]
    Parse(String),
    #[error("{}", t!("net-tls-ca-no-code", path = .path.display().to_string(), uri = CA_URI))]
    CaNoCode { path: PathBuf },
    #[error("{}", t!("net-tls-jurisdiction", code = .code.to_string(), ca = .ca.to_string()))]
    Jurisdiction { code: Code, ca: Code },
    #[error("{}", t!("net-tls-unknown-issuer"))]
    UnknownIssuer,
    #[error("{}", t!("net-tls-revoked", fingerprint = .fingerprint.as_str(), code = .code.to_string()))]
    Revoked { code: Code, fingerprint: String },
    #[error("{}", t!("net-tls-wrong-node", found = .found.to_string(), expected = .expected.to_string()))]
    WrongNode { expected: Code, found: Code },
    #[error("{}", t!("net-tls-crl", path = .path.display().to_string(), what = .what.as_str()))]
    Crl { path: PathBuf, what: String },
    #[error("{}", t!("net-tls-revoked-list-replaced", path = format!("{:?}", .path)))]
    RevokedListReplaced { path: PathBuf },
    #[error("{}", t!("net-tls-rustls", error = .0.to_string()))]
    Rustls(#[from] rustls::Error),
    #[error("{}", t!("net-tls-rcgen", error = .0.to_string()))]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}")]
    Other(String),
}

impl TlsError {
    /// Why a peer's certificate refused with this error was refused, as the
    /// stable machine code a peer receives ([`Refusal`]).
    pub fn refusal(&self) -> Refusal {
        match self {
            TlsError::Revoked { .. } => Refusal::Revoked,
            TlsError::UnknownIssuer => Refusal::UnknownIssuer,
            TlsError::Jurisdiction { .. } => Refusal::Jurisdiction,
            TlsError::NoCode | TlsError::SeveralCodes => Refusal::NodeCode,
            TlsError::Parse(_) | TlsError::Pem { .. } => Refusal::Unreadable,
            _ => Refusal::Other,
        }
    }
}

/// The gRPC metadata key of a refused client certificate's reason
/// ([`Refusal::code`]); docs/protocol.md, "Errors".
pub const REFUSAL_KEY: &str = "liudong-refusal";

/// Why a server refused a client's certificate at the start of a call. A
/// peer recognises the reason by this code (the metadata [`REFUSAL_KEY`]),
/// never by the wording of the status message, which is in the server's
/// language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No client certificate was presented.
    NoCertificate,
    /// On its CA's certificate revocation list.
    Revoked,
    /// Not issued by a CA the server trusts.
    UnknownIssuer,
    /// Issued by a CA outside its jurisdiction.
    Jurisdiction,
    /// It names no node code, or several.
    NodeCode,
    /// It cannot be parsed.
    Unreadable,
    /// Any other reason.
    Other,
}

impl Refusal {
    const ALL: [Refusal; 7] = [
        Refusal::NoCertificate,
        Refusal::Revoked,
        Refusal::UnknownIssuer,
        Refusal::Jurisdiction,
        Refusal::NodeCode,
        Refusal::Unreadable,
        Refusal::Other,
    ];

    /// The stable machine code (wire text: never translated).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NoCertificate => "no-certificate",
            Refusal::Revoked => "revoked",
            Refusal::UnknownIssuer => "unknown-issuer",
            Refusal::Jurisdiction => "jurisdiction",
            Refusal::NodeCode => "node-code",
            Refusal::Unreadable => "unreadable",
            Refusal::Other => "other",
        }
    }

    /// The reason of a machine code; an unknown code (a newer peer's) is
    /// [`Refusal::Other`].
    pub fn parse(code: &str) -> Refusal {
        Refusal::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .unwrap_or(Refusal::Other)
    }
}

/// A trusted CA and its jurisdiction.
#[derive(Debug, Clone)]
pub(crate) struct TrustedCa {
    pub(crate) code: Code,
    pub(crate) subject: Vec<u8>,
    pub(crate) der: CertificateDer<'static>,
}

/// The crypto provider of every TLS configuration (ring).
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_are_stable_and_parse_back() {
        for r in Refusal::ALL {
            assert_eq!(Refusal::parse(r.code()), r);
        }
        assert_eq!(Refusal::Revoked.code(), "revoked");
        assert_eq!(Refusal::parse("something-newer"), Refusal::Other);
        let e = TlsError::Revoked {
            code: Code::parse("410602100001").unwrap(),
            fingerprint: "sha256:00".into(),
        };
        assert_eq!(e.refusal(), Refusal::Revoked);
    }
}
