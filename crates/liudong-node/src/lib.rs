//! A running Liudong node: its configuration (TOML, environment overrides,
//! validation), the runner that starts and stops it (store, sync and verify
//! services, the upstream link, the admin service, the metrics endpoint),
//! the admin service, the operator queries over derived state, status and
//! metrics, and the access of operator commands to a running or stopped node.
//!
//! Invariants:
//! - A configuration that cannot work is refused at start, naming the field
//!   and what to do; nothing is started from an unvalidated config.
//! - Operator commands reach a node through one of two doors only
//!   ([`access::NodeAccess`]): the running node's loopback admin service, or
//!   the stopped node's store; both run the same library functions and
//!   answer the same types, so both write the same audit trail.
//! - The admin service's replies are protobuf messages converted to and
//!   from the Rust types in one place ([`wire`]); JSON is produced only for
//!   an operator who asks for it (`--json`), by serde from those types.
//! - Errors are typed ([`config::ConfigError`], [`error::NodeError`],
//!   [`access::AccessError`], [`query::QueryError`]): their messages say
//!   what is wrong and what to do, causes follow as sources.

pub mod access;
pub mod admin;
pub mod config;
pub mod error;
pub mod metrics_http;
pub mod monitoring;
pub mod progress;
pub mod query;
pub mod recover;
pub mod report;
pub mod resend;
pub mod runner;
pub mod status;
pub mod text;
pub mod wire;
pub mod worklist;

pub use access::{AccessError, NodeAccess};
pub use config::ConfigError;
pub use error::NodeError;
