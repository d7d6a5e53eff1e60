//! HTML building blocks: escaping, place names, tables, the page frame
//! with its navigation and language switch, and the inline SVG chart.
//! Everything shown passes through [`esc`]; every word comes from the
//! message catalogue (`console.ftl`) in the page's language.

use liudong_core::Code;
pub use liudong_i18n::Lang;
use liudong_i18n::t_in;
use std::fmt::Write;

/// The other language, for the switch.
pub fn other(l: Lang) -> Lang {
    match l {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}

/// Escapes text for HTML content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value.
pub fn url(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The name of `code` as read from `unit` (see
/// [`liudong_node::worklist::place_name`]), escaped, with the code after it
/// in small print.
pub fn place_cell(code: &Code, unit: &Code) -> String {
    let name = liudong_node::worklist::place_name(code, unit);
    if name == code.to_string() {
        esc(&name)
    } else {
        format!(
            "{} <span class=\"code\">{}</span>",
            esc(&name),
            esc(code.as_str())
        )
    }
}

/// The opening of a table with its header row.
pub fn table_head(id: &str, class: &str, cols: &[String]) -> String {
    let mut h = format!("<table id=\"{id}\" class=\"{class}\"><thead><tr>");
    for c in cols {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead><tbody>");
    h
}

/// A table body row saying there is nothing, when `empty`.
pub fn none_row(l: Lang, empty: bool, cols: usize) -> String {
    if empty {
        format!(
            "<tr class=\"none\"><td colspan=\"{cols}\" class=\"muted\">{}</td></tr>",
            esc(&t_in!(l, "console-none"))
        )
    } else {
        String::new()
    }
}

/// A dash for a missing value.
pub fn or_dash(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into())
}

/// What the frame around a page needs.
pub struct Frame<'a> {
    pub lang: Lang,
    /// The node's code and name, for the header.
    pub node: &'a str,
    /// The logged-in operator, if any.
    pub operator: Option<FrameUser<'a>>,
    /// The current path and query (without `lang`), for the language switch.
    pub here: &'a str,
    /// Which navigation entry is current.
    pub current: &'a str,
}

/// The logged-in operator as the header shows them.
pub struct FrameUser<'a> {
    pub name: &'a str,
    /// The unit's name.
    pub unit: String,
    pub admin: bool,
    /// The session's CSRF token, for the logout form.
    pub csrf: &'a str,
}

/// A whole page: `title` (plain text) and `body` (HTML, already escaped).
pub fn page(f: &Frame, title: &str, body: &str) -> String {
    let l = f.lang;
    let brand = t_in!(l, "console-brand");
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · {}</title><link rel=\"stylesheet\" href=\"/console.css\"></head><body>\
         <header><div class=\"brand\">{} <span class=\"node\">{}</span></div>",
        match l {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        },
        esc(title),
        esc(&brand),
        esc(&brand),
        esc(f.node)
    );
    if let Some(u) = &f.operator {
        h.push_str("<nav>");
        let mut nav = vec![
            ("/", t_in!(l, "console-nav-overview")),
            ("/overdue", t_in!(l, "console-nav-overdue")),
            ("/write", t_in!(l, "console-nav-write")),
            ("/report", t_in!(l, "console-nav-report")),
            ("/nodes", t_in!(l, "console-nav-nodes")),
        ];
        if u.admin {
            nav.push(("/accounts", t_in!(l, "console-nav-accounts")));
        }
        for (path, label) in nav {
            let cls = if path == f.current {
                " class=\"current\""
            } else {
                ""
            };
            let _ = write!(h, "<a href=\"{path}\"{cls}>{}</a>", esc(&label));
        }
        h.push_str("</nav>");
    }
    h.push_str("<div class=\"user\">");
    let sep = if f.here.contains('?') { '&' } else { '?' };
    let _ = write!(
        h,
        "<a id=\"lang\" href=\"{}{sep}lang={}\">{}</a>",
        esc(f.here),
        other(l).code(),
        esc(&t_in!(other(l), "lang-name"))
    );
    if let Some(u) = &f.operator {
        let _ = write!(
            h,
            "<span id=\"operator\">{}</span><span id=\"operator-unit\" class=\"unit\">{}</span>\
             <form method=\"post\" action=\"/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button id=\"logout\" type=\"submit\">{}</button></form>",
            esc(u.name),
            esc(&u.unit),
            esc(u.csrf),
            esc(&t_in!(l, "console-logout"))
        );
    }
    let _ = writeln!(
        h,
        "</div></header><main><h1>{}</h1>{body}</main><footer>{}</footer></body></html>",
        esc(title),
        esc(&t_in!(l, "console-footer"))
    );
    h
}

/// One month's bars of the chart.
pub struct ChartMonth {
    pub label: String,
    pub outflows: u64,
    pub inflows: u64,
}

/// A grouped bar chart of outflows and inflows by month, as inline SVG
/// (presentation attributes only, no script or style).
pub fn flow_chart(lang: Lang, months: &[ChartMonth]) -> String {
    let (w, h, left, bottom, top) = (760.0_f64, 260.0_f64, 44.0, 36.0, 28.0);
    let max = months
        .iter()
        .map(|m| m.outflows.max(m.inflows))
        .max()
        .unwrap_or(0)
        .max(1);
    // A round axis maximum: 1, 2 or 5 times a power of ten.
    let (mut top_value, mut factor) = (1u64, 1u64);
    'outer: for p in 0..19 {
        for f in [1u64, 2, 5] {
            let v = f * 10u64.pow(p);
            if v >= max {
                (top_value, factor) = (v, f);
                break 'outer;
            }
        }
    }
    // Grid lines at whole, evenly spaced values: 0-1-…-5, or steps of 2, 5, 10, 20, 50, …
    let lines = if top_value <= 5 {
        top_value
    } else if factor == 2 {
        4
    } else {
        5
    };
    let plot_h = h - bottom - top;
    let plot_w = w - left - 10.0;
    let slot = plot_w / months.len().max(1) as f64;
    let bar = (slot * 0.32).min(22.0);
    let y = |v: u64| top + plot_h - plot_h * (v as f64) / (top_value as f64);
    let (outflows, inflows) = (
        t_in!(lang, "console-chart-outflows"),
        t_in!(lang, "console-chart-inflows"),
    );
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"flow-chart\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        esc(&t_in!(lang, "console-chart-title"))
    );
    for i in 0..=lines {
        let v = top_value / lines * i;
        let yy = y(v);
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#d0d7de\" stroke-width=\"1\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">{v}</text>",
            w - 10.0,
            left - 6.0,
            yy + 4.0
        );
    }
    for (i, m) in months.iter().enumerate() {
        let x0 = left + slot * i as f64 + slot / 2.0 - bar;
        for (j, (v, color, what, word)) in [
            (m.outflows, "#cf6a32", "outflows", &outflows),
            (m.inflows, "#2f6fb3", "inflows", &inflows),
        ]
        .into_iter()
        .enumerate()
        {
            let x = x0 + bar * j as f64;
            let yy = y(v);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{yy:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{color}\" data-month=\"{}\" data-{what}=\"{v}\"><title>{} {}: {v}</title></rect>",
                top + plot_h - yy,
                esc(&m.label),
                esc(&m.label),
                esc(word)
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">{}</text>",
            x0 + bar,
            h - bottom + 16.0,
            esc(&m.label)
        );
    }
    let _ = write!(
        s,
        "<rect x=\"{left}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#cf6a32\"/>\
         <text x=\"{:.1}\" y=\"16\" font-size=\"12\" fill=\"#24292f\">{}</text>\
         <rect x=\"{:.1}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#2f6fb3\"/>\
         <text x=\"{:.1}\" y=\"16\" font-size=\"12\" fill=\"#24292f\">{}</text></svg>",
        left + 16.0,
        esc(&outflows),
        left + 110.0,
        left + 126.0,
        esc(&inflows)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(url("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn chart_has_one_bar_pair_per_month_scaled_to_a_round_maximum() {
        let months: Vec<ChartMonth> = (1..=3)
            .map(|m| ChartMonth {
                label: format!("2026-0{m}"),
                outflows: m * 10,
                inflows: 7,
            })
            .collect();
        let svg = flow_chart(Lang::Zh, &months);
        let labels: Vec<&str> = svg
            .split("text-anchor=\"end\" fill=\"#57606a\">")
            .skip(1)
            .map(|t| &t[..t.find('<').unwrap()])
            .collect();
        assert_eq!(labels, ["0", "10", "20", "30", "40", "50"], "even grid");
        assert_eq!(svg.matches("data-outflows=").count(), 3);
        assert_eq!(svg.matches("data-inflows=\"7\"").count(), 3);
        assert!(
            svg.contains(">50</text>"),
            "axis tops at 50 for a maximum of 30"
        );
        assert!(svg.contains("流出") && !svg.contains("<script"));
        assert!(flow_chart(Lang::En, &[]).contains("Outflows"));
    }

    #[test]
    fn places_show_their_name_and_code() {
        let unit = Code::parse("410602").unwrap();
        let cell = place_cell(&Code::parse("410602100").unwrap(), &unit);
        assert_eq!(
            cell, "鹤壁集镇 <span class=\"code\">410602100</span>",
            "{cell}"
        );
        assert_eq!(or_dash(Some(String::new())), "—");
    }
}
