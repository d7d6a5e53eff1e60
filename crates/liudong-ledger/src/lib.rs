//! Ledgers in and out (docs/ledgers.md): `liudong import` reads the migrant
//! ledgers (流动人口台账) county operators keep in Excel into records, and
//! `liudong export` writes the operator views back out as spreadsheets.

pub mod columns;
pub mod error;
pub mod export;
pub mod import;
pub mod read;
pub mod rows;
pub mod write;

pub use error::LedgerError;
