//! The console's HTTP side: an axum router (routes, cookies, forms, CSRF,
//! login and logout, security headers), served over TLS with the node's
//! certificate by `liudong_net::http`. The pages themselves are in
//! `pages.rs`.
//!
//! What a request gets:
//! - `GET /console.css`, `GET /favicon.ico` (404), `GET /login` (the form, or
//!   `/` when logged in), `POST /login`: no session needed.
//! - Every other request needs a session: without one, `GET` and `HEAD` are
//!   sent to `/login` and other methods get the login form (403).
//! - With a session, every `POST` must carry the session's CSRF token and
//!   come from this site (else 403); `POST /logout` ends the session, other
//!   POSTs are 404. `GET` of a page renders it (unknown pages 404); other
//!   methods, `HEAD` included, are 405.
//! - Every response carries `Cache-Control: no-store` (the stylesheet
//!   excepted), a strict Content-Security-Policy, `X-Frame-Options: DENY`,
//!   `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`;
//!   `?lang=` on any request sets the language cookie.

use crate::error::ConsoleError;
use crate::operators;
use crate::pages;
use crate::render::{Frame, Lang, esc, page};
use crate::session::{Refusal, Session};
use crate::state::{Console, Req};
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use liudong_net::http::{ClientAddr, HttpOptions, serve_http};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const CSS: &str = include_str!("console.css");
/// Largest request body (forms are tiny).
const MAX_BODY: usize = 16 << 10;
/// A TLS handshake, and a request's headers, must arrive within this time.
const READ_TIMEOUT: Duration = Duration::from_secs(20);
const SESSION_COOKIE: &str = "ld_session";
const LOGIN_COOKIE: &str = "ld_login";
const LANG_COOKIE: &str = "ld_lang";
/// The pages `pages::render` draws.
const PAGES: [&str; 5] = ["/", "/nodes", "/report", "/overdue", "/person"];

/// The console's routes over `console`.
pub(crate) fn router(console: Arc<Console>) -> Router {
    let mut r = Router::new()
        .route("/console.css", get_only(css))
        .route("/favicon.ico", get_only(favicon))
        .route("/login", get_only(login_page).post(login))
        .route("/logout", post(logout));
    for path in PAGES {
        r = r.route(path, get_only(show_page));
    }
    r.fallback(refuse)
        .method_not_allowed_fallback(refuse)
        .layer(middleware::from_fn_with_state(console.clone(), finish))
        .with_state(console)
}

/// `GET` only: a `HEAD` is treated as any other method (see [`refuse`]).
fn get_only<H, T>(handler: H) -> MethodRouter<Arc<Console>>
where
    H: axum::handler::Handler<T, Arc<Console>>,
    T: 'static,
{
    get(handler).head(refuse)
}

/// Serves the console on `listener` until `cancel`; with `tls`, HTTPS only.
pub async fn serve(
    listener: TcpListener,
    console: Arc<Console>,
    tls: Option<Arc<rustls::ServerConfig>>,
    cancel: CancellationToken,
) {
    let opts = HttpOptions {
        name: "console",
        read_timeout: READ_TIMEOUT,
        connection_timeout: None,
        keep_alive: true,
        title_case_headers: false,
        max_head_bytes: None,
        max_connections: None,
        shutdown_grace: Duration::from_secs(5),
    };
    serve_http(listener, router(console), tls, opts, cancel).await;
}

/// Starts the web console on `running` if `[console]` is configured: HTTPS
/// with the node's certificate, or plaintext on loopback for an `insecure`
/// node. Sets and returns the bound address; the console is one of the
/// node's tasks, so the node's shutdown stops it.
pub async fn start(
    running: &mut liudong_node::runner::RunningNode,
    cfg: &liudong_node::config::NodeConfig,
) -> Result<Option<SocketAddr>, ConsoleError> {
    let Some(console) = Console::new(running.node.clone(), cfg) else {
        return Ok(None);
    };
    let addr = cfg
        .console
        .as_ref()
        .map(|c| c.listen)
        .expect("console configured");
    let tls = match &cfg.net.tls {
        Some(t) => Some(t.browser_server_config().map_err(ConsoleError::Tls)?),
        None if addr.ip().is_loopback() => {
            tracing::warn!(%addr, "console served WITHOUT TLS (insecure = true, loopback only); configure [tls] for real use");
            None
        }
        None => return Err(ConsoleError::NeedsTls(addr)),
    };
    let listen = |source| ConsoleError::Listen { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(listen)?;
    let bound = listener.local_addr().map_err(listen)?;
    running.spawn(serve(listener, console, tls, running.cancel_token()));
    running.console_addr = Some(bound);
    tracing::info!(node = %running.node.scope().code, console = %bound, "console started");
    Ok(Some(bound))
}

/// Decodes `a=b&c=d` (application/x-www-form-urlencoded).
fn decode_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |x: &str| {
                percent_encoding::percent_decode_str(&x.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (d(k), d(v))
        })
        .collect()
}

/// The language a request's `?lang=` asks for.
fn lang_param(uri: &Uri) -> Option<Lang> {
    decode_pairs(uri.query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

/// A request as the pages see it: cookies, query, language, where it came
/// from and, for a `POST`, its form (a body beyond [`MAX_BODY`] is refused
/// with 413).
impl FromRequest<Arc<Console>> for Req {
    type Rejection = Response;

    async fn from_request(req: Request, _: &Arc<Console>) -> Result<Req, Response> {
        let (parts, body) = req.into_parts();
        let peer = parts
            .extensions
            .get::<ClientAddr>()
            .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |a| a.0);
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_ok = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .is_none_or(|o| o.split_once("://").is_some_and(|(_, h)| h == host));
        let fetch_ok = parts
            .headers
            .get("sec-fetch-site")
            .and_then(|o| o.to_str().ok())
            .is_none_or(|s| s == "same-origin" || s == "none");
        let mut cookies = HashMap::new();
        for h in parts.headers.get_all(header::COOKIE) {
            for c in h.to_str().unwrap_or("").split(';') {
                if let Some((k, v)) = c.trim().split_once('=') {
                    cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        let query = decode_pairs(parts.uri.query().unwrap_or(""));
        let lang = lang_param(&parts.uri)
            .or_else(|| cookies.get(LANG_COOKIE).and_then(|v| Lang::parse(v)))
            .unwrap_or(Lang::Zh);
        let rest: Vec<String> = query
            .iter()
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| format!("{}={}", crate::render::url(k), crate::render::url(v)))
            .collect();
        let path = parts.uri.path().to_string();
        let here = if rest.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", rest.join("&"))
        };
        let form = if parts.method == Method::POST {
            match axum::body::to_bytes(body, MAX_BODY).await {
                Ok(b) => decode_pairs(&String::from_utf8_lossy(&b)),
                Err(_) => {
                    return Err(respond(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "text/plain; charset=utf-8",
                        "request too large".into(),
                    ));
                }
            }
        } else {
            Vec::new()
        };
        Ok(Req {
            method: parts.method,
            path,
            query,
            form,
            cookies,
            lang,
            here,
            peer,
            same_origin: origin_ok && fetch_ok,
        })
    }
}

/// Every response: the security headers (where the handler set none of its
/// own) and, after `?lang=`, the language cookie.
async fn finish(State(c): State<Arc<Console>>, req: Request, next: Next) -> Response {
    let lang = lang_param(req.uri());
    let mut resp = next.run(req).await;
    security_headers(resp.headers_mut());
    if let Some(l) = lang {
        resp.headers_mut().append(
            header::SET_COOKIE,
            c.cookie(LANG_COOKIE, l.code(), Some(365 * 86_400)),
        );
    }
    resp
}

fn security_headers(h: &mut HeaderMap) {
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in fixed {
        h.entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

fn html(status: StatusCode, body: String) -> Response {
    respond(status, "text/html; charset=utf-8", body)
}

fn redirect(to: &'static str) -> Response {
    let mut r = respond(
        StatusCode::SEE_OTHER,
        "text/plain; charset=utf-8",
        String::new(),
    );
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    r
}

async fn css() -> Response {
    let mut resp = respond(StatusCode::OK, "text/css; charset=utf-8", CSS.into());
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    resp
}

async fn favicon() -> Response {
    respond(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        String::new(),
    )
}

async fn login_page(State(c): State<Arc<Console>>, r: Req) -> Response {
    if c.session(&r).is_some() {
        return redirect("/");
    }
    c.login_form(&r, StatusCode::OK, None)
}

async fn login(State(c): State<Arc<Console>>, r: Req) -> Response {
    c.login(&r).await
}

async fn logout(State(c): State<Arc<Console>>, r: Req) -> Response {
    let (token, s) = match c.logged_in(&r) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    c.sessions.end(&token);
    tracing::info!(operator = %s.operator, "console: logout");
    let mut resp = redirect("/login");
    resp.headers_mut()
        .append(header::SET_COOKIE, c.cookie(SESSION_COOKIE, "", Some(0)));
    resp
}

/// A page (`GET` with a session), rendered off the async runtime.
async fn show_page(State(c): State<Arc<Console>>, r: Req) -> Response {
    let s = match c.logged_in(&r) {
        Ok((_, s)) => s,
        Err(resp) => return *resp,
    };
    let done = tokio::task::spawn_blocking(move || {
        let out = pages::render(&c, &r, &s);
        (c, r, s, out)
    })
    .await;
    match done {
        Ok((c, r, s, Ok((title, current, body)))) => html(
            StatusCode::OK,
            page(&c.frame(&r, Some(&s), current), &title, &body),
        ),
        Ok((c, r, s, Err(e))) => c.error_page(&r, Some(&s), e.status, &e.message),
        Err(e) => {
            tracing::error!(error = %e, "console: page task failed");
            html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
        }
    }
}

/// Any other request: an unknown path, or a method a path does not take.
/// It needs a session (and a `POST` its CSRF token) like a page; then a
/// `GET` or a `POST` finds no page (404), other methods are not supported
/// (405).
async fn refuse(State(c): State<Arc<Console>>, r: Req) -> Response {
    let s = match c.logged_in(&r) {
        Ok((_, s)) => s,
        Err(resp) => return *resp,
    };
    let (status, message) = match r.method {
        Method::GET | Method::POST => (
            StatusCode::NOT_FOUND,
            r.lang.t("没有这个页面。", "No such page."),
        ),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            r.lang.t("不支持的请求。", "Unsupported request."),
        ),
    };
    c.error_page(&r, Some(&s), status, message)
}

impl Console {
    fn cookie(&self, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if let Some(a) = max_age {
            c.push_str(&format!("; Max-Age={a}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        HeaderValue::from_str(&c).expect("cookie values are hex or fixed words")
    }

    fn frame<'a>(&'a self, r: &'a Req, s: Option<&'a Session>, current: &'a str) -> Frame<'a> {
        Frame {
            lang: r.lang,
            node: &self.node_label,
            operator: s.map(|s| (s.operator.as_str(), s.csrf.as_str())),
            here: &r.here,
            current,
        }
    }

    /// A friendly error page.
    fn error_page(
        &self,
        r: &Req,
        s: Option<&Session>,
        status: StatusCode,
        message: &str,
    ) -> Response {
        let l = r.lang;
        let body = format!(
            "<div class=\"error\" id=\"error\"><p>{}</p><p><a href=\"/\">{}</a></p></div>",
            esc(message),
            l.t("返回概况", "Back to the overview")
        );
        html(
            status,
            page(
                &self.frame(r, s, ""),
                l.t("出错了", "Something went wrong"),
                &body,
            ),
        )
    }

    /// The session of the request, if valid and its operator still exists.
    fn session(&self, r: &Req) -> Option<(String, Session)> {
        let token = r.cookies.get(SESSION_COOKIE)?;
        let s = self.sessions.touch(token, self.node.now_ms())?;
        match self.operators.current() {
            Ok(ops) if ops.get(&s.operator).is_some() => Some((token.clone(), s)),
            Ok(_) => {
                tracing::info!(operator = %s.operator, "console: operator removed; session ended");
                self.sessions.end(token);
                None
            }
            Err(e) => {
                tracing::error!(error = %crate::error::chain(&e), "console: cannot read the operators file");
                None
            }
        }
    }

    /// The session of a request that needs one, and for a `POST` its CSRF
    /// token and origin checked; otherwise the answer: to the login form
    /// without a session, a 403 page for a `POST` that fails the checks.
    fn logged_in(&self, r: &Req) -> Result<(String, Session), Box<Response>> {
        let Some((token, s)) = self.session(r) else {
            return Err(Box::new(match r.method {
                Method::GET | Method::HEAD => redirect("/login"),
                _ => self.login_form(
                    r,
                    StatusCode::FORBIDDEN,
                    Some(r.lang.t(
                        "会话已过期，请重新登录。",
                        "Your session expired; please log in again.",
                    )),
                ),
            }));
        };
        if r.method == Method::POST && (r.field("csrf") != s.csrf || !r.same_origin) {
            return Err(Box::new(self.error_page(
                r,
                Some(&s),
                StatusCode::FORBIDDEN,
                r.lang.t(
                    "表单已过期，请重试。",
                    "The form expired; please try again.",
                ),
            )));
        }
        Ok((token, s))
    }

    fn login_form(&self, r: &Req, status: StatusCode, message: Option<&str>) -> Response {
        let l = r.lang;
        // Keep the token of an earlier form (another tab, or the browser's
        // own requests redirected here) so that every open form stays valid.
        let csrf = r
            .cookies
            .get(LOGIN_COOKIE)
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .cloned()
            .unwrap_or_else(crate::session::token);
        let msg = message
            .map(|m| format!("<p class=\"error\" id=\"login-error\">{}</p>", esc(m)))
            .unwrap_or_default();
        let body = format!(
            "<form class=\"login\" method=\"post\" action=\"/login\">{msg}\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <label>{}<input id=\"name\" name=\"name\" autocomplete=\"username\" required></label>\
             <label>{}<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button id=\"login\" type=\"submit\">{}</button></form>",
            l.t("用户名", "Name"),
            l.t("密码", "Password"),
            l.t("登录", "Log in")
        );
        let mut resp = html(
            status,
            page(&self.frame(r, None, ""), l.t("登录", "Log in"), &body),
        );
        resp.headers_mut().append(
            header::SET_COOKIE,
            self.cookie(LOGIN_COOKIE, &csrf, Some(3600)),
        );
        resp
    }

    async fn login(self: &Arc<Self>, r: &Req) -> Response {
        let l = r.lang;
        let expected = r
            .cookies
            .get(LOGIN_COOKIE)
            .map(String::as_str)
            .unwrap_or("");
        if expected.is_empty() || r.field("csrf") != expected || !r.same_origin {
            return self.login_form(
                r,
                StatusCode::FORBIDDEN,
                Some(l.t(
                    "登录表单已过期，请重新输入。",
                    "The login form expired; please enter your name and password again.",
                )),
            );
        }
        let name = r.field("name").trim().to_string();
        let password = r.field("password").to_string();
        let now = self.node.now_ms();
        if let Err(Refusal::Locked { retry_secs }) = self.sessions.check_allowed(&name, now) {
            tracing::warn!(operator = %name, addr = %r.peer.ip(), "console: login refused, too many failures");
            let msg = match l {
                Lang::Zh => format!(
                    "登录失败次数过多，请 {} 分钟后再试。",
                    retry_secs.div_ceil(60)
                ),
                Lang::En => format!(
                    "Too many failed logins; try again in {} minutes.",
                    retry_secs.div_ceil(60)
                ),
            };
            return self.login_form(r, StatusCode::TOO_MANY_REQUESTS, Some(&msg));
        }
        let ops = match self.operators.current() {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %crate::error::chain(&e), "console: cannot read the operators file");
                return self.error_page(
                    r,
                    None,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    l.t(
                        "操作员文件无法读取，请联系系统管理员（见节点日志）。",
                        "The operators file cannot be read; ask the administrator (see the node's log).",
                    ),
                );
            }
        };
        // An unknown name costs as much as a wrong password.
        let hash = ops
            .get(&name)
            .map(|o| o.hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let ok = tokio::task::spawn_blocking(move || operators::verify_password(&hash, &password))
            .await
            .unwrap_or(false)
            && ops.get(&name).is_some();
        if !ok {
            let n = self.sessions.failed(&name, now);
            tracing::warn!(operator = %name, addr = %r.peer.ip(), failures = n, "console: login failed");
            return self.login_form(
                r,
                StatusCode::UNAUTHORIZED,
                Some(l.t("用户名或密码错误。", "Wrong name or password.")),
            );
        }
        self.sessions.succeeded(&name);
        let (token, _) = self.sessions.create(&name, now);
        tracing::info!(operator = %name, addr = %r.peer.ip(), "console: login");
        let mut resp = redirect("/");
        let h = resp.headers_mut();
        h.append(
            header::SET_COOKIE,
            self.cookie(SESSION_COOKIE, &token, None),
        );
        h.append(header::SET_COOKIE, self.cookie(LOGIN_COOKIE, "", Some(0)));
        resp
    }
}

fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| operators::hash_password("no operator has this password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::Operators;
    use axum::body::Body;
    use tower::ServiceExt;

    #[test]
    fn forms_decode_plus_and_percent() {
        assert_eq!(
            decode_pairs("name=%E7%8E%8B+li&csrf=ab&&x"),
            vec![
                ("name".to_string(), "王 li".to_string()),
                ("csrf".into(), "ab".into()),
                ("x".into(), "".into())
            ]
        );
    }

    const NAME: &str = "wang.li";
    const PASSWORD: &str = "correct horse battery";

    /// A console over an empty county store, with one operator.
    fn console(dir: &std::path::Path, secure: bool) -> Arc<Console> {
        let scope = liudong_core::NodeScope::for_code(liudong_core::Code::parse("410602").unwrap())
            .unwrap();
        let store =
            liudong_store::Store::open(&dir.join("store"), scope, None, &Default::default())
                .unwrap();
        let node = liudong_sync::Node::new(
            Arc::new(store),
            Default::default(),
            liudong_sync::system_clock(),
        );
        let path = operators::path(dir);
        let mut ops = Operators::default();
        ops.set(NAME, PASSWORD, 1).unwrap();
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
            node_label: "410602 鹤山区".into(),
        })
    }

    /// A request with `cookies` and, for a body, a form.
    fn request(method: &str, uri: &str, cookies: &str, form: Option<String>) -> Request {
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

    async fn send(c: &Arc<Console>, req: Request) -> Response {
        router(c.clone()).oneshot(req).await.unwrap()
    }

    async fn body(r: Response) -> String {
        let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    fn cookies(r: &Response) -> Vec<String> {
        r.headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    /// The session cookie and CSRF token of a fresh session.
    fn logged_in(c: &Console) -> (String, String) {
        let (token, s) = c.sessions.create(NAME, c.node.now_ms());
        (format!("{SESSION_COOKIE}={token}"), s.csrf)
    }

    fn assert_security_headers(r: &Response) {
        let h = r.headers();
        assert!(
            h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'"),
            "{h:?}"
        );
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "same-origin");
    }

    #[tokio::test]
    async fn unknown_paths_are_404_and_other_methods_405_once_logged_in() {
        let dir = tempfile::tempdir().unwrap();
        let c = console(dir.path(), false);
        // Without a session: GET and HEAD go to the login form, other
        // methods get it with 403.
        let r = send(&c, request("GET", "/no-such-page", "", None)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/login");
        assert_security_headers(&r);
        let r = send(&c, request("HEAD", "/nodes", "", None)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = send(&c, request("PUT", "/nodes", "", None)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(body(r).await.contains("id=\"login-error\""));

        let (session, _) = logged_in(&c);
        let r = send(&c, request("GET", "/no-such-page", &session, None)).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_security_headers(&r);
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert!(body(r).await.contains("没有这个页面。"));
        let r = send(&c, request("GET", "/logout", &session, None)).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "logout is a POST");
        for (method, path) in [
            ("PUT", "/nodes"),
            ("DELETE", "/"),
            ("HEAD", "/report"),
            ("PATCH", "/login"),
            ("DELETE", "/no-such-page"),
        ] {
            let r = send(&c, request(method, path, &session, None)).await;
            assert_eq!(
                r.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_security_headers(&r);
        }
        // The pages and the stylesheet.
        let r = send(&c, request("GET", "/nodes", &session, None)).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert!(body(r).await.contains(NAME));
        let r = send(&c, request("GET", "/console.css", "", None)).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CACHE_CONTROL], "max-age=3600");
        assert_security_headers(&r);
        let r = send(&c, request("GET", "/favicon.ico", "", None)).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn posts_need_the_csrf_token_and_this_site() {
        let dir = tempfile::tempdir().unwrap();
        let c = console(dir.path(), false);
        let (session, csrf) = logged_in(&c);
        let r = send(
            &c,
            request("POST", "/logout", &session, Some(String::new())),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(body(r).await.contains("表单已过期"));
        let wrong = Some("csrf=00".to_string());
        let r = send(&c, request("POST", "/logout", &session, wrong)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let mut cross = request("POST", "/logout", &session, Some(format!("csrf={csrf}")));
        cross.headers_mut().insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert_eq!(send(&c, cross).await.status(), StatusCode::FORBIDDEN);
        let mut cross = request("POST", "/logout", &session, Some(format!("csrf={csrf}")));
        cross
            .headers_mut()
            .insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert_eq!(send(&c, cross).await.status(), StatusCode::FORBIDDEN);
        // Still logged in.
        let r = send(&c, request("GET", "/", &session, None)).await;
        assert_eq!(r.status(), StatusCode::OK);
        // A POST elsewhere with the token: no such page.
        let ok = Some(format!("csrf={csrf}"));
        let r = send(&c, request("POST", "/nodes", &session, ok.clone())).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // The login form, without its cookie's token.
        let r = send(
            &c,
            request(
                "POST",
                "/login",
                "",
                Some(format!("csrf=ab&name={NAME}&password=x")),
            ),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Logout with the token and the same origin.
        let mut out = request("POST", "/logout", &session, ok);
        out.headers_mut().insert(
            header::ORIGIN,
            HeaderValue::from_static("https://410602.node.liudong:8443"),
        );
        let r = send(&c, out).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/login");
        assert!(cookies(&r).iter().any(|c| c.starts_with("ld_session=;")));
        let r = send(&c, request("GET", "/", &session, None)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "the session ended");
    }

    #[tokio::test]
    async fn oversized_bodies_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = console(dir.path(), false);
        let big = format!("csrf=x&name={}", "a".repeat(MAX_BODY));
        for path in ["/login", "/logout", "/no-such-page"] {
            let r = send(&c, request("POST", path, "", Some(big.clone()))).await;
            assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
            assert_security_headers(&r);
        }
        let (session, csrf) = logged_in(&c);
        let fits = format!("csrf={csrf}&pad={}", "a".repeat(MAX_BODY - 200));
        let r = send(&c, request("POST", "/logout", &session, Some(fits))).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "a body within the limit");
    }

    #[tokio::test]
    async fn login_sets_strict_cookies_and_the_language_is_remembered() {
        for secure in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let c = console(dir.path(), secure);
            let r = send(&c, request("GET", "/login?lang=en", "", None)).await;
            assert_eq!(r.status(), StatusCode::OK);
            let set = cookies(&r);
            let login = set.iter().find(|c| c.starts_with("ld_login=")).unwrap();
            let lang = set.iter().find(|c| c.starts_with("ld_lang=en;")).unwrap();
            for c in [login, lang] {
                assert!(c.contains("; HttpOnly; SameSite=Strict"), "{c}");
                assert_eq!(c.ends_with("; Secure"), secure, "{c}");
            }
            assert!(body(r).await.contains("Log in"));
            let token = &login["ld_login=".len()..login.find(';').unwrap()];
            let cookie = format!("ld_login={token}");
            let wrong = format!("csrf={token}&name={NAME}&password=wrong-password");
            let r = send(&c, request("POST", "/login", &cookie, Some(wrong))).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            let right = format!("csrf={token}&name={NAME}&password=correct+horse+battery");
            let r = send(&c, request("POST", "/login", &cookie, Some(right))).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            assert_eq!(r.headers()[header::LOCATION], "/");
            let session = cookies(&r)
                .into_iter()
                .find(|c| c.starts_with("ld_session="))
                .unwrap();
            assert!(session.contains("; HttpOnly; SameSite=Strict"), "{session}");
            assert!(!session.contains("Max-Age"), "ends with the browser");
            assert_eq!(session.ends_with("; Secure"), secure, "{session}");
            let session = session[..session.find(';').unwrap()].to_string();
            let r = send(&c, request("GET", "/login", &session, None)).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "logged in already");
            assert_eq!(r.headers()[header::LOCATION], "/");
            let r = send(
                &c,
                request("GET", "/", &format!("{session}; ld_lang=en"), None),
            )
            .await;
            assert_eq!(r.status(), StatusCode::OK);
            assert!(body(r).await.contains("<h1>Overview</h1>"));
        }
    }
}
