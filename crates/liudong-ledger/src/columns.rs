//! The columns of a migrant ledger (流动人口台账): the fields a row may carry,
//! their default Chinese headers, and `--map` files for ledgers with other
//! headers. docs/ledgers.md has the same table for operators.

use crate::error::{LedgerError, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A field of a ledger row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Subject,
    Name,
    Sex,
    BirthDate,
    MaritalStatus,
    Hukou,
    Household,
    Phone,
    Origin,
    Residence,
    LeaveDate,
    Purpose,
    ExpectedMonths,
    CertificateNumber,
    ValidFrom,
    ValidUntil,
    Children,
    ArrivalDate,
    Address,
    Employer,
}

/// One field: its `--map` name, default header, other headers recognised
/// without a map, whether every row needs it, and the format it takes.
pub struct Column {
    pub field: Field,
    pub key: &'static str,
    pub header: &'static str,
    pub english: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub format: &'static str,
}

const fn col(
    field: Field,
    key: &'static str,
    header: &'static str,
    english: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    format: &'static str,
) -> Column {
    Column {
        field,
        key,
        header,
        english,
        aliases,
        required,
        format,
    }
}

/// Every field, in the order of the default ledger.
pub const COLUMNS: [Column; 20] = [
    col(
        Field::Subject,
        "subject",
        "公民身份号码",
        "citizen ID",
        &["身份证号", "身份证号码", "公民身份证号码"],
        true,
        "18 characters, check digit verified",
    ),
    col(Field::Name, "name", "姓名", "name", &[], true, "text"),
    col(
        Field::Sex,
        "sex",
        "性别",
        "sex",
        &[],
        false,
        "男/女; default from the citizen ID",
    ),
    col(
        Field::BirthDate,
        "birth_date",
        "出生日期",
        "birth date",
        &[],
        false,
        "date; must match the citizen ID",
    ),
    col(
        Field::MaritalStatus,
        "marital_status",
        "婚姻状况",
        "marital status",
        &[],
        false,
        "未婚/已婚/初婚/再婚/离婚/丧偶",
    ),
    col(
        Field::Hukou,
        "hukou",
        "户口性质",
        "hukou type",
        &["户籍性质"],
        false,
        "农业/非农业",
    ),
    col(
        Field::Household,
        "household",
        "户号",
        "household",
        &["户主姓名"],
        false,
        "text",
    ),
    col(
        Field::Phone,
        "phone",
        "联系电话",
        "phone",
        &["电话", "手机号码"],
        false,
        "text",
    ),
    col(
        Field::Origin,
        "origin",
        "户籍地代码",
        "origin code",
        &["户籍地区划代码"],
        true,
        "12-digit village code in the NBS table",
    ),
    col(
        Field::Residence,
        "residence",
        "现居住地代码",
        "residence code",
        &["现居住地区划代码"],
        false,
        "12-digit village code; required with 流入日期",
    ),
    col(
        Field::LeaveDate,
        "leave_date",
        "流出日期",
        "leave date",
        &["外出日期"],
        false,
        "date; produces an outflow registration",
    ),
    col(
        Field::Purpose,
        "purpose",
        "外出原因",
        "purpose",
        &["流动原因", "外出目的"],
        false,
        "务工/经商/其他 (default 务工)",
    ),
    col(
        Field::ExpectedMonths,
        "expected_months",
        "预计外出月数",
        "expected months",
        &[],
        false,
        "whole number",
    ),
    col(
        Field::CertificateNumber,
        "certificate_number",
        "婚育证明编号",
        "certificate number",
        &["婚育证明号", "证明编号"],
        false,
        "text",
    ),
    col(
        Field::ValidFrom,
        "valid_from",
        "发证日期",
        "issued on",
        &["有效期自", "有效期起"],
        false,
        "date; with 有效期至, produces a certificate issue",
    ),
    col(
        Field::ValidUntil,
        "valid_until",
        "有效期至",
        "valid until",
        &["有效期止"],
        false,
        "date, after 发证日期",
    ),
    col(
        Field::Children,
        "children",
        "现有子女数",
        "children",
        &["子女数"],
        false,
        "whole number",
    ),
    col(
        Field::ArrivalDate,
        "arrival_date",
        "流入日期",
        "arrival date",
        &["来本地日期"],
        false,
        "date; produces an inflow registration",
    ),
    col(
        Field::Address,
        "address",
        "现居住地址",
        "address",
        &["现住址"],
        false,
        "text",
    ),
    col(
        Field::Employer,
        "employer",
        "工作单位",
        "employer",
        &["务工单位"],
        false,
        "text",
    ),
];

/// The column description of `field`.
pub fn column(field: Field) -> &'static Column {
    COLUMNS
        .iter()
        .find(|c| c.field == field)
        .expect("every field has a column")
}

/// A header as compared: without spaces, line breaks and a trailing
/// required-marker (`*`, `＊`, `（必填）`).
pub fn normalize(header: &str) -> String {
    let s: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s
        .trim_end_matches("（必填）")
        .trim_end_matches("(必填)")
        .trim_end_matches(['*', '＊']);
    s.trim_start_matches(['*', '＊']).to_string()
}

/// A `--map` file: `[columns]` header = field name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    columns: BTreeMap<String, String>,
}

/// Header → field, from the defaults and an optional `--map` file (whose
/// entries come first).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    custom: BTreeMap<String, Field>,
}

impl Mapping {
    /// Reads a `--map` TOML file.
    pub fn load(path: &Path) -> Result<Mapping> {
        let text = std::fs::read_to_string(path).map_err(|source| LedgerError::ReadMap {
            path: path.to_path_buf(),
            source,
        })?;
        Mapping::parse(&text).map_err(|e| LedgerError::InMap {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    pub fn parse(text: &str) -> Result<Mapping> {
        let file: MapFile = toml::from_str(text).map_err(LedgerError::MapSyntax)?;
        let mut custom = BTreeMap::new();
        for (header, key) in file.columns {
            let Some(c) = COLUMNS.iter().find(|c| c.key == key) else {
                return Err(LedgerError::UnknownField {
                    fields: COLUMNS.iter().map(|c| c.key).collect::<Vec<_>>().join(", "),
                    header,
                    key,
                });
            };
            custom.insert(normalize(&header), c.field);
        }
        Ok(Mapping { custom })
    }

    /// The field a header names, if any.
    pub fn field(&self, header: &str) -> Option<Field> {
        let h = normalize(header);
        if h.is_empty() {
            return None;
        }
        if let Some(f) = self.custom.get(&h) {
            return Some(*f);
        }
        COLUMNS
            .iter()
            .find(|c| c.header == h || c.key == h || c.aliases.contains(&h.as_str()))
            .map(|c| c.field)
    }

    /// Resolves a header row: the column index of each field present, and
    /// the headers not used. Refuses a sheet without a required column or
    /// with two columns for one field.
    pub fn resolve(&self, headers: &[String]) -> Result<Resolved> {
        let mut index: BTreeMap<Field, usize> = BTreeMap::new();
        let mut unused = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            match self.field(h) {
                Some(f) => {
                    if let Some(prev) = index.insert(f, i) {
                        return Err(LedgerError::DuplicateColumn {
                            first: format!("{} ({})", letter(prev), headers[prev].trim()),
                            second: format!("{} ({})", letter(i), h.trim()),
                            field: format!("{} ({})", column(f).header, column(f).key),
                        });
                    }
                }
                None if normalize(h).is_empty() => {}
                None => unused.push(h.trim().to_string()),
            }
        }
        let missing: Vec<String> = COLUMNS
            .iter()
            .filter(|c| c.required && !index.contains_key(&c.field))
            .map(|c| format!("{} ({})", c.header, c.key))
            .collect();
        if !missing.is_empty() {
            return Err(LedgerError::MissingColumns {
                missing: missing.join(", "),
            });
        }
        Ok(Resolved { index, unused })
    }
}

/// Where each field is in a sheet.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub index: BTreeMap<Field, usize>,
    /// Headers that name no field (their cells are not imported).
    pub unused: Vec<String>,
}

/// The spreadsheet letter of a 0-based column index (A, B, ..., Z, AA, ...).
pub fn letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_headers_and_aliases_resolve_and_markers_are_ignored() {
        let m = Mapping::default();
        let r = m
            .resolve(&headers(&[
                "序号",
                "姓名*",
                " 公民身份\n号码 ",
                "户籍地代码（必填）",
                "流出日期",
                "备注",
            ]))
            .unwrap();
        assert_eq!(r.index[&Field::Name], 1);
        assert_eq!(r.index[&Field::Subject], 2);
        assert_eq!(r.index[&Field::Origin], 3);
        assert_eq!(r.index[&Field::LeaveDate], 4);
        assert_eq!(r.unused, vec!["序号", "备注"]);
        assert_eq!(m.field("身份证号"), Some(Field::Subject));
    }

    #[test]
    fn a_missing_required_column_or_a_doubled_field_is_refused_with_the_way_out() {
        let m = Mapping::default();
        let e = m.resolve(&headers(&["姓名", "户籍地代码"])).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("公民身份号码 (subject)"), "{msg}");
        assert!(msg.contains("--map"), "{msg}");
        let e = m
            .resolve(&headers(&[
                "姓名",
                "身份证号",
                "公民身份号码",
                "户籍地代码",
            ]))
            .unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("columns B (身份证号) and C (公民身份号码)"),
            "{msg}"
        );
    }

    #[test]
    fn a_map_names_other_headers_and_refuses_unknown_fields() {
        let m = Mapping::parse("[columns]\n\"证件号\" = \"subject\"\n\"户籍村\" = \"origin\"\n")
            .unwrap();
        let r = m.resolve(&headers(&["证件号", "姓名", "户籍村"])).unwrap();
        assert_eq!(r.index[&Field::Subject], 0);
        assert_eq!(r.index[&Field::Origin], 2);
        let e = Mapping::parse("[columns]\n\"证件号\" = \"id_card\"\n").unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("unknown field") && msg.contains("subject"),
            "{msg}"
        );
    }

    #[test]
    fn column_letters_follow_the_spreadsheet() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
        assert_eq!(letter(701), "ZZ");
        assert_eq!(letter(702), "AAA");
    }
}
