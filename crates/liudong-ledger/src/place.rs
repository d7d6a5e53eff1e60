//! A row's origin and residence: the 12-digit village code a ledger gives,
//! or the code its address names (`liudong_core::address::resolve`, in the
//! importing node's jurisdiction).
//!
//! Each place has two cells: the code column (户籍地代码, 现居住地代码) and
//! the address column (户籍地址, 现居住地址). A cell holding only digits
//! (full-width too) or other ASCII is a code; a cell with Chinese text is an
//! address, in either column. The code column wins; an address given as
//! well must then name the same village (or no division at all, e.g. just
//! `3组`), else the row is refused. The text after the division (house
//! number, 组, building) is the place's *detail*.

use crate::columns::{Field, RowError, column};
use crate::values::fold;
use liudong_core::address::{self, AddressError, Candidate};
use liudong_core::{Code, Level};
use liudong_i18n::t;

/// A division named by an address: what the dry run shows for checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The column the text is in.
    pub field: Field,
    pub text: String,
    pub code: Code,
    /// `云南省 临沧市 镇康县 南伞镇 新城社区居民委员会`.
    pub full_name: String,
    /// What follows the division in the text (house number, 组), trimmed.
    pub detail: String,
}

/// A row's origin or residence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub code: Code,
    /// The address text beyond the village (empty if none).
    pub detail: String,
    /// Set when the code came from an address.
    pub resolution: Option<Resolution>,
}

/// The two cells of a place: (column, trimmed text) of the code and of
/// the address.
#[derive(Debug, Clone, Copy)]
pub struct PlaceCells<'a> {
    pub code: (Field, &'a str),
    pub address: (Field, &'a str),
}

/// A cell that holds a code rather than an address (no Chinese text).
fn is_code(text: &str) -> bool {
    fold(text).is_ascii()
}

/// A 12-digit village code of the division table.
fn parse_code(field: Field, text: &str) -> Result<Code, RowError> {
    let s = fold(text);
    let bad = || {
        RowError::at(
            field,
            t!(
                "ledger-code-format",
                text = text,
                digits = s.chars().count()
            ),
        )
    };
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let c = Code::parse(&s).map_err(|_| bad())?;
    if c.level() != Level::Village {
        return Err(RowError::at(
            field,
            t!(
                "ledger-code-level",
                code = c.as_str(),
                level = level_name(c.level())
            ),
        ));
    }
    let t = liudong_core::divisions::table();
    if !t.contains(c.as_str()) {
        return Err(RowError::at(
            field,
            t!(
                "ledger-code-unknown",
                code = c.as_str(),
                date = t.data_date()
            ),
        ));
    }
    Ok(c)
}

/// Resolves an address at village level inside `within`.
fn resolve(field: Field, text: &str, within: &Code) -> Result<Resolution, RowError> {
    let r = address::resolve(text, within, Level::Village)
        .map_err(|e| RowError::at(field, describe(&e)))?;
    Ok(Resolution {
        field,
        text: text.to_string(),
        detail: r.detail(text).to_string(),
        code: r.code,
        full_name: r.full_name,
    })
}

/// The place `cells` give (none if both are empty).
pub fn place(cells: PlaceCells<'_>, within: &Code) -> Result<Option<Place>, RowError> {
    let (code_field, code_text) = cells.code;
    let (addr_field, addr_text) = cells.address;
    let from_code = match code_text {
        "" => None,
        t if is_code(t) => Some(Place {
            code: parse_code(code_field, t)?,
            detail: String::new(),
            resolution: None,
        }),
        t => Some(from_address(resolve(code_field, t, within)?)),
    };
    let Some(mut place) = from_code else {
        return match addr_text {
            "" => Ok(None),
            t if is_code(t) => Ok(Some(Place {
                code: parse_code(addr_field, t)?,
                detail: String::new(),
                resolution: None,
            })),
            t => Ok(Some(from_address(resolve(addr_field, t, within)?))),
        };
    };
    if addr_text.is_empty() {
        return Ok(Some(place));
    }
    // Both given: the address must not name another village.
    let named = if is_code(addr_text) {
        Some((parse_code(addr_field, addr_text)?, String::new()))
    } else {
        match resolve(addr_field, addr_text, within) {
            Ok(r) => Some((r.code, r.detail)),
            // Only detail (3组), or text the table does not know: kept as written.
            Err(_) => None,
        }
    };
    match named {
        Some((code, _)) if code != place.code => Err(RowError::at(
            addr_field,
            t!(
                "ledger-place-mismatch",
                address = addr_text,
                named = division(&code),
                column = column(code_field).header,
                given = division(&place.code)
            ),
        )),
        Some((_, detail)) => {
            place.detail = detail;
            Ok(Some(place))
        }
        None => {
            place.detail = addr_text.to_string();
            Ok(Some(place))
        }
    }
}

fn from_address(r: Resolution) -> Place {
    Place {
        code: r.code.clone(),
        detail: r.detail.clone(),
        resolution: Some(r),
    }
}

/// `云南省 临沧市 镇康县 南伞镇 新城社区居民委员会（530924103001）`.
pub fn division(code: &Code) -> String {
    let name = address::index()
        .full_name(code.as_str())
        .unwrap_or_default();
    t!("ledger-candidate", name = name, code = code.as_str())
}

fn level_name(level: Level) -> String {
    match level {
        Level::National => t!("ledger-level-national"),
        Level::Province => t!("ledger-level-province"),
        Level::Prefecture => t!("ledger-level-prefecture"),
        Level::County => t!("ledger-level-county"),
        Level::Township => t!("ledger-level-township"),
        Level::Village => t!("ledger-level-village"),
    }
}

fn candidates(list: &[Candidate]) -> String {
    list.iter()
        .map(|c| {
            t!(
                "ledger-candidate",
                name = c.full_name.as_str(),
                code = c.code.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(&t!("ledger-candidate-separator"))
}

/// Why an address does not resolve, with the divisions it may mean.
pub fn describe(e: &AddressError) -> String {
    match e {
        AddressError::Empty => t!("ledger-address-empty"),
        AddressError::Unknown {
            text,
            candidates: c,
        } if c.is_empty() => {
            t!("ledger-address-unknown", text = text.as_str())
        }
        AddressError::Unknown {
            text,
            candidates: c,
        } => t!(
            "ledger-address-unknown-near",
            text = text.as_str(),
            candidates = candidates(c)
        ),
        AddressError::OutsideContext {
            text,
            within,
            candidates: c,
        } => t!(
            "ledger-address-outside",
            text = text.as_str(),
            within = division(within),
            candidates = candidates(c)
        ),
        AddressError::Ambiguous {
            text,
            candidates: c,
        } => t!(
            "ledger-address-ambiguous",
            text = text.as_str(),
            candidates = candidates(c)
        ),
        AddressError::Incomplete {
            text,
            resolved,
            unrecognised,
            candidates: c,
            ..
        } => {
            let named = t!(
                "ledger-candidate",
                name = resolved.full_name.as_str(),
                code = resolved.code.as_str()
            );
            let level = level_name(resolved.level);
            match (unrecognised.is_empty(), c.is_empty()) {
                (true, _) => t!(
                    "ledger-address-incomplete",
                    text = text.as_str(),
                    level = level,
                    named = named
                ),
                (false, true) => t!(
                    "ledger-address-incomplete-rest",
                    text = text.as_str(),
                    level = level,
                    named = named,
                    rest = unrecognised.as_str()
                ),
                (false, false) => t!(
                    "ledger-address-incomplete-near",
                    text = text.as_str(),
                    level = level,
                    named = named,
                    rest = unrecognised.as_str(),
                    candidates = candidates(c)
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 云南省 临沧市 镇康县 (530924): the Yunnan county of the examples.
    const ZHENKANG: &str = "530924";

    fn within() -> Code {
        Code::parse(ZHENKANG).unwrap()
    }

    fn origin<'a>(code: &'a str, address: &'a str) -> PlaceCells<'a> {
        PlaceCells {
            code: (Field::Origin, code),
            address: (Field::OriginAddress, address),
        }
    }

    fn named(code: &str, name: &str) {
        assert_eq!(address::index().name(code).as_deref(), Some(name), "{code}");
    }

    #[test]
    fn an_address_gives_the_code_and_keeps_its_detail() {
        named("530924103001", "新城社区居民委员会");
        let p = place(origin("", "南伞镇新城社区12号"), &within())
            .unwrap()
            .unwrap();
        assert_eq!(p.code.as_str(), "530924103001");
        assert_eq!(p.detail, "12号");
        let r = p.resolution.unwrap();
        assert_eq!(r.field, Field::OriginAddress);
        assert_eq!(
            r.full_name,
            "云南省 临沧市 镇康县 南伞镇 新城社区居民委员会"
        );
        // Text in the code column is an address too; full-width digits are a code.
        let p = place(origin("南伞镇新城社区", ""), &within())
            .unwrap()
            .unwrap();
        assert_eq!(p.resolution.unwrap().field, Field::Origin);
        let p = place(origin("５３０９２４１０３００１", ""), &within())
            .unwrap()
            .unwrap();
        assert_eq!(p.code.as_str(), "530924103001");
        assert!(p.resolution.is_none());
        // Another province by its full path.
        named("410602100204", "北杨邑村民委员会");
        let p = place(
            origin("", "河南省鹤壁市鹤山区鹤壁集镇北杨邑村3组"),
            &within(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.code.as_str(), "410602100204");
        assert_eq!(p.detail, "3组");
        assert_eq!(place(origin("", ""), &within()), Ok(None));
    }

    #[test]
    fn a_code_and_an_address_must_agree() {
        // The same village, or only detail: the code, with the detail.
        let p = place(origin("530924103001", "新城社区5号"), &within())
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.code.as_str(), p.detail.as_str()),
            ("530924103001", "5号")
        );
        let p = place(origin("530924103001", "3组"), &within())
            .unwrap()
            .unwrap();
        assert_eq!(p.detail, "3组");
        // Another village: refused, naming both.
        named("530924103201", "南伞村民委员会");
        let e = place(origin("530924103201", "南伞镇新城社区"), &within()).unwrap_err();
        assert_eq!(e.field, Some(Field::OriginAddress));
        assert!(
            e.reason.contains("530924103001") && e.reason.contains("530924103201"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn ambiguous_unknown_and_bad_codes_are_explained() {
        // 忙丙村: a village of 勐捧镇 and one of 忙丙乡.
        named("530924102216", "忙丙村民委员会");
        named("530924201201", "忙丙村民委员会");
        let e = place(origin("", "忙丙村"), &within()).unwrap_err();
        assert!(
            e.reason.contains("530924102216")
                && e.reason.contains("530924201201")
                && e.reason.contains("勐捧镇"),
            "{}",
            e.reason
        );
        let e = place(origin("", "南伞镇新成社区"), &within()).unwrap_err();
        assert!(e.reason.contains("新成社区"), "{}", e.reason);
        let e = place(origin("5309241030", ""), &within()).unwrap_err();
        assert_eq!(e.field, Some(Field::Origin));
        assert!(e.reason.contains("12"), "{}", e.reason);
        let e = place(origin("530924103", ""), &within()).unwrap_err();
        assert!(e.reason.contains("530924103"), "{}", e.reason);
        let e = place(origin("530924103999", ""), &within()).unwrap_err();
        assert!(e.reason.contains("530924103999"), "{}", e.reason);
    }
}
