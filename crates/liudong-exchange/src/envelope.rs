//! The envelope: a crossing record sealed to its destination county and
//! signed by its source county (format: `proto/liudong/v1/exchange.proto`).
//!
//! - Sealing: HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//!   ChaCha20-Poly1305 (RFC 9180), info `liudong-envelope-v1`, the encoded
//!   header as associated data, so a header moved onto another payload
//!   does not open.
//! - Signature: Ed25519 by the source county over
//!   `liudong-envelope-v1 · u32 len · header · u32 len · enc · ciphertext`,
//!   checked before anything is opened.
//! - The header is readable without any key ([`peek_header`]): what an
//!   exchange node, or a message broker, routes by.

use crate::ENVELOPE_VERSION;
use crate::error::SealError;
use crate::keyring::{OwnKey, PeerKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use liudong_core::code::Level;
use liudong_core::{Code, Crossing, RecordId};
use liudong_proto::pb;
use liudong_store::SealedItem;
use prost::Message;

/// The HPKE `info` and the signature's domain separation.
const CONTEXT: &[u8] = b"liudong-envelope-v1";
/// Bytes of an X25519 encapsulated key.
const ENC_LEN: usize = 32;
/// Bytes of an Ed25519 signature.
const SIG_LEN: usize = 64;
/// Bytes of the AEAD tag.
const TAG_LEN: usize = 16;

/// What an envelope may add to the record it seals: header, encapsulated
/// key, tag, signature and framing (well under this). A receiver accepts
/// envelopes up to `max_record_bytes` plus this.
pub const ENVELOPE_OVERHEAD: usize = 1024;

/// The routing header: what the exchange tier sees of a crossing record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub record: RecordId,
    pub source: Code,
    pub destination: Code,
    pub payload_size: u32,
    /// yyyymm (UTC) of sealing: the envelope's fingerprint month.
    pub month: u32,
    pub recipient_key: String,
    pub signer_key: String,
}

impl Header {
    /// The route of the envelope.
    pub fn crossing(&self) -> Crossing {
        Crossing {
            source: self.source.clone(),
            destination: self.destination.clone(),
        }
    }

    /// The envelope as the store keeps it.
    pub fn item(&self, bytes: Vec<u8>) -> SealedItem {
        SealedItem {
            id: self.record.clone(),
            route: self.crossing(),
            month: self.month,
            bytes,
        }
    }

    fn to_pb(&self) -> pb::EnvelopeHeader {
        pb::EnvelopeHeader {
            version: ENVELOPE_VERSION,
            record: Some(pb::RecordId {
                node: self.record.node.as_str().to_string(),
                seq: self.record.seq,
            }),
            source: self.source.as_str().to_string(),
            destination: self.destination.as_str().to_string(),
            payload_size: self.payload_size,
            month: self.month,
            recipient_key: self.recipient_key.clone(),
            signer_key: self.signer_key.clone(),
        }
    }

    /// Decodes and checks a header (every field, without any key).
    fn from_bytes(index: usize, bytes: &[u8]) -> Result<Header, SealError> {
        let h = pb::EnvelopeHeader::decode(bytes).map_err(|e| SealError::Malformed {
            index,
            reason: format!("the header is not a protobuf EnvelopeHeader: {e}"),
        })?;
        let malformed = |reason: String| SealError::Malformed { index, reason };
        if h.version != ENVELOPE_VERSION {
            return Err(malformed(format!(
                "envelope format version {} is not supported (this node reads {ENVELOPE_VERSION})",
                h.version
            )));
        }
        let id = h
            .record
            .as_ref()
            .ok_or_else(|| malformed("the header names no record".into()))?;
        let node =
            Code::parse(&id.node).map_err(|e| malformed(format!("header field record: {e}")))?;
        if id.seq == 0 {
            return Err(malformed(
                "header field record: seq must be 1 or more".into(),
            ));
        }
        let record = RecordId { node, seq: id.seq };
        let field = |field: &'static str, reason: String| SealError::Header {
            id: record.to_string(),
            field,
            reason,
        };
        let county = |name: &'static str, s: &str| -> Result<Code, SealError> {
            let c = Code::parse(s).map_err(|e| field(name, e.to_string()))?;
            if c.level() != Level::County {
                return Err(field(name, format!("{s} is not a county code (6 digits)")));
            }
            Ok(c)
        };
        let source = county("source", &h.source)?;
        let destination = county("destination", &h.destination)?;
        if source == destination {
            return Err(field(
                "destination",
                "an envelope crosses counties: the destination must differ from the source".into(),
            ));
        }
        if !(1..=12).contains(&(h.month % 100)) || h.month < 200_001 {
            return Err(field(
                "month",
                format!("{} is not a month (yyyymm)", h.month),
            ));
        }
        for (name, k) in [
            ("recipient_key", &h.recipient_key),
            ("signer_key", &h.signer_key),
        ] {
            if !crate::keyring::is_key_id(k) {
                return Err(field(
                    name,
                    format!("{k:?} is not a key id (16 hex digits)"),
                ));
            }
        }
        Ok(Header {
            record,
            source,
            destination,
            payload_size: h.payload_size,
            month: h.month,
            recipient_key: h.recipient_key,
            signer_key: h.signer_key,
        })
    }
}

/// A decoded envelope whose header is checked (nothing verified or opened yet).
#[derive(Debug, Clone)]
pub struct Envelope {
    pub header: Header,
    header_bytes: Vec<u8>,
    enc: Vec<u8>,
    ciphertext: Vec<u8>,
    signature: Vec<u8>,
}

/// The header of an encoded envelope, checked but not authenticated: what
/// an exchange node (or a message broker) routes by.
pub fn peek_header(bytes: &[u8]) -> Result<Header, SealError> {
    Ok(Envelope::decode(0, bytes)?.header)
}

fn signed_message(header: &[u8], enc: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(CONTEXT.len() + 8 + header.len() + enc.len() + ciphertext.len());
    m.extend_from_slice(CONTEXT);
    m.extend_from_slice(&(header.len() as u32).to_be_bytes());
    m.extend_from_slice(header);
    m.extend_from_slice(&(enc.len() as u32).to_be_bytes());
    m.extend_from_slice(enc);
    m.extend_from_slice(ciphertext);
    m
}

/// Seals `record` (its canonical bytes, id `id`) from county `source` (whose
/// current key `own` signs) to `recipient`'s key, in month `month`; returns
/// the encoded envelope.
pub fn seal(
    record: &[u8],
    id: &RecordId,
    source: &Code,
    own: &OwnKey,
    recipient: &PeerKey,
    month: u32,
) -> Result<Vec<u8>, SealError> {
    let header = Header {
        record: id.clone(),
        source: source.clone(),
        destination: recipient.county.clone(),
        payload_size: (record.len() + TAG_LEN) as u32,
        month,
        recipient_key: recipient.key_id.clone(),
        signer_key: own.key_id.clone(),
    };
    let header_bytes = header.to_pb().encode_to_vec();
    let pk = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&recipient.hpke_public)
        .map_err(|e| SealError::Hpke(e.to_string()))?;
    let (enc, ciphertext) =
        hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeS::Base,
            &pk,
            CONTEXT,
            record,
            &header_bytes,
        )
        .map_err(|e| SealError::Hpke(e.to_string()))?;
    let enc = enc.to_bytes().to_vec();
    let signature = own.sign(&signed_message(&header_bytes, &enc, &ciphertext));
    Ok(pb::Envelope {
        header: header_bytes,
        enc,
        ciphertext,
        signature,
    }
    .encode_to_vec())
}

impl Envelope {
    /// Decodes envelope #`index` of a batch and checks its header and sizes.
    pub fn decode(index: usize, bytes: &[u8]) -> Result<Envelope, SealError> {
        let e = pb::Envelope::decode(bytes).map_err(|e| SealError::Malformed {
            index,
            reason: format!("not a protobuf Envelope: {e}"),
        })?;
        let header = Header::from_bytes(index, &e.header)?;
        let field = |field: &'static str, reason: String| SealError::Header {
            id: header.record.to_string(),
            field,
            reason,
        };
        if e.ciphertext.len() != header.payload_size as usize || e.ciphertext.len() < TAG_LEN {
            return Err(field(
                "payload_size",
                format!(
                    "the header says {} bytes, the payload has {}",
                    header.payload_size,
                    e.ciphertext.len()
                ),
            ));
        }
        if e.enc.len() != ENC_LEN {
            return Err(field(
                "enc",
                format!("{} bytes, expected {ENC_LEN}", e.enc.len()),
            ));
        }
        if e.signature.len() != SIG_LEN {
            return Err(field(
                "signature",
                format!("{} bytes, expected {SIG_LEN}", e.signature.len()),
            ));
        }
        Ok(Envelope {
            header,
            header_bytes: e.header,
            enc: e.enc,
            ciphertext: e.ciphertext,
            signature: e.signature,
        })
    }

    /// Checks the source county's signature with `signer` (its key named by
    /// the header's `signer_key`).
    pub fn verify(&self, signer: &PeerKey) -> Result<(), SealError> {
        let bad = || SealError::BadSignature {
            id: self.header.record.clone(),
            from: self.header.source.clone(),
        };
        if signer.county != self.header.source || signer.key_id != self.header.signer_key {
            return Err(bad());
        }
        let msg = signed_message(&self.header_bytes, &self.enc, &self.ciphertext);
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &signer.signing_public)
            .verify(&msg, &self.signature)
            .map_err(|_| bad())
    }

    /// Opens the payload with `own` (the destination's key named by the
    /// header's `recipient_key`): the canonical record bytes.
    pub fn open(&self, own: &OwnKey) -> Result<Vec<u8>, SealError> {
        let cannot = || SealError::CannotOpen {
            id: self.header.record.clone(),
            from: self.header.source.clone(),
            key_id: self.header.recipient_key.clone(),
        };
        let enc =
            <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(&self.enc).map_err(|_| cannot())?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            own.hpke_private(),
            &enc,
            CONTEXT,
            &self.ciphertext,
            &self.header_bytes,
        )
        .map_err(|_| cannot())
    }

    /// The parts as encoded, for tests that tamper with one of them.
    #[doc(hidden)]
    pub fn reassemble(
        header: Vec<u8>,
        enc: Vec<u8>,
        ciphertext: Vec<u8>,
        signature: Vec<u8>,
    ) -> Vec<u8> {
        pb::Envelope {
            header,
            enc,
            ciphertext,
            signature,
        }
        .encode_to_vec()
    }

    /// The encoded header, exactly as signed.
    pub fn header_bytes(&self) -> &[u8] {
        &self.header_bytes
    }
}

/// The encoded parts of an envelope: (header, enc, ciphertext, signature).
pub type Parts = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// Splits an encoded envelope into (header, enc, ciphertext, signature)
/// without checking anything, for tests that tamper with one part.
#[doc(hidden)]
pub fn parts(bytes: &[u8]) -> Option<Parts> {
    let e = pb::Envelope::decode(bytes).ok()?;
    Some((e.header, e.enc, e.ciphertext, e.signature))
}

/// Re-encodes a header with one field changed, for tests that tamper with it.
#[doc(hidden)]
pub fn edit_header(bytes: &[u8], f: impl FnOnce(&mut pb::EnvelopeHeader)) -> Option<Vec<u8>> {
    let mut h = pb::EnvelopeHeader::decode(bytes).ok()?;
    f(&mut h);
    Some(h.encode_to_vec())
}
