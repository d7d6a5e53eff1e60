//! The operators' words for the values in ledgers and exports — record
//! kinds, sex, marital status, a person's status, overdue kinds — from the
//! message catalogue, in a language given per call (the web console serves
//! both; the CLI passes its own).

use liudong_core::overdue::Kind as OverdueKind;
use liudong_core::record::{MaritalStatus, Sex};
use liudong_core::view::Status;
use liudong_i18n::{Lang, t_in};

/// A record kind (`person_registered`, ...) as operators name it (人员登记).
pub fn kind(kind: &str, lang: Lang) -> String {
    match kind {
        "person_registered" => t_in!(lang, "ledger-kind-person"),
        "marriage_registered" => t_in!(lang, "ledger-kind-marriage"),
        "outflow_registered" => t_in!(lang, "ledger-kind-outflow"),
        "certificate_issued" => t_in!(lang, "ledger-kind-certificate"),
        "inflow_registered" => t_in!(lang, "ledger-kind-inflow"),
        "inflow_acknowledged" => t_in!(lang, "ledger-kind-acknowledged"),
        "check_reported" => t_in!(lang, "ledger-kind-check"),
        "birth_registered" => t_in!(lang, "ledger-kind-birth"),
        "residence_changed" => t_in!(lang, "ledger-kind-residence-changed"),
        "returned" => t_in!(lang, "ledger-kind-returned"),
        "correction" => t_in!(lang, "ledger-kind-correction"),
        other => other.to_string(),
    }
}

pub fn sex(s: Sex, lang: Lang) -> String {
    match s {
        Sex::Male => t_in!(lang, "ledger-sex-male"),
        Sex::Female => t_in!(lang, "ledger-sex-female"),
    }
}

pub fn marital(m: MaritalStatus, lang: Lang) -> String {
    match m {
        MaritalStatus::Unspecified => String::new(),
        MaritalStatus::Single => t_in!(lang, "ledger-marital-single"),
        MaritalStatus::Married => t_in!(lang, "ledger-marital-married"),
        MaritalStatus::Divorced => t_in!(lang, "ledger-marital-divorced"),
        MaritalStatus::Widowed => t_in!(lang, "ledger-marital-widowed"),
    }
}

pub fn status(s: Status, lang: Lang) -> String {
    match s {
        Status::Unknown => t_in!(lang, "ledger-status-unknown"),
        Status::AtHome => t_in!(lang, "ledger-status-at-home"),
        Status::OutMigrated => t_in!(lang, "ledger-status-out"),
        Status::AtResidence => t_in!(lang, "ledger-status-in"),
    }
}

pub fn yes_no(b: bool, lang: Lang) -> String {
    if b {
        t_in!(lang, "ledger-yes")
    } else {
        t_in!(lang, "ledger-no")
    }
}

pub fn overdue_kind(k: OverdueKind, lang: Lang) -> String {
    match k {
        OverdueKind::MissingChecks => t_in!(lang, "ledger-overdue-missing-checks"),
        OverdueKind::Certificate => t_in!(lang, "ledger-overdue-certificate"),
        OverdueKind::NoCertificate => t_in!(lang, "ledger-overdue-no-certificate"),
        OverdueKind::Unacknowledged => t_in!(lang, "ledger-overdue-unacknowledged"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_kind_has_a_word_in_both_languages() {
        let kinds =
            liudong_core::synth::example_bodies(liudong_core::Date::new(2026, 9, 1).unwrap())
                .into_iter()
                .map(|b| b.kind())
                .collect::<Vec<_>>();
        assert!(kinds.len() >= 11, "{kinds:?}");
        for k in kinds {
            for lang in [Lang::Zh, Lang::En] {
                let w = kind(k, lang);
                assert!(!w.contains('_') && !w.is_empty(), "{k}: {w}");
            }
        }
        assert_eq!(kind("person_registered", Lang::Zh), "人员登记");
        assert_eq!(kind("person_registered", Lang::En), "person registration");
    }
}
