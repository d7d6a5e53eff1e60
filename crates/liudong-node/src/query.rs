//! Operator queries over a node's derived state: a person's view, the overdue
//! lists, the monthly report and pages of persons. Each reads the person
//! views (the indexer is caught up first) and never scans the raw log. The
//! same functions serve the running node's admin service, the web console
//! and the CLI on a stopped node's store, and answer the same types
//! ([`Answer`]): JSON only where an operator asks for it (`--json`).

use liudong_core::overdue::{self, Kind, Thresholds};
use liudong_core::report::{self, Month, Report};
use liudong_core::view::PersonView;
use liudong_core::{CitizenId, Code, Date, NodeKind, Record};
use liudong_i18n::t;
use liudong_store::held::HeldRecord;
use liudong_store::{Store, StoreError};
use serde::Serialize;

/// Why a query cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The request is wrong (names the field and the reason).
    #[error("{0}")]
    Bad(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// One person, by citizen ID.
    Person { subject: String },
    Overdue {
        /// Empty: every kind, and the held records.
        kinds: Vec<String>,
        thresholds: Thresholds,
    },
    /// The persons of this node's jurisdiction, a page at a time in subject
    /// order (`liudong export persons`): at most `limit` after `after`.
    Persons { after: Option<String>, limit: usize },
    Report {
        month: String,
        /// Default: the node's own code.
        code: Option<String>,
        ack_days: i64,
    },
}

/// A query with the operator who asks it (the admin service's request).
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorQuery {
    /// Who asks: recorded in the audit trail with the persons shown.
    pub operator: String,
    pub query: Query,
}

impl Query {
    /// A short description for the audit trail (no personal data).
    fn describe(&self) -> String {
        match self {
            Query::Person { .. } => "person".into(),
            Query::Overdue { kinds, .. } if kinds.is_empty() => "overdue".into(),
            Query::Overdue { kinds, .. } => format!("overdue {}", kinds.join(",")),
            Query::Persons { .. } => "persons (export)".into(),
            Query::Report { month, code, .. } => {
                format!("report {month} {}", code.as_deref().unwrap_or("(own code)"))
            }
        }
    }
}

/// The answer to a [`Query`], of the query's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Boxed: a person's view is several times the size of the others.
    Person(Box<PersonAnswer>),
    Overdue(OverdueAnswer),
    Report(Report),
    Persons(PersonsAnswer),
}

impl Answer {
    /// The kind of query this answers (`person`, `overdue`, `report`, `persons`).
    pub fn kind(&self) -> &'static str {
        match self {
            Answer::Person(_) => "person",
            Answer::Overdue(_) => "overdue",
            Answer::Report(_) => "report",
            Answer::Persons(_) => "persons",
        }
    }
}

/// An answer of another kind than the query asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", t!("query-wrong-answer", got = *got, expected = *expected))]
pub struct WrongAnswer {
    pub expected: &'static str,
    pub got: &'static str,
}

macro_rules! answer_of {
    ($variant:ident, $ty:ty, $name:literal) => {
        answer_of!($variant, $ty, $name, |x| x);
    };
    ($variant:ident, $ty:ty, $name:literal, $open:expr) => {
        impl TryFrom<Answer> for $ty {
            type Error = WrongAnswer;

            fn try_from(a: Answer) -> Result<$ty, WrongAnswer> {
                match a {
                    Answer::$variant(x) => Ok(($open)(x)),
                    other => Err(WrongAnswer {
                        expected: $name,
                        got: other.kind(),
                    }),
                }
            }
        }
    };
}

answer_of!(Person, PersonAnswer, "person", |x: Box<PersonAnswer>| *x);
answer_of!(Overdue, OverdueAnswer, "overdue");
answer_of!(Report, Report, "report");
answer_of!(Persons, PersonsAnswer, "persons");

/// `liudong person show`: the view and what follows from it today.
///
/// Everything but `held` and `today` is derived from `records` (built by
/// [`PersonAnswer::new`]): the admin service carries the records only, and
/// the asker derives the same view with the function the store's indexer
/// uses ([`PersonView::derive`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonAnswer {
    pub view: PersonView,
    pub today: Date,
    pub certificate_valid_today: bool,
    pub held: Vec<HeldRecord>,
    /// Every record held about the person, oldest first (the record history).
    pub history: Vec<HistoryEntry>,
    /// The records the view and the history are derived from, oldest first.
    #[serde(skip)]
    pub records: Vec<Record>,
}

impl PersonAnswer {
    /// The answer about the person `records` concern; `None` without records.
    pub fn new(
        mut records: Vec<Record>,
        held: Vec<HeldRecord>,
        today: Date,
    ) -> Option<PersonAnswer> {
        sort_records(&mut records);
        let view = PersonView::derive(&records)?;
        Some(PersonAnswer {
            certificate_valid_today: view.certificate_valid_on(today),
            view,
            today,
            held,
            history: records.iter().map(HistoryEntry::of).collect(),
            records,
        })
    }
}

/// Oldest first: by clock, then id.
fn sort_records(records: &mut [Record]) {
    records.sort_by(|a, b| (a.hlc.0, &a.id).cmp(&(b.hlc.0, &b.id)));
}

/// One record of a person's history, as an operator reads it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryEntry {
    /// `<author node>-<seq>`.
    pub id: String,
    /// The body kind (`outflow_registered`, …).
    pub kind: String,
    /// The date the event happened, where the body has one.
    pub event_date: Option<Date>,
    /// When it was written (China Standard Time date of its clock).
    pub written: Date,
    /// The operator account that wrote it.
    pub operator: String,
    pub origin: String,
    pub residence: Option<String>,
    /// For a correction: the record it corrects.
    pub corrects: Option<String>,
}

impl HistoryEntry {
    fn of(r: &Record) -> HistoryEntry {
        HistoryEntry {
            id: r.id.to_string(),
            kind: r.body.kind().to_string(),
            event_date: r.body.event_date(),
            written: Date::from_unix_ms(r.hlc.wall_ms()),
            operator: r.operator.clone(),
            origin: r.origin.to_string(),
            residence: r.residence.as_ref().map(|c| c.to_string()),
            corrects: match &r.body {
                liudong_core::Body::Correction(c) => Some(c.target.to_string()),
                _ => None,
            },
        }
    }
}

/// `liudong overdue`: the lists of this node's jurisdiction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueAnswer {
    pub node: String,
    pub today: Date,
    pub thresholds: Thresholds,
    pub items: Vec<overdue::Item>,
    /// Records held and flagged for missing context (see `liudong_store::held`).
    pub held: Vec<HeldRecord>,
}

/// `liudong export persons`: one page of persons.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonsAnswer {
    pub node: String,
    pub today: Date,
    pub persons: Vec<PersonRecords>,
    /// The subject to ask the next page after; `None` on the last page.
    pub next: Option<String>,
}

/// One person: the records held about them, oldest first, and the view
/// derived from them (as the store's indexer derives it).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecords {
    pub view: PersonView,
    pub records: Vec<Record>,
}

impl PersonRecords {
    /// The person `records` concern; `None` without records.
    pub fn new(mut records: Vec<Record>) -> Option<PersonRecords> {
        sort_records(&mut records);
        Some(PersonRecords {
            view: PersonView::derive(&records)?,
            records,
        })
    }
}

/// Most persons one `Persons` page may ask for (an admin answer stays far
/// below the gRPC message limit).
pub const MAX_PERSONS_PAGE: usize = 1000;

/// True if the view concerns `scope`'s jurisdiction (origin or any residence under it).
pub fn in_jurisdiction(v: &PersonView, scope: &Code) -> bool {
    v.origin.is_under(scope)
        || v.residence.as_ref().is_some_and(|r| r.is_under(scope))
        || v.inflows
            .iter()
            .any(|i| i.residence.as_ref().is_some_and(|r| r.is_under(scope)))
}

/// Answers `operator`'s query for `now_ms`, and records in the audit trail
/// who viewed what and which persons were shown.
pub fn run(store: &Store, operator: &str, q: &Query, now_ms: u64) -> Result<Answer, QueryError> {
    run_as(store, operator, &store.scope().code.clone(), q, now_ms)
}

/// As [`run`], for an operator whose account belongs to `unit` (the node's
/// code or a unit under it, e.g. a township of a county node): only persons
/// of `unit`'s jurisdiction are shown (a person outside it is not found),
/// and a report is of `unit` or a unit under it (by default `unit` itself).
pub fn run_as(
    store: &Store,
    operator: &str,
    unit: &Code,
    q: &Query,
    now_ms: u64,
) -> Result<Answer, QueryError> {
    let (answer, subjects) = answer(store, unit, q, now_ms)?;
    audit_view(store, operator, q, subjects)?;
    Ok(answer)
}

fn audit_view(
    store: &Store,
    operator: &str,
    q: &Query,
    subjects: Vec<String>,
) -> Result<(), QueryError> {
    store.audit_append(liudong_store::audit::AuditEvent::Viewed {
        operator: operator.to_string(),
        query: q.describe(),
        subjects,
    })?;
    Ok(())
}

/// One page of the overdue lists of `unit` (items, then held records).
#[derive(Debug, Clone, PartialEq)]
pub struct OverduePage {
    /// The page: its items and held records only.
    pub answer: OverdueAnswer,
    /// Entries of the whole list (items and held records).
    pub total: usize,
    /// Position of the page's first entry in the whole list.
    pub offset: usize,
}

/// The overdue lists of `unit` for the console, a page at a time: at most
/// `limit` entries from `offset` of the list (items, then held records).
/// Only the persons on the page are recorded in the audit trail as viewed.
pub fn overdue_page(
    store: &Store,
    operator: &str,
    unit: &Code,
    q: &Query,
    now_ms: u64,
    offset: usize,
    limit: usize,
) -> Result<OverduePage, QueryError> {
    let Answer::Overdue(mut all) = answer(store, unit, q, now_ms)?.0 else {
        return Err(QueryError::Bad(t!("query-overdue-page")));
    };
    let total = all.items.len() + all.held.len();
    let offset = offset.min(total);
    let end = offset.saturating_add(limit).min(total);
    let n = all.items.len();
    let held: Vec<HeldRecord> = all
        .held
        .drain(..)
        .enumerate()
        .filter(|(i, _)| (offset..end).contains(&(n + i)))
        .map(|(_, h)| h)
        .collect();
    let items: Vec<overdue::Item> = all
        .items
        .drain(..)
        .enumerate()
        .filter(|(i, _)| (offset..end).contains(i))
        .map(|(_, x)| x)
        .collect();
    let shown = shown_subjects(&items, &held);
    audit_view(store, operator, q, shown)?;
    all.items = items;
    all.held = held;
    Ok(OverduePage {
        answer: all,
        total,
        offset,
    })
}

/// The citizen IDs of the persons of an overdue list, each once, sorted.
fn shown_subjects(items: &[overdue::Item], held: &[HeldRecord]) -> Vec<String> {
    let shown: std::collections::BTreeSet<String> = items
        .iter()
        .map(|i| i.subject.to_string())
        .chain(held.iter().map(|h| h.subject.to_string()))
        .collect();
    shown.into_iter().collect()
}

/// The answer and the citizen IDs of the persons it shows.
fn answer(
    store: &Store,
    unit: &Code,
    q: &Query,
    now_ms: u64,
) -> Result<(Answer, Vec<String>), QueryError> {
    let today = Date::from_unix_ms(now_ms);
    let own = &store.scope().code;
    if !unit.is_under(own) {
        return Err(QueryError::Bad(t!(
            "query-unit-outside",
            unit = unit.to_string(),
            own = own.to_string()
        )));
    }
    let whole_node = unit == own;
    match q {
        Query::Person { subject } => {
            let id = CitizenId::parse(subject)
                .map_err(|e| QueryError::Bad(t!("query-subject", e = e.to_string())))?;
            let held = store
                .held()?
                .into_iter()
                .filter(|h| h.subject == id.as_str())
                .collect();
            let records = store.subject_records(id.as_str())?;
            let not_found = || {
                QueryError::NotFound(if whole_node {
                    t!("query-person-not-held", subject = id.redacted())
                } else {
                    t!(
                        "query-person-not-held-unit",
                        subject = id.redacted(),
                        unit = unit.to_string()
                    )
                })
            };
            let a = PersonAnswer::new(records, held, today).ok_or_else(not_found)?;
            if !whole_node && !in_jurisdiction(&a.view, unit) {
                return Err(not_found());
            }
            Ok((Answer::Person(Box::new(a)), vec![id.as_str().to_string()]))
        }
        Query::Overdue { kinds, thresholds } => {
            let mut wanted = Vec::new();
            let mut with_held = kinds.is_empty();
            for k in kinds {
                if k == "held" {
                    with_held = true;
                    continue;
                }
                wanted.push(
                    Kind::parse(k)
                        .ok_or_else(|| QueryError::Bad(t!("query-kind", k = k.to_string())))?,
                );
            }
            let all = kinds.is_empty();
            let items = overdue_items(store.views(), unit, today, thresholds, |k| {
                all || wanted.contains(&k)
            })?;
            let held = if with_held {
                held_within(store, unit, whole_node)?
            } else {
                Vec::new()
            };
            let shown = shown_subjects(&items, &held);
            let a = OverdueAnswer {
                node: own.to_string(),
                today,
                thresholds: *thresholds,
                items,
                held,
            };
            Ok((Answer::Overdue(a), shown))
        }
        Query::Persons { after, limit } => {
            if *limit == 0 || *limit > MAX_PERSONS_PAGE {
                return Err(QueryError::Bad(t!(
                    "query-limit",
                    limit = limit.to_string(),
                    max = MAX_PERSONS_PAGE
                )));
            }
            let mut subjects: Vec<String> = Vec::new();
            let mut next = None;
            for v in store.views_after(after.as_deref()) {
                let v = v?;
                if !in_jurisdiction(&v, unit) {
                    continue;
                }
                if subjects.len() == *limit {
                    next = subjects.last().cloned();
                    break;
                }
                subjects.push(v.subject.as_str().to_string());
            }
            let mut persons = Vec::with_capacity(subjects.len());
            for s in &subjects {
                persons.extend(PersonRecords::new(store.subject_records(s)?));
            }
            let a = PersonsAnswer {
                node: own.to_string(),
                today,
                persons,
                next,
            };
            Ok((Answer::Persons(a), subjects))
        }
        Query::Report {
            month,
            code,
            ack_days,
        } => {
            let m = Month::parse(month)
                .ok_or_else(|| QueryError::Bad(t!("query-month", month = month.to_string())))?;
            let code = match code {
                Some(c) => Code::parse(c)
                    .map_err(|e| QueryError::Bad(t!("query-code", e = e.to_string())))?,
                None => unit.clone(),
            };
            if !code.is_under(own) {
                return Err(QueryError::Bad(t!(
                    "query-code-outside",
                    code = code.to_string(),
                    own = own.to_string()
                )));
            }
            if !code.is_under(unit) {
                return Err(QueryError::Bad(t!(
                    "query-code-not-under-unit",
                    code = code.to_string(),
                    unit = unit.to_string()
                )));
            }
            if matches!(store.scope().kind, NodeKind::Exchange { .. }) {
                tracing::debug!("report at an exchange node covers only the records crossing it");
            }
            let views: Vec<PersonView> = store.views().collect::<Result<_, _>>()?;
            let mut r: Report = report::compute(&views, &code, m, *ack_days);
            for v in views.iter().filter(|v| v.origin.is_under(&code)) {
                for i in &v.inflows {
                    if !m.contains(Date::from_unix_ms(i.written_ms)) {
                        continue;
                    }
                    if let Some(at) = store.arrival_ms(&i.id)? {
                        r.arrival.notices += 1;
                        r.arrival.delay_ms_total += at.saturating_sub(i.written_ms);
                    }
                }
            }
            Ok((Answer::Report(r), Vec::new()))
        }
    }
}

/// The records held for missing context about persons of `unit`'s
/// jurisdiction (`whole_node`: every held record of the node).
fn held_within(
    store: &Store,
    unit: &Code,
    whole_node: bool,
) -> Result<Vec<HeldRecord>, QueryError> {
    let mut held = store.held()?;
    if !whole_node {
        let mut keep = Vec::with_capacity(held.len());
        for h in held {
            let Ok(id) = CitizenId::parse(&h.subject) else {
                continue;
            };
            if store.view(&id)?.is_some_and(|v| in_jurisdiction(&v, unit)) {
                keep.push(h);
            }
        }
        held = keep;
    }
    Ok(held)
}

/// The overdue items among `views` of the people in `scope`'s jurisdiction
/// whose kind `keep` accepts, sorted as a work list: by the village of
/// `scope` where each is acted on ([`overdue::Item::village`]), then by the
/// day it was due, kind and subject.
fn overdue_items<V>(
    views: impl IntoIterator<Item = Result<V, StoreError>>,
    scope: &Code,
    today: Date,
    thresholds: &Thresholds,
    keep: impl Fn(Kind) -> bool,
) -> Result<Vec<overdue::Item>, QueryError>
where
    V: std::borrow::Borrow<PersonView>,
{
    let mut items = Vec::new();
    for v in views {
        let v = v?;
        let v = v.borrow();
        if !in_jurisdiction(v, scope) {
            continue;
        }
        items.extend(
            overdue::for_person(v, today, thresholds)
                .into_iter()
                .filter(|i| keep(i.kind)),
        );
    }
    items.sort_by(|a, b| {
        (a.village(scope), a.due, a.kind, &a.subject).cmp(&(
            b.village(scope),
            b.due,
            b.kind,
            &b.subject,
        ))
    });
    Ok(items)
}

/// How many items each overdue list of `unit` has among `views` (the
/// node's person views, already read), and how many of its records are
/// held: the figures only, which show no person (so nothing is audited).
pub fn overdue_counts(
    store: &Store,
    unit: &Code,
    views: &[PersonView],
    thresholds: &Thresholds,
    now_ms: u64,
) -> Result<(Vec<(Kind, usize)>, usize), QueryError> {
    let items = overdue_items(
        views.iter().map(Ok),
        unit,
        Date::from_unix_ms(now_ms),
        thresholds,
        |_| true,
    )?;
    let counts = Kind::ALL
        .iter()
        .map(|&k| (k, items.iter().filter(|i| i.kind == k).count()))
        .collect();
    let held = held_within(store, unit, unit == &store.scope().code)?;
    Ok((counts, held.len()))
}

#[cfg(test)]
mod tests {
    use liudong_core::synth::{outflow_body, test_record};
    use liudong_core::{Code, NodeScope, Record};
    use liudong_store::audit::{AuditEvent, AuditFilter};
    use liudong_store::{Source, Store, StoreOptions};

    /// The persons of each view in the audit trail whose operator and
    /// query `keep` accepts, oldest first.
    fn viewed(store: &Store, keep: impl Fn(&str, &str) -> bool) -> Vec<Vec<String>> {
        store
            .audit_query(&AuditFilter::default())
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.event {
                AuditEvent::Viewed {
                    operator,
                    query,
                    subjects,
                    ..
                } if keep(&operator, &query) => Some(subjects),
                _ => None,
            })
            .collect()
    }

    /// `Query::Persons` pages through the jurisdiction in subject order, each
    /// page audited with the persons it shows; a person of another jurisdiction
    /// is never listed.
    #[test]
    fn persons_are_paged_in_subject_order_and_every_page_is_audited() {
        use super::{PersonsAnswer, Query, run};
        let dir = tempfile::tempdir().unwrap();
        let scope = NodeScope::for_code(Code::parse("410602100").unwrap()).unwrap();
        let store = Store::open(dir.path(), scope, None, &StoreOptions::default()).unwrap();
        let mut records: Vec<Record> = (1..=7)
            .map(|p| test_record("410602100001", p, p, "410602100001", None, outflow_body()))
            .collect();
        // Held here (from the exchange, say) but of another county: not listed.
        records.push(test_record(
            "440306018001",
            1,
            99,
            "440306018001",
            None,
            outflow_body(),
        ));
        let items: Vec<_> = records
            .iter()
            .cloned()
            .map(liudong_store::Incoming::new)
            .collect();
        store.apply(&items, &Source::Detached, None, true).unwrap();
        let mut want: Vec<String> = records[..7]
            .iter()
            .map(|r| r.subject.as_str().to_string())
            .collect();
        want.sort();
        let mut got = Vec::new();
        let mut after = None;
        let mut pages = 0;
        for _ in 0..10 {
            let q = Query::Persons { after, limit: 3 };
            let a: PersonsAnswer = run(&store, "op", &q, 1_800_000_000_000)
                .unwrap()
                .try_into()
                .unwrap();
            pages += 1;
            assert!(a.persons.len() <= 3);
            got.extend(
                a.persons
                    .iter()
                    .map(|p| p.view.subject.as_str().to_string()),
            );
            match a.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(got, want);
        assert_eq!(pages, 3);
        let shown: Vec<String> = viewed(&store, |_, query| query == "persons (export)")
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(shown, want);
        let bad = run(
            &store,
            "op",
            &Query::Persons {
                after: None,
                limit: 0,
            },
            0,
        );
        assert!(matches!(bad, Err(super::QueryError::Bad(_))));
    }

    /// An operator of a township of a county node sees only the persons of
    /// that township, a report of it or a unit under it, and a page of the
    /// overdue lists records only that page's persons as viewed.
    #[test]
    fn an_operator_of_a_unit_sees_only_that_unit() {
        use super::{Answer, OverdueAnswer, Query, QueryError, Report, overdue_page, run_as};
        use liudong_core::overdue::Thresholds;
        let dir = tempfile::tempdir().unwrap();
        let county = Code::parse("410602").unwrap();
        let town = Code::parse("410602100").unwrap();
        let scope = NodeScope::for_code(county.clone()).unwrap();
        let store = Store::open(dir.path(), scope, None, &StoreOptions::default()).unwrap();
        // Persons 1-4 of the township's village, 5-6 of another township.
        let records: Vec<Record> = (1..=6)
            .map(|p| {
                let v = if p <= 4 {
                    "410602100001"
                } else {
                    "410602001001"
                };
                let inflow = liudong_core::synth::inflow_on(
                    liudong_core::Date::new(2026, 1, 20).unwrap(),
                    None,
                );
                test_record("410602", p, p, "440306018001", Some(v), inflow)
            })
            .collect();
        let items: Vec<_> = records
            .iter()
            .cloned()
            .map(liudong_store::Incoming::new)
            .collect();
        store.apply(&items, &Source::Detached, None, true).unwrap();
        let now = 1_800_000_000_000;
        let overdue = Query::Overdue {
            kinds: Vec::new(),
            thresholds: Thresholds::default(),
        };
        let a: OverdueAnswer = run_as(&store, "op", &town, &overdue, now)
            .unwrap()
            .try_into()
            .unwrap();
        let mine: Vec<&str> = records[..4].iter().map(|r| r.subject.as_str()).collect();
        assert!(!a.items.is_empty());
        assert!(a.items.iter().all(|i| mine.contains(&i.subject.as_str())));
        let everyone: OverdueAnswer = run_as(&store, "op", &county, &overdue, now)
            .unwrap()
            .try_into()
            .unwrap();
        assert!(everyone.items.len() > a.items.len());
        // Another township's person is not found for this one.
        let other = Query::Person {
            subject: records[5].subject.as_str().to_string(),
        };
        assert!(matches!(
            run_as(&store, "op", &town, &other, now),
            Err(QueryError::NotFound(_))
        ));
        assert!(matches!(
            run_as(&store, "op", &county, &other, now),
            Ok(Answer::Person(_))
        ));
        // Reports: the unit by default, a unit under it, not one beside it.
        let report = |code: Option<&str>| Query::Report {
            month: "2026-01".into(),
            code: code.map(str::to_string),
            ack_days: 30,
        };
        let r: Report = run_as(&store, "op", &town, &report(None), now)
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(r.code, town);
        assert_eq!(r.total.counts.inflows, 4);
        assert!(run_as(&store, "op", &town, &report(Some("410602100001")), now).is_ok());
        assert!(matches!(
            run_as(&store, "op", &town, &report(Some("410602001")), now),
            Err(QueryError::Bad(_))
        ));
        // A page of two: only its persons are recorded as viewed.
        let page = overdue_page(&store, "pager", &county, &overdue, now, 1, 2).unwrap();
        assert_eq!(page.total, everyone.items.len() + everyone.held.len());
        assert_eq!(page.answer.items, everyone.items[1..3].to_vec());
        let viewed = viewed(&store, |operator, _| operator == "pager");
        let mut shown: Vec<String> = page
            .answer
            .items
            .iter()
            .map(|i| i.subject.as_str().to_string())
            .collect();
        shown.sort();
        shown.dedup();
        assert_eq!(viewed, vec![shown]);
    }
}
