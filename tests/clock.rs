//! Clocks, with real nodes on 127.0.0.1 whose wall clocks the tests set
//! (docs/protocol.md, "Clocks"): a node compares its clock with its
//! upstream's at every session and refuses local writes while they differ by
//! more than `[sync] max_skew_secs`, naming both clocks; records written
//! while a clock was wrong are not stuck; once the clock is right, writing
//! works again at once and stamps are right; a certificate not valid yet is
//! reported as the clock problem it is.

use liudong_core::validate::Limits;
use liudong_core::{Date, Record, RecordId};
use liudong_i18n::Lang;
use liudong_node::runner::RunningNode;
use liudong_sync::{ClockState, StatusCode, SyncError, WallClock};
use liudong_testkit::demo::local_config;
use liudong_tests::*;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

const HOUR: i64 = 3_600_000;
/// Every wait of these tests is bounded by this.
const PATIENCE: Duration = Duration::from_secs(60);

/// The system clock moved by `offset` ms (which the test may change).
fn clock(offset: &Arc<AtomicI64>) -> WallClock {
    let (sys, offset) = (liudong_sync::system_clock(), offset.clone());
    Arc::new(move || (sys() as i64 + offset.load(Ordering::SeqCst)) as u64)
}

fn now() -> u64 {
    liudong_sync::system_clock()()
}

/// Writes `draft` into the stopped node `cfg` describes, as it would have
/// with its wall clock `ahead` ms ahead: a record written while the clock
/// was wrong and before any session could tell.
fn write_ahead(
    cfg: &liudong_node::config::NodeConfig,
    draft: liudong_store::Draft,
    ahead: i64,
) -> Record {
    let store = liudong_node::runner::open_store(cfg).unwrap();
    let r = store
        .write_local(
            draft,
            Limits {
                now_ms: (now() as i64 + ahead) as u64,
                max_skew_ms: cfg.sync.max_skew_ms,
            },
        )
        .unwrap();
    store.flush().unwrap();
    r
}

/// Waits (bounded) until `node` holds `id`; returns how long it took.
async fn arrives(node: &RunningNode, id: &RecordId, what: &str) -> Duration {
    let t = Instant::now();
    while node.node.store().get(id).unwrap().is_none() {
        assert!(t.elapsed() < PATIENCE, "{what}: {id} did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t.elapsed()
}

/// Waits (bounded) until `node`'s clock state satisfies `f`.
async fn clock_state(node: &RunningNode, f: impl Fn(&ClockState) -> bool) -> ClockState {
    let t = Instant::now();
    loop {
        let s = node.node.clock_state();
        if f(&s) {
            return s;
        }
        assert!(t.elapsed() < PATIENCE, "clock state stayed {s:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A return home of the person of `outflow` (the workflow rule wants the
/// outflow before it).
fn returned(of: &liudong_store::Draft) -> liudong_store::Draft {
    liudong_store::Draft {
        body: liudong_core::Body::Returned(liudong_core::record::Returned {
            return_date: Date::from_unix_ms(now()).add_days(-1),
        }),
        ..of.clone()
    }
}

async fn start_at(
    dir: &Path,
    code: &str,
    upstream: (&str, &RunningNode),
    offset: &Arc<AtomicI64>,
) -> RunningNode {
    let url = format!("http://{}", upstream.1.sync_addr.unwrap());
    let cfg = local_config(code, Some((upstream.0, url)), dir.join(code), true).unwrap();
    liudong_testkit::start_node_with_clock(cfg, clock(offset))
        .await
        .unwrap()
}

/// A township ran three hours ahead and wrote a record before any session
/// could tell. Its first session finds its clock differs from the county's:
/// writes are refused with a message naming both clocks, while the record
/// already written reaches the county (records are not refused for their
/// stamps). Once its clock is right, it writes at once, stamped now, and the
/// same person's next record is ordered after the one stamped ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_whose_clock_differs_refuses_writes_until_it_is_right() {
    liudong_i18n::set_lang(Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &[(EXCHANGE, None), (COUNTY_A, Some(EXCHANGE))]).await;
    let county = topo.node(COUNTY_A);
    let url = format!("http://{}", county.sync_addr.unwrap());
    let cfg = local_config(TOWN_A, Some((COUNTY_A, url)), dir.path().join(TOWN_A), true).unwrap();
    let leaving = outflow(&person(1, VILLAGE_A1), VILLAGE_A1, None);
    let ahead = write_ahead(&cfg, leaving.clone(), 3 * HOUR);

    let offset = Arc::new(AtomicI64::new(3 * HOUR));
    let town = liudong_testkit::start_node_with_clock(cfg, clock(&offset))
        .await
        .unwrap();
    let state = clock_state(&town, ClockState::differs).await;
    println!("township 3 h ahead: {state:?}");
    let e = town
        .node
        .write_local(outflow(&person(2, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .unwrap_err();
    println!("write refused: {e}");
    assert_eq!(e.code(), StatusCode::FailedPrecondition);
    // Both clocks are named, three hours apart.
    let text = e.to_string();
    let times = times_in(&text);
    assert_eq!(times.len(), 2, "{text}");
    let apart = times[0].abs_diff(times[1]) as i64;
    assert!((apart - 3 * 3600).abs() < 60, "{text}");
    assert!(
        text.contains(COUNTY_A) && text.contains("max_skew_secs"),
        "{text}"
    );
    // Not stuck: what it wrote ahead reached the county anyway.
    let took = arrives(county, &ahead.id, "the record stamped ahead").await;
    println!("record stamped 3 h ahead at the county after {took:?}");
    assert!(town.node.store().get(&ahead.id).unwrap().is_some());

    // The clock is set right: writing works at once, without a session.
    offset.store(0, Ordering::SeqCst);
    let t = Instant::now();
    let other = town
        .node
        .write_local(outflow(&person(3, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .expect("writes work once the clock is right");
    println!("first write after the fix took {:?}", t.elapsed());
    let wall = now();
    assert!(
        other.hlc.wall_ms().abs_diff(wall) < 60_000,
        "stamped now ({}), not from the high-water ({})",
        other.hlc,
        ahead.hlc
    );
    let back = town.node.write_local(returned(&leaving)).await.unwrap();
    assert!(
        back.hlc > ahead.hlc,
        "the same person's next record is ordered after the one stamped ahead"
    );
    let took = arrives(county, &back.id, "the record written after the fix").await;
    println!("record written after the fix at the county after {took:?}");
    let view = county.node.store().view(&back.subject).unwrap().unwrap();
    assert_eq!(view.status, liudong_core::view::Status::AtHome);
    // The county's own stamps are not dragged forward by what it received.
    let own = county
        .node
        .write_local(outflow(&person(4, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .unwrap();
    assert!(
        county.node.store().clock() >= ahead.hlc,
        "it holds the stamp"
    );
    assert!(own.hlc.wall_ms().abs_diff(now()) < 60_000, "{}", own.hlc);
    town.shutdown(Duration::from_secs(5)).await.unwrap();
    topo.shutdown().await.unwrap();
}

/// A county ran three hours ahead of the exchange and wrote records. Its
/// writes are refused while its clock is wrong, but its townships are not
/// held back (the county tells them its clock is in doubt), and what it
/// wrote ahead flows down to the village. Once its clock is right, it
/// writes at once and that flows down too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_county_wrote_hours_ahead_flows_down_and_writing_resumes() {
    liudong_i18n::set_lang(Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = start_plain(dir.path(), &[(EXCHANGE, None)]).await;
    let exchange = topo.node(EXCHANGE);
    let url = format!("http://{}", exchange.sync_addr.unwrap());
    let cfg = local_config(
        COUNTY_A,
        Some((EXCHANGE, url)),
        dir.path().join(COUNTY_A),
        true,
    )
    .unwrap();
    let ahead = write_ahead(
        &cfg,
        outflow(&person(5, VILLAGE_A1), VILLAGE_A1, None),
        3 * HOUR,
    );
    let wrong = Arc::new(AtomicI64::new(3 * HOUR));
    let county = liudong_testkit::start_node_with_clock(cfg, clock(&wrong))
        .await
        .unwrap();
    clock_state(&county, ClockState::differs).await;
    let e = county
        .node
        .write_local(outflow(&person(6, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .unwrap_err();
    assert!(matches!(e, SyncError::ClockOffset { .. }), "{e}");

    let right = Arc::new(AtomicI64::new(0));
    let town = start_at(dir.path(), TOWN_A, (COUNTY_A, &county), &right).await;
    let village = start_at(dir.path(), VILLAGE_A1, (TOWN_A, &town), &right).await;
    let took = arrives(&village, &ahead.id, "the county's record stamped ahead").await;
    println!("county's record stamped 3 h ahead at the village after {took:?}");
    // The township is not held back by its county's wrong clock.
    let s = clock_state(&town, |s| matches!(s, ClockState::UpstreamInDoubt { .. })).await;
    println!("township under the county: {s:?}");
    town.node
        .write_local(outflow(&person(7, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .expect("the township writes");

    // The county's clock is set right.
    wrong.store(0, Ordering::SeqCst);
    let t = Instant::now();
    let fixed = county
        .node
        .write_local(outflow(&person(8, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .expect("the county writes once its clock is right");
    assert!(
        fixed.hlc.wall_ms().abs_diff(now()) < 60_000,
        "{}",
        fixed.hlc
    );
    assert!(fixed.hlc < ahead.hlc, "another person: stamped now");
    arrives(&village, &fixed.id, "the county's record after the fix").await;
    println!(
        "county's record written after the fix at the village after {:?}",
        t.elapsed()
    );
    // Within a minute the township compares again and finds the clocks agree.
    let s = clock_state(&town, |s| matches!(s, ClockState::Agrees { .. })).await;
    println!(
        "township after the county's fix: {s:?} after {:?}",
        t.elapsed()
    );
    assert!(county.node.store().clock() >= ahead.hlc);
    for n in [village, town, county] {
        n.shutdown(Duration::from_secs(5)).await.unwrap();
    }
    topo.shutdown().await.unwrap();
}

/// A node whose certificate is not valid yet by its upstream's clock, and an
/// upstream whose certificate is not valid yet by this node's clock: both
/// are reported as clock problems, with both times, not as expired or
/// untrusted certificates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_not_valid_yet_is_reported_as_a_clock_problem() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    use liudong_net::tls::{TlsContext, TlsFiles};
    use liudong_ops::pki;
    liudong_i18n::set_lang(Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let code = |s: &str| liudong_core::Code::parse(s).unwrap();
    let ca = pki::ca_init(&code(COUNTY_A), &dir.path().join("ca")).unwrap();
    let files = |name: &str, issued: &pki::Issued| {
        let d = dir.path().join(name);
        issued.write(&d, &ca.cert_pem).unwrap();
        let trust = d.join("trust.crt");
        std::fs::write(&trust, &ca.cert_pem).unwrap();
        TlsFiles {
            ca_certs: vec![trust],
            cert: d.join(pki::NODE_CERT),
            key: d.join(pki::NODE_KEY),
            crls: vec![ca.crl_path()],
        }
    };
    let soon = time::OffsetDateTime::now_utc() + time::Duration::days(2);
    let later = soon + time::Duration::days(30);
    let start_town = |issued: pki::Issued| {
        let mut cfg = local_config(
            TOWN_A,
            Some((COUNTY_A, "http://127.0.0.1:9".into())),
            dir.path()
                .join(format!("town-data-{}", &issued.fingerprint[7..15])),
            true,
        )
        .unwrap();
        let f = files(&format!("town-{}", &issued.fingerprint[7..15]), &issued);
        cfg.net.tls = Some(TlsContext::load(&f, &code(TOWN_A), Some(&code(COUNTY_A))).unwrap());
        cfg.parent.as_mut().unwrap().1 = "https://127.0.0.1:9".into();
        liudong_testkit::start_node(cfg)
    };
    let dial = |town: &RunningNode, issued: pki::Issued| {
        let url = format!("https://{}", town.sync_addr.unwrap());
        let mut cfg = local_config(
            VILLAGE_A1,
            Some((TOWN_A, url.replacen("https", "http", 1))),
            dir.path()
                .join(format!("village-data-{}", &issued.fingerprint[7..15])),
            false,
        )
        .unwrap();
        let f = files(&format!("village-{}", &issued.fingerprint[7..15]), &issued);
        cfg.net.tls = Some(TlsContext::load(&f, &code(VILLAGE_A1), Some(&code(TOWN_A))).unwrap());
        cfg.parent.as_mut().unwrap().1 = url;
        async move {
            let store = liudong_node::runner::open_store(&cfg).unwrap();
            let node =
                liudong_sync::Node::new(store, cfg.sync.clone(), liudong_sync::system_clock());
            let (parent, url) = cfg.parent.clone().unwrap();
            let connector = liudong_net::GrpcConnector::new(&url, cfg.net.clone()).unwrap();
            use liudong_sync::Connect;
            liudong_sync::run_client_session(
                node,
                &parent,
                false,
                |rx| connector.open(rx),
                tokio_util::sync::CancellationToken::new(),
            )
            .await
        }
    };

    // The village's certificate starts in two days: the township refuses it.
    let town = start_town(ca.issue(&code(TOWN_A), 30).unwrap())
        .await
        .unwrap();
    let early = ca.sign(&code(VILLAGE_A1), soon, later).unwrap();
    let e = dial(&town, early).await.unwrap_err();
    println!("village with a certificate not valid yet sees: {e}");
    let text = e.to_string();
    assert!(
        text.contains("not valid yet") && text.contains("clock"),
        "{text}"
    );
    let reasons = || -> Vec<String> {
        town.node
            .store()
            .audit_query(&Default::default())
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.event {
                liudong_store::audit::AuditEvent::Refused { reason, .. } => Some(reason),
                _ => None,
            })
            .collect()
    };
    let t = Instant::now();
    while reasons().is_empty() {
        assert!(t.elapsed() < PATIENCE, "the refusal is audited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reason = reasons().remove(0);
    println!("township audits: {reason}");
    let starts = liudong_sync::time_cst(soon.unix_timestamp() as u64 * 1000);
    assert!(
        reason.contains("clock")
            && reason.contains(&starts)
            && !reason.contains("certificate expired"),
        "{reason}"
    );
    let metrics = liudong_node::metrics_http::scrape(&town.node).unwrap();
    assert!(
        metrics.contains("liudong_refused_total{reason=\"tls_clock\"} 1"),
        "{metrics}"
    );
    town.shutdown(Duration::from_secs(5)).await.unwrap();

    // The township's certificate starts in two days: the village refuses it.
    let town = start_town(ca.sign(&code(TOWN_A), soon, later).unwrap())
        .await
        .unwrap();
    let e = dial(&town, ca.issue(&code(VILLAGE_A1), 30).unwrap())
        .await
        .unwrap_err();
    println!("village dialling a township whose certificate is not valid yet sees: {e}");
    let text = e.to_string();
    assert!(
        text.contains("clock problem") && text.contains(&starts),
        "{text}"
    );
    town.shutdown(Duration::from_secs(5)).await.unwrap();
}

/// The times `YYYY-MM-DD HH:MM:SS` in `text`, as seconds.
fn times_in(text: &str) -> Vec<u64> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 19 <= b.len() {
        let shape = b[i..i + 19].iter().enumerate().all(|(k, c)| match k {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
        let w = if shape {
            std::str::from_utf8(&b[i..i + 19]).ok()
        } else {
            None
        };
        if let Some(w) = w
            && let Ok(day) = Date::parse(&w[..10])
        {
            let n = |r: std::ops::Range<usize>| w[r].parse::<u64>().unwrap();
            out.push(day.to_days() as u64 * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19));
            i += 19;
        } else {
            i += 1;
        }
    }
    out
}
