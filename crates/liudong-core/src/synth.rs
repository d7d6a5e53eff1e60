//! Synthetic people for tests, demos and benchmarks.
//!
//! Everything here is generated from a seed: citizen IDs with valid check
//! digits, and names assembled from common characters. None of it describes a
//! real person. The generator is a SplitMix64, so the same seed gives the same
//! data on every machine and every version of Rust.

use crate::citizen::{CitizenId, check_char};
use crate::date::Date;
use crate::record::Sex;

/// Small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct SynthRng(u64);

impl SynthRng {
    pub fn new(seed: u64) -> SynthRng {
        SynthRng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平",
];

/// A synthetic two- or three-character name.
pub fn name(rng: &mut SynthRng) -> String {
    let mut s = String::from(*rng.pick(SURNAMES));
    s.push_str(rng.pick::<&str>(GIVEN));
    if rng.chance(0.6) {
        s.push_str(rng.pick::<&str>(GIVEN));
    }
    s
}

/// A synthetic citizen ID with a valid check digit. `address6` must be six
/// digits (normally the person's county code).
pub fn citizen_id(rng: &mut SynthRng, address6: &str, birth: Date, sex: Sex) -> CitizenId {
    let mut seq = rng.below(500) as u32 * 2; // even
    if sex == Sex::Male {
        seq += 1;
    }
    let first17 = format!(
        "{address6}{:04}{:02}{:02}{seq:03}",
        birth.year, birth.month, birth.day
    );
    let id = format!("{first17}{}", check_char(first17.as_bytes()));
    CitizenId::parse(&id).expect("synthetic IDs are valid by construction")
}

/// A birth date between `min_age` and `max_age` years before `today`.
pub fn birth_date(rng: &mut SynthRng, today: Date, min_age: i32, max_age: i32) -> Date {
    let span = ((max_age - min_age) as i64 * 365).max(1);
    today.add_days(-(min_age as i64 * 365) - rng.below(span as u64) as i64)
}

/// One example body of every kind, for tests of encoders and stores.
pub fn example_bodies(today: Date) -> Vec<crate::record::Body> {
    use crate::record::*;
    let target = RecordId {
        node: crate::Code::parse("410602100001").expect("valid"),
        seq: 1,
    };
    let birth = Date::new(1995, 3, 8).expect("valid");
    vec![
        Body::PersonRegistered(PersonRegistered {
            name: "王芳".into(),
            sex: Sex::Female,
            birth_date: birth,
            marital_status: MaritalStatus::Married,
            hukou: HukouType::Agricultural,
            household: "H-0001".into(),
            phone: "13800000000".into(),
        }),
        Body::MarriageRegistered(MarriageRegistered {
            marriage_date: today.add_days(-400),
            spouse: None,
        }),
        Body::OutflowRegistered(OutflowRegistered {
            leave_date: today.add_days(-30),
            purpose: Purpose::Work,
            expected_months: 12,
        }),
        Body::CertificateIssued(CertificateIssued {
            number: "HB-2026-0001".into(),
            valid_from: today.add_days(-29),
            valid_until: today.add_days(3 * 365),
            marital_status: MaritalStatus::Married,
            children: 1,
        }),
        Body::InflowRegistered(InflowRegistered {
            arrival_date: today.add_days(-20),
            address: "西乡街道某路1号".into(),
            employer: "某电子厂".into(),
            certificate_number: Some("HB-2026-0001".into()),
        }),
        Body::InflowAcknowledged(InflowAcknowledged {
            inflow: target.clone(),
            outcome: AckOutcome::Confirmed,
            certificate_number: Some("HB-2026-0001".into()),
            certificate_valid_until: Some(today.add_days(3 * 365)),
            note: String::new(),
        }),
        Body::CheckReported(CheckReported {
            quarter: today.quarter(),
            check_date: today,
            result: CheckResult::Normal,
        }),
        Body::BirthRegistered(BirthRegistered {
            birth_date: today.add_days(-3),
            sex: Sex::Male,
            birth_order: 2,
            place: Some(crate::Code::parse("440306018001").expect("valid")),
            service_number: "S-1".into(),
        }),
        Body::ResidenceChanged(ResidenceChanged {
            change_date: today.add_days(-1),
            address: "新地址".into(),
            previous_residence: Some(crate::Code::parse("440306018001").expect("valid")),
        }),
        Body::Returned(Returned { return_date: today }),
        Body::Correction(Correction {
            target: target.clone(),
            reason: "录入错误".into(),
            amended: Some(Box::new(Body::Returned(Returned {
                return_date: today.add_days(-2),
            }))),
            previous_residence: None,
        }),
        Body::Correction(Correction {
            target,
            reason: "重复登记".into(),
            amended: None,
            previous_residence: None,
        }),
    ]
}

/// Builds a record for tests: `author`'s record number `seq`, about a
/// synthetic person from `origin`, living at `residence`.
pub fn test_record(
    author: &str,
    seq: u64,
    person: u64,
    origin: &str,
    residence: Option<&str>,
    body: crate::record::Body,
) -> crate::record::Record {
    use crate::code::Code;
    let mut rng = SynthRng::new(person);
    let birth = birth_date(&mut rng, Date::new(2026, 1, 1).expect("valid"), 20, 45);
    let subject = citizen_id(&mut rng, &origin[..6], birth, Sex::Female);
    crate::record::Record {
        id: crate::record::RecordId {
            node: Code::parse(author).expect("valid author"),
            seq,
        },
        hlc: crate::hlc::Hlc::new(1_790_000_000_000 + seq * 10, 0),
        operator: "op".into(),
        subject,
        origin: Code::parse(origin).expect("valid origin"),
        residence: residence.map(|c| Code::parse(c).expect("valid residence")),
        body,
    }
}

/// A simple outflow body for tests.
pub fn outflow_body() -> crate::record::Body {
    outflow_on(Date::new(2026, 9, 1).expect("valid"))
}

/// An outflow for work, leaving on `day`, expected to last 12 months.
pub fn outflow_on(day: Date) -> crate::record::Body {
    crate::record::Body::OutflowRegistered(crate::record::OutflowRegistered {
        leave_date: day,
        purpose: crate::record::Purpose::Work,
        expected_months: 12,
    })
}

/// An inflow registration arriving on `day`, with the migrant certificate
/// number `cert` if one was shown.
pub fn inflow_on(day: Date, cert: Option<&str>) -> crate::record::Body {
    crate::record::Body::InflowRegistered(crate::record::InflowRegistered {
        arrival_date: day,
        address: String::new(),
        employer: String::new(),
        certificate_number: cert.map(String::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let today = Date::new(2026, 11, 1).unwrap();
        let mut a = SynthRng::new(7);
        let mut b = SynthRng::new(7);
        for _ in 0..200 {
            let d = birth_date(&mut a, today, 15, 49);
            assert_eq!(d, birth_date(&mut b, today, 15, 49));
            let sex = if a.chance(0.5) {
                Sex::Male
            } else {
                Sex::Female
            };
            b.chance(0.5);
            let id = citizen_id(&mut a, "410602", d, sex);
            assert_eq!(id, citizen_id(&mut b, "410602", d, sex));
            assert_eq!(id.birth_date(), d);
            assert_eq!(id.is_male(), sex == Sex::Male);
        }
    }
}
