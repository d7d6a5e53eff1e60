//! Ledgers in and out (docs/ledgers.md): `liudong import` reads the migrant
//! ledgers (流动人口台账) cadres keep in Excel — title rows, grouped headers,
//! addresses instead of codes — into records, and `liudong export` writes
//! the operator views back out as spreadsheets. Everything an operator reads
//! comes from the message catalogue (`liudong-i18n`, `ledger.ftl`).
//!
//! Invariants:
//! - Every row is checked with the core's validation and workflow rules
//!   before anything is written; a file with errors writes nothing unless
//!   the operator asks to skip the invalid rows (which are then written,
//!   with their reasons, to a rejects file).
//! - An address becomes a code only when it names exactly one village (in
//!   the importing node's jurisdiction, or elsewhere by its full path); an
//!   ambiguous or unknown address rejects the row with the candidates.
//! - A numeric cell of 16 or more digits is never taken for a citizen ID
//!   (Excel has lost its last digits), and no check digit is ever proposed.
//! - Records are written through `NodeAccess` (the running node or its
//!   store), in transactions that skip records identical to ones held, so
//!   importing a file again adds nothing twice.
//! - Exports come from the audited operator queries: every person exported
//!   is recorded as viewed.
//!
//! Modules, in the order a ledger goes through them: [`read`] (file → rows
//! of cells), [`header`] (title rows and one- or two-row headers →
//! [`columns`]), [`rows`] (a row → records, with [`values`] for cells and
//! [`place`] for codes and addresses), [`import`]; [`export`] and [`write`]
//! for the other direction; [`words`] and [`table`] for what is printed.

pub mod columns;
pub mod error;
pub mod export;
pub mod header;
pub mod import;
pub mod place;
pub mod read;
pub mod rows;
pub mod table;
pub mod values;
pub mod words;
pub mod write;

pub use error::LedgerError;
