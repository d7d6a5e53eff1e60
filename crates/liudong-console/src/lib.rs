//! The web console (控制台): a small HTTPS site served by the node for its
//! operators — overview, the work lists (overdue items, with a download),
//! forms for the records written every week, the monthly report with its
//! drill-down and chart, the sync picture of the units below, a person's
//! view, and the accounts page for administrators. Pages are rendered on
//! the server from the message catalogue (Chinese, English on request),
//! with CSS embedded in the binary and no script, so it works on a closed
//! network.
//!
//! Invariants:
//! - Served over TLS with the node's own certificate; plaintext only for an
//!   `insecure` (loopback test) node, and then only on loopback.
//! - Every page but the login form needs a session; every page showing
//!   personal data goes through `liudong_node::query::run`, which writes the
//!   `Viewed` audit entry with the operator's name (`console:NAME`).
//! - Every POST carries a CSRF token; cookies are HttpOnly, SameSite=Strict
//!   and (over TLS) Secure.
//! - An account belongs to a unit (a division code at or under the node's):
//!   it sees and writes only the people of that unit
//!   (`liudong_node::query::run_as`); records are written through the
//!   node's own write path (`Node::write_local`), as `liudong record add`.
//!
//! See docs/console.md.

mod accounts;
mod error;
mod forms;
mod lists;
mod nodes_page;
pub mod operators;
mod pages;
mod people;
mod picker;
mod render;
mod report_page;
mod server;
mod session;
mod state;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use liudong_node::config::{ConsoleOptions, ConsoleSection};

pub use error::ConsoleError;
pub use server::{serve, start};
pub use state::Console;
pub use state::audit_name;

/// The operators file in the node's data directory (mode 0600).
pub const OPERATORS_FILE: &str = "console-operators.json";
