use super::*;
use liudong_core::synth::{SynthRng, citizen_id, example_bodies};

fn record(body: Body) -> Record {
    let mut rng = SynthRng::new(1);
    Record {
        id: RecordId {
            node: Code::parse("410602100001").unwrap(),
            seq: 9,
        },
        hlc: Hlc::new(1_790_000_000_000, 3),
        operator: "op-1".into(),
        subject: citizen_id(
            &mut rng,
            "410602",
            Date::new(1995, 3, 8).unwrap(),
            dom::Sex::Female,
        ),
        origin: Code::parse("410602100001").unwrap(),
        residence: Some(Code::parse("440306018001").unwrap()),
        body,
    }
}

#[test]
fn every_body_round_trips() {
    for body in example_bodies(Date::new(2026, 11, 1).unwrap()) {
        let r = record(body);
        let bytes = encode_record(&r);
        let back = decode_record(&bytes).unwrap();
        assert_eq!(back, r);
        assert_eq!(encode_record(&back), bytes, "encoding is canonical");
    }
}

#[test]
fn a_correction_carries_the_previous_residence_of_its_target() {
    let body = |previous: Option<&str>| {
        Body::Correction(dom::Correction {
            target: RecordId {
                node: Code::parse("440306018001").unwrap(),
                seq: 4,
            },
            reason: "搬迁登记有误".into(),
            amended: None,
            previous_residence: previous.map(|c| Code::parse(c).unwrap()),
        })
    };
    let r = record(body(Some("440306018002")));
    let bytes = encode_record(&r);
    assert_eq!(decode_record(&bytes).unwrap(), r);
    // Without it the encoding is the one older nodes wrote and read: the
    // field is new (number 4), absent when empty.
    let old = encode_record(&record(body(None)));
    assert!(old.len() < bytes.len());
    let p = record_to_pb(&record(body(None)));
    let Some(pb::body::Kind::Correction(c)) = p.body.and_then(|b| b.kind) else {
        unreachable!()
    };
    assert!(c.previous_residence.is_empty());
    let mut bad = record_to_pb(&r);
    if let Some(pb::body::Kind::Correction(c)) = bad.body.as_mut().and_then(|b| b.kind.as_mut()) {
        c.previous_residence = "44030".into();
    }
    let e = record_from_pb(&bad).unwrap_err();
    assert!(
        e.to_string().contains("correction.previous_residence"),
        "{e}"
    );
}

#[test]
fn malformed_records_name_the_field() {
    let mut p = record_to_pb(&record(
        example_bodies(Date::new(2026, 11, 1).unwrap()).remove(2),
    ));
    p.origin = "41060".into();
    let e = record_from_pb(&p).unwrap_err();
    assert!(e.to_string().starts_with("字段 origin："), "{e}");
    p.origin = "410602100001".into();
    p.body = Some(pb::Body { kind: None });
    assert!(matches!(record_from_pb(&p), Err(DecodeError::Missing(_))));
    assert!(matches!(
        decode_record(&[0xff, 0xff, 0xff]),
        Err(DecodeError::Protobuf(_))
    ));
}

proptest::proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let _ = decode_record(&bytes);
    }

    #[test]
    fn mutated_records_never_panic(pos in 0usize..300, val in proptest::num::u8::ANY) {
        let mut bytes = encode_record(&record(example_bodies(Date::new(2026, 11, 1).unwrap()).remove(4)));
        let i = pos % bytes.len();
        bytes[i] = val;
        let _ = decode_record(&bytes);
    }
}

#[test]
fn subject_scan_matches_decoding() {
    for body in example_bodies(Date::new(2026, 10, 1).unwrap()) {
        let r = record(body);
        let bytes = encode_record(&r);
        assert_eq!(record_subject(&bytes), Some(r.subject.as_str()));
    }
    assert_eq!(record_subject(&[0xff]), None);
}
