//! Where a record written here goes: the places the writer sets.
//!
//! A record's places — its origin, its residence and, for a residence
//! change, the residence the person left — decide which nodes hold it
//! ([`crate::routing`]). Most records carry the places the operator gives.
//! A record that follows another record takes them from what the writing
//! node holds about the person, so that it reaches the nodes that must
//! learn of it, and no others:
//!
//! - a **correction** carries exactly its target's places (origin,
//!   residence and previous residence), so a correction or a void reaches
//!   every node the corrected record reached and discloses the amended
//!   content to no other; an amendment of a residence change keeps the
//!   target's previous residence;
//! - an **inflow acknowledgement** carries its inflow's origin and
//!   residence: it goes to the residence that registered the inflow;
//! - a **return** names the residence the person leaves, and a **residence
//!   change** the residence the person left: the person's current
//!   residence as derived here ([`PersonView::residence`]), so that the
//!   residence side learns the person is gone.
//!
//! The operator may leave these places out ([`settle`] fills them in);
//! places given that differ are refused, naming the field and what it
//! should be. Receivers check the first two rules again against the
//! target they hold ([`crate::workflow::check`]); the last two depend on
//! what the writer knew, so only the writer applies them.

use crate::code::Code;
use crate::record::{Body, Record};
use crate::routing::Places;
use crate::validate::{Reason, ValidationError};
use crate::view::PersonView;
use liudong_i18n::t;

pub use crate::reason::Role;

/// A place of a record that differs from the one it must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The record field at fault (`origin`, `residence`,
    /// `correction.previous_residence`).
    pub field: &'static str,
    pub role: Role,
    pub found: Option<Code>,
    pub expected: Option<Code>,
}

/// A place as an operator reads it (a code, or "none").
pub fn shown(c: Option<&Code>) -> String {
    c.map_or_else(|| t!("places-none"), Code::to_string)
}

/// The first place of `own` that differs from `want`, in the order origin,
/// residence, previous residence (`previous_field` names the field that
/// holds the third).
pub fn first_difference(
    own: &Places,
    want: &Places,
    previous_field: &'static str,
) -> Option<Difference> {
    let diff = |field, role, found: Option<&Code>, expected: Option<&Code>| {
        (found != expected).then(|| Difference {
            field,
            role,
            found: found.cloned(),
            expected: expected.cloned(),
        })
    };
    diff(
        "origin",
        Role::Origin,
        Some(&own.origin),
        Some(&want.origin),
    )
    .or_else(|| {
        diff(
            "residence",
            Role::Residence,
            own.residence.as_ref(),
            want.residence.as_ref(),
        )
    })
    .or_else(|| {
        diff(
            previous_field,
            Role::PreviousResidence,
            own.previous_residence.as_ref(),
            want.previous_residence.as_ref(),
        )
    })
}

/// The places given for a record that follows `target`, checked and
/// completed: a place given must equal the target's, a place left out
/// takes the target's value.
fn follow(
    given: Given,
    want: &Places,
    previous_field: &'static str,
    refuse: impl Fn(&Difference) -> Reason,
) -> Result<Places, ValidationError> {
    let out = Places {
        origin: given.origin.unwrap_or_else(|| want.origin.clone()),
        residence: given.residence.or_else(|| want.residence.clone()),
        previous_residence: given
            .previous_residence
            .or_else(|| want.previous_residence.clone()),
    };
    match first_difference(&out, want, previous_field) {
        Some(d) => Err(ValidationError::new(d.field, refuse(&d))),
        None => Ok(out),
    }
}

/// Places as given by an operator: any of them may be left out.
struct Given {
    origin: Option<Code>,
    residence: Option<Code>,
    previous_residence: Option<Code>,
}

/// The reason refusing a correction whose place `d` differs from its target's.
pub fn correction_differs(d: &Difference, target: &crate::RecordId) -> Reason {
    Reason::CorrectionPlace {
        role: d.role,
        found: d.found.clone(),
        expected: d.expected.clone(),
        target: target.clone(),
    }
}

/// The reason refusing an acknowledgement whose place `d` differs from its inflow's.
pub fn ack_differs(d: &Difference, inflow: &crate::RecordId) -> Reason {
    Reason::AckPlace {
        role: d.role,
        found: d.found.clone(),
        expected: d.expected.clone(),
        inflow: inflow.clone(),
    }
}

/// The reason refusing an amendment that changes the previous residence
/// of residence change `target` (`expected`).
pub fn amended_previous_differs(expected: Option<&Code>, target: &crate::RecordId) -> Reason {
    Reason::AmendedPrevious {
        expected: expected.cloned(),
        target: target.clone(),
    }
}

fn not_held(field: &str, id: &crate::RecordId) -> ValidationError {
    ValidationError::new(field, Reason::NotHeld { id: id.clone() })
}

/// Settles the places of a record written here about the person whose
/// records held here are `context`: returns its origin and residence, and
/// completes `body` (a correction's previous residence, the previous
/// residence of a residence change or of an amended one). `origin` and
/// `residence` are what the operator gave (`None`: left out). See the
/// module docs for the rules; a place given that breaks them is refused,
/// and so is a missing origin except for a correction or an acknowledgement.
///
/// Bodies for which [`crate::workflow::needs_context`] is false need no context.
pub fn settle(
    origin: Option<Code>,
    residence: Option<Code>,
    body: &mut Body,
    context: &[Record],
) -> Result<(Code, Option<Code>), ValidationError> {
    let find = |id: &crate::RecordId| context.iter().find(|r| &r.id == id);
    let required = |origin: Option<Code>| {
        origin.ok_or_else(|| ValidationError::new("origin", Reason::OriginRequired))
    };
    match body {
        Body::Correction(c) => {
            let target = find(&c.target).ok_or_else(|| not_held("correction.target", &c.target))?;
            let want = Places::of(target);
            let given = Given {
                origin,
                residence,
                previous_residence: c.previous_residence.take(),
            };
            let id = c.target.clone();
            let places = follow(given, &want, "correction.previous_residence", |d| {
                correction_differs(d, &id)
            })?;
            c.previous_residence = places.previous_residence;
            if let (Some(amended), Body::ResidenceChanged(was)) =
                (c.amended.as_deref_mut(), &target.body)
                && let Body::ResidenceChanged(b) = amended
            {
                match &b.previous_residence {
                    None => b.previous_residence = was.previous_residence.clone(),
                    Some(p) if Some(p) != was.previous_residence.as_ref() => {
                        return Err(ValidationError::new(
                            "correction.amended.previous_residence",
                            amended_previous_differs(was.previous_residence.as_ref(), &id),
                        ));
                    }
                    Some(_) => {}
                }
            }
            Ok((places.origin, places.residence))
        }
        Body::InflowAcknowledged(b) => {
            let inflow =
                find(&b.inflow).ok_or_else(|| not_held("inflow_acknowledged.inflow", &b.inflow))?;
            let want = Places {
                previous_residence: None,
                ..Places::of(inflow)
            };
            let given = Given {
                origin,
                residence,
                previous_residence: None,
            };
            let places = follow(given, &want, "inflow_acknowledged", |d| {
                ack_differs(d, &b.inflow)
            })?;
            Ok((places.origin, places.residence))
        }
        Body::Returned(_) => {
            let origin = required(origin)?;
            let current = current_residence(context);
            match (residence, current) {
                (Some(given), Some(current)) if given != current => Err(ValidationError::new(
                    "residence",
                    Reason::ReturnPlace {
                        found: given,
                        current,
                    },
                )),
                (Some(given), _) => Ok((origin, Some(given))),
                (None, current) => Ok((origin, current)),
            }
        }
        Body::ResidenceChanged(b) => {
            let origin = required(origin)?;
            let current = current_residence(context).filter(|c| Some(c) != residence.as_ref());
            match (&b.previous_residence, current) {
                (Some(given), Some(current)) if *given != current => Err(ValidationError::new(
                    "residence_changed.previous_residence",
                    Reason::PreviousPlace {
                        found: given.clone(),
                        current,
                    },
                )),
                (Some(_), _) => Ok((origin, residence)),
                (None, current) => {
                    b.previous_residence = current;
                    Ok((origin, residence))
                }
            }
        }
        _ => Ok((required(origin)?, residence)),
    }
}

/// The person's current residence as derived from the records held here.
fn current_residence(context: &[Record]) -> Option<Code> {
    PersonView::derive(context).and_then(|v| v.residence)
}

#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;
