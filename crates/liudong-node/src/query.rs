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
    Person(PersonAnswer),
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
#[error("the node gave a {got} answer to a {expected} query")]
pub struct WrongAnswer {
    pub expected: &'static str,
    pub got: &'static str,
}

macro_rules! answer_of {
    ($variant:ident, $ty:ty, $name:literal) => {
        impl TryFrom<Answer> for $ty {
            type Error = WrongAnswer;

            fn try_from(a: Answer) -> Result<$ty, WrongAnswer> {
                match a {
                    Answer::$variant(x) => Ok(x),
                    other => Err(WrongAnswer {
                        expected: $name,
                        got: other.kind(),
                    }),
                }
            }
        }
    };
}

answer_of!(Person, PersonAnswer, "person");
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
fn in_jurisdiction(v: &PersonView, scope: &Code) -> bool {
    v.origin.is_under(scope)
        || v.residence.as_ref().is_some_and(|r| r.is_under(scope))
        || v.inflows
            .iter()
            .any(|i| i.residence.as_ref().is_some_and(|r| r.is_under(scope)))
}

/// Answers `operator`'s query for `now_ms`, and records in the audit trail
/// who viewed what and which persons were shown.
pub fn run(store: &Store, operator: &str, q: &Query, now_ms: u64) -> Result<Answer, QueryError> {
    let (answer, subjects) = answer(store, q, now_ms)?;
    store.audit_append(liudong_store::audit::AuditEvent::Viewed {
        operator: operator.to_string(),
        query: q.describe(),
        subjects,
    })?;
    Ok(answer)
}

/// The answer and the citizen IDs of the persons it shows.
fn answer(store: &Store, q: &Query, now_ms: u64) -> Result<(Answer, Vec<String>), QueryError> {
    let today = Date::from_unix_ms(now_ms);
    match q {
        Query::Person { subject } => {
            let id =
                CitizenId::parse(subject).map_err(|e| QueryError::Bad(format!("subject {e}")))?;
            let held = store
                .held()?
                .into_iter()
                .filter(|h| h.subject == id.as_str())
                .collect();
            let records = store.subject_records(id.as_str())?;
            let a = PersonAnswer::new(records, held, today).ok_or_else(|| {
                QueryError::NotFound(format!(
                    "no records about {} are held at this node",
                    id.redacted()
                ))
            })?;
            Ok((Answer::Person(a), vec![id.as_str().to_string()]))
        }
        Query::Overdue { kinds, thresholds } => {
            let mut wanted = Vec::new();
            let mut with_held = kinds.is_empty();
            for k in kinds {
                if k == "held" {
                    with_held = true;
                    continue;
                }
                wanted.push(Kind::parse(k).ok_or_else(|| {
                    QueryError::Bad(format!(
                        "kind {k:?}: expected missing_checks, certificate, no_certificate, unacknowledged or held"
                    ))
                })?);
            }
            let all = kinds.is_empty();
            let scope = store.scope().code.clone();
            let items = overdue_items(store.views(), &scope, today, thresholds, |k| {
                all || wanted.contains(&k)
            })?;
            let held = if with_held { store.held()? } else { Vec::new() };
            let shown: std::collections::BTreeSet<String> = items
                .iter()
                .map(|i| i.subject.to_string())
                .chain(held.iter().map(|h| h.subject.to_string()))
                .collect();
            let a = OverdueAnswer {
                node: scope.to_string(),
                today,
                thresholds: *thresholds,
                items,
                held,
            };
            Ok((Answer::Overdue(a), shown.into_iter().collect()))
        }
        Query::Persons { after, limit } => {
            if *limit == 0 || *limit > MAX_PERSONS_PAGE {
                return Err(QueryError::Bad(format!(
                    "limit {limit}: expected 1 to {MAX_PERSONS_PAGE}"
                )));
            }
            let scope = store.scope().code.clone();
            let mut subjects: Vec<String> = Vec::new();
            let mut next = None;
            for v in store.views_after(after.as_deref()) {
                let v = v?;
                if !in_jurisdiction(&v, &scope) {
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
                node: scope.to_string(),
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
                .ok_or_else(|| QueryError::Bad(format!("month {month:?}: expected YYYY-MM")))?;
            let own = &store.scope().code;
            let code = match code {
                Some(c) => Code::parse(c).map_err(|e| QueryError::Bad(format!("code: {e}")))?,
                None => own.clone(),
            };
            if !code.is_under(own) {
                return Err(QueryError::Bad(format!(
                    "code {code}: this node ({own}) holds only jurisdictions under its own code"
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

/// The overdue items among `views` of the people in `scope`'s jurisdiction
/// whose kind `keep` accepts, sorted by kind, origin and subject.
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
    items.sort_by(|a, b| (a.kind, &a.origin, &a.subject).cmp(&(b.kind, &b.origin, &b.subject)));
    Ok(items)
}

/// How many items each overdue list has among `views` (the node's person
/// views, already read), and how many records are held: the figures only,
/// which show no person (so nothing is audited).
pub fn overdue_counts(
    store: &Store,
    views: &[PersonView],
    thresholds: &Thresholds,
    now_ms: u64,
) -> Result<(Vec<(Kind, usize)>, usize), QueryError> {
    let items = overdue_items(
        views.iter().map(Ok),
        &store.scope().code,
        Date::from_unix_ms(now_ms),
        thresholds,
        |_| true,
    )?;
    let counts = Kind::ALL
        .iter()
        .map(|&k| (k, items.iter().filter(|i| i.kind == k).count()))
        .collect();
    Ok((counts, store.held()?.len()))
}

#[cfg(test)]
mod tests {
    use liudong_core::synth::{outflow_body, test_record};
    use liudong_core::{Code, NodeScope, Record};
    use liudong_store::{Source, Store, StoreOptions};

    /// `Query::Persons` pages through the jurisdiction in subject order, each
    /// page audited with the persons it shows; a person of another jurisdiction
    /// is never listed.
    #[test]
    fn persons_are_paged_in_subject_order_and_every_page_is_audited() {
        use super::{PersonsAnswer, Query, run};
        use liudong_store::audit::{AuditEvent, AuditFilter};
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
        let shown: Vec<String> = store
            .audit_query(&AuditFilter::default())
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.event {
                AuditEvent::Viewed {
                    query, subjects, ..
                } if query == "persons (export)" => Some(subjects),
                _ => None,
            })
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
}
