//! Wire types and their conversions.
//!
//! Invariants: the generated types are defined only here (other crates use
//! them through `pb`); a record's canonical bytes are a function of the
//! record (the same record always encodes to the same bytes).
//!
//! This is the only crate where prost types are generated. It turns domain
//! [`Record`]s into their canonical protobuf bytes and back, checking every
//! field on the way in: a record that decodes is a well-typed domain record
//! (validation of its content is [`liudong_core::validate`]'s job).

use liudong_core::code::CodeError;
use liudong_core::record::{self as dom, Body, Record, RecordId};
use liudong_core::{CitizenId, Code, Date, Hlc, Quarter};
use prost::Message;

/// Generated protobuf and gRPC types of package `liudong.v1`.
#[allow(clippy::all, missing_docs)]
pub mod pb {
    tonic::include_proto!("liudong.v1");
}

/// The encoded `FileDescriptorSet` of `proto/liudong/v1/*.proto`, served by
/// the gRPC reflection service.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/liudong_descriptor.bin"));

/// Protocol version spoken by this build (see docs/protocol.md).
pub const PROTOCOL_VERSION: u32 = 1;

/// Verify protocol version spoken by this build (see docs/protocol.md, "Verify").
pub const VERIFY_VERSION: u32 = 1;

/// Why bytes are not a well-formed record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("{}", liudong_i18n::t!("proto-not-record", error = .0.as_str()))]
    Protobuf(String),
    #[error("{}", liudong_i18n::t!("proto-missing", field = *.0))]
    Missing(&'static str),
    #[error("{}", liudong_i18n::t!("proto-invalid", field = *field, reason = reason.as_str()))]
    Invalid { field: &'static str, reason: String },
    #[error("{}", liudong_i18n::t!("proto-enum", field = *.0))]
    Enum(&'static str),
}

fn invalid(field: &'static str, reason: impl ToString) -> DecodeError {
    DecodeError::Invalid {
        field,
        reason: reason.to_string(),
    }
}

fn code(field: &'static str, s: &str) -> Result<Code, DecodeError> {
    if s.is_empty() {
        return Err(DecodeError::Missing(field));
    }
    Code::parse(s).map_err(|e: CodeError| invalid(field, e))
}

fn opt_code(field: &'static str, s: &str) -> Result<Option<Code>, DecodeError> {
    if s.is_empty() {
        Ok(None)
    } else {
        code(field, s).map(Some)
    }
}

fn date(field: &'static str, s: &str) -> Result<Date, DecodeError> {
    if s.is_empty() {
        return Err(DecodeError::Missing(field));
    }
    Date::parse(s).map_err(|e| invalid(field, e))
}

fn opt_date(field: &'static str, s: &str) -> Result<Option<Date>, DecodeError> {
    if s.is_empty() {
        Ok(None)
    } else {
        date(field, s).map(Some)
    }
}

fn opt_string(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn id_from(field: &'static str, id: Option<&pb::RecordId>) -> Result<RecordId, DecodeError> {
    let id = id.ok_or(DecodeError::Missing(field))?;
    if id.seq == 0 {
        return Err(invalid(field, "seq must be 1 or more"));
    }
    Ok(RecordId {
        node: code(field, &id.node)?,
        seq: id.seq,
    })
}

fn id_to(id: &RecordId) -> pb::RecordId {
    pb::RecordId {
        node: id.node.as_str().to_string(),
        seq: id.seq,
    }
}

fn sex_from(field: &'static str, v: i32) -> Result<dom::Sex, DecodeError> {
    match pb::Sex::try_from(v) {
        Ok(pb::Sex::Male) => Ok(dom::Sex::Male),
        Ok(pb::Sex::Female) => Ok(dom::Sex::Female),
        _ => Err(DecodeError::Enum(field)),
    }
}

fn sex_to(s: dom::Sex) -> i32 {
    match s {
        dom::Sex::Male => pb::Sex::Male as i32,
        dom::Sex::Female => pb::Sex::Female as i32,
    }
}

fn marital_from(v: i32) -> Result<dom::MaritalStatus, DecodeError> {
    use dom::MaritalStatus as M;
    Ok(
        match pb::MaritalStatus::try_from(v).map_err(|_| DecodeError::Enum("marital_status"))? {
            pb::MaritalStatus::MaritalUnspecified => M::Unspecified,
            pb::MaritalStatus::MaritalSingle => M::Single,
            pb::MaritalStatus::MaritalMarried => M::Married,
            pb::MaritalStatus::MaritalDivorced => M::Divorced,
            pb::MaritalStatus::MaritalWidowed => M::Widowed,
        },
    )
}

fn marital_to(m: dom::MaritalStatus) -> i32 {
    use dom::MaritalStatus as M;
    (match m {
        M::Unspecified => pb::MaritalStatus::MaritalUnspecified,
        M::Single => pb::MaritalStatus::MaritalSingle,
        M::Married => pb::MaritalStatus::MaritalMarried,
        M::Divorced => pb::MaritalStatus::MaritalDivorced,
        M::Widowed => pb::MaritalStatus::MaritalWidowed,
    }) as i32
}

fn body_from(b: Option<&pb::Body>, depth: u8) -> Result<Body, DecodeError> {
    use pb::body::Kind as K;
    let kind = b
        .and_then(|b| b.kind.as_ref())
        .ok_or(DecodeError::Missing("body (unknown or absent body kind)"))?;
    Ok(match kind {
        K::PersonRegistered(p) => Body::PersonRegistered(dom::PersonRegistered {
            name: p.name.clone(),
            sex: sex_from("person_registered.sex", p.sex)?,
            birth_date: date("person_registered.birth_date", &p.birth_date)?,
            marital_status: marital_from(p.marital_status)?,
            hukou: match pb::HukouType::try_from(p.hukou).map_err(|_| DecodeError::Enum("hukou"))? {
                pb::HukouType::HukouUnspecified => dom::HukouType::Unspecified,
                pb::HukouType::HukouAgricultural => dom::HukouType::Agricultural,
                pb::HukouType::HukouNonAgricultural => dom::HukouType::NonAgricultural,
            },
            household: p.household.clone(),
            phone: p.phone.clone(),
        }),
        K::MarriageRegistered(m) => Body::MarriageRegistered(dom::MarriageRegistered {
            marriage_date: date("marriage_registered.marriage_date", &m.marriage_date)?,
            spouse: if m.spouse.is_empty() {
                None
            } else {
                Some(
                    CitizenId::parse(&m.spouse)
                        .map_err(|e| invalid("marriage_registered.spouse", e))?,
                )
            },
        }),
        K::OutflowRegistered(o) => Body::OutflowRegistered(dom::OutflowRegistered {
            leave_date: date("outflow_registered.leave_date", &o.leave_date)?,
            purpose: match pb::Purpose::try_from(o.purpose) {
                Ok(pb::Purpose::Work) => dom::Purpose::Work,
                Ok(pb::Purpose::Trade) => dom::Purpose::Trade,
                Ok(pb::Purpose::Other) => dom::Purpose::Other,
                _ => return Err(DecodeError::Enum("outflow_registered.purpose")),
            },
            expected_months: o.expected_months,
        }),
        K::CertificateIssued(c) => Body::CertificateIssued(dom::CertificateIssued {
            number: c.number.clone(),
            valid_from: date("certificate_issued.valid_from", &c.valid_from)?,
            valid_until: date("certificate_issued.valid_until", &c.valid_until)?,
            marital_status: marital_from(c.marital_status)?,
            children: c.children,
        }),
        K::InflowRegistered(i) => Body::InflowRegistered(dom::InflowRegistered {
            arrival_date: date("inflow_registered.arrival_date", &i.arrival_date)?,
            address: i.address.clone(),
            employer: i.employer.clone(),
            certificate_number: opt_string(&i.certificate_number),
        }),
        K::InflowAcknowledged(a) => Body::InflowAcknowledged(dom::InflowAcknowledged {
            inflow: id_from("inflow_acknowledged.inflow", a.inflow.as_ref())?,
            outcome: match pb::AckOutcome::try_from(a.outcome) {
                Ok(pb::AckOutcome::AckConfirmed) => dom::AckOutcome::Confirmed,
                Ok(pb::AckOutcome::AckMismatch) => dom::AckOutcome::Mismatch,
                _ => return Err(DecodeError::Enum("inflow_acknowledged.outcome")),
            },
            certificate_number: opt_string(&a.certificate_number),
            certificate_valid_until: opt_date(
                "inflow_acknowledged.certificate_valid_until",
                &a.certificate_valid_until,
            )?,
            note: a.note.clone(),
        }),
        K::CheckReported(c) => Body::CheckReported(dom::CheckReported {
            quarter: Quarter::parse(&c.quarter)
                .map_err(|e| invalid("check_reported.quarter", e))?,
            check_date: date("check_reported.check_date", &c.check_date)?,
            result: match pb::CheckResult::try_from(c.result) {
                Ok(pb::CheckResult::CheckNormal) => dom::CheckResult::Normal,
                Ok(pb::CheckResult::CheckFollowUp) => dom::CheckResult::FollowUp,
                _ => return Err(DecodeError::Enum("check_reported.result")),
            },
        }),
        K::BirthRegistered(b) => Body::BirthRegistered(dom::BirthRegistered {
            birth_date: date("birth_registered.birth_date", &b.birth_date)?,
            sex: sex_from("birth_registered.sex", b.sex)?,
            birth_order: b.birth_order,
            place: opt_code("birth_registered.place", &b.place)?,
            service_number: b.service_number.clone(),
        }),
        K::ResidenceChanged(r) => Body::ResidenceChanged(dom::ResidenceChanged {
            change_date: date("residence_changed.change_date", &r.change_date)?,
            address: r.address.clone(),
            previous_residence: opt_code(
                "residence_changed.previous_residence",
                &r.previous_residence,
            )?,
        }),
        K::Returned(r) => Body::Returned(dom::Returned {
            return_date: date("returned.return_date", &r.return_date)?,
        }),
        K::Correction(c) => {
            if depth > 0 {
                return Err(invalid(
                    "correction.amended",
                    "a correction cannot contain a correction",
                ));
            }
            Body::Correction(dom::Correction {
                target: id_from("correction.target", c.target.as_ref())?,
                reason: c.reason.clone(),
                amended: match &c.amended {
                    None => None,
                    Some(b) => Some(Box::new(body_from(Some(b), depth + 1)?)),
                },
                previous_residence: opt_code(
                    "correction.previous_residence",
                    &c.previous_residence,
                )?,
            })
        }
    })
}

/// Converts a domain body to its wire form.
pub fn body_to_pb(b: &Body) -> pb::Body {
    use pb::body::Kind as K;
    let kind = match b {
        Body::PersonRegistered(p) => K::PersonRegistered(pb::PersonRegistered {
            name: p.name.clone(),
            sex: sex_to(p.sex),
            birth_date: p.birth_date.to_string(),
            marital_status: marital_to(p.marital_status),
            hukou: (match p.hukou {
                dom::HukouType::Unspecified => pb::HukouType::HukouUnspecified,
                dom::HukouType::Agricultural => pb::HukouType::HukouAgricultural,
                dom::HukouType::NonAgricultural => pb::HukouType::HukouNonAgricultural,
            }) as i32,
            household: p.household.clone(),
            phone: p.phone.clone(),
        }),
        Body::MarriageRegistered(m) => K::MarriageRegistered(pb::MarriageRegistered {
            marriage_date: m.marriage_date.to_string(),
            spouse: m
                .spouse
                .as_ref()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        }),
        Body::OutflowRegistered(o) => K::OutflowRegistered(pb::OutflowRegistered {
            leave_date: o.leave_date.to_string(),
            purpose: (match o.purpose {
                dom::Purpose::Work => pb::Purpose::Work,
                dom::Purpose::Trade => pb::Purpose::Trade,
                dom::Purpose::Other => pb::Purpose::Other,
            }) as i32,
            expected_months: o.expected_months,
        }),
        Body::CertificateIssued(c) => K::CertificateIssued(pb::CertificateIssued {
            number: c.number.clone(),
            valid_from: c.valid_from.to_string(),
            valid_until: c.valid_until.to_string(),
            marital_status: marital_to(c.marital_status),
            children: c.children,
        }),
        Body::InflowRegistered(i) => K::InflowRegistered(pb::InflowRegistered {
            arrival_date: i.arrival_date.to_string(),
            address: i.address.clone(),
            employer: i.employer.clone(),
            certificate_number: i.certificate_number.clone().unwrap_or_default(),
        }),
        Body::InflowAcknowledged(a) => K::InflowAcknowledged(pb::InflowAcknowledged {
            inflow: Some(id_to(&a.inflow)),
            outcome: (match a.outcome {
                dom::AckOutcome::Confirmed => pb::AckOutcome::AckConfirmed,
                dom::AckOutcome::Mismatch => pb::AckOutcome::AckMismatch,
            }) as i32,
            certificate_number: a.certificate_number.clone().unwrap_or_default(),
            certificate_valid_until: a
                .certificate_valid_until
                .map(|d| d.to_string())
                .unwrap_or_default(),
            note: a.note.clone(),
        }),
        Body::CheckReported(c) => K::CheckReported(pb::CheckReported {
            quarter: c.quarter.to_string(),
            check_date: c.check_date.to_string(),
            result: (match c.result {
                dom::CheckResult::Normal => pb::CheckResult::CheckNormal,
                dom::CheckResult::FollowUp => pb::CheckResult::CheckFollowUp,
            }) as i32,
        }),
        Body::BirthRegistered(b) => K::BirthRegistered(pb::BirthRegistered {
            birth_date: b.birth_date.to_string(),
            sex: sex_to(b.sex),
            birth_order: b.birth_order,
            place: b
                .place
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            service_number: b.service_number.clone(),
        }),
        Body::ResidenceChanged(r) => K::ResidenceChanged(pb::ResidenceChanged {
            change_date: r.change_date.to_string(),
            address: r.address.clone(),
            previous_residence: r
                .previous_residence
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        }),
        Body::Returned(r) => K::Returned(pb::Returned {
            return_date: r.return_date.to_string(),
        }),
        Body::Correction(c) => K::Correction(Box::new(pb::Correction {
            target: Some(id_to(&c.target)),
            reason: c.reason.clone(),
            amended: c.amended.as_ref().map(|b| Box::new(body_to_pb(b))),
            previous_residence: c
                .previous_residence
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        })),
    };
    pb::Body { kind: Some(kind) }
}

/// Converts a wire body to a domain body.
pub fn body_from_pb(b: &pb::Body) -> Result<Body, DecodeError> {
    body_from(Some(b), 0)
}

/// Converts a domain record to its wire form.
pub fn record_to_pb(r: &Record) -> pb::Record {
    pb::Record {
        id: Some(id_to(&r.id)),
        hlc: r.hlc.0,
        operator: r.operator.clone(),
        subject: r.subject.as_str().to_string(),
        origin: r.origin.as_str().to_string(),
        residence: r
            .residence
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        body: Some(body_to_pb(&r.body)),
    }
}

/// Converts a wire record to a domain record, checking every field's form.
pub fn record_from_pb(p: &pb::Record) -> Result<Record, DecodeError> {
    Ok(Record {
        id: id_from("id", p.id.as_ref())?,
        hlc: Hlc(p.hlc),
        operator: p.operator.clone(),
        subject: CitizenId::parse(&p.subject).map_err(|e| invalid("subject", e))?,
        origin: code("origin", &p.origin)?,
        residence: opt_code("residence", &p.residence)?,
        body: body_from(p.body.as_ref(), 0)?,
    })
}

/// The canonical encoding of a record: what the store keeps and what is sent.
pub fn encode_record(r: &Record) -> Vec<u8> {
    record_to_pb(r).encode_to_vec()
}

/// `Record.subject` (field 4, a string) read straight from encoded record
/// bytes without decoding the record (the audit trail needs it for every
/// record sent). `None` if the bytes are malformed or carry no subject.
pub fn record_subject(mut b: &[u8]) -> Option<&str> {
    fn varint(b: &mut &[u8]) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = b.split_first()?;
            *b = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    while !b.is_empty() {
        let key = varint(&mut b)?;
        match key & 7 {
            0 => {
                varint(&mut b)?;
            }
            1 => b = b.get(8..)?,
            5 => b = b.get(4..)?,
            2 => {
                let len = usize::try_from(varint(&mut b)?).ok()?;
                let (field, rest) = (b.get(..len)?, b.get(len..)?);
                if key >> 3 == 4 {
                    return std::str::from_utf8(field).ok();
                }
                b = rest;
            }
            _ => return None,
        }
    }
    None
}

/// Decodes record bytes into a domain record.
pub fn decode_record(bytes: &[u8]) -> Result<Record, DecodeError> {
    let p = pb::Record::decode(bytes).map_err(|e| DecodeError::Protobuf(e.to_string()))?;
    record_from_pb(&p)
}

#[cfg(test)]
mod tests;
