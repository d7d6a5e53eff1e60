//! The console's HTTP side: TLS accept, HTTP/1.1 (hyper), routing, cookies,
//! forms, login and logout. The pages themselves are in `pages.rs`.

use crate::operators::{self, OperatorsFile};
use crate::pages;
use crate::render::{Frame, Lang, esc, page};
use crate::session::{Refusal, Session, Sessions};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use liudong_sync::Node;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const CSS: &str = include_str!("console.css");
/// Largest request body (forms are tiny).
const MAX_BODY: usize = 16 << 10;
/// A TLS handshake, and a request's headers, must arrive within this time.
const READ_TIMEOUT: Duration = Duration::from_secs(20);
const SESSION_COOKIE: &str = "ld_session";
const LOGIN_COOKIE: &str = "ld_login";
const LANG_COOKIE: &str = "ld_lang";

/// The console of one node.
pub struct Console {
    pub(super) node: Arc<Node>,
    pub(super) sessions: Sessions,
    operators: OperatorsFile,
    pub(super) thresholds: liudong_core::overdue::Thresholds,
    /// How often this node expects to hear from each link (for "silent").
    /// Cookies carry `Secure` (the console is served over TLS).
    secure: bool,
    pub(super) node_label: String,
}

impl Console {
    /// The console of `node` as configured in `cfg` (`cfg.console` must be set).
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
pub(super) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    cookies: HashMap<String, String>,
    pub lang: Lang,
    /// `?lang=` was given: remember it in a cookie.
    lang_param: Option<Lang>,
    /// Path and query without `lang`, for the language switch.
    pub here: String,
    peer: SocketAddr,
    /// False when an `Origin` or `Sec-Fetch-Site` header says cross-site.
    same_origin: bool,
}

impl Req {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn field(&self, k: &str) -> &str {
        self.form
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    }
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

/// Serves the console on `listener` until `cancel`; with `tls`, HTTPS only.
pub async fn serve(
    listener: TcpListener,
    console: Arc<Console>,
    tls: Option<Arc<rustls::ServerConfig>>,
    cancel: CancellationToken,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let conns = TaskTracker::new();
    loop {
        let (tcp, peer) = tokio::select! {
            _ = cancel.cancelled() => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "console: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (console, acceptor, cancel) = (console.clone(), acceptor.clone(), cancel.clone());
        conns.spawn(async move {
            match acceptor {
                Some(a) => match tokio::time::timeout(READ_TIMEOUT, a.accept(tcp)).await {
                    Ok(Ok(s)) => connection(TokioIo::new(s), console, peer, cancel).await,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, %peer, "console: TLS handshake failed")
                    }
                    Err(_) => tracing::debug!(%peer, "console: TLS handshake timed out"),
                },
                None => connection(TokioIo::new(tcp), console, peer, cancel).await,
            }
        });
    }
    conns.close();
    let _ = tokio::time::timeout(Duration::from_secs(5), conns.wait()).await;
}

async fn connection<I>(io: I, console: Arc<Console>, peer: SocketAddr, cancel: CancellationToken)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req| {
        let c = console.clone();
        async move { Ok::<_, Infallible>(handle(c, req, peer).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .serve_connection(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => if let Err(e) = r {
            tracing::debug!(error = %e, %peer, "console: connection ended");
        },
        _ = cancel.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}

async fn parse(req: Request<Incoming>, peer: SocketAddr) -> Result<Req, Response<Full<Bytes>>> {
    let (parts, body) = req.into_parts();
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
    let lang_param = query
        .iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(v));
    let lang = lang_param
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
        match Limited::new(body, MAX_BODY).collect().await {
            Ok(b) => decode_pairs(&String::from_utf8_lossy(&b.to_bytes())),
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
        lang_param,
        here,
        peer,
        same_origin: origin_ok && fetch_ok,
    })
}

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn html(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    respond(status, "text/html; charset=utf-8", body)
}

fn redirect(to: &str) -> Response<Full<Bytes>> {
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
    pub(super) fn error_page(
        &self,
        r: &Req,
        s: Option<&Session>,
        status: StatusCode,
        message: &str,
    ) -> Response<Full<Bytes>> {
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
                tracing::error!(error = %format!("{e:#}"), "console: cannot read the operators file");
                None
            }
        }
    }

    fn login_form(
        &self,
        r: &Req,
        status: StatusCode,
        message: Option<&str>,
    ) -> Response<Full<Bytes>> {
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

    async fn login(self: &Arc<Self>, r: &Req) -> Response<Full<Bytes>> {
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
                tracing::error!(error = %format!("{e:#}"), "console: cannot read the operators file");
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

    async fn route(self: &Arc<Self>, r: Req) -> Response<Full<Bytes>> {
        match (r.method.clone(), r.path.as_str()) {
            (Method::GET, "/console.css") => {
                let mut resp = respond(StatusCode::OK, "text/css; charset=utf-8", CSS.into());
                resp.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("max-age=3600"),
                );
                return resp;
            }
            (Method::GET, "/favicon.ico") => {
                return respond(
                    StatusCode::NOT_FOUND,
                    "text/plain; charset=utf-8",
                    String::new(),
                );
            }
            (Method::GET, "/login") => {
                if self.session(&r).is_some() {
                    return redirect("/");
                }
                return self.login_form(&r, StatusCode::OK, None);
            }
            (Method::POST, "/login") => return self.login(&r).await,
            _ => {}
        }
        let Some((token, s)) = self.session(&r) else {
            return match r.method {
                Method::GET | Method::HEAD => redirect("/login"),
                _ => self.login_form(
                    &r,
                    StatusCode::FORBIDDEN,
                    Some(r.lang.t(
                        "会话已过期，请重新登录。",
                        "Your session expired; please log in again.",
                    )),
                ),
            };
        };
        if r.method == Method::POST {
            if r.field("csrf") != s.csrf || !r.same_origin {
                return self.error_page(
                    &r,
                    Some(&s),
                    StatusCode::FORBIDDEN,
                    r.lang.t(
                        "表单已过期，请重试。",
                        "The form expired; please try again.",
                    ),
                );
            }
            if r.path == "/logout" {
                self.sessions.end(&token);
                tracing::info!(operator = %s.operator, "console: logout");
                let mut resp = redirect("/login");
                resp.headers_mut()
                    .append(header::SET_COOKIE, self.cookie(SESSION_COOKIE, "", Some(0)));
                return resp;
            }
            return self.error_page(
                &r,
                Some(&s),
                StatusCode::NOT_FOUND,
                r.lang.t("没有这个页面。", "No such page."),
            );
        }
        if r.method != Method::GET {
            return self.error_page(
                &r,
                Some(&s),
                StatusCode::METHOD_NOT_ALLOWED,
                r.lang.t("不支持的请求。", "Unsupported request."),
            );
        }
        let c = self.clone();
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
}

fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| operators::hash_password("no operator has this password").unwrap_or_default())
}

async fn handle(
    c: Arc<Console>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let r = match parse(req, peer).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let lang = r.lang_param;
    let mut resp = c.route(r).await;
    if let Some(l) = lang {
        resp.headers_mut().append(
            header::SET_COOKIE,
            c.cookie(LANG_COOKIE, l.code(), Some(365 * 86_400)),
        );
    }
    resp
}

/// A page's failure, shown as a friendly page.
#[derive(Debug)]
pub(super) struct PageError {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
