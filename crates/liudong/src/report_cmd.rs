//! Operator commands over derived state: `liudong person show`, `liudong
//! overdue` and `liudong report`. They ask the running node's admin service
//! (`Query`), or open the store directly when the node is stopped; either way
//! the answer comes from `liudong_node::query`, as the same types.

use crate::cli::print_json_sorted;
use anyhow::Result;
use liudong_core::Code;
use liudong_core::report::{COLUMNS, Report, cell, column_label};
use liudong_i18n::{Lang, t_in};
use liudong_node::NodeAccess;
use liudong_node::access::operator;
use liudong_node::config::{Config, NodeConfig};
use liudong_node::query::{Answer, OverdueAnswer, PersonAnswer, Query};
use liudong_node::report::report_rows;
use liudong_node::worklist;
use std::path::Path;

/// Asks the node `q` for the operator running the command; the node's
/// audit trail records who viewed what.
async fn ask<T>(cfg: &NodeConfig, q: Query) -> Result<T>
where
    T: TryFrom<Answer, Error = liudong_node::query::WrongAnswer>,
{
    let answer = NodeAccess::open(cfg).await?.query(&operator(), &q).await?;
    Ok(T::try_from(answer)?)
}

/// `liudong person show ID [--json]`.
pub async fn person_show(config: &Path, subject: &str, json: bool) -> Result<()> {
    let cfg = Config::load(config)?;
    let a: PersonAnswer = ask(
        &cfg,
        Query::Person {
            subject: subject.to_string(),
        },
    )
    .await?;
    if json {
        return print_json_sorted(&a);
    }
    for line in liudong_node::text::person_lines(&a) {
        println!("{line}");
    }
    Ok(())
}

/// `liudong overdue [--kind ...] [--json] [--lang zh|en]`: the work list
/// (the columns of `liudong export overdue` and the console).
pub async fn overdue(config: &Path, kinds: Vec<String>, json: bool, lang: Lang) -> Result<()> {
    let cfg = Config::load(config)?;
    let a: OverdueAnswer = ask(
        &cfg,
        Query::Overdue {
            kinds,
            thresholds: cfg.thresholds,
        },
    )
    .await?;
    if json {
        return print_json_sorted(&a);
    }
    let unit = Code::parse(&a.node)?;
    println!(
        "{}",
        t_in!(
            lang,
            "worklist-summary",
            node = a.node.clone(),
            unit = worklist::place_name(&unit, &unit),
            today = a.today.to_string(),
            items = a.items.len(),
            held = a.held.len(),
            quarters = a.thresholds.missed_quarters,
            cert_days = a.thresholds.certificate_days,
            ack_days = a.thresholds.ack_days
        )
    );
    let mut table = vec![worklist::headers(lang)];
    table.extend(worklist::rows(&a, &unit, lang));
    print!(
        "{}",
        crate::table::render_by(&table, |i| i != worklist::AGE_COLUMN)
    );
    Ok(())
}

/// Output format of `liudong report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// `liudong report --month YYYY-MM [--code P] [--format ...] [--lang zh|en]`.
pub async fn report(
    config: &Path,
    month: &str,
    code: Option<String>,
    format: Format,
    lang: Lang,
) -> Result<()> {
    let cfg = Config::load(config)?;
    let r: Report = ask(
        &cfg,
        Query::Report {
            month: month.to_string(),
            code,
            ack_days: cfg.thresholds.ack_days,
        },
    )
    .await?;
    print!("{}", render(&r, format, lang)?);
    Ok(())
}

/// Renders a report.
pub fn render(r: &Report, format: Format, lang: Lang) -> Result<String> {
    let label = |c: &(&str, &str)| column_label(c, lang);
    let unit_label = t_in!(lang, "report-col-unit");
    let name_label = t_in!(lang, "report-col-name");
    let rows = report_rows(r, lang);
    let mut out = String::new();
    match format {
        Format::Json => {
            // Keys in sorted order, as `liudong report` has always printed them.
            out.push_str(&serde_json::to_string_pretty(&serde_json::to_value(r)?)?);
            out.push('\n');
        }
        Format::Csv => {
            let esc = |s: &str| {
                if s.contains([',', '"', '\n']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_string()
                }
            };
            let mut head = vec![unit_label.to_string(), name_label.to_string()];
            head.extend(COLUMNS.iter().map(|c| esc(&label(c))));
            out.push_str(&head.join(","));
            out.push('\n');
            for (code, name, c) in &rows {
                let mut line = vec![code.clone(), esc(name)];
                line.extend(COLUMNS.iter().map(|col| cell(c, col.0)));
                out.push_str(&line.join(","));
                out.push('\n');
            }
        }
        Format::Table => {
            out.push_str(&t_in!(
                lang,
                "report-title",
                month = r.month.to_string(),
                name = r.total.name.as_str(),
                code = r.code.to_string(),
                days = r.ack_days
            ));
            out.push('\n');
            let mut head = vec![unit_label.to_string(), name_label.to_string()];
            head.extend(COLUMNS.iter().map(label));
            let mut table: Vec<Vec<String>> = vec![head];
            for (code, name, c) in &rows {
                let mut line = vec![code.clone(), name.clone()];
                line.extend(COLUMNS.iter().map(|col| cell(c, col.0)));
                table.push(line);
            }
            out.push_str(&crate::table::render(&table, 2));
            if let Some(days) = r.arrival.mean_days() {
                out.push_str(&t_in!(
                    lang,
                    "report-arrival",
                    days = format!("{days:.2}"),
                    notices = r.arrival.notices
                ));
                out.push('\n');
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_renders_chinese_by_default_and_english_on_request() {
        let r = liudong_core::report::compute(
            std::iter::empty(),
            &Code::parse("410602100").unwrap(),
            liudong_core::report::Month::parse("2026-10").unwrap(),
            30,
        );
        let zh = render(&r, Format::Table, Lang::Zh).unwrap();
        assert!(
            zh.contains("出生数") && zh.contains("合计") && zh.contains("鹤壁集镇"),
            "{zh}"
        );
        let en = render(&r, Format::Csv, Lang::En).unwrap();
        let head = en.lines().next().unwrap();
        assert!(
            head.starts_with("unit,name,births,boys,girls,sex ratio"),
            "{head}"
        );
        // One row per village of the township, plus the total.
        let villages = liudong_core::divisions::table().children("410602100").len();
        assert_eq!(en.lines().count(), 1 + villages + 1);
        assert!(
            render(&r, Format::Json, Lang::Zh)
                .unwrap()
                .contains("\"rows\"")
        );
    }
}
