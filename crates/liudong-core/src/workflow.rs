//! Workflow rules: what a record may say given the other records about the
//! same person.
//!
//! - an inflow acknowledgement (反馈) must refer to an inflow registration of
//!   the same person;
//! - a correction must refer to an existing record of the same person, say why
//!   (checked by [`crate::validate`]), carry exactly its places (origin,
//!   residence, previous residence: see [`crate::placing`]) and amend it with
//!   a body of the same kind (an amended residence change keeping the
//!   residence the person left);
//! - an acknowledgement carries its inflow's origin and residence;
//! - a residence change or a return must fall within an open migrant episode
//!   (an outflow or inflow not yet closed by a return).
//!
//! Every context a rule needs is a record about the same subject, so the rules
//! are evaluated against the subject's records only. A failure is either a
//! [`Breach`](IssueKind::Breach) (the context is present and contradicts the
//! record: no set of further records can make it right) or
//! [`MissingContext`](IssueKind::MissingContext) (the context is not held here
//! yet). Where a record is written both are refused; where a record arrives by
//! sync a breach is refused and missing context is *held and flagged*: the
//! record is stored, marked, and re-evaluated whenever more records about its
//! subject arrive.

use crate::placing;
use crate::record::{Body, Record, RecordId};
use crate::routing::Places;
use crate::validate::{Reason, ValidationError};
use liudong_i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Whether a rule failure can be cured by records not held yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// The record contradicts records held here.
    Breach,
    /// A record the rule needs is not held here (yet).
    MissingContext,
}

/// A workflow rule a record fails, naming the field and the reason.
///
/// Stored (the held flags, postcard) and sent (`HeldRecord` of the access
/// API) as `{kind, field, reason}` with `reason` a string, as always: the
/// typed reason is written as its English text (the wording stores have
/// kept), and read back with [`Reason::from_stored`]: the reasons a record
/// is held for come back typed, any other text as [`Reason::Recorded`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowIssue {
    pub kind: IssueKind,
    pub field: String,
    #[serde(with = "stored_reason")]
    pub reason: Box<Reason>,
}

/// A [`Reason`] as the string stores and peers keep.
mod stored_reason {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(r: &Reason, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&r.text_in(Lang::En))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<Reason>, D::Error> {
        Ok(Box::new(Reason::from_stored(String::deserialize(d)?)))
    }
}

impl WorkflowIssue {
    fn breach(field: &str, reason: Reason) -> WorkflowIssue {
        WorkflowIssue {
            kind: IssueKind::Breach,
            field: field.into(),
            reason: Box::new(reason),
        }
    }

    fn missing(field: &str, reason: Reason) -> WorkflowIssue {
        WorkflowIssue {
            kind: IssueKind::MissingContext,
            field: field.into(),
            reason: Box::new(reason),
        }
    }

    /// As a validation error (for refusals).
    pub fn to_validation(&self) -> ValidationError {
        ValidationError {
            field: self.field.clone(),
            reason: self.reason.clone(),
        }
    }
}

impl std::fmt::Display for WorkflowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// The missing-context issue of a record naming `id` in `field`, which is
/// not held here.
pub(crate) fn not_held(field: &str, id: &RecordId) -> WorkflowIssue {
    WorkflowIssue::missing(field, Reason::NotHeld { id: id.clone() })
}

/// True if the rules for `body` look at other records (the only bodies
/// [`check`] can refuse); every other record passes without context.
pub fn needs_context(body: &Body) -> bool {
    matches!(
        body,
        Body::InflowAcknowledged(_)
            | Body::Correction(_)
            | Body::ResidenceChanged(_)
            | Body::Returned(_)
    )
}

/// Checks `r` against `context`, the other records held about the same
/// subject (records about other subjects are treated as not about this
/// person). `r` itself may be in `context`.
pub fn check(r: &Record, context: &[Record]) -> Result<(), WorkflowIssue> {
    check_given(r, context, || open_episode_before(r, context))
}

/// [`check`] for a record `r` that sorts after every other record held
/// about its subject, given whether a migrant episode is open before it
/// ([`crate::view::ViewFold::episode_open`] of the records before it):
/// `context` then needs to hold only the records `r` names (an acknowledged
/// inflow, a corrected record) that are held.
pub fn check_following(
    r: &Record,
    context: &[Record],
    episode_open: bool,
) -> Result<(), WorkflowIssue> {
    check_given(r, context, || episode_open)
}

fn check_given(
    r: &Record,
    context: &[Record],
    episode_open: impl FnOnce() -> bool,
) -> Result<(), WorkflowIssue> {
    let find = |id: &RecordId| context.iter().find(|c| &c.id == id);
    match &r.body {
        Body::InflowAcknowledged(b) => match find(&b.inflow) {
            None => Err(WorkflowIssue::missing(
                "inflow_acknowledged.inflow",
                Reason::InflowNotHeld {
                    id: b.inflow.clone(),
                },
            )),
            Some(t) if t.subject != r.subject => Err(WorkflowIssue::breach(
                "inflow_acknowledged.inflow",
                Reason::OtherPerson {
                    id: b.inflow.clone(),
                },
            )),
            Some(t) if !matches!(t.body, Body::InflowRegistered(_)) => Err(WorkflowIssue::breach(
                "inflow_acknowledged.inflow",
                Reason::NotInflow {
                    id: b.inflow.clone(),
                    kind: t.body.kind(),
                },
            )),
            Some(t) => match placing::first_difference(
                &Places::of(r),
                &Places::of(t),
                "inflow_acknowledged",
            ) {
                Some(d) => Err(WorkflowIssue::breach(
                    d.field,
                    placing::ack_differs(&d, &b.inflow),
                )),
                None => Ok(()),
            },
        },
        Body::Correction(c) => match find(&c.target) {
            None => Err(not_held("correction.target", &c.target)),
            Some(t) if t.subject != r.subject => Err(WorkflowIssue::breach(
                "correction.target",
                Reason::OtherPerson {
                    id: c.target.clone(),
                },
            )),
            Some(t) if t.id == r.id => Err(WorkflowIssue::breach(
                "correction.target",
                Reason::SelfCorrection,
            )),
            Some(t) => {
                // Where the target went, the correction goes: not one node more or less.
                if let Some(d) = placing::first_difference(
                    &Places::of(r),
                    &Places::of(t),
                    "correction.previous_residence",
                ) {
                    return Err(WorkflowIssue::breach(
                        d.field,
                        placing::correction_differs(&d, &c.target),
                    ));
                }
                match (c.amended.as_deref(), &t.body) {
                    (Some(a), _) if a.kind() != t.body.kind() => Err(WorkflowIssue::breach(
                        "correction.amended",
                        Reason::AmendedKind {
                            amended: a.kind(),
                            target: c.target.clone(),
                            target_kind: t.body.kind(),
                        },
                    )),
                    (Some(Body::ResidenceChanged(a)), Body::ResidenceChanged(was))
                        if a.previous_residence != was.previous_residence =>
                    {
                        Err(WorkflowIssue::breach(
                            "correction.amended.previous_residence",
                            placing::amended_previous_differs(
                                was.previous_residence.as_ref(),
                                &c.target,
                            ),
                        ))
                    }
                    _ => Ok(()),
                }
            }
        },
        Body::ResidenceChanged(_) | Body::Returned(_) => {
            let field = if matches!(r.body, Body::Returned(_)) {
                "returned"
            } else {
                "residence_changed"
            };
            if episode_open() {
                Ok(())
            } else {
                Err(WorkflowIssue::missing(field, Reason::NoOpenEpisode))
            }
        }
        _ => Ok(()),
    }
}

/// True if, folding the subject's records ordered before `r` (voided records
/// left out), a migrant episode is open when `r` happens.
fn open_episode_before(r: &Record, context: &[Record]) -> bool {
    let mut earlier: Vec<&Record> = context
        .iter()
        .filter(|c| c.subject == r.subject && c.order_key() < r.order_key())
        .collect();
    earlier.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    let mut effective: HashMap<&RecordId, Option<&Body>> = HashMap::new();
    for c in &earlier {
        if let Body::Correction(k) = &c.body {
            effective.insert(&k.target, k.amended.as_deref());
        }
    }
    let mut open = false;
    for c in earlier {
        let body = match effective.get(&c.id) {
            Some(None) => continue,
            Some(Some(b)) if b.kind() == c.body.kind() => *b,
            _ => &c.body,
        };
        match body {
            Body::OutflowRegistered(_) | Body::InflowRegistered(_) => open = true,
            Body::Returned(_) => open = false,
            _ => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::*;
    use crate::synth::{example_bodies, outflow_body, test_record};
    use crate::{Date, Hlc};

    const V: &str = "410602100001";
    const R: &str = "440306018001";

    fn rec(seq: u64, person: u64, body: Body) -> Record {
        test_record(V, seq, person, V, Some(R), body)
    }

    fn body(kind: &str) -> Body {
        example_bodies(Date::new(2026, 10, 1).unwrap())
            .into_iter()
            .find(|b| b.kind() == kind)
            .unwrap()
    }

    fn ack(target: RecordId) -> Body {
        match body("inflow_acknowledged") {
            Body::InflowAcknowledged(mut b) => {
                b.inflow = target;
                Body::InflowAcknowledged(b)
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn acknowledgement_must_refer_to_an_inflow() {
        let inflow = rec(1, 1, body("inflow_registered"));
        let outflow = rec(2, 1, outflow_body());
        let good = rec(3, 1, ack(inflow.id.clone()));
        assert_eq!(check(&good, &[inflow.clone(), outflow.clone()]), Ok(()));
        let e = check(
            &rec(3, 1, ack(outflow.id.clone())),
            std::slice::from_ref(&outflow),
        )
        .unwrap_err();
        assert_eq!(e.kind, IssueKind::Breach);
        assert_eq!(e.field, "inflow_acknowledged.inflow");
        assert!(matches!(*e.reason, Reason::NotInflow { .. }), "{e}");
        let e = check(&good, &[outflow]).unwrap_err();
        assert_eq!(e.kind, IssueKind::MissingContext);
        assert!(matches!(*e.reason, Reason::InflowNotHeld { .. }), "{e}");
        // Another person's inflow.
        let other = rec(4, 2, body("inflow_registered"));
        let e = check(&rec(5, 1, ack(other.id.clone())), &[other]).unwrap_err();
        assert_eq!(e.kind, IssueKind::Breach);
        assert!(matches!(*e.reason, Reason::OtherPerson { .. }), "{e}");
    }

    #[test]
    fn correction_must_refer_to_an_existing_record_of_the_same_kind() {
        let outflow = rec(1, 1, outflow_body());
        let fix = |amended: Option<Body>| {
            rec(
                2,
                1,
                Body::Correction(Correction {
                    target: outflow.id.clone(),
                    reason: "录入错误".into(),
                    amended: amended.map(Box::new),
                    previous_residence: None,
                }),
            )
        };
        assert_eq!(check(&fix(None), std::slice::from_ref(&outflow)), Ok(()));
        assert_eq!(
            check(&fix(Some(outflow_body())), std::slice::from_ref(&outflow)),
            Ok(())
        );
        let e = check(&fix(None), &[]).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (IssueKind::MissingContext, "correction.target")
        );
        let e = check(&fix(Some(body("returned"))), std::slice::from_ref(&outflow)).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (IssueKind::Breach, "correction.amended")
        );
    }

    #[test]
    fn return_and_residence_change_need_an_open_episode() {
        let outflow = rec(1, 1, outflow_body());
        let ret = rec(2, 1, body("returned"));
        let change = rec(3, 1, body("residence_changed"));
        assert_eq!(check(&ret, std::slice::from_ref(&outflow)), Ok(()));
        assert_eq!(check(&change, std::slice::from_ref(&outflow)), Ok(()));
        // Nothing open.
        let e = check(&ret, &[]).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (IssueKind::MissingContext, "returned")
        );
        // Closed by the earlier return.
        let e = check(&change, &[outflow.clone(), ret.clone()]).unwrap_err();
        assert_eq!(e.field, "residence_changed");
        // The outflow comes after the return in clock order: still nothing open.
        let mut late = outflow.clone();
        late.hlc = Hlc::new(ret.hlc.wall_ms() + 1, 0);
        assert!(check(&ret, &[late]).is_err());
        // A voided outflow opens nothing.
        let void = rec(
            4,
            1,
            Body::Correction(Correction {
                target: outflow.id.clone(),
                reason: "重复登记".into(),
                amended: None,
                previous_residence: None,
            }),
        );
        let mut change2 = change.clone();
        change2.hlc = Hlc::new(void.hlc.wall_ms() + 1, 0);
        assert!(check(&change2, &[outflow, void]).is_err());
    }
}
