//! The web console (控制台): a small HTTPS site served by the node for its
//! operators — overview, lower nodes and their sync state, the monthly
//! report with a chart, the overdue lists and a person's view. Pages are
//! rendered on the server (Chinese, English on request), with CSS embedded
//! in the binary and no script, so it works on a closed network.
//!
//! Invariants:
//! - Served over TLS with the node's own certificate; plaintext only for an
//!   `insecure` (loopback test) node, and then only on loopback.
//! - Every page but the login form needs a session; every page showing
//!   personal data goes through `liudong_node::query::run`, which writes the
//!   `Viewed` audit entry with the operator's name (`console:NAME`).
//! - Every POST carries a CSRF token; cookies are HttpOnly, SameSite=Strict
//!   and (over TLS) Secure.
//!
//! See docs/console.md.

mod error;
pub mod operators;
mod pages;
mod render;
mod server;
mod session;
mod state;

pub use liudong_node::config::{ConsoleOptions, ConsoleSection};

pub use error::ConsoleError;
pub use pages::audit_name;
pub use server::{serve, start};
pub use state::Console;

/// The operators file in the node's data directory (mode 0600).
pub const OPERATORS_FILE: &str = "console-operators.json";
