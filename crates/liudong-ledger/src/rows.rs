//! One ledger row → the records it produces, or every reason it cannot.
//!
//! A row produces, in this order (docs/ledgers.md, "What a row produces"):
//! 1. `person_registered` — always (姓名, 公民身份号码, 户籍地代码 required);
//! 2. `outflow_registered` — when 流出日期 is filled;
//! 3. `certificate_issued` — when 发证日期 and 有效期至 are filled (with 婚育证明编号);
//! 4. `inflow_registered` — when 流入日期 is filled (现居住地代码 required; the
//!    certificate presented is 婚育证明编号, or none: 补办).
//!
//! Every record carries the row's 户籍地代码 as origin and its 现居住地代码 (if
//! any) as residence. Each record is checked with `liudong_core::validate`
//! (and the workflow rules where a body has any) exactly as `liudong record
//! add` would check it, and a failure is reported against the column it
//! comes from.

use crate::columns::{Field, Resolved, column};
use liudong_core::record::{
    CertificateIssued, HukouType, InflowRegistered, MaritalStatus, OutflowRegistered,
    PersonRegistered, Purpose, Sex,
};
use liudong_core::validate::{Limits, check_record};
use liudong_core::{Body, CitizenId, Code, Date, HlcClock, Record, RecordId, workflow};
use liudong_store::Draft;

/// Why a row cannot be imported: the column (if one is at fault) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub field: Option<Field>,
    pub reason: String,
}

/// What every row of one import shares.
pub struct RowContext {
    pub operator: String,
    /// The importing node (the author of the records).
    pub node: Code,
    pub limits: Limits,
}

/// The cells of a row by field.
struct Cells<'a> {
    cells: &'a [String],
    cols: &'a Resolved,
    errors: Vec<RowError>,
}

impl Cells<'_> {
    fn text(&self, f: Field) -> &str {
        self.cols
            .index
            .get(&f)
            .and_then(|i| self.cells.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    fn err(&mut self, f: Field, reason: impl Into<String>) {
        self.errors.push(RowError {
            field: Some(f),
            reason: reason.into(),
        });
    }

    /// A filled cell parsed with `parse`; an unparsable one is an error.
    fn get<T>(&mut self, f: Field, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let s = self.text(f);
        if s.is_empty() {
            return None;
        }
        match parse(s) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.err(f, reason);
                None
            }
        }
    }

    fn required<T>(
        &mut self,
        f: Field,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.text(f).is_empty() {
            self.err(f, "required, but empty");
            return None;
        }
        self.get(f, parse)
    }

    fn string(&self, f: Field) -> String {
        self.text(f).to_string()
    }
}

/// Parses the date forms ledgers use: 2026-10-01, 2026/10/1, 2026.10.01,
/// 20261001, 2026年10月1日.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let bad = || format!("{s:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-01");
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Date::parse_compact(s).ok_or_else(|| format!("{s:?} is not a real date"));
    }
    let parts: Vec<&str> = s
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let [y, m, d] = parts[..] else {
        return Err(bad());
    };
    let num = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(y), num(m), num(d)) else {
        return Err(bad());
    };
    if !(1900..=2999).contains(&y) {
        return Err(bad());
    }
    Date::new(y as i32, m, d).ok_or_else(|| format!("{s:?} is not a real date"))
}

fn parse_sex(s: &str) -> Result<Sex, String> {
    match s.to_ascii_lowercase().as_str() {
        "男" | "male" | "m" => Ok(Sex::Male),
        "女" | "female" | "f" => Ok(Sex::Female),
        _ => Err(format!("{s:?}: expected 男 or 女")),
    }
}

fn parse_marital(s: &str) -> Result<MaritalStatus, String> {
    Ok(match s {
        "未婚" | "single" => MaritalStatus::Single,
        "已婚" | "初婚" | "再婚" | "复婚" | "married" => MaritalStatus::Married,
        "离婚" | "divorced" => MaritalStatus::Divorced,
        "丧偶" | "widowed" => MaritalStatus::Widowed,
        _ => {
            return Err(format!(
                "{s:?}: expected 未婚, 已婚 (初婚/再婚), 离婚 or 丧偶"
            ));
        }
    })
}

fn parse_hukou(s: &str) -> Result<HukouType, String> {
    Ok(match s {
        "农业" | "农业户口" | "agricultural" => HukouType::Agricultural,
        "非农业" | "非农业户口" | "城镇" | "non_agricultural" => {
            HukouType::NonAgricultural
        }
        _ => return Err(format!("{s:?}: expected 农业 or 非农业")),
    })
}

fn parse_purpose(s: &str) -> Result<Purpose, String> {
    Ok(match s {
        "务工" | "work" => Purpose::Work,
        "经商" | "trade" => Purpose::Trade,
        "其他" | "other" => Purpose::Other,
        _ => return Err(format!("{s:?}: expected 务工, 经商 or 其他")),
    })
}

fn parse_count(s: &str) -> Result<u32, String> {
    s.parse::<u32>()
        .map_err(|_| format!("{s:?}: expected a whole number (0 or more)"))
}

/// A village code of the division table.
fn parse_code(s: &str) -> Result<Code, String> {
    let c = Code::parse(s).map_err(|e| e.to_string())?;
    if c.level() != liudong_core::Level::Village {
        return Err(format!(
            "{c} is a {} code; expected a 12-digit village code",
            c.level().name()
        ));
    }
    liudong_core::validate::known_code("", &c).map_err(|e| e.reason)?;
    Ok(c)
}

fn parse_subject(s: &str) -> Result<CitizenId, String> {
    CitizenId::parse(&s.to_ascii_uppercase()).map_err(|e| e.to_string())
}

/// The records row `cells` produces, checked; or every error found in it.
pub fn row_drafts(
    cells: &[String],
    cols: &Resolved,
    ctx: &RowContext,
) -> Result<Vec<Draft>, Vec<RowError>> {
    let mut c = Cells {
        cells,
        cols,
        errors: Vec::new(),
    };
    let subject = c.required(Field::Subject, parse_subject);
    let name = c.string(Field::Name);
    if name.is_empty() {
        c.err(Field::Name, "required, but empty");
    }
    let origin = c.required(Field::Origin, parse_code);
    let residence = c.get(Field::Residence, parse_code);
    let sex = c.get(Field::Sex, parse_sex);
    let birth = c.get(Field::BirthDate, parse_date);
    let marital = c.get(Field::MaritalStatus, parse_marital);
    let hukou = c.get(Field::Hukou, parse_hukou);
    let leave = c.get(Field::LeaveDate, parse_date);
    let purpose = c.get(Field::Purpose, parse_purpose);
    let months = c.get(Field::ExpectedMonths, parse_count);
    let cert_no = c.string(Field::CertificateNumber);
    let valid_from = c.get(Field::ValidFrom, parse_date);
    let valid_until = c.get(Field::ValidUntil, parse_date);
    let children = c.get(Field::Children, parse_count);
    let arrival = c.get(Field::ArrivalDate, parse_date);

    // A filled cell must end up in a record: nothing is silently dropped.
    let certificate = !c.text(Field::ValidFrom).is_empty() || !c.text(Field::ValidUntil).is_empty();
    if certificate {
        if cert_no.is_empty() {
            c.err(
                Field::CertificateNumber,
                "required with 发证日期/有效期至 (a certificate is recorded with its number)",
            );
        }
        for f in [Field::ValidFrom, Field::ValidUntil] {
            if c.text(f).is_empty() {
                c.err(
                    f,
                    "required: a certificate is recorded with 发证日期 and 有效期至",
                );
            }
        }
    }
    let needs = [
        (Field::Purpose, Field::LeaveDate),
        (Field::ExpectedMonths, Field::LeaveDate),
        (Field::Address, Field::ArrivalDate),
        (Field::Employer, Field::ArrivalDate),
        (Field::Children, Field::ValidUntil),
    ];
    for (f, with) in needs {
        if !c.text(f).is_empty() && c.text(with).is_empty() {
            c.err(
                f,
                format!(
                    "is recorded only with {} ({}); fill that column or leave this one empty",
                    column(with).header,
                    column(with).key
                ),
            );
        }
    }
    if !c.text(Field::ArrivalDate).is_empty() && c.text(Field::Residence).is_empty() {
        c.err(
            Field::Residence,
            "required with 流入日期: an inflow is registered at the residence",
        );
    }
    if !cert_no.is_empty() && !certificate && c.text(Field::ArrivalDate).is_empty() {
        c.err(
            Field::CertificateNumber,
            "is recorded with 发证日期 and 有效期至 (certificate issued) or with 流入日期 (certificate presented at arrival)",
        );
    }
    let (Some(subject), Some(origin)) = (subject, origin) else {
        return Err(c.errors);
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }

    let marital = marital.unwrap_or_default();
    let mut bodies = vec![Body::PersonRegistered(PersonRegistered {
        name,
        sex: sex.unwrap_or(if subject.is_male() {
            Sex::Male
        } else {
            Sex::Female
        }),
        birth_date: birth.unwrap_or(subject.birth_date()),
        marital_status: marital,
        hukou: hukou.unwrap_or_default(),
        household: c.string(Field::Household),
        phone: c.string(Field::Phone),
    })];
    if let Some(leave_date) = leave {
        bodies.push(Body::OutflowRegistered(OutflowRegistered {
            leave_date,
            purpose: purpose.unwrap_or_default(),
            expected_months: months.unwrap_or(0),
        }));
    }
    if let (Some(valid_from), Some(valid_until)) = (valid_from, valid_until) {
        bodies.push(Body::CertificateIssued(CertificateIssued {
            number: cert_no.clone(),
            valid_from,
            valid_until,
            marital_status: marital,
            children: children.unwrap_or(0),
        }));
    }
    if let Some(arrival_date) = arrival {
        bodies.push(Body::InflowRegistered(InflowRegistered {
            arrival_date,
            address: c.string(Field::Address),
            employer: c.string(Field::Employer),
            certificate_number: (!cert_no.is_empty()).then_some(cert_no),
        }));
    }
    let drafts: Vec<Draft> = bodies
        .into_iter()
        .map(|body| Draft {
            operator: ctx.operator.clone(),
            subject: subject.clone(),
            origin: Some(origin.clone()),
            residence: residence.clone(),
            body,
        })
        .collect();
    check_drafts(&drafts, &origin, ctx)?;
    Ok(drafts)
}

/// Checks the drafts of one row as the store will: each record on its own,
/// then the workflow rules against the row's other records.
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
            let err = to_row_error(&e.field, &e.reason, &ctx.node);
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

/// The column a validation failure comes from.
fn to_row_error(field: &str, reason: &str, node: &Code) -> RowError {
    let leaf = field.rsplit('.').next().unwrap_or(field);
    let f = match (field, leaf) {
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
    };
    let reason = if field == "id.node" {
        format!(
            "neither 户籍地代码 nor 现居住地代码 is under this node ({node}); import the row at the node of its origin or residence"
        )
    } else if f.is_none() {
        // Not a cell (e.g. `operator`: the --operator given): say which field.
        format!("{field}: {reason}")
    } else {
        reason.to_string()
    };
    RowError { field: f, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Mapping;
    use liudong_core::synth::{SynthRng, citizen_id};

    const NOW: u64 = 1_790_000_000_000; // 2026-09-21

    fn ctx() -> RowContext {
        RowContext {
            operator: "tester".into(),
            node: Code::parse("410602").unwrap(),
            limits: Limits {
                now_ms: NOW,
                max_skew_ms: 300_000,
            },
        }
    }

    fn id(female: bool) -> String {
        let mut rng = SynthRng::new(7);
        let sex = if female { Sex::Female } else { Sex::Male };
        citizen_id(&mut rng, "410602", Date::new(1995, 3, 4).unwrap(), sex)
            .as_str()
            .to_string()
    }

    fn sheet(rows: &[(&str, &str)]) -> (Resolved, Vec<String>) {
        let headers: Vec<String> = rows.iter().map(|(h, _)| h.to_string()).collect();
        let cells = rows.iter().map(|(_, v)| v.to_string()).collect();
        (Mapping::default().resolve(&headers).unwrap(), cells)
    }

    #[test]
    fn a_full_row_produces_person_outflow_certificate_and_inflow() {
        let subject = id(true);
        let (cols, cells) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试甲"),
            ("婚姻状况", "已婚"),
            ("户籍地代码", "410602100001"),
            ("现居住地代码", "440306018001"),
            ("流出日期", "2026/3/1"),
            ("外出原因", "经商"),
            ("婚育证明编号", "HB-1"),
            ("发证日期", "2026年2月20日"),
            ("有效期至", "20290219"),
            ("现有子女数", "1"),
            ("流入日期", "2026-03-05"),
            ("工作单位", "某厂"),
        ]);
        let d = row_drafts(&cells, &cols, &ctx()).unwrap();
        let kinds: Vec<&str> = d.iter().map(|d| d.body.kind()).collect();
        assert_eq!(
            kinds,
            [
                "person_registered",
                "outflow_registered",
                "certificate_issued",
                "inflow_registered"
            ]
        );
        let Body::PersonRegistered(p) = &d[0].body else {
            panic!()
        };
        assert_eq!(p.sex, Sex::Female);
        assert_eq!(p.birth_date, Date::new(1995, 3, 4).unwrap());
        assert_eq!(p.marital_status, MaritalStatus::Married);
        let Body::CertificateIssued(cert) = &d[2].body else {
            panic!()
        };
        assert_eq!(cert.valid_until, Date::new(2029, 2, 19).unwrap());
        assert_eq!(cert.children, 1);
        let Body::InflowRegistered(i) = &d[3].body else {
            panic!()
        };
        assert_eq!(i.certificate_number.as_deref(), Some("HB-1"));
        assert!(
            d.iter()
                .all(|d| d.residence.is_some() && d.operator == "tester")
        );
    }

    #[test]
    fn every_error_of_a_row_names_its_column() {
        let mut bad = id(false);
        bad.replace_range(17.., if bad.ends_with('0') { "1" } else { "0" });
        let (cols, cells) = sheet(&[
            ("公民身份号码", &bad),
            ("姓名", ""),
            ("户籍地代码", "410602100001"),
            ("流出日期", "2026-13-01"),
            ("现居住地址", "某路1号"),
        ]);
        let e = row_drafts(&cells, &cols, &ctx()).unwrap_err();
        let fields: Vec<Option<Field>> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Some(Field::Subject),
                Some(Field::Name),
                Some(Field::LeaveDate),
                Some(Field::Address)
            ],
            "{e:?}"
        );
        assert!(e[0].reason.contains("check digit"), "{}", e[0].reason);
        assert!(e[2].reason.contains("not a real date"), "{}", e[2].reason);
    }

    #[test]
    fn validation_failures_map_to_columns() {
        let subject = id(true);
        // A sex the citizen ID contradicts; an inflow without a residence.
        let (cols, cells) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试乙"),
            ("性别", "男"),
            ("户籍地代码", "410602100001"),
            ("流出日期", "2026-09-01"),
        ]);
        let e = row_drafts(&cells, &cols, &ctx()).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].field, Some(Field::Sex), "{e:?}");
        assert!(e[0].reason.contains("does not match subject"), "{e:?}");
        let (cols, cells) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试乙"),
            ("户籍地代码", "410602100001"),
            ("流入日期", "2026-09-01"),
        ]);
        let e = row_drafts(&cells, &cols, &ctx()).unwrap_err();
        assert_eq!(e[0].field, Some(Field::Residence), "{e:?}");
        // A leave date in the future (checked by liudong_core::validate).
        let (cols, cells) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试乙"),
            ("户籍地代码", "410602100001"),
            ("流出日期", "2027-01-01"),
        ]);
        let e = row_drafts(&cells, &cols, &ctx()).unwrap_err();
        assert_eq!(e[0].field, Some(Field::LeaveDate), "{e:?}");
        assert!(e[0].reason.contains("in the future"), "{e:?}");
        let (cols, cells) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试乙"),
            ("户籍地代码", "410602100999"),
            ("流出日期", "2027-01-01"),
        ]);
        let e = row_drafts(&cells, &cols, &ctx()).unwrap_err();
        assert_eq!(e[0].field, Some(Field::Origin), "{e:?}");
        assert!(e[0].reason.contains("division table"), "{e:?}");
        // A row of another county cannot be written by this county node.
        let (cols, cells) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试乙"),
            ("户籍地代码", "440306018001"),
        ]);
        let e = row_drafts(&cells, &cols, &ctx()).unwrap_err();
        assert_eq!(e[0].field, Some(Field::Origin));
        assert!(e[0].reason.contains("under this node (410602)"), "{e:?}");
    }

    #[test]
    fn a_failure_outside_the_cells_names_its_field() {
        let subject = id(true);
        let (cols, cells) = sheet(&[
            ("公民身份号码", &subject),
            ("姓名", "测试丙"),
            ("户籍地代码", "410602100001"),
        ]);
        let mut c = ctx();
        c.operator = " ".into();
        let e = row_drafts(&cells, &cols, &c).unwrap_err();
        assert_eq!(e[0].field, None);
        assert_eq!(e[0].reason, "operator: must not be empty");
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
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        for s in ["2026-10", "1/10/2026", "2026-02-30", "abc", "2026年10月"] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }
}
