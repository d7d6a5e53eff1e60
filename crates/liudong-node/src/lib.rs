//! A running Liudong node: its configuration (TOML, environment overrides,
//! validation), the runner that starts and stops it (store, sync and verify
//! services, the upstream link, the admin service, the metrics endpoint),
//! the admin service, the operator queries over derived state, status and
//! metrics, and the access of operator commands to a running or stopped node.
//!
//! Invariants:
//! - A configuration that cannot work is refused at start, naming the field
//!   and what to do; nothing is started from an unvalidated config.
//! - Operator commands reach a node through one of two doors only: the
//!   running node's loopback admin service, or the stopped node's store;
//!   both run the same library functions, so both write the same audit trail.
//! - Errors are typed ([`config::ConfigError`], [`error::NodeError`]): their
//!   messages say what is wrong and what to do, causes follow as sources.

pub mod access;
pub mod admin;
pub mod config;
pub mod error;
pub mod metrics_http;
pub mod monitoring;
pub mod progress;
pub mod query;
pub mod report;
pub mod runner;
pub mod status;

pub use config::ConfigError;
pub use error::NodeError;
