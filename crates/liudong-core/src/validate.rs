//! Validation of records, the same wherever a record enters a node: written by
//! an operator or received from a peer. A record that fails is refused whole.
//!
//! This module checks what a record says about itself (codes, dates, field
//! consistency). Its clock is not checked against the receiver's: a record
//! stamped ahead by a clock that was wrong is accepted (it must not be
//! stuck once that clock is right), and does not move the receiver's stamps
//! (see [`crate::hlc`]); a node whose clock differs from its upstream's
//! writes nothing. Rules that need other records (an acknowledgement must
//! name an inflow the node holds, ...) are checked by the store's writers.

use crate::code::{Code, Level};
use crate::date::Date;
pub use crate::reason::Reason;
use crate::record::{Body, Record, Sex};
use liudong_i18n::Lang;
use std::fmt;

/// A record that cannot be accepted, naming the field and the reason. The
/// field is the record's field name (ASCII, as in the protocol); the reason
/// is typed and rendered through the catalogue when shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub field: String,
    /// Boxed: a reason carries codes and record ids, and this error travels
    /// inside the store's and sync's errors.
    pub reason: Box<Reason>,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, reason: Reason) -> ValidationError {
        ValidationError {
            field: field.into(),
            reason: Box::new(reason),
        }
    }

    /// `field: reason` in `lang`.
    pub fn text_in(&self, lang: Lang) -> String {
        format!("{}: {}", self.field, self.reason.text_in(lang))
    }
}

/// `field: reason` in this process's language.
impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn fail<T>(field: impl Into<String>, reason: Reason) -> Result<T, ValidationError> {
    Err(ValidationError::new(field, reason))
}

/// Limits a record is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Current wall time, unix milliseconds.
    pub now_ms: u64,
    /// How far ahead of `now_ms` a record's dates may be; also how far the
    /// clock's high-water may be ahead of the wall clock before local stamps
    /// follow the wall clock (see [`crate::hlc::HlcClock::stamp`]).
    pub max_skew_ms: u64,
}

const MAX_TEXT: usize = 200;

fn text(field: &str, value: &str, required: bool) -> Result<(), ValidationError> {
    if required && value.trim().is_empty() {
        return fail(field, Reason::Empty);
    }
    if value.chars().count() > MAX_TEXT {
        return fail(field, Reason::TooLong { max: MAX_TEXT });
    }
    if value.chars().any(char::is_control) {
        return fail(field, Reason::ControlChars);
    }
    Ok(())
}

/// Checks a record on its own.
pub fn check_record(r: &Record, limits: Limits) -> Result<(), ValidationError> {
    if r.id.seq == 0 {
        return fail("id.seq", Reason::NotPositive);
    }
    let author = &r.id.node;
    if !matches!(
        author.level(),
        Level::Village | Level::Township | Level::County
    ) {
        return fail(
            "id.node",
            Reason::AuthorLevel {
                author: author.clone(),
            },
        );
    }
    if r.origin.level() != Level::Village {
        return fail(
            "origin",
            Reason::NotVillage {
                code: r.origin.clone(),
            },
        );
    }
    if let Some(res) = &r.residence
        && res.level() != Level::Village
    {
        return fail("residence", Reason::NotVillage { code: res.clone() });
    }
    if !r.origin.is_under(author) && !r.residence.as_ref().is_some_and(|c| c.is_under(author)) {
        return fail(
            "id.node",
            Reason::AuthorNotAbove {
                author: author.clone(),
            },
        );
    }
    known_code("id.node", author)?;
    known_code("origin", &r.origin)?;
    if let Some(res) = &r.residence {
        known_code("residence", res)?;
    }
    text("operator", &r.operator, true)?;
    // Records are not refused for their stamps (the max-offset rule stops a
    // node whose clock is wrong from writing), but a sequence number follows
    // its author's clock and is bounded, so a forged record cannot carry an
    // extreme number; the bound leaves a year for clocks that ran ahead.
    let limit = crate::RecordId::seq_limit(
        limits.now_ms,
        limits
            .max_skew_ms
            .max(crate::record::SEQ_CLOCK_ALLOWANCE_MS),
    );
    if r.id.seq > limit {
        return fail(
            "id.seq",
            Reason::SeqBeyondLimit {
                seq: r.id.seq,
                limit,
            },
        );
    }
    let latest = Date::from_unix_ms(limits.now_ms + limits.max_skew_ms);
    if r.subject.birth_date() > latest {
        return fail(
            "subject",
            Reason::BirthInFuture {
                date: r.subject.birth_date(),
            },
        );
    }
    check_body(r, &r.body, latest, true)
}

/// Refuses a code that is not in the embedded NBS division table.
pub fn known_code(field: &str, code: &Code) -> Result<(), ValidationError> {
    let t = crate::divisions::table();
    if code.is_national() || t.contains(code.as_str()) {
        return Ok(());
    }
    fail(
        field,
        Reason::UnknownCode {
            code: code.clone(),
            data_date: t.data_date().to_string(),
        },
    )
}

fn not_future(field: &str, d: Date, latest: Date) -> Result<(), ValidationError> {
    if d > latest {
        return fail(field, Reason::Future { date: d });
    }
    Ok(())
}

fn check_body(r: &Record, body: &Body, latest: Date, top: bool) -> Result<(), ValidationError> {
    let needs_residence = || -> Result<(), ValidationError> {
        if r.residence.is_none() {
            return fail("residence", Reason::NeedsResidence { kind: body.kind() });
        }
        Ok(())
    };
    match body {
        Body::PersonRegistered(b) => {
            text("person_registered.name", &b.name, true)?;
            text("person_registered.household", &b.household, false)?;
            text("person_registered.phone", &b.phone, false)?;
            if b.birth_date != r.subject.birth_date() {
                return fail(
                    "person_registered.birth_date",
                    Reason::BirthDateMismatch {
                        given: b.birth_date,
                        in_id: r.subject.birth_date(),
                    },
                );
            }
            let male = b.sex == Sex::Male;
            if male != r.subject.is_male() {
                return fail(
                    "person_registered.sex",
                    Reason::SexMismatch {
                        id_says_male: r.subject.is_male(),
                    },
                );
            }
        }
        Body::MarriageRegistered(b) => {
            not_future("marriage_registered.marriage_date", b.marriage_date, latest)?
        }
        Body::OutflowRegistered(b) => {
            not_future("outflow_registered.leave_date", b.leave_date, latest)?
        }
        Body::CertificateIssued(b) => {
            text("certificate_issued.number", &b.number, true)?;
            if b.valid_until <= b.valid_from {
                return fail(
                    "certificate_issued.valid_until",
                    Reason::NotAfterStart {
                        until: b.valid_until,
                        from: b.valid_from,
                    },
                );
            }
        }
        Body::InflowRegistered(b) => {
            needs_residence()?;
            not_future("inflow_registered.arrival_date", b.arrival_date, latest)?;
            text("inflow_registered.address", &b.address, false)?;
            text("inflow_registered.employer", &b.employer, false)?;
            if let Some(n) = &b.certificate_number {
                text("inflow_registered.certificate_number", n, true)?;
            }
        }
        Body::InflowAcknowledged(b) => {
            needs_residence()?;
            text("inflow_acknowledged.note", &b.note, false)?;
        }
        Body::CheckReported(b) => {
            needs_residence()?;
            not_future("check_reported.check_date", b.check_date, latest)?;
            if b.check_date < b.quarter.first_day() {
                return fail(
                    "check_reported.check_date",
                    Reason::BeforeQuarter {
                        date: b.check_date,
                        quarter: b.quarter,
                    },
                );
            }
        }
        Body::BirthRegistered(b) => {
            not_future("birth_registered.birth_date", b.birth_date, latest)?;
            if let Some(place) = &b.place {
                known_code("birth_registered.place", place)?;
            }
            if b.birth_order == 0 {
                return fail("birth_registered.birth_order", Reason::NotPositive);
            }
        }
        Body::ResidenceChanged(b) => {
            needs_residence()?;
            if let Some(prev) = &b.previous_residence {
                known_code("residence_changed.previous_residence", prev)?;
            }
            not_future("residence_changed.change_date", b.change_date, latest)?;
        }
        Body::Returned(b) => not_future("returned.return_date", b.return_date, latest)?,
        Body::Correction(c) => {
            if !top {
                return fail("correction.amended", Reason::CorrectionOfCorrection);
            }
            text("correction.reason", &c.reason, true)?;
            if let Some(prev) = &c.previous_residence {
                known_code("correction.previous_residence", prev)?;
            }
            if let Some(amended) = &c.amended {
                if matches!(**amended, Body::Correction(_)) {
                    return fail("correction.amended", Reason::CorrectionOfCorrection);
                }
                check_body(r, amended, latest, false)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::*;
    use crate::synth::{example_bodies, test_record};
    use crate::{Code, Date, Hlc, Quarter};

    const NOW: u64 = 1_790_000_000_000 + 86_400_000;
    const LIMITS: Limits = Limits {
        now_ms: NOW,
        max_skew_ms: 300_000,
    };

    fn body(kind: &str) -> Body {
        example_bodies(Date::new(2026, 9, 1).unwrap())
            .into_iter()
            .find(|b| b.kind() == kind)
            .unwrap()
    }

    fn rec(body: Body) -> Record {
        test_record(
            "410602100001",
            1,
            1,
            "410602100001",
            Some("440306018001"),
            body,
        )
    }

    fn field_of(r: &Record) -> String {
        check_record(r, LIMITS).unwrap_err().field
    }

    /// Sequence numbers follow the clock: a node's next number is above the
    /// floor of its clock time, and a received number beyond what the
    /// receiver's clock (plus the skew) allows is refused, naming the field.
    #[test]
    fn sequence_numbers_follow_the_clock_and_have_a_bound() {
        let hlc = Hlc::new(NOW, 0);
        let floor = RecordId::seq_floor(NOW);
        assert_eq!(floor, (NOW - SEQ_EPOCH_MS) * SEQ_PER_MS);
        // After a counter of old (or nothing), the next number is the floor's.
        assert_eq!(RecordId::next_seq(0, hlc), floor + 1);
        assert_eq!(RecordId::next_seq(41, hlc), floor + 1);
        // Within a millisecond (or running ahead of the clock), one more.
        assert_eq!(RecordId::next_seq(floor + 1, hlc), floor + 2);
        assert_eq!(RecordId::next_seq(floor + 5_000, hlc), floor + 5_001);
        // A later clock never issues a number an earlier one did.
        assert!(RecordId::next_seq(0, Hlc::new(NOW + 1, 0)) > floor + 999);
        // The extreme value saturates instead of wrapping.
        assert_eq!(RecordId::next_seq(u64::MAX, hlc), u64::MAX);

        // A year's allowance for an author's clock that ran ahead.
        let ahead = LIMITS
            .max_skew_ms
            .max(crate::record::SEQ_CLOCK_ALLOWANCE_MS);
        let limit = RecordId::seq_limit(NOW, ahead);
        assert_eq!(limit, RecordId::seq_floor(NOW + ahead) + SEQ_PER_MS * 1_000);
        assert!(limit > RecordId::seq_floor(NOW + 300 * 24 * 3600 * 1000));
        let mut r = rec(body("outflow_registered"));
        for ok in [1, 7_000_000, SEQ_COUNTER_MAX, floor + 1, limit] {
            r.id.seq = ok;
            assert_eq!(check_record(&r, LIMITS), Ok(()), "seq {ok}");
        }
        for bad in [limit + 1, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            r.id.seq = bad;
            let e = check_record(&r, LIMITS).unwrap_err();
            assert_eq!(e.field, "id.seq", "seq {bad}: {e}");
            assert_eq!(*e.reason, Reason::SeqBeyondLimit { seq: bad, limit }, "{e}");
        }
        // Before the epoch (or with a clock at zero) the plain counters pass.
        assert_eq!(RecordId::seq_limit(0, 0), SEQ_COUNTER_MAX);
    }

    #[test]
    fn codes_must_be_in_the_division_table() {
        assert_eq!(
            check_record(&rec(body("outflow_registered")), LIMITS),
            Ok(())
        );
        let mut r = rec(body("outflow_registered"));
        r.residence = Some(Code::parse("440306018999").unwrap());
        let e = check_record(&r, LIMITS).unwrap_err();
        assert_eq!(e.field, "residence");
        assert!(matches!(*e.reason, Reason::UnknownCode { .. }), "{e}");
        let mut r = rec(body("outflow_registered"));
        r.origin = Code::parse("410602100999").unwrap();
        r.id.node = Code::parse("410602100").unwrap();
        assert_eq!(field_of(&r), "origin");
        // Wrong length for the role.
        let mut r = rec(body("outflow_registered"));
        r.origin = Code::parse("410602100").unwrap();
        assert_eq!(field_of(&r), "origin");
    }

    #[test]
    fn subject_must_match_the_declared_person() {
        let mut r = rec(body("person_registered"));
        if let Body::PersonRegistered(p) = &mut r.body {
            p.birth_date = r.subject.birth_date();
            p.sex = Sex::Female;
        }
        assert_eq!(check_record(&r, LIMITS), Ok(()));
        let mut bad = r.clone();
        if let Body::PersonRegistered(p) = &mut bad.body {
            p.sex = Sex::Male;
        }
        assert_eq!(field_of(&bad), "person_registered.sex");
        let mut bad = r.clone();
        if let Body::PersonRegistered(p) = &mut bad.body {
            p.birth_date = p.birth_date.add_days(1);
        }
        assert_eq!(field_of(&bad), "person_registered.birth_date");
        // A birth date in the future (relative to the node's clock).
        let early = Limits {
            now_ms: 0,
            max_skew_ms: 0,
        };
        let mut r = rec(body("marriage_registered"));
        r.hlc = Hlc::new(0, 0);
        if let Body::MarriageRegistered(m) = &mut r.body {
            m.marriage_date = Date::new(1960, 1, 1).unwrap();
        }
        assert_eq!(check_record(&r, early).unwrap_err().field, "subject");
    }

    #[test]
    fn clocks_dates_and_quarters() {
        // A clock far ahead is not the record's fault (see crate::hlc).
        let mut r = rec(body("outflow_registered"));
        r.hlc = Hlc::new(NOW + 3 * 3_600_000, 0);
        assert_eq!(check_record(&r, LIMITS), Ok(()));

        let mut r = rec(body("certificate_issued"));
        assert_eq!(check_record(&r, LIMITS), Ok(()));
        if let Body::CertificateIssued(c) = &mut r.body {
            c.valid_until = c.valid_from;
        }
        assert_eq!(field_of(&r), "certificate_issued.valid_until");

        assert!(Quarter::parse("2026Q4").is_ok());
        assert!(Quarter::parse("2026Q5").is_err());
        assert!(Quarter::parse("2026-4").is_err());
        let mut r = rec(body("check_reported"));
        if let Body::CheckReported(c) = &mut r.body {
            c.quarter = Quarter::parse("2026Q3").unwrap();
            c.check_date = Date::new(2026, 8, 1).unwrap();
        }
        assert_eq!(check_record(&r, LIMITS), Ok(()));
        if let Body::CheckReported(c) = &mut r.body {
            c.quarter = Quarter::parse("2026Q4").unwrap();
        }
        assert_eq!(field_of(&r), "check_reported.check_date");
    }

    #[test]
    fn corrections_must_say_why() {
        let mut r = rec(body("correction"));
        assert_eq!(check_record(&r, LIMITS), Ok(()));
        if let Body::Correction(c) = &mut r.body {
            c.reason = " ".into();
        }
        assert_eq!(field_of(&r), "correction.reason");
    }
}
