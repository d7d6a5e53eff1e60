//! Overdue and attention lists (DOMAIN.md, "Overdue situations").
//!
//! For one person's view and a day, the situations operators must see:
//! - [`Kind::MissingChecks`]: a current migrant whose quarterly check report
//!   is missing for `missed_quarters` (N) or more consecutive completed
//!   quarters. Quarters are due from the quarter of arrival (or of leaving,
//!   when no inflow is known) up to the last completed quarter;
//! - [`Kind::Certificate`]: a current migrant's certificate expired, or
//!   expiring within `certificate_days` (D);
//! - [`Kind::NoCertificate`]: a current migrant registered on inflow without
//!   a certificate, and no valid certificate known since;
//! - [`Kind::Unacknowledged`]: an inflow notice not acknowledged by the origin
//!   within `ack_days` (A) of its registration.
//!
//! "Current migrant" means the person's last episode is open.
//!
//! **Who each rule is for** ([`Kind::population`]): the quarterly check
//! report and the certificate (婚育证明) are services for married women of
//! childbearing age (已婚育龄妇女, DOMAIN.md): women aged 15 to 49 on the
//! day, married or of a marital status this node does not know (a residence
//! often holds no registration of a migrant; an unmarried, divorced or
//! widowed woman is not listed, nor a man, a girl under 15 or a woman over
//! 49). An inflow notice awaits its acknowledgement whoever it is about, as
//! the report's feedback rate counts every notice.
//!
//! Each item carries what a cadre needs to act ([`Who`]: name, phone,
//! address, employer, the certificate number) and the day it was due
//! ([`Item::due`]); [`Item::village`] names the village of the asking unit
//! where it is acted on. Pure functions of the view, the day and the
//! thresholds.

use crate::citizen::CitizenId;
use crate::code::Code;
use crate::date::{Date, Quarter};
use crate::record::{MaritalStatus, RecordId, Sex};
use crate::view::{Episode, PersonView};
use serde::{Deserialize, Serialize};

/// Thresholds, from configuration (defaults from DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// N: consecutive quarters without a check report. Default 2.
    pub missed_quarters: u32,
    /// D: days before expiry a certificate is listed. Default 30.
    pub certificate_days: i64,
    /// A: days an inflow notice may wait for its acknowledgement. Default 30.
    pub ack_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            missed_quarters: 2,
            certificate_days: 30,
            ack_days: 30,
        }
    }
}

/// Kinds of overdue situations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    MissingChecks,
    Certificate,
    NoCertificate,
    Unacknowledged,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::MissingChecks,
        Kind::Certificate,
        Kind::NoCertificate,
        Kind::Unacknowledged,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::MissingChecks => "missing_checks",
            Kind::Certificate => "certificate",
            Kind::NoCertificate => "no_certificate",
            Kind::Unacknowledged => "unacknowledged",
        }
    }

    /// The operators' word for it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::MissingChecks => "双查报告缺报",
            Kind::Certificate => "婚育证明过期/将过期",
            Kind::NoCertificate => "流入未持证",
            Kind::Unacknowledged => "通报未反馈",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The people the rule applies to.
    pub fn population(self) -> Population {
        match self {
            Kind::MissingChecks | Kind::Certificate | Kind::NoCertificate => {
                Population::MarriedWomen15To49
            }
            Kind::Unacknowledged => Population::Migrants,
        }
    }

    /// True if the place where the item is acted on is the residence (the
    /// residence provides the checks and obtains a missing certificate);
    /// otherwise it is the origin (which issues certificates and
    /// acknowledges inflow notices).
    pub fn residence_led(self) -> bool {
        matches!(self, Kind::MissingChecks | Kind::NoCertificate)
    }
}

/// Who a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// Every migrant.
    Migrants,
    /// Women aged 15 to 49 on the day, married or of unknown marital status.
    MarriedWomen15To49,
}

/// Youngest and oldest age (on the day) of a woman of childbearing age.
pub const CHILDBEARING_AGES: std::ops::RangeInclusive<i32> = 15..=49;

impl Population {
    /// True if the person `v` belongs to the population on `day`.
    pub fn includes(self, v: &PersonView, day: Date) -> bool {
        match self {
            Population::Migrants => true,
            Population::MarriedWomen15To49 => {
                v.sex == Sex::Female
                    && CHILDBEARING_AGES.contains(&v.birth_date.age_on(day))
                    && matches!(
                        v.marital_status,
                        MaritalStatus::Married | MaritalStatus::Unspecified
                    )
            }
        }
    }
}

/// What a cadre needs to reach the person of an item, from the view.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Who {
    /// The registered name, where this node holds one.
    pub name: Option<String>,
    pub marital_status: MaritalStatus,
    pub phone: Option<String>,
    /// Address at the current residence.
    pub address: Option<String>,
    /// Employer at the current residence.
    pub employer: Option<String>,
    /// The certificate (婚育证明) number presented at the current episode's
    /// inflow registration, if one was.
    pub presented: Option<String>,
    /// The certificate known from its issue or an acknowledgement.
    pub certificate: Option<String>,
}

impl Who {
    /// The person of `v`, as known on the current (last) episode.
    pub fn of(v: &PersonView) -> Who {
        let presented = v
            .episodes
            .last()
            .and_then(|e| e.inflow.as_ref())
            .and_then(|id| v.inflows.iter().find(|i| &i.id == id))
            .and_then(|i| i.certificate_number.clone());
        Who {
            name: v.name.clone(),
            marital_status: v.marital_status,
            phone: v.phone.clone(),
            address: v.address.clone(),
            employer: v.employer.clone(),
            presented,
            certificate: v.certificate.as_ref().map(|c| c.number.clone()),
        }
    }
}

/// One entry of an overdue list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub kind: Kind,
    pub subject: CitizenId,
    pub origin: Code,
    pub residence: Option<Code>,
    /// The record concerned (inflow, certificate), where there is one.
    pub record: Option<RecordId>,
    /// Since when (first missed quarter's start, expiry, inflow date).
    pub since: Option<Date>,
    /// Quarters missed, or days overdue / days left.
    pub count: i64,
    /// By when it was to be done: the last day of the first quarter whose
    /// report is missing, the certificate's expiry, the arrival without a
    /// certificate, or the registration of a notice plus A days.
    pub due: Date,
    /// The person, as a cadre reaches them.
    pub who: Who,
    pub detail: String,
}

impl Item {
    /// The village of `unit`'s jurisdiction where the item is acted on: the
    /// residence for the residence's tasks ([`Kind::residence_led`]), the
    /// origin for the origin's, or the other place when only that one lies
    /// under `unit`.
    pub fn village(&self, unit: &Code) -> &Code {
        let residence = self.residence.as_ref();
        let (first, second) = if self.kind.residence_led() {
            (residence, Some(&self.origin))
        } else {
            (Some(&self.origin), residence)
        };
        first
            .filter(|c| c.is_under(unit))
            .or(second.filter(|c| c.is_under(unit)))
            .or(first)
            .unwrap_or(&self.origin)
    }
}

fn episode_start(e: &Episode) -> Option<Date> {
    e.arrived.or(e.left)
}

/// The overdue situations of one person on `today`, in [`Kind`] order,
/// each only where the person belongs to the rule's [`Kind::population`].
pub fn for_person(v: &PersonView, today: Date, t: &Thresholds) -> Vec<Item> {
    let mut out = all_for_person(v, today, t);
    out.retain(|i| i.kind.population().includes(v, today));
    out
}

fn all_for_person(v: &PersonView, today: Date, t: &Thresholds) -> Vec<Item> {
    let mut out = Vec::new();
    let who = Who::of(v);
    let item = |kind, record, since: Option<Date>, due: Date, count, detail: String| Item {
        kind,
        subject: v.subject.clone(),
        origin: v.origin.clone(),
        residence: v.residence.clone(),
        record,
        since,
        count,
        due,
        who: who.clone(),
        detail,
    };
    let current = v.episodes.last().filter(|e| e.is_open());
    if let Some(ep) = current {
        // Missing quarterly checks.
        if let Some(start) = episode_start(ep) {
            let first_due = start.quarter();
            let mut q: Quarter = today.quarter().prev();
            let mut missed = 0u32;
            while q >= first_due && !v.checks.iter().any(|c| c.quarter == q) {
                missed += 1;
                q = q.prev();
            }
            if missed >= t.missed_quarters.max(1) {
                let first_missed = q.next();
                out.push(item(
                    Kind::MissingChecks,
                    ep.inflow.clone().or(ep.outflow.clone()),
                    Some(first_missed.first_day()),
                    first_missed.next().first_day().add_days(-1),
                    i64::from(missed),
                    format!(
                        "no check report for {missed} consecutive quarters ({}Q{} to {}Q{})",
                        first_missed.year,
                        first_missed.q,
                        today.quarter().prev().year,
                        today.quarter().prev().q
                    ),
                ));
            }
        }
        // Certificate expired or expiring.
        if let Some(c) = &v.certificate
            && let Some(until) = c.valid_until
        {
            let left = until.to_days() - today.to_days();
            if left <= t.certificate_days {
                let detail = if left < 0 {
                    format!("certificate {} expired on {until}", c.number)
                } else {
                    format!(
                        "certificate {} expires on {until} (in {left} days)",
                        c.number
                    )
                };
                out.push(item(
                    Kind::Certificate,
                    Some(c.source.clone()),
                    Some(until),
                    until,
                    left,
                    detail,
                ));
            }
        }
        // Inflow without a certificate.
        if let Some(inflow) = ep
            .inflow
            .as_ref()
            .and_then(|id| v.inflows.iter().find(|i| &i.id == id))
            && inflow.certificate_number.is_none()
            && !v.certificate_valid_on(today)
        {
            out.push(item(
                Kind::NoCertificate,
                Some(inflow.id.clone()),
                Some(inflow.arrival_date),
                inflow.arrival_date,
                today.to_days() - inflow.arrival_date.to_days(),
                format!(
                    "registered on inflow {} without a certificate (补办)",
                    inflow.arrival_date
                ),
            ));
        }
    }
    // Notices not acknowledged in time.
    for i in &v.inflows {
        if i.acknowledged.is_some() {
            continue;
        }
        let registered = Date::from_unix_ms(i.written_ms);
        let waited = today.to_days() - registered.to_days();
        if waited > t.ack_days {
            out.push(item(
                Kind::Unacknowledged,
                Some(i.id.clone()),
                Some(registered),
                registered.add_days(t.ack_days),
                waited,
                format!(
                    "inflow notice {} registered {registered} not acknowledged after {waited} days",
                    i.id
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::hlc::Hlc;
    use crate::record::*;
    use crate::synth::test_record;
    use crate::view::PersonView;

    const O: &str = "410602100001";
    const R: &str = "440306018001";

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn ms(day: &str) -> u64 {
        // Noon in China on that day.
        (d(day).to_days() as u64) * 86_400_000 + 4 * 3_600_000
    }

    fn rec(seq: u64, day: &str, body: Body) -> Record {
        let mut r = test_record(O, seq, 1, O, Some(R), body);
        r.hlc = Hlc::new(ms(day), 0);
        r
    }

    fn outflow(day: &str) -> Body {
        crate::synth::outflow_on(d(day))
    }

    fn inflow(day: &str, cert: Option<&str>) -> Body {
        crate::synth::inflow_on(d(day), cert)
    }

    fn check(q: &str, day: &str) -> Body {
        Body::CheckReported(CheckReported {
            quarter: Quarter::parse(q).unwrap(),
            check_date: d(day),
            result: CheckResult::Normal,
        })
    }

    fn cert(from: &str, until: &str) -> Body {
        Body::CertificateIssued(CertificateIssued {
            number: "C-1".into(),
            valid_from: d(from),
            valid_until: d(until),
            marital_status: MaritalStatus::Married,
            children: 0,
        })
    }

    fn kinds(records: &[Record], today: &str) -> Vec<(Kind, i64)> {
        let v = PersonView::derive(records).unwrap();
        for_person(&v, d(today), &Thresholds::default())
            .into_iter()
            .map(|i| (i.kind, i.count))
            .collect()
    }

    #[test]
    fn missing_checks_counts_consecutive_completed_quarters() {
        let base = vec![
            rec(1, "2026-01-10", outflow("2026-01-10")),
            rec(2, "2026-01-11", cert("2026-01-11", "2029-01-10")),
            rec(3, "2026-01-20", inflow("2026-01-20", Some("C-1"))),
        ];
        let mut acked = base.clone();
        acked.push(rec(
            4,
            "2026-01-25",
            Body::InflowAcknowledged(InflowAcknowledged {
                inflow: base[2].id.clone(),
                outcome: AckOutcome::Confirmed,
                certificate_number: None,
                certificate_valid_until: None,
                note: String::new(),
            }),
        ));
        // Q1 due only: one missed quarter is below N = 2.
        assert_eq!(kinds(&acked, "2026-05-01"), vec![]);
        // Q1 and Q2 missed.
        assert_eq!(kinds(&acked, "2026-08-01"), vec![(Kind::MissingChecks, 2)]);
        // Q2 reported: the streak is Q3 only by 2026-11.
        let mut reported = acked.clone();
        reported.push(rec(5, "2026-06-01", check("2026Q2", "2026-06-01")));
        assert_eq!(kinds(&reported, "2026-11-01"), vec![]);
        assert_eq!(
            kinds(&reported, "2027-01-05"),
            vec![(Kind::MissingChecks, 2)]
        );
        // After the return nothing is due.
        let mut back = acked.clone();
        back.push(rec(
            6,
            "2026-03-01",
            Body::Returned(Returned {
                return_date: d("2026-03-01"),
            }),
        ));
        assert_eq!(kinds(&back, "2026-12-01"), vec![]);
    }

    #[test]
    fn certificates_expired_expiring_and_missing() {
        let rs = vec![
            rec(1, "2026-11-01", outflow("2026-11-01")),
            rec(2, "2026-11-01", cert("2026-11-01", "2026-12-31")),
        ];
        // 2026-12-01: 30 days left, listed (D = 30); 2026-11-30: 31 days, not.
        assert_eq!(kinds(&rs, "2026-11-30"), vec![]);
        assert_eq!(kinds(&rs, "2026-12-01"), vec![(Kind::Certificate, 30)]);
        assert_eq!(kinds(&rs, "2027-01-02"), vec![(Kind::Certificate, -2)]);
        // Inflow without a certificate, none known: listed until one is issued.
        let mut bare = vec![
            rec(1, "2026-10-01", outflow("2026-10-01")),
            rec(3, "2026-10-05", inflow("2026-10-05", None)),
        ];
        assert_eq!(kinds(&bare, "2026-10-20"), vec![(Kind::NoCertificate, 15)]);
        bare.push(rec(4, "2026-10-21", cert("2026-10-21", "2029-10-20")));
        assert_eq!(kinds(&bare, "2026-10-22"), vec![]);
    }

    #[test]
    fn notices_not_acknowledged_within_a_days() {
        let rs = vec![
            rec(1, "2026-10-01", outflow("2026-10-01")),
            rec(2, "2026-10-01", cert("2026-10-01", "2029-10-01")),
            rec(3, "2026-10-05", inflow("2026-10-05", Some("C-1"))),
        ];
        assert_eq!(kinds(&rs, "2026-11-04"), vec![]);
        assert_eq!(kinds(&rs, "2026-11-05"), vec![(Kind::Unacknowledged, 31)]);
        let mut acked = rs.clone();
        acked.push(rec(
            4,
            "2026-11-10",
            Body::InflowAcknowledged(InflowAcknowledged {
                inflow: rs[2].id.clone(),
                outcome: AckOutcome::Confirmed,
                certificate_number: None,
                certificate_valid_until: None,
                note: String::new(),
            }),
        ));
        assert_eq!(kinds(&acked, "2026-11-20"), vec![]);
    }

    /// A person born on `born` of `sex` (with a registration stating
    /// `marital`, if any) who left on 2026-01-10 and was registered on
    /// inflow on 2026-01-20 without a certificate; her certificate expired
    /// on 2026-12-31; no check report, no acknowledgement. On 2027-01-10
    /// all four rules are due.
    fn everything_due(born: &str, sex: Sex, marital: Option<MaritalStatus>) -> Vec<Kind> {
        let mut rng = crate::synth::SynthRng::new(5);
        let subject = crate::synth::citizen_id(&mut rng, "410602", d(born), sex);
        let mut rs = Vec::new();
        if let Some(m) = marital {
            rs.push(rec(
                1,
                "2025-01-01",
                Body::PersonRegistered(PersonRegistered {
                    name: "某某".into(),
                    sex,
                    birth_date: d(born),
                    marital_status: m,
                    hukou: HukouType::Unspecified,
                    household: String::new(),
                    phone: String::new(),
                }),
            ));
        }
        rs.push(rec(2, "2026-01-10", outflow("2026-01-10")));
        rs.push(rec(3, "2026-01-11", cert("2026-01-11", "2026-12-31")));
        rs.push(rec(4, "2026-01-20", inflow("2026-01-20", None)));
        for r in &mut rs {
            r.subject = subject.clone();
        }
        let v = PersonView::derive(&rs).unwrap();
        for_person(&v, d("2027-01-10"), &Thresholds::default())
            .into_iter()
            .map(|i| i.kind)
            .collect()
    }

    #[test]
    fn checks_and_certificates_only_for_married_women_of_15_to_49() {
        use Kind::*;
        let all = vec![MissingChecks, Certificate, NoCertificate, Unacknowledged];
        let married = Some(MaritalStatus::Married);
        // Ages on 2027-01-10: 14 (the day before her 15th birthday), 15 (on
        // it), 49 and 50 (on her 50th birthday).
        assert_eq!(
            everything_due("2012-01-11", Sex::Female, married),
            vec![Unacknowledged],
            "14 years old"
        );
        assert_eq!(everything_due("2012-01-10", Sex::Female, married), all);
        assert_eq!(everything_due("2011-06-01", Sex::Female, married), all);
        assert_eq!(
            everything_due("1978-01-10", Sex::Female, married),
            all,
            "49"
        );
        assert_eq!(
            everything_due("1977-01-11", Sex::Female, married),
            all,
            "still 49 the day before her 50th birthday"
        );
        assert_eq!(
            everything_due("1977-01-10", Sex::Female, married),
            vec![Unacknowledged],
            "50 on her birthday"
        );
        assert_eq!(
            everything_due("1990-06-01", Sex::Male, married),
            vec![Unacknowledged],
            "a man"
        );
        for m in [
            MaritalStatus::Single,
            MaritalStatus::Divorced,
            MaritalStatus::Widowed,
        ] {
            assert_eq!(
                everything_due("1990-06-01", Sex::Female, Some(m)),
                vec![Unacknowledged],
                "{m:?}"
            );
        }
        // No registration held here: the certificate says she is married.
        assert_eq!(everything_due("1990-06-01", Sex::Female, None), all);
        assert_eq!(
            everything_due("1990-06-01", Sex::Female, Some(MaritalStatus::Unspecified)),
            all
        );
    }

    #[test]
    fn items_carry_the_person_their_due_day_and_their_village() {
        let mut rs = vec![
            rec(
                1,
                "2025-01-01",
                Body::PersonRegistered(PersonRegistered {
                    name: "王某".into(),
                    sex: Sex::Female,
                    birth_date: d("1990-01-01"),
                    marital_status: MaritalStatus::Married,
                    hukou: HukouType::Unspecified,
                    household: String::new(),
                    phone: "13900000000".into(),
                }),
            ),
            rec(2, "2026-01-10", outflow("2026-01-10")),
            rec(3, "2026-01-11", cert("2026-01-11", "2029-01-10")),
        ];
        let mut inflow = rec(4, "2026-01-20", inflow("2026-01-20", Some("C-1")));
        if let Body::InflowRegistered(b) = &mut inflow.body {
            b.address = "幸福路1号".into();
            b.employer = "某厂".into();
        }
        rs.push(inflow);
        let v = PersonView::derive(&rs).unwrap();
        let items = for_person(&v, d("2026-08-01"), &Thresholds::default());
        let kinds: Vec<(Kind, Date)> = items.iter().map(|i| (i.kind, i.due)).collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::MissingChecks, d("2026-03-31")),
                (Kind::Unacknowledged, d("2026-02-19")),
            ]
        );
        let who = &items[0].who;
        assert_eq!(who.name.as_deref(), Some("王某"));
        assert_eq!(who.phone.as_deref(), Some("13900000000"));
        assert_eq!(who.address.as_deref(), Some("幸福路1号"));
        assert_eq!(who.employer.as_deref(), Some("某厂"));
        assert_eq!(who.presented.as_deref(), Some("C-1"));
        assert_eq!(who.certificate.as_deref(), Some("C-1"));
        // The residence acts on missing checks, the origin on notices; a
        // unit that holds only one of the places acts there.
        let (origin, residence) = (Code::parse(O).unwrap(), Code::parse(R).unwrap());
        let national = Code::national();
        assert_eq!(items[0].village(&national), &residence);
        assert_eq!(items[1].village(&national), &origin);
        let origin_county = Code::parse("410602").unwrap();
        assert_eq!(items[0].village(&origin_county), &origin);
        let residence_county = Code::parse("440306").unwrap();
        assert_eq!(items[1].village(&residence_county), &residence);
    }
}
