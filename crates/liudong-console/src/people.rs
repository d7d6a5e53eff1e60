//! What the pages and forms share about a person: the citizen ID as typed
//! (and what is wrong with it), the person as the operator's unit may see
//! them, the form that asks for one, a link to their page.

use crate::render::{Lang, esc, url};
use crate::state::{Console, PageError, Viewer};
use liudong_core::CitizenId;
use liudong_core::record::AckOutcome;
use liudong_i18n::t_in;
use liudong_node::query::{PersonAnswer, Query, QueryError};

pub(crate) fn person_form(l: Lang, value: &str) -> String {
    format!(
        "<form class=\"inline\" method=\"get\" action=\"/person\"><input id=\"person-id\" name=\"id\" value=\"{}\" placeholder=\"{}\" maxlength=\"18\" required><button id=\"person-go\" type=\"submit\">{}</button></form>",
        esc(value),
        esc(&t_in!(l, "console-citizen-id")),
        esc(&t_in!(l, "console-show"))
    )
}

/// A citizen ID as typed, or a message saying what is wrong with it.
pub(crate) fn citizen_id(l: Lang, typed: &str) -> Result<CitizenId, String> {
    use liudong_core::citizen::CitizenIdError as E;
    CitizenId::parse(typed).map_err(|e| match e {
        E::Length { len, .. } => t_in!(l, "console-id-length", len = len),
        E::Characters { .. } => t_in!(l, "console-id-characters"),
        E::BirthDate { date, .. } => t_in!(l, "console-id-birth-date", date = date),
        E::CheckDigit { expected, .. } => {
            t_in!(l, "console-id-check-digit", expected = expected.to_string())
        }
    })
}

/// The person `v` may see, by the citizen ID typed; `Ok(Err(message))` for
/// an ID that is wrong or not held for `v`'s unit.
pub(crate) fn load_person(
    c: &Console,
    l: Lang,
    v: &Viewer,
    typed: &str,
) -> Result<Result<PersonAnswer, String>, PageError> {
    let id = match citizen_id(l, typed) {
        Ok(id) => id,
        Err(m) => return Ok(Err(m)),
    };
    let q = Query::Person {
        subject: id.as_str().to_string(),
    };
    match c.ask(v, &q) {
        Ok(a) => Ok(Ok(PageError::expect(l, a)?)),
        Err(QueryError::NotFound(_)) => Ok(Err(t_in!(
            l,
            "console-person-not-held",
            unit = liudong_node::worklist::place_name(&v.unit, &v.unit)
        ))),
        Err(e) => Err(PageError::query(l, e)),
    }
}

pub(crate) fn outcome_word(l: Lang, o: AckOutcome) -> String {
    match o {
        AckOutcome::Confirmed => t_in!(l, "word-ack-confirmed"),
        AckOutcome::Mismatch => t_in!(l, "word-ack-mismatch"),
    }
}

/// A link to a person's page.
pub(crate) fn person_link(id: &str, text: &str) -> String {
    format!("<a href=\"/person?id={}\">{}</a>", url(id), esc(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistyped_ids_are_explained_in_both_languages() {
        for (typed, zh) in [
            ("4106021990", "18"),
            ("41060219900101123A", "数字"),
            ("410602199013011234", "出生日期"),
            ("410602199001011234", "校验码"),
        ] {
            let m = citizen_id(Lang::Zh, typed).unwrap_err();
            assert!(m.contains(zh), "{typed}: {m}");
            let en = citizen_id(Lang::En, typed).unwrap_err();
            assert!(en.is_ascii(), "{en}");
        }
    }
}
