//! Key announcements: a county's public sealing keys bound to its TLS
//! certificate.
//!
//! An announcement carries the encoded `KeyAnnouncementBody` (county, key
//! id, X25519 and Ed25519 public keys, validity), the county node's
//! certificate (DER) and an ECDSA P-256 SHA-256 signature of the body by the
//! certificate's key. A county accepts it when the certificate is one it
//! would accept from a peer of that code ([`CertificateCheck`]: chained to a
//! CA it trusts for the exchange, within that CA's jurisdiction, not
//! revoked) and names the announced county, and the signature verifies with
//! the certificate's public key. Exchange nodes pass announcements on
//! without using them; an insecure node (loopback tests) sends them unsigned
//! and accepts unsigned ones.

use crate::ANNOUNCEMENT_VERSION;
use crate::error::SealError;
use crate::keyring::{KeyRing, OwnKey, PeerKey, key_id};
use crate::trust::{AnnouncementSigner, CertificateCheck};
use liudong_core::Code;
use liudong_core::code::Level;
use liudong_proto::pb;
use prost::Message;

/// A decoded announcement (not yet verified).
#[derive(Debug, Clone)]
pub struct Announcement {
    pub county: Code,
    pub key_id: String,
    pub hpke_public: Vec<u8>,
    pub signing_public: Vec<u8>,
    pub valid_from_ms: u64,
    body: Vec<u8>,
    certificate: Vec<u8>,
    signature: Vec<u8>,
}

fn bad(reason: impl Into<String>) -> SealError {
    SealError::Announcement(reason.into())
}

impl Announcement {
    /// The announcement of `key` of `county`, signed by `signer` if given.
    pub fn build(
        key: &OwnKey,
        county: &Code,
        signer: Option<&dyn AnnouncementSigner>,
    ) -> Result<Vec<u8>, SealError> {
        let body = pb::KeyAnnouncementBody {
            version: ANNOUNCEMENT_VERSION,
            county: county.as_str().to_string(),
            key_id: key.key_id.clone(),
            hpke_public_key: key.hpke_public.clone(),
            signing_public_key: key.signing_public.clone(),
            valid_from_ms: key.valid_from_ms,
        }
        .encode_to_vec();
        let (certificate, signature) = match signer {
            Some(s) => (s.certificate(), s.sign(&body).map_err(bad)?),
            None => (Vec::new(), Vec::new()),
        };
        Ok(pb::KeyAnnouncement {
            body,
            certificate,
            signature,
        }
        .encode_to_vec())
    }

    /// Decodes an announcement and checks its fields (not its signature).
    pub fn decode(bytes: &[u8]) -> Result<Announcement, SealError> {
        let a = pb::KeyAnnouncement::decode(bytes)
            .map_err(|e| bad(format!("not a protobuf KeyAnnouncement: {e}")))?;
        let b = pb::KeyAnnouncementBody::decode(a.body.as_slice())
            .map_err(|e| bad(format!("body is not a KeyAnnouncementBody: {e}")))?;
        if b.version != ANNOUNCEMENT_VERSION {
            return Err(bad(format!(
                "format version {} is not supported (this node reads {ANNOUNCEMENT_VERSION})",
                b.version
            )));
        }
        let county = Code::parse(&b.county).map_err(|e| bad(format!("county: {e}")))?;
        if county.level() != Level::County {
            return Err(bad(format!("{county} is not a county code")));
        }
        if b.hpke_public_key.len() != 32 || b.signing_public_key.len() != 32 {
            return Err(bad(format!(
                "keys of county {county} must be 32 bytes each"
            )));
        }
        if key_id(&b.hpke_public_key, &b.signing_public_key) != b.key_id {
            return Err(bad(format!(
                "key id {} of county {county} does not match its keys",
                b.key_id
            )));
        }
        Ok(Announcement {
            county,
            key_id: b.key_id,
            hpke_public: b.hpke_public_key,
            signing_public: b.signing_public_key,
            valid_from_ms: b.valid_from_ms,
            body: a.body,
            certificate: a.certificate,
            signature: a.signature,
        })
    }

    /// Checks the certificate with `trust` and the signature with the
    /// certificate's public key.
    pub fn verify(&self, trust: &dyn CertificateCheck) -> Result<(), SealError> {
        if self.certificate.is_empty() || self.signature.is_empty() {
            return Err(bad(format!(
                "key {} of county {} is not signed with the county's certificate (announced by an insecure node?)",
                self.key_id, self.county
            )));
        }
        let code = trust.check(&self.certificate).map_err(|e| {
            bad(format!(
                "certificate of county {}'s key {} refused: {e}; add the CA of county {} to [exchange] key_cas",
                self.county, self.key_id, self.county
            ))
        })?;
        if code != self.county {
            return Err(bad(format!(
                "key {} is announced for county {}, but signed with the certificate of node {code}",
                self.key_id, self.county
            )));
        }
        let spki = public_key_of(&self.certificate)?;
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, &spki)
            .verify(&self.body, &self.signature)
            .map_err(|_| {
                bad(format!(
                    "the signature of county {}'s key {} does not verify with its certificate",
                    self.county, self.key_id
                ))
            })
    }

    /// True if `held` (an encoded announcement) announces the same body:
    /// the same county, key id, keys and validity. A county signs its
    /// announcements again each time it publishes them, so one key's
    /// announcements differ in their signature bytes.
    pub fn same_body(&self, held: &[u8]) -> bool {
        Announcement::decode(held).is_ok_and(|h| h.body == self.body)
    }

    /// The key it announces (`bytes`: the announcement as received).
    pub fn into_peer_key(self, bytes: Vec<u8>) -> PeerKey {
        PeerKey {
            county: self.county,
            key_id: self.key_id,
            hpke_public: self.hpke_public,
            signing_public: self.signing_public,
            valid_from_ms: self.valid_from_ms,
            announcement: bytes,
        }
    }
}

/// The public key (an EC point) of a certificate.
fn public_key_of(der: &[u8]) -> Result<Vec<u8>, SealError> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| bad(format!("the certificate cannot be parsed: {e}")))?;
    Ok(cert
        .tbs_certificate
        .subject_pki
        .subject_public_key
        .data
        .to_vec())
}

impl KeyRing {
    /// Checks an announcement (its certificate against the trusted CAs, its
    /// signature, its fields) and adds its key; `Ok(true)` if it was new.
    pub fn accept(&self, bytes: &[u8]) -> Result<bool, SealError> {
        let a = Announcement::decode(bytes)?;
        if let Some(trust) = self.trust() {
            a.verify(trust)?;
        }
        self.add_peer(a.into_peer_key(bytes.to_vec()))
    }

    /// The announcements of this county's own keys, signed with its TLS key
    /// (unsigned on an insecure node).
    pub fn own_announcements(&self) -> Result<Vec<Vec<u8>>, SealError> {
        let Some(county) = self.county_code() else {
            return Ok(Vec::new());
        };
        self.own_keys()
            .iter()
            .map(|k| Announcement::build(k, county, self.signer()))
            .collect()
    }
}
