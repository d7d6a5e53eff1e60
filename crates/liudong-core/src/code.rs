//! Statistical division codes (统计用区划代码) and the jurisdiction tree.
//!
//! A code is a string of digits whose length gives its level: province 2,
//! prefecture 4, county 6, township 9, village 12. The empty code is the
//! national scope (written `CN`). "Under P" means "starts with P".

use liudong_i18n::t;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Administrative level of a code, from its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    National,
    Province,
    Prefecture,
    County,
    Township,
    Village,
}

impl Level {
    /// Code length of this level.
    pub fn digits(self) -> usize {
        match self {
            Level::National => 0,
            Level::Province => 2,
            Level::Prefecture => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }

    /// Level of a code of `len` digits, if that is a valid length.
    pub fn from_len(len: usize) -> Option<Level> {
        Some(match len {
            0 => Level::National,
            2 => Level::Province,
            4 => Level::Prefecture,
            6 => Level::County,
            9 => Level::Township,
            12 => Level::Village,
            _ => return None,
        })
    }

    /// The level as the operator reads it, in this process's language.
    pub fn label(self) -> String {
        match self {
            Level::National => t!("ledger-level-national"),
            Level::Province => t!("ledger-level-province"),
            Level::Prefecture => t!("ledger-level-prefecture"),
            Level::County => t!("ledger-level-county"),
            Level::Township => t!("ledger-level-township"),
            Level::Village => t!("ledger-level-village"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }
}

/// Why a string is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("{}", t!("error-code-length", code = .code, len = .len))]
    Length { code: String, len: usize },
    #[error("{}", t!("error-code-not-digits", code = .code))]
    NotDigits { code: String },
    #[error(
        "{}",
        t!("error-code-wrong-level", code = .code, found = .found.label(), expected = .expected.label(), len = .len)
    )]
    WrongLevel {
        code: String,
        found: Level,
        expected: Level,
        len: usize,
    },
}

/// A checked division code (possibly empty = national).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Code(String);

impl Code {
    /// The national scope.
    pub const fn national() -> Code {
        Code(String::new())
    }

    /// Parses a code; `CN` or the empty string is the national scope.
    pub fn parse(s: &str) -> Result<Code, CodeError> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("cn") {
            return Ok(Code::national());
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::NotDigits {
                code: s.to_string(),
            });
        }
        if Level::from_len(s.len()).is_none() {
            return Err(CodeError::Length {
                code: s.to_string(),
                len: s.chars().count(),
            });
        }
        Ok(Code(s.to_string()))
    }

    /// Parses a code that must be of `level`.
    pub fn parse_level(s: &str, level: Level) -> Result<Code, CodeError> {
        let c = Code::parse(s)?;
        if c.level() != level {
            return Err(CodeError::WrongLevel {
                code: c.to_string(),
                found: c.level(),
                expected: level,
                len: level.digits(),
            });
        }
        Ok(c)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        Level::from_len(self.0.len()).expect("checked at construction")
    }

    pub fn is_national(&self) -> bool {
        self.0.is_empty()
    }

    /// True if `self` lies under (or is) `scope`.
    pub fn is_under(&self, scope: &Code) -> bool {
        self.0.starts_with(&scope.0)
    }

    /// The ancestor (or self) at `level`, if this code is at least that deep.
    pub fn at_level(&self, level: Level) -> Option<Code> {
        (self.0.len() >= level.digits()).then(|| Code(self.0[..level.digits()].to_string()))
    }

    /// The parent code one administrative level up (village → township →
    /// county → prefecture → province → national).
    pub fn parent(&self) -> Option<Code> {
        let up = match self.level() {
            Level::National => return None,
            Level::Province => Level::National,
            Level::Prefecture => Level::Province,
            Level::County => Level::Prefecture,
            Level::Township => Level::County,
            Level::Village => Level::Township,
        };
        self.at_level(up)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("CN")
        } else {
            f.write_str(&self.0)
        }
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({self})")
    }
}

impl std::str::FromStr for Code {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Code, CodeError> {
        Code::parse(s)
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_prefixes() {
        let v = Code::parse("410602100001").unwrap();
        assert_eq!(v.level(), Level::Village);
        assert_eq!(v.parent().unwrap().as_str(), "410602100");
        assert_eq!(v.at_level(Level::County).unwrap().as_str(), "410602");
        assert!(v.is_under(&Code::parse("4106").unwrap()));
        assert!(v.is_under(&Code::national()));
        assert!(!v.is_under(&Code::parse("440306").unwrap()));
        assert_eq!(Code::parse("CN").unwrap(), Code::national());
    }

    #[test]
    fn rejects_bad_codes_with_reason() {
        let e = Code::parse("41060").unwrap_err();
        assert!(e.to_string().contains("有 5 位"), "{e}");
        let e = Code::parse("41060a").unwrap_err();
        assert!(e.to_string().contains("含有非数字的字符"), "{e}");
        let e = Code::parse_level("410602", Level::Village).unwrap_err();
        assert!(
            e.to_string()
                .contains("410602 是县级代码；这里需要村（社区）级代码（12 位）"),
            "{e}"
        );
    }
}
