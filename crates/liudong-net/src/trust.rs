//! What both the TLS set-up and the revocation lists build on: the names
//! certificates carry, the reload period, the error type, a trusted CA, and
//! the crypto provider.

use liudong_core::Code;
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
    #[error("cannot read {path}: {source}; check the path in [tls] and the file permissions")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {what}")]
    Pem { path: PathBuf, what: String },
    #[error(
        "certificate has no node code (URI SAN {NODE_URI}<code>); issue it with `liudong ca issue`"
    )]
    NoCode,
    #[error("certificate names several node codes; a node certificate names exactly one")]
    SeveralCodes,
    #[error("certificate cannot be parsed: {0}")]
    Parse(String),
    #[error(
        "CA certificate {path} has no jurisdiction (URI SAN {CA_URI}<code>); create CAs with `liudong ca init`"
    )]
    CaNoCode { path: PathBuf },
    #[error(
        "certificate for node {code} was issued by the CA of {ca}, outside that CA's jurisdiction; a CA may only certify nodes under its own code"
    )]
    Jurisdiction { code: Code, ca: Code },
    #[error("certificate was not issued by any trusted CA ([tls] ca_certs)")]
    UnknownIssuer,
    #[error(
        "certificate {fingerprint} (node {code}) is revoked (on its CA's certificate revocation list); the node needs a new certificate from its CA"
    )]
    Revoked { code: Code, fingerprint: String },
    #[error(
        "this node's certificate is for {found}, but the node is configured as {expected}; use the certificate issued for this node's code"
    )]
    WrongNode { expected: Code, found: Code },
    #[error(
        "certificate revocation list {path}: {what}; [tls] crls names the CRL of a trusted CA (crl.pem, written by `liudong ca init` beside ca.crt, updated by `liudong ca revoke`)"
    )]
    Crl { path: PathBuf, what: String },
    #[error(
        "[tls] revoked = {path:?}: the fingerprint list is no longer read; revocation uses the CAs' certificate revocation lists now. Replace the line with crls = [\"<CA directory>/crl.pem\"] (the CRL `liudong ca init` writes beside ca.crt and `liudong ca revoke` updates; on other nodes a copy of it), one per trusted CA whose CRL this node has; see docs/security.md"
    )]
    RevokedListReplaced { path: PathBuf },
    #[error("TLS set-up: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}")]
    Other(String),
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
