use super::*;

/// One reason of every kind (the match below fails to compile when a kind
/// is added and not listed here).
fn every_reason() -> Vec<Reason> {
    let code = |s: &str| Code::parse(s).unwrap();
    let id = RecordId::parse("410602100001-7").unwrap();
    let date = Date::new(2026, 9, 1).unwrap();
    let all = vec![
        Reason::Empty,
        Reason::TooLong { max: 200 },
        Reason::ControlChars,
        Reason::NotPositive,
        Reason::AuthorLevel {
            author: code("4106"),
        },
        Reason::NotVillage {
            code: code("410602100"),
        },
        Reason::AuthorNotAbove {
            author: code("330106"),
        },
        Reason::UnknownCode {
            code: code("440306018999"),
            data_date: "2023-06-30".into(),
        },
        Reason::SeqBeyondLimit { seq: 99, limit: 98 },
        Reason::BirthInFuture { date },
        Reason::Future { date },
        Reason::BirthDateMismatch {
            given: date,
            in_id: date.add_days(1),
        },
        Reason::SexMismatch { id_says_male: true },
        Reason::SexMismatch {
            id_says_male: false,
        },
        Reason::NotAfterStart {
            until: date,
            from: date,
        },
        Reason::NeedsResidence {
            kind: "check_reported",
        },
        Reason::BeforeQuarter {
            date,
            quarter: Quarter::parse("2026Q4").unwrap(),
        },
        Reason::CorrectionOfCorrection,
        Reason::NotHeld { id: id.clone() },
        Reason::InflowNotHeld { id: id.clone() },
        Reason::OtherPerson { id: id.clone() },
        Reason::NotInflow {
            id: id.clone(),
            kind: "outflow_registered",
        },
        Reason::SelfCorrection,
        Reason::AmendedKind {
            amended: "returned",
            target: id.clone(),
            target_kind: "residence_changed",
        },
        Reason::NoOpenEpisode,
        Reason::CorrectionPlace {
            role: Role::Residence,
            found: Some(code("440306018001")),
            expected: None,
            target: id.clone(),
        },
        Reason::AckPlace {
            role: Role::Origin,
            found: None,
            expected: Some(code("410602100001")),
            inflow: id.clone(),
        },
        Reason::AmendedPrevious {
            expected: None,
            target: id.clone(),
        },
        Reason::ReturnPlace {
            found: code("440306018001"),
            current: code("440306018002"),
        },
        Reason::PreviousPlace {
            found: code("440306018001"),
            current: code("440306018002"),
        },
        Reason::OriginRequired,
        Reason::Clock {
            remote_ms: 2,
            ahead_ms: 1,
            max_skew_ms: 0,
        },
        Reason::Recorded {
            text: "no open migrant episode".into(),
        },
    ];
    for r in &all {
        match r {
            Reason::Empty
            | Reason::TooLong { .. }
            | Reason::ControlChars
            | Reason::NotPositive
            | Reason::AuthorLevel { .. }
            | Reason::NotVillage { .. }
            | Reason::AuthorNotAbove { .. }
            | Reason::UnknownCode { .. }
            | Reason::SeqBeyondLimit { .. }
            | Reason::BirthInFuture { .. }
            | Reason::Future { .. }
            | Reason::BirthDateMismatch { .. }
            | Reason::SexMismatch { .. }
            | Reason::NotAfterStart { .. }
            | Reason::NeedsResidence { .. }
            | Reason::BeforeQuarter { .. }
            | Reason::CorrectionOfCorrection
            | Reason::NotHeld { .. }
            | Reason::InflowNotHeld { .. }
            | Reason::OtherPerson { .. }
            | Reason::NotInflow { .. }
            | Reason::SelfCorrection
            | Reason::AmendedKind { .. }
            | Reason::NoOpenEpisode
            | Reason::CorrectionPlace { .. }
            | Reason::AckPlace { .. }
            | Reason::AmendedPrevious { .. }
            | Reason::ReturnPlace { .. }
            | Reason::PreviousPlace { .. }
            | Reason::OriginRequired
            | Reason::Clock { .. }
            | Reason::Recorded { .. } => {}
        }
    }
    all
}

/// Every reason reads in Chinese (no English words: the only ASCII
/// letters left are in codes, quarters and config keys) and in English,
/// and the two differ.
#[test]
fn every_reason_renders_in_both_languages_with_no_english_in_chinese() {
    for r in every_reason() {
        let zh = r.text_in(Lang::Zh);
        let en = r.text_in(Lang::En);
        assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{r:?}");
        assert_ne!(zh, en, "{r:?}");
        assert!(!zh.contains("reason-") && !zh.contains("places-"), "{zh}");
        let mut words = zh.clone();
        for allowed in ["2026Q4", "[sync] max_skew_secs"] {
            words = words.replace(allowed, "");
        }
        assert!(
            !words.chars().any(|c| c.is_ascii_alphabetic()),
            "English in the Chinese reason of {r:?}: {zh}"
        );
        assert!(!words.is_ascii(), "{r:?} is not Chinese: {zh}");
        assert!(en.chars().any(|c| c.is_ascii_alphabetic()), "{r:?}: {en}");
        assert!(
            en.is_ascii(),
            "Chinese in the English reason of {r:?}: {en}"
        );
    }
    // Display follows the process's language (Chinese by default).
    assert_eq!(
        Reason::Empty.to_string(),
        Reason::Empty.text_in(liudong_i18n::lang())
    );
}

/// The reasons a record is held for are stored as their English text and
/// come back typed; any other text stays as it was.
#[test]
fn held_reasons_come_back_typed_from_their_stored_text() {
    let id = RecordId::parse("440306018001-92257489687001").unwrap();
    for r in [
        Reason::NotHeld { id: id.clone() },
        Reason::InflowNotHeld { id: id.clone() },
        Reason::NoOpenEpisode,
    ] {
        assert_eq!(Reason::from_stored(r.text_in(Lang::En)), r);
    }
    let other = "a wording no catalogue has".to_string();
    assert_eq!(
        Reason::from_stored(other.clone()),
        Reason::Recorded { text: other }
    );
}
