//! The JetStream exchange transport against a real three-server cluster on
//! loopback (file storage, three replicas, mutual TLS, each county with its
//! own key and permissions), set up by `liudong exchange nats-config`:
//!
//! - counties in three provinces exchanging, the refusals of what a county
//!   may not do, a replayed record id, and the file store searched for clear
//!   text (one cluster);
//! - one server killed in the middle of a flow (its own cluster);
//! - two of three servers stopped, then back (its own cluster);
//! - county nodes configured with `[exchange] nats`: the nine-node demo over
//!   the cluster, and two counties whose crossing records wait in the
//!   outbox while the cluster has no quorum (status failing) and flow when
//!   it returns, with a tampered envelope and one relayed under another
//!   county's name refused and audited;
//! - `liudong verify` over the cluster (delivery proofs): equal, a record
//!   lost with the whole cluster named as missing, `liudong exchange
//!   resend` restoring it, a forged proof refused.
//!
//! Needs `nats-server` (scripts/setup-test.sh installs it).

use bytes::Bytes;
use liudong_core::Code;
use liudong_core::synth::{self, SynthRng};
use liudong_jetstream::{
    ConsumeOptions, ConsumeStats, Delivery, Exchange, ExchangeError, Identity, Outgoing, Published,
};
use liudong_testkit::nats::NatsCluster;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const A: &str = "410602"; // 鹤山区, Henan
const B: &str = "440306"; // 宝安区, Guangdong
const C: &str = "330106"; // 西湖区, Zhejiang

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn out(id: &str, dest: &str, payload: impl Into<Bytes>) -> Outgoing {
    Outgoing {
        id: id.to_string(),
        dest: code(dest),
        payload: payload.into(),
    }
}

/// What a consumer received: every delivery, in order.
#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<Delivery>>>);

impl Inbox {
    fn ids(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.id.clone())
            .collect()
    }

    fn distinct(&self) -> BTreeSet<String> {
        self.ids().into_iter().collect()
    }

    fn all(&self) -> Vec<Delivery> {
        self.0.lock().unwrap().clone()
    }

    /// Waits (at most `limit`) until `pred` holds.
    async fn until(&self, limit: Duration, what: &str, pred: impl Fn(&Inbox) -> bool) {
        let start = Instant::now();
        while !pred(self) {
            assert!(
                start.elapsed() < limit,
                "{what}: not within {limit:?} ({} deliveries)",
                self.ids().len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Runs `x`'s consumer into an inbox (an idempotent handler, as the county's
/// receive path is) until the token is cancelled.
fn consume(
    x: &Exchange,
    opts: ConsumeOptions,
) -> (
    Inbox,
    CancellationToken,
    tokio::task::JoinHandle<Result<ConsumeStats, ExchangeError>>,
) {
    let inbox = Inbox::default();
    let stop = CancellationToken::new();
    let (x, got, s) = (x.clone(), inbox.clone(), stop.clone());
    let task = tokio::spawn(async move {
        x.consume(&opts, s, move |batch: Vec<Delivery>| {
            let got = got.clone();
            async move {
                got.0.lock().unwrap().extend(batch);
                Ok::<(), String>(())
            }
        })
        .await
    });
    (inbox, stop, task)
}

fn quick() -> ConsumeOptions {
    ConsumeOptions {
        batch: 64,
        expires: Duration::from_secs(2),
        retry_delay: Duration::from_millis(200),
    }
}

/// Publishes `msgs`, publishing again what failed retryably (as a county's
/// outbox would), within `limit`; returns the acknowledgements and how many
/// publishes failed on the way.
async fn publish_until_stored(
    x: &Exchange,
    msgs: &[Outgoing],
    limit: Duration,
) -> (Vec<Published>, usize) {
    let start = Instant::now();
    let mut failures = 0;
    let mut acks = Vec::new();
    for m in msgs {
        loop {
            match x.publish(m).await {
                Ok(p) => {
                    acks.push(p);
                    break;
                }
                Err(e) if e.is_retryable() && start.elapsed() < limit => {
                    failures += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("publish {} failed: {e}", m.id),
            }
        }
    }
    (acks, failures)
}

/// A stand-in for the sealing of item 3 (test only): XOR with a keystream
/// derived from a key and the record id, so the payload carries no clear
/// text. The control token is appended in clear, to show the store search
/// does read the stored payloads.
fn seal(id: &str, clear: &[u8], control: &[u8]) -> Vec<u8> {
    let mut ks = vec![0u8; clear.len()];
    blake3::Hasher::new_keyed(&[7u8; 32])
        .update(id.as_bytes())
        .finalize_xof()
        .fill(&mut ks);
    let mut v: Vec<u8> = clear.iter().zip(ks).map(|(a, b)| a ^ b).collect();
    v.extend_from_slice(control);
    v
}

/// Every file under `dirs`, read whole, searched for `needle`.
fn files_containing(dirs: &[std::path::PathBuf], needle: &[u8]) -> (usize, Vec<String>) {
    fn walk(p: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
    }
    let mut files = Vec::new();
    for d in dirs {
        walk(d, &mut files);
    }
    let hits = files
        .iter()
        .filter(|f| {
            std::fs::read(f)
                .map(|b| b.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
        })
        .map(|f| f.display().to_string())
        .collect();
    (files.len(), hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counties_in_three_provinces_exchange_only_what_they_may() {
    let t = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(t.path(), &[A, B, C])
        .await
        .expect("cluster");
    let (a, b, c) = (
        cluster.connect(A).await.unwrap(),
        cluster.connect(B).await.unwrap(),
        cluster.connect(C).await.unwrap(),
    );
    let (in_a, stop_a, task_a) = consume(&a, quick());
    let (in_b, stop_b, task_b) = consume(&b, quick());
    let (in_c, stop_c, task_c) = consume(&c, quick());

    // 1. Every county sends 20 payloads to each of the others.
    let counties = [(A, &a), (B, &b), (C, &c)];
    let mut sent: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let t0 = Instant::now();
    for (from, x) in counties {
        let mut batch = Vec::new();
        for (to, _) in counties.iter().filter(|(to, _)| *to != from) {
            for i in 0..20 {
                let id = format!("{from}100001-{to}-{i}");
                sent.entry(*to).or_default().insert(id.clone());
                batch.push(out(&id, to, format!("opaque {id}").into_bytes()));
            }
        }
        for r in x.publish_all(&batch).await {
            let p = r.expect("stored");
            assert!(!p.duplicate);
        }
    }
    for (to, inbox) in [(A, &in_a), (B, &in_b), (C, &in_c)] {
        let want = sent[to].clone();
        inbox
            .until(
                Duration::from_secs(20),
                &format!("deliveries to {to}"),
                |i| i.distinct() == want,
            )
            .await;
        for d in inbox.all() {
            assert_eq!(d.dest, code(to));
            assert!(
                d.id.starts_with(&d.source.to_string()),
                "{} from {}",
                d.id,
                d.source
            );
            assert_eq!(d.payload, Bytes::from(format!("opaque {}", d.id)));
        }
    }
    println!(
        "120 payloads between three provinces delivered in {:.0} ms",
        t0.elapsed().as_secs_f64() * 1000.0
    );

    // 2. A replayed record id is stored once and delivered once: the
    // replay, then a fresh id; the fresh one arrives, the replay never does.
    let replay = out(&format!("{A}100001-{B}-0"), B, "opaque again");
    let p = a.publish(&replay).await.unwrap();
    assert!(p.duplicate, "the stream drops a repeated message id");
    a.publish(&out("after-replay", B, "x")).await.unwrap();
    in_b.until(Duration::from_secs(10), "the fresh id", |i| {
        i.distinct().contains("after-replay")
    })
    .await;
    let times = in_b.ids().iter().filter(|id| **id == replay.id).count();
    assert_eq!(times, 1, "the replayed id was delivered {times} times");

    // 3. What a county may not do, refused by the servers.
    // Publishing as another county:
    let js = async_nats::jetstream::new(a.nats().clone());
    let forged = liudong_jetstream::names::subject(&code(C), &code(B));
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        js.publish(forged.clone(), Bytes::from_static(b"forged")),
    )
    .await
    .expect("bounded");
    if let Ok(ack) = r {
        assert!(
            ack.await.is_err(),
            "no acknowledgement for a forged publish"
        );
    }
    let start = Instant::now();
    while !a.was_refused(&forged) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no violation reported for {forged}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Subscribing to another county's subject, reading its queue, making a consumer:
    let _sub = a
        .nats()
        .subscribe(liudong_jetstream::names::inbound_filter(&code(B)))
        .await
        .unwrap();
    let stream = cluster.written.plan.stream.clone();
    let next = format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.to-{B}");
    let create = format!("$JS.API.CONSUMER.CREATE.{stream}.spy");
    for subject in [&next, &create] {
        let _ = a
            .nats()
            .publish_with_reply(
                subject.clone(),
                "_INBOX_410602.spy",
                Bytes::from_static(b"{}"),
            )
            .await;
    }
    a.nats().flush().await.unwrap();
    for subject in [
        liudong_jetstream::names::inbound_filter(&code(B)),
        next,
        create,
    ] {
        let start = Instant::now();
        while !a.was_refused(&subject) {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no violation reported for {subject}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // A key the cluster does not know is refused at connect, as such.
    let (stranger, _) = liudong_jetstream::identity::new_user_key().unwrap();
    let id = Identity::new(code(A), &stranger, cluster.tls(A).unwrap()).unwrap();
    match Exchange::connect(&id, &cluster.options()).await {
        Err(ExchangeError::Auth { .. }) => {}
        other => panic!("an unknown key must be refused as such: {other:?}"),
    }
    // Nothing forged reached C.
    c.publish(&out("c-marker", A, "m")).await.unwrap();
    in_a.until(Duration::from_secs(10), "a marker", |i| {
        i.distinct().contains("c-marker")
    })
    .await;
    assert!(
        in_c.all()
            .iter()
            .all(|d| d.payload != Bytes::from_static(b"forged"))
    );

    // 4. The file store holds what was published as it was given — opaque
    // here — and nothing in clear: not the person's citizen ID nor name.
    let today = liudong_core::Date::from_unix_ms(liudong_sync::system_clock()());
    let mut rng = SynthRng::new(16);
    let birth = synth::birth_date(&mut rng, today, 20, 40);
    let person = synth::citizen_id(&mut rng, A, birth, liudong_core::record::Sex::Female);
    let name = synth::name(&mut rng);
    let control = b"CONTROL-7f3a9c2e";
    stop_c.cancel(); // C does not consume: its payloads stay in the store
    task_c.await.unwrap().unwrap();
    let held: Vec<Outgoing> = (0..10)
        .map(|i| {
            let id = format!("{A}100001-sealed-{i}");
            let clear = format!(
                "{{\"subject\":\"{}\",\"name\":\"{name}\"}}",
                person.as_str()
            );
            out(&id, C, seal(&id, clear.as_bytes(), control))
        })
        .collect();
    for r in a.publish_all(&held).await {
        r.unwrap();
    }
    let dirs = cluster.store_dirs();
    let (files, hits) = files_containing(&dirs, control);
    assert!(
        !hits.is_empty(),
        "the control token is in the store ({files} files searched)"
    );
    for needle in [person.as_str().as_bytes(), name.as_bytes()] {
        let (_, hits) = files_containing(&dirs, needle);
        assert!(hits.is_empty(), "clear text found in {hits:?}");
    }
    println!(
        "file store: {files} files searched; control token in {} of them, no clear text",
        hits.len()
    );

    stop_a.cancel();
    stop_b.cancel();
    let (sa, sb) = (
        task_a.await.unwrap().unwrap(),
        task_b.await.unwrap().unwrap(),
    );
    println!("consumer A {sa:?}\nconsumer B {sb:?}");
}

/// Index of the server leading the stream.
async fn stream_leader(cluster: &NatsCluster) -> usize {
    let admin = cluster.admin().await.unwrap();
    let js = async_nats::jetstream::new(admin.nats().clone());
    let mut s = js.get_stream(&cluster.written.plan.stream).await.unwrap();
    let info = s.info().await.unwrap();
    let leader = info
        .cluster
        .as_ref()
        .and_then(|c| c.leader.clone())
        .expect("a leader");
    cluster
        .written
        .plan
        .servers
        .iter()
        .position(|s| s.name == leader)
        .expect("a server of the plan")
}

/// A's connection and B's running consumer, with acknowledgements awaited
/// for 2 s (failover cases).
async fn a_sends_to_b(
    cluster: &NatsCluster,
) -> (
    Exchange,
    Inbox,
    CancellationToken,
    tokio::task::JoinHandle<Result<ConsumeStats, ExchangeError>>,
) {
    let mut opts = cluster.options();
    opts.request_timeout = Duration::from_secs(2);
    let a = Exchange::connect(&cluster.identity(A).unwrap(), &opts)
        .await
        .unwrap();
    let b = Exchange::connect(&cluster.identity(B).unwrap(), &opts)
        .await
        .unwrap();
    let (in_b, stop_b, task_b) = consume(&b, quick());
    (a, in_b, stop_b, task_b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_flow_loses_nothing_and_stores_nothing_twice() {
    let t = tempfile::tempdir().unwrap();
    let mut cluster = NatsCluster::start(t.path(), &[A, B])
        .await
        .expect("cluster");
    let (a, in_b, stop_b, task_b) = a_sends_to_b(&cluster).await;
    let n = 300;
    let msgs: Vec<Outgoing> = (0..n)
        .map(|i| out(&format!("{A}100001-{i}"), B, vec![i as u8; 300]))
        .collect();
    let (first, rest) = msgs.split_at(n / 3);
    let (acks, _) = publish_until_stored(&a, first, Duration::from_secs(30)).await;
    assert_eq!(acks.len(), first.len());
    let leader = stream_leader(&cluster).await;
    cluster.kill(leader).unwrap();
    let t0 = Instant::now();
    let (acks, failures) = publish_until_stored(&a, rest, Duration::from_secs(40)).await;
    assert_eq!(acks.len(), rest.len());
    let want: BTreeSet<String> = msgs.iter().map(|m| m.id.clone()).collect();
    in_b.until(Duration::from_secs(40), "every payload at B", |i| {
        i.distinct() == want
    })
    .await;
    println!(
        "stream leader nats-{} killed after {} of {n}: the rest stored and delivered {:.0} ms later, {failures} publishes retried",
        leader + 1,
        first.len(),
        t0.elapsed().as_secs_f64() * 1000.0
    );
    // Nothing twice: the stream assigned exactly one sequence number per
    // record id (every retried publish was recognised as a duplicate), and
    // every id reached B (a delivery repeated because its acknowledgement
    // was lost in the failover is counted, and harmless to an idempotent
    // receiver).
    let admin = cluster.admin().await.unwrap();
    let (held, last) = liudong_jetstream::stream::state(&admin).await.unwrap();
    assert_eq!(
        last, n as u64,
        "sequence numbers assigned: one per record id"
    );
    let deliveries = in_b.ids().len();
    stop_b.cancel();
    let stats = task_b.await.unwrap().unwrap();
    println!(
        "B: {deliveries} deliveries of {n} ids ({} redelivered); stream holds {held} after the acknowledgements",
        stats.redelivered
    );
    cluster.restart(leader).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_quorum_publishes_fail_retryably_and_all_flow_when_it_returns() {
    let t = tempfile::tempdir().unwrap();
    let mut cluster = NatsCluster::start(t.path(), &[A, B])
        .await
        .expect("cluster");
    let (a, in_b, stop_b, task_b) = a_sends_to_b(&cluster).await;
    a.publish(&out("before", B, "1")).await.unwrap();
    in_b.until(Duration::from_secs(10), "the first payload", |i| {
        i.ids().len() == 1
    })
    .await;

    cluster.kill(0).unwrap();
    cluster.kill(1).unwrap();
    // The county's outbox: what could not be published waits here.
    let outbox: Vec<Outgoing> = (0..20)
        .map(|i| out(&format!("{A}100001-q{i}"), B, "2"))
        .collect();
    let mut errors = Vec::new();
    for m in &outbox[..3] {
        let e = a
            .publish(m)
            .await
            .expect_err("no quorum: nothing is stored");
        assert!(e.is_retryable(), "{e:?} is retryable");
        errors.push(e.to_string());
    }
    println!("publishes without quorum: {errors:?}");
    assert_eq!(in_b.ids().len(), 1, "nothing new was delivered");

    let t0 = Instant::now();
    cluster.restart(1).await.unwrap();
    let (acks, failures) = publish_until_stored(&a, &outbox, Duration::from_secs(40)).await;
    assert_eq!(acks.len(), outbox.len());
    let mut want: BTreeSet<String> = outbox.iter().map(|m| m.id.clone()).collect();
    want.insert("before".into());
    in_b.until(Duration::from_secs(40), "the outbox at B", |i| {
        i.distinct() == want
    })
    .await;
    println!(
        "quorum back (2 of 3): outbox of {} stored and delivered in {:.0} ms, {failures} publishes retried meanwhile",
        outbox.len(),
        t0.elapsed().as_secs_f64() * 1000.0
    );
    stop_b.cancel();
    task_b.await.unwrap().unwrap();
}

// ---- county nodes on the cluster ([exchange] nats) -------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_with_a_jetstream_cluster_in_place_of_the_exchange_node() {
    let t = tempfile::tempdir().unwrap();
    // `run_with` fails unless every record reaches exactly the nodes
    // entitled to it.
    let rows = liudong_testkit::demo::run_with(
        Some(t.path().to_path_buf()),
        liudong_testkit::demo::DemoExchange::Nats,
    )
    .await
    .unwrap();
    assert!(rows.len() >= 5, "the demo's flow: {}", rows.len());
    let crossing = rows
        .iter()
        .filter(|r| {
            r.arrivals.contains_key(liudong_testkit::demo::COUNTY_A)
                && r.arrivals.contains_key(liudong_testkit::demo::COUNTY_B)
        })
        .count();
    assert!(crossing >= 3, "records crossed the cluster: {crossing}");
}

/// The counties A and B as nodes on a cluster of their own.
async fn counties_on_cluster(
    dir: &std::path::Path,
) -> (NatsCluster, liudong_testkit::demo::Topology) {
    counties_on_cluster_with(dir, |_| {}).await
}

/// How the county nodes of these tests are configured, then `more`.
fn county_tweak(cfg: &mut liudong_node::config::NodeConfig) {
    cfg.store.compression = None;
    cfg.link.backoff_max = Duration::from_secs(1);
}

/// As [`counties_on_cluster`], with `more` applied to each node's config.
async fn counties_on_cluster_with(
    dir: &std::path::Path,
    more: fn(&mut liudong_node::config::NodeConfig),
) -> (NatsCluster, liudong_testkit::demo::Topology) {
    let nodes = [("CN", None), (A, Some("CN")), (B, Some("CN"))];
    let pki = liudong_testkit::demo_tls::DemoPki::create(dir, &nodes).unwrap();
    let cluster = NatsCluster::start_with_pki(dir, pki, &[A, B])
        .await
        .expect("cluster (needs nats-server: scripts/setup-test.sh)");
    // The county's config file, as its operator writes it, validates to
    // what `attach` sets up.
    let files = cluster
        .pki()
        .files(&code(A), liudong_core::NodeKind::County);
    let list = |p: &[std::path::PathBuf]| format!("{p:?}");
    let text = format!(
        "[node]\ncode = \"{A}\"\ndata_dir = \"data\"\nlisten = \"127.0.0.1:0\"\n[upstream]\ncode = \"CN\"\n[tls]\nca_certs = {}\ncert = {:?}\nkey = {:?}\ncrls = {}\n[exchange]\nnats = {:?}\n",
        list(&files.ca_certs),
        files.cert,
        files.key,
        list(&files.crls),
        cluster.written.plan.client_urls(),
    );
    let path = dir.join("county-a.toml");
    std::fs::write(&path, text).unwrap();
    let cfg = liudong_node::config::Config::load(&path).unwrap();
    let nl = cfg.exchange.nats.as_ref().expect("[exchange] nats");
    assert_eq!(nl.servers, cluster.written.plan.client_urls());
    assert_eq!(nl.seed, files.key.parent().unwrap().join("nats.nk"));
    assert_eq!(nl.exchange.code.to_string(), "CN");
    assert!(cfg.parent.is_none() && cfg.awaiting_upstream.is_none());
    assert!(cfg.exchange.sealed && cfg.store.sealed);
    let topo = liudong_testkit::demo::Topology::start_on(
        dir,
        &nodes[1..],
        true,
        Some(cluster.pki()),
        Some(&cluster),
        |cfg| {
            county_tweak(cfg);
            more(cfg);
        },
    )
    .await
    .unwrap();
    (cluster, topo)
}

fn crossing_draft(seed: u64) -> liudong_store::Draft {
    let who = liudong_tests::person(seed, "410602100001");
    liudong_tests::outflow(&who, "410602100001", Some("440306018001"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_nodes_wait_without_quorum_and_refuse_tampered_or_relayed_envelopes() {
    let t = tempfile::tempdir().unwrap();
    let (mut cluster, topo) = counties_on_cluster(t.path()).await;
    let both = vec![A.to_string(), B.to_string()];
    let wait = Duration::from_secs(60);

    // A crossing record reaches the destination county through the cluster.
    let first = topo.write(A, crossing_draft(1)).await.unwrap();
    topo.wait_for(&first.id, &both, wait).await.unwrap();
    let a = topo.node(A).node.clone();
    let b = topo.node(B).node.clone();
    let link = liudong_core::Link::Parent;
    let sent_env = a
        .store()
        .envelope_bytes(&first.id, &code(B))
        .unwrap()
        .expect("A keeps the envelope it published");
    assert_eq!(
        b.store().envelope_bytes(&first.id, &code(B)).unwrap(),
        Some(sent_env.clone()),
        "B holds the same envelope (what fingerprints compare)"
    );

    // Two of three servers stopped: the record waits in A's outbox and the
    // link shows the failure.
    cluster.kill(1).unwrap();
    cluster.kill(2).unwrap();
    let waiting = topo.write(A, crossing_draft(2)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = a.store().link_status(&link).unwrap();
        if s.last_failure_ms
            .is_some_and(|f| s.last_success_ms.is_none_or(|ok| f > ok))
        {
            println!("A's exchange link without quorum: {:?}", s.last_error);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "A's link never showed the failure: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!b.store().holds_item(&waiting.id).unwrap());
    let out = a
        .store()
        .cursor(liudong_store::CursorDir::Out, &link)
        .unwrap();
    let pending = a.store().outbox(&link, out, 100, 1 << 20).unwrap();
    assert!(
        !pending.records.is_empty(),
        "the record waits in A's outbox for the exchange"
    );
    cluster.restart(1).await.unwrap();
    cluster.restart(2).await.unwrap();
    let took = topo.wait_for(&waiting.id, &both, wait).await.unwrap();
    println!("after quorum returned, the waiting record arrived in {took:?}");

    // A tampered envelope (a byte of the sealed body flipped), published by
    // A under a new message id: B refuses it for good and audits it.
    let xa = cluster.connect(A).await.unwrap();
    let mut tampered = sent_env.clone();
    let at = tampered.len() - 80;
    tampered[at] ^= 0x01;
    xa.publish(&Outgoing {
        id: "tampered-1".into(),
        dest: code(B),
        payload: Bytes::from(tampered),
    })
    .await
    .unwrap();
    // B relays A's envelope as if B had sealed it (subject source B).
    let xb = cluster.connect(B).await.unwrap();
    xb.publish(&Outgoing {
        id: "relayed-1".into(),
        dest: code(B),
        payload: Bytes::from(sent_env.clone()),
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let refused = b
            .store()
            .audit_query(&liudong_store::audit::AuditFilter::default())
            .unwrap()
            .iter()
            .filter(|e| matches!(e.event, liudong_store::audit::AuditEvent::Refused { .. }))
            .count();
        if refused >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B audited {refused} refusals, expected the tampered and the relayed envelope"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Later records still flow (the refused ones were terminated, not retried).
    let later = topo.write(A, crossing_draft(3)).await.unwrap();
    topo.wait_for(&later.id, &both, wait).await.unwrap();
    assert_eq!(b.store().record_count(), 3, "three records, nothing twice");
    topo.shutdown().await.unwrap();
}

/// County `code`'s config as [`counties_on_cluster_with`] starts it (to
/// start it again).
fn county_config(
    dir: &std::path::Path,
    cluster: &NatsCluster,
    code: &str,
    more: fn(&mut liudong_node::config::NodeConfig),
) -> liudong_node::config::NodeConfig {
    let mut cfg = liudong_testkit::demo::local_config(
        code,
        Some(("CN", "http://127.0.0.1:9".to_string())),
        dir.join(code),
        true,
    )
    .unwrap();
    cluster.pki().secure(&mut cfg).unwrap();
    cluster.attach(&mut cfg).unwrap();
    county_tweak(&mut cfg);
    more(&mut cfg);
    cfg
}

/// Runs `liudong verify` at `code` until `done` holds for the report (each
/// attempt's outcome printed), at most `within`.
async fn verify_until(
    topo: &liudong_testkit::demo::Topology,
    code: &str,
    within: Duration,
    done: impl Fn(&liudong_sync::verify::VerifyReport) -> bool,
) -> liudong_sync::verify::VerifyReport {
    let v = topo.node(code).verifier.clone().expect("a verifier");
    let deadline = Instant::now() + within;
    loop {
        let last = match v.run(false).await {
            Ok(r) if done(&r) => {
                for line in liudong_node::text::verify_lines(&r) {
                    println!("{line}");
                }
                return r;
            }
            Ok(r) => format!("{:?}", r.sources),
            Err(e) => e.to_string(),
        };
        assert!(
            Instant::now() < deadline,
            "verify at {code} did not reach the expected outcome within {within:?}; last: {last}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn from_a(r: &liudong_sync::verify::VerifyReport) -> Option<&liudong_sync::verify::SourceCheck> {
    r.sources.iter().find(|c| c.source == A)
}

fn quick_proofs(cfg: &mut liudong_node::config::NodeConfig) {
    cfg.exchange.keys_interval = Duration::from_secs(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_proves_delivery_over_the_cluster_and_resend_restores_a_total_loss() {
    let t = tempfile::tempdir().unwrap();
    let (mut cluster, mut topo) = counties_on_cluster_with(t.path(), quick_proofs).await;
    let both = vec![A.to_string(), B.to_string()];
    let wait = Duration::from_secs(60);

    // A record from A reaches B; verify at B: equal to A's proof.
    let first = topo.write(A, crossing_draft(1)).await.unwrap();
    topo.wait_for(&first.id, &both, wait).await.unwrap();
    let r = verify_until(&topo, B, wait, |r| {
        r.in_step && from_a(r).is_some_and(|c| c.state == "equal")
    })
    .await;
    let c = from_a(&r).unwrap();
    assert_eq!((c.sent, c.received, c.missing), (1, 1, 0));
    assert_eq!(r.in_flight, 0);

    // B stopped; A's second record is published (acknowledged by the
    // stream) and then the whole cluster is lost with its disks.
    let b = topo.take(B).unwrap();
    b.shutdown(Duration::from_secs(10)).await.unwrap();
    let second = topo.write(A, crossing_draft(2)).await.unwrap();
    let a = topo.node(A).node.clone();
    let link = liudong_core::Link::Parent;
    let deadline = Instant::now() + wait;
    loop {
        let cursor = a
            .store()
            .cursor(liudong_store::CursorDir::Out, &link)
            .unwrap();
        // Sealed (sealing runs after the write) and published.
        let sealed = a
            .store()
            .envelope_bytes(&second.id, &code(B))
            .unwrap()
            .is_some();
        if sealed && a.store().pending(&link, cursor).unwrap() == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "A never published its second record"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cluster.lose_everything().await.unwrap();
    let b = liudong_testkit::start_node(county_config(t.path(), &cluster, B, quick_proofs))
        .await
        .unwrap();
    topo.put(B, b);

    // A announces its proof again on the new cluster: verify at B names the
    // record that was lost with the cluster, and its source.
    let r = verify_until(&topo, B, wait, |r| {
        from_a(r).is_some_and(|c| c.state == "missing")
    })
    .await;
    assert!(!r.in_step);
    let c = from_a(&r).unwrap();
    assert_eq!((c.sent, c.received, c.missing), (2, 1, 1));
    assert_eq!(c.missing_ids, vec![second.id.to_string()]);
    assert!(
        !topo.node(B).node.store().holds_item(&second.id).unwrap(),
        "the record really is missing at B"
    );
    assert!(
        liudong_node::text::verify_lines(&r)
            .iter()
            .any(|l| l.contains(&second.id.to_string()) && l.contains(A)),
        "the report names the record and its source"
    );

    // A re-sends: stopped, its publish cursor back, started again.
    drop(a);
    let a_node = topo.take(A).unwrap();
    a_node.shutdown(Duration::from_secs(10)).await.unwrap();
    let a_cfg = county_config(t.path(), &cluster, A, quick_proofs);
    let resent = liudong_node::resend::resend(&a_cfg, "operator-1").unwrap();
    assert!(resent.from > 0 && resent.records >= 2, "{resent:?}");
    let a_node = liudong_testkit::start_node(a_cfg).await.unwrap();
    let audited = a_node
        .node
        .store()
        .audit_query(&liudong_store::audit::AuditFilter::default())
        .unwrap()
        .into_iter()
        .any(|e| {
            matches!(e.event, liudong_store::audit::AuditEvent::Resent { ref operator, records, .. }
                if operator == "operator-1" && records == resent.records)
        });
    assert!(audited, "the re-send is in A's audit trail");
    topo.put(A, a_node);
    topo.wait_for(&second.id, &both, wait).await.unwrap();
    let r = verify_until(&topo, B, wait, |r| {
        r.in_step && from_a(r).is_some_and(|c| c.state == "equal")
    })
    .await;
    assert_eq!(from_a(&r).unwrap().received, 2);
    assert_eq!(topo.node(B).node.store().record_count(), 2);

    // A proof under A's name signed with another key is refused (A is
    // stopped first, or it would soon announce its own again); B may not
    // announce as A at all, nor read proofs addressed to others.
    let a_key = topo
        .node(A)
        .node
        .keys()
        .unwrap()
        .current()
        .unwrap()
        .key_id
        .clone();
    let a_node = topo.take(A).unwrap();
    a_node.shutdown(Duration::from_secs(10)).await.unwrap();
    let xa = cluster.connect(A).await.unwrap();
    // The wire form of docs/protocol.md, naming A's key, signed by another.
    let stranger = liudong_exchange::OwnKey::generate(1).unwrap();
    let mut claim = liudong_exchange::Proof::new(&code(A), &code(B), Vec::new());
    claim.signer_key = a_key;
    let body = serde_json::to_vec(&claim).unwrap();
    let mut signed = b"liudong-proof-v1".to_vec();
    signed.extend_from_slice(&(body.len() as u32).to_be_bytes());
    signed.extend_from_slice(&body);
    let mut forged = (body.len() as u32).to_be_bytes().to_vec();
    forged.extend_from_slice(&body);
    forged.extend_from_slice(&stranger.sign(&signed));
    liudong_jetstream::proofs::publish(&xa, &code(A), &code(B), &forged)
        .await
        .unwrap();
    let r = verify_until(&topo, B, wait, |r| {
        from_a(r).is_some_and(|c| c.state == "refused")
    })
    .await;
    assert!(!r.in_step);
    let bad_signature = liudong_exchange::SealError::ProofBadSignature { from: code(A) };
    assert_eq!(from_a(&r).unwrap().reason, bad_signature.to_string());
    let xb = cluster.connect(B).await.unwrap();
    let as_a = liudong_jetstream::proofs::publish(&xb, &code(A), &code(B), &forged).await;
    assert!(
        matches!(as_a, Err(ExchangeError::PermissionDenied { .. })),
        "B announcing as A: {as_a:?}"
    );
    let others = liudong_jetstream::proofs::read(&xb, &code(B), &code(C)).await;
    assert!(others.is_err(), "B reading a proof for C: {others:?}");
    topo.shutdown().await.unwrap();
}
