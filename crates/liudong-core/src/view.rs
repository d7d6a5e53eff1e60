//! The derived person view.
//!
//! A person's view is a pure function of the *set* of records a node holds
//! about them: records are folded in clock order ([`Record::order_key`]), with
//! corrections applied first (the latest correction of a record wins). So two
//! nodes holding the same records derive the same view, whatever order the
//! records arrived in.

use crate::citizen::CitizenId;
use crate::code::Code;
use crate::date::{Date, Quarter};
use crate::hlc::Hlc;
use crate::record::{AckOutcome, Body, CheckResult, MaritalStatus, Record, RecordId, Sex};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where the person is, as far as this node knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only records that say nothing about whereabouts.
    #[default]
    Unknown,
    /// At the registered locality (registered, or returned).
    AtHome,
    /// Outflow registered, not yet registered at a residence.
    OutMigrated,
    /// Registered (inflow) at a residence.
    AtResidence,
}

/// The migrant certificate (婚育证明) as known here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub number: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    /// Record it was learned from (issue, or an origin's acknowledgement).
    pub source: RecordId,
}

/// One inflow registration and its acknowledgement by the origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inflow {
    pub id: RecordId,
    pub residence: Option<Code>,
    pub arrival_date: Date,
    pub certificate_number: Option<String>,
    pub acknowledged: Option<(RecordId, AckOutcome)>,
    /// Wall time (ms) of the inflow record's clock.
    pub written_ms: u64,
    /// Wall time (ms) of the acknowledgement record's clock.
    pub acknowledged_ms: Option<u64>,
}

/// One migrant episode: outflow → inflow → residence changes → return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Episode {
    pub outflow: Option<RecordId>,
    pub left: Option<Date>,
    pub inflow: Option<RecordId>,
    pub arrived: Option<Date>,
    /// Residences in order (destination, then each change).
    pub residences: Vec<Code>,
    pub returned: Option<Date>,
}

impl Episode {
    pub fn is_open(&self) -> bool {
        self.returned.is_none()
    }
}

/// A registration at one residence (流入在册): from an inflow registration,
/// or a residence change to it, until a return or residence change that
/// names it ends it. A stay ends only by a record naming its residence —
/// exactly the records the nodes of that residence hold — so every node
/// holding a residence's records derives the same stays there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stay {
    pub residence: Code,
    /// Arrival (inflow) or change date.
    pub from: Date,
    /// Date of the return or move that ended it.
    pub until: Option<Date>,
}

impl Stay {
    /// True if the person was registered here on `day`.
    pub fn covers(&self, day: Date) -> bool {
        self.from <= day && self.until.is_none_or(|u| u > day)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Birth {
    pub id: RecordId,
    pub birth_date: Date,
    pub sex: Sex,
    pub birth_order: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub quarter: Quarter,
    pub check_date: Date,
    pub result: CheckResult,
    pub residence: Option<Code>,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_string())
}

/// Everything a node derives about one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub subject: CitizenId,
    pub name: Option<String>,
    pub sex: Sex,
    pub birth_date: Date,
    pub origin: Code,
    pub residence: Option<Code>,
    pub status: Status,
    pub marital_status: MaritalStatus,
    pub married_on: Option<Date>,
    /// Phone number from the latest registration that gave one.
    pub phone: Option<String>,
    /// Address at the current residence (the latest inflow or residence
    /// change that gave one; none after a return).
    pub address: Option<String>,
    /// Employer at the current residence (the latest inflow that gave one;
    /// none after a residence change or a return).
    pub employer: Option<String>,
    pub certificate: Option<Certificate>,
    pub episodes: Vec<Episode>,
    /// Registrations at residences, in order (see [`Stay`]).
    pub stays: Vec<Stay>,
    pub inflows: Vec<Inflow>,
    pub checks: Vec<Check>,
    pub births: Vec<Birth>,
    /// Records folded into this view (corrections included).
    pub records: u32,
    /// Records voided by a correction.
    pub voided: u32,
    /// Highest clock among the records.
    pub last_hlc: Hlc,
}

impl PersonView {
    /// Derives the view from all records held about one subject. Returns
    /// `None` for an empty set. Records about other subjects are ignored.
    pub fn derive<'a>(records: impl IntoIterator<Item = &'a Record>) -> Option<PersonView> {
        ViewFold::derive(records).map(ViewFold::into_view)
    }

    fn open_episode(&mut self) -> &mut Episode {
        if !self.episodes.last().is_some_and(Episode::is_open) {
            self.episodes.push(Episode::default());
        }
        self.episodes.last_mut().expect("just ensured")
    }

    fn apply(&mut self, r: &Record, body: &Body) {
        match body {
            Body::PersonRegistered(b) => {
                self.name = Some(b.name.clone());
                self.sex = b.sex;
                self.birth_date = b.birth_date;
                if b.marital_status != MaritalStatus::Unspecified {
                    self.marital_status = b.marital_status;
                }
                if !b.phone.trim().is_empty() {
                    self.phone = Some(b.phone.clone());
                }
                if self.status == Status::Unknown {
                    self.status = Status::AtHome;
                }
            }
            Body::MarriageRegistered(b) => {
                self.marital_status = MaritalStatus::Married;
                self.married_on = Some(b.marriage_date);
            }
            Body::OutflowRegistered(b) => {
                let ep = self.open_episode();
                if ep.outflow.is_some() || ep.inflow.is_some() {
                    // A new outflow while an episode is open starts a new one.
                    self.episodes.push(Episode::default());
                }
                let ep = self.episodes.last_mut().expect("present");
                ep.outflow = Some(r.id.clone());
                ep.left = Some(b.leave_date);
                ep.residences.extend(r.residence.clone());
                self.residence = r.residence.clone();
                self.status = Status::OutMigrated;
            }
            Body::CertificateIssued(b) => {
                // The certificate states the marital status: it tells a node
                // that holds no registration of the person.
                if self.marital_status == MaritalStatus::Unspecified {
                    self.marital_status = b.marital_status;
                }
                self.certificate = Some(Certificate {
                    number: b.number.clone(),
                    valid_from: Some(b.valid_from),
                    valid_until: Some(b.valid_until),
                    source: r.id.clone(),
                });
            }
            Body::InflowRegistered(b) => {
                // A second inflow within one absence (registered again, or
                // somewhere else) stays in the episode: a return ends it.
                let ep = self.open_episode();
                ep.inflow = Some(r.id.clone());
                ep.arrived.get_or_insert(b.arrival_date);
                if ep.residences.last() != r.residence.as_ref() {
                    ep.residences.extend(r.residence.clone());
                }
                if let Some(res) = &r.residence {
                    self.stay_at(res, b.arrival_date);
                }
                self.residence = r.residence.clone();
                self.status = Status::AtResidence;
                self.address = non_empty(&b.address);
                self.employer = non_empty(&b.employer);
                self.inflows.push(Inflow {
                    id: r.id.clone(),
                    residence: r.residence.clone(),
                    arrival_date: b.arrival_date,
                    certificate_number: b.certificate_number.clone(),
                    acknowledged: None,
                    written_ms: r.hlc.wall_ms(),
                    acknowledged_ms: None,
                });
            }
            Body::InflowAcknowledged(b) => {
                if let Some(inflow) = self.inflows.iter_mut().find(|i| i.id == b.inflow) {
                    inflow.acknowledged = Some((r.id.clone(), b.outcome));
                    inflow.acknowledged_ms = Some(r.hlc.wall_ms());
                }
                if let (Some(number), true) =
                    (&b.certificate_number, b.outcome == AckOutcome::Confirmed)
                {
                    let known = self
                        .certificate
                        .as_ref()
                        .is_some_and(|c| &c.number == number);
                    if !known {
                        self.certificate = Some(Certificate {
                            number: number.clone(),
                            valid_from: None,
                            valid_until: b.certificate_valid_until,
                            source: r.id.clone(),
                        });
                    }
                }
            }
            Body::CheckReported(b) => {
                // One per quarter and residence: a person who moved within a
                // quarter may have been checked at both.
                self.put_check(Check {
                    quarter: b.quarter,
                    check_date: b.check_date,
                    result: b.result,
                    residence: r.residence.clone(),
                });
            }
            Body::BirthRegistered(b) => self.births.push(Birth {
                id: r.id.clone(),
                birth_date: b.birth_date,
                sex: b.sex,
                birth_order: b.birth_order,
            }),
            Body::ResidenceChanged(b) => {
                let ep = self.open_episode();
                ep.residences.extend(r.residence.clone());
                self.residence = r.residence.clone();
                self.status = Status::AtResidence;
                if let Some(left) = &b.previous_residence {
                    self.end_stays(Some(left), b.change_date);
                }
                if let Some(res) = &r.residence {
                    self.stay_at(res, b.change_date);
                }
                self.address = non_empty(&b.address);
                self.employer = None;
            }
            Body::Returned(b) => {
                if let Some(ep) = self.episodes.last_mut().filter(|e| e.is_open()) {
                    ep.returned = Some(b.return_date);
                }
                // The residence the person leaves (all, if the return names none).
                self.end_stays(r.residence.as_ref(), b.return_date);
                self.residence = None;
                self.address = None;
                self.employer = None;
                self.status = Status::AtHome;
            }
            Body::Correction(_) => {}
        }
    }

    /// Keeps `check` as the report of its quarter and residence (a later
    /// report replaces an earlier one); `checks` stays in (quarter,
    /// residence) order.
    fn put_check(&mut self, check: Check) {
        let key = |c: &Check| (c.quarter, c.residence.clone());
        match self.checks.binary_search_by(|c| key(c).cmp(&key(&check))) {
            Ok(i) => self.checks[i] = check,
            Err(i) => self.checks.insert(i, check),
        }
    }

    /// Registers the person at `residence` from `from`, unless a stay there
    /// is open (an inflow registered again).
    fn stay_at(&mut self, residence: &Code, from: Date) {
        if !self
            .stays
            .iter()
            .any(|s| &s.residence == residence && s.until.is_none())
        {
            self.stays.push(Stay {
                residence: residence.clone(),
                from,
                until: None,
            });
        }
    }

    /// Ends the open stays at `residence` (every open stay for `None`) on `day`.
    fn end_stays(&mut self, residence: Option<&Code>, day: Date) {
        for s in &mut self.stays {
            if s.until.is_none() && residence.is_none_or(|r| &s.residence == r) {
                s.until = Some(day);
            }
        }
    }

    /// The residences the person was registered at on `day` (one, unless a
    /// move was never recorded where the person left).
    pub fn stays_on(&self, day: Date) -> impl Iterator<Item = &Stay> {
        self.stays.iter().filter(move |s| s.covers(day))
    }

    /// The latest check report, if any.
    pub fn last_check(&self) -> Option<&Check> {
        self.checks.last()
    }

    /// True if the person's certificate is valid on `day`.
    pub fn certificate_valid_on(&self, day: Date) -> bool {
        self.certificate.as_ref().is_some_and(|c| {
            c.valid_from.is_none_or(|f| f <= day) && c.valid_until.is_some_and(|u| day <= u)
        })
    }
}

/// A person view with what extending it needs: the highest record folded,
/// the targets of the corrections folded, and whether a migrant episode is
/// open by the workflow rule ([`crate::workflow::check`]).
///
/// [`ViewFold::derive`] folds a set of records from scratch;
/// [`ViewFold::extend`] folds one more record onto the view when the result
/// is the one a derivation from all the records would give: the record sorts
/// after every record folded, is not a correction, and no correction folded
/// names it. Otherwise the caller derives again from all records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewFold {
    view: PersonView,
    /// The highest record folded, in [`Record::order_key`] order.
    high: (Hlc, RecordId),
    /// Targets of the corrections folded.
    corrected: Vec<RecordId>,
    /// Whether a migrant episode is open after the last record: an outflow
    /// or inflow opens one, a return closes it (voided records left out).
    episode_open: bool,
}

impl ViewFold {
    /// Derives the view from all records held about one subject (see
    /// [`PersonView::derive`]).
    pub fn derive<'a>(records: impl IntoIterator<Item = &'a Record>) -> Option<ViewFold> {
        let mut all: Vec<&Record> = records.into_iter().collect();
        let subject = all.first()?.subject.clone();
        all.retain(|r| r.subject == subject);
        all.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        all.dedup_by(|a, b| a.id == b.id);
        let first: &Record = all[0];
        let last: &Record = all[all.len() - 1];

        // Corrections first: the latest correction of each target decides.
        let mut effective: HashMap<&RecordId, Option<&Body>> = HashMap::new();
        for r in &all {
            if let Body::Correction(c) = &r.body {
                effective.insert(&c.target, c.amended.as_deref());
            }
        }

        let mut f = ViewFold {
            view: PersonView {
                sex: if subject.is_male() {
                    Sex::Male
                } else {
                    Sex::Female
                },
                birth_date: subject.birth_date(),
                subject,
                name: None,
                origin: first.origin.clone(),
                residence: None,
                status: Status::Unknown,
                marital_status: MaritalStatus::Unspecified,
                married_on: None,
                phone: None,
                address: None,
                employer: None,
                certificate: None,
                episodes: Vec::new(),
                stays: Vec::new(),
                inflows: Vec::new(),
                checks: Vec::new(),
                births: Vec::new(),
                records: all.len() as u32,
                voided: 0,
                last_hlc: last.hlc,
            },
            high: (last.hlc, last.id.clone()),
            corrected: effective.keys().map(|id| (*id).clone()).collect(),
            episode_open: false,
        };
        f.corrected.sort();
        for r in &all {
            if matches!(r.body, Body::Correction(_)) {
                continue;
            }
            let body = match effective.get(&r.id) {
                Some(None) => {
                    f.view.voided += 1;
                    continue;
                }
                Some(Some(amended)) if amended.kind() == r.body.kind() => *amended,
                _ => &r.body,
            };
            f.fold(r, body);
        }
        Some(f)
    }

    /// Folds `r` onto the view if that gives what a derivation from all the
    /// records would (see [`ViewFold`]); returns `false`, the fold
    /// unchanged, if it does not: the caller derives again.
    pub fn extend(&mut self, r: &Record) -> bool {
        if !self.extends_with(r) {
            return false;
        }
        self.view.records += 1;
        self.view.last_hlc = r.hlc;
        self.high = (r.hlc, r.id.clone());
        self.fold(r, &r.body);
        true
    }

    /// True if [`ViewFold::extend`] would fold `r`.
    pub fn extends_with(&self, r: &Record) -> bool {
        r.subject == self.view.subject
            && (r.hlc, &r.id) > (self.high.0, &self.high.1)
            && !matches!(r.body, Body::Correction(_))
            && self.corrected.binary_search(&r.id).is_err()
    }

    /// Applies one record's effective body.
    fn fold(&mut self, r: &Record, body: &Body) {
        self.view.origin = r.origin.clone();
        self.view.apply(r, body);
        match body {
            Body::OutflowRegistered(_) | Body::InflowRegistered(_) => self.episode_open = true,
            Body::Returned(_) => self.episode_open = false,
            _ => {}
        }
    }

    /// Whether a migrant episode is open after the records folded, as
    /// [`crate::workflow::check`] sees it for a record sorting after them.
    pub fn episode_open(&self) -> bool {
        self.episode_open
    }

    pub fn view(&self) -> &PersonView {
        &self.view
    }

    pub fn into_view(self) -> PersonView {
        self.view
    }
}

#[cfg(test)]
mod tests;
