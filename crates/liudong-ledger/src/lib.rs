//! Ledgers in and out (docs/ledgers.md): `liudong import` reads the migrant
//! ledgers (流动人口台账) county operators keep in Excel into records, and
//! `liudong export` writes the operator views back out as spreadsheets.
//!
//! Invariants:
//! - Every row is checked with the core's validation and workflow rules
//!   before anything is written; a file with errors writes nothing unless
//!   the operator asks to skip the invalid rows (which are then written,
//!   with their reasons, to a rejects file).
//! - Records are written through `NodeAccess` (the running node or its
//!   store), in transactions that skip records identical to ones held, so
//!   importing a file again adds nothing twice.
//! - Exports come from the audited operator queries: every person exported
//!   is recorded as viewed.

pub mod columns;
pub mod error;
pub mod export;
pub mod import;
pub mod read;
pub mod rows;
pub mod write;

pub use error::LedgerError;
