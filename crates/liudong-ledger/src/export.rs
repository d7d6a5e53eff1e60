//! `liudong export persons|overdue|report`: the operator views as
//! spreadsheets (XLSX, or CSV UTF-8 with a BOM), Chinese headers by default.
//!
//! The figures are those of `liudong person show`, `overdue` and `report`:
//! every export asks `liudong_node::query` (through the running node's admin
//! service, or on the stopped node's store: [`NodeAccess::query`]), so every
//! person exported is recorded in the audit trail as viewed by the operator.

use crate::error::{LedgerError, Result};
use crate::write::{Cell, Sheet, sheet_file};
use liudong_core::record::{MaritalStatus, Sex};
use liudong_core::report::{COLUMNS, Report, cell};
use liudong_core::view::Status;
use liudong_core::{Code, Date, Level, PersonView};
use liudong_node::config::Config;
use liudong_node::progress::Progress;
use liudong_node::query::{Answer, OverdueAnswer, PersonsAnswer, Query, WrongAnswer};
use liudong_node::worklist;
use liudong_node::{AccessError, NodeAccess};
use std::path::Path;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Every person of this node's jurisdiction (人员台账).
    Persons,
    /// The overdue lists (逾期事项).
    Overdue,
    /// The monthly report (月报); needs --month.
    Report,
}

/// Persons asked per admin query.
const PAGE: usize = 500;

/// Asks the node `q` for `operator`, expecting an answer of type `T`.
async fn ask<T>(node: &mut NodeAccess, operator: &str, q: Query) -> Result<T>
where
    T: TryFrom<Answer, Error = WrongAnswer>,
{
    let answer = node.query(operator, &q).await?;
    Ok(T::try_from(answer).map_err(AccessError::from)?)
}

/// Header in the chosen language.
fn h(english: bool, zh: &str, en: &str) -> String {
    if english { en } else { zh }.to_string()
}

/// A code and its place name: the names the division table has for its
/// county, township and village, e.g. `鹤山区 鹤壁集镇`.
fn place(c: &Option<Code>) -> (String, String) {
    let Some(c) = c else {
        return (String::new(), String::new());
    };
    let t = liudong_core::divisions::table();
    let names: Vec<&str> = [Level::County, Level::Township, Level::Village]
        .into_iter()
        .filter_map(|l| c.at_level(l))
        .filter_map(|a| t.name(a.as_str()))
        .collect();
    (c.to_string(), names.join(" "))
}

fn date(d: Option<Date>) -> Cell {
    d.map_or(Cell::Text(String::new()), |d| Cell::Text(d.to_string()))
}

/// The word for a value: (Chinese, English).
fn word((zh, en): (&'static str, &'static str), english: bool) -> &'static str {
    if english { en } else { zh }
}

fn sex(s: Sex) -> (&'static str, &'static str) {
    match s {
        Sex::Male => ("男", "male"),
        Sex::Female => ("女", "female"),
    }
}

fn marital(m: MaritalStatus) -> (&'static str, &'static str) {
    match m {
        MaritalStatus::Unspecified => ("", ""),
        MaritalStatus::Single => ("未婚", "single"),
        MaritalStatus::Married => ("已婚", "married"),
        MaritalStatus::Divorced => ("离婚", "divorced"),
        MaritalStatus::Widowed => ("丧偶", "widowed"),
    }
}

fn status(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Unknown => ("未知", "unknown"),
        Status::AtHome => ("在户籍地", "at home"),
        Status::OutMigrated => ("流出在外", "out-migrated"),
        Status::AtResidence => ("在流入地", "at residence"),
    }
}

/// The persons sheet's headers (zh, en).
const PERSON_HEADERS: [(&str, &str); 19] = [
    ("公民身份号码", "citizen ID"),
    ("姓名", "name"),
    ("性别", "sex"),
    ("出生日期", "birth date"),
    ("婚姻状况", "marital status"),
    ("户籍地代码", "origin code"),
    ("户籍地", "origin"),
    ("现居住地代码", "residence code"),
    ("现居住地", "residence"),
    ("状态", "status"),
    ("流出日期", "leave date"),
    ("流入日期", "arrival date"),
    ("婚育证明编号", "certificate number"),
    ("发证日期", "issued on"),
    ("有效期至", "valid until"),
    ("证明今日有效", "certificate valid today"),
    ("最近双查季度", "last check quarter"),
    ("出生数", "births"),
    ("记录数", "records"),
];

/// One person as a row of the persons sheet.
pub fn person_row(p: &PersonView, today: Date, english: bool) -> Vec<Cell> {
    let (origin, origin_name) = place(&Some(p.origin.clone()));
    let (res, res_name) = place(&p.residence);
    let episode = p.episodes.last();
    let cert = p.certificate.as_ref();
    let yes_no = |b: bool| word(if b { ("是", "yes") } else { ("否", "no") }, english);
    vec![
        p.subject.as_str().into(),
        p.name.clone().unwrap_or_default().into(),
        word(sex(p.sex), english).into(),
        date(Some(p.birth_date)),
        word(marital(p.marital_status), english).into(),
        origin.into(),
        origin_name.into(),
        res.into(),
        res_name.into(),
        word(status(p.status), english).into(),
        date(episode.and_then(|e| e.left)),
        date(episode.and_then(|e| e.arrived)),
        cert.map_or(String::new(), |c| c.number.clone()).into(),
        date(cert.and_then(|c| c.valid_from)),
        date(cert.and_then(|c| c.valid_until)),
        if cert.is_some() {
            yes_no(p.certificate_valid_on(today)).into()
        } else {
            "".into()
        },
        p.checks
            .iter()
            .map(|c| c.quarter)
            .max()
            .map_or(String::new(), |q| q.to_string())
            .into(),
        Cell::Number(p.births.len() as f64),
        Cell::Number(f64::from(p.records)),
    ]
}

/// The report as a sheet: unit, name, then the report columns; the total last.
pub fn report_sheet(r: &Report, english: bool) -> Sheet {
    let mut headers = vec![h(english, "单位", "unit"), h(english, "名称", "name")];
    headers.extend(COLUMNS.iter().map(|c| h(english, c.1, c.2)));
    let rows = liudong_node::report::report_rows(r, english)
        .into_iter()
        .map(|(code, name, counts)| {
            let mut row: Vec<Cell> = vec![code.into(), name.into()];
            row.extend(COLUMNS.iter().map(|c| Cell::figure(cell(counts, c.0))));
            row
        })
        .collect();
    Sheet {
        name: format!("{} {}", if english { "report" } else { "月报" }, r.month),
        headers,
        rows,
    }
}

/// The overdue lists as the work list: the columns of `liudong overdue`
/// and the console ([`liudong_node::worklist`]), ages as numbers.
fn overdue_sheet(a: &OverdueAnswer, english: bool) -> Sheet {
    let lang = if english {
        liudong_i18n::Lang::En
    } else {
        liudong_i18n::Lang::Zh
    };
    // The node's own code, as it printed it (an exchange's "CN" included).
    let unit = Code::parse(&a.node).unwrap_or(Code::national());
    let rows = worklist::rows(a, &unit, lang)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .map(|(i, v)| match v.parse::<f64>() {
                    Ok(n) if i == worklist::AGE_COLUMN => Cell::Number(n),
                    _ => Cell::Text(v),
                })
                .collect()
        })
        .collect();
    Sheet {
        name: if english { "overdue" } else { "逾期事项" }.into(),
        headers: worklist::headers(lang),
        rows,
    }
}

/// `liudong export`.
pub async fn export(
    config: &Path,
    what: What,
    out: &Path,
    month: Option<&str>,
    code: Option<&str>,
    english: bool,
) -> Result<()> {
    let cfg = Config::load(config)?;
    crate::read::kind_of(out)?;
    if what == What::Report && month.is_none() {
        return Err(LedgerError::MonthMissing);
    }
    if what != What::Report && (month.is_some() || code.is_some()) {
        return Err(LedgerError::ReportOnly);
    }
    let operator = liudong_node::access::operator();
    let mut node = NodeAccess::open(&cfg).await?;
    let sheet = match what {
        What::Persons => {
            let mut progress = Progress::new("导出 export persons", "persons", None);
            let mut headers = Vec::new();
            headers.extend(PERSON_HEADERS.iter().map(|(zh, en)| h(english, zh, en)));
            let mut rows = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page: PersonsAnswer = ask(
                    &mut node,
                    &operator,
                    Query::Persons {
                        after: after.clone(),
                        limit: PAGE,
                    },
                )
                .await?;
                progress.inc(page.persons.len() as u64);
                rows.extend(
                    page.persons
                        .iter()
                        .map(|p| person_row(&p.view, page.today, english)),
                );
                match page.next {
                    // Pages advance strictly in subject order: the loop ends.
                    Some(next) if after.as_ref().is_none_or(|a| next > *a) => after = Some(next),
                    Some(next) => return Err(LedgerError::PageStuck { next }),
                    None => break,
                }
            }
            progress.finish("done");
            Sheet {
                name: if english { "persons" } else { "人员台账" }.into(),
                headers,
                rows,
            }
        }
        What::Overdue => {
            let a: OverdueAnswer = ask(
                &mut node,
                &operator,
                Query::Overdue {
                    kinds: Vec::new(),
                    thresholds: cfg.thresholds,
                },
            )
            .await?;
            overdue_sheet(&a, english)
        }
        What::Report => {
            let r: Report = ask(
                &mut node,
                &operator,
                Query::Report {
                    month: month.unwrap_or_default().to_string(),
                    code: code.map(str::to_string),
                    ack_days: cfg.thresholds.ack_days,
                },
            )
            .await?;
            report_sheet(&r, english)
        }
    };
    let mut progress = Progress::new("写出 write", "rows", Some(sheet.rows.len() as u64));
    sheet_file(out, &sheet)?;
    progress.set(sheet.rows.len() as u64);
    progress.finish(&format!("{}", out.display()));
    println!(
        "exported {} rows to {}{}",
        sheet.rows.len(),
        out.display(),
        if what == What::Report {
            ""
        } else {
            " (the persons exported are recorded in the audit trail)"
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_sheet_has_one_row_per_unit_and_the_total_with_figures_as_numbers() {
        let r = liudong_core::report::compute(
            std::iter::empty(),
            &Code::parse("410602100").unwrap(),
            liudong_core::report::Month::parse("2026-10").unwrap(),
            30,
        );
        let s = report_sheet(&r, false);
        assert_eq!(s.headers[0], "单位");
        assert_eq!(s.headers[2], "出生数");
        let villages = liudong_core::divisions::table().children("410602100").len();
        assert_eq!(s.rows.len(), villages + 1);
        let last = s.rows.last().unwrap();
        assert!(matches!(&last[1], Cell::Text(t) if t.ends_with("合计")));
        assert_eq!(last[2], Cell::Number(0.0));
        // Undefined rates stay "-" as in `liudong report`.
        assert_eq!(last[5], Cell::Text("-".into()));
        assert_eq!(report_sheet(&r, true).headers[2], "births");
    }
}
