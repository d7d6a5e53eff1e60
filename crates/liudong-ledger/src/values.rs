//! The values of ledger cells as cadres type them: full-width digits
//! (`２０２６`), dates in the usual forms and month-only (`2026年3月`), and
//! the words for sex, marital status, hukou type and purpose. Every reason
//! a value is refused is a catalogue message (the operator's language).

use liudong_core::Date;
use liudong_core::record::{HukouType, MaritalStatus, Purpose, Sex};
use liudong_i18n::t;

/// A full-width form (`０`, `Ａ`, `（`) as its ASCII character, the
/// ideographic space as a space; other characters unchanged.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// `s` with full-width forms folded ([`fold_width`]) and trimmed.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(fold_width)
        .collect::<String>()
        .trim()
        .to_string()
}

/// A date cell: the date, and whether only its year and month were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateCell {
    pub date: Date,
    pub month_only: bool,
}

/// The last day of a month.
pub fn month_end(year: i32, month: u32) -> Option<Date> {
    (28..=31).rev().find_map(|d| Date::new(year, month, d))
}

/// Parses the date forms ledgers use: `2026-10-01`, `2026/10/1`,
/// `2026.10.01`, `20261001`, `2026年10月1日`, and month-only `2026-10`,
/// `2026.10`, `202610`, `2026年10月` (the first day of the month). The text
/// is folded first ([`fold`]).
pub fn parse_date(s: &str) -> Result<DateCell, String> {
    let s = fold(s);
    let bad = || t!("ledger-value-date", text = s.as_str());
    let not_real = || t!("ledger-value-date-unreal", text = s.as_str());
    let digits = s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = if digits && s.len() == 8 {
        vec![&s[..4], &s[4..6], &s[6..]]
    } else if digits && s.len() == 6 {
        vec![&s[..4], &s[4..]]
    } else {
        s.trim_end_matches(['日', '号', '月'])
            .split(['-', '/', '.', '年', '月'])
            .collect()
    };
    let num = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let nums: Option<Vec<u32>> = parts.iter().map(|p| num(p)).collect();
    let Some(nums) = nums else {
        return Err(bad());
    };
    let (y, m, d) = match nums[..] {
        [y, m, d] => (y, m, Some(d)),
        [y, m] => (y, m, None),
        _ => return Err(bad()),
    };
    if !(1900..=2999).contains(&y) || parts[0].len() != 4 {
        return Err(bad());
    }
    let date = match d {
        Some(d) => Date::new(y as i32, m, d),
        None => Date::new(y as i32, m, 1),
    };
    let date = date.ok_or_else(not_real)?;
    Ok(DateCell {
        date,
        month_only: d.is_none(),
    })
}

pub fn parse_sex(s: &str) -> Result<Sex, String> {
    match fold(s).to_ascii_lowercase().as_str() {
        "男" | "男性" | "male" | "m" => Ok(Sex::Male),
        "女" | "女性" | "female" | "f" => Ok(Sex::Female),
        _ => Err(t!("ledger-value-sex", text = s)),
    }
}

pub fn parse_marital(s: &str) -> Result<MaritalStatus, String> {
    Ok(match fold(s).as_str() {
        "未婚" | "single" => MaritalStatus::Single,
        "已婚" | "初婚" | "再婚" | "复婚" | "有配偶" | "married" => {
            MaritalStatus::Married
        }
        "离婚" | "离异" | "divorced" => MaritalStatus::Divorced,
        "丧偶" | "widowed" => MaritalStatus::Widowed,
        _ => return Err(t!("ledger-value-marital", text = s)),
    })
}

pub fn parse_hukou(s: &str) -> Result<HukouType, String> {
    Ok(match fold(s).as_str() {
        "农业" | "农业户口" | "agricultural" => HukouType::Agricultural,
        "非农业" | "非农业户口" | "城镇" | "non_agricultural" => {
            HukouType::NonAgricultural
        }
        _ => return Err(t!("ledger-value-hukou", text = s)),
    })
}

pub fn parse_purpose(s: &str) -> Result<Purpose, String> {
    Ok(match fold(s).as_str() {
        "务工" | "打工" | "work" => Purpose::Work,
        "经商" | "trade" => Purpose::Trade,
        "其他" | "其它" | "other" => Purpose::Other,
        _ => return Err(t!("ledger-value-purpose", text = s)),
    })
}

pub fn parse_count(s: &str) -> Result<u32, String> {
    fold(s)
        .parse::<u32>()
        .map_err(|_| t!("ledger-value-count", text = s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        let c = parse_date(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(!c.month_only, "{s}");
        c.date
    }

    #[test]
    fn dates_in_the_forms_ledgers_use() {
        let d = Date::new(2026, 10, 1).unwrap();
        for s in [
            "2026-10-01",
            "2026/10/1",
            "2026.10.01",
            "20261001",
            "2026年10月1日",
            "2026年10月1号",
            "２０２６年１０月１日",
            " 2026-10-01 ",
        ] {
            assert_eq!(day(s), d, "{s}");
        }
        for s in [
            "1/10/2026",
            "2026-02-30",
            "abc",
            "26-10-01",
            "2026-10-01-02",
            "",
        ] {
            assert!(parse_date(s).is_err(), "{s}");
        }
        let e = parse_date("2026-13-01").unwrap_err();
        assert!(e.contains("2026-13-01"), "{e}");
    }

    #[test]
    fn month_only_dates_are_the_first_of_the_month() {
        for s in [
            "2026年3月",
            "2026-03",
            "2026.3",
            "2026/3",
            "202603",
            "２０２６年３月",
        ] {
            let c = parse_date(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(c.date, Date::new(2026, 3, 1).unwrap(), "{s}");
            assert!(c.month_only, "{s}");
        }
        assert!(parse_date("2026年13月").is_err());
        assert_eq!(month_end(2028, 2), Date::new(2028, 2, 29));
        assert_eq!(month_end(2026, 4), Date::new(2026, 4, 30));
    }

    #[test]
    fn words_and_numbers_as_cadres_write_them() {
        assert_eq!(fold("４１０６０２ｘ"), "410602x");
        assert_eq!(parse_sex("女性"), Ok(Sex::Female));
        assert_eq!(parse_marital("离异"), Ok(MaritalStatus::Divorced));
        assert_eq!(parse_purpose("其它"), Ok(Purpose::Other));
        assert_eq!(parse_count("２"), Ok(2));
        assert!(parse_count("-1").is_err());
        let e = parse_sex("x").unwrap_err();
        assert!(e.contains("男") && e.contains("女"), "{e}");
    }
}
