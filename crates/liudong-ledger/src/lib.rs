//! Ledgers in and out (docs/ledgers.md): `liudong import` reads the migrant
//! ledgers (流动人口台账) cadres keep in Excel — title rows, grouped headers,
//! addresses instead of codes — into records, and `liudong export` writes
//! the operator views back out as spreadsheets. Everything an operator reads
//! comes from the message catalogue (`liudong-i18n`, `ledger.ftl`).
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
