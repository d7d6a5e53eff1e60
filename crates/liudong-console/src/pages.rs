//! The console's pages: the overview and a person's view. Figures come from the same functions as the CLI
//! (`liudong_node::query`, `liudong_core::report`, `liudong_node::status`);
//! personal data only through the audited queries, over the operator's unit.

use crate::forms;
use crate::nodes_page;
use crate::people::{load_person, outcome_word, person_form};
use crate::render::{Lang, esc, none_row, or_dash, place_cell, table_head};
use crate::report_page::month_now;
use crate::state::{Console, Page, PageError, Req, Shown, Viewer, notice};
use liudong_core::record::CheckResult;
use liudong_core::view::Status;
use liudong_i18n::t_in;
use liudong_node::worklist::{self, marital_word, record_kind, sex_word};
use std::fmt::Write;

pub(crate) fn overview(c: &Console, r: &Req, v: &Viewer) -> Page {
    let l = r.lang;
    let store = c.node.store();
    let now = c.node.now_ms();
    let month = month_now(c);
    let views: Vec<_> = store
        .views()
        .collect::<Result<_, _>>()
        .map_err(|e| PageError::store(l, e))?;
    let rep = liudong_core::report::compute(&views, &v.unit, month, c.thresholds.ack_days);
    let (counts, held) =
        liudong_node::query::overdue_counts(store, &v.unit, &views, &c.thresholds, now)
            .map_err(|e| PageError::query(l, e))?;
    let links = nodes_page::rows(c, v).map_err(|e| PageError::store(l, e))?;
    let problems = links.iter().filter(|k| k.state.is_problem()).count();
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
        &t_in!(l, "console-card-records"),
        store.record_count().to_string(),
        "/",
    ));
    b.push_str(&card(
        "migrants-out",
        &t_in!(l, "console-card-migrants-out"),
        rep.total.counts.migrants_out.to_string(),
        "/report",
    ));
    b.push_str(&card(
        "migrants-in",
        &t_in!(l, "console-card-migrants-in"),
        rep.total.counts.migrants_in.to_string(),
        "/report",
    ));
    b.push_str(&card(
        "links",
        &t_in!(l, "console-card-links"),
        links.iter().filter(|k| k.has_data()).count().to_string(),
        "/nodes",
    ));
    b.push_str(&card(
        "silent-links",
        &t_in!(l, "console-card-link-problems"),
        problems.to_string(),
        "/nodes",
    ));
    let _ = write!(
        b,
        "</section><h2>{}</h2><section class=\"cards\">",
        esc(&t_in!(l, "console-nav-overdue"))
    );
    for (k, n) in &counts {
        b.push_str(&card(
            &format!("overdue-{}", k.name()),
            &worklist::kind_label(*k, l),
            n.to_string(),
            &format!("/overdue?kind={}", k.name()),
        ));
    }
    b.push_str(&card(
        "overdue-held",
        &worklist::held_label(l),
        held.to_string(),
        "/overdue?kind=held",
    ));
    let _ = write!(
        b,
        "</section><p class=\"muted\">{}</p><h2>{}</h2>{}",
        esc(&t_in!(
            l,
            "console-overview-note",
            month = month.to_string(),
            unit = liudong_node::worklist::place_name(&v.unit, &v.unit)
        )),
        esc(&t_in!(l, "console-find-person")),
        person_form(l, "")
    );
    Ok(Shown::new(t_in!(l, "console-nav-overview"), "/", b))
}

fn status_word(l: Lang, s: Status) -> String {
    match s {
        Status::Unknown => t_in!(l, "word-status-unknown"),
        Status::AtHome => t_in!(l, "word-status-at-home"),
        Status::OutMigrated => t_in!(l, "word-status-out"),
        Status::AtResidence => t_in!(l, "word-status-at-residence"),
    }
}

fn check_word(l: Lang, c: CheckResult) -> String {
    match c {
        CheckResult::Normal => t_in!(l, "word-check-normal"),
        CheckResult::FollowUp => t_in!(l, "word-check-follow-up"),
    }
}

pub(crate) fn person(c: &Console, r: &Req, v: &Viewer) -> Page {
    let l = r.lang;
    let title = t_in!(l, "console-person-title");
    let Some(typed) = r.param("id").map(str::trim).filter(|i| !i.is_empty()) else {
        return Ok(Shown::new(title, "", person_form(l, "")));
    };
    let a = match load_person(c, l, v, typed)? {
        Ok(a) => a,
        // A mistyped or unknown ID: the form again, with what was typed.
        Err(m) => {
            let body = format!("{}{}", person_form(l, typed), notice("error", "error", &m));
            return Ok(Shown::new(title, "", body));
        }
    };
    let p = &a.view;
    let id = p.subject.as_str();
    let unit = &v.unit;
    let place = |c: &Option<liudong_core::Code>| {
        c.as_ref().map_or("—".to_string(), |c| place_cell(c, unit))
    };
    let mut b = person_form(l, id);
    if let Some(saved) = r.param("saved").filter(|s| !s.is_empty()) {
        b.push_str(&notice(
            "saved",
            "ok",
            &t_in!(l, "console-saved", records = saved.replace(',', "、")),
        ));
    }
    let presented: Vec<String> = p
        .inflows
        .iter()
        .filter_map(|i| i.certificate_number.clone())
        .collect();
    let fact = |b: &mut String, label: String, id: &str, value: String| {
        let _ = write!(
            b,
            "<tr><th>{}</th><td id=\"{id}\">{value}</td></tr>",
            esc(&label)
        );
    };
    b.push_str("<table class=\"facts\" id=\"person\"><tbody>");
    fact(&mut b, t_in!(l, "console-citizen-id"), "subject", esc(id));
    fact(
        &mut b,
        t_in!(l, "worklist-col-name"),
        "name",
        esc(&p
            .name
            .clone()
            .unwrap_or_else(|| t_in!(l, "console-name-not-held"))),
    );
    fact(
        &mut b,
        t_in!(l, "console-sex-born"),
        "born",
        esc(&t_in!(
            l,
            "console-sex-born-value",
            sex = sex_word(p.sex, l),
            born = p.birth_date.to_string(),
            age = p.birth_date.age_on(a.today)
        )),
    );
    fact(
        &mut b,
        t_in!(l, "console-marital"),
        "marital",
        esc(&format!(
            "{}{}",
            marital_word(p.marital_status, l),
            p.married_on.map(|d| format!(" ({d})")).unwrap_or_default()
        )),
    );
    fact(
        &mut b,
        t_in!(l, "worklist-col-phone"),
        "phone",
        esc(&or_dash(p.phone.clone())),
    );
    fact(
        &mut b,
        t_in!(l, "console-status"),
        "status",
        esc(&status_word(l, p.status)),
    );
    fact(
        &mut b,
        t_in!(l, "worklist-col-origin"),
        "origin",
        place_cell(&p.origin, unit),
    );
    fact(
        &mut b,
        t_in!(l, "console-residence"),
        "residence",
        place(&p.residence),
    );
    fact(
        &mut b,
        t_in!(l, "worklist-col-address"),
        "address",
        esc(&or_dash(p.address.clone())),
    );
    fact(
        &mut b,
        t_in!(l, "worklist-col-employer"),
        "employer",
        esc(&or_dash(p.employer.clone())),
    );
    fact(
        &mut b,
        t_in!(l, "console-certificate"),
        "certificate",
        esc(&match &p.certificate {
            Some(cert) => {
                let (number, from, until) = (
                    cert.number.clone(),
                    cert.valid_from.map_or("?".into(), |d| d.to_string()),
                    cert.valid_until.map_or("?".into(), |d| d.to_string()),
                );
                if a.certificate_valid_today {
                    t_in!(
                        l,
                        "console-certificate-valid",
                        number = number,
                        from = from,
                        until = until
                    )
                } else {
                    t_in!(
                        l,
                        "console-certificate-invalid",
                        number = number,
                        from = from,
                        until = until
                    )
                }
            }
            None => t_in!(l, "console-certificate-none"),
        }),
    );
    fact(
        &mut b,
        t_in!(l, "console-presented"),
        "presented",
        esc(&or_dash(Some(presented.join("、")))),
    );
    fact(
        &mut b,
        t_in!(l, "console-records"),
        "records-held",
        format!(
            "<span id=\"records\">{}</span> ({} <span id=\"voided\">{}</span>)",
            p.records,
            esc(&t_in!(l, "console-voided")),
            p.voided
        ),
    );
    b.push_str("</tbody></table>");
    b.push_str(&forms::actions(l, id));

    let _ = write!(b, "<h2>{}</h2>", esc(&t_in!(l, "console-episodes")));
    b.push_str(&table_head(
        "episodes",
        "",
        &[
            "#".into(),
            t_in!(l, "console-col-left"),
            t_in!(l, "console-col-arrived"),
            t_in!(l, "console-col-residences"),
            t_in!(l, "console-col-returned"),
        ],
    ));
    for (n, e) in p.episodes.iter().enumerate() {
        let _ = write!(
            b,
            "<tr class=\"episode\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            n + 1,
            e.left.map_or("—".into(), |d| d.to_string()),
            e.arrived.map_or("—".into(), |d| d.to_string()),
            e.residences
                .iter()
                .map(|c| place_cell(c, unit))
                .collect::<Vec<_>>()
                .join(" → "),
            e.returned
                .map_or_else(|| esc(&t_in!(l, "console-episode-open")), |d| d.to_string())
        );
    }
    b.push_str(&none_row(l, p.episodes.is_empty(), 5));
    let _ = write!(
        b,
        "</tbody></table><h2>{}</h2>",
        esc(&t_in!(l, "console-inflows"))
    );
    b.push_str(&table_head(
        "inflows",
        "",
        &[
            t_in!(l, "console-col-record"),
            t_in!(l, "console-residence"),
            t_in!(l, "console-col-arrival"),
            t_in!(l, "console-presented"),
            t_in!(l, "console-col-ack"),
        ],
    ));
    for i in &p.inflows {
        let _ = write!(
            b,
            "<tr class=\"inflow\"><td>{}</td><td>{}</td><td>{}</td><td class=\"presented\">{}</td><td>{}</td></tr>",
            esc(&i.id.to_string()),
            place(&i.residence),
            i.arrival_date,
            esc(&i
                .certificate_number
                .clone()
                .unwrap_or_else(|| t_in!(l, "console-no-certificate"))),
            esc(&match &i.acknowledged {
                Some((id, o)) => format!("{} {id}", outcome_word(l, *o)),
                None => t_in!(l, "console-not-acknowledged"),
            })
        );
    }
    b.push_str(&none_row(l, p.inflows.is_empty(), 5));
    let _ = write!(
        b,
        "</tbody></table><h2>{}</h2>",
        esc(&t_in!(l, "record-kind-check-reported"))
    );
    b.push_str(&table_head(
        "checks",
        "",
        &[
            t_in!(l, "console-col-quarter"),
            t_in!(l, "console-col-check-date"),
            t_in!(l, "console-col-result"),
        ],
    ));
    for k in &p.checks {
        let _ = write!(
            b,
            "<tr class=\"check\"><td>{}</td><td>{}</td><td>{}</td></tr>",
            k.quarter,
            k.check_date,
            esc(&check_word(l, k.result))
        );
    }
    b.push_str(&none_row(l, p.checks.is_empty(), 3));
    let _ = write!(
        b,
        "</tbody></table><h2>{}</h2>",
        esc(&t_in!(l, "console-births"))
    );
    b.push_str(&table_head(
        "births",
        "",
        &[
            t_in!(l, "console-col-birth-date"),
            t_in!(l, "worklist-col-sex"),
            t_in!(l, "console-col-order"),
            t_in!(l, "console-col-record"),
        ],
    ));
    for x in &p.births {
        let _ = write!(
            b,
            "<tr class=\"birth\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            x.birth_date,
            esc(&sex_word(x.sex, l)),
            x.birth_order,
            esc(&x.id.to_string())
        );
    }
    b.push_str(&none_row(l, p.births.is_empty(), 4));
    let _ = write!(
        b,
        "</tbody></table><h2>{}</h2>",
        esc(&t_in!(l, "console-history"))
    );
    b.push_str(&table_head(
        "history",
        "",
        &[
            t_in!(l, "console-col-record"),
            t_in!(l, "console-col-kind"),
            t_in!(l, "console-col-event-date"),
            t_in!(l, "console-col-written"),
            t_in!(l, "console-col-operator"),
            t_in!(l, "worklist-col-origin"),
            t_in!(l, "console-residence"),
            t_in!(l, "console-col-corrects"),
            String::new(),
        ],
    ));
    for h in &a.history {
        let code = |s: &str| {
            liudong_core::Code::parse(s).map_or_else(|_| esc(s), |c| place_cell(&c, unit))
        };
        let _ = write!(
            b,
            "<tr class=\"record\" data-id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"acts\">{}</td></tr>",
            esc(&h.id),
            esc(&h.id),
            esc(&record_kind(&h.kind, l)),
            h.event_date.map_or("—".into(), |d| d.to_string()),
            h.written,
            esc(&h.operator),
            code(&h.origin),
            h.residence.as_deref().map_or("—".into(), code),
            esc(h.corrects.as_deref().unwrap_or("")),
            forms::record_actions(l, id, &h.id, &h.kind),
        );
    }
    b.push_str(&none_row(l, a.history.is_empty(), 9));
    b.push_str("</tbody></table>");
    for h in &a.held {
        let _ = write!(
            b,
            "<p class=\"error held\">{}</p>",
            esc(&t_in!(
                l,
                "worklist-held-detail",
                record = h.id.to_string(),
                kind = record_kind(&h.kind, l),
                reason = worklist::held_reason(&h.issue.field, l)
            ))
        );
    }
    Ok(Shown::new(title, "", b))
}
