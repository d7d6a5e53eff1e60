//! The report on a small dataset whose figures are worked out by hand below.

use super::*;
use crate::citizen::CitizenId;
use crate::date::Quarter;
use crate::hlc::Hlc;
use crate::record::*;
use crate::synth::{SynthRng, citizen_id};
use crate::view::PersonView;
use std::collections::BTreeMap;

const V1: &str = "410602100001"; // origin villages of township 410602100
const V2: &str = "410602100002";
const R: &str = "440306018001"; // residence, in township 440306018
const R2: &str = "440306018002";

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn person(n: u64, birth: &str, sex: Sex) -> CitizenId {
    citizen_id(&mut SynthRng::new(n), "410602", d(birth), sex)
}

struct Book {
    records: Vec<Record>,
}

impl Book {
    fn add(
        &mut self,
        who: &CitizenId,
        origin: &str,
        residence: Option<&str>,
        day: &str,
        body: Body,
    ) -> RecordId {
        let id = RecordId {
            node: code(&origin[..9]),
            seq: self.records.len() as u64 + 1,
        };
        self.records.push(Record {
            id: id.clone(),
            hlc: Hlc::new((d(day).to_days() as u64) * 86_400_000 + 4 * 3_600_000, 0),
            operator: "op".into(),
            subject: who.clone(),
            origin: code(origin),
            residence: residence.map(code),
            body,
        });
        id
    }

    fn views(&self) -> Vec<PersonView> {
        let mut by: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
        for r in &self.records {
            by.entry(r.subject.as_str()).or_default().push(r);
        }
        by.values()
            .map(|rs| PersonView::derive(rs.iter().copied()).unwrap())
            .collect()
    }
}

fn registered(name: &str, who: &CitizenId, married: bool) -> Body {
    Body::PersonRegistered(PersonRegistered {
        name: name.into(),
        sex: if who.is_male() {
            Sex::Male
        } else {
            Sex::Female
        },
        birth_date: who.birth_date(),
        marital_status: if married {
            MaritalStatus::Married
        } else {
            MaritalStatus::Single
        },
        hukou: HukouType::Agricultural,
        household: String::new(),
        phone: String::new(),
    })
}

fn outflow(day: &str) -> Body {
    crate::synth::outflow_on(d(day))
}

fn inflow(day: &str, cert: Option<&str>) -> Body {
    crate::synth::inflow_on(d(day), cert)
}

fn ack(inflow: RecordId) -> Body {
    Body::InflowAcknowledged(InflowAcknowledged {
        inflow,
        outcome: AckOutcome::Confirmed,
        certificate_number: None,
        certificate_valid_until: None,
        note: String::new(),
    })
}

fn birth(day: &str, sex: Sex) -> Body {
    Body::BirthRegistered(BirthRegistered {
        birth_date: d(day),
        sex,
        birth_order: 1,
        place: None,
        service_number: String::new(),
    })
}

/// Five synthetic people; see the expected figures in the tests.
fn dataset() -> Book {
    let mut b = Book { records: vec![] };
    // P1: woman, married 2026-10-05, left 09-20 with a certificate, arrived at R
    // 09-25 (notice acknowledged 10-03), checked for 2026Q4.
    let p1 = person(1, "1995-03-08", Sex::Female);
    b.add(&p1, V1, None, "2026-01-02", registered("甲", &p1, false));
    b.add(
        &p1,
        V1,
        None,
        "2026-10-05",
        Body::MarriageRegistered(MarriageRegistered {
            marriage_date: d("2026-10-05"),
            spouse: None,
        }),
    );
    b.add(&p1, V1, Some(R), "2026-09-20", outflow("2026-09-20"));
    b.add(
        &p1,
        V1,
        Some(R),
        "2026-09-21",
        Body::CertificateIssued(CertificateIssued {
            number: "C-1".into(),
            valid_from: d("2026-09-21"),
            valid_until: d("2029-09-20"),
            marital_status: MaritalStatus::Married,
            children: 0,
        }),
    );
    let i1 = b.add(
        &p1,
        V1,
        Some(R),
        "2026-09-25",
        inflow("2026-09-25", Some("C-1")),
    );
    b.add(&p1, V1, Some(R), "2026-10-03", ack(i1));
    b.add(
        &p1,
        V1,
        Some(R),
        "2026-10-15",
        Body::CheckReported(CheckReported {
            quarter: Quarter::parse("2026Q4").unwrap(),
            check_date: d("2026-10-15"),
            result: CheckResult::Normal,
        }),
    );
    // P2: married woman, left 10-02 without a certificate, arrived at R 10-10,
    // notice acknowledged 10 days later; a boy born 10-12.
    let p2 = person(2, "1990-06-01", Sex::Female);
    b.add(&p2, V1, None, "2026-01-02", registered("乙", &p2, true));
    b.add(&p2, V1, Some(R), "2026-10-02", outflow("2026-10-02"));
    let i2 = b.add(&p2, V1, Some(R), "2026-10-10", inflow("2026-10-10", None));
    b.add(&p2, V1, Some(R), "2026-10-20", ack(i2));
    b.add(
        &p2,
        V1,
        Some(R),
        "2026-10-13",
        birth("2026-10-12", Sex::Male),
    );
    // P3: married woman at home in V2; a girl born 10-20.
    let p3 = person(3, "1988-02-02", Sex::Female);
    b.add(&p3, V2, None, "2026-01-02", registered("丙", &p3, true));
    b.add(
        &p3,
        V2,
        None,
        "2026-10-21",
        birth("2026-10-20", Sex::Female),
    );
    // P4: man, out since March, back on 10-08.
    let p4 = person(4, "1985-05-05", Sex::Male);
    b.add(&p4, V1, None, "2026-01-02", registered("丁", &p4, false));
    b.add(&p4, V1, Some(R), "2026-03-01", outflow("2026-03-01"));
    b.add(&p4, V1, Some(R), "2026-03-05", inflow("2026-03-05", None));
    b.add(
        &p4,
        V1,
        Some(R),
        "2026-10-08",
        Body::Returned(Returned {
            return_date: d("2026-10-08"),
        }),
    );
    // P5: a woman from 440306018002 living in V2 since 10-06; notice not
    // acknowledged, no check report.
    let p5 = person(5, "2000-07-07", Sex::Female);
    b.add(&p5, R2, Some(V2), "2026-10-06", inflow("2026-10-06", None));
    b
}

fn counts_of(views: &[PersonView], unit: &str) -> Counts {
    compute(views, &code(unit), Month::parse("2026-10").unwrap(), 30)
        .total
        .counts
}

#[test]
fn origin_township_figures_worked_out_by_hand() {
    let views = dataset().views();
    let c = counts_of(&views, "410602100");
    // Births in October by mother's origin: P2's boy, P3's girl.
    assert_eq!((c.births, c.boys, c.girls), (2, 1, 1));
    assert_eq!(c.sex_ratio(), Some(100.0));
    // Registered: P1, P2, P3, P4 (P5 is registered elsewhere).
    assert_eq!(c.population, 4);
    assert_eq!(c.birth_rate(), Some(500.0)); // 2 / 4 × 1000
    assert_eq!(c.birth_rate_annual(), Some(6000.0));
    assert_eq!(c.marriages, 1); // P1 on 10-05
    assert_eq!(c.married_women, 3); // P1 (31), P2 (36), P3 (38)
    assert_eq!(c.outflows, 1); // P2 on 10-02
    assert_eq!(c.migrants_out, 2); // P1, P2 (P4 returned 10-08)
    // Married out-migrant women: P1 (valid certificate), P2 (none).
    assert_eq!((c.cert_women, c.cert_valid), (2, 1));
    assert_eq!(c.cert_rate(), Some(50.0));
    // Residence side: P5 arrived in V2 on 10-06, notice unanswered, no check.
    assert_eq!(c.inflows, 1);
    assert_eq!(c.migrants_in, 1);
    assert_eq!((c.notices, c.notices_acked_in_time), (1, 0));
    assert_eq!(c.feedback_rate(), Some(0.0));
    assert_eq!((c.checks_due, c.checks_reported), (1, 0));
    assert_eq!(c.ack_days_avg(), None);
}

#[test]
fn residence_township_figures_worked_out_by_hand() {
    let views = dataset().views();
    let c = counts_of(&views, "440306018");
    // Inflows arriving in October at R: P2 (P1 arrived in September).
    assert_eq!(c.inflows, 1);
    // Notices registered in October: P2's, acknowledged after 10 days.
    assert_eq!((c.notices, c.notices_acked_in_time), (1, 1));
    assert_eq!((c.acked, c.ack_days_total), (1, 10));
    assert_eq!(c.ack_days_avg(), Some(10.0));
    // In on 10-31: P1 and P2 (P4 left on 10-08); P1 reported for 2026Q4.
    assert_eq!(c.migrants_in, 2);
    assert_eq!((c.checks_due, c.checks_reported), (2, 1));
    assert_eq!(c.check_rate(), Some(50.0));
    // Origin side: P5 (origin 440306018002) is out; not registered here.
    assert_eq!((c.migrants_out, c.population, c.married_women), (1, 0, 0));
    assert_eq!(c.births, 0);
}

#[test]
fn rows_per_village_add_up_to_the_total() {
    let views = dataset().views();
    let r = compute(
        &views,
        &code("410602100"),
        Month::parse("2026-10").unwrap(),
        30,
    );
    assert_eq!(r.total.name, "鹤壁集镇");
    let row = |c: &str| r.rows.iter().find(|x| x.code.as_str() == c).unwrap().counts;
    let v1 = row(V1);
    assert_eq!((v1.births, v1.population, v1.migrants_out), (1, 3, 2));
    let v2 = row(V2);
    assert_eq!((v2.births, v2.population, v2.migrants_in), (1, 1, 1));
    let mut sum = Counts::default();
    for x in &r.rows {
        sum += x.counts;
    }
    assert_eq!(sum, r.total.counts);
}

#[test]
fn months_parse() {
    assert_eq!(Month::parse("2026-02").unwrap().last_day(), d("2026-02-28"));
    assert_eq!(Month::parse("2024-12").unwrap().last_day(), d("2024-12-31"));
    assert!(Month::parse("2026-13").is_none());
    assert!(Month::parse("2026-1").is_none());
}

/// The county's report equals the sum of its townships' when each node
/// derives its views from exactly the records routing gives it: a person is
/// counted once after a second inflow, a move written at the county, or a
/// void (each of these failed before stays and the places of corrections).
mod additive {
    use super::*;
    use crate::placing::settle;
    use crate::routing::NodeScope;

    const COUNTY: &str = "410602";
    const TOWNS: [&str; 2] = ["410602100", "410602001"];
    const HOME: &str = "410603001001"; // origin, in another county
    const A: &str = "410602100001"; // residence in the first township
    const B: &str = "410602001001"; // residence in the second

    /// Records written one after another, each settled as its writer would
    /// (the writer holds every record about the person here).
    struct Log {
        who: CitizenId,
        records: Vec<Record>,
    }

    impl Log {
        fn new() -> Log {
            Log {
                who: person(9, "1992-04-04", Sex::Female),
                records: Vec::new(),
            }
        }

        fn write(
            &mut self,
            author: &str,
            residence: Option<&str>,
            day: &str,
            body: Body,
        ) -> Record {
            let mut body = body;
            let (origin, residence) = settle(
                Some(code(HOME)),
                residence.map(code),
                &mut body,
                &self.records,
            )
            .unwrap();
            let r = Record {
                id: RecordId {
                    node: code(author),
                    seq: self.records.len() as u64 + 1,
                },
                hlc: Hlc::new((d(day).to_days() as u64) * 86_400_000 + 3_600_000, 0),
                operator: "op".into(),
                subject: self.who.clone(),
                origin,
                residence,
                body,
            };
            self.records.push(r.clone());
            r
        }

        /// The counts node `node` reports for its own unit.
        fn at(&self, node: &str) -> Counts {
            let scope = NodeScope::for_code(code(node)).unwrap();
            let held: Vec<&Record> = self.records.iter().filter(|r| scope.holds(r)).collect();
            let views: Vec<PersonView> = PersonView::derive(held).into_iter().collect();
            counts_of(&views, node)
        }

        fn assert_additive(&self) -> Counts {
            let county = self.at(COUNTY);
            let mut sum = Counts::default();
            for t in TOWNS {
                sum += self.at(t);
            }
            assert_eq!(county, sum);
            county
        }
    }

    fn void(target: &Record) -> Body {
        Body::Correction(Correction {
            target: target.id.clone(),
            reason: "登记有误".into(),
            amended: None,
            previous_residence: None,
        })
    }

    fn moved(day: &str) -> Body {
        Body::ResidenceChanged(ResidenceChanged {
            change_date: d(day),
            address: String::new(),
            previous_residence: None,
        })
    }

    #[test]
    fn a_second_inflow_then_a_return() {
        let mut log = Log::new();
        log.write(HOME, Some(A), "2026-08-01", outflow("2026-08-01"));
        log.write(A, Some(A), "2026-08-03", inflow("2026-08-03", None));
        // Registered again (certificate obtained since).
        log.write(A, Some(A), "2026-09-10", inflow("2026-09-10", Some("C-9")));
        let c = log.assert_additive();
        assert_eq!(c.migrants_in, 1, "counted once");
        assert_eq!(log.at("410602100").migrants_in, 1);
        log.write(
            HOME,
            None,
            "2026-10-05",
            Body::Returned(Returned {
                return_date: d("2026-10-05"),
            }),
        );
        let c = log.assert_additive();
        assert_eq!(c.migrants_in, 0, "the return ends the registration");
        assert_eq!(log.at("410603").migrants_out, 0, "and the absence");
    }

    #[test]
    fn a_move_written_at_the_county() {
        let mut log = Log::new();
        log.write(HOME, Some(A), "2026-08-01", outflow("2026-08-01"));
        log.write(A, Some(A), "2026-08-03", inflow("2026-08-03", None));
        log.write(COUNTY, Some(B), "2026-09-20", moved("2026-09-20"));
        let c = log.assert_additive();
        assert_eq!(c.migrants_in, 1);
        assert_eq!(
            log.at("410602001").migrants_in,
            1,
            "counted where they live now"
        );
        assert_eq!(
            log.at("410602100").migrants_in,
            0,
            "and not where they left"
        );
    }

    #[test]
    fn a_void_of_a_move_and_of_an_inflow() {
        let mut log = Log::new();
        log.write(HOME, Some(A), "2026-08-01", outflow("2026-08-01"));
        let first = log.write(A, Some(A), "2026-08-03", inflow("2026-08-03", None));
        let mv = log.write(COUNTY, Some(B), "2026-09-20", moved("2026-09-20"));
        let v = log.write(B, Some(B), "2026-10-01", void(&mv));
        // Without the residence left (as corrections were routed before),
        // the first township never learns the move was void.
        let mut before = Log {
            who: log.who.clone(),
            records: log.records.clone(),
        };
        if let Some(Body::Correction(k)) = before.records.last_mut().map(|r| &mut r.body) {
            k.previous_residence = None;
        }
        assert_eq!(before.at("410602100").migrants_in, 0);
        assert_ne!(before.at(COUNTY).migrants_in, 0);
        assert!(matches!(&v.body, Body::Correction(k) if k.previous_residence == Some(code(A))));
        let c = log.assert_additive();
        assert_eq!(c.migrants_in, 1);
        assert_eq!(log.at("410602100").migrants_in, 1, "back where they were");
        log.write(A, None, "2026-10-02", void(&first));
        let c = log.assert_additive();
        assert_eq!(c.migrants_in, 0);
    }
}

/// Every column's label is in the catalogue in both languages.
#[test]
fn column_labels_are_in_the_catalogue() {
    use liudong_i18n::{Lang, ids};
    for lang in [Lang::Zh, Lang::En] {
        let known = ids(lang);
        for col in &COLUMNS {
            assert!(
                known.iter().any(|i| i == col.1),
                "{} {}",
                lang.code(),
                col.1
            );
        }
    }
    assert_eq!(column_label(&COLUMNS[0], Lang::Zh), "出生数");
    assert_eq!(column_label(&COLUMNS[0], Lang::En), "births");
}
