//! What the router (`server.rs`) and the pages share: the console's state,
//! the request as a page sees it, the logged-in operator ([`Viewer`]), a
//! page's result and failure, and the audited queries the pages ask.

use crate::operators::{self, OperatorsFile};
use crate::render::{Lang, esc};
use crate::session::Sessions;
use axum::http::{Method, StatusCode};
use liudong_core::Code;
use liudong_i18n::t_in;
use liudong_node::query::{self, Answer, Query, QueryError};
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
        let code = node.scope().code.clone();
        let name = liudong_node::worklist::place_name(&code, &code);
        Some(Arc::new(Console {
            sessions: Sessions::new(opts),
            operators: OperatorsFile::new(operators::path(&cfg.data_dir)),
            thresholds: cfg.thresholds,
            secure: cfg.net.tls.is_some(),
            node_label: format!("{code} {name}").trim().to_string(),
            node,
        }))
    }

    /// The node's own code.
    pub(crate) fn code(&self) -> &Code {
        &self.node.scope().code
    }

    /// Answers `v`'s query over `v`'s unit; the audit trail records the
    /// persons shown as viewed by `console:NAME`.
    pub(crate) fn ask(&self, v: &Viewer, q: &Query) -> Result<Answer, QueryError> {
        query::run_as(
            self.node.store(),
            &v.audit_name(),
            &v.unit,
            q,
            self.node.now_ms(),
        )
    }
}

/// The logged-in operator: their account's unit and role, and the CSRF
/// token of their session's forms.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub name: String,
    /// The division whose people the account sees and writes.
    pub unit: Code,
    pub admin: bool,
    pub csrf: String,
}

impl Viewer {
    /// The operator as the audit trail and the records name a console user.
    pub fn audit_name(&self) -> String {
        audit_name(&self.name)
    }
}

/// The operator as the audit trail and the records name a console user.
pub fn audit_name(operator: &str) -> String {
    format!("console:{operator}")
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

    /// A value of the form (POST) or, without one, of the query (GET).
    pub(crate) fn value(&self, k: &str) -> Option<&str> {
        if self.method == Method::POST {
            self.form
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        } else {
            self.param(k)
        }
    }
}

/// A page to show: its title, its navigation entry and its body (HTML).
pub(crate) struct Shown {
    pub title: String,
    pub nav: &'static str,
    pub body: String,
    pub status: StatusCode,
}

impl Shown {
    pub fn new(title: String, nav: &'static str, body: String) -> Shown {
        Shown {
            title,
            nav,
            body,
            status: StatusCode::OK,
        }
    }
}

pub(crate) type Page = Result<Shown, PageError>;

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

    /// A failure to read this node's data (the details go to the log only).
    pub fn store(lang: Lang, e: impl std::fmt::Display) -> PageError {
        tracing::error!(error = %e, "console: reading the store failed");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            t_in!(lang, "console-error-store"),
        )
    }

    /// A query's failure: what was asked is wrong or not there (said in
    /// the page's language), or the store failed.
    pub fn query(lang: Lang, e: QueryError) -> PageError {
        match e {
            QueryError::Bad(m) => {
                tracing::debug!(reason = %m, "console: query refused");
                PageError::new(StatusCode::BAD_REQUEST, t_in!(lang, "console-error-bad"))
            }
            QueryError::NotFound(_) => {
                PageError::new(StatusCode::NOT_FOUND, t_in!(lang, "console-error-not-held"))
            }
            QueryError::Store(e) => PageError::store(lang, e),
        }
    }

    /// The answer of the kind asked for (another kind is a bug, shown as a failure).
    pub fn expect<T>(lang: Lang, a: Answer) -> Result<T, PageError>
    where
        T: TryFrom<Answer, Error = query::WrongAnswer>,
    {
        T::try_from(a).map_err(|e| PageError::store(lang, e))
    }
}

/// A notice box (an error or a confirmation) with an id for tests.
pub(crate) fn notice(id: &str, class: &str, text: &str) -> String {
    format!(
        "<div class=\"notice {class}\" id=\"{id}\"><p>{}</p></div>",
        esc(text)
    )
}
