//! The columns of a migrant ledger (流动人口台账): the fields a row may carry,
//! the headers cadres give them (the default header and its common
//! synonyms), and `--map` files that name or ignore other columns.
//! docs/ledgers.md has the same table for operators.
//!
//! A column is known by its header *label*: the text of a one-row header,
//! or for a two-row grouped header (`户籍地` over `详细地址 | 代码`) the
//! group and the sub-header. A label is matched after [`normalize`], first
//! as written, then without a trailing note in brackets (`联系电话（手机）`).

use crate::error::{LedgerError, Result};
use liudong_i18n::t;
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
    /// 户籍地代码: a 12-digit village code (or, written as text, an address).
    Origin,
    /// 户籍地址: free text resolved to the origin code.
    OriginAddress,
    /// 现居住地代码.
    Residence,
    /// 现居住地址: resolved to the residence code where none is given; its
    /// detail (house number) is the inflow's address.
    Address,
    LeaveDate,
    Purpose,
    ExpectedMonths,
    CertificateNumber,
    ValidFrom,
    ValidUntil,
    Children,
    ArrivalDate,
    Employer,
}

/// One field: its `--map` name, default header, the other headers known
/// without a map (normalised), and whether every ledger needs it.
pub struct Column {
    pub field: Field,
    pub key: &'static str,
    pub header: &'static str,
    pub synonyms: &'static [&'static str],
    pub required: bool,
}

const fn col(
    field: Field,
    key: &'static str,
    header: &'static str,
    synonyms: &'static [&'static str],
) -> Column {
    Column {
        field,
        key,
        header,
        synonyms,
        required: false,
    }
}

const fn required(c: Column) -> Column {
    Column {
        required: true,
        ..c
    }
}

/// Every field, in the order of the default ledger.
pub const COLUMNS: [Column; 21] = [
    required(col(
        Field::Subject,
        "subject",
        "公民身份号码",
        &[
            "身份证号",
            "身份证号码",
            "公民身份证号码",
            "公民身份证号",
            "公民身份号",
            "身份证",
            "身份证件号码",
            "证件号码",
        ],
    )),
    required(col(
        Field::Name,
        "name",
        "姓名",
        &["人员姓名", "流动人口姓名"],
    )),
    col(Field::Sex, "sex", "性别", &[]),
    col(
        Field::BirthDate,
        "birth_date",
        "出生日期",
        &["出生年月", "出生年月日", "出生时间"],
    ),
    col(
        Field::MaritalStatus,
        "marital_status",
        "婚姻状况",
        &["婚姻状态", "婚否"],
    ),
    col(
        Field::Hukou,
        "hukou",
        "户口性质",
        &["户籍性质", "户口类型", "户口类别"],
    ),
    col(
        Field::Household,
        "household",
        "户号",
        &["户主姓名", "户编号"],
    ),
    col(
        Field::Phone,
        "phone",
        "联系电话",
        &["电话", "手机号码", "手机", "手机号", "联系方式", "电话号码"],
    ),
    col(
        Field::Origin,
        "origin",
        "户籍地代码",
        &[
            "户籍地区划代码",
            "户籍地行政区划代码",
            "户籍所在地代码",
            "户籍地统计用区划代码",
        ],
    ),
    col(
        Field::OriginAddress,
        "origin_address",
        "户籍地址",
        &[
            "户籍地",
            "户籍地地址",
            "户籍地详细地址",
            "户籍所在地",
            "户籍所在地址",
            "户籍所在地详细地址",
            "户口所在地",
            "户口地址",
            "户籍住址",
        ],
    ),
    col(
        Field::Residence,
        "residence",
        "现居住地代码",
        &["现居住地区划代码", "现居地代码", "居住地代码"],
    ),
    col(
        Field::Address,
        "address",
        "现居住地址",
        &[
            "现住址",
            "现居住地",
            "现居住地地址",
            "现居住地详细地址",
            "现居地址",
            "现住地址",
            "居住地址",
            "居住地",
            "现居住详细地址",
        ],
    ),
    col(
        Field::LeaveDate,
        "leave_date",
        "流出日期",
        &[
            "外出日期",
            "流出时间",
            "外出时间",
            "离开户籍地日期",
            "离开户籍地时间",
        ],
    ),
    col(
        Field::Purpose,
        "purpose",
        "外出原因",
        &["流动原因", "外出目的", "流出原因"],
    ),
    col(
        Field::ExpectedMonths,
        "expected_months",
        "预计外出月数",
        &["预计外出时间(月)", "外出期限(月)"],
    ),
    col(
        Field::CertificateNumber,
        "certificate_number",
        "婚育证明编号",
        &[
            "婚育证明号",
            "婚育证明号码",
            "婚育证明书编号",
            "证明编号",
            "证明号码",
        ],
    ),
    col(
        Field::ValidFrom,
        "valid_from",
        "发证日期",
        &["有效期自", "有效期起", "发证时间", "办证日期", "办证时间"],
    ),
    col(
        Field::ValidUntil,
        "valid_until",
        "有效期至",
        &["有效期止", "有效期限至", "到期日期", "有效期截止"],
    ),
    col(
        Field::Children,
        "children",
        "现有子女数",
        &["子女数", "现有子女", "子女个数"],
    ),
    col(
        Field::ArrivalDate,
        "arrival_date",
        "流入日期",
        &[
            "来本地日期",
            "流入时间",
            "来本地时间",
            "到达日期",
            "到达时间",
            "流入本地时间",
            "来现居住地时间",
        ],
    ),
    col(
        Field::Employer,
        "employer",
        "工作单位",
        &["务工单位", "务工经商单位", "就业单位", "单位名称"],
    ),
];

/// The column description of `field`.
pub fn column(field: Field) -> &'static Column {
    COLUMNS
        .iter()
        .find(|c| c.field == field)
        .expect("every field has a column")
}

/// Where a row's origin comes from: the code column or the address column.
pub const ORIGIN_FIELDS: [Field; 2] = [Field::Origin, Field::OriginAddress];

/// A header as compared: full-width forms folded to ASCII, without spaces,
/// line breaks, joining dots (`户籍地·代码`) and a required-marker (`*`,
/// `(必填)`).
pub fn normalize(header: &str) -> String {
    let s: String = header
        .chars()
        .map(crate::values::fold_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '・' | '•'))
        .collect();
    let s = s.trim_end_matches("(必填)").trim_matches('*');
    s.to_string()
}

/// A normalised header without a trailing note in brackets, if it has one.
fn without_note(h: &str) -> Option<&str> {
    let inner = h.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    (open > 0).then(|| &h[..open])
}

/// The label of one column: its header text, one row or two (grouped).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Label {
    /// The header cell (the group, for a two-row header).
    pub group: String,
    /// The cell below it in a two-row header (empty if none or the same).
    pub sub: String,
}

impl Label {
    pub fn one(text: &str) -> Label {
        Label {
            group: text.trim().to_string(),
            sub: String::new(),
        }
    }

    /// As the operator reads it: `户籍地·代码` for a grouped column.
    pub fn display(&self) -> String {
        match (self.group.is_empty(), self.sub.is_empty()) {
            (_, true) => self.group.clone(),
            (true, false) => self.sub.clone(),
            (false, false) => format!("{}·{}", self.group, self.sub),
        }
    }

    fn is_empty(&self) -> bool {
        normalize(&self.group).is_empty() && normalize(&self.sub).is_empty()
    }

    /// The texts the column may be known by, best first: the group and
    /// sub-header together (户籍地 + 代码 = 户籍地代码), then the sub-header
    /// alone (流出情况 / 流出时间); a one-row header is its own text.
    fn candidates(&self) -> Vec<String> {
        if self.sub.trim().is_empty() {
            return vec![self.group.trim().to_string()];
        }
        let mut c = vec![format!("{}{}", self.group.trim(), self.sub.trim())];
        c.push(self.sub.trim().to_string());
        c
    }
}

/// What a `--map` entry does with a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Field(Field),
    Ignore,
}

/// Map values that ignore a column.
const IGNORE: [&str; 3] = ["ignore", "忽略", "不导入"];

/// A `--map` file: `[columns]` header = field name (or Chinese header, or
/// `ignore`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    columns: BTreeMap<String, String>,
}

/// Header → field, from the defaults and an optional `--map` file (whose
/// entries come first).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    custom: BTreeMap<String, Target>,
    /// The entries as written, by normalised header (to say which matched nothing).
    written: BTreeMap<String, String>,
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
        let mut m = Mapping::default();
        for (header, value) in file.columns {
            let v = value.trim();
            let target = if IGNORE.contains(&v) {
                Target::Ignore
            } else {
                match COLUMNS.iter().find(|c| c.key == v || c.header == v) {
                    Some(c) => Target::Field(c.field),
                    None => {
                        return Err(LedgerError::UnknownField {
                            fields: COLUMNS
                                .iter()
                                .map(|c| format!("{} ({})", c.key, c.header))
                                .collect::<Vec<_>>()
                                .join(", "),
                            header,
                            key: value,
                        });
                    }
                }
            };
            let h = normalize(&header);
            m.custom.insert(h.clone(), target);
            m.written.insert(h, header);
        }
        Ok(m)
    }

    /// What a normalised text names: the map's entry, else a default header.
    fn lookup(&self, h: &str) -> Option<Target> {
        if h.is_empty() {
            return None;
        }
        let try_one = |h: &str| {
            self.custom.get(h).copied().or_else(|| {
                COLUMNS
                    .iter()
                    .find(|c| c.header == h || c.key == h || c.synonyms.contains(&h))
                    .map(|c| Target::Field(c.field))
            })
        };
        try_one(h).or_else(|| without_note(h).and_then(try_one))
    }

    /// What a column's label names, and the text that named it.
    fn target(&self, label: &Label) -> Option<(Target, String)> {
        label.candidates().into_iter().find_map(|c| {
            let t = self.lookup(&normalize(&c))?;
            Some((t, c))
        })
    }

    /// The field a one-row header names, if any.
    pub fn field(&self, header: &str) -> Option<Field> {
        match self.target(&Label::one(header)) {
            Some((Target::Field(f), _)) => Some(f),
            _ => None,
        }
    }

    /// Reads a header row: the column of each field present and the
    /// columns not used. [`Resolved::check`] says whether a ledger can be
    /// read with it.
    pub fn columns(&self, labels: &[Label]) -> Resolved {
        let mut r = Resolved {
            headers: labels.iter().map(Label::display).collect(),
            ..Resolved::default()
        };
        let mut matched = Vec::new();
        for (i, label) in labels.iter().enumerate() {
            match self.target(label) {
                Some((Target::Field(f), text)) => {
                    if let Some(&prev) = r.index.get(&f) {
                        r.duplicate.get_or_insert(LedgerError::DuplicateColumn {
                            first: column_name(prev, &r.headers[prev]),
                            second: column_name(i, &r.headers[i]),
                            field: column(f).header.to_string(),
                        });
                        continue;
                    }
                    r.index.insert(f, i);
                    matched.push(normalize(&text));
                    r.headers[i] = text;
                }
                Some((Target::Ignore, text)) => {
                    matched.push(normalize(&text));
                    r.ignored.push(label.display());
                }
                None if label.is_empty() => {}
                None => r.unused.push(label.display()),
            }
        }
        r.unmatched_map = self
            .written
            .iter()
            .filter(|(h, _)| !matched.contains(h))
            .map(|(_, w)| w.clone())
            .collect();
        r
    }
}

/// `D 列（户籍地代码）`: a column as messages name it.
pub fn column_name(i: usize, header: &str) -> String {
    t!("ledger-column-name", letter = letter(i), header = header)
}

/// Where each field is in a sheet.
#[derive(Debug, Default)]
pub struct Resolved {
    pub index: BTreeMap<Field, usize>,
    /// Per column, the header a rejects file gives it: the text that named
    /// its field (`户籍地代码` for 户籍地 / 代码), else the label as shown.
    pub headers: Vec<String>,
    /// Columns that name no field (their cells are not imported).
    pub unused: Vec<String>,
    /// Columns `--map` says to ignore.
    pub ignored: Vec<String>,
    /// `--map` entries that matched no column.
    pub unmatched_map: Vec<String>,
    /// The first field given by two columns (the second is not used).
    pub duplicate: Option<LedgerError>,
}

impl Resolved {
    /// Required fields without a column, as their headers (the origin as
    /// `户籍地代码或户籍地址`).
    pub fn missing(&self) -> Vec<String> {
        let mut missing: Vec<String> = COLUMNS
            .iter()
            .filter(|c| c.required && !self.index.contains_key(&c.field))
            .map(|c| c.header.to_string())
            .collect();
        if !ORIGIN_FIELDS.iter().any(|f| self.index.contains_key(f)) {
            missing.push(t!(
                "ledger-either-column",
                first = column(Field::Origin).header,
                second = column(Field::OriginAddress).header
            ));
        }
        missing
    }

    /// Fields found (how close a header row is to a ledger's).
    pub fn found(&self) -> usize {
        self.index.len()
    }

    /// Whether a ledger can be read with these columns: no field given
    /// twice, no required field missing. `rows` names the header row(s).
    pub fn check(&mut self, rows: &str) -> Result<()> {
        if let Some(e) = self.duplicate.take() {
            return Err(e);
        }
        let missing = self.missing();
        if missing.is_empty() {
            return Ok(());
        }
        Err(LedgerError::MissingColumns {
            rows: rows.to_string(),
            missing: missing.join(&t!("ledger-list-separator")),
        })
    }
}

/// Why a row cannot be imported: the column at fault (if one is) and the
/// reason, in the operator's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub field: Option<Field>,
    pub reason: String,
}

impl RowError {
    pub fn at(field: Field, reason: impl Into<String>) -> RowError {
        RowError {
            field: Some(field),
            reason: reason.into(),
        }
    }
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

    fn labels(h: &[&str]) -> Vec<Label> {
        h.iter().map(|s| Label::one(s)).collect()
    }

    fn grouped(h: &[(&str, &str)]) -> Vec<Label> {
        h.iter()
            .map(|(g, s)| Label {
                group: g.to_string(),
                sub: s.to_string(),
            })
            .collect()
    }

    #[test]
    fn default_headers_synonyms_and_markers_resolve() {
        let m = Mapping::default();
        let mut r = m.columns(&labels(&[
            "序号",
            "姓名*",
            " 公民身份\n号码 ",
            "户籍地代码（必填）",
            "流入时间",
            "联系电话（手机）",
            "备注",
        ]));
        r.check("1").unwrap();
        assert_eq!(r.index[&Field::Name], 1);
        assert_eq!(r.index[&Field::Subject], 2);
        assert_eq!(r.index[&Field::Origin], 3);
        assert_eq!(r.index[&Field::ArrivalDate], 4);
        assert_eq!(r.index[&Field::Phone], 5);
        assert_eq!(r.unused, vec!["序号", "备注"]);
        assert_eq!(m.field("身份证号"), Some(Field::Subject));
        assert_eq!(m.field("户籍所在地"), Some(Field::OriginAddress));
        assert_eq!(m.field("外出时间"), Some(Field::LeaveDate));
        // Every default header and synonym names its own field, once.
        for c in &COLUMNS {
            for h in std::iter::once(&c.header).chain(c.synonyms) {
                assert_eq!(m.field(h), Some(c.field), "{h}");
                let owners = COLUMNS
                    .iter()
                    .filter(|o| o.header == *h || o.synonyms.contains(h))
                    .count();
                assert_eq!(owners, 1, "{h} names more than one field");
            }
        }
    }

    #[test]
    fn a_grouped_header_names_fields_by_group_and_sub_header() {
        let mut r = Mapping::default().columns(&grouped(&[
            ("序号", ""),
            ("姓名", ""),
            ("公民身份号码", ""),
            ("户籍地", "详细地址"),
            ("户籍地", "代码"),
            ("现居住地", "地址"),
            ("流出情况", "流出时间"),
            ("婚育证明", "编号"),
            ("家庭情况", "备注"),
        ]));
        r.check("3–4").unwrap();
        assert_eq!(r.index[&Field::OriginAddress], 3);
        assert_eq!(r.index[&Field::Origin], 4);
        assert_eq!(r.index[&Field::Address], 5);
        assert_eq!(r.index[&Field::LeaveDate], 6);
        assert_eq!(r.index[&Field::CertificateNumber], 7);
        assert_eq!(r.unused, vec!["序号", "家庭情况·备注"]);
        // A rejects file's one header row names the same fields.
        assert_eq!(r.headers[4], "户籍地代码");
        assert_eq!(r.headers[6], "流出时间");
        assert_eq!(r.headers[8], "家庭情况·备注");
        let flat: Vec<&str> = r.headers.iter().map(String::as_str).collect();
        let again = Mapping::default().columns(&labels(&flat));
        assert_eq!(again.index, r.index);
    }

    #[test]
    fn only_what_is_missing_is_missing_and_a_doubled_field_is_refused() {
        let m = Mapping::default();
        let r = m.columns(&labels(&["姓名", "户籍地址", "流出日期"]));
        assert_eq!(r.missing(), ["公民身份号码"]);
        let r = m.columns(&labels(&["姓名", "身份证号"]));
        assert_eq!(r.missing(), ["户籍地代码或户籍地址"]);
        let e = m
            .columns(&labels(&["流出日期", "姓名"]))
            .check("3")
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("第 3 行") && msg.contains("公民身份号码、户籍地代码或户籍地址"),
            "{msg}"
        );
        assert!(!msg.contains("姓名"), "{msg}");
        let mut r = m.columns(&labels(&["户籍地址", "身份证号", "姓名"]));
        assert!(r.check("1").is_ok());
        let e = m
            .columns(&labels(&["姓名", "身份证号", "公民身份号码", "户籍地代码"]))
            .check("1")
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("B 列（身份证号）") && msg.contains("C 列（公民身份号码）"),
            "{msg}"
        );
    }

    #[test]
    fn a_map_names_or_ignores_any_column() {
        let m = Mapping::parse(
            "[columns]\n\"证件号\" = \"subject\"\n\"户籍村\" = \"户籍地代码\"\n\"现住址\" = \"ignore\"\n\"没有这列\" = \"name\"\n",
        )
        .unwrap();
        let r = m.columns(&labels(&["证件号", "姓名", "户籍村", "现住址"]));
        assert_eq!(r.index[&Field::Subject], 0);
        assert_eq!(r.index[&Field::Origin], 2);
        assert!(!r.index.contains_key(&Field::Address));
        assert_eq!(r.ignored, vec!["现住址"]);
        assert_eq!(r.unmatched_map, vec!["没有这列"]);
        let e = Mapping::parse("[columns]\n\"证件号\" = \"id_card\"\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("id_card") && msg.contains("subject"), "{msg}");
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
