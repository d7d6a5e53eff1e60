//! The TLS side of the sealed exchange tier's key announcements: a county
//! signs its announcements with its node certificate's key, and checks the
//! certificates of other counties' announcements against the CAs it trusts
//! for the exchange (`[exchange] key_cas` and its `[tls] ca_certs`): the
//! chain and validity (webpki), the node code and the issuing CA's
//! jurisdiction, and the certificate revocation lists in force.

use crate::tls::{TlsContext, TlsError, TrustedCa, identity, read_cas};
use crate::trust::provider;
use liudong_core::Code;
use liudong_exchange::{AnnouncementSigner, CertificateCheck};
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime, pem::PemObject};
use rustls::server::danger::ClientCertVerifier;
use std::path::PathBuf;
use std::sync::Arc;

/// Signs a county's announcements with its TLS identity (ECDSA P-256).
pub struct TlsAnnouncer {
    cert: Vec<u8>,
    key: EcdsaKeyPair,
}

impl TlsAnnouncer {
    /// The announcer of the node whose TLS identity is `tls`.
    pub fn new(tls: &TlsContext) -> Result<TlsAnnouncer, TlsError> {
        let (cert, key_pem) = tls.identity_parts();
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| TlsError::Other(format!("node key: {e}")))?;
        let PrivateKeyDer::Pkcs8(pkcs8) = key else {
            return Err(TlsError::Other(
                "the node key is not PKCS#8; sealing keys are announced with an ECDSA P-256 PKCS#8 key as `liudong ca issue` writes".into(),
            ));
        };
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            pkcs8.secret_pkcs8_der(),
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|e| {
            TlsError::Other(format!(
                "the node key cannot sign key announcements (an ECDSA P-256 key is needed): {e}"
            ))
        })?;
        Ok(TlsAnnouncer {
            cert: cert.to_vec(),
            key,
        })
    }
}

impl AnnouncementSigner for TlsAnnouncer {
    fn certificate(&self) -> Vec<u8> {
        self.cert.clone()
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        self.key
            .sign(&ring::rand::SystemRandom::new(), msg)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| "signing failed".to_string())
    }
}

/// Checks the certificates of other counties' key announcements.
pub struct KeyTrust {
    cas: Vec<TrustedCa>,
    verifier: Arc<dyn ClientCertVerifier>,
    tls: Arc<TlsContext>,
}

impl KeyTrust {
    /// The CAs of `tls` plus those in `key_cas` (PEM files, each a CA
    /// certificate made by `liudong ca init`).
    pub fn load(tls: Arc<TlsContext>, key_cas: &[PathBuf]) -> Result<KeyTrust, TlsError> {
        let mut cas: Vec<TrustedCa> = tls.trusted_cas().to_vec();
        for path in key_cas {
            for ca in read_cas(path)?.1 {
                if !cas.iter().any(|c| c.der == ca.der) {
                    cas.push(ca);
                }
            }
        }
        let mut roots = rustls::RootCertStore::empty();
        for ca in &cas {
            roots.add(ca.der.clone())?;
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| TlsError::Other(format!("key announcement verifier: {e}")))?;
        Ok(KeyTrust { cas, verifier, tls })
    }
}

impl CertificateCheck for KeyTrust {
    fn check(&self, der: &[u8]) -> Result<Code, String> {
        let cert = CertificateDer::from(der.to_vec());
        self.verifier
            .verify_client_cert(&cert, &[], UnixTime::now())
            .map_err(|e| e.to_string())?;
        let id = identity(&self.cas, der).map_err(|e| e.to_string())?;
        if self.tls.is_revoked(der) {
            return Err(TlsError::Revoked {
                code: id.code,
                fingerprint: id.fingerprint,
            }
            .to_string());
        }
        Ok(id.code)
    }
}
