//! Records: immutable events about one person.
//!
//! A record is never edited or deleted. Its id (authoring node + that node's
//! sequence number) is globally unique; receiving the same id with other
//! content is a conflict. State is derived from the set of records (see
//! [`crate::view`]).

use crate::citizen::CitizenId;
use crate::code::Code;
use crate::date::{Date, Quarter};
use crate::hlc::Hlc;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Globally unique record id.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordId {
    /// Code of the authoring node.
    pub node: Code,
    /// The authoring node's own sequence number, from 1 (see [`RecordId::next_seq`]).
    pub seq: u64,
}

/// The clock time from which sequence numbers follow the clock
/// (2024-01-01T00:00:00Z, unix ms).
pub const SEQ_EPOCH_MS: u64 = 1_704_067_200_000;
/// Sequence numbers per millisecond of clock time.
pub const SEQ_PER_MS: u64 = 1_000;
/// Sequence numbers up to this are always within the bound: the plain
/// counters nodes issued before their ids followed the clock.
pub const SEQ_COUNTER_MAX: u64 = u32::MAX as u64;
/// How far ahead of the receiver's clock an author's clock may have run when
/// it numbered a record (a year): records are not refused for their stamps
/// (the max-offset rule stops a node whose clock is wrong from writing), and
/// the sequence bound only has to keep extreme numbers out.
pub const SEQ_CLOCK_ALLOWANCE_MS: u64 = 366 * 24 * 3600 * 1000;

impl RecordId {
    /// The sequence number a node issues for its next record, stamped
    /// `hlc`, when the last one it issued (that it knows of) is `last`: one
    /// more, and never less than the floor of the record's clock time
    /// ([`RecordId::seq_floor`]) plus one. Ids thus increase with the clock
    /// as well as with the count, so a node whose store was wiped or
    /// restored from an older backup — and has forgotten ids it issued —
    /// still never issues one of them again, with or without a link to its
    /// upstream, as long as its clock has not gone back to before the loss.
    pub fn next_seq(last: u64, hlc: Hlc) -> u64 {
        last.saturating_add(1)
            .max(Self::seq_floor(hlc.wall_ms()).saturating_add(1))
    }

    /// The lowest sequence number the clock at `wall_ms` allows:
    /// `SEQ_PER_MS` numbers per millisecond since [`SEQ_EPOCH_MS`].
    pub fn seq_floor(wall_ms: u64) -> u64 {
        wall_ms
            .saturating_sub(SEQ_EPOCH_MS)
            .saturating_mul(SEQ_PER_MS)
    }

    /// The highest sequence number a record may carry when received at
    /// `now_ms` with a clock skew of at most `max_skew_ms`: the floor of
    /// `now_ms + max_skew_ms` plus one second's worth of numbers (a bulk
    /// write runs a little ahead of its clock), and never less than
    /// [`SEQ_COUNTER_MAX`]. A record beyond it is refused, so a forged
    /// record cannot carry an extreme number.
    pub fn seq_limit(now_ms: u64, max_skew_ms: u64) -> u64 {
        Self::seq_floor(now_ms.saturating_add(max_skew_ms))
            .saturating_add(SEQ_PER_MS * 1_000)
            .max(SEQ_COUNTER_MAX)
    }

    /// Parses the display form `NODE-SEQ`, e.g. `410602100001-42`.
    pub fn parse(s: &str) -> Option<RecordId> {
        let (node, seq) = s.rsplit_once('-')?;
        Some(RecordId {
            node: Code::parse(node).ok()?,
            seq: seq.parse().ok().filter(|&n| n > 0)?,
        })
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.node, self.seq)
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    #[default]
    Unspecified,
    Single,
    Married,
    Divorced,
    Widowed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum HukouType {
    #[default]
    Unspecified,
    Agricultural,
    NonAgricultural,
}

/// Purpose of an out-migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 务工
    #[default]
    Work,
    /// 经商
    Trade,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckOutcome {
    Confirmed,
    Mismatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Normal,
    FollowUp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRegistered {
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    #[serde(default)]
    pub marital_status: MaritalStatus,
    #[serde(default)]
    pub hukou: HukouType,
    #[serde(default)]
    pub household: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarriageRegistered {
    pub marriage_date: Date,
    #[serde(default)]
    pub spouse: Option<CitizenId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutflowRegistered {
    pub leave_date: Date,
    #[serde(default)]
    pub purpose: Purpose,
    #[serde(default)]
    pub expected_months: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateIssued {
    pub number: String,
    pub valid_from: Date,
    pub valid_until: Date,
    #[serde(default)]
    pub marital_status: MaritalStatus,
    #[serde(default)]
    pub children: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InflowRegistered {
    pub arrival_date: Date,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub employer: String,
    /// Certificate presented; `None` when missing (补办).
    #[serde(default)]
    pub certificate_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InflowAcknowledged {
    pub inflow: RecordId,
    pub outcome: AckOutcome,
    #[serde(default)]
    pub certificate_number: Option<String>,
    #[serde(default)]
    pub certificate_valid_until: Option<Date>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckReported {
    pub quarter: Quarter,
    pub check_date: Date,
    pub result: CheckResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthRegistered {
    pub birth_date: Date,
    pub sex: Sex,
    pub birth_order: u32,
    #[serde(default)]
    pub place: Option<Code>,
    #[serde(default)]
    pub service_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidenceChanged {
    pub change_date: Date,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub previous_residence: Option<Code>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Returned {
    pub return_date: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub target: RecordId,
    pub reason: String,
    /// `None` voids the target; `Some` replaces its body (same kind).
    #[serde(default)]
    pub amended: Option<Box<Body>>,
    /// The residence the person left, when the target is a residence change
    /// (or a correction of one): one of the target's places, carried so that
    /// the correction reaches every node the target reached. A correction's
    /// origin and residence are likewise the target's. Set by the writer
    /// from the record it corrects (see [`crate::placing`]).
    #[serde(default)]
    pub previous_residence: Option<Code>,
}

/// The typed body of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    PersonRegistered(PersonRegistered),
    MarriageRegistered(MarriageRegistered),
    OutflowRegistered(OutflowRegistered),
    CertificateIssued(CertificateIssued),
    InflowRegistered(InflowRegistered),
    InflowAcknowledged(InflowAcknowledged),
    CheckReported(CheckReported),
    BirthRegistered(BirthRegistered),
    ResidenceChanged(ResidenceChanged),
    Returned(Returned),
    Correction(Correction),
}

impl Body {
    /// Stable snake_case name of the body kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::PersonRegistered(_) => "person_registered",
            Body::MarriageRegistered(_) => "marriage_registered",
            Body::OutflowRegistered(_) => "outflow_registered",
            Body::CertificateIssued(_) => "certificate_issued",
            Body::InflowRegistered(_) => "inflow_registered",
            Body::InflowAcknowledged(_) => "inflow_acknowledged",
            Body::CheckReported(_) => "check_reported",
            Body::BirthRegistered(_) => "birth_registered",
            Body::ResidenceChanged(_) => "residence_changed",
            Body::Returned(_) => "returned",
            Body::Correction(_) => "correction",
        }
    }

    /// The date the event happened, where the body has one.
    pub fn event_date(&self) -> Option<Date> {
        Some(match self {
            Body::PersonRegistered(b) => b.birth_date,
            Body::MarriageRegistered(b) => b.marriage_date,
            Body::OutflowRegistered(b) => b.leave_date,
            Body::CertificateIssued(b) => b.valid_from,
            Body::InflowRegistered(b) => b.arrival_date,
            Body::CheckReported(b) => b.check_date,
            Body::BirthRegistered(b) => b.birth_date,
            Body::ResidenceChanged(b) => b.change_date,
            Body::Returned(b) => b.return_date,
            Body::InflowAcknowledged(_) | Body::Correction(_) => return None,
        })
    }
}

/// An immutable record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: RecordId,
    pub hlc: Hlc,
    pub operator: String,
    pub subject: CitizenId,
    /// Registered locality (户籍地), a village code.
    pub origin: Code,
    /// Current residence (现居住地), a village code, when known.
    pub residence: Option<Code>,
    pub body: Body,
}

impl Record {
    /// The authoring node.
    pub fn author(&self) -> &Code {
        &self.id.node
    }

    /// Total order used to fold records into state: by clock, then id.
    pub fn order_key(&self) -> (Hlc, &RecordId) {
        (self.hlc, &self.id)
    }
}
