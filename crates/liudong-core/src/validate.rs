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
use crate::record::{Body, Record, Sex};
use std::fmt;

/// A record that cannot be accepted, naming the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn fail<T>(field: impl Into<String>, reason: impl Into<String>) -> Result<T, ValidationError> {
    Err(ValidationError {
        field: field.into(),
        reason: reason.into(),
    })
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
        return fail(field, "must not be empty");
    }
    if value.chars().count() > MAX_TEXT {
        return fail(field, format!("longer than {MAX_TEXT} characters"));
    }
    if value.chars().any(char::is_control) {
        return fail(field, "contains control characters");
    }
    Ok(())
}

/// Checks a record on its own.
pub fn check_record(r: &Record, limits: Limits) -> Result<(), ValidationError> {
    if r.id.seq == 0 {
        return fail("id.seq", "must be 1 or more");
    }
    let author = &r.id.node;
    if !matches!(
        author.level(),
        Level::Village | Level::Township | Level::County
    ) {
        return fail(
            "id.node",
            format!(
                "{author} is a {} code; records are written by village, township or county nodes",
                author.level().name()
            ),
        );
    }
    if r.origin.level() != Level::Village {
        return fail(
            "origin",
            format!(
                "{} is a {} code; expected a 12-digit village code",
                r.origin,
                r.origin.level().name()
            ),
        );
    }
    if let Some(res) = &r.residence
        && res.level() != Level::Village
    {
        return fail(
            "residence",
            format!(
                "{res} is a {} code; expected a 12-digit village code",
                res.level().name()
            ),
        );
    }
    if !r.origin.is_under(author) && !r.residence.as_ref().is_some_and(|c| c.is_under(author)) {
        return fail(
            "id.node",
            format!("author {author} is neither above the origin nor the residence of the record"),
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
        limits.max_skew_ms.max(crate::record::SEQ_CLOCK_ALLOWANCE_MS),
    );
    if r.id.seq > limit {
        return fail(
            "id.seq",
            liudong_i18n::t!(
                "record-seq-beyond-limit",
                seq = r.id.seq.to_string(),
                limit = limit.to_string()
            ),
        );
    }
    let latest = Date::from_unix_ms(limits.now_ms + limits.max_skew_ms);
    if r.subject.birth_date() > latest {
        return fail(
            "subject",
            format!(
                "{}: birth date {} is in the future",
                r.subject,
                r.subject.birth_date()
            ),
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
        format!(
            "{code} is not in the division table (NBS, data date {}); use a real statistical division code",
            t.data_date()
        ),
    )
}

fn not_future(field: &str, d: Date, latest: Date) -> Result<(), ValidationError> {
    if d > latest {
        return fail(field, format!("{d} is in the future"));
    }
    Ok(())
}

fn check_body(r: &Record, body: &Body, latest: Date, top: bool) -> Result<(), ValidationError> {
    let needs_residence = |what: &str| -> Result<(), ValidationError> {
        if r.residence.is_none() {
            return fail(
                "residence",
                format!("a {what} record must name the residence"),
            );
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
                    format!(
                        "{} does not match the birth date {} in subject {}",
                        b.birth_date,
                        r.subject.birth_date(),
                        r.subject
                    ),
                );
            }
            let male = b.sex == Sex::Male;
            if male != r.subject.is_male() {
                return fail(
                    "person_registered.sex",
                    format!(
                        "{:?} does not match subject {} (sequence digit says {})",
                        b.sex,
                        r.subject,
                        if r.subject.is_male() {
                            "male"
                        } else {
                            "female"
                        }
                    ),
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
                    format!(
                        "{} must be after valid_from {}",
                        b.valid_until, b.valid_from
                    ),
                );
            }
        }
        Body::InflowRegistered(b) => {
            needs_residence("inflow")?;
            not_future("inflow_registered.arrival_date", b.arrival_date, latest)?;
            text("inflow_registered.address", &b.address, false)?;
            text("inflow_registered.employer", &b.employer, false)?;
            if let Some(n) = &b.certificate_number {
                text("inflow_registered.certificate_number", n, true)?;
            }
        }
        Body::InflowAcknowledged(b) => {
            needs_residence("inflow acknowledgement")?;
            text("inflow_acknowledged.note", &b.note, false)?;
        }
        Body::CheckReported(b) => {
            needs_residence("check report")?;
            not_future("check_reported.check_date", b.check_date, latest)?;
            if b.check_date < b.quarter.first_day() {
                return fail(
                    "check_reported.check_date",
                    format!("{} is before quarter {}", b.check_date, b.quarter),
                );
            }
        }
        Body::BirthRegistered(b) => {
            not_future("birth_registered.birth_date", b.birth_date, latest)?;
            if let Some(place) = &b.place {
                known_code("birth_registered.place", place)?;
            }
            if b.birth_order == 0 {
                return fail("birth_registered.birth_order", "must be 1 or more");
            }
        }
        Body::ResidenceChanged(b) => {
            needs_residence("residence change")?;
            if let Some(prev) = &b.previous_residence {
                known_code("residence_changed.previous_residence", prev)?;
            }
            not_future("residence_changed.change_date", b.change_date, latest)?;
        }
        Body::Returned(b) => not_future("returned.return_date", b.return_date, latest)?,
        Body::Correction(c) => {
            if !top {
                return fail(
                    "correction.amended",
                    "a correction cannot amend with another correction",
                );
            }
            text("correction.reason", &c.reason, true)?;
            if let Some(prev) = &c.previous_residence {
                known_code("correction.previous_residence", prev)?;
            }
            if let Some(amended) = &c.amended {
                if matches!(**amended, Body::Correction(_)) {
                    return fail(
                        "correction.amended",
                        "a correction cannot amend with another correction",
                    );
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

        let limit = RecordId::seq_limit(NOW, LIMITS.max_skew_ms);
        assert_eq!(
            limit,
            RecordId::seq_floor(NOW + LIMITS.max_skew_ms) + SEQ_PER_MS * 1_000
        );
        let mut r = rec(body("outflow_registered"));
        for ok in [1, 7_000_000, SEQ_COUNTER_MAX, floor + 1, limit] {
            r.id.seq = ok;
            assert_eq!(check_record(&r, LIMITS), Ok(()), "seq {ok}");
        }
        for bad in [limit + 1, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            r.id.seq = bad;
            let e = check_record(&r, LIMITS).unwrap_err();
            assert_eq!(e.field, "id.seq", "seq {bad}: {e}");
            assert!(
                e.reason.contains(&bad.to_string()) && e.reason.contains(&limit.to_string()),
                "{e}"
            );
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
        assert!(e.reason.contains("not in the division table"), "{e}");
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
