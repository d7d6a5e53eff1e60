use super::*;
use crate::announce::Announcement;
use crate::envelope::{Envelope, edit_header, parts, seal};
use crate::month_of;
use liudong_core::RecordId;
use prost::Message;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

/// Two counties' key rings that know each other's keys (insecure: unsigned announcements).
fn pair(dir: &Path) -> (KeyRing, KeyRing) {
    let a = KeyRing::county(&dir.join("a"), &c("410602"), 1_000, None, None).unwrap();
    let b = KeyRing::county(&dir.join("b"), &c("440306"), 1_000, None, None).unwrap();
    for ann in a.own_announcements().unwrap() {
        assert!(b.accept(&ann).unwrap());
    }
    for ann in b.own_announcements().unwrap() {
        assert!(a.accept(&ann).unwrap());
    }
    (a, b)
}

fn id() -> RecordId {
    RecordId {
        node: c("410602100001"),
        seq: 7,
    }
}

fn sealed(a: &KeyRing, record: &[u8]) -> Vec<u8> {
    let to_b = a.current_peer(&c("440306"), 2_000).unwrap();
    seal(
        record,
        &id(),
        &c("410602"),
        &a.current().unwrap(),
        &to_b,
        month_of(1_800_000_000_000),
    )
    .unwrap()
}

/// Checks and opens as the destination does.
fn open(b: &KeyRing, bytes: &[u8]) -> Result<Vec<u8>, SealError> {
    let e = Envelope::decode(0, bytes)?;
    let signer = b
        .peer_key(&e.header.source, &e.header.signer_key)
        .ok_or_else(|| SealError::UnknownSigner {
            id: e.header.record.clone(),
            from: e.header.source.clone(),
            key_id: e.header.signer_key.clone(),
        })?;
    e.verify(&signer)?;
    let own = b
        .own_key(&e.header.recipient_key)
        .ok_or_else(|| SealError::UnknownRecipientKey {
            id: e.header.record.clone(),
            county: c("440306"),
            key_id: e.header.recipient_key.clone(),
        })?;
    e.open(&own)
}

fn signed_message(header: &[u8], enc: &[u8], ct: &[u8]) -> Vec<u8> {
    let mut m = b"liudong-envelope-v1".to_vec();
    m.extend_from_slice(&(header.len() as u32).to_be_bytes());
    m.extend_from_slice(header);
    m.extend_from_slice(&(enc.len() as u32).to_be_bytes());
    m.extend_from_slice(enc);
    m.extend_from_slice(ct);
    m
}

#[test]
fn sealed_records_open_only_at_the_destination_and_only_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(dir.path());
    let record = "王秀英 410602199001011237 某电子有限公司".as_bytes();
    let env = sealed(&a, record);
    // The header is readable by anyone; the person is not.
    let h = crate::peek_header(&env).unwrap();
    assert_eq!(
        (h.source.as_str(), h.destination.as_str()),
        ("410602", "440306")
    );
    assert_eq!(h.record, id());
    assert!(!env.windows(18).any(|w| w == b"410602199001011237"));
    assert!(
        !env.windows("王秀英".len())
            .any(|w| w == "王秀英".as_bytes())
    );
    assert_eq!(open(&b, &env).unwrap(), record);
    // County A cannot open what it sealed to B.
    let e = Envelope::decode(0, &env).unwrap();
    assert!(a.own_key(&e.header.recipient_key).is_none());

    let (header, enc, ct, sig) = parts(&env).unwrap();
    // Tampered ciphertext: the signature no longer verifies.
    let mut ct2 = ct.clone();
    ct2[3] ^= 1;
    let e = open(
        &b,
        &Envelope::reassemble(header.clone(), enc.clone(), ct2.clone(), sig.clone()),
    );
    assert!(matches!(e, Err(SealError::BadSignature { .. })), "{e:?}");
    // Even re-signed by A, a changed payload does not open (the AEAD tag).
    let resigned = a
        .current()
        .unwrap()
        .sign(&signed_message(&header, &enc, &ct2));
    let e = open(
        &b,
        &Envelope::reassemble(header.clone(), enc.clone(), ct2, resigned),
    );
    assert!(matches!(e, Err(SealError::CannotOpen { .. })), "{e:?}");
    // Tampered header (another month): the signature no longer verifies.
    let h2 = edit_header(&header, |h| h.month = 202001).unwrap();
    let e = open(
        &b,
        &Envelope::reassemble(h2.clone(), enc.clone(), ct.clone(), sig.clone()),
    );
    assert!(matches!(e, Err(SealError::BadSignature { .. })), "{e:?}");
    // ... and re-signed by A, the header is bound to the payload: it does not open.
    let resigned = a.current().unwrap().sign(&signed_message(&h2, &enc, &ct));
    let e = open(
        &b,
        &Envelope::reassemble(h2, enc.clone(), ct.clone(), resigned),
    );
    assert!(matches!(e, Err(SealError::CannotOpen { .. })), "{e:?}");
    // Signed by the wrong county's key (B's key over A's envelope): refused.
    let forged = b
        .current()
        .unwrap()
        .sign(&signed_message(&header, &enc, &ct));
    let e = open(
        &b,
        &Envelope::reassemble(header.clone(), enc.clone(), ct.clone(), forged),
    );
    assert!(matches!(e, Err(SealError::BadSignature { .. })), "{e:?}");
    // A header that lies about the payload size is refused before anything else.
    let h3 = edit_header(&header, |h| h.payload_size += 1).unwrap();
    let e = open(&b, &Envelope::reassemble(h3, enc, ct, sig));
    assert!(
        matches!(
            e,
            Err(SealError::Header {
                field: "payload_size",
                ..
            })
        ),
        "{e:?}"
    );
    // Not an envelope at all.
    assert!(matches!(
        crate::peek_header(b"\x0a\x02xx"),
        Err(SealError::Malformed { .. })
    ));
}

#[test]
fn a_record_sealed_to_a_retired_key_opens_after_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(dir.path());
    let record = b"in flight during the rotation";
    let before = sealed(&a, record);
    let old = b.current().unwrap().key_id.clone();
    // B rotates (as `liudong key rotate` does) and its running ring reloads the file.
    let (new, retired) = rotate(&dir.path().join("b"), &c("440306"), 5_000).unwrap();
    assert_eq!(retired, 1);
    assert!(b.reload_own().unwrap());
    assert_eq!(b.current().unwrap().key_id, new.key_id);
    assert_ne!(new.key_id, old);
    assert_eq!(b.own_count(), 2);
    // The envelope sealed to the old key still opens.
    assert_eq!(open(&b, &before).unwrap(), record);
    // Once A learns the new key, it seals to it.
    for ann in b.own_announcements().unwrap() {
        a.accept(&ann).unwrap();
    }
    let after = a.current_peer(&c("440306"), 6_000).unwrap();
    assert_eq!(after.key_id, new.key_id);
    let env = seal(
        record,
        &id(),
        &c("410602"),
        &a.current().unwrap(),
        &after,
        202612,
    )
    .unwrap();
    assert_eq!(crate::peek_header(&env).unwrap().recipient_key, new.key_id);
    assert_eq!(open(&b, &env).unwrap(), record);
    // A key file of another county is refused.
    assert!(KeyRing::county(&dir.path().join("b"), &c("410602"), 0, None, None).is_err());
}

#[test]
fn a_trusting_ring_refuses_unsigned_and_foreign_announcements() {
    struct Trust;
    impl CertificateCheck for Trust {
        fn check(&self, _der: &[u8]) -> Result<Code, String> {
            Err("not issued by a trusted CA".into())
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let a = KeyRing::county(&dir.path().join("a"), &c("410602"), 0, None, None).unwrap();
    let b = KeyRing::county(
        &dir.path().join("b"),
        &c("440306"),
        0,
        Some(Arc::new(Trust)),
        None,
    )
    .unwrap();
    let ann = a.own_announcements().unwrap().remove(0);
    let e = b.accept(&ann).unwrap_err().to_string();
    assert!(e.contains("not signed"), "{e}");
    assert!(b.current_peer(&c("410602"), 0).is_none());
    // A changed key under an announced id is refused too.
    let mut parts = liudong_proto::pb::KeyAnnouncement::decode(ann.as_slice()).unwrap();
    parts.body[40] ^= 1;
    assert!(Announcement::decode(&prost::Message::encode_to_vec(&parts)).is_err());
}

#[test]
fn a_sealing_batch_shares_one_encapsulation_and_each_envelope_opens_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(dir.path());
    let to_b = a.current_peer(&c("440306"), 2_000).unwrap();
    let own = a.current().unwrap();
    let sealer =
        crate::Sealer::new(&c("410602"), &own, &to_b, month_of(1_800_000_000_000)).unwrap();
    let records: Vec<(RecordId, Vec<u8>)> = (1..=5)
        .map(|seq| {
            let id = RecordId {
                node: c("410602100001"),
                seq,
            };
            (id, format!("record {seq} of the batch").into_bytes())
        })
        .collect();
    let envs: Vec<Vec<u8>> = records
        .iter()
        .map(|(id, r)| sealer.seal(&own, r, id).unwrap())
        .collect();
    let encs: std::collections::BTreeSet<Vec<u8>> =
        envs.iter().map(|e| parts(e).unwrap().1).collect();
    assert_eq!(encs.len(), 1, "one encapsulation for the batch");
    let cts: std::collections::BTreeSet<Vec<u8>> =
        envs.iter().map(|e| parts(e).unwrap().2).collect();
    assert_eq!(cts.len(), 5);
    // Each opens on its own, and through one cache, to its own record.
    let mut cache = crate::OpenCache::default();
    let key = b.own_key(&to_b.key_id).unwrap();
    for (env, (id, r)) in envs.iter().zip(&records) {
        assert_eq!(open(&b, env).unwrap(), *r);
        let e = Envelope::decode(0, env).unwrap();
        assert_eq!(e.header.version, crate::ENVELOPE_VERSION);
        assert_eq!(&e.header.record, id);
        assert_eq!(e.open_with(&key, &mut cache).unwrap(), *r);
    }
    // A payload moved under another envelope's header does not open, even
    // re-signed by the source (the header is the AEAD's data and the nonce).
    let (h0, enc, _, _) = parts(&envs[0]).unwrap();
    let (_, _, ct1, _) = parts(&envs[1]).unwrap();
    let resigned = own.sign(&signed_message(&h0, &enc, &ct1));
    let moved = Envelope::reassemble(h0, enc, ct1, resigned);
    assert!(matches!(open(&b, &moved), Err(SealError::CannotOpen { .. })));
}

#[test]
fn envelopes_of_format_1_still_open() {
    use hpke::{Kem, Serializable};
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(dir.path());
    let to_b = a.current_peer(&c("440306"), 2_000).unwrap();
    let own = a.current().unwrap();
    let record = b"a record sealed by an older build".to_vec();
    // Format 1 as older builds wrote it: HPKE single-shot per envelope.
    let header = edit_header(&parts(&sealed(&a, &record)).unwrap().0, |h| h.version = 1).unwrap();
    let pk = <hpke::kem::X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&to_b.hpke_public)
        .unwrap();
    let (enc, ct) = hpke::single_shot_seal::<
        hpke::aead::ChaCha20Poly1305,
        hpke::kdf::HkdfSha256,
        hpke::kem::X25519HkdfSha256,
    >(&hpke::OpModeS::Base, &pk, b"liudong-envelope-v1", &record, &header)
    .unwrap();
    let enc = enc.to_bytes().to_vec();
    let sig = own.sign(&signed_message(&header, &enc, &ct));
    let env = Envelope::reassemble(header, enc, ct, sig);
    assert_eq!(Envelope::decode(0, &env).unwrap().header.version, 1);
    assert_eq!(open(&b, &env).unwrap(), record);
}
