//! HTML building blocks: escaping, the page frame, the language switch and
//! the inline SVG chart. Everything shown passes through [`esc`].

use std::fmt::Write;

/// The page language: Chinese by default, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Picks the Chinese or the English text.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
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

/// The name of a division code from the embedded table, or "".
pub fn division_name(code: &str) -> &'static str {
    liudong_core::divisions::table()
        .name(code)
        .unwrap_or_default()
}

/// A code with its name, escaped.
pub fn code_cell(code: &str) -> String {
    let name = division_name(code);
    if name.is_empty() {
        esc(code)
    } else {
        format!("{} <span class=\"muted\">{}</span>", esc(code), esc(name))
    }
}

/// What the frame around a page needs.
pub struct Frame<'a> {
    pub lang: Lang,
    /// The node's code and name, for the header.
    pub node: &'a str,
    /// The logged-in operator and the CSRF token of the logout form.
    pub operator: Option<(&'a str, &'a str)>,
    /// The current path and query (without `lang`), for the language switch.
    pub here: &'a str,
    /// Which navigation entry is current.
    pub current: &'a str,
}

/// The navigation: path, Chinese and English label.
const NAV: [(&str, &str, &str); 4] = [
    ("/", "概况", "Overview"),
    ("/nodes", "下级节点", "Lower nodes"),
    ("/report", "月报", "Monthly report"),
    ("/overdue", "逾期事项", "Overdue"),
];

/// A whole page: `title` (plain text) and `body` (HTML, already escaped).
pub fn page(f: &Frame, title: &str, body: &str) -> String {
    let l = f.lang;
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · {}</title><link rel=\"stylesheet\" href=\"/console.css\"></head><body>\
         <header><div class=\"brand\">{} <span class=\"node\">{}</span></div>",
        l.t("zh-CN", "en"),
        esc(title),
        l.t("流动人口服务管理", "Migrant services"),
        l.t("流动人口服务管理", "Migrant services"),
        esc(f.node)
    );
    if f.operator.is_some() {
        h.push_str("<nav>");
        for (path, zh, en) in NAV {
            let cls = if path == f.current {
                " class=\"current\""
            } else {
                ""
            };
            let _ = write!(h, "<a href=\"{path}\"{cls}>{}</a>", l.t(zh, en));
        }
        h.push_str("</nav>");
    }
    h.push_str("<div class=\"user\">");
    let other = match l {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    };
    let sep = if f.here.contains('?') { '&' } else { '?' };
    let _ = write!(
        h,
        "<a id=\"lang\" href=\"{}{sep}lang={}\">{}</a>",
        esc(f.here),
        other.code(),
        l.t("English", "中文")
    );
    if let Some((op, csrf)) = f.operator {
        let _ = write!(
            h,
            "<span id=\"operator\">{}</span><form method=\"post\" action=\"/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button id=\"logout\" type=\"submit\">{}</button></form>",
            esc(op),
            esc(csrf),
            l.t("退出", "Log out")
        );
    }
    let _ = writeln!(
        h,
        "</div></header><main><h1>{}</h1>{body}</main><footer>{}</footer></body></html>",
        esc(title),
        l.t(
            "本页内容含个人信息，查看记录已留痕审计。",
            "This page may show personal data; every view is recorded in the audit trail."
        )
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
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"flow-chart\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        esc(lang.t("各月流出与流入", "Outflows and inflows by month"))
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
        for (j, (v, color, what)) in [
            (m.outflows, "#cf6a32", "outflows"),
            (m.inflows, "#2f6fb3", "inflows"),
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
                match what {
                    "outflows" => lang.t("流出", "outflows"),
                    _ => lang.t("流入", "inflows"),
                }
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
        esc(lang.t("流出", "Outflows")),
        left + 110.0,
        left + 126.0,
        esc(lang.t("流入", "Inflows"))
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
}
