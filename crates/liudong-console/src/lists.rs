//! The work list page (逾期事项): the overdue lists of the operator's unit
//! with the columns of `liudong overdue` and `liudong export overdue`
//! ([`liudong_node::worklist`]), a kind filter, pages of [`PAGE_SIZE`], and
//! the whole list as a CSV download. Only the persons shown (a page, or the
//! whole download) are recorded in the audit trail.

use crate::render::{esc, table_head, url};
use crate::state::{Console, Page, PageError, Req, Shown, Viewer};
use axum::http::StatusCode;
use liudong_core::overdue::Kind;
use liudong_i18n::{Lang, t_in};
use liudong_node::query::{self, OverdueAnswer, Query};
use liudong_node::worklist;
use std::fmt::Write;

/// Rows on one page of the list.
pub(crate) const PAGE_SIZE: usize = 50;

/// The kind filter of the request (`None`: every list).
fn kind_of(r: &Req) -> Result<Option<String>, PageError> {
    match r.param("kind").filter(|k| !k.is_empty()) {
        None => Ok(None),
        Some(k) if k == "held" || Kind::parse(k).is_some() => Ok(Some(k.to_string())),
        Some(k) => Err(PageError::new(
            StatusCode::BAD_REQUEST,
            t_in!(r.lang, "console-overdue-bad-kind", kind = k),
        )),
    }
}

fn overdue_query(c: &Console, kind: &Option<String>) -> Query {
    Query::Overdue {
        kinds: kind.iter().cloned().collect(),
        thresholds: c.thresholds,
    }
}

/// The filter links: every list, then each kind.
fn filters(l: Lang, kind: &Option<String>) -> String {
    let mut b = String::from("<p class=\"filters\">");
    let link = |b: &mut String, value: Option<&str>, label: String| {
        let current = kind.as_deref() == value;
        let _ = write!(
            b,
            "<a href=\"/overdue{}\"{}>{}</a>",
            value.map(|v| format!("?kind={v}")).unwrap_or_default(),
            if current { " class=\"current\"" } else { "" },
            esc(&label)
        );
    };
    link(&mut b, None, t_in!(l, "console-overdue-all"));
    for k in Kind::ALL {
        link(&mut b, Some(k.name()), worklist::kind_label(k, l));
    }
    link(&mut b, Some("held"), worklist::held_label(l));
    b.push_str("</p>");
    b
}

pub(crate) fn overdue(c: &Console, r: &Req, v: &Viewer) -> Page {
    let l = r.lang;
    let kind = kind_of(r)?;
    let page_no: usize = r
        .param("page")
        .and_then(|p| p.parse().ok())
        .filter(|&p| p >= 1)
        .unwrap_or(1);
    let p = query::overdue_page(
        c.node.store(),
        &v.audit_name(),
        &v.unit,
        &overdue_query(c, &kind),
        c.node.now_ms(),
        (page_no - 1) * PAGE_SIZE,
        PAGE_SIZE,
    )
    .map_err(|e| PageError::query(l, e))?;
    let a = &p.answer;
    let pages = p.total.div_ceil(PAGE_SIZE).max(1);
    let mut b = filters(l, &kind);
    let kind_param = kind
        .as_deref()
        .map(|k| format!("kind={}", url(k)))
        .unwrap_or_default();
    let _ = write!(
        b,
        "<p class=\"summary\">{} <b id=\"overdue-count\">{}</b> · <a id=\"download\" class=\"button\" href=\"/overdue.csv{}\">{}</a></p>",
        esc(&t_in!(
            l,
            "console-overdue-summary",
            today = a.today.to_string(),
            unit = worklist::place_name(&v.unit, &v.unit),
            quarters = a.thresholds.missed_quarters,
            cert_days = a.thresholds.certificate_days,
            ack_days = a.thresholds.ack_days
        )),
        p.total,
        if kind_param.is_empty() {
            String::new()
        } else {
            format!("?{kind_param}")
        },
        esc(&t_in!(l, "console-overdue-download"))
    );
    b.push_str(&table_head("overdue", "worklist", &worklist::headers(l)));
    let rows = worklist::rows(a, &v.unit, l);
    let kinds = a
        .items
        .iter()
        .map(|i| i.kind.name())
        .chain(a.held.iter().map(|_| "held"));
    for (row, kind) in rows.iter().zip(kinds) {
        let _ = write!(
            b,
            "<tr class=\"item{}\" data-kind=\"{kind}\">",
            if kind == "held" { " held" } else { "" }
        );
        for (i, cell) in row.iter().enumerate() {
            if i == worklist::SUBJECT_COLUMN {
                let _ = write!(
                    b,
                    "<td class=\"subject\">{}</td>",
                    crate::people::person_link(cell, cell)
                );
            } else {
                let _ = write!(
                    b,
                    "<td class=\"c-{}\">{}</td>",
                    worklist::COLUMNS[i],
                    esc(cell)
                );
            }
        }
        b.push_str("</tr>");
    }
    b.push_str(&crate::render::none_row(
        l,
        rows.is_empty(),
        worklist::COLUMNS.len(),
    ));
    b.push_str("</tbody></table>");
    if pages > 1 {
        b.push_str("<p class=\"pages\" id=\"pages\">");
        let here = |n: usize| {
            let mut q = vec![format!("page={n}")];
            if !kind_param.is_empty() {
                q.insert(0, kind_param.clone());
            }
            format!("/overdue?{}", q.join("&"))
        };
        if page_no > 1 {
            let _ = write!(
                b,
                "<a id=\"prev\" href=\"{}\">{}</a> ",
                esc(&here(page_no - 1)),
                esc(&t_in!(l, "console-page-prev"))
            );
        }
        let _ = write!(
            b,
            "<span id=\"page-of\">{}</span>",
            esc(&t_in!(
                l,
                "console-page-of",
                page = page_no.min(pages),
                pages = pages,
                first = (p.offset + 1).min(p.total),
                last = p.offset + a.items.len() + a.held.len()
            ))
        );
        if page_no < pages {
            let _ = write!(
                b,
                " <a id=\"next\" href=\"{}\">{}</a>",
                esc(&here(page_no + 1)),
                esc(&t_in!(l, "console-page-next"))
            );
        }
        b.push_str("</p>");
    }
    Ok(Shown::new(t_in!(l, "console-nav-overdue"), "/overdue", b))
}

/// The whole list of the request's kind as CSV (UTF-8 with a BOM, the work
/// list's columns): the file name and the text. Every person in it is
/// recorded in the audit trail as viewed.
pub(crate) fn csv(c: &Console, r: &Req, v: &Viewer) -> Result<(String, String), PageError> {
    let l = r.lang;
    let kind = kind_of(r)?;
    let a: OverdueAnswer = PageError::expect(
        l,
        c.ask(v, &overdue_query(c, &kind))
            .map_err(|e| PageError::query(l, e))?,
    )?;
    let mut out = String::from("\u{FEFF}");
    let mut line = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|s| csv_cell(s)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(&worklist::headers(l));
    for row in worklist::rows(&a, &v.unit, l) {
        line(&row);
    }
    let name = format!(
        "overdue-{}-{}{}.csv",
        v.unit,
        a.today,
        kind.map(|k| format!("-{k}")).unwrap_or_default()
    );
    Ok((name, out))
}

/// A CSV cell, quoted where it must be.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_quoted_where_needed() {
        assert_eq!(super::csv_cell("a,b"), "\"a,b\"");
        assert_eq!(super::csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_cell("幸福路3号"), "幸福路3号");
    }
}
