//! Delivery proofs: what a county says it has handed to the exchange for
//! one destination county, so that the destination can check that it
//! received all of it without asking the sender (a JetStream exchange has no
//! node to answer a verify).
//!
//! A proof covers one route source → destination and is made only of what
//! the exchange itself sees: per month of sealing, the count and XOR digest
//! of the envelopes' member hashes (the fingerprint scheme of a sealed
//! link's scope, `liudong_store::fingerprint`, whose buckets are exactly
//! (month, source → destination)), and — while a month holds at most
//! [`MAX_LISTED_PER_MONTH`] envelopes, [`MAX_LISTED`] in all — the record
//! ids with their member hashes, so that the destination can name what it
//! lacks. Nothing of a record's content is in it.
//!
//! Wire form: `u32 (big endian) body length · body (JSON) · Ed25519
//! signature (64 bytes)` over `"liudong-proof-v1" · u32 length · body`, by
//! the source county's current key (the same key that signs its envelopes;
//! `signer_key` names it). A proof for the same state is the same bytes (no
//! time in it, a deterministic signature).

use crate::error::SealError;
use crate::keyring::{KeyRing, OwnKey};
use liudong_core::Code;
use liudong_store::fingerprint::{Digest, HASH_LEN, Hash};
use serde::{Deserialize, Serialize};

/// Version of the proof body.
pub const PROOF_VERSION: u32 = 1;
/// Most envelopes a month may hold for its ids to be listed.
pub const MAX_LISTED_PER_MONTH: u64 = 2_000;
/// Most ids listed in one proof.
pub const MAX_LISTED: u64 = 4_000;
/// Largest proof accepted (bytes).
pub const MAX_PROOF_BYTES: usize = 512 << 10;

const DOMAIN: &[u8] = b"liudong-proof-v1";
const SIGNATURE_LEN: usize = 64;

/// One month of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofMonth {
    /// `yyyymm` of sealing.
    pub month: u32,
    pub count: u64,
    /// Hex of the XOR of the member hashes.
    pub xor: String,
    /// (record id, member hash hex) of every envelope of the month, when
    /// listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<(String, String)>>,
}

impl ProofMonth {
    /// The month's digest (`None` if the hex is malformed).
    pub fn digest(&self) -> Option<Digest> {
        Some(Digest {
            xor: hash_of(&self.xor)?,
            count: self.count,
        })
    }
}

/// The member hash a hex string names.
pub fn hash_of(hex: &str) -> Option<Hash> {
    let v = liudong_core::hex::decode(hex)?;
    (v.len() == HASH_LEN).then(|| v.try_into().ok()).flatten()
}

/// One month of a route as the source's fingerprints give it: month,
/// digest, and the members (record id, hash) where listed.
pub type RouteMonth = (u32, Digest, Option<Vec<(String, Hash)>>);

/// What `source` has handed to the exchange for `destination`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub version: u32,
    pub source: String,
    pub destination: String,
    /// The source's key that signed the proof.
    pub signer_key: String,
    /// Oldest month first.
    pub months: Vec<ProofMonth>,
}

impl Proof {
    /// A proof of `months` (with their members where listed), oldest first.
    pub fn new(source: &Code, destination: &Code, months: Vec<RouteMonth>) -> Proof {
        let months = months
            .into_iter()
            .map(|(month, d, members)| ProofMonth {
                month,
                count: d.count,
                xor: liudong_core::hex::encode(&d.xor),
                members: members.map(|m| {
                    m.into_iter()
                        .map(|(id, h)| (id, liudong_core::hex::encode(&h)))
                        .collect()
                }),
            })
            .collect();
        Proof {
            version: PROOF_VERSION,
            source: source.to_string(),
            destination: destination.to_string(),
            signer_key: String::new(),
            months,
        }
    }

    /// The envelopes the proof counts.
    pub fn count(&self) -> u64 {
        self.months.iter().map(|m| m.count).sum()
    }

    /// Signs the proof with `own` (the source's current key): its wire form.
    pub fn seal(mut self, own: &OwnKey) -> Vec<u8> {
        self.signer_key = own.key_id.clone();
        let body = serde_json::to_vec(&self).expect("a proof serializes");
        let sig = own.sign(&signed_message(&body));
        let mut out = Vec::with_capacity(4 + body.len() + sig.len());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(&sig);
        out
    }

    /// Checks a proof found on route `source` → `destination`: it decodes,
    /// names that route, and is signed by `source`'s announced key
    /// `signer_key` (known to `ring`).
    pub fn open(
        bytes: &[u8],
        ring: &KeyRing,
        source: &Code,
        destination: &Code,
    ) -> Result<Proof, SealError> {
        let malformed = |reason: &str| SealError::ProofMalformed {
            from: source.clone(),
            reason: reason.to_string(),
        };
        if bytes.len() > MAX_PROOF_BYTES {
            return Err(malformed("too large"));
        }
        let len = bytes
            .get(..4)
            .map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")) as usize)
            .ok_or_else(|| malformed("truncated"))?;
        if bytes.len() != 4 + len + SIGNATURE_LEN {
            return Err(malformed("length"));
        }
        let body = &bytes[4..4 + len];
        let sig = &bytes[4 + len..];
        let p: Proof = serde_json::from_slice(body).map_err(|e| malformed(&e.to_string()))?;
        if p.version != PROOF_VERSION {
            return Err(malformed(&format!("version {}", p.version)));
        }
        if p.source != source.as_str() || p.destination != destination.as_str() {
            return Err(SealError::ProofRoute {
                from: source.clone(),
                route: format!("{}→{}", p.source, p.destination),
            });
        }
        let key =
            ring.peer_key(source, &p.signer_key)
                .ok_or_else(|| SealError::ProofUnknownSigner {
                    from: source.clone(),
                    key_id: p.signer_key.clone(),
                })?;
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key.signing_public)
            .verify(&signed_message(body), sig)
            .map_err(|_| SealError::ProofBadSignature {
                from: source.clone(),
            })?;
        if p.months.iter().any(|m| m.digest().is_none()) {
            return Err(malformed("digest"));
        }
        Ok(p)
    }
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 4 + body.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(&(body.len() as u32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    #[test]
    fn a_proof_opens_only_with_its_sources_key_and_route() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (c("410602"), c("440306"));
        let ring_a = KeyRing::county(dir.path(), &a, 1, None, None).unwrap();
        let own = ring_a.current().unwrap();
        let ring_b = KeyRing::exchange();
        let d = Digest {
            xor: [7; HASH_LEN],
            count: 2,
        };
        let members = vec![("410602100001-1".to_string(), [1; HASH_LEN])];
        let bytes = Proof::new(&a, &b, vec![(202612, d, Some(members))]).seal(&own);
        // Unknown key at B until A's key is there.
        assert!(matches!(
            Proof::open(&bytes, &ring_b, &a, &b),
            Err(SealError::ProofUnknownSigner { .. })
        ));
        let ring_b = ring_a;
        let p = Proof::open(&bytes, &ring_b, &a, &b).unwrap();
        assert_eq!(p.count(), 2);
        assert_eq!(p.months[0].digest(), Some(d));
        assert!(matches!(
            Proof::open(&bytes, &ring_b, &a, &c("330106")),
            Err(SealError::ProofRoute { .. })
        ));
        let mut forged = bytes.clone();
        let n = forged.len();
        forged[n - 70] ^= 1;
        assert!(Proof::open(&forged, &ring_b, &a, &b).is_err());
        // Signed by another key under A's key id: refused.
        let other = OwnKey::generate(1).unwrap();
        let mut p2 = Proof::new(&a, &b, vec![]);
        p2.signer_key = own.key_id.clone();
        let body = serde_json::to_vec(&p2).unwrap();
        let mut wrong = (body.len() as u32).to_be_bytes().to_vec();
        wrong.extend_from_slice(&body);
        wrong.extend_from_slice(&other.sign(&signed_message(&body)));
        assert!(matches!(
            Proof::open(&wrong, &ring_b, &a, &b),
            Err(SealError::ProofBadSignature { .. })
        ));
    }
}
