//! Citizen identity numbers (公民身份号码, GB 11643-1999).
//!
//! 18 characters: a 6-digit address code, the 8-digit birth date, a 3-digit
//! sequence whose last digit is odd for men and even for women, and a check
//! character `0-9` or `X` computed with ISO 7064 MOD 11-2.

use crate::date::Date;
use liudong_i18n::t;
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// Why a string is not a valid citizen ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenIdError {
    #[error("{}", t!("error-citizen-length", id = .id, len = .len))]
    Length { id: String, len: usize },
    #[error("{}", t!("error-citizen-characters", id = .id))]
    Characters { id: String },
    #[error("{}", t!("error-citizen-birth-date", id = .id, date = .date))]
    BirthDate { id: String, date: String },
    #[error("{}", t!("error-citizen-check-digit", id = .id, expected = .expected.to_string()))]
    CheckDigit { id: String, expected: char },
}

/// A citizen ID whose format, birth date and check digit are valid.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CitizenId(String);

/// Computes the GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] as char
}

impl CitizenId {
    pub fn parse(s: &str) -> Result<CitizenId, CitizenIdError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(CitizenIdError::Length {
                len: s.chars().count(),
                id: s,
            });
        }
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(CitizenIdError::Characters { id: s });
        }
        if Date::parse_compact(&s[6..14]).is_none() {
            return Err(CitizenIdError::BirthDate {
                date: s[6..14].to_string(),
                id: s,
            });
        }
        let expected = check_char(&b[..17]);
        if b[17] as char != expected {
            return Err(CitizenIdError::CheckDigit { id: s, expected });
        }
        Ok(CitizenId(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        Date::parse_compact(&self.0[6..14]).expect("checked at construction")
    }

    /// True for an odd sequence digit (male), false for even (female).
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    /// A form safe for logs above debug level: address code and check digit hidden.
    pub fn redacted(&self) -> String {
        format!("******{}********", &self.0[6..10])
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", self.redacted())
    }
}

impl Serialize for CitizenId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CitizenId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CitizenId, D::Error> {
        CitizenId::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_rules() {
        // Synthetic: address 410602, born 1990-01-01, sequence 123.
        let first17 = "41060219900101123";
        let c = check_char(first17.as_bytes());
        let good = format!("{first17}{c}");
        let id = CitizenId::parse(&good).unwrap();
        assert!(id.is_male());
        assert_eq!(id.birth_date().to_string(), "1990-01-01");
        let wrong = if c == '0' { '1' } else { '0' };
        let e = CitizenId::parse(&format!("{first17}{wrong}")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "公民身份号码“{first17}{wrong}”的校验位不对（按前 17 位应为 {c}），请对照身份证核对每一位"
            )
        );
        assert!(matches!(
            CitizenId::parse("41060219901301123X"),
            Err(CitizenIdError::BirthDate { .. })
        ));
        assert!(matches!(
            CitizenId::parse("4106"),
            Err(CitizenIdError::Length { .. })
        ));
        assert!(!format!("{id:?}").contains("410602"));
    }
}
