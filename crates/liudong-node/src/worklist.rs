//! The overdue lists as a work list (工作清单): the columns a cadre acts on,
//! in the operator's language, the same in `liudong overdue`, `liudong
//! export overdue` and the console's list (docs/workflows.md).
//!
//! One row per item of an [`OverdueAnswer`] (then one per held record):
//! what is due, the village where it is acted on, by when, and who —
//! name, sex, age, citizen ID, phone, address, employer, the certificate
//! number — with the person's origin and a sentence saying what is wrong.
//! Places are named (township and village under the asking unit), never
//! codes alone.

use crate::query::OverdueAnswer;
use liudong_core::overdue::{Item, Kind};
use liudong_core::record::{MaritalStatus, Sex};
use liudong_core::{Code, Date, Level};
use liudong_i18n::{Lang, t_in};
use liudong_store::held::HeldRecord;

/// The columns of the work list, by key, in order.
pub const COLUMNS: [&str; 13] = [
    "kind",
    "village",
    "due",
    "name",
    "sex",
    "age",
    "subject",
    "phone",
    "address",
    "employer",
    "certificate",
    "origin",
    "detail",
];

/// Index of the age column (a number in spreadsheets).
pub const AGE_COLUMN: usize = 5;

/// Index of the citizen ID column (the console links it to the person).
pub const SUBJECT_COLUMN: usize = 6;

/// The column headers in `lang`.
pub fn headers(lang: Lang) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|k| match *k {
            "kind" => t_in!(lang, "worklist-col-kind"),
            "village" => t_in!(lang, "worklist-col-village"),
            "due" => t_in!(lang, "worklist-col-due"),
            "name" => t_in!(lang, "worklist-col-name"),
            "sex" => t_in!(lang, "worklist-col-sex"),
            "age" => t_in!(lang, "worklist-col-age"),
            "subject" => t_in!(lang, "worklist-col-subject"),
            "phone" => t_in!(lang, "worklist-col-phone"),
            "address" => t_in!(lang, "worklist-col-address"),
            "employer" => t_in!(lang, "worklist-col-employer"),
            "certificate" => t_in!(lang, "worklist-col-certificate"),
            "origin" => t_in!(lang, "worklist-col-origin"),
            _ => t_in!(lang, "worklist-col-detail"),
        })
        .collect()
}

/// Every row of the answer's work list: its items, then its held records.
/// `unit` is the asking unit (the node's code for the CLI, the operator's
/// unit in the console): villages are named below it.
pub fn rows(a: &OverdueAnswer, unit: &Code, lang: Lang) -> Vec<Vec<String>> {
    a.items
        .iter()
        .map(|i| item_row(i, a.today, unit, lang))
        .chain(a.held.iter().map(|h| held_row(h, lang)))
        .collect()
}

/// The work-list row of one item.
pub fn item_row(i: &Item, today: Date, unit: &Code, lang: Lang) -> Vec<String> {
    let w = &i.who;
    let male = i.subject.is_male();
    vec![
        kind_label(i.kind, lang),
        place_name(i.village(unit), unit),
        i.due.to_string(),
        w.name.clone().unwrap_or_default(),
        sex_word(if male { Sex::Male } else { Sex::Female }, lang),
        i.subject.birth_date().age_on(today).to_string(),
        i.subject.as_str().to_string(),
        w.phone.clone().unwrap_or_default(),
        w.address.clone().unwrap_or_default(),
        w.employer.clone().unwrap_or_default(),
        w.presented
            .clone()
            .or_else(|| w.certificate.clone())
            .unwrap_or_default(),
        place_name(&i.origin, unit),
        detail(i, today, lang),
    ]
}

/// The work-list row of a record held for missing context.
pub fn held_row(h: &HeldRecord, lang: Lang) -> Vec<String> {
    let mut row = vec![String::new(); COLUMNS.len()];
    row[0] = t_in!(lang, "worklist-kind-held");
    row[SUBJECT_COLUMN] = h.subject.clone();
    row[COLUMNS.len() - 1] = t_in!(
        lang,
        "worklist-held-detail",
        record = h.id.to_string(),
        kind = record_kind(&h.kind, lang),
        reason = held_reason(&h.issue.field, lang)
    );
    row
}

/// What is due, in the operators' words.
pub fn kind_label(k: Kind, lang: Lang) -> String {
    match k {
        Kind::MissingChecks => t_in!(lang, "worklist-kind-missing-checks"),
        Kind::Certificate => t_in!(lang, "worklist-kind-certificate"),
        Kind::NoCertificate => t_in!(lang, "worklist-kind-no-certificate"),
        Kind::Unacknowledged => t_in!(lang, "worklist-kind-unacknowledged"),
    }
}

/// The list of records held for missing context, in the operators' words.
pub fn held_label(lang: Lang) -> String {
    t_in!(lang, "worklist-kind-held")
}

/// A sentence saying what is wrong with the item.
pub fn detail(i: &Item, today: Date, lang: Lang) -> String {
    let since = i.since.map(|d| d.to_string()).unwrap_or_default();
    match i.kind {
        Kind::MissingChecks => t_in!(
            lang,
            "worklist-detail-missing-checks",
            quarters = i.count,
            from = i.since.map(|d| d.quarter().to_string()).unwrap_or_default(),
            to = today.quarter().prev().to_string()
        ),
        Kind::Certificate if i.count < 0 => t_in!(
            lang,
            "worklist-detail-certificate-expired",
            number = i.who.certificate.clone().unwrap_or_default(),
            date = i.due.to_string()
        ),
        Kind::Certificate => t_in!(
            lang,
            "worklist-detail-certificate-expiring",
            number = i.who.certificate.clone().unwrap_or_default(),
            date = i.due.to_string(),
            days = i.count
        ),
        Kind::NoCertificate => t_in!(
            lang,
            "worklist-detail-no-certificate",
            date = since,
            days = i.count
        ),
        Kind::Unacknowledged => t_in!(
            lang,
            "worklist-detail-unacknowledged",
            record = i.record.as_ref().map(|r| r.to_string()).unwrap_or_default(),
            date = since,
            days = i.count
        ),
    }
}

/// Why a record is held, from the field of the rule it waits for.
pub fn held_reason(field: &str, lang: Lang) -> String {
    match field {
        "inflow_acknowledged.inflow" => t_in!(lang, "worklist-held-inflow"),
        "correction.target" => t_in!(lang, "worklist-held-target"),
        _ => t_in!(lang, "worklist-held-episode"),
    }
}

/// A record kind (`outflow_registered`, …) in the operators' words.
pub fn record_kind(kind: &str, lang: Lang) -> String {
    liudong_core::reason::kind_word(kind, lang)
}

/// Sex in the operators' words.
pub fn sex_word(s: Sex, lang: Lang) -> String {
    match s {
        Sex::Male => t_in!(lang, "word-male"),
        Sex::Female => t_in!(lang, "word-female"),
    }
}

/// Marital status in the operators' words.
pub fn marital_word(m: MaritalStatus, lang: Lang) -> String {
    match m {
        MaritalStatus::Unspecified => t_in!(lang, "word-marital-unknown"),
        MaritalStatus::Single => t_in!(lang, "word-single"),
        MaritalStatus::Married => t_in!(lang, "word-married"),
        MaritalStatus::Divorced => t_in!(lang, "word-divorced"),
        MaritalStatus::Widowed => t_in!(lang, "word-widowed"),
    }
}

/// Names the NBS table gives levels that have none of their own.
const PLACEHOLDERS: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// The name of a division (villages included), or `None`.
pub fn division_name(code: &str) -> Option<String> {
    if code.len() == Level::Village.digits() {
        liudong_core::address::index().name(code)
    } else {
        liudong_core::divisions::table()
            .name(code)
            .map(str::to_string)
    }
}

/// The name of `code` as read from `unit`: the names of its levels below
/// what it shares with `unit` (a village of the unit's county: township and
/// village; of another province: from the province down), placeholders
/// left out. A code the table does not know is shown as it is.
pub fn place_name(code: &Code, unit: &Code) -> String {
    let levels = [
        Level::Province,
        Level::Prefecture,
        Level::County,
        Level::Township,
        Level::Village,
    ];
    let shared = levels
        .iter()
        .take_while(|l| code.at_level(**l).is_some() && code.at_level(**l) == unit.at_level(**l))
        .count();
    let start = shared.min(levels.len() - 1).min(
        levels
            .iter()
            .position(|l| *l == code.level())
            .unwrap_or(levels.len() - 1),
    );
    let names: Vec<String> = levels[start..]
        .iter()
        .filter_map(|l| code.at_level(*l))
        .filter_map(|c| division_name(c.as_str()))
        .filter(|n| !PLACEHOLDERS.contains(&n.as_str()))
        .collect();
    if names.is_empty() {
        code.to_string()
    } else {
        names.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::overdue::{Thresholds, for_person};
    use liudong_core::synth::{inflow_on, outflow_on, test_record};
    use liudong_core::{Date, PersonView};

    fn code(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    #[test]
    fn places_are_named_below_what_they_share_with_the_unit() {
        let village = code("410602100001");
        let county = code("410602");
        let named = place_name(&village, &county);
        assert!(named.starts_with("鹤壁集镇 "), "{named}");
        assert!(!named.contains("鹤山区"), "{named}");
        let from_afar = place_name(&village, &code("530424"));
        assert!(
            from_afar.starts_with("河南省 鹤壁市 鹤山区 鹤壁集镇 "),
            "{from_afar}"
        );
        assert_eq!(place_name(&county, &county), "鹤山区");
        assert!(
            !place_name(&code("110101001001"), &Code::national()).contains("市辖区"),
            "placeholders are left out"
        );
    }

    #[test]
    fn a_row_has_every_column_in_chinese_and_english() {
        let d = |s: &str| Date::parse(s).unwrap();
        let o = "410602100001";
        let r = "530424102205";
        let rs = vec![
            test_record(o, 1, 3, o, Some(r), outflow_on(d("2026-01-10"))),
            test_record(o, 2, 3, o, Some(r), inflow_on(d("2026-01-20"), None)),
        ];
        let v = PersonView::derive(&rs).unwrap();
        let today = d("2026-08-01");
        let items = for_person(&v, today, &Thresholds::default());
        assert!(!items.is_empty());
        let unit = code("530424");
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(headers(lang).len(), COLUMNS.len());
            for i in &items {
                let row = item_row(i, today, &unit, lang);
                assert_eq!(row.len(), COLUMNS.len());
                assert_eq!(row[SUBJECT_COLUMN], i.subject.as_str());
                assert!(row[AGE_COLUMN].parse::<u32>().is_ok(), "{row:?}");
                assert!(!row[COLUMNS.len() - 1].is_empty());
            }
        }
        let zh = item_row(&items[0], today, &unit, Lang::Zh);
        assert!(
            zh[1].starts_with("盘溪镇 "),
            "the village of the unit: {zh:?}"
        );
        assert_eq!(zh[4], "女");
        assert!(zh[11].starts_with("河南省 "), "{zh:?}");
        assert!(!zh[12].is_ascii(), "{zh:?}");
        assert_eq!(headers(Lang::Zh)[3], "姓名");
    }
}
