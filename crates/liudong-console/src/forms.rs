//! Forms for what operators write every week (录入): inflow registration,
//! the origin's acknowledgement (反馈), the quarterly check report, a
//! birth, a residence change, a return, and the correction or voiding of a
//! record chosen from the person's history.
//!
//! A form is drawn by `GET /write?kind=KIND[&id=CITIZEN-ID][&target=RECORD]`
//! and sent by `POST /write` (with the session's CSRF token). Sending it
//! with `action=pick` only draws it again (the place pickers' next level,
//! another record to correct); `action=save` checks it and writes through
//! the node's own write path — [`liudong_sync::Node::write_local`], as
//! `liudong record add` does, with the same validation and workflow rules
//! and the same audit entry, naming the operator `console:NAME`. What the
//! form or the write path finds wrong is said in the page's language next
//! to the field concerned. Places are chosen by name ([`crate::picker`]);
//! a record must concern the operator's unit (its origin or residence
//! under it). A correction's places are its target's.

use crate::people::{citizen_id, load_person, outcome_word, person_form, person_link};
use crate::picker;
use crate::render::{Lang, esc, url};
use crate::state::{Console, Page, PageError, Req, Shown, Viewer, notice};
use axum::http::StatusCode;
use liudong_core::record::{
    AckOutcome, BirthRegistered, CheckReported, CheckResult, Correction, HukouType,
    InflowAcknowledged, InflowRegistered, MaritalStatus, PersonRegistered, ResidenceChanged,
    Returned, Sex,
};
use liudong_core::{Body, CitizenId, Code, Date, Quarter, Reason, Record, RecordId};
use liudong_i18n::t_in;
use liudong_node::query::PersonAnswer;
use liudong_node::worklist::{marital_word, place_name, record_kind, sex_word};
use liudong_store::{Draft, StoreError};
use liudong_sync::SyncError;
use std::fmt::Write;

/// The forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormKind {
    Inflow,
    Ack,
    Check,
    Birth,
    Move,
    Return,
    Correct,
    Void,
}

impl FormKind {
    const ALL: [FormKind; 8] = [
        FormKind::Inflow,
        FormKind::Ack,
        FormKind::Check,
        FormKind::Birth,
        FormKind::Move,
        FormKind::Return,
        FormKind::Correct,
        FormKind::Void,
    ];

    /// The form's name in addresses: the kind of record it writes.
    pub fn name(self) -> &'static str {
        match self {
            FormKind::Inflow => "inflow_registered",
            FormKind::Ack => "inflow_acknowledged",
            FormKind::Check => "check_reported",
            FormKind::Birth => "birth_registered",
            FormKind::Move => "residence_changed",
            FormKind::Return => "returned",
            FormKind::Correct => "correction",
            FormKind::Void => "void",
        }
    }

    fn parse(s: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|k| k.name() == s)
    }

    fn title(self, l: Lang) -> String {
        match self {
            FormKind::Inflow => t_in!(l, "record-kind-inflow-registered"),
            FormKind::Ack => t_in!(l, "console-form-ack"),
            FormKind::Check => t_in!(l, "record-kind-check-reported"),
            FormKind::Birth => t_in!(l, "record-kind-birth-registered"),
            FormKind::Move => t_in!(l, "record-kind-residence-changed"),
            FormKind::Return => t_in!(l, "record-kind-returned"),
            FormKind::Correct => t_in!(l, "console-form-correct"),
            FormKind::Void => t_in!(l, "console-form-void"),
        }
    }

    /// True for the kinds of record a correction may amend with a form.
    fn amendable(kind: &str) -> bool {
        matches!(
            kind,
            "inflow_registered"
                | "inflow_acknowledged"
                | "check_reported"
                | "birth_registered"
                | "residence_changed"
                | "returned"
        )
    }
}

/// The links to the forms about a person (on the person's page).
pub(crate) fn actions(l: Lang, id: &str) -> String {
    let mut b = format!(
        "<p class=\"actions\" id=\"actions\"><span class=\"label\">{}</span>",
        esc(&t_in!(l, "console-write-for-person"))
    );
    for k in FormKind::ALL {
        let _ = write!(
            b,
            "<a class=\"button\" id=\"write-{}\" href=\"/write?kind={}&id={}\">{}</a>",
            k.name(),
            k.name(),
            url(id),
            esc(&k.title(l))
        );
    }
    b.push_str("</p>");
    b
}

/// The links to correct or void one record (in the person's history).
pub(crate) fn record_actions(l: Lang, id: &str, record: &str, kind: &str) -> String {
    if kind == "correction" {
        return String::new();
    }
    let mut b = String::new();
    if FormKind::amendable(kind) {
        let _ = write!(
            b,
            "<a href=\"/write?kind=correction&id={}&target={}\">{}</a> ",
            url(id),
            url(record),
            esc(&t_in!(l, "console-correct"))
        );
    }
    let _ = write!(
        b,
        "<a href=\"/write?kind=void&id={}&target={}\">{}</a>",
        url(id),
        url(record),
        esc(&t_in!(l, "console-void"))
    );
    b
}

/// What a form found wrong: per field, and about the whole form.
#[derive(Debug, Default)]
struct Errors {
    fields: Vec<(String, String)>,
    general: Vec<String>,
}

impl Errors {
    fn field(&mut self, name: &str, message: String) {
        if !self.fields.iter().any(|(n, _)| n == name) {
            self.fields.push((name.to_string(), message));
        }
    }

    fn of(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.as_str())
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }
}

/// A form being drawn or read.
struct Form<'a> {
    r: &'a Req,
    v: &'a Viewer,
    l: Lang,
    kind: FormKind,
    /// The citizen ID typed or given.
    subject: String,
    person: Option<PersonAnswer>,
    /// For a correction or a void: the record chosen.
    target: Option<Record>,
    /// Draw the defaults rather than the values sent (a first drawing, or
    /// a correction whose target was just chosen).
    fresh: bool,
    today: Date,
}

impl Form<'_> {
    /// The value of field `name` as sent, or its default on a fresh form.
    fn value(&self, name: &str, default: impl FnOnce() -> String) -> String {
        if self.fresh {
            default()
        } else {
            self.r.value(name).unwrap_or_default().trim().to_string()
        }
    }

    fn view(&self) -> Option<&liudong_core::PersonView> {
        self.person.as_ref().map(|p| &p.view)
    }

    /// The body of the record being corrected, for its fields' defaults.
    fn base(&self) -> Option<&Body> {
        self.target.as_ref().map(|t| &t.body)
    }
}

// --- Drawing -------------------------------------------------------------

fn field_html(errs: &Errors, name: &str, label: String, required: bool, input: String) -> String {
    let err = errs.of(name);
    format!(
        "<div class=\"field{}\" data-field=\"{name}\"><label for=\"f-{name}\">{}{}</label><div class=\"input\">{input}{}</div></div>",
        if err.is_some() { " has-error" } else { "" },
        esc(&label),
        if required {
            " <span class=\"req\">*</span>"
        } else {
            ""
        },
        err.map(|m| format!("<p class=\"field-error\" id=\"err-{name}\">{}</p>", esc(m)))
            .unwrap_or_default()
    )
}

fn text_input(name: &str, value: &str, placeholder: &str, max: usize) -> String {
    format!(
        "<input id=\"f-{name}\" name=\"{name}\" value=\"{}\" placeholder=\"{}\" maxlength=\"{max}\">",
        esc(value),
        esc(placeholder)
    )
}

fn choice_input(name: &str, options: &[(String, String)], selected: &str) -> String {
    let mut b = format!("<select id=\"f-{name}\" name=\"{name}\">");
    for (v, label) in options {
        let _ = write!(
            b,
            "<option value=\"{}\"{}>{}</option>",
            esc(v),
            if v == selected { " selected" } else { "" },
            esc(label)
        );
    }
    b.push_str("</select>");
    b
}

fn text(
    f: &Form,
    errs: &Errors,
    name: &str,
    label: String,
    required: bool,
    default: String,
) -> String {
    let v = f.value(name, || default);
    field_html(errs, name, label, required, text_input(name, &v, "", 200))
}

fn date(
    f: &Form,
    errs: &Errors,
    name: &str,
    label: String,
    required: bool,
    default: Option<Date>,
) -> String {
    let v = f.value(name, || default.map(|d| d.to_string()).unwrap_or_default());
    field_html(
        errs,
        name,
        label,
        required,
        text_input(name, &v, "YYYY-MM-DD", 10),
    )
}

fn choice(
    f: &Form,
    errs: &Errors,
    name: &str,
    label: String,
    options: &[(String, String)],
    default: String,
) -> String {
    let v = f.value(name, || default);
    field_html(errs, name, label, true, choice_input(name, options, &v))
}

fn place(
    f: &Form,
    errs: &Errors,
    name: &str,
    label: String,
    required: bool,
    root: &Code,
    default: Option<&Code>,
) -> String {
    let chosen = if f.fresh {
        default
            .filter(|d| d.is_under(root))
            .cloned()
            .unwrap_or_else(|| root.clone())
    } else {
        picker::read_or(f.r, name, root, default)
    };
    field_html(
        errs,
        name,
        label,
        required,
        picker::controls(f.l, name, root, &chosen),
    )
}

fn marital_options(l: Lang) -> Vec<(String, String)> {
    [
        MaritalStatus::Unspecified,
        MaritalStatus::Married,
        MaritalStatus::Single,
        MaritalStatus::Divorced,
        MaritalStatus::Widowed,
    ]
    .into_iter()
    .map(|m| (marital_name(m).to_string(), marital_word(m, l)))
    .collect()
}

fn marital_name(m: MaritalStatus) -> &'static str {
    match m {
        MaritalStatus::Unspecified => "unspecified",
        MaritalStatus::Single => "single",
        MaritalStatus::Married => "married",
        MaritalStatus::Divorced => "divorced",
        MaritalStatus::Widowed => "widowed",
    }
}

fn sex_options(l: Lang) -> Vec<(String, String)> {
    vec![
        ("female".into(), sex_word(Sex::Female, l)),
        ("male".into(), sex_word(Sex::Male, l)),
    ]
}

fn outcome_options(l: Lang) -> Vec<(String, String)> {
    vec![
        ("confirmed".into(), outcome_word(l, AckOutcome::Confirmed)),
        ("mismatch".into(), outcome_word(l, AckOutcome::Mismatch)),
    ]
}

fn result_options(l: Lang) -> Vec<(String, String)> {
    vec![
        ("normal".into(), t_in!(l, "word-check-normal")),
        ("follow_up".into(), t_in!(l, "word-check-follow-up")),
    ]
}

/// The quarters a check report may be for: this quarter and the seven
/// before it (and `also`, a corrected report's own quarter).
fn quarter_options(l: Lang, today: Date, also: Option<Quarter>) -> Vec<(String, String)> {
    let mut qs = Vec::new();
    let mut q = today.quarter();
    for _ in 0..8 {
        qs.push(q);
        q = q.prev();
    }
    if let Some(a) = also.filter(|a| !qs.contains(a)) {
        qs.push(a);
    }
    qs.into_iter()
        .map(|q| {
            (
                q.to_string(),
                t_in!(l, "console-quarter", year = q.year, q = q.q),
            )
        })
        .collect()
}

/// The person's inflow registrations to acknowledge, unacknowledged first.
fn inflow_options(f: &Form) -> Vec<(String, String)> {
    let Some(v) = f.view() else {
        return Vec::new();
    };
    let mut inflows: Vec<_> = v.inflows.iter().collect();
    inflows.sort_by_key(|i| i.acknowledged.is_some());
    inflows
        .into_iter()
        .map(|i| {
            (
                i.id.to_string(),
                t_in!(
                    f.l,
                    "console-inflow-option",
                    date = i.arrival_date.to_string(),
                    place = i
                        .residence
                        .as_ref()
                        .map(|c| place_name(c, &f.v.unit))
                        .unwrap_or_default(),
                    record = i.id.to_string(),
                    acked = if i.acknowledged.is_some() {
                        "yes"
                    } else {
                        "no"
                    }
                ),
            )
        })
        .collect()
}

/// The records a correction (`amend`) or a void may target.
fn target_options(f: &Form, amend: bool) -> Vec<(String, String)> {
    let Some(p) = &f.person else {
        return Vec::new();
    };
    p.records
        .iter()
        .filter(|r| r.body.kind() != "correction")
        .filter(|r| !amend || FormKind::amendable(r.body.kind()))
        .map(|r| {
            (
                r.id.to_string(),
                t_in!(
                    f.l,
                    "console-target-option",
                    record = r.id.to_string(),
                    kind = record_kind(r.body.kind(), f.l),
                    date = r
                        .body
                        .event_date()
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ),
            )
        })
        .collect()
}

/// The fields of a record body of `kind` (for a new record, or amending
/// `f.base()`).
fn body_fields(f: &Form, errs: &Errors, kind: &str, b: &mut String) {
    let l = f.l;
    let base = f.base();
    let today = Some(f.today);
    match kind {
        "inflow_registered" => {
            let x = match base {
                Some(Body::InflowRegistered(x)) => Some(x),
                _ => None,
            };
            b.push_str(&date(
                f,
                errs,
                "arrival_date",
                t_in!(l, "console-field-arrival-date"),
                true,
                x.map(|x| x.arrival_date).or(today),
            ));
            b.push_str(&text(
                f,
                errs,
                "address",
                t_in!(l, "worklist-col-address"),
                false,
                x.map(|x| x.address.clone()).unwrap_or_default(),
            ));
            b.push_str(&text(
                f,
                errs,
                "employer",
                t_in!(l, "worklist-col-employer"),
                false,
                x.map(|x| x.employer.clone()).unwrap_or_default(),
            ));
            b.push_str(&text(
                f,
                errs,
                "certificate_number",
                t_in!(l, "console-field-presented"),
                false,
                x.and_then(|x| x.certificate_number.clone())
                    .unwrap_or_default(),
            ));
            b.push_str(&hint(&t_in!(l, "console-hint-presented")));
        }
        "inflow_acknowledged" => {
            let x = match base {
                Some(Body::InflowAcknowledged(x)) => Some(x),
                _ => None,
            };
            if x.is_none() {
                let options = inflow_options(f);
                let first = options.first().map(|o| o.0.clone()).unwrap_or_default();
                b.push_str(&choice(
                    f,
                    errs,
                    "inflow",
                    t_in!(l, "console-field-inflow"),
                    &options,
                    first,
                ));
            }
            let cert = f.view().and_then(|v| v.certificate.as_ref());
            b.push_str(&choice(
                f,
                errs,
                "outcome",
                t_in!(l, "console-field-outcome"),
                &outcome_options(l),
                match x.map(|x| x.outcome) {
                    Some(AckOutcome::Mismatch) => "mismatch".into(),
                    _ => "confirmed".into(),
                },
            ));
            b.push_str(&text(
                f,
                errs,
                "certificate_number",
                t_in!(l, "console-certificate"),
                false,
                match x {
                    Some(x) => x.certificate_number.clone().unwrap_or_default(),
                    None => cert.map(|c| c.number.clone()).unwrap_or_default(),
                },
            ));
            b.push_str(&date(
                f,
                errs,
                "certificate_valid_until",
                t_in!(l, "console-field-valid-until"),
                false,
                match x {
                    Some(x) => x.certificate_valid_until,
                    None => cert.and_then(|c| c.valid_until),
                },
            ));
            b.push_str(&text(
                f,
                errs,
                "note",
                t_in!(l, "console-field-note"),
                false,
                x.map(|x| x.note.clone()).unwrap_or_default(),
            ));
        }
        "check_reported" => {
            let x = match base {
                Some(Body::CheckReported(x)) => Some(x),
                _ => None,
            };
            let q = x.map_or(f.today.quarter(), |x| x.quarter);
            b.push_str(&choice(
                f,
                errs,
                "quarter",
                t_in!(l, "console-col-quarter"),
                &quarter_options(l, f.today, x.map(|x| x.quarter)),
                q.to_string(),
            ));
            b.push_str(&date(
                f,
                errs,
                "check_date",
                t_in!(l, "console-col-check-date"),
                true,
                x.map(|x| x.check_date).or(today),
            ));
            b.push_str(&choice(
                f,
                errs,
                "result",
                t_in!(l, "console-col-result"),
                &result_options(l),
                match x.map(|x| x.result) {
                    Some(CheckResult::FollowUp) => "follow_up".into(),
                    _ => "normal".into(),
                },
            ));
        }
        "birth_registered" => {
            let x = match base {
                Some(Body::BirthRegistered(x)) => Some(x),
                _ => None,
            };
            let order = f.view().map_or(1, |v| v.births.len() + 1);
            b.push_str(&date(
                f,
                errs,
                "birth_date",
                t_in!(l, "console-col-birth-date"),
                true,
                x.map(|x| x.birth_date).or(today),
            ));
            b.push_str(&choice(
                f,
                errs,
                "sex",
                t_in!(l, "worklist-col-sex"),
                &sex_options(l),
                match x.map(|x| x.sex) {
                    Some(Sex::Male) => "male".into(),
                    _ => "female".into(),
                },
            ));
            b.push_str(&text(
                f,
                errs,
                "birth_order",
                t_in!(l, "console-col-order"),
                true,
                x.map_or(order, |x| x.birth_order as usize).to_string(),
            ));
            let default_place = x.and_then(|x| x.place.clone()).or_else(|| {
                f.view()
                    .and_then(|v| v.residence.clone().or(Some(v.origin.clone())))
            });
            b.push_str(&place(
                f,
                errs,
                "place",
                t_in!(l, "console-field-birth-place"),
                false,
                &Code::national(),
                default_place.as_ref(),
            ));
            b.push_str(&text(
                f,
                errs,
                "service_number",
                t_in!(l, "console-field-service-number"),
                false,
                x.map(|x| x.service_number.clone()).unwrap_or_default(),
            ));
        }
        "residence_changed" => {
            let x = match base {
                Some(Body::ResidenceChanged(x)) => Some(x),
                _ => None,
            };
            b.push_str(&date(
                f,
                errs,
                "change_date",
                t_in!(l, "console-field-change-date"),
                true,
                x.map(|x| x.change_date).or(today),
            ));
            if x.is_none() {
                b.push_str(&place(
                    f,
                    errs,
                    "residence",
                    t_in!(l, "console-field-new-residence"),
                    true,
                    &Code::national(),
                    Some(&f.v.unit),
                ));
            }
            b.push_str(&text(
                f,
                errs,
                "address",
                t_in!(l, "console-field-new-address"),
                false,
                x.map(|x| x.address.clone()).unwrap_or_default(),
            ));
        }
        "returned" => {
            let x = match base {
                Some(Body::Returned(x)) => Some(x),
                _ => None,
            };
            b.push_str(&date(
                f,
                errs,
                "return_date",
                t_in!(l, "console-field-return-date"),
                true,
                x.map(|x| x.return_date).or(today),
            ));
        }
        _ => {}
    }
}

fn hint(text: &str) -> String {
    format!("<p class=\"hint\">{}</p>", esc(text))
}

/// The whole form page.
fn draw(f: &Form, errs: &Errors) -> Shown {
    let l = f.l;
    let mut b = String::new();
    if let Some(p) = &f.person {
        let _ = write!(
            b,
            "<p class=\"who\" id=\"who\">{} · {}</p>",
            person_link(p.view.subject.as_str(), p.view.subject.as_str()),
            esc(&p
                .view
                .name
                .clone()
                .unwrap_or_else(|| t_in!(l, "console-name-not-held")))
        );
    }
    let form_at = b.len();
    let _ = write!(
        b,
        "<form class=\"record\" id=\"record-form\" method=\"post\" action=\"/write\" data-kind=\"{}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"kind\" value=\"{}\">",
        f.kind.name(),
        esc(&f.v.csrf),
        f.kind.name()
    );
    let unit = &f.v.unit;
    match f.kind {
        FormKind::Inflow => {
            let view = f.view();
            let typed = f.value("subject", || f.subject.clone());
            b.push_str(&field_html(
                errs,
                "subject",
                t_in!(l, "console-citizen-id"),
                true,
                text_input("subject", &typed, "", 18),
            ));
            b.push_str(&text(
                f,
                errs,
                "name",
                t_in!(l, "worklist-col-name"),
                view.and_then(|v| v.name.as_ref()).is_none(),
                view.and_then(|v| v.name.clone()).unwrap_or_default(),
            ));
            b.push_str(&text(
                f,
                errs,
                "phone",
                t_in!(l, "worklist-col-phone"),
                false,
                view.and_then(|v| v.phone.clone()).unwrap_or_default(),
            ));
            b.push_str(&choice(
                f,
                errs,
                "marital_status",
                t_in!(l, "console-marital"),
                &marital_options(l),
                marital_name(view.map_or(MaritalStatus::Unspecified, |v| v.marital_status)).into(),
            ));
            let origin_default = view.map(|v| v.origin.clone()).or_else(|| id_county(&typed));
            b.push_str(&place(
                f,
                errs,
                "origin",
                t_in!(l, "worklist-col-origin"),
                true,
                &Code::national(),
                origin_default.as_ref(),
            ));
            b.push_str(&place(
                f,
                errs,
                "residence",
                t_in!(l, "console-residence"),
                true,
                unit,
                view.and_then(|v| v.residence.as_ref()),
            ));
            body_fields(f, errs, "inflow_registered", &mut b);
        }
        FormKind::Correct | FormKind::Void => {
            let amend = f.kind == FormKind::Correct;
            let options = target_options(f, amend);
            let chosen = f
                .target
                .as_ref()
                .map(|t| t.id.to_string())
                .unwrap_or_default();
            let _ = write!(
                b,
                "<input type=\"hidden\" name=\"subject\" value=\"{}\"><input type=\"hidden\" name=\"loaded\" value=\"{}\">",
                esc(&f.subject),
                esc(&chosen)
            );
            let mut select = choice_input("target", &options, &chosen);
            if amend {
                let _ = write!(
                    select,
                    " <button type=\"submit\" class=\"secondary\" name=\"action\" value=\"pick\">{}</button>",
                    esc(&t_in!(l, "console-pick-record"))
                );
            }
            b.push_str(&field_html(
                errs,
                "target",
                t_in!(l, "console-field-target"),
                true,
                select,
            ));
            b.push_str(&text(
                f,
                errs,
                "reason",
                t_in!(l, "console-field-reason"),
                true,
                String::new(),
            ));
            if let (true, Some(t)) = (amend, &f.target) {
                let _ = write!(
                    b,
                    "<h2>{}</h2>",
                    esc(&t_in!(
                        l,
                        "console-correct-fields",
                        kind = record_kind(t.body.kind(), l)
                    ))
                );
                body_fields(f, errs, t.body.kind(), &mut b);
            }
        }
        kind => {
            let _ = write!(
                b,
                "<input type=\"hidden\" name=\"subject\" value=\"{}\">",
                esc(&f.subject)
            );
            body_fields(f, errs, kind.name(), &mut b);
        }
    }
    let _ = write!(
        b,
        "<div class=\"buttons\"><button id=\"save\" type=\"submit\" name=\"action\" value=\"save\">{}</button>",
        esc(&t_in!(l, "console-save"))
    );
    if !f.subject.is_empty() && f.person.is_some() {
        let _ = write!(
            b,
            " <a href=\"/person?id={}\">{}</a>",
            url(&f.subject),
            esc(&t_in!(l, "console-cancel"))
        );
    }
    b.push_str("</div></form>");
    // What is wrong: above the form, with the errors of fields the form
    // does not show (a refusal about a record's places, say).
    let hidden: Vec<&str> = errs
        .fields
        .iter()
        .filter(|(n, _)| !b.contains(&format!("data-field=\"{n}\"")))
        .map(|(_, m)| m.as_str())
        .collect();
    if !errs.is_empty() {
        let mut top = String::from("<div class=\"notice error\" id=\"form-errors\">");
        if errs.general.is_empty() && hidden.is_empty() {
            let _ = write!(top, "<p>{}</p>", esc(&t_in!(l, "console-form-fix-fields")));
        }
        for m in errs.general.iter().map(String::as_str).chain(hidden) {
            let _ = write!(top, "<p>{}</p>", esc(m));
        }
        top.push_str("</div>");
        b.insert_str(form_at, &top);
    }
    let mut shown = Shown::new(f.kind.title(l), "/write", b);
    if !errs.is_empty() {
        shown.status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    shown
}

/// The county of a citizen ID's address code, if the table has it.
fn id_county(typed: &str) -> Option<Code> {
    let c = Code::parse(typed.get(..6)?).ok()?;
    liudong_core::divisions::table()
        .contains(c.as_str())
        .then_some(c)
}

// --- Loading -------------------------------------------------------------

/// The form of the request: its kind, the person and the record it is
/// about. `Err` for a page instead of the form (no such form; a person
/// who must be found first).
fn load<'a>(
    c: &'a Console,
    r: &'a Req,
    v: &'a Viewer,
) -> Result<Result<Form<'a>, Shown>, PageError> {
    let l = r.lang;
    let kind = match r.value("kind").and_then(FormKind::parse) {
        Some(k) => k,
        None if r.value("kind").is_none_or(str::is_empty) => return Ok(Err(menu(l))),
        None => {
            return Err(PageError::new(
                StatusCode::NOT_FOUND,
                t_in!(l, "console-error-no-page"),
            ));
        }
    };
    let subject = r
        .value(if r.method == axum::http::Method::POST {
            "subject"
        } else {
            "id"
        })
        .unwrap_or_default()
        .trim()
        .to_uppercase();
    let person = if subject.is_empty() {
        None
    } else {
        match load_person(c, l, v, &subject)? {
            Ok(p) => Some(p),
            // A new person is registered on inflow; every other form is
            // about a person held here.
            Err(_) if kind == FormKind::Inflow => None,
            Err(m) => return Ok(Err(find_first(l, kind, &subject, Some(&m)))),
        }
    };
    if kind != FormKind::Inflow && person.is_none() {
        return Ok(Err(find_first(l, kind, &subject, None)));
    }
    let post = r.method == axum::http::Method::POST;
    let wanted = r.value("target").unwrap_or_default();
    let target = person.as_ref().and_then(|p| {
        p.records
            .iter()
            .find(|x| x.id.to_string() == wanted && x.body.kind() != "correction")
            .cloned()
    });
    let fresh = !post || (kind == FormKind::Correct && r.value("loaded").unwrap_or("") != wanted);
    Ok(Ok(Form {
        r,
        v,
        l,
        kind,
        subject,
        person,
        target,
        fresh,
        today: Date::from_unix_ms(c.node.now_ms()),
    }))
}

/// The page listing the forms (`/write` without a kind).
fn menu(l: Lang) -> Shown {
    let mut b = format!(
        "<p><a class=\"button\" id=\"new-inflow\" href=\"/write?kind=inflow_registered\">{}</a></p><p class=\"muted\">{}</p>",
        esc(&t_in!(l, "console-write-new-inflow")),
        esc(&t_in!(l, "console-write-menu-note"))
    );
    b.push_str(&person_form(l, ""));
    Shown::new(t_in!(l, "console-nav-write"), "/write", b)
}

/// Find the person first: the search form (with why, if a search failed).
fn find_first(l: Lang, kind: FormKind, typed: &str, why: Option<&str>) -> Shown {
    let mut b = notice(
        "find-first",
        "",
        &t_in!(l, "console-write-find-first", form = kind.title(l)),
    );
    b.push_str(&person_form(l, typed));
    if let Some(m) = why {
        b.push_str(&notice("error", "error", m));
    }
    let mut s = Shown::new(kind.title(l), "/write", b);
    if why.is_some() {
        s.status = StatusCode::NOT_FOUND;
    }
    s
}

/// `GET /write`: the form, drawn with its defaults.
pub(crate) fn show(c: &Console, r: &Req, v: &Viewer) -> Page {
    Ok(match load(c, r, v)? {
        Ok(f) => draw(&f, &Errors::default()),
        Err(page) => page,
    })
}

/// What `POST /write` leads to.
pub(crate) enum Sent {
    /// The form again (with what is wrong, or another level of a picker).
    Form(Shown),
    /// Records to write; then the person's page.
    Write { drafts: Vec<Draft>, subject: String },
}

/// `POST /write`: the form again, or the drafts to write.
pub(crate) fn prepare(c: &Console, r: &Req, v: &Viewer) -> Result<Sent, PageError> {
    let f = match load(c, r, v)? {
        Ok(f) => f,
        Err(page) => return Ok(Sent::Form(page)),
    };
    if f.fresh || r.field("action") == "pick" {
        return Ok(Sent::Form(draw(&f, &Errors::default())));
    }
    let mut errs = Errors::default();
    let drafts = read(&f, &mut errs);
    match drafts {
        Some(drafts) if errs.is_empty() => Ok(Sent::Write {
            subject: drafts[0].subject.as_str().to_string(),
            drafts,
        }),
        _ => Ok(Sent::Form(draw(&f, &errs))),
    }
}

/// The form again after the node refused to write it: what it refused,
/// next to the field concerned.
pub(crate) fn refused(c: &Console, r: &Req, v: &Viewer, e: &SyncError) -> Result<Shown, PageError> {
    let l = r.lang;
    let error = match e {
        SyncError::Store(StoreError::Invalid { error, .. })
        | SyncError::Store(StoreError::InvalidInBatch { error, .. }) => error,
        other => return Err(PageError::store(l, other)),
    };
    let f = match load(c, r, v)? {
        Ok(f) => f,
        Err(page) => return Ok(page),
    };
    let mut errs = Errors::default();
    let message = reason_word(l, &error.reason);
    match form_field(&error.field) {
        Some(name) => errs.field(name, message),
        None => errs.general.push(message),
    }
    Ok(draw(&f, &errs))
}

// --- Reading -------------------------------------------------------------

impl Form<'_> {
    fn text(&self, name: &str, required: bool, errs: &mut Errors) -> String {
        let v = self.r.value(name).unwrap_or_default().trim().to_string();
        if required && v.is_empty() {
            errs.field(name, t_in!(self.l, "console-field-required"));
        } else if v.chars().count() > 200 {
            errs.field(name, t_in!(self.l, "console-field-too-long", max = 200));
        }
        v
    }

    fn date(&self, name: &str, required: bool, errs: &mut Errors) -> Option<Date> {
        let v = self.text(name, required, errs);
        if v.is_empty() {
            return None;
        }
        match Date::parse(&v) {
            Ok(d) if d > self.today => {
                errs.field(name, t_in!(self.l, "console-field-future"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errs.field(name, t_in!(self.l, "console-field-bad-date", typed = v));
                None
            }
        }
    }

    fn place(&self, name: &str, root: &Code, required: bool, errs: &mut Errors) -> Option<Code> {
        let chosen = picker::read(self.r, name, root);
        if chosen.as_str().len() == 12 {
            Some(chosen)
        } else {
            if required {
                errs.field(name, t_in!(self.l, "console-field-choose-village"));
            }
            None
        }
    }

    fn choice<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Option<T>,
        errs: &mut Errors,
    ) -> Option<T> {
        let v = self.r.value(name).unwrap_or_default();
        let x = parse(v);
        if x.is_none() {
            errs.field(name, t_in!(self.l, "console-field-choose"));
        }
        x
    }

    /// A draft of `body` about the person with these places.
    fn draft(
        &self,
        subject: &CitizenId,
        origin: Code,
        residence: Option<Code>,
        body: Body,
    ) -> Draft {
        Draft {
            operator: self.v.audit_name(),
            subject: subject.clone(),
            origin: Some(origin),
            residence,
            body,
        }
    }
}

/// The body of a record of `kind` from the form (for a new record, or the
/// amendment of `base`).
fn read_body(f: &Form, kind: &str, base: Option<&Body>, errs: &mut Errors) -> Option<Body> {
    let l = f.l;
    match kind {
        "inflow_registered" => {
            let arrival = f.date("arrival_date", true, errs);
            let address = f.text("address", false, errs);
            let employer = f.text("employer", false, errs);
            let number = f.text("certificate_number", false, errs);
            Some(Body::InflowRegistered(InflowRegistered {
                arrival_date: arrival?,
                address,
                employer,
                certificate_number: (!number.is_empty()).then_some(number),
            }))
        }
        "inflow_acknowledged" => {
            let inflow = match base {
                Some(Body::InflowAcknowledged(x)) => Some(x.inflow.clone()),
                _ => f.choice("inflow", RecordId::parse, errs),
            };
            let outcome = f.choice(
                "outcome",
                |s| match s {
                    "confirmed" => Some(AckOutcome::Confirmed),
                    "mismatch" => Some(AckOutcome::Mismatch),
                    _ => None,
                },
                errs,
            );
            let number = f.text("certificate_number", false, errs);
            let until = f.text("certificate_valid_until", false, errs);
            let until = if until.is_empty() {
                None
            } else {
                match Date::parse(&until) {
                    Ok(d) => Some(d),
                    Err(_) => {
                        errs.field(
                            "certificate_valid_until",
                            t_in!(l, "console-field-bad-date", typed = until),
                        );
                        None
                    }
                }
            };
            let note = f.text("note", false, errs);
            Some(Body::InflowAcknowledged(InflowAcknowledged {
                inflow: inflow?,
                outcome: outcome?,
                certificate_number: (!number.is_empty()).then_some(number),
                certificate_valid_until: until,
                note,
            }))
        }
        "check_reported" => {
            let quarter = f.choice("quarter", |s| Quarter::parse(s).ok(), errs);
            let day = f.date("check_date", true, errs);
            let result = f.choice(
                "result",
                |s| match s {
                    "normal" => Some(CheckResult::Normal),
                    "follow_up" => Some(CheckResult::FollowUp),
                    _ => None,
                },
                errs,
            );
            if let (Some(q), Some(d)) = (quarter, day)
                && d < q.first_day()
            {
                errs.field("check_date", t_in!(l, "console-field-before-quarter"));
            }
            Some(Body::CheckReported(CheckReported {
                quarter: quarter?,
                check_date: day?,
                result: result?,
            }))
        }
        "birth_registered" => {
            let day = f.date("birth_date", true, errs);
            let sex = f.choice(
                "sex",
                |s| match s {
                    "male" => Some(Sex::Male),
                    "female" => Some(Sex::Female),
                    _ => None,
                },
                errs,
            );
            let order = f.text("birth_order", true, errs);
            let order = match order.parse::<u32>() {
                Ok(n) if n >= 1 => Some(n),
                _ if order.is_empty() => None,
                _ => {
                    errs.field("birth_order", t_in!(l, "console-field-order"));
                    None
                }
            };
            let place = f.place("place", &Code::national(), false, errs);
            let service_number = f.text("service_number", false, errs);
            Some(Body::BirthRegistered(BirthRegistered {
                birth_date: day?,
                sex: sex?,
                birth_order: order?,
                place,
                service_number,
            }))
        }
        "residence_changed" => {
            let day = f.date("change_date", true, errs);
            let address = f.text("address", false, errs);
            let previous = match base {
                Some(Body::ResidenceChanged(x)) => x.previous_residence.clone(),
                _ => f.view().and_then(|v| v.residence.clone()),
            };
            Some(Body::ResidenceChanged(ResidenceChanged {
                change_date: day?,
                address,
                previous_residence: previous,
            }))
        }
        "returned" => Some(Body::Returned(Returned {
            return_date: f.date("return_date", true, errs)?,
        })),
        _ => None,
    }
}

/// The drafts the form asks to write, or `None` with `errs` saying why.
fn read(f: &Form, errs: &mut Errors) -> Option<Vec<Draft>> {
    let l = f.l;
    let unit = &f.v.unit;
    let drafts = match f.kind {
        FormKind::Inflow => {
            let typed = f.text("subject", true, errs);
            let subject = match citizen_id(l, &typed) {
                Ok(id) => Some(id),
                Err(m) if !typed.is_empty() => {
                    errs.field("subject", m);
                    None
                }
                Err(_) => None,
            };
            let held_name = f.view().and_then(|v| v.name.clone());
            let name = f.text("name", held_name.is_none(), errs);
            let phone = f.text("phone", false, errs);
            let marital = f.choice(
                "marital_status",
                |s| {
                    [
                        MaritalStatus::Unspecified,
                        MaritalStatus::Single,
                        MaritalStatus::Married,
                        MaritalStatus::Divorced,
                        MaritalStatus::Widowed,
                    ]
                    .into_iter()
                    .find(|m| marital_name(*m) == s)
                },
                errs,
            );
            let origin = f.place("origin", &Code::national(), true, errs);
            let residence = f.place("residence", unit, true, errs);
            let body = read_body(f, "inflow_registered", None, errs);
            let (subject, origin, residence, body, marital) =
                (subject?, origin?, residence?, body?, marital?);
            let mut out = Vec::new();
            let v = f.view();
            let changed = !name.is_empty() && held_name.as_deref() != Some(name.as_str())
                || !phone.is_empty() && v.and_then(|v| v.phone.as_deref()) != Some(phone.as_str())
                || marital != MaritalStatus::Unspecified
                    && v.map(|v| v.marital_status) != Some(marital);
            if changed {
                out.push(f.draft(
                    &subject,
                    origin.clone(),
                    Some(residence.clone()),
                    Body::PersonRegistered(PersonRegistered {
                        name: if name.is_empty() {
                            held_name.unwrap_or_default()
                        } else {
                            name
                        },
                        sex: if subject.is_male() {
                            Sex::Male
                        } else {
                            Sex::Female
                        },
                        birth_date: subject.birth_date(),
                        marital_status: marital,
                        hukou: HukouType::Unspecified,
                        household: String::new(),
                        phone,
                    }),
                ));
            }
            out.push(f.draft(&subject, origin, Some(residence), body));
            out
        }
        FormKind::Correct | FormKind::Void => {
            let amend = f.kind == FormKind::Correct;
            let reason = f.text("reason", true, errs);
            let Some(target) = &f.target else {
                errs.field("target", t_in!(l, "console-field-choose"));
                return None;
            };
            let amended = if amend {
                Some(Box::new(read_body(
                    f,
                    target.body.kind(),
                    Some(&target.body),
                    errs,
                )?))
            } else {
                None
            };
            let p = f.person.as_ref()?;
            vec![f.draft(
                &p.view.subject,
                target.origin.clone(),
                target.residence.clone(),
                Body::Correction(Correction {
                    target: target.id.clone(),
                    reason,
                    amended,
                    // The writer takes it from the target (placing::settle).
                    previous_residence: None,
                }),
            )]
        }
        kind => {
            let p = f.person.as_ref()?;
            let v = &p.view;
            let (origin, residence) = match kind {
                FormKind::Ack => {
                    let inflow = f.r.value("inflow").unwrap_or_default();
                    let res = v
                        .inflows
                        .iter()
                        .find(|i| i.id.to_string() == inflow)
                        .and_then(|i| i.residence.clone());
                    (v.origin.clone(), res)
                }
                FormKind::Move => (
                    v.origin.clone(),
                    f.place("residence", &Code::national(), true, errs),
                ),
                _ => (v.origin.clone(), v.residence.clone()),
            };
            if kind == FormKind::Check && v.residence.is_none() {
                errs.general.push(t_in!(l, "console-form-no-residence"));
            }
            let body = read_body(f, kind.name(), None, errs)?;
            vec![f.draft(&v.subject, origin, residence, body)]
        }
    };
    // The operator writes only for their unit's people.
    if let Some(d) = drafts.last()
        && !d.origin.as_ref().is_some_and(|o| o.is_under(unit))
        && !d.residence.as_ref().is_some_and(|r| r.is_under(unit))
    {
        errs.general.push(t_in!(
            l,
            "console-form-outside-unit",
            unit = place_name(unit, unit)
        ));
    }
    Some(drafts)
}

// --- The write path's refusals, in words --------------------------------

/// The form field a validation or workflow error names, if any.
fn form_field(field: &str) -> Option<&'static str> {
    match field {
        "origin" => return Some("origin"),
        "residence" => return Some("residence"),
        "subject" | "person_registered.birth_date" | "person_registered.sex" => {
            return Some("subject");
        }
        "correction.target" => return Some("target"),
        "correction.reason" => return Some("reason"),
        "inflow_acknowledged.inflow" => return Some("inflow"),
        _ => {}
    }
    // `kind.field` of a body (a correction's amendment names its own kind).
    const BODY_FIELDS: [&str; 17] = [
        "name",
        "phone",
        "arrival_date",
        "address",
        "employer",
        "certificate_number",
        "certificate_valid_until",
        "note",
        "quarter",
        "check_date",
        "birth_date",
        "birth_order",
        "place",
        "service_number",
        "change_date",
        "previous_residence",
        "return_date",
    ];
    let (_, last) = field.rsplit_once('.')?;
    BODY_FIELDS.into_iter().find(|f| *f == last)
}

/// A refusal of the write path in the operators' words, from its typed
/// reason: the console's own wording where the form makes it plainer (it
/// stands next to the field concerned), else the reason as the catalogue
/// renders it, in the operator's language.
fn reason_word(l: Lang, reason: &Reason) -> String {
    match reason {
        Reason::Empty => t_in!(l, "console-field-required"),
        Reason::TooLong { max } => t_in!(l, "console-field-too-long", max = *max),
        Reason::ControlChars => t_in!(l, "console-field-control"),
        Reason::Future { .. } | Reason::BirthInFuture { .. } => t_in!(l, "console-field-future"),
        Reason::BeforeQuarter { .. } => t_in!(l, "console-field-before-quarter"),
        Reason::NotPositive => t_in!(l, "console-field-order"),
        Reason::UnknownCode { .. } => t_in!(l, "console-field-unknown-place"),
        Reason::BirthDateMismatch { .. } | Reason::SexMismatch { .. } => {
            t_in!(l, "console-field-id-mismatch")
        }
        Reason::NotHeld { .. } | Reason::InflowNotHeld { .. } => {
            t_in!(l, "console-field-not-held")
        }
        Reason::OtherPerson { .. } => t_in!(l, "console-field-other-person"),
        Reason::NotInflow { .. } => t_in!(l, "console-field-not-inflow"),
        Reason::NoOpenEpisode => t_in!(l, "console-form-no-episode"),
        Reason::NeedsResidence { .. } => t_in!(l, "console-form-no-residence"),
        Reason::AuthorLevel { .. } | Reason::AuthorNotAbove { .. } => {
            t_in!(l, "console-form-outside-node")
        }
        Reason::Clock { .. } => t_in!(l, "console-form-clock"),
        other => other.text_in(l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::synth::{example_bodies, test_record};
    use liudong_core::validate::{Limits, check_record};

    /// Every refusal the write path gives for what a form can send is
    /// named in words (from its typed reason) and next to a field where
    /// it concerns one.
    #[test]
    fn refusals_of_the_write_path_are_told_next_to_their_field() {
        let now = 1_790_000_000_000 + 86_400_000;
        let limits = Limits {
            now_ms: now,
            max_skew_ms: 0,
        };
        let today = Date::from_unix_ms(now);
        let body = |kind: &str| {
            example_bodies(Date::new(2026, 9, 1).unwrap())
                .into_iter()
                .find(|b| b.kind() == kind)
                .unwrap()
        };
        let rec = |b: Body| test_record("410602", 1, 1, "410602100001", Some("440306018001"), b);
        let mut cases: Vec<(Record, &str)> = Vec::new();
        let mut inflow = body("inflow_registered");
        if let Body::InflowRegistered(x) = &mut inflow {
            x.arrival_date = today.add_days(2);
        }
        cases.push((rec(inflow), "arrival_date"));
        let mut inflow = body("inflow_registered");
        if let Body::InflowRegistered(x) = &mut inflow {
            x.address = "路".repeat(201);
        }
        cases.push((rec(inflow), "address"));
        let mut check = body("check_reported");
        if let Body::CheckReported(x) = &mut check {
            x.check_date = x.quarter.first_day().add_days(-1);
        }
        cases.push((rec(check), "check_date"));
        let mut birth = body("birth_registered");
        if let Body::BirthRegistered(x) = &mut birth {
            x.birth_order = 0;
        }
        cases.push((rec(birth), "birth_order"));
        let mut no_residence = rec(body("check_reported"));
        no_residence.residence = None;
        cases.push((no_residence, "residence"));
        let mut far = rec(body("returned"));
        far.id.node = Code::parse("330106").unwrap();
        cases.push((far, ""));
        for (r, want) in cases {
            let e = check_record(&r, limits).unwrap_err();
            let words = reason_word(Lang::Zh, &e.reason);
            assert!(
                !words.is_ascii() && words != t_in!(Lang::Zh, "console-form-refused"),
                "{e}: {words}"
            );
            assert_eq!(form_field(&e.field).unwrap_or(""), want, "{e}");
        }
        // Workflow refusals.
        let ack = rec(Body::InflowAcknowledged(InflowAcknowledged {
            inflow: RecordId::parse("410602-99").unwrap(),
            outcome: AckOutcome::Confirmed,
            certificate_number: None,
            certificate_valid_until: None,
            note: String::new(),
        }));
        let issue = liudong_core::workflow::check(&ack, &[]).unwrap_err();
        assert_eq!(form_field(&issue.field), Some("inflow"));
        assert_eq!(
            reason_word(Lang::Zh, &issue.reason),
            t_in!(Lang::Zh, "console-field-not-held")
        );
        let ret = rec(body("returned"));
        let issue = liudong_core::workflow::check(&ret, &[]).unwrap_err();
        assert_eq!(
            reason_word(Lang::Zh, &issue.reason),
            t_in!(Lang::Zh, "console-form-no-episode")
        );
    }
}
