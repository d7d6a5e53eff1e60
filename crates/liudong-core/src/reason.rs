//! Why a record is refused: a typed reason, produced where a check fails
//! ([`crate::validate`], [`crate::workflow`], [`crate::placing`]) and
//! rendered through the message catalogue only when shown, in the
//! language of whoever reads it ([`Reason::text_in`]; `Display` uses the
//! process's language). The catalogue ids are `reason-…` (`reasons.ftl`)
//! and `places-…` (`places.ftl`).
//!
//! A reason never names the person (no citizen ID, no name): refusals are
//! logged and audited.

use crate::code::{Code, Level};
use crate::date::{Date, Quarter};
use crate::record::RecordId;
use liudong_i18n::{Lang, t_in};
use std::fmt;

/// Why a record (or one of its fields) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A required text is empty.
    Empty,
    /// A text longer than `max` characters.
    TooLong { max: usize },
    /// A text with control characters.
    ControlChars,
    /// A number that must be 1 or more (a sequence number, a birth order).
    NotPositive,
    /// The author is not a village, township or county node.
    AuthorLevel { author: Code },
    /// A place that must be a village code is of another level.
    NotVillage { code: Code },
    /// The author is above neither the origin nor the residence.
    AuthorNotAbove { author: Code },
    /// A code not in the embedded division table.
    UnknownCode { code: Code, data_date: String },
    /// A sequence number beyond what the receiver's clock allows.
    SeqBeyondLimit { seq: u64, limit: u64 },
    /// The birth date in the citizen ID is in the future.
    BirthInFuture { date: Date },
    /// A date in the future.
    Future { date: Date },
    /// A registered birth date that differs from the citizen ID's.
    BirthDateMismatch { given: Date, in_id: Date },
    /// A registered sex that differs from the citizen ID's.
    SexMismatch { id_says_male: bool },
    /// A certificate valid until a date not after its start.
    NotAfterStart { until: Date, from: Date },
    /// A record of this kind needs a residence.
    NeedsResidence { kind: &'static str },
    /// A check dated before its quarter.
    BeforeQuarter { date: Date, quarter: Quarter },
    /// A correction amending with another correction.
    CorrectionOfCorrection,
    /// The record a record names is not held here.
    NotHeld { id: RecordId },
    /// The inflow an acknowledgement names is not held here.
    InflowNotHeld { id: RecordId },
    /// The record named is about another person.
    OtherPerson { id: RecordId },
    /// The record an acknowledgement names is not an inflow registration.
    NotInflow { id: RecordId, kind: &'static str },
    /// A correction naming itself.
    SelfCorrection,
    /// An amendment of another kind than the corrected record.
    AmendedKind {
        amended: &'static str,
        target: RecordId,
        target_kind: &'static str,
    },
    /// A return or residence change with no open migrant episode.
    NoOpenEpisode,
    /// A correction's place differs from its target's.
    CorrectionPlace {
        role: Role,
        found: Option<Code>,
        expected: Option<Code>,
        target: RecordId,
    },
    /// An acknowledgement's place differs from its inflow's.
    AckPlace {
        role: Role,
        found: Option<Code>,
        expected: Option<Code>,
        inflow: RecordId,
    },
    /// An amendment changes the previous residence of a residence change.
    AmendedPrevious {
        expected: Option<Code>,
        target: RecordId,
    },
    /// A return names another residence than the one held here.
    ReturnPlace { found: Code, current: Code },
    /// A residence change names another previous residence than the one held here.
    PreviousPlace { found: Code, current: Code },
    /// The origin is missing.
    OriginRequired,
    /// A stamp ahead of the clock by more than the allowed skew
    /// ([`crate::hlc::SkewError`]; generated records).
    Clock {
        remote_ms: u64,
        ahead_ms: u64,
        max_skew_ms: u64,
    },
    /// The reason of a workflow issue read back from a store or a peer,
    /// which keep it as its English text (see
    /// [`crate::workflow::WorkflowIssue`]).
    Recorded { text: String },
}

impl Reason {
    /// The reason in `lang`.
    pub fn text_in(&self, lang: Lang) -> String {
        let l = lang;
        let place = |c: &Option<Code>| match c {
            Some(c) => c.to_string(),
            None => t_in!(l, "places-none"),
        };
        match self {
            Reason::Empty => t_in!(l, "reason-empty"),
            Reason::TooLong { max } => t_in!(l, "reason-too-long", max = max.to_string()),
            Reason::ControlChars => t_in!(l, "reason-control"),
            Reason::NotPositive => t_in!(l, "reason-not-positive"),
            Reason::AuthorLevel { author } => t_in!(
                l,
                "reason-author-level",
                code = author.to_string(),
                level = level_word(author.level(), l)
            ),
            Reason::NotVillage { code } => t_in!(
                l,
                "reason-not-village",
                code = code.to_string(),
                level = level_word(code.level(), l)
            ),
            Reason::AuthorNotAbove { author } => {
                t_in!(l, "reason-author-not-above", code = author.to_string())
            }
            Reason::UnknownCode { code, data_date } => t_in!(
                l,
                "reason-unknown-code",
                code = code.to_string(),
                date = data_date.as_str()
            ),
            Reason::SeqBeyondLimit { seq, limit } => t_in!(
                l,
                "record-seq-beyond-limit",
                seq = seq.to_string(),
                limit = limit.to_string()
            ),
            Reason::BirthInFuture { date } => {
                t_in!(l, "reason-birth-in-future", date = date.to_string())
            }
            Reason::Future { date } => t_in!(l, "reason-future", date = date.to_string()),
            Reason::BirthDateMismatch { given, in_id } => t_in!(
                l,
                "reason-birth-date-mismatch",
                given = given.to_string(),
                in_id = in_id.to_string()
            ),
            Reason::SexMismatch { id_says_male } => t_in!(
                l,
                "reason-sex-mismatch",
                sex = if *id_says_male {
                    t_in!(l, "word-male")
                } else {
                    t_in!(l, "word-female")
                }
            ),
            Reason::NotAfterStart { until, from } => t_in!(
                l,
                "reason-not-after-start",
                until = until.to_string(),
                from = from.to_string()
            ),
            Reason::NeedsResidence { kind } => {
                t_in!(l, "reason-needs-residence", kind = kind_word(kind, l))
            }
            Reason::BeforeQuarter { date, quarter } => t_in!(
                l,
                "reason-before-quarter",
                date = date.to_string(),
                quarter = quarter.to_string()
            ),
            Reason::CorrectionOfCorrection => t_in!(l, "reason-correction-of-correction"),
            Reason::NotHeld { id } => t_in!(l, "reason-not-held", id = id.to_string()),
            Reason::InflowNotHeld { id } => {
                t_in!(l, "reason-inflow-not-held", id = id.to_string())
            }
            Reason::OtherPerson { id } => t_in!(l, "reason-other-person", id = id.to_string()),
            Reason::NotInflow { id, kind } => t_in!(
                l,
                "reason-not-inflow",
                id = id.to_string(),
                kind = kind_word(kind, l)
            ),
            Reason::SelfCorrection => t_in!(l, "reason-self-correction"),
            Reason::AmendedKind {
                amended,
                target,
                target_kind,
            } => t_in!(
                l,
                "reason-amended-kind",
                amended = kind_word(amended, l),
                target = target.to_string(),
                target_kind = kind_word(target_kind, l)
            ),
            Reason::NoOpenEpisode => t_in!(l, "reason-no-open-episode"),
            Reason::CorrectionPlace {
                role,
                found,
                expected,
                target,
            } => t_in!(
                l,
                "places-correction-differs",
                found = place(found),
                role = role.label_in(l),
                expected = place(expected),
                target = target.to_string()
            ),
            Reason::AckPlace {
                role,
                found,
                expected,
                inflow,
            } => t_in!(
                l,
                "places-ack-differs",
                found = place(found),
                role = role.label_in(l),
                expected = place(expected),
                inflow = inflow.to_string()
            ),
            Reason::AmendedPrevious { expected, target } => t_in!(
                l,
                "places-amended-previous-differs",
                expected = place(expected),
                target = target.to_string()
            ),
            Reason::ReturnPlace { found, current } => t_in!(
                l,
                "places-return-differs",
                found = found.to_string(),
                current = current.to_string()
            ),
            Reason::PreviousPlace { found, current } => t_in!(
                l,
                "places-previous-differs",
                found = found.to_string(),
                current = current.to_string()
            ),
            Reason::OriginRequired => t_in!(l, "places-origin-required"),
            Reason::Clock {
                remote_ms,
                ahead_ms,
                max_skew_ms,
            } => t_in!(
                l,
                "clock-skew",
                remote_ms = *remote_ms,
                ahead_ms = *ahead_ms,
                max_skew_ms = *max_skew_ms
            ),
            Reason::Recorded { text } => match l {
                Lang::Zh => t_in!(l, "reason-recorded"),
                Lang::En => text.clone(),
            },
        }
    }

    /// The reason a stored or received English text is (the form
    /// [`crate::workflow::WorkflowIssue`] keeps): the reasons a record is
    /// held for — the record or inflow it names not held here, no open
    /// migrant episode — are recognised by their catalogue wording and come
    /// back typed, so they read in any language again; any other text stays
    /// [`Reason::Recorded`].
    pub fn from_stored(text: String) -> Reason {
        let probe = RecordId {
            node: Code::parse("410602").expect("a valid county code"),
            seq: 987_654_321,
        };
        let shown = probe.to_string();
        let naming_a_record: [fn(RecordId) -> Reason; 2] = [
            |id| Reason::NotHeld { id },
            |id| Reason::InflowNotHeld { id },
        ];
        for make in naming_a_record {
            let english = make(probe.clone()).text_in(Lang::En);
            let Some((before, after)) = english.split_once(&shown) else {
                continue;
            };
            if let Some(id) = text
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
                .and_then(RecordId::parse)
            {
                return make(id);
            }
        }
        if text == Reason::NoOpenEpisode.text_in(Lang::En) {
            return Reason::NoOpenEpisode;
        }
        Reason::Recorded { text }
    }

    /// The reason in this process's language.
    pub fn text(&self) -> String {
        self.text_in(liudong_i18n::lang())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// A level's name in reasons.
fn level_word(level: Level, l: Lang) -> String {
    match level {
        Level::National => t_in!(l, "reason-level-national"),
        Level::Province => t_in!(l, "reason-level-province"),
        Level::Prefecture => t_in!(l, "reason-level-prefecture"),
        Level::County => t_in!(l, "reason-level-county"),
        Level::Township => t_in!(l, "reason-level-township"),
        Level::Village => t_in!(l, "reason-level-village"),
    }
}

/// A record kind (`outflow_registered`, …) in the operators' words.
pub fn kind_word(kind: &str, l: Lang) -> String {
    match kind {
        "person_registered" => t_in!(l, "record-kind-person-registered"),
        "marriage_registered" => t_in!(l, "record-kind-marriage-registered"),
        "outflow_registered" => t_in!(l, "record-kind-outflow-registered"),
        "certificate_issued" => t_in!(l, "record-kind-certificate-issued"),
        "inflow_registered" => t_in!(l, "record-kind-inflow-registered"),
        "inflow_acknowledged" => t_in!(l, "record-kind-inflow-acknowledged"),
        "check_reported" => t_in!(l, "record-kind-check-reported"),
        "birth_registered" => t_in!(l, "record-kind-birth-registered"),
        "residence_changed" => t_in!(l, "record-kind-residence-changed"),
        "returned" => t_in!(l, "record-kind-returned"),
        "correction" => t_in!(l, "record-kind-correction"),
        other => other.to_string(),
    }
}

/// The role of a place in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Origin,
    Residence,
    PreviousResidence,
}

impl Role {
    /// The role's name, in the operator's language.
    pub fn label(self) -> String {
        self.label_in(liudong_i18n::lang())
    }

    /// The role's name in `l`.
    pub fn label_in(self, l: Lang) -> String {
        match self {
            Role::Origin => t_in!(l, "places-role-origin"),
            Role::Residence => t_in!(l, "places-role-residence"),
            Role::PreviousResidence => t_in!(l, "places-role-previous"),
        }
    }
}

#[cfg(test)]
mod tests;
