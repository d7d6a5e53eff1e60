//! The Liudong node binary's library half: configuration, the node runner
//! (store + sync service + admin service + link driver, with orderly
//! shutdown), the local demo topology, and the CLI commands. `main.rs` only
//! parses arguments and sets up tracing.

pub mod bench;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod demo_tls;
pub mod enrol_file;
pub mod init;
pub mod ledger;
pub mod monitoring;
pub mod progress;
pub mod report_cmd;
pub mod runner;
pub mod security;
pub mod seed;
