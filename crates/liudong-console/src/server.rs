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
//!   come from this site (else 403); `POST /logout` ends the session, `POST
//!   /write` sends a form (`forms.rs`), `POST /accounts` unlocks an account
//!   (administrators), other POSTs are 404. `GET` of a page renders it
//!   (unknown pages 404), `GET /overdue.csv` downloads the work list; other
//!   methods, `HEAD` included, are 405.
//! - Every response carries `Cache-Control: no-store` (the stylesheet
//!   excepted), a strict Content-Security-Policy, `X-Frame-Options: DENY`,
//!   `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`;
//!   `?lang=` on any request sets the language cookie.

use crate::error::ConsoleError;
use crate::forms::{self, Sent};
use crate::operators;
use crate::pages;
use crate::render::{Frame, FrameUser, Lang, esc, page};
use crate::session::Refusal;
use crate::state::{Console, Page, PageError, Req, Shown, Viewer};
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use liudong_i18n::t_in;
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
/// The pages [`draw_page`] draws.
const PAGES: [&str; 5] = ["/", "/nodes", "/report", "/overdue", "/person"];

/// The console's routes over `console`.
pub(crate) fn router(console: Arc<Console>) -> Router {
    let mut r = Router::new()
        .route("/console.css", get_only(css))
        .route("/favicon.ico", get_only(favicon))
        .route("/login", get_only(login_page).post(login))
        .route("/logout", post(logout))
        .route("/write", get_only(show_page).post(write))
        .route("/accounts", get_only(show_page).post(unlock))
        .route("/overdue.csv", get_only(download));
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
        .and_then(|(_, v)| lang_of(&v))
}

/// `zh` or `en`.
fn lang_of(s: &str) -> Option<Lang> {
    match s {
        "zh" => Some(Lang::Zh),
        "en" => Some(Lang::En),
        _ => None,
    }
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
            .or_else(|| cookies.get(LANG_COOKIE).and_then(|v| lang_of(v)))
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
    see_other(to)
}

/// A `303 See Other` to `to` (a path of the console).
fn see_other(to: &str) -> Response {
    let mut r = respond(
        StatusCode::SEE_OTHER,
        "text/plain; charset=utf-8",
        String::new(),
    );
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
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
    let (token, v) = match c.logged_in(&r) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    c.sessions.end(&token);
    tracing::info!(operator = %v.name, "console: logout");
    let mut resp = redirect("/login");
    resp.headers_mut()
        .append(header::SET_COOKIE, c.cookie(SESSION_COOKIE, "", Some(0)));
    resp
}

/// A page (`GET` with a session), rendered off the async runtime.
async fn show_page(State(c): State<Arc<Console>>, r: Req) -> Response {
    let v = match c.logged_in(&r) {
        Ok((_, v)) => v,
        Err(resp) => return *resp,
    };
    blocking(c, r, v, draw_page).await
}

/// Runs `work` for a request off the async runtime and shows its page.
async fn blocking(
    c: Arc<Console>,
    r: Req,
    v: Viewer,
    work: impl FnOnce(&Console, &Req, &Viewer) -> Result<Shown, PageError> + Send + 'static,
) -> Response {
    let done = tokio::task::spawn_blocking(move || {
        let out = work(&c, &r, &v);
        (c, r, v, out)
    })
    .await;
    match done {
        Ok((c, r, v, out)) => c.shown(&r, &v, out),
        Err(e) => {
            tracing::error!(error = %e, "console: page task failed");
            html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
        }
    }
}

/// `POST /write`: a form sent. Drawn again (a picker's next level, or what
/// is wrong), or its records written through the node's write path and
/// the person's page shown.
async fn write(State(c): State<Arc<Console>>, r: Req) -> Response {
    let v = match c.logged_in(&r) {
        Ok((_, v)) => v,
        Err(resp) => return *resp,
    };
    let (c, r, v, sent) = match tokio::task::spawn_blocking(move || {
        let sent = forms::prepare(&c, &r, &v);
        (c, r, v, sent)
    })
    .await
    {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "console: form task failed");
            return html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into());
        }
    };
    let (drafts, subject) = match sent {
        Ok(Sent::Write { drafts, subject }) => (drafts, subject),
        Ok(Sent::Form(shown)) => return c.shown(&r, &v, Ok(shown)),
        Err(e) => return c.shown(&r, &v, Err(e)),
    };
    let written = if drafts.len() == 1 {
        let draft = drafts.into_iter().next().expect("one draft");
        c.node.write_local(draft).await.map(|r| vec![r.id])
    } else {
        c.node
            .write_local_batch(drafts, false)
            .await
            .map(|w| w.into_iter().map(|w| w.record.id).collect())
    };
    match written {
        Ok(ids) => {
            let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            tracing::info!(operator = %v.name, records = %ids.join(","), "console: records written");
            see_other(&format!(
                "/person?id={}&saved={}",
                crate::render::url(&subject),
                crate::render::url(&ids.join(","))
            ))
        }
        Err(e) => {
            tracing::info!(operator = %v.name, error = %e, "console: write refused");
            blocking(c, r, v, move |c, r, v| forms::refused(c, r, v, &e)).await
        }
    }
}

/// `POST /accounts`: an administrator unlocks an account.
async fn unlock(State(c): State<Arc<Console>>, r: Req) -> Response {
    let v = match c.logged_in(&r) {
        Ok((_, v)) => v,
        Err(resp) => return *resp,
    };
    match crate::accounts::unlock(&c, &r, &v) {
        Ok(name) => see_other(&format!("/accounts?unlocked={}", crate::render::url(&name))),
        Err(e) => c.shown(&r, &v, Err(e)),
    }
}

/// `GET /overdue.csv`: the work list of the operator's unit as a file.
async fn download(State(c): State<Arc<Console>>, r: Req) -> Response {
    let v = match c.logged_in(&r) {
        Ok((_, v)) => v,
        Err(resp) => return *resp,
    };
    let done = tokio::task::spawn_blocking(move || {
        let out = crate::lists::csv(&c, &r, &v);
        (c, r, v, out)
    })
    .await;
    match done {
        Ok((_, _, _, Ok((name, text)))) => {
            let mut resp = respond(StatusCode::OK, "text/csv; charset=utf-8", text);
            if let Ok(h) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, h);
            }
            resp
        }
        Ok((c, r, v, Err(e))) => c.shown(&r, &v, Err(e)),
        Err(e) => {
            tracing::error!(error = %e, "console: download task failed");
            html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
        }
    }
}

/// Any other request: an unknown path, or a method a path does not take.
/// It needs a session (and a `POST` its CSRF token) like a page; then a
/// `GET` or a `POST` finds no page (404), other methods are not supported
/// (405).
async fn refuse(State(c): State<Arc<Console>>, r: Req) -> Response {
    let v = match c.logged_in(&r) {
        Ok((_, v)) => v,
        Err(resp) => return *resp,
    };
    let (status, message) = match r.method {
        Method::GET | Method::POST => (
            StatusCode::NOT_FOUND,
            t_in!(r.lang, "console-error-no-page"),
        ),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            t_in!(r.lang, "console-error-method"),
        ),
    };
    c.error_page(&r, Some(&v), status, &message)
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

    fn frame<'a>(&'a self, r: &'a Req, v: Option<&'a Viewer>, current: &'a str) -> Frame<'a> {
        Frame {
            lang: r.lang,
            node: &self.node_label,
            operator: v.map(|v| FrameUser {
                name: &v.name,
                unit: liudong_node::worklist::place_name(&v.unit, &v.unit),
                admin: v.admin,
                csrf: &v.csrf,
            }),
            here: &r.here,
            current,
        }
    }

    /// A page's outcome as a response: the page in its frame, or a
    /// friendly error page.
    fn shown(&self, r: &Req, v: &Viewer, out: Result<Shown, PageError>) -> Response {
        match out {
            Ok(s) => html(
                s.status,
                page(&self.frame(r, Some(v), s.nav), &s.title, &s.body),
            ),
            Err(e) => self.error_page(r, Some(v), e.status, &e.message),
        }
    }

    /// A friendly error page.
    fn error_page(
        &self,
        r: &Req,
        v: Option<&Viewer>,
        status: StatusCode,
        message: &str,
    ) -> Response {
        let l = r.lang;
        let body = format!(
            "<div class=\"notice error\" id=\"error\"><p>{}</p><p><a href=\"/\">{}</a></p></div>",
            esc(message),
            esc(&t_in!(l, "console-back-to-overview"))
        );
        html(
            status,
            page(
                &self.frame(r, v, ""),
                &t_in!(l, "console-error-title"),
                &body,
            ),
        )
    }

    /// The session of the request, if valid and its operator still exists
    /// with a unit of this node: who is logged in.
    fn session(&self, r: &Req) -> Option<(String, Viewer)> {
        let token = r.cookies.get(SESSION_COOKIE)?;
        let s = self.sessions.touch(token, self.node.now_ms())?;
        let ops = match self.operators.current() {
            Ok(ops) => ops,
            Err(e) => {
                tracing::error!(error = %crate::error::chain(&e), "console: cannot read the operators file");
                return None;
            }
        };
        let Some(op) = ops.get(&s.operator) else {
            tracing::info!(operator = %s.operator, "console: operator removed; session ended");
            self.sessions.end(token);
            return None;
        };
        let Some(unit) = op.unit(self.code()) else {
            tracing::warn!(operator = %s.operator, code = ?op.code, "console: the account's unit is not under this node; session ended");
            self.sessions.end(token);
            return None;
        };
        Some((
            token.clone(),
            Viewer {
                name: s.operator,
                unit,
                admin: op.role == operators::Role::Admin,
                csrf: s.csrf,
            },
        ))
    }

    /// The session of a request that needs one, and for a `POST` its CSRF
    /// token and origin checked; otherwise the answer: to the login form
    /// without a session, a 403 page for a `POST` that fails the checks.
    fn logged_in(&self, r: &Req) -> Result<(String, Viewer), Box<Response>> {
        let Some((token, v)) = self.session(r) else {
            return Err(Box::new(match r.method {
                Method::GET | Method::HEAD => redirect("/login"),
                _ => self.login_form(
                    r,
                    StatusCode::FORBIDDEN,
                    Some(&t_in!(r.lang, "console-session-expired")),
                ),
            }));
        };
        if r.method == Method::POST && (r.field("csrf") != v.csrf || !r.same_origin) {
            return Err(Box::new(self.error_page(
                r,
                Some(&v),
                StatusCode::FORBIDDEN,
                &t_in!(r.lang, "console-form-expired"),
            )));
        }
        Ok((token, v))
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
            esc(&t_in!(l, "console-login-name")),
            esc(&t_in!(l, "console-login-password")),
            esc(&t_in!(l, "console-login"))
        );
        let mut resp = html(
            status,
            page(&self.frame(r, None, ""), &t_in!(l, "console-login"), &body),
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
                Some(&t_in!(l, "console-login-expired")),
            );
        }
        let name = r.field("name").trim().to_string();
        let password = r.field("password").to_string();
        let now = self.node.now_ms();
        if let Err(Refusal::Locked { retry_secs }) = self.sessions.check_allowed(&name, now) {
            tracing::warn!(operator = %name, addr = %r.peer.ip(), "console: login refused, too many failures");
            let msg = t_in!(l, "console-login-locked", minutes = retry_secs.div_ceil(60));
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
                    &t_in!(l, "console-operators-unreadable"),
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
                Some(&t_in!(l, "console-login-wrong")),
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

/// Renders the page of a GET request.
fn draw_page(c: &Console, r: &Req, v: &Viewer) -> Page {
    match r.path.as_str() {
        "/" => pages::overview(c, r, v),
        "/nodes" => crate::nodes_page::nodes(c, r, v),
        "/report" => crate::report_page::report(c, r, v),
        "/overdue" => crate::lists::overdue(c, r, v),
        "/person" => pages::person(c, r, v),
        "/write" => crate::forms::show(c, r, v),
        "/accounts" => crate::accounts::show(c, r, v),
        _ => Err(PageError::new(
            StatusCode::NOT_FOUND,
            t_in!(r.lang, "console-error-no-page"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::Role;
    use crate::testing::{NAME, body, cookies, request, send};

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

    /// A console over an empty county store, with one operator.
    fn console(dir: &std::path::Path, secure: bool) -> Arc<Console> {
        crate::testing::console(dir, "410602", &[(NAME, None, Role::Operator)], secure)
    }

    /// The session cookie and CSRF token of a fresh session.
    fn logged_in(c: &Console) -> (String, String) {
        crate::testing::session_of(c, NAME)
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
