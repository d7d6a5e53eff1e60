//! A place picker that needs no script: divisions chosen by name from the
//! embedded table. Above the county, one select per level (province,
//! prefecture, county), each filled once the level above is chosen (the
//! form's "update choices" button, `action=pick`, draws the next one);
//! then one select of the villages, grouped by township. A picker is
//! rooted at a unit — the operator's unit for a residence, the whole
//! country for an origin — and offers nothing outside it.
//!
//! Form names: `FIELD_2`, `FIELD_4`, `FIELD_6` for the province,
//! prefecture and county selects, `FIELD` for the village.

use crate::render::{Lang, esc};
use crate::state::Req;
use liudong_core::{Code, Level};
use liudong_i18n::t_in;
use liudong_node::worklist::division_name;
use std::fmt::Write;

/// The select levels above the villages that lie below `root`.
fn upper_levels(root: &Code) -> Vec<Level> {
    [Level::Province, Level::Prefecture, Level::County]
        .into_iter()
        .filter(|l| l.digits() > root.as_str().len())
        .collect()
}

fn select_name(field: &str, level: Level) -> String {
    format!("{field}_{}", level.digits())
}

/// True if the request chose anything in the picker.
pub(crate) fn submitted(r: &Req, field: &str) -> bool {
    let chosen = |name: &str| r.value(name).is_some_and(|v| !v.is_empty());
    chosen(field)
        || [Level::Province, Level::Prefecture, Level::County]
            .iter()
            .any(|l| chosen(&select_name(field, *l)))
}

/// The place the request chose under `root`: the deepest level whose
/// choice lies under the choice above it (a village when one is chosen),
/// or `root` when nothing is.
pub(crate) fn read(r: &Req, field: &str, root: &Code) -> Code {
    let table = liudong_core::divisions::table();
    let mut chosen = root.clone();
    for level in upper_levels(root) {
        match r
            .value(&select_name(field, level))
            .and_then(|v| Code::parse(v).ok())
        {
            Some(c) if c.level() == level && c.is_under(&chosen) && table.contains(c.as_str()) => {
                chosen = c
            }
            _ => break,
        }
    }
    if let Some(v) = r.value(field).and_then(|v| Code::parse(v).ok())
        && v.level() == Level::Village
        && v.is_under(&chosen)
        && table.contains(v.as_str())
    {
        chosen = v;
    }
    chosen
}

/// The picker's place in the request, or `default` (when it lies under
/// `root`) for a form drawn the first time.
pub(crate) fn read_or(r: &Req, field: &str, root: &Code, default: Option<&Code>) -> Code {
    if submitted(r, field) {
        read(r, field, root)
    } else {
        default
            .filter(|d| d.is_under(root))
            .cloned()
            .unwrap_or_else(|| root.clone())
    }
}

fn name_of(code: &str) -> String {
    division_name(code).unwrap_or_else(|| code.to_string())
}

fn options(b: &mut String, codes: &[&str], selected: Option<&str>) {
    for c in codes {
        let _ = write!(
            b,
            "<option value=\"{c}\"{}>{}</option>",
            if Some(*c) == selected {
                " selected"
            } else {
                ""
            },
            esc(&name_of(c))
        );
    }
}

/// The picker's controls for the place `chosen` (a village, or a unit on
/// the way to one) under `root`.
pub(crate) fn controls(l: Lang, field: &str, root: &Code, chosen: &Code) -> String {
    let table = liudong_core::divisions::table();
    let mut b = String::from("<span class=\"picker\">");
    if !root.is_national() {
        let _ = write!(
            b,
            "<span class=\"root\">{}</span> ",
            esc(&liudong_node::worklist::place_name(root, &Code::national()))
        );
    }
    if root.level() == Level::Village {
        let _ = write!(
            b,
            "<input type=\"hidden\" name=\"{field}\" value=\"{}\"></span>",
            esc(root.as_str())
        );
        return b;
    }
    let choose = t_in!(l, "console-pick-choose");
    let mut parent = Some(root.clone());
    for level in upper_levels(root) {
        let name = select_name(field, level);
        let here = chosen.at_level(level).filter(|c| c.is_under(root));
        match &parent {
            Some(p) => {
                let _ = write!(
                    b,
                    "<select id=\"f-{name}\" name=\"{name}\"><option value=\"\">{}</option>",
                    esc(&choose)
                );
                options(
                    &mut b,
                    &table.children(p.as_str()),
                    here.as_ref().map(Code::as_str),
                );
                b.push_str("</select> ");
            }
            None => {
                let _ = write!(
                    b,
                    "<select id=\"f-{name}\" name=\"{name}\" disabled><option value=\"\">—</option></select> "
                );
            }
        }
        parent = here;
    }
    // The villages: under the chosen county (grouped by township) or the
    // township that is the root.
    let village = chosen
        .at_level(Level::Village)
        .map(|c| c.as_str().to_string());
    let _ = write!(
        b,
        "<select id=\"f-{field}\" name=\"{field}\"><option value=\"\">{}</option>",
        esc(&choose)
    );
    match parent {
        Some(p) if p.level() == Level::Township => {
            options(&mut b, &table.children(p.as_str()), village.as_deref());
        }
        Some(p) => {
            for town in table.children(p.as_str()) {
                let _ = write!(b, "<optgroup label=\"{}\">", esc(&name_of(town)));
                options(&mut b, &table.children(town), village.as_deref());
                b.push_str("</optgroup>");
            }
        }
        None => {}
    }
    let _ = write!(
        b,
        "</select> <button type=\"submit\" class=\"secondary\" name=\"action\" value=\"pick\">{}</button></span>",
        esc(&t_in!(l, "console-pick-update"))
    );
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;

    fn req(form: &[(&str, &str)]) -> Req {
        Req {
            method: Method::POST,
            path: "/write".into(),
            query: Vec::new(),
            form: form
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            cookies: Default::default(),
            lang: Lang::Zh,
            here: "/write".into(),
            peer: "127.0.0.1:1".parse().unwrap(),
            same_origin: true,
        }
    }

    fn code(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    #[test]
    fn the_deepest_consistent_choice_is_read() {
        let national = Code::national();
        let r = req(&[
            ("origin_2", "41"),
            ("origin_4", "4106"),
            ("origin_6", "410602"),
            ("origin", "410602100001"),
        ]);
        assert_eq!(read(&r, "origin", &national), code("410602100001"));
        // A province changed after the county was chosen: stop there.
        let r = req(&[
            ("origin_2", "53"),
            ("origin_4", "4106"),
            ("origin", "410602100001"),
        ]);
        assert_eq!(read(&r, "origin", &national), code("53"));
        // Under a county root only the village select counts; outside it nothing.
        let county = code("530424");
        let r = req(&[("residence", "530424102205")]);
        assert_eq!(read(&r, "residence", &county), code("530424102205"));
        let r = req(&[("residence", "410602100001")]);
        assert_eq!(read(&r, "residence", &county), county);
        assert!(!submitted(&req(&[]), "residence"));
        assert!(
            !submitted(&req(&[("residence", "")]), "residence"),
            "nothing chosen"
        );
        assert_eq!(
            read_or(&req(&[]), "residence", &county, Some(&code("410602100001"))),
            county,
            "a default outside the root is not offered"
        );
    }

    #[test]
    fn villages_are_offered_by_name_under_the_root_only() {
        let county = code("530424");
        let html = controls(Lang::Zh, "residence", &county, &county);
        assert!(html.contains("<optgroup label=\"盘溪镇\">"), "{html}");
        assert!(html.contains("value=\"530424102205\""));
        assert!(!html.contains("410602"), "nothing outside the root");
        let town = code("530424102");
        let html = controls(Lang::Zh, "residence", &town, &code("530424102205"));
        assert!(!html.contains("optgroup"));
        assert!(html.contains("value=\"530424102205\" selected"), "{html}");
        assert!(!html.contains("530424103"), "another township");
        // From the whole country: the levels are drawn as they are chosen.
        let html = controls(Lang::Zh, "origin", &Code::national(), &code("41"));
        assert!(html.contains("name=\"origin_4\"><option"), "{html}");
        assert!(html.contains("name=\"origin_6\" disabled"), "{html}");
    }
}
