//! A property test over an in-memory multi-county routing simulation: random
//! workloads (registrations, outflows, inflows registered again, moves
//! written at the village, township or county, returns, acknowledgements,
//! checks, certificates, births, and amendments and voids of any of them,
//! written at any node that holds the target) are written as the store's
//! writer does ([`settle`], then [`workflow::check`]) and delivered to every
//! node the production routing ([`NodeScope::holds`]) names, each receiving
//! as the receive path does (a workflow breach refuses the record).
//!
//! Checked against an entitlement model written here, independently of
//! `routing`: every node holds exactly the records it is entitled to (a
//! correction: exactly where its target is), no honest record is refused,
//! a correction with a typed place that differs from its target's is refused
//! at the writer, and a county's (township's) monthly report equals the sum
//! of its townships' (villages').

use super::*;
use crate::citizen::CitizenId;
use crate::hlc::Hlc;
use crate::record::*;
use crate::report::{Counts, Month, compute};
use crate::routing::{NodeKind, NodeScope};
use crate::synth::{SynthRng, citizen_id, inflow_on, outflow_on};
use crate::workflow::{self, IssueKind};
use crate::{Date, Level, RecordId};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Villages of three counties in two provinces.
const VILLAGES: [&str; 6] = [
    "410602100001",
    "410602100002",
    "410602001001",
    "410603001001",
    "440306018001",
    "440306018002",
];
const TOWNSHIPS: [&str; 4] = ["410602100", "410602001", "410603001", "440306018"];
const COUNTIES: [&str; 3] = ["410602", "410603", "440306"];

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

/// Every node: villages, townships, counties, province exchanges (children:
/// counties) and a national exchange (children: provinces).
fn nodes() -> Vec<NodeScope> {
    let mut out: Vec<NodeScope> = VILLAGES
        .iter()
        .chain(&TOWNSHIPS)
        .chain(&COUNTIES)
        .map(|s| NodeScope::for_code(c(s)).unwrap())
        .collect();
    for p in ["41", "44"] {
        out.push(
            NodeScope::new(
                c(p),
                NodeKind::Exchange {
                    child_level: Level::County,
                },
            )
            .unwrap(),
        );
    }
    out.push(
        NodeScope::new(
            Code::national(),
            NodeKind::Exchange {
                child_level: Level::Province,
            },
        )
        .unwrap(),
    );
    out
}

/// The model: the places a record names, by its own fields.
fn model_places(r: &Record) -> Vec<String> {
    let mut out = vec![r.origin.as_str().to_string()];
    out.extend(r.residence.as_ref().map(|c| c.as_str().to_string()));
    if let Body::ResidenceChanged(b) = &r.body {
        out.extend(
            b.previous_residence
                .as_ref()
                .map(|c| c.as_str().to_string()),
        );
    }
    out
}

/// The model: node `n` is entitled to `r` if a place of it lies under `n`
/// (an exchange: and the places lie in different children of it); to a
/// correction exactly where it is entitled to the record corrected.
fn entitled(n: &NodeScope, r: &Record, all: &BTreeMap<RecordId, Record>) -> bool {
    if let Body::Correction(k) = &r.body {
        return entitled(n, &all[&k.target], all);
    }
    let places = model_places(r);
    let code = n.code.as_str();
    let touches = places.iter().any(|p| p.starts_with(code));
    match n.kind {
        NodeKind::Exchange { child_level } => {
            let cut = |p: &String| p[..child_level.digits()].to_string();
            touches && places.iter().any(|p| cut(p) != cut(&places[0]))
        }
        _ => touches,
    }
}

/// One step of a workload (indices are taken modulo what they pick from).
#[derive(Debug, Clone)]
enum Step {
    Outflow {
        person: usize,
        to: usize,
    },
    Inflow {
        person: usize,
        at: usize,
        writer: usize,
    },
    Ack {
        person: usize,
        pick: usize,
    },
    Move {
        person: usize,
        to: usize,
        writer: usize,
    },
    Return {
        person: usize,
        writer: usize,
    },
    Check {
        person: usize,
        at: usize,
    },
    Certificate {
        person: usize,
    },
    Birth {
        person: usize,
        at: usize,
    },
    Void {
        pick: usize,
        writer: usize,
    },
    Amend {
        pick: usize,
        writer: usize,
    },
    /// A correction whose operator typed a residence.
    Typed {
        pick: usize,
        writer: usize,
        residence: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let p = 0..3usize;
    let n = 0..64usize;
    prop_oneof![
        2 => (p.clone(), n.clone()).prop_map(|(person, to)| Step::Outflow { person, to }),
        3 => (p.clone(), n.clone(), n.clone())
            .prop_map(|(person, at, writer)| Step::Inflow { person, at, writer }),
        1 => (p.clone(), n.clone()).prop_map(|(person, pick)| Step::Ack { person, pick }),
        2 => (p.clone(), n.clone(), n.clone())
            .prop_map(|(person, to, writer)| Step::Move { person, to, writer }),
        1 => (p.clone(), n.clone()).prop_map(|(person, writer)| Step::Return { person, writer }),
        1 => (p.clone(), n.clone()).prop_map(|(person, at)| Step::Check { person, at }),
        1 => p.clone().prop_map(|person| Step::Certificate { person }),
        1 => (p.clone(), n.clone()).prop_map(|(person, at)| Step::Birth { person, at }),
        2 => (n.clone(), n.clone()).prop_map(|(pick, writer)| Step::Void { pick, writer }),
        2 => (n.clone(), n.clone()).prop_map(|(pick, writer)| Step::Amend { pick, writer }),
        1 => (n.clone(), n.clone(), n.clone())
            .prop_map(|(pick, writer, residence)| Step::Typed { pick, writer, residence }),
    ]
}

/// The simulated network: what every node holds, and every record written.
struct Net {
    nodes: Vec<NodeScope>,
    held: Vec<Vec<Record>>,
    all: BTreeMap<RecordId, Record>,
    /// Records in the order written (what corrections pick from).
    written: Vec<RecordId>,
    seqs: BTreeMap<Code, u64>,
    day: Date,
    people: Vec<(CitizenId, Code)>,
}

impl Net {
    fn new(origins: &[usize]) -> Net {
        let nodes = nodes();
        let held = vec![Vec::new(); nodes.len()];
        let day = Date::new(2026, 8, 1).unwrap();
        let people = origins
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let origin = c(VILLAGES[o % VILLAGES.len()]);
                let who = citizen_id(
                    &mut SynthRng::new(i as u64 + 1),
                    &origin.as_str()[..6],
                    Date::new(1990 + i as i32, 3, 3).unwrap(),
                    if i % 2 == 0 { Sex::Female } else { Sex::Male },
                );
                (who, origin)
            })
            .collect();
        let mut net = Net {
            nodes,
            held,
            all: BTreeMap::new(),
            written: Vec::new(),
            seqs: BTreeMap::new(),
            day,
            people,
        };
        for p in 0..net.people.len() {
            let (who, origin) = net.people[p].clone();
            let body = Body::PersonRegistered(PersonRegistered {
                name: format!("甲{p}"),
                sex: if who.is_male() {
                    Sex::Male
                } else {
                    Sex::Female
                },
                birth_date: who.birth_date(),
                marital_status: MaritalStatus::Married,
                hukou: HukouType::Agricultural,
                household: "H-1".into(),
                phone: "13800000000".into(),
            });
            net.write(origin.as_str(), p, Some(origin.clone()), None, body)
                .unwrap();
        }
        net
    }

    fn index(&self, code: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.code.as_str() == code)
            .unwrap()
    }

    /// Records node `n` holds about `subject`.
    fn context(&self, n: usize, subject: &CitizenId) -> Vec<Record> {
        self.held[n]
            .iter()
            .filter(|r| &r.subject == subject)
            .cloned()
            .collect()
    }

    /// Writes at node `at` as the store's writer does, then delivers the
    /// record wherever routing sends it. `Err` when the writer refuses.
    fn write(
        &mut self,
        at: &str,
        person: usize,
        origin: Option<Code>,
        residence: Option<Code>,
        body: Body,
    ) -> Result<Record, ValidationError> {
        let w = self.index(at);
        let subject = self.people[person].0.clone();
        let context = self.context(w, &subject);
        let mut body = body;
        let (origin, residence) = settle(origin, residence, &mut body, &context)?;
        self.day = self.day.add_days(1);
        let seq = self.seqs.entry(c(at)).or_default();
        *seq += 1;
        let r = Record {
            id: RecordId {
                node: c(at),
                seq: *seq,
            },
            hlc: Hlc::new(self.day.to_days() as u64 * 86_400_000 + 3_600_000, 0),
            operator: "op".into(),
            subject,
            origin,
            residence,
            body,
        };
        if workflow::needs_context(&r.body) {
            workflow::check(&r, &context).map_err(|i| i.to_validation())?;
        }
        assert!(self.nodes[w].holds(&r), "{at} wrote {r:?} it may not hold");
        for n in 0..self.nodes.len() {
            if !self.nodes[n].holds(&r) {
                continue;
            }
            // The receive path's workflow check against what the node holds.
            let context = self.context(n, &r.subject);
            if let Err(issue) = workflow::check(&r, &context) {
                assert_ne!(
                    issue.kind,
                    IssueKind::Breach,
                    "{} refused an honest {}: {issue}",
                    self.nodes[n],
                    r.body.kind()
                );
            }
            self.held[n].push(r.clone());
        }
        self.all.insert(r.id.clone(), r.clone());
        self.written.push(r.id.clone());
        Ok(r)
    }

    fn person_of(&self, id: &RecordId) -> usize {
        let s = &self.all[id].subject;
        self.people.iter().position(|(p, _)| p == s).unwrap()
    }

    /// A village, township or county of `village` (by `pick`).
    fn up(village: &str, pick: usize) -> &str {
        &village[..[12, 9, 6][pick % 3]]
    }

    /// A node holding `id` (by `pick`), and the correctable record picked.
    fn holder_of(&self, pick: usize, writer: usize) -> Option<(RecordId, usize)> {
        let targets: Vec<&RecordId> = self
            .written
            .iter()
            .filter(|id| !matches!(self.all[*id].body, Body::Correction(_)))
            .collect();
        let id = targets[pick % targets.len()].clone();
        let holders: Vec<usize> = (0..self.nodes.len())
            .filter(|n| self.held[*n].iter().any(|r| r.id == id))
            .collect();
        Some((id, holders[writer % holders.len()]))
    }

    fn run(&mut self, s: &Step) {
        let d = self.day.add_days(1);
        let village = |i: usize| c(VILLAGES[i % VILLAGES.len()]);
        let origin = |p: usize| self.people[p % self.people.len()].1.clone();
        // A refusal by the writer (no open absence, ...) writes nothing.
        let _ = match *s {
            Step::Outflow { person, to } => {
                let o = origin(person);
                self.write(
                    o.as_str(),
                    person % 3,
                    Some(o.clone()),
                    Some(village(to)),
                    outflow_on(d),
                )
            }
            Step::Inflow { person, at, writer } => {
                let at = village(at);
                let w = Self::up(at.as_str(), writer).to_string();
                self.write(
                    &w,
                    person % 3,
                    Some(origin(person)),
                    Some(at),
                    inflow_on(d, None),
                )
            }
            Step::Ack { person, pick } => {
                let o = origin(person);
                let w = self.index(o.as_str());
                let who = &self.people[person % 3].0;
                let inflows: Vec<RecordId> = self.held[w]
                    .iter()
                    .filter(|r| &r.subject == who && matches!(r.body, Body::InflowRegistered(_)))
                    .map(|r| r.id.clone())
                    .collect();
                if inflows.is_empty() {
                    return;
                }
                let body = Body::InflowAcknowledged(InflowAcknowledged {
                    inflow: inflows[pick % inflows.len()].clone(),
                    outcome: AckOutcome::Confirmed,
                    certificate_number: None,
                    certificate_valid_until: None,
                    note: String::new(),
                });
                self.write(o.as_str(), person % 3, None, None, body)
            }
            Step::Move { person, to, writer } => {
                let to = village(to);
                let w = Self::up(to.as_str(), writer).to_string();
                let body = Body::ResidenceChanged(ResidenceChanged {
                    change_date: d,
                    address: String::new(),
                    previous_residence: None,
                });
                self.write(&w, person % 3, Some(origin(person)), Some(to), body)
            }
            Step::Return { person, writer } => {
                let o = origin(person);
                let w = Self::up(o.as_str(), writer).to_string();
                let body = Body::Returned(Returned { return_date: d });
                self.write(&w, person % 3, Some(o), None, body)
            }
            Step::Check { person, at } => {
                let at = village(at);
                let body = Body::CheckReported(CheckReported {
                    quarter: d.quarter(),
                    check_date: d,
                    result: CheckResult::Normal,
                });
                self.write(
                    at.as_str(),
                    person % 3,
                    Some(origin(person)),
                    Some(at.clone()),
                    body,
                )
            }
            Step::Certificate { person } => {
                let o = origin(person);
                let body = Body::CertificateIssued(CertificateIssued {
                    number: format!("C-{}", self.written.len()),
                    valid_from: d,
                    valid_until: d.add_days(1000),
                    marital_status: MaritalStatus::Married,
                    children: 0,
                });
                self.write(o.as_str(), person % 3, Some(o.clone()), None, body)
            }
            Step::Birth { person, at } => {
                let at = village(at);
                let body = Body::BirthRegistered(BirthRegistered {
                    birth_date: d,
                    sex: Sex::Female,
                    birth_order: 1,
                    place: Some(at.clone()),
                    service_number: String::new(),
                });
                self.write(
                    at.clone().as_str(),
                    person % 3,
                    Some(origin(person)),
                    Some(at),
                    body,
                )
            }
            Step::Void { pick, writer } | Step::Amend { pick, writer } => {
                let Some((target, w)) = self.holder_of(pick, writer) else {
                    return;
                };
                let amended = matches!(s, Step::Amend { .. })
                    .then(|| Box::new(self.all[&target].body.clone()));
                let body = Body::Correction(Correction {
                    target: target.clone(),
                    reason: "登记有误".into(),
                    amended,
                    previous_residence: None,
                });
                let person = self.person_of(&target);
                let at = self.nodes[w].code.as_str().to_string();
                let r = self.write(&at, person, None, None, body);
                assert!(
                    r.is_ok(),
                    "an honest correction of {target} at {at} refused: {r:?}"
                );
                r
            }
            Step::Typed {
                pick,
                writer,
                residence,
            } => {
                let Some((target, w)) = self.holder_of(pick, writer) else {
                    return;
                };
                let typed = village(residence);
                let body = Body::Correction(Correction {
                    target: target.clone(),
                    reason: "登记有误".into(),
                    amended: None,
                    previous_residence: None,
                });
                let person = self.person_of(&target);
                let at = self.nodes[w].code.as_str().to_string();
                let r = self.write(&at, person, None, Some(typed.clone()), body);
                let same = self.all[&target].residence.as_ref() == Some(&typed);
                match &r {
                    Ok(_) => assert!(same, "a correction typed with {typed} was written"),
                    Err(e) => {
                        assert!(!same, "{e}");
                        assert_eq!(e.field, "residence");
                    }
                }
                r
            }
        };
    }

    /// The counts node `code` reports for its own unit and `month`.
    fn counts(&self, code: &str, month: Month) -> Counts {
        let n = self.index(code);
        let mut by: BTreeMap<&CitizenId, Vec<&Record>> = BTreeMap::new();
        for r in &self.held[n] {
            by.entry(&r.subject).or_default().push(r);
        }
        let views: Vec<_> = by
            .values()
            .filter_map(|rs| crate::view::PersonView::derive(rs.iter().copied()))
            .collect();
        compute(&views, &c(code), month, 30).total.counts
    }

    fn check(&self) {
        for (n, scope) in self.nodes.iter().enumerate() {
            let held: BTreeSet<&RecordId> = self.held[n].iter().map(|r| &r.id).collect();
            let due: BTreeSet<&RecordId> = self
                .all
                .values()
                .filter(|r| entitled(scope, r, &self.all))
                .map(|r| &r.id)
                .collect();
            assert_eq!(held, due, "{scope} holds other than it is entitled to");
        }
        let first = Month::parse("2026-08").unwrap();
        let months = (0..6).map(|i| {
            let d = first.last_day().add_days(i * 31);
            Month::parse(&d.to_string()[..7]).unwrap()
        });
        for month in months {
            let under = |unit: &str, of: &[&'static str]| -> Vec<&'static str> {
                of.iter().filter(|x| x.starts_with(unit)).copied().collect()
            };
            let units = COUNTIES
                .iter()
                .map(|k| (*k, under(k, &TOWNSHIPS)))
                .chain(TOWNSHIPS.iter().map(|t| (*t, under(t, &VILLAGES))));
            for (unit, children) in units {
                let mut sum = Counts::default();
                for ch in &children {
                    sum += self.counts(ch, month);
                }
                assert_eq!(self.counts(unit, month), sum, "{unit} for {month}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_node_holds_what_it_is_entitled_to_and_reports_add_up(
        origins in proptest::collection::vec(0..6usize, 3),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let mut net = Net::new(&origins);
        for s in &steps {
            net.run(s);
        }
        net.check();
    }
}
