//! The console's pages. Figures come from the same functions as the CLI
//! (`liudong_sync::query`, `liudong_core::report`, `liudong_sync::status`);
//! personal data only through `query::run`, which audits the view.

use crate::render::{ChartMonth, Lang, code_cell, esc, flow_chart, url};
use crate::session::Session;
use crate::state::{Console, PageError, Req};
use axum::http::StatusCode;
use liudong_core::Date;
use liudong_core::report::{COLUMNS, Counts, Month, Report, cell};
use liudong_node::query::{self, Answer, OverdueAnswer, PersonAnswer, Query, QueryError};
use std::fmt::Write;

type Page = Result<(String, &'static str, String), PageError>;

/// Months shown in the report's chart (ending with the report's month).
const CHART_MONTHS: u32 = 12;

/// Renders the page of a GET request: title, navigation entry, body.
pub(super) fn render(c: &Console, r: &Req, s: &Session) -> Page {
    match r.path.as_str() {
        "/" => overview(c, r),
        "/nodes" => nodes(c, r),
        "/report" => report(c, r, s),
        "/overdue" => overdue(c, r, s),
        "/person" => person(c, r, s),
        _ => Err(PageError::new(
            StatusCode::NOT_FOUND,
            r.lang.t("没有这个页面。", "No such page."),
        )),
    }
}

/// The operator as the audit trail names a console user.
pub fn audit_name(operator: &str) -> String {
    format!("console:{operator}")
}

/// Whether a link has been silent beyond what this node expects: no
/// successful session for more than twice the sync interval.
///
/// The one place that decides "silent": when `LinkReport` carries its own
/// `silent` / `last_contact_ms`, switch this function over to them.
fn store_error(lang: Lang, e: impl std::fmt::Display) -> PageError {
    tracing::error!(error = %e, "console: reading the store failed");
    PageError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        lang.t(
            "读取本节点数据失败，请稍后再试；如仍失败请联系系统管理员（见节点日志）。",
            "Reading this node's data failed; try again, and if it keeps failing ask the administrator (see the node's log).",
        ),
    )
}

fn query_error(lang: Lang, e: QueryError) -> PageError {
    match e {
        QueryError::Bad(m) => PageError::new(StatusCode::BAD_REQUEST, m),
        QueryError::NotFound(m) => PageError::new(StatusCode::NOT_FOUND, m),
        QueryError::Store(e) => store_error(lang, e),
    }
}

fn run(c: &Console, s: &Session, q: &Query) -> Result<Answer, QueryError> {
    query::run(c.node.store(), &audit_name(&s.operator), q, c.node.now_ms())
}

/// The answer of the kind asked for (another kind is a bug, shown as a failure).
fn expect<T>(lang: Lang, a: Answer) -> Result<T, PageError>
where
    T: TryFrom<Answer, Error = query::WrongAnswer>,
{
    T::try_from(a).map_err(|e| store_error(lang, e))
}

fn month_now(c: &Console) -> Month {
    let d = Date::from_unix_ms(c.node.now_ms());
    Month {
        year: d.year,
        month: d.month,
    }
}

fn fmt_ms(ms: Option<u64>) -> String {
    ms.map_or("-".into(), liudong_node::status::fmt_ms)
}

fn overview(c: &Console, r: &Req) -> Page {
    let l = r.lang;
    let store = c.node.store();
    let now = c.node.now_ms();
    let month = month_now(c);
    let views: Vec<_> = store
        .views()
        .collect::<Result<_, _>>()
        .map_err(|e| store_error(l, e))?;
    let rep =
        liudong_core::report::compute(&views, &store.scope().code, month, c.thresholds.ack_days);
    let (counts, held) =
        query::overdue_counts(store, &views, &c.thresholds, now).map_err(|e| query_error(l, e))?;
    let links = liudong_node::status::report_node(&c.node).map_err(|e| store_error(l, e))?;
    let silent = links.links.iter().filter(|k| k.silent).count();
    let card = |id: &str, label: &str, value: String, href: &str| {
        format!(
            "<a class=\"card\" href=\"{href}\"><span class=\"label\">{}</span><span class=\"value\" id=\"{id}\">{}</span></a>",
            esc(label),
            esc(&value)
        )
    };
    let mut b = String::from("<section class=\"cards\">");
    b.push_str(&card(
        "records",
        l.t("记录数", "Records"),
        store.record_count().to_string(),
        "/",
    ));
    b.push_str(&card(
        "migrants-out",
        l.t("外出流动人口", "Migrants out"),
        rep.total.counts.migrants_out.to_string(),
        "/report",
    ));
    b.push_str(&card(
        "migrants-in",
        l.t("流入人口", "Migrants in"),
        rep.total.counts.migrants_in.to_string(),
        "/report",
    ));
    b.push_str(&card(
        "links",
        l.t("下级与上级链路", "Links"),
        links.links.len().to_string(),
        "/nodes",
    ));
    b.push_str(&card(
        "silent-links",
        l.t("超时未联系", "Silent links"),
        silent.to_string(),
        "/nodes",
    ));
    b.push_str("</section><h2>");
    b.push_str(l.t("逾期事项", "Overdue"));
    b.push_str("</h2><section class=\"cards\">");
    for (k, n) in &counts {
        b.push_str(&card(
            &format!("overdue-{}", k.name()),
            l.t(k.label_zh(), k.name()),
            n.to_string(),
            &format!("/overdue?kind={}", k.name()),
        ));
    }
    b.push_str(&card(
        "overdue-held",
        l.t("待补信息", "Held"),
        held.to_string(),
        "/overdue?kind=held",
    ));
    let _ = write!(
        b,
        "</section><p class=\"muted\">{} {month}</p><h2>{}</h2>{}",
        l.t(
            "流动人口数为本月末数。",
            "Migrant counts are as of the end of the month"
        ),
        l.t("查询个人", "Find a person"),
        person_form(l, "")
    );
    Ok((l.t("概况", "Overview").into(), "/", b))
}

fn person_form(l: Lang, value: &str) -> String {
    format!(
        "<form class=\"inline\" method=\"get\" action=\"/person\"><input id=\"person-id\" name=\"id\" value=\"{}\" placeholder=\"{}\" maxlength=\"18\" required><button id=\"person-go\" type=\"submit\">{}</button></form>",
        esc(value),
        l.t("公民身份号码", "Citizen ID"),
        l.t("查询", "Show")
    )
}

fn nodes(c: &Console, r: &Req) -> Page {
    let l = r.lang;
    let rep = liudong_node::status::report_node(&c.node).map_err(|e| store_error(l, e))?;
    let mut b = format!(
        "<p>{} <b id=\"node-records\">{}</b> · {} {} · {} {}</p>",
        l.t("本节点记录", "Records here"),
        rep.records,
        l.t("冲突", "conflicts"),
        rep.conflicts,
        l.t("拒绝的对端", "peers refused"),
        rep.refused
    );
    b.push_str(&table_head(
        l,
        "links",
        &[
            ("方向", "Role"),
            ("节点", "Node"),
            ("状态", "State"),
            ("最近联系", "Last contact"),
            ("预期间隔（秒）", "Expected interval (s)"),
            ("最近成功", "Last success"),
            ("最近失败", "Last failure"),
            ("待发送", "Pending out"),
            ("待接收", "Pending in"),
            ("会话数", "Sessions"),
            ("最近错误", "Last error"),
        ],
    ));
    for k in &rep.links {
        let silent = k.silent;
        let _ = write!(
            b,
            "<tr class=\"link{}\" data-peer=\"{}\" data-silent=\"{silent}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            if silent { " silent" } else { "" },
            esc(&k.peer),
            match k.role {
                "upstream" => l.t("上级", "upstream"),
                _ => l.t("下级", "child"),
            },
            code_cell(&k.peer),
            if silent {
                l.t("超时未联系", "silent")
            } else if k.connected {
                l.t("在线", "connected")
            } else {
                l.t("正常", "in contact")
            },
            esc(&fmt_ms(k.last_contact_ms)),
            k.expected_interval_secs
                .map_or(String::new(), |s| s.to_string()),
            esc(&fmt_ms(k.status.last_success_ms)),
            esc(&fmt_ms(k.status.last_failure_ms)),
            k.pending_out,
            k.pending_in.map_or(String::new(), |p| p.to_string()),
            k.status.sessions,
            esc(k.status.last_error.as_deref().unwrap_or("")),
        );
    }
    if rep.links.is_empty() {
        let _ = write!(
            b,
            "<tr><td colspan=\"11\">{}</td></tr>",
            l.t("暂无链路。", "No links yet.")
        );
    }
    let _ = write!(
        b,
        "</tbody></table><p class=\"muted\">{}</p>",
        l.t(
            "下级节点超过其预期同步间隔（由该节点在同步时通报）两倍未联系即标为超时未联系。",
            "A lower node is silent when it has not been in contact for twice its expected sync interval (which it announces when it syncs)."
        )
    );
    Ok((l.t("下级节点", "Lower nodes").into(), "/nodes", b))
}

fn report(c: &Console, r: &Req, s: &Session) -> Page {
    let l = r.lang;
    let month = match r.param("month").filter(|m| !m.is_empty()) {
        Some(m) => Month::parse(m).ok_or_else(|| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "{} {m:?}",
                    l.t("月份格式应为 YYYY-MM：", "The month must be YYYY-MM:")
                ),
            )
        })?,
        None => month_now(c),
    };
    let v = run(
        c,
        s,
        &Query::Report {
            month: month.to_string(),
            code: None,
            ack_days: c.thresholds.ack_days,
        },
    )
    .map_err(|e| query_error(l, e))?;
    let rep: Report = expect(l, v)?;
    // The chart: the same computation over the months before.
    let store = c.node.store();
    let views: Vec<_> = store
        .views()
        .collect::<Result<_, _>>()
        .map_err(|e| store_error(l, e))?;
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
            let r = if m == month {
                rep.total.counts
            } else {
                liudong_core::report::compute(&views, &rep.code, m, c.thresholds.ack_days)
                    .total
                    .counts
            };
            ChartMonth {
                label: m.to_string(),
                outflows: r.outflows,
                inflows: r.inflows,
            }
        })
        .collect();
    let mut b = format!(
        "<form class=\"inline\" method=\"get\" action=\"/report\"><label>{} <input id=\"month\" type=\"month\" name=\"month\" value=\"{month}\"></label><button type=\"submit\">{}</button></form>",
        l.t("月份", "Month"),
        l.t("查看", "Show")
    );
    let _ = write!(
        b,
        "<p>{} <b id=\"report-unit\">{}</b> · {} <b id=\"report-month\">{month}</b> · {}</p>",
        l.t("单位", "Unit"),
        code_cell(&rep.code.to_string()),
        l.t("月份", "month"),
        esc(&match l {
            Lang::Zh => format!("反馈时限 {} 天", rep.ack_days),
            Lang::En => format!("feedback within {} days", rep.ack_days),
        })
    );
    b.push_str("<div class=\"scroll\"><table id=\"report\"><thead><tr>");
    let _ = write!(
        b,
        "<th>{}</th><th>{}</th>",
        l.t("单位", "Unit"),
        l.t("名称", "Name")
    );
    for col in COLUMNS {
        let _ = write!(b, "<th>{}</th>", esc(l.t(col.1, col.2)));
    }
    b.push_str("</tr></thead><tbody>");
    let row = |b: &mut String, code: &str, name: &str, counts: &Counts, class: &str| {
        let _ = write!(
            b,
            "<tr class=\"{class}\" data-code=\"{}\"><td>{}</td><td>{}</td>",
            esc(code),
            esc(code),
            esc(name)
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
    let rows = liudong_node::report::report_rows(&rep, l == Lang::En);
    let units = rows.len() - 1;
    for (i, (code, name, counts)) in rows.iter().enumerate() {
        row(
            &mut b,
            code,
            name,
            counts,
            if i < units { "unit" } else { "total" },
        );
    }
    b.push_str("</tbody></table></div>");
    if let Some(days) = rep.arrival.mean_days() {
        let _ = write!(
            b,
            "<p class=\"muted\">{}</p>",
            esc(&match l {
                Lang::Zh => format!(
                    "本月流入通报自登记至到达本节点平均 {days:.2} 天（{} 条）",
                    rep.arrival.notices
                ),
                Lang::En => format!(
                    "Inflow notices of the month arrived here {days:.2} days after registration on average ({} notices)",
                    rep.arrival.notices
                ),
            })
        );
    }
    let _ = write!(
        b,
        "<h2>{}</h2>{}",
        l.t("各月流出与流入", "Outflows and inflows by month"),
        flow_chart(l, &bars)
    );
    Ok((l.t("月报", "Monthly report").into(), "/report", b))
}

fn overdue(c: &Console, r: &Req, s: &Session) -> Page {
    let l = r.lang;
    let kind = r
        .param("kind")
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let v = run(
        c,
        s,
        &Query::Overdue {
            kinds: kind.iter().cloned().collect(),
            thresholds: c.thresholds,
        },
    )
    .map_err(|e| query_error(l, e))?;
    let a: OverdueAnswer = expect(l, v)?;
    let mut b = String::from("<p class=\"filters\">");
    let _ = write!(
        b,
        "<a href=\"/overdue\"{}>{}</a>",
        if kind.is_none() {
            " class=\"current\""
        } else {
            ""
        },
        l.t("全部", "All")
    );
    for k in liudong_core::overdue::Kind::ALL {
        let _ = write!(
            b,
            "<a href=\"/overdue?kind={}\"{}>{}</a>",
            k.name(),
            if kind.as_deref() == Some(k.name()) {
                " class=\"current\""
            } else {
                ""
            },
            esc(l.t(k.label_zh(), k.name()))
        );
    }
    let _ = write!(
        b,
        "<a href=\"/overdue?kind=held\"{}>{}</a></p>",
        if kind.as_deref() == Some("held") {
            " class=\"current\""
        } else {
            ""
        },
        l.t("待补信息", "held")
    );
    let _ = write!(
        b,
        "<p>{} {} · <b id=\"overdue-count\">{}</b> {} · <b id=\"held-count\">{}</b> {} · N = {} {}, D = {} {}, A = {} {}</p>",
        l.t("截至", "As of"),
        a.today,
        a.items.len(),
        l.t("项逾期", "overdue"),
        a.held.len(),
        l.t("条待补信息", "held"),
        a.thresholds.missed_quarters,
        l.t("季度", "quarters"),
        a.thresholds.certificate_days,
        l.t("天", "days"),
        a.thresholds.ack_days,
        l.t("天", "days"),
    );
    b.push_str(&table_head(
        l,
        "overdue",
        &[
            ("事项", "Kind"),
            ("公民身份号码", "Citizen ID"),
            ("户籍地", "Origin"),
            ("现居住地", "Residence"),
            ("起始", "Since"),
            ("计数", "Count"),
            ("说明", "Detail"),
        ],
    ));
    for i in &a.items {
        let id = i.subject.to_string();
        let _ = write!(
            b,
            "<tr class=\"item\" data-kind=\"{}\"><td>{}</td><td><a href=\"/person?id={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            i.kind.name(),
            esc(l.t(i.kind.label_zh(), i.kind.name())),
            url(&id),
            esc(&id),
            code_cell(&i.origin.to_string()),
            i.residence
                .as_ref()
                .map_or("-".into(), |c| code_cell(&c.to_string())),
            i.since.map_or("-".into(), |d| d.to_string()),
            i.count,
            esc(&i.detail)
        );
    }
    for h in &a.held {
        let _ = write!(
            b,
            "<tr class=\"item held\" data-kind=\"held\"><td>{}</td><td><a href=\"/person?id={}\">{}</a></td><td colspan=\"4\">{} ({})</td><td>{}</td></tr>",
            l.t("待补信息", "held"),
            url(&h.subject),
            esc(&h.subject),
            esc(&h.id.to_string()),
            esc(&h.kind),
            esc(&h.issue.to_string())
        );
    }
    if a.items.is_empty() && a.held.is_empty() {
        let _ = write!(
            b,
            "<tr><td colspan=\"7\">{}</td></tr>",
            l.t("没有逾期事项。", "Nothing overdue.")
        );
    }
    b.push_str("</tbody></table>");
    Ok((l.t("逾期事项", "Overdue").into(), "/overdue", b))
}

/// The operators' words for the states a person's view shows, by the
/// state's name (English pages show the name, as the CLI does).
const WORDS: [(&str, &str); 15] = [
    ("Male", "男"),
    ("Female", "女"),
    ("Unspecified", "未说明"),
    ("Single", "未婚"),
    ("Married", "已婚"),
    ("Divorced", "离婚"),
    ("Widowed", "丧偶"),
    ("Unknown", "不详"),
    ("AtHome", "在户籍地"),
    ("OutMigrated", "已外出"),
    ("AtResidence", "已在流入地登记"),
    ("Normal", "正常"),
    ("FollowUp", "需随访"),
    ("Confirmed", "已核实"),
    ("Mismatch", "信息不符"),
];

/// A state of the view in the page's language.
fn word(l: Lang, x: impl std::fmt::Debug) -> String {
    let name = format!("{x:?}");
    match l {
        Lang::En => name,
        Lang::Zh => WORDS
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(name, |(_, zh)| zh.to_string()),
    }
}

/// The opening of a table with its header row (`cols`: Chinese, English).
/// A record kind as operators call it.
fn kind_word(l: Lang, kind: &str) -> &str {
    let zh = match kind {
        "person_registered" => "人员登记",
        "marriage_registered" => "婚姻登记",
        "outflow_registered" => "流出登记",
        "certificate_issued" => "婚育证明",
        "inflow_registered" => "流入登记",
        "inflow_acknowledged" => "流入反馈",
        "check_reported" => "双查报告",
        "birth_registered" => "出生登记",
        "residence_changed" => "居住地变更",
        "returned" => "返回",
        "correction" => "更正",
        other => other,
    };
    l.t(zh, kind)
}

fn table_head(l: Lang, id: &str, cols: &[(&str, &str)]) -> String {
    let mut h = format!("<table id=\"{id}\"><thead><tr>");
    for (zh, en) in cols {
        let _ = write!(h, "<th>{}</th>", esc(l.t(zh, en)));
    }
    h.push_str("</tr></thead><tbody>");
    h
}

/// A table body row saying there is nothing, when `empty`.
fn none_row(l: Lang, empty: bool, cols: usize) -> String {
    if empty {
        format!(
            "<tr><td colspan=\"{cols}\" class=\"muted\">{}</td></tr>",
            l.t("无", "none")
        )
    } else {
        String::new()
    }
}

fn person(c: &Console, r: &Req, s: &Session) -> Page {
    let l = r.lang;
    let title = l.t("个人信息", "Person").to_string();
    let Some(id) = r.param("id").map(str::trim).filter(|i| !i.is_empty()) else {
        return Ok((title, "", person_form(l, "")));
    };
    let v = match run(
        c,
        s,
        &Query::Person {
            subject: id.to_uppercase(),
        },
    ) {
        Ok(v) => v,
        // A mistyped or unknown ID: the form again, with what was typed.
        Err(QueryError::Bad(m) | QueryError::NotFound(m)) => {
            let body = format!(
                "{}<div class=\"error\" id=\"error\"><p>{}</p></div>",
                person_form(l, id),
                esc(&m)
            );
            return Ok((title, "", body));
        }
        Err(e) => return Err(query_error(l, e)),
    };
    let a: PersonAnswer = expect(l, v)?;
    let p = &a.view;
    let opt = |c: &Option<liudong_core::Code>| {
        c.as_ref()
            .map_or("-".to_string(), |c| code_cell(&c.to_string()))
    };
    let mut b = person_form(l, id);
    let _ = write!(
        b,
        "<table class=\"facts\" id=\"person\"><tbody>\
         <tr><th>{}</th><td id=\"subject\">{}</td></tr>\
         <tr><th>{}</th><td id=\"name\">{}</td></tr>\
         <tr><th>{}</th><td>{}, {}</td></tr>\
         <tr><th>{}</th><td>{}{}</td></tr>\
         <tr><th>{}</th><td id=\"status\">{}</td></tr>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
         <tr><th>{}</th><td id=\"certificate\">{}</td></tr>\
         <tr><th>{}</th><td><span id=\"records\">{}</span> ({} <span id=\"voided\">{}</span>)</td></tr>\
         </tbody></table>",
        l.t("公民身份号码", "Citizen ID"),
        esc(p.subject.as_str()),
        l.t("姓名", "Name"),
        esc(p
            .name
            .as_deref()
            .unwrap_or(l.t("（本节点无姓名）", "(name not held here)"))),
        l.t("性别、出生日期", "Sex, born"),
        word(l, p.sex),
        p.birth_date,
        l.t("婚姻状况", "Marital status"),
        word(l, p.marital_status),
        p.married_on.map(|d| format!(" ({d})")).unwrap_or_default(),
        l.t("状态", "Status"),
        word(l, p.status),
        l.t("户籍地", "Origin"),
        code_cell(&p.origin.to_string()),
        l.t("现居住地", "Residence"),
        opt(&p.residence),
        l.t("婚育证明", "Certificate"),
        match &p.certificate {
            Some(cert) => esc(&format!(
                "{} {} – {} ({})",
                cert.number,
                cert.valid_from.map_or("?".into(), |d| d.to_string()),
                cert.valid_until.map_or("?".into(), |d| d.to_string()),
                if a.certificate_valid_today {
                    l.t("今日有效", "valid today")
                } else {
                    l.t("今日无效", "NOT valid today")
                }
            )),
            None => esc(l.t("无", "none known")),
        },
        l.t("记录数", "Records"),
        p.records,
        l.t("作废", "voided"),
        p.voided
    );
    let _ = write!(b, "<h2>{}</h2>", l.t("流动经历", "Migration episodes"));
    b.push_str(&table_head(
        l,
        "episodes",
        &[
            ("#", "#"),
            ("外出", "Left"),
            ("到达", "Arrived"),
            ("居住地", "Residences"),
            ("返回", "Returned"),
        ],
    ));
    for (n, e) in p.episodes.iter().enumerate() {
        let _ = write!(
            b,
            "<tr class=\"episode\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            n + 1,
            e.left.map_or("-".into(), |d| d.to_string()),
            e.arrived.map_or("-".into(), |d| d.to_string()),
            e.residences
                .iter()
                .map(|c| code_cell(&c.to_string()))
                .collect::<Vec<_>>()
                .join(" → "),
            e.returned
                .map_or(l.t("未返回", "open").to_string(), |d| d.to_string())
        );
    }
    b.push_str(&none_row(l, p.episodes.is_empty(), 5));
    let _ = write!(
        b,
        "</tbody></table><h2>{}</h2>",
        l.t("流入登记", "Inflow registrations"),
    );
    b.push_str(&table_head(
        l,
        "inflows",
        &[
            ("记录", "Record"),
            ("居住地", "Residence"),
            ("到达日期", "Arrival"),
            ("婚育证明", "Certificate"),
            ("反馈", "Acknowledgement"),
        ],
    ));
    for i in &p.inflows {
        let _ = write!(
            b,
            "<tr class=\"inflow\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.id.to_string()),
            opt(&i.residence),
            i.arrival_date,
            esc(i
                .certificate_number
                .as_deref()
                .unwrap_or(l.t("未持证（补办）", "missing (补办)"))),
            esc(&match &i.acknowledged {
                Some((id, o)) => format!("{} {id}", word(l, o)),
                None => l.t("未反馈", "not acknowledged").to_string(),
            })
        );
    }
    b.push_str(&none_row(l, p.inflows.is_empty(), 5));
    let _ = write!(
        b,
        "</tbody></table><h2>{}</h2><table id=\"checks\"><tbody>",
        l.t("双查报告", "Check reports")
    );
    for k in &p.checks {
        let _ = write!(
            b,
            "<tr class=\"check\"><td>{}Q{}</td><td>{}</td><td>{}</td></tr>",
            k.quarter.year,
            k.quarter.q,
            k.check_date,
            word(l, k.result)
        );
    }
    b.push_str(&none_row(l, p.checks.is_empty(), 3));
    let _ = write!(
        b,
        "</tbody></table><h2>{}</h2><table id=\"births\"><tbody>",
        l.t("生育", "Births")
    );
    for x in &p.births {
        let _ = write!(
            b,
            "<tr class=\"birth\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            x.birth_date,
            word(l, x.sex),
            x.birth_order,
            esc(&x.id.to_string())
        );
    }
    b.push_str(&none_row(l, p.births.is_empty(), 4));
    b.push_str("</tbody></table>");
    let _ = write!(b, "<h2>{}</h2>", l.t("记录历史", "Record history"));
    b.push_str(&table_head(
        l,
        "history",
        &[
            ("记录", "Record"),
            ("类型", "Kind"),
            ("事件日期", "Event date"),
            ("录入日期", "Written"),
            ("录入人", "Operator"),
            ("户籍地", "Origin"),
            ("现居住地", "Residence"),
            ("更正对象", "Corrects"),
        ],
    ));
    for h in &a.history {
        let _ = write!(
            b,
            "<tr class=\"record\" data-id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&h.id),
            esc(&h.id),
            esc(kind_word(l, &h.kind)),
            h.event_date.map_or("-".into(), |d| d.to_string()),
            h.written,
            esc(&h.operator),
            esc(&h.origin),
            esc(h.residence.as_deref().unwrap_or("-")),
            esc(h.corrects.as_deref().unwrap_or("")),
        );
    }
    b.push_str(&none_row(l, a.history.is_empty(), 8));
    b.push_str("</tbody></table>");
    for h in &a.held {
        let _ = write!(
            b,
            "<p class=\"error held\">{} {} ({}): {}</p>",
            l.t("待补信息", "HELD"),
            esc(&h.id.to_string()),
            esc(&h.kind),
            esc(&h.issue.to_string())
        );
    }
    Ok((title, "", b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::record::{AckOutcome, CheckResult, MaritalStatus, Sex};
    use liudong_core::view::Status;

    #[test]
    fn every_state_shown_has_a_chinese_word() {
        let names: Vec<String> = [
            word(Lang::Zh, Sex::Male),
            word(Lang::Zh, Sex::Female),
            word(Lang::Zh, MaritalStatus::Unspecified),
            word(Lang::Zh, MaritalStatus::Single),
            word(Lang::Zh, MaritalStatus::Married),
            word(Lang::Zh, MaritalStatus::Divorced),
            word(Lang::Zh, MaritalStatus::Widowed),
            word(Lang::Zh, Status::Unknown),
            word(Lang::Zh, Status::AtHome),
            word(Lang::Zh, Status::OutMigrated),
            word(Lang::Zh, Status::AtResidence),
            word(Lang::Zh, CheckResult::Normal),
            word(Lang::Zh, CheckResult::FollowUp),
            word(Lang::Zh, AckOutcome::Confirmed),
            word(Lang::Zh, AckOutcome::Mismatch),
        ]
        .into();
        for n in &names {
            assert!(n.chars().all(|c| !c.is_ascii_alphabetic()), "{n}");
        }
        assert_eq!(word(Lang::En, Status::OutMigrated), "OutMigrated");
        for kind in [
            "person_registered",
            "marriage_registered",
            "outflow_registered",
            "certificate_issued",
            "inflow_registered",
            "inflow_acknowledged",
            "check_reported",
            "birth_registered",
            "residence_changed",
            "returned",
            "correction",
        ] {
            let zh = kind_word(Lang::Zh, kind);
            assert!(zh.chars().all(|c| !c.is_ascii()), "{kind}: {zh}");
            assert_eq!(kind_word(Lang::En, kind), kind);
        }
    }

    #[test]
    fn the_chart_months_step_back_across_years() {
        let m = Month::parse("2026-02").unwrap();
        assert_eq!(m.prev().to_string(), "2026-01");
        assert_eq!(m.prev().prev().to_string(), "2025-12");
    }
}
