//! The command line in the operator's language: the localisation lives
//! with the catalogue (`liudong_i18n::cli`); the tests here hold it to this
//! binary's commands.

pub use liudong_i18n::cli::*;

#[cfg(test)]
mod tests;
