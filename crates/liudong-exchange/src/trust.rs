//! What binds a county's sealing keys to its certificate: the node's TLS
//! identity signs announcements, and the CAs a county trusts check them
//! (implemented by the transport, `liudong-net`).

use liudong_core::Code;

/// Signs announcements with a node's TLS identity.
pub trait AnnouncementSigner: Send + Sync {
    /// The DER of the node's certificate.
    fn certificate(&self) -> Vec<u8>;
    /// An ECDSA P-256 SHA-256 (ASN.1) signature of `msg` by the certificate's key.
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String>;
}

/// Checks the certificate of an announcement: chain, jurisdiction,
/// revocation. Returns the node code it certifies, or why it is refused.
pub trait CertificateCheck: Send + Sync {
    fn check(&self, cert_der: &[u8]) -> Result<Code, String>;
}
