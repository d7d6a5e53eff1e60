//! Calendar dates (`YYYY-MM-DD`) and quarters (`YYYYQn`), without time zones.
//!
//! Dates are proleptic Gregorian; conversions to and from days since
//! 1970-01-01 use the civil-from-days algorithm so that date arithmetic needs
//! no external crate.

use liudong_i18n::t;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a date or quarter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{}", t!("error-date-format", text = .0))]
    Format(String),
    #[error("{}", t!("error-date-not-real", text = .0))]
    NotReal(String),
    #[error("{}", t!("error-quarter-format", text = .0))]
    Quarter(String),
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A checked date.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError::Format(s.to_string()));
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, DateError> {
            let part = &s[r];
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(DateError::Format(s.to_string()));
            }
            part.parse().map_err(|_| DateError::Format(s.to_string()))
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Date::new(y as i32, m, d).ok_or_else(|| DateError::NotReal(s.to_string()))
    }

    /// Parses the compact `YYYYMMDD` form used inside citizen IDs.
    pub fn parse_compact(s: &str) -> Option<Date> {
        if s.len() != 8 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Date::new(
            s[0..4].parse().ok()?,
            s[4..6].parse().ok()?,
            s[6..8].parse().ok()?,
        )
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The UTC+8 (China Standard Time) calendar date of a unix time in milliseconds.
    pub fn from_unix_ms(ms: u64) -> Date {
        Date::from_days(((ms / 1000 + 8 * 3600) / 86_400) as i64)
    }

    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.to_days() + n)
    }

    pub fn quarter(self) -> Quarter {
        Quarter {
            year: self.year,
            q: (self.month - 1) / 3 + 1,
        }
    }

    /// Whole years from `self` (a birth date) to `on`.
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        Date::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A calendar quarter, written `YYYYQn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    pub fn parse(s: &str) -> Result<Quarter, DateError> {
        let b = s.as_bytes();
        let bad = || DateError::Quarter(s.to_string());
        if b.len() != 6 || b[4] != b'Q' || !s[..4].bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let q = u32::from(b[5].wrapping_sub(b'0'));
        if !(1..=4).contains(&q) {
            return Err(bad());
        }
        Ok(Quarter {
            year: s[..4].parse().map_err(|_| bad())?,
            q,
        })
    }

    pub fn first_day(self) -> Date {
        Date::new(self.year, (self.q - 1) * 3 + 1, 1).expect("valid quarter")
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}Q{}", self.year, self.q)
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quarter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Quarter, D::Error> {
        Quarter::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(matches!(
            Date::parse("2023-02-29"),
            Err(DateError::NotReal(_))
        ));
        assert!(matches!(Date::parse("2023-2-9"), Err(DateError::Format(_))));
        assert_eq!(Date::parse("1970-01-01").unwrap().to_days(), 0);
        assert_eq!(Quarter::parse("2026Q4").unwrap().to_string(), "2026Q4");
        assert!(Quarter::parse("2026Q5").is_err());
        assert!(Quarter::parse("2026-Q1").is_err());
    }

    proptest! {
        #[test]
        fn days_round_trip(d in -200_000i64..200_000) {
            prop_assert_eq!(Date::from_days(d).to_days(), d);
        }
    }
}
