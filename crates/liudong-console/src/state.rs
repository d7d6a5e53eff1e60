//! What the router (`server.rs`) and the pages (`pages.rs`) share: the
//! console's state, the request as a page sees it, and a page's failure.

use crate::operators::{self, OperatorsFile};
use crate::render::Lang;
use crate::session::Sessions;
use axum::http::{Method, StatusCode};
use liudong_sync::Node;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The console of one node.
pub struct Console {
    pub(crate) node: Arc<Node>,
    pub(crate) sessions: Sessions,
    pub(crate) operators: OperatorsFile,
    pub(crate) thresholds: liudong_core::overdue::Thresholds,
    /// Cookies carry `Secure` (the console is served over TLS).
    pub(crate) secure: bool,
    pub(crate) node_label: String,
}

impl Console {
    /// The console of `node` as configured in `cfg` (`None` without
    /// `[console]`).
    pub fn new(node: Arc<Node>, cfg: &liudong_node::config::NodeConfig) -> Option<Arc<Console>> {
        let opts = cfg.console.clone()?;
        let code = node.scope().code.to_string();
        let name = crate::render::division_name(&code);
        Some(Arc::new(Console {
            sessions: Sessions::new(opts),
            operators: OperatorsFile::new(operators::path(&cfg.data_dir)),
            thresholds: cfg.thresholds,
            secure: cfg.net.tls.is_some(),
            node_label: format!("{code} {name}").trim().to_string(),
            node,
        }))
    }
}

/// A parsed request.
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
    pub(crate) cookies: HashMap<String, String>,
    pub lang: Lang,
    /// Path and query without `lang`, for the language switch.
    pub here: String,
    pub(crate) peer: SocketAddr,
    /// False when an `Origin` or `Sec-Fetch-Site` header says cross-site.
    pub(crate) same_origin: bool,
}

impl Req {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn field(&self, k: &str) -> &str {
        self.form
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A page's failure, shown as a friendly page.
#[derive(Debug)]
pub(crate) struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }
}
