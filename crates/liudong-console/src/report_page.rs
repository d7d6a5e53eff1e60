//! The monthly report page (月报): the report of the operator's unit or of
//! a unit under it (`?code=`), one row per child unit linking to that
//! unit's own report (county → township → village), the total, and a chart
//! of the twelve months' flows. Figures are `liudong report`'s.

use crate::render::{ChartMonth, esc, flow_chart, place_cell, url};
use crate::state::{Console, Page, PageError, Req, Shown, Viewer};
use axum::http::StatusCode;
use liudong_core::report::{COLUMNS, Counts, Month, Report, cell, column_label};
use liudong_core::{Code, Date};
use liudong_i18n::t_in;
use liudong_node::query::Query;
use std::fmt::Write;

/// Months shown in the report's chart (ending with the report's month).
const CHART_MONTHS: u32 = 12;

/// The month of the node's clock.
pub(crate) fn month_now(c: &Console) -> Month {
    let d = Date::from_unix_ms(c.node.now_ms());
    Month {
        year: d.year,
        month: d.month,
    }
}

/// A column's header in `l` (the report's own labels).
/// The report's unit from `?code=`: `v`'s unit by default, else a unit under it.
fn unit_of(c: &Console, r: &Req, v: &Viewer) -> Result<Code, PageError> {
    let l = r.lang;
    let Some(typed) = r.param("code").map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(v.unit.clone());
    };
    let bad = || {
        PageError::new(
            StatusCode::BAD_REQUEST,
            t_in!(
                l,
                "console-report-bad-code",
                code = typed,
                unit = liudong_node::worklist::place_name(&v.unit, &v.unit)
            ),
        )
    };
    let code = Code::parse(typed).map_err(|_| bad())?;
    let known = code == *c.code() || liudong_core::divisions::table().contains(code.as_str());
    if !known || !code.is_under(&v.unit) {
        return Err(bad());
    }
    Ok(code)
}

/// The link to the report of `code` for `month`.
fn report_href(code: &Code, month: Month) -> String {
    format!("/report?month={month}&code={}", url(code.as_str()))
}

pub(crate) fn report(c: &Console, r: &Req, v: &Viewer) -> Page {
    let l = r.lang;
    let month = match r.param("month").filter(|m| !m.is_empty()) {
        Some(m) => Month::parse(m).ok_or_else(|| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                t_in!(l, "console-report-bad-month", month = m),
            )
        })?,
        None => month_now(c),
    };
    let code = unit_of(c, r, v)?;
    let q = Query::Report {
        month: month.to_string(),
        code: Some(code.to_string()),
        ack_days: c.thresholds.ack_days,
    };
    let rep: Report = PageError::expect(l, c.ask(v, &q).map_err(|e| PageError::query(l, e))?)?;
    // The chart: the same computation over the months before.
    let views: Vec<_> = c
        .node
        .store()
        .views()
        .collect::<Result<_, _>>()
        .map_err(|e| PageError::store(l, e))?;
    let mut months = Vec::new();
    let mut m = month;
    for _ in 0..CHART_MONTHS {
        months.push(m);
        m = m.prev();
    }
    months.reverse();
    let bars: Vec<ChartMonth> = months
        .iter()
        .map(|&m| {
            let counts = if m == month {
                rep.total.counts
            } else {
                liudong_core::report::compute(&views, &rep.code, m, c.thresholds.ack_days)
                    .total
                    .counts
            };
            ChartMonth {
                label: m.to_string(),
                outflows: counts.outflows,
                inflows: counts.inflows,
            }
        })
        .collect();

    let mut b = format!(
        "<form class=\"inline\" method=\"get\" action=\"/report\"><input type=\"hidden\" name=\"code\" value=\"{}\"><label>{} <input id=\"month\" name=\"month\" value=\"{month}\" placeholder=\"YYYY-MM\" maxlength=\"7\" size=\"8\"></label><button type=\"submit\">{}</button></form>",
        esc(code.as_str()),
        esc(&t_in!(l, "console-month")),
        esc(&t_in!(l, "console-show"))
    );
    // Where the report is: the operator's unit down to this one.
    b.push_str("<p class=\"crumbs\" id=\"crumbs\">");
    let mut path: Vec<Code> = vec![code.clone()];
    while let Some(p) = path.last().and_then(Code::parent) {
        if p.as_str().len() < v.unit.as_str().len() {
            break;
        }
        path.push(p);
    }
    path.reverse();
    for (i, p) in path.iter().enumerate() {
        let name = liudong_node::worklist::place_name(p, &v.unit);
        if i + 1 == path.len() {
            let _ = write!(
                b,
                "<b id=\"report-unit\" data-code=\"{}\">{}</b>",
                esc(p.as_str()),
                esc(&name)
            );
        } else {
            let _ = write!(
                b,
                "<a href=\"{}\">{}</a> › ",
                esc(&report_href(p, month)),
                esc(&name)
            );
        }
    }
    let _ = write!(
        b,
        " · <span id=\"report-month\">{month}</span> · {}</p>",
        esc(&t_in!(l, "console-report-ack-days", days = rep.ack_days))
    );
    b.push_str("<table id=\"report\" class=\"report\"><thead><tr>");
    let _ = write!(
        b,
        "<th class=\"unit\">{}</th>",
        esc(&t_in!(l, "console-col-unit"))
    );
    for col in COLUMNS {
        let _ = write!(b, "<th>{}</th>", esc(&column_label(&col, l)));
    }
    b.push_str("</tr></thead><tbody>");
    let row = |b: &mut String, code: &Code, name: String, counts: &Counts, total: bool| {
        let _ = write!(
            b,
            "<tr class=\"{}\" data-code=\"{}\"><td class=\"unit\">{}</td>",
            if total { "total" } else { "unit" },
            esc(code.as_str()),
            if total {
                esc(&name)
            } else {
                format!(
                    "<a class=\"drill\" href=\"{}\">{}</a>",
                    esc(&report_href(code, month)),
                    place_cell(code, &rep.code)
                )
            }
        );
        for col in COLUMNS {
            let _ = write!(
                b,
                "<td class=\"num\" data-col=\"{}\">{}</td>",
                esc(col.0),
                esc(&cell(counts, col.0))
            );
        }
        b.push_str("</tr>");
    };
    for x in &rep.rows {
        row(&mut b, &x.code, x.name.clone(), &x.counts, false);
    }
    row(
        &mut b,
        &rep.total.code,
        t_in!(
            l,
            "console-report-total",
            unit = liudong_node::worklist::place_name(&rep.code, &rep.code)
        ),
        &rep.total.counts,
        true,
    );
    b.push_str("</tbody></table>");
    if let Some(days) = rep.arrival.mean_days() {
        let _ = write!(
            b,
            "<p class=\"muted\">{}</p>",
            esc(&t_in!(
                l,
                "console-report-arrival",
                days = format!("{days:.2}"),
                notices = rep.arrival.notices
            ))
        );
    }
    let _ = write!(
        b,
        "<h2>{}</h2>{}",
        esc(&t_in!(l, "console-chart-title")),
        flow_chart(l, &bars)
    );
    Ok(Shown::new(t_in!(l, "console-nav-report"), "/report", b))
}
