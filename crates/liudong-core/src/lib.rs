//! Liudong's pure domain model.
//!
//! This crate owns the meaning of things: division codes and the jurisdiction
//! tree, the addresses that name them, citizen IDs, dates, the hybrid logical
//! clock, records and their bodies, the routing rules that decide which node is
//! entitled to which record, validation, and the derived person view.
//!
//! Invariants:
//! - No I/O, no async, no global state: every function's result depends only on
//!   its inputs (the wall clock is always passed in).
//! - Every type that crosses a trust boundary has a checked constructor
//!   (`parse`/`new`) and an error that names the field and the reason.

pub mod address;
pub mod citizen;
pub mod code;
pub mod date;
pub mod divisions;
pub mod hex;
pub mod hlc;
pub mod overdue;
pub mod placing;
pub mod population;
pub mod reason;
pub mod record;
pub mod report;
pub mod routing;
pub mod synth;
pub mod validate;
pub mod view;
pub mod workflow;

pub use citizen::CitizenId;
pub use code::{Code, CodeError, Level};
pub use date::{Date, Quarter};
pub use hlc::{ClockComparison, Hlc, HlcClock, SkewError};
pub use record::{Body, Record, RecordId};
pub use routing::{Crossing, Link, NodeKind, NodeScope};
pub use validate::{Reason, ValidationError};
pub use view::{PersonView, ViewFold};
