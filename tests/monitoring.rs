//! What a county operator sees of its lower nodes: `status` (pending records
//! each way, last contact and error, silent nodes) and the Prometheus
//! metrics endpoint, with real nodes over gRPC on 127.0.0.1.

use liudong_core::{Code, Link};
use liudong_proto::pb;
use liudong_store::{Incoming, Source};
use liudong_tests::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Records the township holds for the county while its link is down.
const N_UP: u64 = 25;
/// Records the county accepts from one session (`[sync] max_session_records`).
const SESSION_MAX: u64 = 10;
/// Records the county holds for the syncing township.
const N_DOWN: u64 = 3;
/// Records the county holds for the township that never connects.
const N_SILENT: u64 = 4;
/// The retry delay the township announces (its longest backoff), seconds.
const TOWN_RETRY_SECS: u64 = 3600;

/// Records authored by `author` about persons of `origin`.
fn records(author: &str, origin: &str, first: u64, n: u64) -> Vec<Incoming> {
    outflows(author, origin, first..=first + n - 1, 500)
}

/// `GET path` on `addr` over HTTP/1.1: (status line, headers, body).
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut raw))
        .await
        .expect("the metrics endpoint answers")
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let (status, headers) = head.split_once("\r\n").unwrap();
    (status.to_string(), headers.to_string(), body.to_string())
}

/// Scrapes `/metrics`: each sample line as (name with labels, value).
async fn scrape(addr: std::net::SocketAddr) -> BTreeMap<String, f64> {
    let (status, headers, body) = http_get(addr, "/metrics").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains("Content-Type: text/plain; version=0.0.4"),
        "{headers}"
    );
    body.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), v.parse::<f64>().unwrap())
        })
        .collect()
}

fn metric(m: &BTreeMap<String, f64>, key: &str) -> f64 {
    *m.get(key)
        .unwrap_or_else(|| panic!("no sample {key} in {m:#?}"))
}

/// The county's config: metrics on an OS-assigned loopback port.
fn county_config(dir: &Path, exchange_url: String) -> liudong_node::config::NodeConfig {
    let mut cfg = liudong_testkit::demo::local_config(
        COUNTY_A,
        Some((EXCHANGE, exchange_url)),
        dir.join(COUNTY_A),
        true,
    )
    .unwrap();
    cfg.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    cfg.verify.interval = None;
    cfg
}

/// Waits (bounded) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_sees_a_syncing_and_a_silent_township() {
    let dir = tempfile::tempdir().unwrap();
    let mut topo = liudong_testkit::demo::Topology::start(
        dir.path(),
        &[(EXCHANGE, None), (COUNTY_A, Some(EXCHANGE))],
        true,
        |cfg| {
            cfg.verify.interval = None;
            if cfg.scope.code.as_str() == COUNTY_A {
                cfg.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
                cfg.sync.max_batch = SESSION_MAX as usize;
                cfg.sync.max_session_records = SESSION_MAX;
            }
        },
    )
    .await
    .unwrap();
    let exchange_url = format!("http://{}", topo.node(EXCHANGE).sync_addr.unwrap());
    let county = topo.node(COUNTY_A).node.clone();
    let county_addr = topo.node(COUNTY_A).sync_addr.unwrap();
    let metrics_addr = topo.node(COUNTY_A).metrics_addr.unwrap();
    assert!(metrics_addr.ip().is_loopback() && metrics_addr.port() != 0);

    // Records destined down: to the syncing township (village A1 lies under
    // it) and to one that never connects (中山北路街道).
    county
        .store()
        .apply(
            &records(COUNTY_A, VILLAGE_A1, 1, N_DOWN),
            &Source::Detached,
            None,
            true,
        )
        .unwrap();
    county
        .store()
        .apply(
            &records(COUNTY_A, VILLAGE_A_OTHER, 1 + N_DOWN, N_SILENT),
            &Source::Detached,
            None,
            true,
        )
        .unwrap();
    // Written at the township while its link is down (before it runs).
    {
        let s = open_store_at(&dir.path().join(TOWN_A), TOWN_A, COUNTY_A);
        s.apply(
            &records(TOWN_A, VILLAGE_A2, 1, N_UP),
            &Source::Detached,
            None,
            true,
        )
        .unwrap();
    }
    let mut cfg = liudong_testkit::demo::local_config(
        TOWN_A,
        Some((COUNTY_A, format!("http://{county_addr}"))),
        dir.path().join(TOWN_A),
        true,
    )
    .unwrap();
    cfg.verify.interval = None;
    cfg.sync.max_batch = SESSION_MAX as usize;
    // After its first session fails, the township waits an hour: the state
    // the county shows stays put while the test reads it.
    cfg.link.backoff_min = Duration::from_secs(TOWN_RETRY_SECS);
    cfg.link.backoff_max = Duration::from_secs(TOWN_RETRY_SECS);
    cfg.sync.sync_interval_secs = TOWN_RETRY_SECS as u32;
    cfg.admin_listen = Some("127.0.0.1:0".parse().unwrap());
    let town = liudong_testkit::start_node(cfg).await.unwrap();

    // The township reports 25 waiting; the county takes 10 and refuses the
    // rest of the session (max_session_records).
    let town_link = Link::Child(Code::parse(TOWN_A).unwrap());
    until("the county records the township's refused session", || {
        county
            .store()
            .link_status(&town_link)
            .unwrap()
            .last_error
            .is_some()
    })
    .await;
    let report = liudong_node::status::report_node(&county).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let links = json["links"].as_array().unwrap();
    let link = |peer: &str| {
        links
            .iter()
            .find(|l| l["peer"] == peer)
            .unwrap_or_else(|| panic!("{peer} missing from {json:#}"))
    };
    let syncing = link(TOWN_A);
    assert_eq!(syncing["role"], "child");
    assert_eq!(syncing["pending_in"], N_UP - SESSION_MAX, "{syncing:#}");
    assert_eq!(syncing["expected_interval_secs"], TOWN_RETRY_SECS);
    assert_eq!(syncing["silent"], false);
    assert_eq!(syncing["connected"], false);
    assert!(syncing["last_contact_ms"].as_u64().is_some(), "{syncing:#}");
    assert!(
        syncing["last_error"]
            .as_str()
            .unwrap()
            .contains("max_session_records"),
        "{syncing:#}"
    );
    let silent = link(TOWN_A_OTHER);
    assert_eq!(silent["pending_out"], N_SILENT, "{silent:#}");
    assert_eq!(silent["pending_in"], serde_json::Value::Null);
    assert_eq!(silent["last_contact_ms"], serde_json::Value::Null);
    assert_eq!(
        silent["expected_interval_secs"],
        liudong_node::status::DEFAULT_EXPECTED_INTERVAL_SECS
    );
    assert_eq!(silent["silent"], true);
    assert_eq!(json["records"], N_DOWN + N_SILENT + SESSION_MAX);

    let m = scrape(metrics_addr).await;
    let peer = |name: &str, code: &str| format!("{name}{{peer=\"{code}\"}}");
    assert_eq!(
        metric(&m, &peer("liudong_records_applied_total", TOWN_A)),
        SESSION_MAX as f64
    );
    assert_eq!(
        metric(&m, &peer("liudong_records_sent_total", TOWN_A)),
        N_DOWN as f64
    );
    assert_eq!(metric(&m, "liudong_refused_total{reason=\"limit\"}"), 1.0);
    assert_eq!(
        metric(
            &m,
            "liudong_sync_sessions_total{role=\"served\",outcome=\"refused\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            "liudong_sync_session_duration_seconds_count{role=\"served\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            &format!("liudong_pending_records{{peer=\"{TOWN_A}\",direction=\"in\"}}")
        ),
        (N_UP - SESSION_MAX) as f64
    );
    assert_eq!(
        metric(
            &m,
            &format!("liudong_pending_records{{peer=\"{TOWN_A_OTHER}\",direction=\"out\"}}")
        ),
        N_SILENT as f64
    );
    assert_eq!(metric(&m, &peer("liudong_peer_silent", TOWN_A_OTHER)), 1.0);
    assert_eq!(metric(&m, &peer("liudong_peer_silent", TOWN_A)), 0.0);
    assert_eq!(
        metric(&m, "liudong_store_records"),
        (N_DOWN + N_SILENT + SESSION_MAX) as f64
    );
    assert!(metric(&m, "liudong_store_size_bytes") > 0.0);
    let (status, _, _) = http_get(metrics_addr, "/nothing").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");

    // Restart the county without the session limit: the record count is
    // right at once, and the township's next session delivers the rest.
    let records_before = county.store().record_count();
    drop(county);
    topo.take(COUNTY_A)
        .unwrap()
        .shutdown(Duration::from_secs(10))
        .await
        .unwrap();
    let mut cfg = county_config(dir.path(), exchange_url);
    cfg.listen = Some(county_addr);
    // The old store closes once the last task holding it has ended.
    let mut attempts = 0;
    let restarted = loop {
        match liudong_testkit::start_node(cfg.clone()).await {
            Ok(n) => break n,
            Err(e) => {
                attempts += 1;
                assert!(attempts < 200, "the county does not restart: {e:#}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let county = restarted.node.clone();
    let metrics_addr = restarted.metrics_addr.unwrap();
    topo.put(COUNTY_A, restarted);
    assert_eq!(county.store().record_count(), records_before);
    assert_eq!(county.store().record_ids().unwrap().len(), records_before);
    let m = scrape(metrics_addr).await;
    assert_eq!(metric(&m, "liudong_store_records"), records_before as f64);

    // `liudong sync --once` on the running township: through its admin
    // service, whose Progress call reports the session the command follows.
    let admin_addr = town.admin_addr.unwrap();
    let mut admin = liudong_net::admin_client(&admin_addr.to_string())
        .await
        .unwrap();
    let before = admin
        .progress(pb::ProgressRequest {})
        .await
        .unwrap()
        .into_inner();
    let stats = admin
        .sync_now(pb::SyncNowRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.pushed, N_UP - SESSION_MAX);
    let after = admin
        .progress(pb::ProgressRequest {})
        .await
        .unwrap()
        .into_inner();
    // The township's link is live: a new session may already follow the one
    // the command ran, so only the count of sessions is certain here.
    assert!(after.sync_session > before.sync_session);
    assert!(after.sync_pushed <= after.sync_push_total.unwrap_or(u64::MAX));
    // `liudong verify` likewise: the run is counted and ends at `done`.
    let report = admin
        .verify_now(pb::VerifyNowRequest { repair: false })
        .await
        .unwrap()
        .into_inner();
    let report: liudong_sync::verify::VerifyReport =
        liudong_node::wire::Wire::from_wire(report).unwrap();
    assert_eq!(report.upstream, COUNTY_A, "{report:?}");
    let verified = admin
        .progress(pb::ProgressRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(verified.verify_run, before.verify_run + 1);
    assert_eq!(verified.verify_step, "done");
    let m = scrape(metrics_addr).await;
    assert_eq!(
        metric(&m, &peer("liudong_records_applied_total", TOWN_A)),
        (N_UP - SESSION_MAX) as f64
    );
    assert!(
        metric(
            &m,
            "liudong_sync_sessions_total{role=\"served\",outcome=\"ok\"}"
        ) >= 1.0
    );
    assert_eq!(
        metric(
            &m,
            &format!("liudong_pending_records{{peer=\"{TOWN_A}\",direction=\"in\"}}")
        ),
        0.0
    );
    assert_eq!(
        metric(&m, "liudong_store_records"),
        (N_DOWN + N_SILENT + N_UP) as f64
    );
    let report = liudong_node::status::report_node(&county).unwrap();
    let syncing = report.links.iter().find(|l| l.peer == TOWN_A).unwrap();
    assert_eq!(syncing.pending_in, Some(0));
    assert_eq!(syncing.pending_out, 0, "{syncing:?}");
    assert!(!syncing.silent);

    town.shutdown(Duration::from_secs(10)).await.unwrap();
    topo.shutdown().await.unwrap();
}

/// The county's view of every unit: (code → (state, its villages' states)).
fn units(
    report: &liudong_node::status::NodeReport,
) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    report
        .units
        .iter()
        .map(|t| {
            let villages = t
                .units
                .iter()
                .map(|v| (v.code.clone(), v.state.to_string()))
                .collect();
            (t.code.clone(), (t.state.to_string(), villages))
        })
        .collect()
}

/// A village of 鹤壁集镇 that runs no node: the township declares it.
const VILLAGE_A_NO_NODE: &str = "410602100003";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_sees_every_village_and_the_true_state_of_its_exchange() {
    let dir = tempfile::tempdir().unwrap();
    // The exchange does not run yet: the county's link to it fails.
    let exchange_addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let config = |code: &str, up: Option<(&str, String)>| {
        let mut cfg =
            liudong_testkit::demo::local_config(code, up, dir.path().join(code), true).unwrap();
        cfg.verify.interval = None;
        cfg
    };
    let mut county_cfg = config(
        COUNTY_A,
        Some((EXCHANGE, format!("http://{exchange_addr}"))),
    );
    // A township of the county that runs no node of its own.
    county_cfg.sync.without_node = [liudong_core::Code::parse(TOWN_A_OTHER).unwrap()].into();
    let county = liudong_testkit::start_node(county_cfg).await.unwrap();
    let county_url = format!("http://{}", county.sync_addr.unwrap());
    let mut town_cfg = config(TOWN_A, Some((COUNTY_A, county_url)));
    town_cfg.sync.without_node = [liudong_core::Code::parse(VILLAGE_A_NO_NODE).unwrap()].into();
    let town = liudong_testkit::start_node(town_cfg).await.unwrap();
    let town_url = format!("http://{}", town.sync_addr.unwrap());
    // Village A1 runs; village A2 never does.
    let village = liudong_testkit::start_node(config(VILLAGE_A1, Some((TOWN_A, town_url))))
        .await
        .unwrap();

    let c = county.node.clone();
    let report = || liudong_node::status::report_node(&c).unwrap();
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(60) {
        let r = report();
        let u = units(&r);
        let ok = u.get(TOWN_A).is_some_and(|(state, villages)| {
            state == "connected"
                && villages.get(VILLAGE_A1).map(String::as_str) == Some("connected")
        }) && r
            .links
            .iter()
            .any(|l| l.peer == EXCHANGE && l.state == "failing");
        if ok {
            break;
        }
        last = Some(r);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = report();
    let u = units(&r);
    let (town_state, villages) = u
        .get(TOWN_A)
        .unwrap_or_else(|| panic!("no township {TOWN_A} in {last:#?}"));
    println!(
        "county {COUNTY_A} shows {} townships, {} villages of {TOWN_A}, after {:?}",
        u.len(),
        villages.len(),
        started.elapsed()
    );
    assert_eq!(town_state, "connected", "{r:#?}");
    // Every village of the township in the division table, each in its state.
    let table = liudong_core::divisions::table();
    assert_eq!(villages.len(), table.children(TOWN_A).len(), "{villages:?}");
    assert_eq!(villages[VILLAGE_A1], "connected", "{villages:?}");
    assert_eq!(villages[VILLAGE_A2], "silent", "{villages:?}");
    assert_eq!(villages[VILLAGE_A_NO_NODE], "no_node", "{villages:?}");
    let a2 = r.units.iter().find(|t| t.code == TOWN_A).unwrap();
    let a2 = a2.units.iter().find(|v| v.code == VILLAGE_A2).unwrap();
    assert!(
        a2.silent && a2.source == "reported" && a2.last_contact_ms.is_none(),
        "{a2:?}"
    );
    assert!(a2.reported_at_ms.is_some(), "{a2:?}");
    // Every township of the county; the one without a node is not silent,
    // nor are its villages; the others were never heard from.
    assert_eq!(u.len(), table.children(COUNTY_A).len());
    let (other, other_villages) = &u[TOWN_A_OTHER];
    assert_eq!(other, "no_node");
    assert!(
        other_villages.values().all(|s| s == "no_node"),
        "{other_villages:?}"
    );
    let never = u
        .iter()
        .filter(|(code, _)| *code != TOWN_A && *code != TOWN_A_OTHER)
        .all(|(_, (state, villages))| {
            state == "silent" && villages.values().all(|s| s == "unknown")
        });
    assert!(never, "{u:#?}");
    // The exchange never answered: failing, and never in contact.
    let up = r.links.iter().find(|l| l.role == "upstream").unwrap();
    assert_eq!(up.state, "failing", "{up:?}");
    assert_eq!(
        up.last_contact_ms, None,
        "a failed dial is no contact: {up:?}"
    );
    assert!(up.status.last_error.is_some(), "{up:?}");
    // The JSON carries the same rows (what `liudong status --json` prints).
    let json = serde_json::to_value(&r).unwrap();
    let town_json = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == TOWN_A)
        .unwrap();
    assert_eq!(town_json["level"], "township");
    assert!(
        town_json["units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["code"] == VILLAGE_A2 && v["state"] == "silent" && v["level"] == "village")
    );

    // The village stops: the township reports it, and the county ages the
    // report by its own clock until the village is silent (it announced a
    // 2 s retry interval: silent after 4 s without contact).
    village.shutdown(Duration::from_secs(10)).await.unwrap();
    until("the county sees village A1 silent", || {
        let r = report();
        units(&r)[TOWN_A].1[VILLAGE_A1] == "silent"
    })
    .await;
    let r = report();
    let a1 = &r.units.iter().find(|t| t.code == TOWN_A).unwrap().units;
    let a1 = a1.iter().find(|v| v.code == VILLAGE_A1).unwrap();
    assert!(a1.last_contact_ms.is_some() && !a1.connected, "{a1:?}");
    assert_eq!(a1.expected_interval_secs, Some(2), "{a1:?}");

    // The exchange appears at the address the county dials: the link recovers.
    let mut ex_cfg = config(EXCHANGE, None);
    ex_cfg.listen = Some(exchange_addr);
    let exchange = liudong_testkit::start_node(ex_cfg).await.unwrap();
    until("the county's link to the exchange is up", || {
        report()
            .links
            .iter()
            .any(|l| l.role == "upstream" && l.state == "connected")
    })
    .await;
    for n in [town, county, exchange] {
        n.shutdown(Duration::from_secs(10)).await.unwrap();
    }
}
