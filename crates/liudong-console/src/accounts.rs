//! The accounts page (账户管理), for administrators: every console account
//! with its unit and role, the names locked out by failed logins, and a
//! button to unlock each (`POST /accounts`, `action=unlock`). Accounts are
//! added and removed with `liudong operator` on the node's machine.

use crate::render::{esc, table_head};
use crate::state::{Console, Page, PageError, Req, Shown, Viewer, notice};
use axum::http::StatusCode;
use liudong_core::Code;
use liudong_i18n::{Lang, t_in};
use std::fmt::Write;

/// Only an administrator may see or use the page.
fn admin_only(l: Lang, v: &Viewer) -> Result<(), PageError> {
    if v.admin {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            t_in!(l, "console-accounts-admin-only"),
        ))
    }
}

fn role_word(l: Lang, admin: bool) -> String {
    if admin {
        t_in!(l, "console-role-admin")
    } else {
        t_in!(l, "console-role-operator")
    }
}

fn unlock_button(l: Lang, v: &Viewer, name: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/accounts\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"action\" value=\"unlock\"><input type=\"hidden\" name=\"name\" value=\"{}\"><button type=\"submit\" class=\"unlock\" data-name=\"{}\">{}</button></form>",
        esc(&v.csrf),
        esc(name),
        esc(name),
        esc(&t_in!(l, "console-accounts-unlock"))
    )
}

pub(crate) fn show(c: &Console, r: &Req, v: &Viewer) -> Page {
    let l = r.lang;
    admin_only(l, v)?;
    let ops = c.operators.current().map_err(|e| PageError::store(l, e))?;
    let now = c.node.now_ms();
    let locked = c.sessions.locked(now);
    let mut b = String::new();
    if let Some(name) = r.param("unlocked") {
        b.push_str(&notice(
            "unlocked",
            "ok",
            &t_in!(l, "console-accounts-unlocked", name = name),
        ));
    }
    let _ = write!(
        b,
        "<p class=\"muted\">{}</p>",
        esc(&t_in!(l, "console-accounts-note"))
    );
    b.push_str(&table_head(
        "accounts",
        "",
        &[
            t_in!(l, "console-accounts-name"),
            t_in!(l, "console-col-unit"),
            t_in!(l, "console-accounts-role"),
            t_in!(l, "console-accounts-added"),
            t_in!(l, "console-col-state"),
        ],
    ));
    for o in &ops.operators {
        let unit = o.unit(c.code());
        let lock = locked.iter().find(|(n, _)| n == &o.name);
        let _ = write!(
            b,
            "<tr class=\"account\" data-name=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&o.name),
            esc(&o.name),
            unit.as_ref().map_or_else(
                || esc(&t_in!(
                    l,
                    "console-accounts-bad-unit",
                    code = o.code.clone().unwrap_or_default()
                )),
                |u| crate::render::place_cell(u, &Code::national())
            ),
            esc(&role_word(l, o.role == crate::operators::Role::Admin)),
            esc(&liudong_node::status::fmt_ms(o.added_ms)),
            match lock {
                Some((_, secs)) => format!(
                    "<span class=\"locked\">{}</span> {}",
                    esc(&t_in!(
                        l,
                        "console-accounts-locked",
                        minutes = secs.div_ceil(60)
                    )),
                    unlock_button(l, v, &o.name)
                ),
                None => esc(&t_in!(l, "console-state-normal")),
            }
        );
    }
    b.push_str(&crate::render::none_row(l, ops.operators.is_empty(), 5));
    b.push_str("</tbody></table>");
    // Names tried that are no account (mistyped, or guessed): also locked.
    let others: Vec<&(String, u64)> = locked
        .iter()
        .filter(|(n, _)| ops.get(n).is_none())
        .collect();
    if !others.is_empty() {
        let _ = write!(
            b,
            "<h2>{}</h2><ul id=\"other-locked\">",
            esc(&t_in!(l, "console-accounts-other-locked"))
        );
        for (name, secs) in others {
            let _ = write!(
                b,
                "<li>{} · {} {}</li>",
                esc(name),
                esc(&t_in!(
                    l,
                    "console-accounts-locked",
                    minutes = secs.div_ceil(60)
                )),
                unlock_button(l, v, name)
            );
        }
        b.push_str("</ul>");
    }
    Ok(Shown::new(t_in!(l, "console-nav-accounts"), "/accounts", b))
}

/// `POST /accounts` (`action=unlock`, `name`): ends the lockout of `name`;
/// returns the name to confirm on the page.
pub(crate) fn unlock(c: &Console, r: &Req, v: &Viewer) -> Result<String, PageError> {
    let l = r.lang;
    admin_only(l, v)?;
    if r.field("action") != "unlock" || r.field("name").is_empty() {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            t_in!(l, "console-error-bad"),
        ));
    }
    let name = r.field("name").to_string();
    let was = c.sessions.unlock(&name, c.node.now_ms());
    tracing::info!(operator = %v.name, unlocked = %name, was_locked = was, "console: account unlocked");
    Ok(name)
}
