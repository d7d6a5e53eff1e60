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
//!   personal data goes through `liudong_sync::query::run`, which writes the
//!   `Viewed` audit entry with the operator's name (`console:NAME`).
//! - Every POST carries a CSRF token; cookies are HttpOnly, SameSite=Strict
//!   and (over TLS) Secure.
//!
//! See docs/console.md.

pub mod operators;
mod pages;
mod render;
mod server;
mod session;

use anyhow::{Result, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;

pub use pages::audit_name;
pub use server::{Console, serve};

/// The operators file in the node's data directory (mode 0600).
pub const OPERATORS_FILE: &str = "console-operators.json";

/// `[console]`: the web console. Absent: no console.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    /// Address the console listens on, e.g. `127.0.0.1:8443` (HTTPS with the
    /// node's `[tls]` certificate).
    pub listen: String,
    /// A session unused for this long ends, seconds. Default 900 (15 minutes).
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u64,
    /// A session ends this long after login, used or not, seconds. Default 28800 (8 hours).
    #[serde(default = "default_max_session")]
    pub max_session_secs: u64,
    /// Failed logins for one operator name before logins under that name are
    /// refused for `lockout_secs`. Default 5.
    #[serde(default = "default_max_failures")]
    pub max_failed_logins: u32,
    /// How long logins under a name stay refused after too many failures, seconds. Default 900.
    #[serde(default = "default_lockout")]
    pub lockout_secs: u64,
}

fn default_idle() -> u64 {
    900
}
fn default_max_session() -> u64 {
    8 * 3600
}
fn default_max_failures() -> u32 {
    5
}
fn default_lockout() -> u64 {
    900
}

/// Validated `[console]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleOptions {
    pub listen: SocketAddr,
    pub idle_timeout: Duration,
    pub max_session: Duration,
    pub max_failed_logins: u32,
    pub lockout: Duration,
}

impl ConsoleSection {
    /// Checks the section; `tls` says whether the node has a `[tls]` identity
    /// (without one the node is `insecure` and the console stays on loopback).
    pub fn validate(&self, tls: bool) -> Result<ConsoleOptions> {
        let listen: SocketAddr = self.listen.parse().map_err(|_| {
            anyhow::anyhow!(
                "[console] listen = {:?} is not an address like 127.0.0.1:8443",
                self.listen
            )
        })?;
        if !tls && !listen.ip().is_loopback() {
            bail!(
                "[console] listen = {listen}: the console is served over HTTPS with the node's [tls] certificate; this node has no [tls] (insecure = true), so the console may only listen on a loopback address such as 127.0.0.1:8443"
            );
        }
        if !(60..=86_400).contains(&self.idle_timeout_secs) {
            bail!(
                "[console] idle_timeout_secs = {}: expected 60 to 86400",
                self.idle_timeout_secs
            );
        }
        if self.max_session_secs < self.idle_timeout_secs || self.max_session_secs > 7 * 86_400 {
            bail!(
                "[console] max_session_secs = {}: expected at least idle_timeout_secs ({}) and at most 604800 (a week)",
                self.max_session_secs,
                self.idle_timeout_secs
            );
        }
        if !(1..=100).contains(&self.max_failed_logins) {
            bail!(
                "[console] max_failed_logins = {}: expected 1 to 100",
                self.max_failed_logins
            );
        }
        if !(1..=86_400).contains(&self.lockout_secs) {
            bail!(
                "[console] lockout_secs = {}: expected 1 to 86400",
                self.lockout_secs
            );
        }
        Ok(ConsoleOptions {
            listen,
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_session: Duration::from_secs(self.max_session_secs),
            max_failed_logins: self.max_failed_logins,
            lockout: Duration::from_secs(self.lockout_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(extra: &str) -> Result<ConsoleOptions> {
        let s: ConsoleSection = toml::from_str(&format!("listen = \"127.0.0.1:8443\"\n{extra}"))?;
        s.validate(true)
    }

    #[test]
    fn defaults_and_limits() {
        let o = section("").unwrap();
        assert_eq!(o.idle_timeout, Duration::from_secs(900));
        assert_eq!(o.max_session, Duration::from_secs(8 * 3600));
        assert_eq!((o.max_failed_logins, o.lockout.as_secs()), (5, 900));
        let e = section("idle_timeout_secs = 10").unwrap_err();
        assert!(format!("{e:#}").contains("idle_timeout_secs = 10"), "{e:#}");
        let e = section("idle_timeout_secs = 600\nmax_session_secs = 300").unwrap_err();
        assert!(format!("{e:#}").contains("max_session_secs"), "{e:#}");
        let e = section("max_failed_logins = 0").unwrap_err();
        assert!(format!("{e:#}").contains("max_failed_logins"), "{e:#}");
        let e: ConsoleSection = toml::from_str("listen = \"nowhere\"").unwrap();
        assert!(format!("{:#}", e.validate(true).unwrap_err()).contains("not an address"));
    }

    #[test]
    fn the_example_section_in_county_toml_validates() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/county.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let block: String = text
            .lines()
            .skip_while(|l| *l != "# [console]")
            .skip(1)
            .take_while(|l| l.starts_with("# "))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        let s: ConsoleSection = toml::from_str(&block).unwrap();
        let o = s.validate(false).unwrap();
        assert_eq!(o.listen.port(), 8443);
        assert_eq!(o, section("").unwrap(), "the example shows the defaults");
    }

    #[test]
    fn plaintext_console_only_on_loopback() {
        let s: ConsoleSection = toml::from_str("listen = \"0.0.0.0:8443\"").unwrap();
        assert!(s.validate(true).is_ok());
        let e = s.validate(false).unwrap_err();
        assert!(format!("{e:#}").contains("loopback"), "{e:#}");
    }
}
