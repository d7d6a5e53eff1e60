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

pub mod operators;
mod pages;
mod render;
mod server;
mod session;

pub use liudong_node::config::{ConsoleOptions, ConsoleSection};

pub use pages::audit_name;
pub use server::{Console, serve};

/// The operators file in the node's data directory (mode 0600).
pub const OPERATORS_FILE: &str = "console-operators.json";

/// Starts the web console on `running` if `[console]` is configured: HTTPS
/// with the node's certificate, or plaintext on loopback for an `insecure`
/// node. Sets and returns the bound address; the console is one of the
/// node's tasks, so the node's shutdown stops it.
pub async fn start(
    running: &mut liudong_node::runner::RunningNode,
    cfg: &liudong_node::config::NodeConfig,
) -> anyhow::Result<Option<std::net::SocketAddr>> {
    use anyhow::Context;
    let Some(console) = Console::new(running.node.clone(), cfg) else {
        return Ok(None);
    };
    let addr = cfg
        .console
        .as_ref()
        .map(|c| c.listen)
        .expect("console configured");
    let tls = match &cfg.net.tls {
        Some(t) => Some(
            t.browser_server_config()
                .context("[console]: the node's [tls] certificate cannot serve HTTPS")?,
        ),
        None if addr.ip().is_loopback() => {
            tracing::warn!(%addr, "console served WITHOUT TLS (insecure = true, loopback only); configure [tls] for real use");
            None
        }
        None => anyhow::bail!(
            "[console] listen = {addr}: the console needs the node's [tls] certificate (HTTPS); without [tls] (insecure = true) it may only listen on loopback"
        ),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ([console] listen)"))?;
    let bound = listener.local_addr()?;
    running.spawn(serve(listener, console, tls, running.cancel_token()));
    running.console_addr = Some(bound);
    tracing::info!(node = %running.node.scope().code, console = %bound, "console started");
    Ok(Some(bound))
}
