//! `liudong export persons|overdue|report`: the operator views as
//! spreadsheets (XLSX, or CSV UTF-8 with a BOM). Headers, sheet names and
//! values are catalogue words (`ledger.ftl`): Chinese by default, English
//! with `--lang en`; the report's column labels are those `liudong report`
//! prints.
//!
//! The figures are those of `liudong person show`, `overdue` and `report`:
//! every export asks `liudong_node::query` (through the running node's admin
//! service, or on the stopped node's store: [`NodeAccess::query`]), so every
//! person exported is recorded in the audit trail as viewed by the operator.

use crate::error::{LedgerError, Result};
use crate::words;
use crate::write::{Cell, Sheet, sheet_file};
use liudong_core::report::{COLUMNS, Report, cell, column_label};
use liudong_core::{Code, Date, Level, PersonView};
use liudong_i18n::{Lang, t, t_in};
use liudong_node::config::Config;
use liudong_node::progress::Progress;
use liudong_node::query::{Answer, OverdueAnswer, PersonsAnswer, Query, WrongAnswer};
use liudong_node::worklist;
use liudong_node::{AccessError, NodeAccess};

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

/// The persons sheet's headers. The web console's lists may reuse them
/// with [`person_row`].
pub fn person_headers(lang: Lang) -> Vec<String> {
    vec![
        t_in!(lang, "ledger-col-subject"),
        t_in!(lang, "ledger-col-name"),
        t_in!(lang, "ledger-col-sex"),
        t_in!(lang, "ledger-col-birth-date"),
        t_in!(lang, "ledger-col-marital"),
        t_in!(lang, "ledger-col-origin-code"),
        t_in!(lang, "ledger-col-origin"),
        t_in!(lang, "ledger-col-residence-code"),
        t_in!(lang, "ledger-col-residence"),
        t_in!(lang, "ledger-col-status"),
        t_in!(lang, "ledger-col-leave-date"),
        t_in!(lang, "ledger-col-arrival-date"),
        t_in!(lang, "ledger-col-certificate"),
        t_in!(lang, "ledger-col-valid-from"),
        t_in!(lang, "ledger-col-valid-until"),
        t_in!(lang, "ledger-col-valid-today"),
        t_in!(lang, "ledger-col-last-check"),
        t_in!(lang, "ledger-col-births"),
        t_in!(lang, "ledger-col-records"),
    ]
}

/// One person as a row of the persons sheet (columns of [`person_headers`]).
pub fn person_row(p: &PersonView, today: Date, lang: Lang) -> Vec<Cell> {
    let (origin, origin_name) = place(&Some(p.origin.clone()));
    let (res, res_name) = place(&p.residence);
    let episode = p.episodes.last();
    let cert = p.certificate.as_ref();
    vec![
        p.subject.as_str().into(),
        p.name.clone().unwrap_or_default().into(),
        words::sex(p.sex, lang).into(),
        date(Some(p.birth_date)),
        words::marital(p.marital_status, lang).into(),
        origin.into(),
        origin_name.into(),
        res.into(),
        res_name.into(),
        words::status(p.status, lang).into(),
        date(episode.and_then(|e| e.left)),
        date(episode.and_then(|e| e.arrived)),
        cert.map_or(String::new(), |c| c.number.clone()).into(),
        date(cert.and_then(|c| c.valid_from)),
        date(cert.and_then(|c| c.valid_until)),
        if cert.is_some() {
            words::yes_no(p.certificate_valid_on(today), lang).into()
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

/// The report as a sheet: unit, name, then the report's columns (the
/// labels `liudong report` prints); the total last.
pub fn report_sheet(r: &Report, lang: Lang) -> Sheet {
    let mut headers = vec![
        t_in!(lang, "ledger-col-unit"),
        t_in!(lang, "ledger-col-unit-name"),
    ];
    headers.extend(COLUMNS.iter().map(|c| column_label(c, lang)));
    let rows = liudong_node::report::report_rows(r, lang)
        .into_iter()
        .map(|(code, name, counts)| {
            let mut row: Vec<Cell> = vec![code.into(), name.into()];
            row.extend(COLUMNS.iter().map(|c| Cell::figure(cell(counts, c.0))));
            row
        })
        .collect();
    Sheet {
        name: t_in!(lang, "ledger-sheet-report", month = r.month.to_string()),
        headers,
        rows,
    }
}

/// The overdue lists as the work list: the columns of `liudong overdue`
/// and the console ([`liudong_node::worklist`]), ages as numbers.
fn overdue_sheet(a: &OverdueAnswer, lang: Lang) -> Sheet {
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
        name: t_in!(lang, "ledger-sheet-overdue"),
        headers: worklist::headers(lang),
        rows,
    }
}

/// What `liudong export` was asked to do.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub config: std::path::PathBuf,
    pub what: What,
    /// Output file: .xlsx or .csv.
    pub out: std::path::PathBuf,
    /// The month of a report, YYYY-MM.
    pub month: Option<String>,
    /// The unit of a report (default: this node's code).
    pub code: Option<String>,
    /// Language of headers, sheet names and values.
    pub lang: Lang,
}

/// `liudong export`.
pub async fn export(o: &ExportOptions) -> Result<()> {
    let lang = o.lang;
    let cfg = Config::load(&o.config)?;
    crate::read::kind_of(&o.out)?;
    if o.what == What::Report && o.month.is_none() {
        return Err(LedgerError::MonthMissing);
    }
    if o.what != What::Report && (o.month.is_some() || o.code.is_some()) {
        return Err(LedgerError::ReportOnly);
    }
    let operator = liudong_node::access::operator();
    let mut node = NodeAccess::open(&cfg).await?;
    let sheet = match o.what {
        What::Persons => {
            let mut progress = Progress::new(
                t!("ledger-progress-export"),
                t!("ledger-progress-persons"),
                None,
            );
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
                        .map(|p| person_row(&p.view, page.today, lang)),
                );
                match page.next {
                    // Pages advance strictly in subject order: the loop ends.
                    Some(next) if after.as_ref().is_none_or(|a| next > *a) => after = Some(next),
                    Some(next) => return Err(LedgerError::PageStuck { next }),
                    None => break,
                }
            }
            progress.finish(&t!("ledger-progress-read-done"));
            Sheet {
                name: t_in!(lang, "ledger-sheet-persons"),
                headers: person_headers(lang),
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
            overdue_sheet(&a, lang)
        }
        What::Report => {
            let r: Report = ask(
                &mut node,
                &operator,
                Query::Report {
                    month: o.month.clone().unwrap_or_default(),
                    code: o.code.clone(),
                    ack_days: cfg.thresholds.ack_days,
                },
            )
            .await?;
            report_sheet(&r, lang)
        }
    };
    let mut progress = Progress::new(
        t!("ledger-progress-write"),
        t!("ledger-progress-rows"),
        Some(sheet.rows.len() as u64),
    );
    sheet_file(&o.out, &sheet)?;
    progress.set(sheet.rows.len() as u64);
    progress.finish(&o.out.display().to_string());
    let file = o.out.display().to_string();
    println!(
        "{}",
        if o.what == What::Report {
            t!("ledger-exported", rows = sheet.rows.len(), file = file)
        } else {
            t!(
                "ledger-exported-audited",
                rows = sheet.rows.len(),
                file = file
            )
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
        let s = report_sheet(&r, Lang::Zh);
        assert_eq!(s.headers[0], "单位");
        assert_eq!(s.headers[2], "出生数");
        let villages = liudong_core::divisions::table().children("410602100").len();
        assert_eq!(s.rows.len(), villages + 1);
        let last = s.rows.last().unwrap();
        assert!(matches!(&last[1], Cell::Text(t) if t.ends_with("合计")));
        assert_eq!(last[2], Cell::Number(0.0));
        // Undefined rates stay "-" as in `liudong report`.
        assert_eq!(last[5], Cell::Text("-".into()));
        let en = report_sheet(&r, Lang::En);
        assert_eq!(en.headers[..3], ["unit", "name", "births"]);
        assert!(matches!(&en.rows.last().unwrap()[1], Cell::Text(t) if t.ends_with("total")));
    }
}
