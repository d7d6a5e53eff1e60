//! The envelope: a crossing record sealed to its destination county and
//! signed by its source county (format: `proto/liudong/v1/exchange.proto`).
//!
//! - Sealing: HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//!   ChaCha20-Poly1305 (RFC 9180), info `liudong-envelope-v1`, the encoded
//!   header as associated data, so a header moved onto another payload
//!   does not open.
//!   - Format 2 (written now): one HPKE encapsulation per sealing batch and
//!     destination key ([`Sealer`]); each envelope carries that `enc` and is
//!     sealed with ChaCha20-Poly1305 under the key the HPKE context exports
//!     (`liudong-envelope-v2 batch key`), the nonce the first 12 bytes of
//!     BLAKE3 of the encoded header (unique per record and destination),
//!     the header as associated data. A receiver derives the key once per
//!     `enc` ([`OpenCache`]). The X25519 work of sealing and opening is then
//!     per batch instead of per record.
//!   - Format 1 (read still): HPKE single-shot per envelope.
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
/// The exporter context of format 2's batch key.
const BATCH_KEY: &[u8] = b"liudong-envelope-v2 batch key";
/// The format of single-shot envelopes (read, no longer written).
pub const ENVELOPE_V1: u32 = 1;
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
    /// Envelope format (1 or 2, see the module docs).
    pub version: u32,
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
            version: self.version,
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
        if h.version != ENVELOPE_VERSION && h.version != ENVELOPE_V1 {
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
            version: h.version,
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
/// the encoded envelope. (One envelope; a batch uses one [`Sealer`].)
pub fn seal(
    record: &[u8],
    id: &RecordId,
    source: &Code,
    own: &OwnKey,
    recipient: &PeerKey,
    month: u32,
) -> Result<Vec<u8>, SealError> {
    Sealer::new(source, own, recipient, month)?.seal(own, record, id)
}

/// Seals a batch of records from one county to one destination key with
/// one HPKE encapsulation (format 2, see the module docs).
pub struct Sealer {
    source: Code,
    signer_key: String,
    destination: Code,
    recipient_key: String,
    month: u32,
    enc: Vec<u8>,
    key: ring::aead::LessSafeKey,
}

impl Sealer {
    /// A new encapsulation to `recipient`'s key, for envelopes signed with
    /// `own`.
    pub fn new(
        source: &Code,
        own: &OwnKey,
        recipient: &PeerKey,
        month: u32,
    ) -> Result<Sealer, SealError> {
        let pk = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&recipient.hpke_public)
            .map_err(|e| SealError::Hpke(e.to_string()))?;
        let (enc, ctx) = hpke::setup_sender::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeS::Base,
            &pk,
            CONTEXT,
        )
        .map_err(|e| SealError::Hpke(e.to_string()))?;
        let mut secret = [0u8; 32];
        ctx.export(BATCH_KEY, &mut secret)
            .map_err(|e| SealError::Hpke(e.to_string()))?;
        Ok(Sealer {
            source: source.clone(),
            signer_key: own.key_id.clone(),
            destination: recipient.county.clone(),
            recipient_key: recipient.key_id.clone(),
            month,
            enc: enc.to_bytes().to_vec(),
            key: aead_key(&secret)?,
        })
    }

    /// The destination county.
    pub fn destination(&self) -> &Code {
        &self.destination
    }

    /// The encoded envelope of `record` (canonical bytes, id `id`), signed
    /// with `own` (the key the sealer was made for).
    pub fn seal(&self, own: &OwnKey, record: &[u8], id: &RecordId) -> Result<Vec<u8>, SealError> {
        if own.key_id != self.signer_key {
            return Err(SealError::Hpke(
                "a sealer signs with the key it was made for".into(),
            ));
        }
        let header = Header {
            version: ENVELOPE_VERSION,
            record: id.clone(),
            source: self.source.clone(),
            destination: self.destination.clone(),
            payload_size: (record.len() + TAG_LEN) as u32,
            month: self.month,
            recipient_key: self.recipient_key.clone(),
            signer_key: self.signer_key.clone(),
        };
        let header_bytes = header.to_pb().encode_to_vec();
        let mut ciphertext = record.to_vec();
        self.key
            .seal_in_place_append_tag(
                nonce(&header_bytes),
                ring::aead::Aad::from(&header_bytes),
                &mut ciphertext,
            )
            .map_err(|_| SealError::Hpke("sealing failed".into()))?;
        let signature = own.sign(&signed_message(&header_bytes, &self.enc, &ciphertext));
        Ok(pb::Envelope {
            header: header_bytes,
            enc: self.enc.clone(),
            ciphertext,
            signature,
        }
        .encode_to_vec())
    }
}

fn aead_key(secret: &[u8; 32]) -> Result<ring::aead::LessSafeKey, SealError> {
    ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, secret)
        .map(ring::aead::LessSafeKey::new)
        .map_err(|_| SealError::Hpke("batch key".into()))
}

/// Format 2's nonce: unique per envelope under one batch key, because the
/// header names the record and the destination.
fn nonce(header: &[u8]) -> ring::aead::Nonce {
    let h = blake3::hash(header);
    let mut n = [0u8; 12];
    n.copy_from_slice(&h.as_bytes()[..12]);
    ring::aead::Nonce::assume_unique_for_key(n)
}

/// Batch keys a receiver derived, by (own key id, `enc`): the envelopes of
/// one sealing batch share one `enc`, so a batch costs one X25519 operation.
/// Bounded; meant to live for one received batch.
#[derive(Default)]
pub struct OpenCache {
    keys: std::collections::HashMap<(String, Vec<u8>), ring::aead::LessSafeKey>,
}

/// Most batch keys an [`OpenCache`] holds.
const OPEN_CACHE_MAX: usize = 256;

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
        self.open_with(own, &mut OpenCache::default())
    }

    /// [`Envelope::open`], reusing the batch keys of `cache`.
    pub fn open_with(&self, own: &OwnKey, cache: &mut OpenCache) -> Result<Vec<u8>, SealError> {
        let cannot = || SealError::CannotOpen {
            id: self.header.record.clone(),
            from: self.header.source.clone(),
            key_id: self.header.recipient_key.clone(),
        };
        let enc =
            <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(&self.enc).map_err(|_| cannot())?;
        if self.header.version == ENVELOPE_V1 {
            return hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
                &OpModeR::Base,
                own.hpke_private(),
                &enc,
                CONTEXT,
                &self.ciphertext,
                &self.header_bytes,
            )
            .map_err(|_| cannot());
        }
        let slot = (own.key_id.clone(), self.enc.clone());
        if !cache.keys.contains_key(&slot) {
            let ctx = hpke::setup_receiver::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
                &OpModeR::Base,
                own.hpke_private(),
                &enc,
                CONTEXT,
            )
            .map_err(|_| cannot())?;
            let mut secret = [0u8; 32];
            ctx.export(BATCH_KEY, &mut secret).map_err(|_| cannot())?;
            if cache.keys.len() >= OPEN_CACHE_MAX {
                cache.keys.clear();
            }
            cache.keys.insert(slot.clone(), aead_key(&secret)?);
        }
        let key = &cache.keys[&slot];
        let mut buf = self.ciphertext.clone();
        let plain = key
            .open_in_place(
                nonce(&self.header_bytes),
                ring::aead::Aad::from(&self.header_bytes),
                &mut buf,
            )
            .map_err(|_| cannot())?;
        let n = plain.len();
        buf.truncate(n);
        Ok(buf)
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
