//! One ledger row → the records it produces, or every reason it cannot.
//!
//! A row produces, in this order (docs/ledgers.md, "一行生成哪些记录"):
//! 1. `person_registered` — always (姓名, 公民身份号码 and an origin required);
//! 2. `outflow_registered` — when 流出日期 is filled;
//! 3. `certificate_issued` — when 发证日期 and 有效期至 are filled (with 婚育证明编号);
//! 4. `inflow_registered` — when 流入日期 is filled (a residence required;
//!    the address is what the 现居住地址 says beyond the village; the
//!    certificate presented is 婚育证明编号, or none: 补办).
//!
//! The origin and the residence come from the code or the address columns
//! ([`crate::place`]). Every record carries the row's origin and residence.
//! The row is checked with the ledger's own rules (each failure a catalogue
//! message naming its column) and then each record with
//! `liudong_core::validate` (and the workflow rules where a body has any)
//! exactly as `liudong record add` would check it.

use crate::columns::{Field, Resolved, RowError, column};
use crate::place::{PlaceCells, Resolution, place};
use crate::read::Row;
use crate::values::{
    DateCell, fold, month_end, parse_count, parse_date, parse_hukou, parse_marital, parse_purpose,
    parse_sex,
};
use liudong_core::citizen::CitizenIdError;
use liudong_core::record::{
    CertificateIssued, InflowRegistered, OutflowRegistered, PersonRegistered, Sex,
};
use liudong_core::validate::{Limits, check_record};
use liudong_core::{Body, CitizenId, Code, Date, HlcClock, Record, RecordId, workflow};
use liudong_i18n::t;
use liudong_store::Draft;

/// What every row of one import shares.
pub struct RowContext {
    pub operator: String,
    /// The importing node: the author of the records, and the jurisdiction
    /// short addresses are read in.
    pub node: Code,
    pub limits: Limits,
}

impl RowContext {
    /// The latest date a record may carry (today, with the clock skew allowed).
    fn latest(&self) -> Date {
        Date::from_unix_ms(self.limits.now_ms + self.limits.max_skew_ms)
    }
}

/// What a valid row gives.
#[derive(Debug, Clone)]
pub struct RowRecords {
    pub drafts: Vec<Draft>,
    /// The places read from addresses (shown by `--dry-run`).
    pub resolved: Vec<Resolution>,
    /// A 现居住地址 detail (house number) that no record keeps: only an
    /// inflow registration records the address.
    pub detail_unrecorded: bool,
}

/// Longest text a record field takes (as `liudong_core::validate`).
const MAX_TEXT: usize = 200;

/// The cells of a row by field.
struct Cells<'a> {
    row: &'a Row,
    cols: &'a Resolved,
    errors: Vec<RowError>,
}

impl Cells<'_> {
    fn index(&self, f: Field) -> Option<usize> {
        self.cols.index.get(&f).copied()
    }

    /// The cell of `f`, trimmed ("" if the sheet has no such column).
    fn text(&self, f: Field) -> &str {
        self.index(f)
            .and_then(|i| self.row.cells.get(i))
            .map_or("", |s| s.trim())
    }

    fn filled(&self, f: Field) -> bool {
        !self.text(f).is_empty()
    }

    fn err(&mut self, f: Field, reason: impl Into<String>) {
        self.errors.push(RowError::at(f, reason));
    }

    /// A number of 16 or more digits in `f`'s cell has lost its last
    /// digits in Excel: refused, whatever it is.
    fn lost_digits(&mut self, f: Field) -> bool {
        if !self
            .index(f)
            .is_some_and(|i| self.row.long_numbers.contains(&i))
        {
            return false;
        }
        let text = self.text(f).to_string();
        let reason = if f == Field::Subject {
            t!("ledger-id-numeric", text = text)
        } else {
            t!("ledger-cell-numeric", text = text)
        };
        self.err(f, reason);
        true
    }

    /// A filled cell parsed with `parse`; an unparsable one is an error.
    fn get<T>(&mut self, f: Field, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let s = self.text(f);
        if s.is_empty() || self.lost_digits(f) {
            return None;
        }
        match parse(self.text(f)) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.err(f, reason);
                None
            }
        }
    }

    /// Free text for a record: at most [`MAX_TEXT`] characters, no control
    /// characters; full-width forms kept as written.
    fn string(&mut self, f: Field) -> String {
        if self.lost_digits(f) {
            return String::new();
        }
        let s = self.text(f).to_string();
        if let Some(reason) = text_problem(&s) {
            self.err(f, reason);
        }
        s
    }

    /// An identifier (phone, household, certificate number): folded to
    /// ASCII digits and letters where typed full-width.
    fn identifier(&mut self, f: Field) -> String {
        let s = self.string(f);
        fold(&s)
    }

    /// A date that may not be after `latest`.
    fn past_date(&mut self, f: Field, latest: Date) -> Option<DateCell> {
        let d = self.get(f, parse_date)?;
        if d.date > latest {
            self.err(f, t!("ledger-date-future", date = d.date.to_string()));
        }
        Some(d)
    }

    fn place(&mut self, code: Field, address: Field, within: &Code) -> Option<crate::place::Place> {
        if self.lost_digits(code) {
            return None;
        }
        let cells = PlaceCells {
            code: (code, self.text(code)),
            address: (address, self.text(address)),
        };
        match place(cells, within) {
            Ok(p) => p,
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }
}

/// Why `s` cannot be a record's text, if it cannot.
fn text_problem(s: &str) -> Option<String> {
    if s.chars().count() > MAX_TEXT {
        Some(t!("ledger-text-long", max = MAX_TEXT))
    } else if s.chars().any(char::is_control) {
        Some(t!("ledger-text-control"))
    } else {
        None
    }
}

/// Excel's display of a long number: `5.30924E+17`.
fn is_scientific(s: &str) -> bool {
    let s = fold(s).to_ascii_uppercase();
    let Some((mantissa, exp)) = s.split_once('E') else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exp.is_empty()
        && exp.bytes().all(|b| b.is_ascii_digit())
}

/// A citizen ID; never proposes a check digit (a mistyped digit elsewhere
/// would be "corrected" into another person's ID).
fn parse_subject(s: &str) -> Result<CitizenId, String> {
    if is_scientific(s) {
        return Err(t!("ledger-id-numeric", text = s));
    }
    CitizenId::parse(&fold(s)).map_err(|e| match e {
        CitizenIdError::Length { len, .. } => t!("ledger-id-length", text = s, len = len),
        CitizenIdError::Characters { .. } => t!("ledger-id-characters", text = s),
        CitizenIdError::BirthDate { date, .. } => {
            t!("ledger-id-birth", text = s, date = date)
        }
        CitizenIdError::CheckDigit { .. } => t!("ledger-id-check", text = s),
    })
}

/// The records row `row` produces, checked; or every error found in it.
pub fn row_drafts(
    row: &Row,
    cols: &Resolved,
    ctx: &RowContext,
) -> Result<RowRecords, Vec<RowError>> {
    let mut c = Cells {
        row,
        cols,
        errors: Vec::new(),
    };
    let latest = ctx.latest();
    let required = |c: &mut Cells, f: Field| {
        if !c.filled(f) {
            c.err(f, t!("ledger-required"));
        }
    };
    required(&mut c, Field::Subject);
    let subject = c.get(Field::Subject, parse_subject);
    if let Some(s) = &subject
        && s.birth_date() > latest
    {
        c.err(
            Field::Subject,
            t!("ledger-id-birth-future", date = s.birth_date().to_string()),
        );
    }
    required(&mut c, Field::Name);
    let name = c.string(Field::Name);
    let origin = c.place(Field::Origin, Field::OriginAddress, &ctx.node);
    if origin.is_none() && !c.filled(Field::Origin) && !c.filled(Field::OriginAddress) {
        let f = if c.index(Field::Origin).is_some() {
            Field::Origin
        } else {
            Field::OriginAddress
        };
        c.err(f, t!("ledger-origin-missing"));
    }
    let residence = c.place(Field::Residence, Field::Address, &ctx.node);
    let sex = c.get(Field::Sex, parse_sex);
    let birth = c.get(Field::BirthDate, parse_date);
    let marital = c.get(Field::MaritalStatus, parse_marital);
    let hukou = c.get(Field::Hukou, parse_hukou);
    let household = c.identifier(Field::Household);
    let phone = c.identifier(Field::Phone);
    let leave = c.past_date(Field::LeaveDate, latest);
    let purpose = c.get(Field::Purpose, parse_purpose);
    let months = c.get(Field::ExpectedMonths, parse_count);
    let cert_no = c.identifier(Field::CertificateNumber);
    let valid_from = c.get(Field::ValidFrom, parse_date);
    let valid_until = c
        .get(Field::ValidUntil, parse_date)
        .map(|d| match d.month_only {
            true => month_end(d.date.year, d.date.month).unwrap_or(d.date),
            false => d.date,
        });
    let children = c.get(Field::Children, parse_count);
    let arrival = c.past_date(Field::ArrivalDate, latest);
    let employer = c.string(Field::Employer);

    // The birth date and sex the ID says, unless the cells say otherwise.
    let mut birth_date = None;
    if let Some(s) = &subject {
        let id_birth = s.birth_date();
        birth_date = Some(id_birth);
        if let Some(b) = birth {
            let agrees = if b.month_only {
                (b.date.year, b.date.month) == (id_birth.year, id_birth.month)
            } else {
                b.date == id_birth
            };
            if !agrees {
                c.err(
                    Field::BirthDate,
                    t!(
                        "ledger-birth-mismatch",
                        date = c.text(Field::BirthDate).to_string(),
                        id_date = id_birth.to_string()
                    ),
                );
            }
        }
        let id_sex = if s.is_male() { Sex::Male } else { Sex::Female };
        if sex.is_some_and(|x| x != id_sex) {
            c.err(
                Field::Sex,
                t!("ledger-sex-mismatch", sex = c.text(Field::Sex).to_string()),
            );
        }
    }
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && until <= from.date
    {
        c.err(
            Field::ValidUntil,
            t!(
                "ledger-valid-order",
                until = until.to_string(),
                from = from.date.to_string()
            ),
        );
    }

    // A filled cell must end up in a record: nothing is silently dropped.
    let certificate = c.filled(Field::ValidFrom) || c.filled(Field::ValidUntil);
    if certificate {
        if cert_no.is_empty() {
            c.err(Field::CertificateNumber, t!("ledger-certificate-number"));
        }
        for f in [Field::ValidFrom, Field::ValidUntil] {
            if !c.filled(f) {
                c.err(f, t!("ledger-certificate-dates"));
            }
        }
    }
    let needs = [
        (Field::Purpose, Field::LeaveDate),
        (Field::ExpectedMonths, Field::LeaveDate),
        (Field::Employer, Field::ArrivalDate),
        (Field::Children, Field::ValidUntil),
    ];
    for (f, with) in needs {
        if c.filled(f) && !c.filled(with) {
            c.err(f, t!("ledger-needs", column = column(with).header));
        }
    }
    if c.filled(Field::ArrivalDate) && !c.filled(Field::Residence) && !c.filled(Field::Address) {
        let f = if c.index(Field::Residence).is_some() {
            Field::Residence
        } else {
            Field::Address
        };
        c.err(f, t!("ledger-inflow-residence"));
    }
    if !cert_no.is_empty() && !certificate && !c.filled(Field::ArrivalDate) {
        c.err(Field::CertificateNumber, t!("ledger-certificate-alone"));
    }
    // The node writes only what concerns its jurisdiction.
    if let Some(o) = &origin
        && !o.code.is_under(&ctx.node)
        && !residence
            .as_ref()
            .is_some_and(|r| r.code.is_under(&ctx.node))
    {
        let f = if c.filled(Field::Origin) {
            Field::Origin
        } else {
            Field::OriginAddress
        };
        c.err(
            f,
            t!(
                "ledger-outside-node",
                node = crate::place::division(&ctx.node)
            ),
        );
    }
    let (Some(subject), Some(origin), Some(birth_date), true) =
        (subject, origin, birth_date, c.errors.is_empty())
    else {
        return Err(c.errors);
    };

    let marital = marital.unwrap_or_default();
    let mut bodies = vec![Body::PersonRegistered(PersonRegistered {
        name,
        sex: sex.unwrap_or(if subject.is_male() {
            Sex::Male
        } else {
            Sex::Female
        }),
        birth_date,
        marital_status: marital,
        hukou: hukou.unwrap_or_default(),
        household,
        phone,
    })];
    if let Some(leave) = leave {
        bodies.push(Body::OutflowRegistered(OutflowRegistered {
            leave_date: leave.date,
            purpose: purpose.unwrap_or_default(),
            expected_months: months.unwrap_or(0),
        }));
    }
    if let (Some(valid_from), Some(valid_until)) = (valid_from, valid_until) {
        bodies.push(Body::CertificateIssued(CertificateIssued {
            number: cert_no.clone(),
            valid_from: valid_from.date,
            valid_until,
            marital_status: marital,
            children: children.unwrap_or(0),
        }));
    }
    let detail = residence
        .as_ref()
        .map_or(String::new(), |r| r.detail.clone());
    if let Some(arrival) = arrival {
        bodies.push(Body::InflowRegistered(InflowRegistered {
            arrival_date: arrival.date,
            address: detail.clone(),
            employer,
            certificate_number: (!cert_no.is_empty()).then_some(cert_no),
        }));
    }
    let resolved: Vec<Resolution> = [&origin]
        .into_iter()
        .chain(residence.as_ref())
        .filter_map(|p| p.resolution.clone())
        .collect();
    let drafts: Vec<Draft> = bodies
        .into_iter()
        .map(|body| Draft {
            operator: ctx.operator.clone(),
            subject: subject.clone(),
            origin: Some(origin.code.clone()),
            residence: residence.as_ref().map(|r| r.code.clone()),
            body,
        })
        .collect();
    check_drafts(&drafts, &origin.code, ctx)?;
    Ok(RowRecords {
        detail_unrecorded: !detail.is_empty() && arrival.is_none(),
        drafts,
        resolved,
    })
}

/// Checks the drafts of one row as the store will: each record on its own,
/// then the workflow rules against the row's other records. The row's own
/// checks come first, so a failure here is a rule the ledger does not know.
fn check_drafts(drafts: &[Draft], origin: &Code, ctx: &RowContext) -> Result<(), Vec<RowError>> {
    let mut clock = HlcClock::default();
    let records: Vec<Record> = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| Record {
            id: RecordId {
                node: ctx.node.clone(),
                seq: i as u64 + 1,
            },
            hlc: clock.tick(ctx.limits.now_ms),
            operator: d.operator.clone(),
            subject: d.subject.clone(),
            origin: origin.clone(),
            residence: d.residence.clone(),
            body: d.body.clone(),
        })
        .collect();
    let mut errors: Vec<RowError> = Vec::new();
    for r in &records {
        let e = match check_record(r, ctx.limits) {
            Err(e) => Some(e),
            Ok(()) if workflow::needs_context(&r.body) => workflow::check(r, &records)
                .err()
                .map(|i| i.to_validation()),
            Ok(()) => None,
        };
        if let Some(e) = e {
            let err = RowError {
                field: field_of(&e.field),
                reason: t!(
                    "ledger-rule",
                    kind = crate::words::kind(r.body.kind(), liudong_i18n::lang()),
                    reason = e.reason.text()
                ),
            };
            if !errors.contains(&err) {
                errors.push(err);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The column a validation failure's field comes from.
fn field_of(field: &str) -> Option<Field> {
    let leaf = field.rsplit('.').next().unwrap_or(field);
    match (field, leaf) {
        ("subject", _) => Some(Field::Subject),
        ("origin", _) | ("id.node", _) => Some(Field::Origin),
        ("residence", _) => Some(Field::Residence),
        (_, "name") => Some(Field::Name),
        (_, "household") => Some(Field::Household),
        (_, "phone") => Some(Field::Phone),
        (_, "birth_date") => Some(Field::BirthDate),
        (_, "sex") => Some(Field::Sex),
        (_, "leave_date") => Some(Field::LeaveDate),
        (_, "number") | (_, "certificate_number") => Some(Field::CertificateNumber),
        (_, "valid_until") => Some(Field::ValidUntil),
        (_, "arrival_date") => Some(Field::ArrivalDate),
        (_, "address") => Some(Field::Address),
        (_, "employer") => Some(Field::Employer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::{Label, Mapping};
    use liudong_core::record::MaritalStatus;
    use liudong_core::synth::{SynthRng, citizen_id};

    const NOW: u64 = 1_790_000_000_000; // 2026-09-21

    fn ctx() -> RowContext {
        RowContext {
            operator: "tester".into(),
            node: Code::parse("530924").unwrap(), // 云南省 临沧市 镇康县
            limits: Limits {
                now_ms: NOW,
                max_skew_ms: 300_000,
            },
        }
    }

    fn id(county: &str, female: bool) -> String {
        let mut rng = SynthRng::new(7);
        let sex = if female { Sex::Female } else { Sex::Male };
        citizen_id(&mut rng, county, Date::new(1995, 3, 4).unwrap(), sex)
            .as_str()
            .to_string()
    }

    fn sheet(cells: &[(&str, &str)]) -> (Resolved, Row) {
        let labels: Vec<Label> = cells.iter().map(|(h, _)| Label::one(h)).collect();
        let row = Row::new(5, cells.iter().map(|(_, v)| v.to_string()).collect());
        (Mapping::default().columns(&labels), row)
    }

    fn records(cells: &[(&str, &str)]) -> RowRecords {
        let (cols, row) = sheet(cells);
        row_drafts(&row, &cols, &ctx()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn errors(cells: &[(&str, &str)]) -> Vec<RowError> {
        let (cols, row) = sheet(cells);
        row_drafts(&row, &cols, &ctx())
            .map(|r| r.drafts)
            .unwrap_err()
    }

    #[test]
    fn a_full_row_produces_person_outflow_certificate_and_inflow() {
        let subject = id("530924", true);
        let r = records(&[
            ("公民身份号码", &subject),
            ("姓名", "测试甲"),
            ("婚姻状况", "已婚"),
            ("户籍地址", "凤尾镇仁和村5组"),
            ("现居住地址", "南伞镇新城社区团结路12号"),
            ("流出日期", "2026/3/1"),
            ("外出原因", "经商"),
            ("婚育证明编号", "ＹＮ－１"),
            ("发证日期", "2026年2月20日"),
            ("有效期至", "2029年2月"),
            ("现有子女数", "1"),
            ("流入时间", "2026年3月"),
            ("工作单位", "某厂"),
        ]);
        let kinds: Vec<&str> = r.drafts.iter().map(|d| d.body.kind()).collect();
        assert_eq!(
            kinds,
            [
                "person_registered",
                "outflow_registered",
                "certificate_issued",
                "inflow_registered"
            ]
        );
        let d = &r.drafts;
        assert_eq!(d[0].origin.as_ref().map(Code::as_str), Some("530924101202")); // 仁和村民委员会
        assert_eq!(d[0].residence.as_ref().unwrap().as_str(), "530924103001");
        let Body::PersonRegistered(p) = &d[0].body else {
            panic!()
        };
        assert_eq!(p.sex, Sex::Female);
        assert_eq!(p.birth_date, Date::new(1995, 3, 4).unwrap());
        assert_eq!(p.marital_status, MaritalStatus::Married);
        let Body::CertificateIssued(cert) = &d[2].body else {
            panic!()
        };
        assert_eq!(cert.number, "YN-1");
        // A month-only 有效期至 is the month's last day.
        assert_eq!(cert.valid_until, Date::new(2029, 2, 28).unwrap());
        let Body::InflowRegistered(i) = &d[3].body else {
            panic!()
        };
        assert_eq!(i.arrival_date, Date::new(2026, 3, 1).unwrap());
        assert_eq!(i.address, "团结路12号");
        assert_eq!(i.certificate_number.as_deref(), Some("YN-1"));
        assert!(d.iter().all(|d| d.operator == "tester"));
        let fields: Vec<Field> = r.resolved.iter().map(|x| x.field).collect();
        assert_eq!(fields, [Field::OriginAddress, Field::Address]);
        assert!(!r.detail_unrecorded);
    }

    #[test]
    fn every_error_of_a_row_names_its_column() {
        let mut bad = id("530924", false);
        bad.replace_range(17.., if bad.ends_with('0') { "1" } else { "0" });
        let e = errors(&[
            ("公民身份号码", &bad),
            ("姓名", ""),
            ("户籍地代码", "530924101202"),
            ("流出日期", "2026-13-01"),
            ("工作单位", "某厂"),
        ]);
        let fields: Vec<Option<Field>> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Some(Field::Subject),
                Some(Field::Name),
                Some(Field::LeaveDate),
                Some(Field::Employer)
            ],
            "{e:?}"
        );
        // The check digit is wrong: no "corrected" digit is offered.
        assert!(e[0].reason.contains("校验位"), "{}", e[0].reason);
        assert!(!e[0].reason.contains("应为"), "{}", e[0].reason);
        assert!(
            e[2].reason.contains("不是实际存在的日期"),
            "{}",
            e[2].reason
        );
    }

    #[test]
    fn a_numeric_id_cell_is_refused_even_when_its_check_digit_passes() {
        // An ID Excel stored as a number: 15 significant digits, then 000.
        let first15 = (0u32..)
            .map(|n| format!("530924{}1", 19_900_101 + n))
            .find(|s| {
                let seventeen = format!("{s}00");
                Date::parse_compact(&s[6..14]).is_some()
                    && liudong_core::citizen::check_char(seventeen.as_bytes()) == '0'
            })
            .unwrap();
        let lost = format!("{first15}000");
        assert!(CitizenId::parse(&lost).is_ok(), "the check digit passes");
        let labels: Vec<Label> = ["公民身份号码", "姓名", "户籍地代码"]
            .iter()
            .map(|h| Label::one(h))
            .collect();
        let cols = Mapping::default().columns(&labels);
        let mut row = Row::new(
            7,
            vec![lost.clone(), "测试乙".into(), "530924101202".into()],
        );
        row.long_numbers = vec![0];
        let e = row_drafts(&row, &cols, &ctx())
            .map(|r| r.drafts)
            .unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].field, Some(Field::Subject));
        assert!(
            e[0].reason.contains("15 位有效数字") && e[0].reason.contains("文本"),
            "{}",
            e[0].reason
        );
        // As Excel shows it in a CSV: scientific notation.
        let e = errors(&[
            ("公民身份号码", "5.30924E+17"),
            ("姓名", "测试乙"),
            ("户籍地代码", "530924101202"),
        ]);
        assert!(e[0].reason.contains("15 位有效数字"), "{}", e[0].reason);
        // Typed as text, the same digits are read (and here happen to pass).
        row.long_numbers.clear();
        assert!(row_drafts(&row, &cols, &ctx()).is_ok());
    }

    #[test]
    fn full_width_digits_and_month_only_dates() {
        let subject = id("530924", true);
        let wide: String = subject
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        let r = records(&[
            ("公民身份号码", &wide),
            ("姓名", "测试丙"),
            ("出生日期", "1995年3月"),
            ("户籍地代码", "５３０９２４１０１２０２"),
            ("流出日期", "２０２６年３月"),
            ("预计外出月数", "１２"),
        ]);
        assert_eq!(r.drafts[0].subject.as_str(), subject);
        let Body::OutflowRegistered(o) = &r.drafts[1].body else {
            panic!()
        };
        assert_eq!(o.leave_date, Date::new(2026, 3, 1).unwrap());
        assert_eq!(o.expected_months, 12);
        let e = errors(&[
            ("公民身份号码", &subject),
            ("姓名", "测试丙"),
            ("出生日期", "1995年4月"),
            ("户籍地代码", "530924101202"),
        ]);
        assert_eq!(e[0].field, Some(Field::BirthDate), "{e:?}");
    }

    #[test]
    fn places_rules_and_the_node_jurisdiction() {
        let subject = id("530924", true);
        // An inflow needs a residence; a future date is refused.
        let e = errors(&[
            ("公民身份号码", &subject),
            ("姓名", "测试丁"),
            ("户籍地址", "凤尾镇仁和村"),
            ("流入日期", "2026-09-01"),
        ]);
        assert_eq!(e[0].field, Some(Field::Address), "{e:?}");
        let e = errors(&[
            ("公民身份号码", &subject),
            ("姓名", "测试丁"),
            ("户籍地址", "凤尾镇仁和村"),
            ("流出日期", "2027-01-01"),
        ]);
        assert_eq!(e[0].field, Some(Field::LeaveDate), "{e:?}");
        assert!(e[0].reason.contains("将来"), "{e:?}");
        // A row of another county cannot be written by this county node.
        let e = errors(&[
            ("公民身份号码", &subject),
            ("姓名", "测试丁"),
            ("户籍地址", "河南省鹤壁市鹤山区鹤壁集镇北杨邑村"),
        ]);
        assert_eq!(e[0].field, Some(Field::OriginAddress), "{e:?}");
        assert!(e[0].reason.contains("530924"), "{e:?}");
        // Neither origin cell filled.
        let e = errors(&[
            ("公民身份号码", &subject),
            ("姓名", "测试丁"),
            ("户籍地址", ""),
        ]);
        assert_eq!(e[0].field, Some(Field::OriginAddress), "{e:?}");
        // A residence address without an inflow: the code is recorded, the
        // house number is not (and the import says so).
        let r = records(&[
            ("公民身份号码", &subject),
            ("姓名", "测试丁"),
            ("户籍地址", "凤尾镇仁和村"),
            ("现居住地址", "广东省深圳市宝安区新安街道宝民社区海滨路5号"),
            ("流出日期", "2026-08-01"),
        ]);
        assert_eq!(
            r.drafts[1].residence.as_ref().unwrap().as_str(),
            "440306017001"
        );
        assert!(r.detail_unrecorded);
    }

    #[test]
    fn a_failure_only_the_record_rules_know_names_the_record() {
        let subject = id("530924", true);
        let (cols, row) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试戊"),
            ("户籍地代码", "530924101202"),
        ]);
        let mut c = ctx();
        c.operator = "x".repeat(300);
        let e = row_drafts(&row, &cols, &c).map(|r| r.drafts).unwrap_err();
        assert_eq!(e[0].field, None);
        assert!(e[0].reason.starts_with("人员登记"), "{}", e[0].reason);
        // The record rule's reason is the catalogue's Chinese too (what the
        // rejects file's 错误原因 column holds), not an English text.
        assert!(e[0].reason.contains("不能超过 200 个字"), "{}", e[0].reason);
        assert!(
            !e[0].reason.chars().any(|c| c.is_ascii_alphabetic()),
            "{}",
            e[0].reason
        );
    }
}
