//! Test helpers: a console over a fresh store with given accounts, and
//! requests sent through its router without a network (tower's `oneshot`).

use crate::operators::{self, Operators, Role};
use crate::state::Console;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

pub const NAME: &str = "wang.li";
pub const PASSWORD: &str = "correct horse battery";

/// A console over an empty store of the node `code`, with the accounts
/// `(name, unit, role)` (password [`PASSWORD`]; no unit: the whole node).
pub fn console(
    dir: &std::path::Path,
    code: &str,
    accounts: &[(&str, Option<&str>, Role)],
    secure: bool,
) -> Arc<Console> {
    let node_code = liudong_core::Code::parse(code).unwrap();
    let scope = liudong_core::NodeScope::for_code(node_code.clone()).unwrap();
    let store =
        liudong_store::Store::open(&dir.join("store"), scope, None, &Default::default()).unwrap();
    let node = liudong_sync::Node::new(
        Arc::new(store),
        Default::default(),
        liudong_sync::system_clock(),
    );
    let path = operators::path(dir);
    let mut ops = Operators::default();
    for (name, unit, role) in accounts {
        ops.set(name, PASSWORD, 1).unwrap();
        if let Some(u) = unit {
            ops.set_account(name, u, *role, &node_code).unwrap();
        } else if *role == Role::Admin {
            ops.set_account(name, code, *role, &node_code).unwrap();
        }
    }
    ops.save(&path).unwrap();
    Arc::new(Console {
        node,
        sessions: crate::session::Sessions::new(liudong_node::config::ConsoleOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            idle_timeout: Duration::from_secs(900),
            max_session: Duration::from_secs(3600),
            max_failed_logins: 5,
            lockout: Duration::from_secs(900),
        }),
        operators: crate::operators::OperatorsFile::new(path),
        thresholds: Default::default(),
        secure,
        node_label: code.into(),
    })
}

/// A request with `cookies` and, for a body, a form.
pub fn request(method: &str, uri: &str, cookies: &str, form: Option<String>) -> Request {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "410602.node.liudong:8443");
    if !cookies.is_empty() {
        b = b.header(header::COOKIE, cookies);
    }
    match form {
        Some(f) => b
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(f))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

pub async fn send(c: &Arc<Console>, req: Request) -> Response {
    crate::server::router(c.clone()).oneshot(req).await.unwrap()
}

pub async fn body(r: Response) -> String {
    let b = axum::body::to_bytes(r.into_body(), 1 << 22).await.unwrap();
    String::from_utf8(b.to_vec()).unwrap()
}

pub fn cookies(r: &Response) -> Vec<String> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// The session cookie and CSRF token of a fresh session of `name`.
pub fn session_of(c: &Console, name: &str) -> (String, String) {
    let (token, s) = c.sessions.create(name, c.node.now_ms());
    (format!("ld_session={token}"), s.csrf)
}

/// `pairs` as a form body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", crate::render::url(k), crate::render::url(v)))
        .collect::<Vec<_>>()
        .join("&")
}
