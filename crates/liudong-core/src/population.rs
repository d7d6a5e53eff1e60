//! A deterministic synthetic population for one unit (normally a county),
//! placed in real villages of the embedded division table: households,
//! people with valid citizen IDs, marriages, births with a realistic sex ratio
//! (about 110 boys per 100 girls), out-migration to other real counties and
//! provinces with certificates (some expired) and inflows at the destination,
//! acknowledgements, quarterly check reports with some missing, returns, and
//! migrants from elsewhere living here. No real person's data: names come from
//! a short list of common characters and IDs from [`crate::synth`].
//!
//! Every record is authored by `author` (the seeding node, a stand-in for the
//! nodes that would have written them) with a clock at noon China time of the
//! event day, so the same parameters always give the same records.

use crate::citizen::CitizenId;
use crate::code::{Code, Level};
use crate::date::Date;
use crate::hlc::Hlc;
use crate::record::*;
use crate::synth::{SynthRng, citizen_id, name};
use std::collections::HashSet;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Params {
    /// The unit whose villages the households live in (county, township or village).
    pub unit: Code,
    /// The authoring node (at or above `unit`).
    pub author: Code,
    /// Number of the first record (author sequence numbers continue from it).
    pub first_seq: u64,
    pub seed: u64,
    pub households: u64,
    /// The day the data ends.
    pub today: Date,
}

fn villages_under(code: &str) -> Vec<String> {
    let t = crate::divisions::table();
    if code.len() == 12 {
        return vec![code.to_string()];
    }
    let mut out = Vec::new();
    let mut stack = vec![code.to_string()];
    while let Some(c) = stack.pop() {
        for child in t.children(&c) {
            if child.len() == 12 {
                out.push(child.to_string());
            } else {
                stack.push(child.to_string());
            }
        }
    }
    out.sort();
    out
}

struct Gen {
    p: Params,
    rng: SynthRng,
    out: Vec<Record>,
    ids: HashSet<CitizenId>,
    counties: Vec<String>,
}

fn push(
    out: &mut Vec<Record>,
    p: &Params,
    who: &CitizenId,
    origin: &str,
    residence: Option<&str>,
    day: Date,
    body: Body,
) -> RecordId {
    let id = RecordId {
        node: p.author.clone(),
        seq: p.first_seq + out.len() as u64,
    };
    let logical = (out.len() % 60_000) as u16;
    out.push(Record {
        id: id.clone(),
        hlc: Hlc::new(noon_ms(day), logical),
        operator: "seed".into(),
        subject: who.clone(),
        origin: Code::parse(origin).expect("table code"),
        residence: residence.map(|r| Code::parse(r).expect("table code")),
        body,
    });
    id
}

fn noon_ms(d: Date) -> u64 {
    (d.to_days().max(0) as u64) * 86_400_000 + 4 * 3_600_000
}

impl Gen {
    fn person(&mut self, origin: &str, birth: Date, sex: Sex) -> CitizenId {
        loop {
            let id = citizen_id(&mut self.rng, &origin[..6], birth, sex);
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn days_ago(&mut self, min: i64, max: i64) -> Date {
        let span = (max - min).max(1) as u64;
        self.p.today.add_days(-(min + self.rng.below(span) as i64))
    }

    /// A random real village outside this unit: another county of the same
    /// province (30%) or anywhere else.
    fn elsewhere(&mut self) -> String {
        let t = crate::divisions::table();
        let own = self.p.unit.as_str();
        for _ in 0..100 {
            let county = self.rng.pick(&self.counties).clone();
            if county.starts_with(&own[..own.len().min(6)]) {
                continue;
            }
            if self.rng.chance(0.3) && !county.starts_with(&own[..2]) {
                continue;
            }
            let towns = t.children(&county);
            if towns.is_empty() {
                continue;
            }
            let town = *self.rng.pick(&towns);
            let villages = t.children(town);
            if villages.is_empty() {
                continue;
            }
            return self.rng.pick(&villages).to_string();
        }
        "440306018001".to_string()
    }

    fn register(&mut self, who: &CitizenId, village: &str, household: &str, married: bool) {
        let sex = if who.is_male() {
            Sex::Male
        } else {
            Sex::Female
        };
        let n = name(&mut self.rng);
        let registered = who.birth_date().max(self.p.today.add_days(-3650));
        push(
            &mut self.out,
            &self.p,
            who,
            village,
            None,
            registered,
            Body::PersonRegistered(PersonRegistered {
                name: n,
                sex,
                birth_date: who.birth_date(),
                marital_status: if married {
                    MaritalStatus::Married
                } else {
                    MaritalStatus::Single
                },
                hukou: HukouType::Agricultural,
                household: household.into(),
                phone: String::new(),
            }),
        );
    }

    /// An out-migration of `who` from `village` with its whole flow.
    fn migrate(&mut self, who: &CitizenId, village: &str) {
        let today = self.p.today;
        let dest = self.elsewhere();
        let left = self.days_ago(20, 3 * 365);
        push(
            &mut self.out,
            &self.p,
            who,
            village,
            Some(&dest),
            left,
            Body::OutflowRegistered(OutflowRegistered {
                leave_date: left,
                purpose: *self.rng.pick(&[
                    Purpose::Work,
                    Purpose::Work,
                    Purpose::Trade,
                    Purpose::Other,
                ]),
                expected_months: 6 + self.rng.below(30) as u32,
            }),
        );
        let mut cert = None;
        if self.rng.chance(0.85) {
            let number = format!(
                "{}-{}-{:05}",
                &village[..6],
                left.year,
                self.rng.below(100_000)
            );
            let years = if self.rng.chance(0.4) { 1 } else { 3 };
            let from = left.add_days(1).min(today);
            push(
                &mut self.out,
                &self.p,
                who,
                village,
                Some(&dest),
                from,
                Body::CertificateIssued(CertificateIssued {
                    number: number.clone(),
                    valid_from: from,
                    valid_until: from.add_days(365 * years),
                    marital_status: MaritalStatus::Married,
                    children: self.rng.below(3) as u32,
                }),
            );
            cert = Some(number);
        }
        if !self.rng.chance(0.9) {
            return;
        }
        let arrived = left.add_days(2 + self.rng.below(15) as i64).min(today);
        let shown = cert.clone().filter(|_| self.rng.chance(0.9));
        let inflow = push(
            &mut self.out,
            &self.p,
            who,
            village,
            Some(&dest),
            arrived,
            Body::InflowRegistered(InflowRegistered {
                arrival_date: arrived,
                address: format!("{}号", 1 + self.rng.below(300)),
                employer: String::new(),
                certificate_number: shown,
            }),
        );
        let acked = arrived.add_days(3 + self.rng.below(40) as i64);
        if self.rng.chance(0.8) && acked <= today {
            push(
                &mut self.out,
                &self.p,
                who,
                village,
                Some(&dest),
                acked,
                Body::InflowAcknowledged(InflowAcknowledged {
                    inflow,
                    outcome: if self.rng.chance(0.95) {
                        AckOutcome::Confirmed
                    } else {
                        AckOutcome::Mismatch
                    },
                    certificate_number: cert,
                    certificate_valid_until: None,
                    note: String::new(),
                }),
            );
        }
        let returned = self
            .rng
            .chance(0.15)
            .then(|| arrived.add_days(30 + self.rng.below(700) as i64))
            .filter(|d| *d < today);
        let mut q = arrived.quarter();
        let last = returned.unwrap_or(today).quarter();
        while q < last {
            if self.rng.chance(0.8) {
                let day = q.first_day().add_days(10 + self.rng.below(60) as i64);
                push(
                    &mut self.out,
                    &self.p,
                    who,
                    village,
                    Some(&dest),
                    day,
                    Body::CheckReported(CheckReported {
                        quarter: q,
                        check_date: day,
                        result: if self.rng.chance(0.9) {
                            CheckResult::Normal
                        } else {
                            CheckResult::FollowUp
                        },
                    }),
                );
            }
            q = q.next();
        }
        if let Some(d) = returned {
            push(
                &mut self.out,
                &self.p,
                who,
                village,
                Some(&dest),
                d,
                Body::Returned(Returned { return_date: d }),
            );
        }
    }

    fn household(&mut self, n: u64, villages: &[String]) {
        let today = self.p.today;
        let village = self.rng.pick(villages).clone();
        let hh = format!("H{:05}", n + 1);
        let woman_birth = crate::synth::birth_date(&mut self.rng, today, 20, 60);
        let man_birth = woman_birth.add_days(self.rng.below(6 * 365) as i64 - 3 * 365);
        let woman = self.person(&village, woman_birth, Sex::Female);
        let man = self.person(&village, man_birth, Sex::Male);
        let married = woman_birth.add_days(365 * 20 + self.rng.below(8 * 365) as i64);
        let married = married.min(today.add_days(-1));
        self.register(&woman, &village, &hh, true);
        self.register(&man, &village, &hh, true);
        for who in [&woman, &man] {
            push(
                &mut self.out,
                &self.p,
                who,
                &village,
                None,
                married,
                Body::MarriageRegistered(MarriageRegistered {
                    marriage_date: married,
                    spouse: None,
                }),
            );
        }
        let children = self.rng.below(4);
        let mut born = married.add_days(300 + self.rng.below(600) as i64);
        for order in 1..=children {
            if born >= today || born.year - woman_birth.year > 45 {
                break;
            }
            let sex = if self.rng.chance(110.0 / 210.0) {
                Sex::Male
            } else {
                Sex::Female
            };
            let child = self.person(&village, born, sex);
            push(
                &mut self.out,
                &self.p,
                &woman,
                &village,
                None,
                born,
                Body::BirthRegistered(BirthRegistered {
                    birth_date: born,
                    sex,
                    birth_order: order as u32,
                    place: Code::parse(&village).ok(),
                    service_number: format!("S{}", self.rng.below(1_000_000)),
                }),
            );
            self.register(&child, &village, &hh, false);
            born = born.add_days(700 + self.rng.below(1500) as i64);
        }
        if woman_birth.age_on(today) <= 49 && self.rng.chance(0.25) {
            self.migrate(&woman, &village);
        } else if self.rng.chance(0.2) {
            self.migrate(&man, &village);
        }
    }

    /// A migrant from elsewhere living in one of our villages.
    fn incomer(&mut self, villages: &[String]) {
        let today = self.p.today;
        let here = self.rng.pick(villages).clone();
        let origin = self.elsewhere();
        let birth = crate::synth::birth_date(&mut self.rng, today, 18, 49);
        let sex = if self.rng.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let who = self.person(&origin, birth, sex);
        let arrived = self.days_ago(5, 2 * 365);
        let cert = self.rng.chance(0.7).then(|| {
            format!(
                "{}-{}-{:05}",
                &origin[..6],
                arrived.year,
                self.rng.below(100_000)
            )
        });
        push(
            &mut self.out,
            &self.p,
            &who,
            &origin,
            Some(&here),
            arrived,
            Body::InflowRegistered(InflowRegistered {
                arrival_date: arrived,
                address: format!("{}号", 1 + self.rng.below(300)),
                employer: String::new(),
                certificate_number: cert,
            }),
        );
        let mut q = arrived.quarter();
        while q < today.quarter() {
            if self.rng.chance(0.7) {
                let day = q.first_day().add_days(10 + self.rng.below(60) as i64);
                push(
                    &mut self.out,
                    &self.p,
                    &who,
                    &origin,
                    Some(&here),
                    day,
                    Body::CheckReported(CheckReported {
                        quarter: q,
                        check_date: day,
                        result: CheckResult::Normal,
                    }),
                );
            }
            q = q.next();
        }
    }
}

/// Generates the population's records, in author sequence order. Returns an
/// empty list if the unit has no villages in the table.
pub fn generate(p: Params) -> Vec<Record> {
    let villages = villages_under(p.unit.as_str());
    if villages.is_empty() || p.unit.level() < Level::County {
        return Vec::new();
    }
    let t = crate::divisions::table();
    let mut counties = Vec::new();
    for prov in t.children("") {
        for pref in t.children(prov) {
            counties.extend(t.children(pref).into_iter().map(String::from));
        }
    }
    let mut g = Gen {
        rng: SynthRng::new(p.seed),
        out: Vec::new(),
        ids: HashSet::new(),
        counties,
        p,
    };
    for n in 0..g.p.households {
        g.household(n, &villages);
    }
    for _ in 0..g.p.households.div_ceil(10) {
        g.incomer(&villages);
    }
    g.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Limits, check_record};
    use crate::view::PersonView;
    use std::collections::BTreeMap;

    fn params(seed: u64) -> Params {
        Params {
            unit: Code::parse("410602").unwrap(),
            author: Code::parse("410602").unwrap(),
            first_seq: 1,
            seed,
            households: 120,
            today: Date::new(2026, 11, 15).unwrap(),
        }
    }

    #[test]
    fn deterministic_valid_and_realistic() {
        let a = generate(params(7));
        assert_eq!(a, generate(params(7)));
        assert_ne!(a, generate(params(8)));
        let limits = Limits {
            now_ms: noon_ms(Date::new(2026, 11, 15).unwrap()) + 86_400_000,
            max_skew_ms: 0,
        };
        let mut by: BTreeMap<&str, Vec<Record>> = BTreeMap::new();
        for r in &a {
            check_record(r, limits).unwrap_or_else(|e| panic!("{}: {e}", r.id));
            by.entry(r.subject.as_str()).or_default().push(r.clone());
        }
        for rs in by.values() {
            for r in rs {
                crate::workflow::check(r, rs).unwrap_or_else(|e| panic!("{}: {e}", r.id));
            }
        }
        let views: Vec<PersonView> = by
            .values()
            .map(|rs| PersonView::derive(rs).unwrap())
            .collect();
        let births: Vec<_> = views.iter().flat_map(|v| &v.births).collect();
        let boys = births.iter().filter(|b| b.sex == Sex::Male).count();
        assert!(births.len() > 50, "{}", births.len());
        let ratio = boys as f64 * 100.0 / (births.len() - boys) as f64;
        assert!((85.0..140.0).contains(&ratio), "sex ratio {ratio}");
        let out = views.iter().filter(|v| !v.episodes.is_empty()).count();
        assert!(out > 10, "{out}");
        // Out-migration reaches other counties; some certificates expired.
        assert!(a.iter().any(|r| {
            r.residence
                .as_ref()
                .is_some_and(|c| !c.as_str().starts_with("410602"))
        }));
        let today = Date::new(2026, 11, 15).unwrap();
        assert!(
            views
                .iter()
                .any(|v| v.certificate.is_some() && !v.certificate_valid_on(today))
        );
    }
}
