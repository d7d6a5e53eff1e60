//! The web console end to end, in a real headless Chromium driven over
//! WebDriver: a county node seeded with a synthetic population serves the
//! console over HTTPS with its own certificate; an operator added with
//! `liudong operator add` logs in, opens every page, and the figures shown
//! are compared with the library's (the same functions the CLI uses). A
//! wrong password is refused, an expired session goes back to the login
//! form, and the person view leaves an audit entry. Screenshots of every
//! page go to `target/console-screens/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`: `scripts/setup-test.sh`
//! installs them (the README's test command runs it).

use liudong_console::{ConsoleSection, audit_name};
use liudong_core::Date;
use liudong_core::report::{COLUMNS, Month, Report, cell};
use liudong_node::query::{self, OverdueAnswer, PersonAnswer, Query};
use liudong_store::audit::{AuditEvent, AuditFilter};
use liudong_tests::{COUNTY_A, EXCHANGE, TOWN_A, VILLAGE_A1, free_port, liudong_bin};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const OPERATOR: &str = "wang.li";
const PASSWORD: &str = "synthetic-pass-2026";
/// The console's idle timeout in this test (the smallest allowed).
const IDLE_SECS: u64 = 60;
/// The DNS name in the county node's certificate (see `liudong_net::tls::dns_name`).
const HOST: &str = "410602.node.liudong";

/// A program on PATH, or the test fails saying how to install it.
fn program(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not installed: run scripts/setup-test.sh (installs Debian's {package}); the console test needs a real headless Chromium"
            )
        })
}

/// A minimal WebDriver client: JSON over HTTP/1.1 to chromedriver on loopback.
struct Driver {
    port: u16,
    session: String,
    screens: PathBuf,
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(90)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    // Read the head, then exactly Content-Length bytes (chromedriver may keep
    // the connection open), or to the end.
    let mut out = Vec::new();
    let mut buf = [0u8; 16 << 10];
    let mut need: Option<usize> = None;
    loop {
        if let Some(n) = need
            && out.len() >= n
        {
            break;
        }
        let k = s.read(&mut buf)?;
        if k == 0 {
            break;
        }
        out.extend_from_slice(&buf[..k]);
        if need.is_none()
            && let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
            if let Some(len) = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
            {
                need = Some(end + 4 + len);
            }
        }
    }
    let text = String::from_utf8_lossy(&out);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let json_text = rest.to_string();
    serde_json::from_str(&json_text).map_err(|e| {
        std::io::Error::other(format!(
            "{method} {path}: bad answer {e}: {head} {json_text:.300}"
        ))
    })
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let p = format!("/session/{}{path}", self.session);
        let v = http(self.port, method, &p, body.as_ref())
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        if v["value"]["error"].is_string() {
            panic!("WebDriver {method} {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    /// Opens `url` and prints how long the browser took to load it
    /// (`--nocapture` shows the figures; measured, not asserted).
    fn open(&self, url: &str) {
        let start = std::time::Instant::now();
        self.call("POST", "/url", Some(json!({ "url": url })));
        let path = url.splitn(4, '/').nth(3).unwrap_or("");
        println!("page /{path}: {} ms", start.elapsed().as_millis());
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap().to_string()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["element-6066-11e4-a52e-4f735466cecf"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
    }

    fn find(&self, css: &str) -> String {
        let all = self.find_all(css);
        assert!(
            !all.is_empty(),
            "no element {css:?} on {}; page:\n{:.3000}",
            self.url(),
            self.call("GET", "/source", None)
        );
        all[0].clone()
    }

    fn text_of(&self, el: &str) -> String {
        self.call("GET", &format!("/element/{el}/text"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn text(&self, css: &str) -> String {
        let el = self.find(css);
        self.text_of(&el)
    }

    fn attr(&self, el: &str, name: &str) -> Option<String> {
        self.call("GET", &format!("/element/{el}/attribute/{name}"), None)
            .as_str()
            .map(str::to_string)
    }

    /// Clicks `css` (no page load awaited: an option of a select).
    fn click(&self, css: &str) {
        let el = self.find(css);
        self.call("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    /// The value of a script run in the page (WebDriver's, not the page's:
    /// the console's pages carry none).
    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    fn source(&self) -> String {
        self.call("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.call("POST", &format!("/element/{el}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn screenshot(&self, name: &str) {
        use base64::Engine;
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(self.screens.join(format!("{name}.png")), png).unwrap();
    }

    /// Waits (bounded) until `css` matches on the current page.
    fn wait_for(&self, css: &str) -> String {
        for _ in 0..400 {
            if let Some(e) = self.find_all(css).into_iter().next() {
                return e;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.find(css)
    }

    /// Clicks and waits (bounded) for the page to be replaced by one with `then`.
    fn click_then(&self, css: &str, then: &str) {
        let el = self.find(css);
        self.call("POST", &format!("/element/{el}/click"), Some(json!({})));
        let path = format!("/session/{}/element/{el}/name", self.session);
        let mut replaced = false;
        for _ in 0..400 {
            let v = http(self.port, "GET", &path, None).expect("WebDriver");
            if v["value"]["error"] == "stale element reference" {
                replaced = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(replaced, "clicking {css} did not load a page");
        self.wait_for(then);
    }

    fn login(&self, base: &str, password: &str) {
        self.login_as(base, OPERATOR, password);
    }

    fn login_as(&self, base: &str, name: &str, password: &str) {
        self.open(&format!("{base}/login"));
        self.type_into("#name", name);
        self.type_into("#password", password);
        self.click_then("#login", "#login-error, #operator");
    }
}

/// chromedriver on an OS-assigned loopback port, killed on drop.
struct ChromeDriver(Child);

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_browser(dir: &Path, host: &str, screens: PathBuf) -> (ChromeDriver, Driver) {
    let chromium = program("chromium", "chromium");
    let chromedriver = program("chromedriver", "chromium-driver");
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let guard = ChromeDriver(child);
    // Bounded wait for chromedriver to answer.
    let mut ready = false;
    for _ in 0..200 {
        if http(port, "GET", "/status", None).is_ok_and(|v| v["value"]["ready"] == true) {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ready, "chromedriver did not become ready on port {port}");
    let profile = dir.join("chromium-profile");
    let caps = json!({
        "capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,1700",
                    format!("--user-data-dir={}", profile.display()),
                    format!("--host-resolver-rules=MAP {host} 127.0.0.1"),
                ]
            }
        }}
    });
    let v = http(port, "POST", "/session", Some(&caps)).expect("new WebDriver session");
    let session = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("WebDriver session refused: {v}"))
        .to_string();
    let d = Driver {
        port,
        session,
        screens,
    };
    d.call(
        "POST",
        "/timeouts",
        Some(json!({"pageLoad": 60000, "script": 10000, "implicit": 0})),
    );
    (guard, d)
}

fn num(s: &str) -> u64 {
    s.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

/// The console section of a test node.
fn console_section(idle_secs: u64) -> liudong_console::ConsoleOptions {
    ConsoleSection {
        listen: "127.0.0.1:0".into(),
        idle_timeout_secs: idle_secs,
        max_session_secs: 3600,
        max_failed_logins: 5,
        lockout_secs: 900,
    }
    .validate(true)
    .unwrap()
}

/// The test PKI for `nodes` (the exchange first) and the exchange running.
async fn start_exchange(
    dir: &Path,
    nodes: &[(&str, Option<&str>)],
) -> (
    liudong_testkit::demo_tls::DemoPki,
    liudong_testkit::demo::Topology,
) {
    let pki = liudong_testkit::demo_tls::DemoPki::create(dir, nodes).unwrap();
    let topo =
        liudong_testkit::demo::Topology::start_with(dir, &nodes[..1], true, Some(&pki), |_| {})
            .await
            .unwrap();
    (pki, topo)
}

/// Starts the county `code` under the running exchange, seeded with a
/// synthetic population while stopped, with the console and `clock`.
async fn start_county(
    dir: &Path,
    pki: &liudong_testkit::demo_tls::DemoPki,
    exchange: &liudong_node::runner::RunningNode,
    code: &str,
    (seed, households): (u64, u64),
    idle_secs: u64,
    clock: liudong_sync::WallClock,
) -> (
    liudong_node::config::NodeConfig,
    liudong_node::runner::RunningNode,
) {
    let parent_url = format!("http://{}", exchange.sync_addr.unwrap());
    let mut cfg = liudong_testkit::demo::local_config(
        code,
        Some((EXCHANGE, parent_url)),
        dir.join(code),
        true,
    )
    .unwrap();
    pki.secure(&mut cfg).unwrap();
    cfg.console = Some(console_section(idle_secs));
    {
        let store = liudong_node::runner::open_store(&cfg).unwrap();
        // The population ends with the last second of yesterday (China time):
        // the generator stamps a day's records at hours that may still lie
        // ahead today, and a record ahead of the clock is refused.
        let day = 86_400_000;
        let cst = 8 * 3_600_000;
        let end_of_yesterday = (clock() + cst) / day * day - cst - 1000;
        let n = liudong_ops::seed::seed_store(&store, seed, households, end_of_yesterday).unwrap();
        assert!(n > 100, "seeded {n} records");
        store.flush().unwrap();
    }
    let county = liudong_testkit::start_node_with_clock(cfg.clone(), clock)
        .await
        .unwrap();
    (cfg, county)
}

/// Starts each `(code, parent)` of `chain` (parents first) under a node
/// of `started`, with live links over mutual TLS.
async fn start_children(
    dir: &Path,
    pki: &liudong_testkit::demo_tls::DemoPki,
    started: &mut Vec<liudong_node::runner::RunningNode>,
    chain: &[(&str, &str)],
) {
    for (code, parent) in chain {
        let up = started
            .iter()
            .find(|n| n.node.scope().code.as_str() == *parent)
            .expect("parent started first");
        let url = format!("http://{}", up.sync_addr.unwrap());
        let mut c =
            liudong_testkit::demo::local_config(code, Some((parent, url)), dir.join(code), true)
                .unwrap();
        pki.secure(&mut c).unwrap();
        started.push(liudong_testkit::start_node(c).await.unwrap());
    }
}

/// A config file naming the county's data directory, for `liudong
/// operator` as an administrator runs it.
fn county_conf(dir: &Path, code: &str) -> PathBuf {
    let conf = dir.join(format!("{code}.toml"));
    std::fs::write(
        &conf,
        format!(
            "[node]\ncode = \"{code}\"\ndata_dir = \"{}\"\ninsecure = true\nlisten = \"127.0.0.1:0\"\n[upstream]\ncode = \"{EXCHANGE}\"\nurl = \"http://127.0.0.1:1\"\n",
            dir.join(code).display()
        ),
    )
    .unwrap();
    conf
}

/// Runs `liudong operator ARGS --config CONF`, the password (if any) on
/// standard input.
fn operator_cmd(conf: &Path, args: &[&str], password: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(liudong_bin());
    cmd.arg("operator")
        .args(args)
        .arg("--config")
        .arg(conf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if password.is_some() {
        cmd.arg("--password-stdin");
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(p) = password {
        stdin.write_all(format!("{p}\n").as_bytes()).unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// Where the screenshots go: `target/console-screens/`.
fn screens_dir() -> PathBuf {
    let screens = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("console-screens");
    std::fs::create_dir_all(&screens).unwrap();
    screens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_in_a_real_browser_match_the_cli_figures() {
    // Fail (never skip) without a browser, before starting anything.
    program("chromium", "chromium");
    program("chromedriver", "chromium-driver");
    let dir = tempfile::tempdir().unwrap();
    let nodes = [
        (EXCHANGE, None),
        (COUNTY_A, Some(EXCHANGE)),
        (TOWN_A, Some(COUNTY_A)),
        (VILLAGE_A1, Some(TOWN_A)),
    ];
    let (pki, topo) = start_exchange(dir.path(), &nodes).await;

    // The county node: seeded while stopped, then started with the console
    // and a clock the test can move forward (to expire a session).
    let offset = Arc::new(AtomicU64::new(0));
    let clock: liudong_sync::WallClock = {
        let (sys, offset) = (liudong_sync::system_clock(), offset.clone());
        Arc::new(move || sys() + offset.load(Ordering::SeqCst))
    };
    let (cfg, county) = start_county(
        dir.path(),
        &pki,
        topo.node(EXCHANGE),
        COUNTY_A,
        (7, 120),
        IDLE_SECS,
        clock,
    )
    .await;
    let county_dir = dir.path().join(COUNTY_A);
    let console = county.console_addr.expect("console listening");
    let node = county.node.clone();
    let mut started = vec![county];
    start_children(
        dir.path(),
        &pki,
        &mut started,
        &[(TOWN_A, COUNTY_A), (VILLAGE_A1, TOWN_A)],
    )
    .await;

    // The operator, added with the CLI as an administrator would (a config
    // file naming the county's data directory).
    let conf = county_conf(dir.path(), COUNTY_A);
    let out = operator_cmd(&conf, &["add", "--name", OPERATOR], Some(PASSWORD));
    assert!(out.status.success(), "operator add: {out:?}");
    let list = operator_cmd(&conf, &["list"], None);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains(OPERATOR),
        "{list:?}"
    );
    let ops_file = county_dir.join(liudong_console::OPERATORS_FILE);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ops_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "operators file mode");
        assert!(
            !std::fs::read_to_string(&ops_file)
                .unwrap()
                .contains(PASSWORD)
        );
    }

    let screens = screens_dir();
    let base = format!("https://{HOST}:{}", console.port());
    let thresholds = cfg.thresholds;
    let browse_dir = dir.path().to_path_buf();
    let browsing = tokio::task::spawn_blocking(move || {
        let (_chromedriver, d) = start_browser(&browse_dir, HOST, screens);
        browse(&d, &base, &node, thresholds, &offset);
        // Removing the operator (CLI, node running) ends their session at once.
        d.login(&base, PASSWORD);
        assert_eq!(d.url(), format!("{base}/"));
        let out = operator_cmd(&conf, &["remove", "--name", OPERATOR], None);
        assert!(out.status.success(), "operator remove: {out:?}");
        d.open(&format!("{base}/overdue"));
        assert!(d.url().ends_with("/login"), "removed: {}", d.url());
        d.login(&base, PASSWORD);
        assert!(
            d.text("#login-error").contains("错误"),
            "a removed operator cannot log in"
        );
        d.call("DELETE", "", None);
    })
    .await;
    for n in started.into_iter().rev() {
        n.shutdown(Duration::from_secs(10)).await.unwrap();
    }
    topo.shutdown().await.unwrap();
    if let Err(e) = browsing {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn answer<T: TryFrom<query::Answer, Error = query::WrongAnswer>>(
    node: &liudong_sync::Node,
    q: Query,
) -> T {
    let v = query::run(node.store(), "console-test", &q, node.now_ms()).unwrap();
    v.try_into().unwrap()
}

fn browse(
    d: &Driver,
    base: &str,
    node: &Arc<liudong_sync::Node>,
    thresholds: liudong_core::overdue::Thresholds,
    offset: &AtomicU64,
) {
    let store = node.store();
    // Not logged in: every page leads to the login form.
    d.open(&format!("{base}/overdue"));
    assert!(d.url().ends_with("/login"), "{}", d.url());
    d.screenshot("login");

    // A wrong password is refused.
    d.login(base, "not-the-password-1");
    assert!(d.url().ends_with("/login"), "{}", d.url());
    assert!(d.text("#login-error").contains("错误"));
    assert!(d.find_all("#operator").is_empty());
    d.screenshot("login-refused");
    // Repeated failures lock the name out (5 by the config), whatever the password.
    for _ in 0..5 {
        d.login_as(base, "li.ming", "guessing-again-1");
        assert!(d.text("#login-error").contains("错误"));
    }
    d.login_as(base, "li.ming", "guessing-again-2");
    assert!(d.text("#login-error").contains("次数过多"), "locked out");
    d.screenshot("login-locked");

    d.login(base, PASSWORD);
    assert_eq!(d.url(), format!("{base}/"));
    assert_eq!(d.text("#operator"), OPERATOR);
    assert_eq!(d.text("h1"), "概况");

    // Overview: the same figures as the report and overdue queries.
    let today = Date::from_unix_ms(node.now_ms());
    let month = Month {
        year: today.year,
        month: today.month,
    };
    let rep: Report = answer(
        node,
        Query::Report {
            month: month.to_string(),
            code: None,
            ack_days: thresholds.ack_days,
        },
    );
    let od: OverdueAnswer = answer(
        node,
        Query::Overdue {
            kinds: vec![],
            thresholds,
        },
    );
    assert!(
        !od.items.is_empty(),
        "the seeded population has overdue items"
    );
    assert_eq!(num(&d.text("#records")), store.record_count() as u64);
    assert_eq!(num(&d.text("#migrants-out")), rep.total.counts.migrants_out);
    assert_eq!(num(&d.text("#migrants-in")), rep.total.counts.migrants_in);
    for k in liudong_core::overdue::Kind::ALL {
        let n = od.items.iter().filter(|i| i.kind == k).count() as u64;
        assert_eq!(num(&d.text(&format!("#overdue-{}", k.name()))), n, "{k:?}");
    }
    assert_eq!(num(&d.text("#overdue-held")), od.held.len() as u64);
    d.screenshot("overview");

    // The monthly report: every figure of the total row, and each unit's flows.
    d.open(&format!("{base}/report?month={month}"));
    let cells = d.find_all("tr.total td[data-col]");
    assert_eq!(cells.len(), COLUMNS.len());
    for el in &cells {
        let col = d.attr(el, "data-col").unwrap();
        assert_eq!(d.text_of(el), cell(&rep.total.counts, &col), "total {col}");
    }
    assert_eq!(d.find_all("tr.unit").len(), rep.rows.len());
    for row in &rep.rows {
        for col in ["outflows", "inflows", "migrants_out", "births"] {
            let css = format!("tr[data-code='{}'] td[data-col='{col}']", row.code);
            assert_eq!(d.text(&css), cell(&row.counts, col), "{} {col}", row.code);
        }
    }
    // The chart: 12 months, the last one the report's month.
    let outs = d.find_all("rect[data-outflows]");
    let ins = d.find_all("rect[data-inflows]");
    assert_eq!((outs.len(), ins.len()), (12, 12));
    let last = |v: &[String], a: &str| num(&d.attr(v.last().unwrap(), a).unwrap());
    assert_eq!(last(&outs, "data-outflows"), rep.total.counts.outflows);
    assert_eq!(last(&ins, "data-inflows"), rep.total.counts.inflows);
    let first_month = d.attr(&outs[0], "data-month").unwrap();
    let earlier: Report = answer(
        node,
        Query::Report {
            month: first_month.clone(),
            code: None,
            ack_days: thresholds.ack_days,
        },
    );
    assert_eq!(
        num(&d.attr(&outs[0], "data-outflows").unwrap()),
        earlier.total.counts.outflows,
        "{first_month}"
    );
    let charted: u64 = outs
        .iter()
        .chain(&ins)
        .map(|e| {
            let a = d
                .attr(e, "data-outflows")
                .or_else(|| d.attr(e, "data-inflows"));
            num(&a.unwrap())
        })
        .sum();
    assert!(charted > 0, "the chart shows flows");
    d.screenshot("report");

    // Overdue lists.
    // Overdue lists: a page of 50 at a time, the first page the list's first.
    d.open(&format!("{base}/overdue"));
    let total = od.items.len() + od.held.len();
    assert_eq!(num(&d.text("#overdue-count")), total as u64);
    assert_eq!(d.find_all("tr.item").len(), total.min(50));
    let shown: Vec<String> = d
        .find_all("tr.item td.subject")
        .iter()
        .map(|e| d.text_of(e))
        .collect();
    let first: Vec<String> = od
        .items
        .iter()
        .map(|i| i.subject.to_string())
        .chain(od.held.iter().map(|h| h.subject.clone()))
        .take(50)
        .collect();
    assert_eq!(shown, first);
    d.screenshot("overdue");
    let kind = od.items[0].kind;
    d.open(&format!("{base}/overdue?kind={}", kind.name()));
    assert_eq!(
        d.find_all("tr.item").len(),
        od.items.iter().filter(|i| i.kind == kind).count().min(50)
    );

    // A person's view, reached from the list, and its audit entry.
    let subject = od.items[0].subject.clone();
    d.click_then(&format!("a[href='/person?id={subject}']"), "#subject");
    assert!(
        d.url().contains(&format!("/person?id={subject}")),
        "{}",
        d.url()
    );
    let a: PersonAnswer = answer(
        node,
        Query::Person {
            subject: subject.to_string(),
        },
    );
    assert_eq!(d.text("#subject"), subject.as_str());
    assert_eq!(num(&d.text("#records")), a.view.records as u64);
    assert_eq!(d.find_all("tr.episode").len(), a.view.episodes.len());
    assert_eq!(d.find_all("tr.inflow").len(), a.view.inflows.len());
    assert_eq!(d.find_all("tr.check").len(), a.view.checks.len());
    assert_eq!(d.find_all("tr.birth").len(), a.view.births.len());
    // The record history: every record held about the person, in order.
    let shown_ids: Vec<String> = d
        .find_all("tr.record")
        .iter()
        .map(|r| d.attr(r, "data-id").unwrap())
        .collect();
    let held_ids: Vec<String> = a.history.iter().map(|h| h.id.clone()).collect();
    assert_eq!(shown_ids, held_ids);
    assert_eq!(
        a.history.len(),
        store.subject_records(subject.as_str()).unwrap().len()
    );
    d.screenshot("person");
    let trail = store
        .audit_query(&AuditFilter {
            subject: Some(subject.to_string()),
            ..Default::default()
        })
        .unwrap();
    let by_console = |q: &str| {
        trail.iter().any(|e| {
            matches!(&e.event, AuditEvent::Viewed { operator, query, subjects }
                if *operator == audit_name(OPERATOR) && query == q
                    && subjects.contains(&subject.to_string()))
        })
    };
    assert!(by_console("person"), "person view audited: {trail:?}");
    assert!(by_console("overdue"), "overdue list audited: {trail:?}");

    // Lower nodes: the town (a live link) and the exchange above.
    d.open(&format!("{base}/nodes"));
    let row = d.find(&format!("tr[data-peer='{TOWN_A}']"));
    assert_ne!(d.attr(&row, "data-state").unwrap(), "no-data");
    assert_eq!(
        d.find_all(&format!("tr.upstream[data-peer='{EXCHANGE}']"))
            .len(),
        1
    );
    d.screenshot("nodes");

    // English, remembered in a cookie; then back to Chinese.
    d.click_then("#lang", "h1");
    assert_eq!(d.text("h1"), "Lower nodes");
    d.open(&format!("{base}/report?month={month}"));
    assert_eq!(d.text("h1"), "Monthly report");
    d.screenshot("report-en");
    d.click_then("#lang", "h1");
    assert_eq!(d.text("h1"), "月报");

    // Errors are friendly pages, and what the user typed is escaped.
    d.open(&format!(
        "{base}/person?id=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    ));
    d.wait_for("#error");
    let typed = d.find("#person-id");
    assert_eq!(
        d.attr(&typed, "value").as_deref(),
        Some("<script>alert(1)</script>"),
        "what was typed comes back as text"
    );
    assert!(d.find_all("main script").is_empty(), "never as markup");
    d.open(&format!("{base}/no-such-page"));
    assert!(d.find_all("#error").len() == 1);
    d.screenshot("error");

    // Logout ends the session.
    d.click_then("#logout", "#login");
    assert!(d.url().ends_with("/login"), "{}", d.url());
    d.open(&format!("{base}/"));
    assert!(d.url().ends_with("/login"), "{}", d.url());

    // A session idle beyond the timeout goes back to the login form.
    d.login(base, PASSWORD);
    assert_eq!(d.url(), format!("{base}/"));
    offset.fetch_add((IDLE_SECS + 1) * 1000, Ordering::SeqCst);
    d.open(&format!("{base}/report"));
    assert!(d.url().ends_with("/login"), "expired: {}", d.url());
    d.screenshot("expired");
}

// --- A county office alone: a Yunnan county, its townships and villages ---

/// 华宁县 (Yunnan), three of its townships and four of their villages.
const HUANING: &str = "530424";
const PANXI: &str = "530424102";
const HUAXI: &str = "530424103";
const QINGLONG: &str = "530424104";
const JIUDIAN: &str = "530424102205";
const XINCUN: &str = "530424102208";
const DUJIA: &str = "530424103202";
const LUOMEI: &str = "530424104202";
const HUANING_HOST: &str = "530424.node.liudong";
const ADMIN: &str = "zhang.admin";
const TOWN_OPERATOR: &str = "li.panxi";
const TOWN_PASSWORD: &str = "panxi-synthetic-2026";

/// The cells of the rows of a table on the page (`rows`: a CSS selector).
fn cells(d: &Driver, rows: &str) -> Vec<Vec<String>> {
    d.find_all(rows)
        .iter()
        .map(|row| {
            d.call(
                "POST",
                &format!("/element/{row}/elements"),
                Some(json!({"using": "css selector", "value": "td"})),
            )
            .as_array()
            .unwrap()
            .iter()
            .map(|e| d.text_of(e["element-6066-11e4-a52e-4f735466cecf"].as_str().unwrap()))
            .collect()
        })
        .collect()
}

fn ask_as<T: TryFrom<query::Answer, Error = query::WrongAnswer>>(
    node: &liudong_sync::Node,
    unit: &str,
    q: Query,
) -> T {
    let unit = liudong_core::Code::parse(unit).unwrap();
    let v = query::run_as(node.store(), "console-test", &unit, &q, node.now_ms()).unwrap();
    v.try_into().unwrap()
}

fn overdue_all(thresholds: liudong_core::overdue::Thresholds) -> Query {
    Query::Overdue {
        kinds: vec![],
        thresholds,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_office_works_alone_in_a_real_browser() {
    program("chromium", "chromium");
    program("chromedriver", "chromium-driver");
    let dir = tempfile::tempdir().unwrap();
    let nodes = [
        (EXCHANGE, None),
        (HUANING, Some(EXCHANGE)),
        (PANXI, Some(HUANING)),
        (HUAXI, Some(HUANING)),
        (QINGLONG, Some(HUANING)),
        (JIUDIAN, Some(PANXI)),
        (XINCUN, Some(PANXI)),
        (DUJIA, Some(HUAXI)),
        (LUOMEI, Some(QINGLONG)),
    ];
    let (pki, topo) = start_exchange(dir.path(), &nodes).await;
    let (cfg, county) = start_county(
        dir.path(),
        &pki,
        topo.node(EXCHANGE),
        HUANING,
        (3, 90),
        900,
        liudong_sync::system_clock(),
    )
    .await;
    let console = county.console_addr.expect("console listening");
    let node = county.node.clone();
    let mut started = vec![county];
    let chain: Vec<(&str, &str)> = nodes[2..].iter().map(|(c, p)| (*c, p.unwrap())).collect();
    start_children(dir.path(), &pki, &mut started, &chain).await;

    // Accounts, by the CLI: an account of an older build (no unit) is
    // migrated with a note; an administrator for the county; a township
    // cadre of 盘溪镇; a unit outside the county is refused.
    let conf = county_conf(dir.path(), HUANING);
    let ops_file = dir
        .path()
        .join(HUANING)
        .join(liudong_console::OPERATORS_FILE);
    let hash = liudong_console::operators::hash_password("old-hand-password-1").unwrap();
    std::fs::write(
        &ops_file,
        json!({"operators": [{"name": "old.hand", "hash": hash, "added_ms": 1}]}).to_string(),
    )
    .unwrap();
    let out = operator_cmd(&conf, &["list"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("old.hand") && text.contains("原无所属单位"),
        "{out:?}"
    );
    let ops = liudong_console::operators::Operators::load(&ops_file).unwrap();
    assert_eq!(ops.get("old.hand").unwrap().code.as_deref(), Some(HUANING));
    let out = operator_cmd(
        &conf,
        &["add", "--name", ADMIN, "--role", "admin"],
        Some(PASSWORD),
    );
    assert!(out.status.success(), "{out:?}");
    let out = operator_cmd(
        &conf,
        &["add", "--name", TOWN_OPERATOR, "--code", PANXI],
        Some(TOWN_PASSWORD),
    );
    assert!(out.status.success(), "{out:?}");
    let out = operator_cmd(
        &conf,
        &["add", "--name", "wrong.unit", "--code", "410602"],
        Some(PASSWORD),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("410602") && err.contains("辖区"),
        "{out:?}"
    );

    // The townships' live links are up before the picture is taken.
    let mut up = false;
    let mut links = String::new();
    for _ in 0..300 {
        let rep = liudong_node::status::report_node(&node).unwrap();
        up = [PANXI, HUAXI, QINGLONG].iter().all(|t| {
            rep.links
                .iter()
                .any(|l| l.peer == *t && (l.connected || l.status.last_success_ms.is_some()))
        });
        if up {
            break;
        }
        links = serde_json::to_string(&rep.links).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the townships synced with the county: {links}");

    let base = format!("https://{HUANING_HOST}:{}", console.port());
    let thresholds = cfg.thresholds;
    let browse_dir = dir.path().to_path_buf();
    let (b2, n2) = (base.clone(), node.clone());
    let first = tokio::task::spawn_blocking(move || {
        let (chromedriver, d) = start_browser(&browse_dir, HUANING_HOST, screens_dir());
        township_cadre(&d, &b2, &n2, thresholds);
        county_administrator(&d, &b2, &n2, thresholds);
        (chromedriver, d)
    })
    .await;
    let (chromedriver, d) = match first {
        Ok(x) => x,
        Err(e) => {
            for n in started.into_iter().rev() {
                let _ = n.shutdown(Duration::from_secs(10)).await;
            }
            let _ = topo.shutdown().await;
            std::panic::resume_unwind(e.into_panic());
        }
    };

    // The exchange goes down: the county's link to it fails, and the page
    // says so.
    topo.shutdown().await.unwrap();
    let mut failing = false;
    for _ in 0..300 {
        let rep = liudong_node::status::report_node(&node).unwrap();
        failing = rep.links.iter().any(|l| {
            l.role == "upstream"
                && !l.connected
                && l.status.last_failure_ms > l.status.last_success_ms
        });
        if failing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(failing, "the county records the failing exchange link");
    let second = tokio::task::spawn_blocking(move || {
        d.open(&format!("{base}/nodes"));
        let row = d.find(&format!("tr.upstream[data-peer='{EXCHANGE}']"));
        assert_eq!(d.attr(&row, "data-state").as_deref(), Some("failing"));
        assert_eq!(
            d.text(&format!("tr.upstream[data-peer='{EXCHANGE}'] td.state")),
            "连接失败"
        );
        let page = d.source();
        for technical in ["Unavailable", "transport", "tonic", "DeadlineExceeded"] {
            assert!(!page.contains(technical), "{technical} on the page");
        }
        d.screenshot("county-exchange-failing");
        d.open(&format!("{base}/"));
        assert!(num(&d.text("#silent-links")) >= 1, "a sync problem counted");
        d.click_then("#lang", "h1");
        d.open(&format!("{base}/nodes"));
        assert_eq!(
            d.text(&format!("tr.upstream[data-peer='{EXCHANGE}'] td.state")),
            "failing"
        );
        d.click_then("#lang", "h1");
        d.call("DELETE", "", None);
        drop(chromedriver);
    })
    .await;
    for n in started.into_iter().rev() {
        n.shutdown(Duration::from_secs(10)).await.unwrap();
    }
    if let Err(e) = second {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A cadre of 盘溪镇: sees and writes the township's people only; registers
/// an inflow with the place pickers, a check report, voids and corrects.
fn township_cadre(
    d: &Driver,
    base: &str,
    node: &Arc<liudong_sync::Node>,
    thresholds: liudong_core::overdue::Thresholds,
) {
    let store = node.store();
    d.login_as(base, TOWN_OPERATOR, TOWN_PASSWORD);
    assert_eq!(d.text("#operator-unit"), "盘溪镇");
    // The overview counts the township's lists only.
    let od: OverdueAnswer = ask_as(node, PANXI, overdue_all(thresholds));
    let whole: OverdueAnswer = ask_as(node, HUANING, overdue_all(thresholds));
    assert!(whole.items.len() > od.items.len(), "a township sees less");
    for k in liudong_core::overdue::Kind::ALL {
        let n = od.items.iter().filter(|i| i.kind == k).count() as u64;
        assert_eq!(num(&d.text(&format!("#overdue-{}", k.name()))), n, "{k:?}");
    }
    // The work list: the same rows as `liudong overdue` would print for the
    // township, every one of its villages.
    d.open(&format!("{base}/overdue"));
    let mut first = od.clone();
    first.items.truncate(50);
    first
        .held
        .truncate(50usize.saturating_sub(first.items.len()));
    let unit = liudong_core::Code::parse(PANXI).unwrap();
    let want = liudong_node::worklist::rows(&first, &unit, liudong_i18n::Lang::Zh);
    assert!(!want.is_empty(), "the township has overdue items");
    assert_eq!(cells(d, "tr.item"), want);
    for i in &first.items {
        assert!(i.village(&unit).is_under(&unit));
    }
    d.screenshot("county-township-overdue");
    // A person of another township is not theirs; nor its report.
    let stranger = whole
        .items
        .iter()
        .find(|i| !i.village(&unit).is_under(&unit))
        .expect("a person outside the township")
        .subject
        .to_string();
    d.open(&format!("{base}/person?id={stranger}"));
    assert!(d.text("#error").contains("盘溪镇"), "not held for the unit");
    assert!(d.find_all("#name").is_empty());
    d.open(&format!("{base}/report?code={HUAXI}"));
    assert!(d.find_all("#error").len() == 1);
    d.open(&format!("{base}/accounts"));
    assert!(d.find_all("#error").len() == 1, "administrators only");

    // A new migrant: the form, the pickers, a refusal by the field, saved.
    let mut rng = liudong_core::synth::SynthRng::new(99);
    let newcomer = liudong_core::synth::citizen_id(
        &mut rng,
        "410602",
        Date::new(1992, 3, 15).unwrap(),
        liudong_core::record::Sex::Female,
    );
    let today = Date::from_unix_ms(node.now_ms());
    d.open(&format!("{base}/write?kind=inflow_registered"));
    d.type_into("#f-subject", newcomer.as_str());
    // The origin is drawn from the citizen ID's county; then its villages.
    d.click_then(
        "button[value='pick']",
        "#f-origin option[value='410602100001']",
    );
    assert_eq!(
        d.find_all("#f-origin_6 option[value='410602'][selected]")
            .len(),
        1
    );
    d.click("#f-origin option[value='410602100001']");
    assert!(
        d.find_all(&format!("#f-residence option[value^='{HUAXI}']"))
            .is_empty(),
        "the residence is chosen in the township only"
    );
    d.click(&format!("#f-residence option[value='{JIUDIAN}']"));
    d.type_into("#f-name", "赵某某");
    d.type_into("#f-phone", "13900000002");
    d.click("#f-marital_status option[value='married']");
    d.type_into("#f-arrival_date", &today.add_days(3).to_string());
    d.type_into("#f-address", "盘溪街12号");
    d.type_into("#f-employer", "华宁柑橘合作社");
    d.click_then("#save", "#err-arrival_date");
    assert!(d.text("#err-arrival_date").contains("不能晚于今天"));
    assert_eq!(
        d.find_all(&format!("#f-residence option[value='{JIUDIAN}'][selected]"))
            .len(),
        1,
        "the choices are kept"
    );
    d.screenshot("county-form-refused");
    d.type_into("#f-arrival_date", &today.add_days(-5).to_string());
    d.click_then("#save", "#saved");
    assert_eq!(d.text("#name"), "赵某某");
    assert_eq!(d.text("#address"), "盘溪街12号");
    assert_eq!(d.text("#phone"), "13900000002");
    d.screenshot("county-form-saved");
    let records = store.subject_records(newcomer.as_str()).unwrap();
    assert_eq!(records.len(), 2);
    assert!(
        records
            .iter()
            .all(|r| r.operator == audit_name(TOWN_OPERATOR))
    );
    let inflow = records[1].id.to_string();
    // Listed at once: inflow without a certificate.
    let listed: OverdueAnswer = ask_as(node, PANXI, overdue_all(thresholds));
    assert!(
        listed
            .items
            .iter()
            .any(|i| i.subject == newcomer && i.kind == liudong_core::overdue::Kind::NoCertificate)
    );

    // A check report, voided; the inflow corrected from the history.
    d.click_then("#write-check_reported", "#record-form");
    d.click_then("#save", "#saved");
    let check = store.subject_records(newcomer.as_str()).unwrap()[2].clone();
    assert_eq!(check.body.kind(), "check_reported");
    assert_eq!(check.residence.as_ref().unwrap().as_str(), JIUDIAN);
    d.click_then(
        &format!("tr.record[data-id='{}'] a[href*='kind=void']", check.id),
        "#f-reason",
    );
    d.type_into("#f-reason", "重复登记");
    d.click_then("#save", "#saved");
    assert_eq!(d.text("#voided"), "1");
    d.click_then(
        &format!("tr.record[data-id='{inflow}'] a[href*='kind=correction']"),
        "#f-address",
    );
    assert_eq!(
        d.attr(&d.find("#f-address"), "value").as_deref(),
        Some("盘溪街12号")
    );
    d.type_into("#f-address", "盘溪街15号");
    d.type_into("#f-certificate_number", "410602-2026-00077");
    d.type_into("#f-reason", "门牌号、证明编号补录");
    d.click_then("#save", "#saved");
    assert_eq!(d.text("#address"), "盘溪街15号");
    assert_eq!(d.text("#presented"), "410602-2026-00077");
    d.screenshot("county-form-corrected");
    let trail = store
        .audit_query(&AuditFilter {
            subject: Some(newcomer.to_string()),
            ..Default::default()
        })
        .unwrap();
    let written = trail
        .iter()
        .filter(|e| matches!(&e.event, AuditEvent::RecordWritten { operator, .. } if *operator == audit_name(TOWN_OPERATOR)))
        .count();
    assert_eq!(
        written, 5,
        "every write audited with the account: {trail:?}"
    );

    // Locked out by failed logins; unlocked by the administrator.
    d.click_then("#logout", "#login");
    for _ in 0..5 {
        d.login_as(base, TOWN_OPERATOR, "not-the-password-9");
    }
    d.login_as(base, TOWN_OPERATOR, TOWN_PASSWORD);
    assert!(d.text("#login-error").contains("次数过多"), "locked out");
}

/// The county's administrator: unlocks the cadre, acknowledges an inflow
/// notice, drills the report down to a village, sees every village's sync.
fn county_administrator(
    d: &Driver,
    base: &str,
    node: &Arc<liudong_sync::Node>,
    thresholds: liudong_core::overdue::Thresholds,
) {
    let store = node.store();
    d.login_as(base, ADMIN, PASSWORD);
    d.open(&format!("{base}/accounts"));
    d.screenshot("county-accounts-locked");
    d.click_then(
        &format!("button.unlock[data-name='{TOWN_OPERATOR}']"),
        "#unlocked",
    );
    assert!(
        d.find_all(&format!("button.unlock[data-name='{TOWN_OPERATOR}']"))
            .is_empty()
    );

    // An inflow notice the county (the origin) has not acknowledged.
    let q = Query::Overdue {
        kinds: vec!["unacknowledged".into()],
        thresholds,
    };
    let od: OverdueAnswer = ask_as(node, HUANING, q.clone());
    let item = od
        .items
        .iter()
        .find(|i| {
            i.origin
                .is_under(&liudong_core::Code::parse(HUANING).unwrap())
        })
        .expect("a notice for the county to acknowledge");
    let notice = item.record.clone().unwrap();
    d.open(&format!("{base}/person?id={}", item.subject));
    d.click_then("#write-inflow_acknowledged", "#f-inflow");
    d.click(&format!("#f-inflow option[value='{notice}']"));
    d.click_then("#save", "#saved");
    let acks: Vec<_> = store
        .subject_records(item.subject.as_str())
        .unwrap()
        .into_iter()
        .filter(
            |r| matches!(&r.body, liudong_core::Body::InflowAcknowledged(a) if a.inflow == notice),
        )
        .collect();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].operator, audit_name(ADMIN));
    let after: OverdueAnswer = ask_as(node, HUANING, q);
    assert!(
        !after
            .items
            .iter()
            .any(|i| i.record.as_ref() == Some(&notice))
    );

    // The report: county → township → village, every figure the library's.
    let today = Date::from_unix_ms(node.now_ms());
    let month = Month {
        year: today.year,
        month: today.month,
    };
    let report_of = |code: &str| -> Report {
        ask_as(
            node,
            HUANING,
            Query::Report {
                month: month.to_string(),
                code: Some(code.to_string()),
                ack_days: thresholds.ack_days,
            },
        )
    };
    let check_total = |code: &str| {
        let rep = report_of(code);
        let unit = d.find("#report-unit");
        assert_eq!(d.attr(&unit, "data-code").as_deref(), Some(code));
        for el in d.find_all("tr.total td[data-col]") {
            let col = d.attr(&el, "data-col").unwrap();
            assert_eq!(
                d.text_of(&el),
                cell(&rep.total.counts, &col),
                "{code} {col}"
            );
        }
        assert_eq!(d.find_all("tr.unit").len(), rep.rows.len(), "{code}");
    };
    d.open(&format!("{base}/report?month={month}"));
    check_total(HUANING);
    // Every column on the page: nothing wider than the window, no cell cut.
    let fits = d.script(
        "return document.documentElement.scrollWidth <= window.innerWidth && \
         [...document.querySelectorAll('#report td')].every(c => c.scrollWidth <= c.clientWidth + 1);",
    );
    assert_eq!(fits, json!(true), "the report fits the page");
    d.screenshot("county-report");
    d.click_then(&format!("tr[data-code='{PANXI}'] a.drill"), "#report-unit");
    check_total(PANXI);
    d.screenshot("county-report-township");
    d.click_then(
        &format!("tr[data-code='{JIUDIAN}'] a.drill"),
        "#report-unit",
    );
    check_total(JIUDIAN);
    d.click_then(
        &format!("#crumbs a[href*='code={HUANING}']"),
        "#report-unit",
    );
    check_total(HUANING);

    // The sync picture: the exchange, the townships, every village.
    d.open(&format!("{base}/nodes"));
    let state = |css: &str| d.attr(&d.find(css), "data-state").unwrap();
    let live = ["connected", "normal"];
    let exchange = state(&format!("tr.upstream[data-peer='{EXCHANGE}']"));
    assert!(live.contains(&exchange.as_str()), "{exchange}");
    for t in [PANXI, HUAXI, QINGLONG] {
        let s = state(&format!("#links tr[data-peer='{t}']"));
        assert!(live.contains(&s.as_str()), "{t}: {s}");
    }
    // A township that runs no node: "never in contact" if the county
    // holds records for it, otherwise no data.
    let rep = liudong_node::status::report_node(node).unwrap();
    let idle = "530424001";
    let want = if rep.links.iter().any(|l| l.peer == idle) {
        "never"
    } else {
        "no-data"
    };
    assert_eq!(state(&format!("#links tr[data-peer='{idle}']")), want);
    let table = liudong_core::divisions::table();
    let villages: usize = table
        .children(HUANING)
        .iter()
        .map(|t| table.children(t).len())
        .sum();
    assert_eq!(d.find_all("tr.village").len(), villages, "every village");
    for v in [JIUDIAN, XINCUN, DUJIA, LUOMEI] {
        let s = state(&format!("tr.village[data-peer='{v}']"));
        let in_report = rep.links.iter().any(|l| l.peer == v);
        assert_eq!(s == "no-data", !in_report, "{v}: {s}");
    }
    d.screenshot("county-nodes");

    // The cadre, unlocked, logs in again.
    d.click_then("#logout", "#login");
    d.login_as(base, TOWN_OPERATOR, TOWN_PASSWORD);
    assert_eq!(d.text("#operator"), TOWN_OPERATOR);
    d.click_then("#logout", "#login");
    d.login_as(base, ADMIN, PASSWORD);
}
