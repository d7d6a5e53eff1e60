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

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
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

fn start_browser(dir: &Path, screens: PathBuf) -> (ChromeDriver, Driver) {
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
                    format!("--host-resolver-rules=MAP {HOST} 127.0.0.1"),
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
    let pki = liudong_testkit::demo_tls::DemoPki::create(dir.path(), &nodes).unwrap();
    let topo = liudong_testkit::demo::Topology::start_with(
        dir.path(),
        &nodes[..1],
        true,
        Some(&pki),
        |_| {},
    )
    .await
    .unwrap();

    // The county node: seeded while stopped, then started with the console
    // and a clock the test can move forward (to expire a session).
    let offset = Arc::new(AtomicU64::new(0));
    let clock: liudong_sync::WallClock = {
        let (sys, offset) = (liudong_sync::system_clock(), offset.clone());
        Arc::new(move || sys() + offset.load(Ordering::SeqCst))
    };
    let parent_url = format!("http://{}", topo.node(EXCHANGE).sync_addr.unwrap());
    let county_dir = dir.path().join(COUNTY_A);
    let mut cfg = liudong_testkit::demo::local_config(
        COUNTY_A,
        Some((EXCHANGE, parent_url)),
        county_dir.clone(),
        true,
    )
    .unwrap();
    pki.secure(&mut cfg).unwrap();
    cfg.console = Some(
        ConsoleSection {
            listen: "127.0.0.1:0".into(),
            idle_timeout_secs: IDLE_SECS,
            max_session_secs: 3600,
            max_failed_logins: 5,
            lockout_secs: 900,
        }
        .validate(true)
        .unwrap(),
    );
    {
        let store = liudong_node::runner::open_store(&cfg).unwrap();
        // The population ends with the last second of yesterday (China time):
        // the generator stamps a day's records at hours that may still lie
        // ahead today, and a record ahead of the clock is refused.
        let day = 86_400_000;
        let cst = 8 * 3_600_000;
        let end_of_yesterday = (clock() + cst) / day * day - cst - 1000;
        let n = liudong_ops::seed::seed_store(&store, 7, 120, end_of_yesterday).unwrap();
        assert!(n > 100, "seeded {n} records");
        store.flush().unwrap();
    }
    let county = liudong_testkit::start_node_with_clock(cfg.clone(), clock.clone())
        .await
        .unwrap();
    let console = county.console_addr.expect("console listening");
    let node = county.node.clone();
    let mut started = vec![county];
    for (code, parent) in [(TOWN_A, 0), (VILLAGE_A1, 1)] {
        let url = format!("http://{}", started[parent].sync_addr.unwrap());
        let parent_code = started[parent].node.scope().code.to_string();
        let mut c = liudong_testkit::demo::local_config(
            code,
            Some((&parent_code, url)),
            dir.path().join(code),
            true,
        )
        .unwrap();
        pki.secure(&mut c).unwrap();
        started.push(liudong_testkit::start_node(c).await.unwrap());
    }

    // The operator, added with the CLI as an administrator would (a config
    // file naming the county's data directory).
    let conf = dir.path().join("county.toml");
    std::fs::write(
        &conf,
        format!(
            "[node]\ncode = \"{COUNTY_A}\"\ndata_dir = \"{}\"\ninsecure = true\nlisten = \"127.0.0.1:0\"\n[upstream]\ncode = \"{EXCHANGE}\"\nurl = \"http://127.0.0.1:1\"\n",
            county_dir.display()
        ),
    )
    .unwrap();
    let mut add = Command::new(liudong_bin())
        .args(["operator", "add", "--config"])
        .arg(&conf)
        .args(["--name", OPERATOR, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(out.status.success(), "operator add: {out:?}");
    let list = Command::new(liudong_bin())
        .args(["operator", "list", "--config"])
        .arg(&conf)
        .output()
        .unwrap();
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

    let screens = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("console-screens");
    std::fs::create_dir_all(&screens).unwrap();
    let base = format!("https://{HOST}:{}", console.port());
    let thresholds = cfg.thresholds;
    let browse_dir = dir.path().to_path_buf();
    let browsing = tokio::task::spawn_blocking(move || {
        let (_chromedriver, d) = start_browser(&browse_dir, screens);
        browse(&d, &base, &node, thresholds, &offset);
        // Removing the operator (CLI, node running) ends their session at once.
        d.login(&base, PASSWORD);
        assert_eq!(d.url(), format!("{base}/"));
        let out = Command::new(liudong_bin())
            .args(["operator", "remove", "--config"])
            .arg(&conf)
            .args(["--name", OPERATOR])
            .output()
            .unwrap();
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
    d.open(&format!("{base}/overdue"));
    assert_eq!(num(&d.text("#overdue-count")), od.items.len() as u64);
    assert_eq!(d.find_all("tr.item").len(), od.items.len() + od.held.len());
    d.screenshot("overdue");
    let kind = od.items[0].kind;
    d.open(&format!("{base}/overdue?kind={}", kind.name()));
    assert_eq!(
        d.find_all("tr.item").len(),
        od.items.iter().filter(|i| i.kind == kind).count()
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

    // Lower nodes: the town, with the silence the console's rule gives.
    d.open(&format!("{base}/nodes"));
    let status = liudong_node::status::report_node(node).unwrap();
    let town = status.links.iter().find(|l| l.peer == TOWN_A).unwrap();
    let row = d.find(&format!("tr[data-peer='{TOWN_A}']"));
    let shown_silent = d.attr(&row, "data-silent").unwrap();
    assert_eq!(shown_silent, town.silent.to_string());
    assert_eq!(d.find_all(&format!("tr[data-peer='{EXCHANGE}']")).len(), 1);
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
