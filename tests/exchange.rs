//! The sealed exchange tier: counties in three provinces exchange crossing
//! records through a gRPC exchange that stores and routes envelopes by their
//! header only and never holds a person's data; the receiving county refuses
//! forged or altered envelopes, takes a replayed one as a no-op, and opens
//! records sealed to a key it has since retired.

use bytes::Bytes;
use liudong_core::record::{Body, PersonRegistered, Sex};
use liudong_core::synth::{SynthRng, name};
use liudong_core::{Code, Link};
use liudong_exchange::envelope::{edit_header, parts};
use liudong_exchange::{Envelope, KeyRing, peek_header, seal};
use liudong_sync::{Admission, Batch, Node, SyncError, Via};
use liudong_testkit::demo::Topology;
use liudong_tests::*;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// Logs of the nodes when `RUST_LOG` is set (e.g. `RUST_LOG=liudong_sync=debug`).
fn log() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Every file under `dir` (bounded walk: the store has no deep nesting).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The needles found anywhere in the files under `dir`.
fn found_in(dir: &Path, needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files_under(dir) {
        let bytes = std::fs::read(&f).unwrap();
        for n in needles {
            if bytes.windows(n.len()).any(|w| w == n.as_bytes()) && !found.contains(n) {
                found.push(n.clone());
            }
        }
    }
    found
}

/// A registration of a named synthetic person of `origin`, living at `residence`.
fn registration(seed: u64, origin: &str, residence: &str) -> (liudong_store::Draft, String) {
    let who = person(seed, origin);
    let n = name(&mut SynthRng::new(seed ^ 0x5EA1));
    let body = Body::PersonRegistered(PersonRegistered {
        name: n.clone(),
        sex: Sex::Female,
        birth_date: who.birth_date(),
        marital_status: Default::default(),
        hukou: Default::default(),
        household: String::new(),
        phone: String::new(),
    });
    (draft(&who, origin, Some(residence), body), n)
}

fn keys(topo: &Topology, code: &str) -> Arc<KeyRing> {
    topo.node(code)
        .node
        .keys()
        .expect("a node of the sealed tier")
        .clone()
}

fn code(c: &str) -> Code {
    Code::parse(c).unwrap()
}

/// Delivers `envelopes` to `node` as a batch from its exchange, through the
/// one receive path (no cursor moves).
async fn from_exchange(
    node: &Arc<Node>,
    envelopes: Vec<Vec<u8>>,
) -> Result<(usize, usize), SyncError> {
    let batch = Batch {
        records: envelopes.into_iter().map(Bytes::from).collect(),
        ..Batch::default()
    };
    let r = node
        .receive(Admission {
            link: Link::Parent,
            batch,
            cursor: None,
            via: Via::Session,
        })
        .await?;
    Ok((r.outcome.new, r.outcome.duplicate))
}

/// Waits (bounded) until `ring` seals to `county` with key `key_id`.
async fn until_sealing_key(ring: &KeyRing, county: &Code, key_id: &str) {
    for _ in 0..300 {
        if ring
            .current_peer(county, u64::MAX / 2)
            .is_some_and(|k| k.key_id == key_id)
        {
            return;
        }
        ring.want_keys();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the key {key_id} of {county} did not reach the sealing county within 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_provinces_exchange_sealed_records_the_exchange_cannot_read() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    log();
    let dir = tempfile::tempdir().unwrap();
    // Uncompressed stores, so that a byte search finds whatever is stored in clear.
    let topo = start_tls(dir.path(), &WIDE, true, |cfg| cfg.store.compression = None).await;
    let mut needles = Vec::new();
    let mut crossing = Vec::new();
    // Henan → Guangdong, Guangdong → Zhejiang, Zhejiang → Henan.
    for (seed, from, to, path) in [
        (31, VILLAGE_A1, VILLAGE_B1, [COUNTY_A, COUNTY_B, TOWN_B]),
        (32, VILLAGE_B1, VILLAGE_C1, [COUNTY_B, COUNTY_C, TOWN_C]),
        (33, VILLAGE_C1, VILLAGE_A1, [COUNTY_C, COUNTY_A, TOWN_A]),
    ] {
        let (d, n) = registration(seed, from, to);
        needles.push(d.subject.to_string());
        needles.push(n);
        let r = topo.write(from, d).await.unwrap();
        let mut expect: Vec<String> = path.iter().map(|c| c.to_string()).collect();
        expect.extend([from.to_string(), to.to_string(), EXCHANGE.to_string()]);
        topo.wait_for(&r.id, &expect, WAIT).await.unwrap();
        crossing.push((r, path[1]));
    }
    let exchange = topo.node(EXCHANGE).node.store().clone();
    assert_eq!(
        exchange.record_count(),
        0,
        "the exchange holds no record in clear"
    );
    for (r, dest) in &crossing {
        let env = exchange
            .envelope_bytes(&r.id, &code(dest))
            .unwrap()
            .expect("envelope at the exchange");
        let h = peek_header(&env).unwrap();
        assert_eq!(
            (h.record.clone(), h.destination.clone()),
            (r.id.clone(), code(dest))
        );
        // The destination county holds the same envelope (what verify compares) and the record.
        let there = topo.node(dest).node.store().clone();
        assert_eq!(there.envelope_bytes(&r.id, &code(dest)).unwrap(), Some(env));
        assert_eq!(
            there.get_bytes(&r.id).unwrap(),
            Some(liudong_proto::encode_record(r)),
            "{dest} opened the record"
        );
    }
    // A county that verifies with the exchange finds it holds everything addressed to it.
    let ex_url = format!("https://{}", topo.node(EXCHANGE).sync_addr.unwrap());
    for c in [COUNTY_A, COUNTY_B, COUNTY_C] {
        let county = topo.node(c);
        let peer = liudong_net::verify::GrpcVerifier::new(&ex_url, county.net.clone()).unwrap();
        let parent = county.node.store().parent().unwrap().clone();
        let v = liudong_sync::verify::run_verify(county.node.clone(), &parent, &peer, false)
            .await
            .unwrap();
        println!("{c}: verify with the exchange: in step = {}", v.in_step);
        assert!(v.in_step, "{c} and the exchange agree: {v:?}");
    }
    topo.shutdown().await.unwrap();

    // Byte-wise, every file of the exchange's store: no citizen ID, no name.
    assert_eq!(
        found_in(&dir.path().join(EXCHANGE), &needles),
        Vec::<String>::new()
    );
    // The search itself works: the counties that hold the records in clear contain them.
    let in_county = found_in(&dir.path().join(COUNTY_B), &needles[..2]);
    assert_eq!(
        in_county,
        needles[..2].to_vec(),
        "the search finds clear text"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_altered_replayed_and_retired_key_envelopes() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    log();
    let dir = tempfile::tempdir().unwrap();
    let topo = start(dir.path(), &WIDE).await;
    let (a, b, c) = (code(COUNTY_A), code(COUNTY_B), code(COUNTY_C));
    let (d, _) = registration(41, VILLAGE_A1, VILLAGE_B1);
    let r = topo.write(VILLAGE_A1, d).await.unwrap();
    let at = [COUNTY_A, EXCHANGE, COUNTY_B, TOWN_B, VILLAGE_B1].map(String::from);
    topo.wait_for(&r.id, &at, WAIT).await.unwrap();
    let county_b = topo.node(COUNTY_B).node.clone();
    let genuine = county_b.store().envelope_bytes(&r.id, &b).unwrap().unwrap();
    let records_before = county_b.store().record_count();

    // Replayed: the same envelope again is an idempotent no-op (the envelope
    // is held with the same bytes and the record with it), not a refusal:
    // a session resends what it was not sure was acknowledged.
    assert_eq!(
        from_exchange(&county_b, vec![genuine.clone()])
            .await
            .unwrap(),
        (0, 1)
    );
    assert_eq!(county_b.store().record_count(), records_before);

    let (header, enc, mut ciphertext, signature) = parts(&genuine).unwrap();
    // Altered ciphertext: the signature (over header and ciphertext) fails.
    ciphertext[7] ^= 1;
    let altered = Envelope::reassemble(header.clone(), enc.clone(), ciphertext, signature.clone());
    let e = from_exchange(&county_b, vec![altered]).await.unwrap_err();
    println!("altered ciphertext: {e}");
    assert!(
        e.is_refusal() && matches!(e, SyncError::Seal(ref s) if s.is_forgery()),
        "{e:?}"
    );
    // Altered header (another month): the signature fails too.
    let h2 = edit_header(&header, |h| {
        h.month = if h.month % 100 == 1 {
            h.month + 1
        } else {
            h.month - 1
        }
    })
    .unwrap();
    let altered = Envelope::reassemble(
        h2,
        enc.clone(),
        parts(&genuine).unwrap().2,
        signature.clone(),
    );
    let e = from_exchange(&county_b, vec![altered]).await.unwrap_err();
    println!("altered header: {e}");
    assert!(
        matches!(e, SyncError::Seal(ref s) if s.is_forgery()),
        "{e:?}"
    );

    // Wrong signer: county C seals the record, claiming county A's key.
    let ring_a = keys(&topo, COUNTY_A);
    let ring_c = keys(&topo, COUNTY_C);
    let to_b = ring_c
        .current_peer(&b, u64::MAX / 2)
        .expect("C knows B's key");
    let canonical = liudong_proto::encode_record(&r);
    let by_c = seal(
        &canonical,
        &r.id,
        &a,
        &ring_c.current().unwrap(),
        &to_b,
        202612,
    )
    .unwrap();
    let (h, enc3, ct3, sig3) = parts(&by_c).unwrap();
    let a_key = ring_a.current().unwrap().key_id.clone();
    let claims_a = Envelope::reassemble(
        edit_header(&h, |h| h.signer_key = a_key).unwrap(),
        enc3,
        ct3,
        sig3,
    );
    let e = from_exchange(&county_b, vec![claims_a]).await.unwrap_err();
    println!("signed by C as A: {e}");
    assert!(
        matches!(e, SyncError::Seal(ref s) if s.is_forgery()),
        "{e:?}"
    );
    // County C signing as itself a record written in county A: authorship
    // refused (once B knows C's key, so that the signature itself verifies).
    until_sealing_key(
        &keys(&topo, COUNTY_B),
        &c,
        &ring_c.current().unwrap().key_id,
    )
    .await;
    let mut fresh = r.clone();
    fresh.id.seq += 1000;
    let as_c = seal(
        &liudong_proto::encode_record(&fresh),
        &fresh.id,
        &c,
        &ring_c.current().unwrap(),
        &to_b,
        202612,
    )
    .unwrap();
    let e = from_exchange(&county_b, vec![as_c]).await.unwrap_err();
    println!("A's record sealed by C: {e}");
    assert!(
        matches!(e, SyncError::NotEntitled { rule, .. } if rule == liudong_sync::RULE_SEALED_AUTHOR),
        "{e:?}"
    );
    assert_eq!(county_b.store().get_bytes(&fresh.id).unwrap(), None);

    // An exchange refuses an envelope pushed by a county that did not seal it.
    let cn = topo.node(EXCHANGE).node.clone();
    let by_a = seal(
        &liudong_proto::encode_record(&fresh),
        &fresh.id,
        &a,
        &ring_a.current().unwrap(),
        &to_b,
        202612,
    )
    .unwrap();
    let e = cn
        .receive(Admission::session(
            Link::Child(c.clone()),
            Batch {
                records: vec![Bytes::from(by_a.clone())],
                cursor: 0,
                ..Batch::default()
            },
        ))
        .await
        .unwrap_err();
    println!("exchange, A's envelope pushed by C: {e}");
    assert!(
        matches!(e, SyncError::NotEntitled { rule, .. } if rule == liudong_sync::RULE_SEALED_SOURCE),
        "{e:?}"
    );

    // Sealed to B's key, then B rotates: the envelope still opens with the retired key.
    let old_b = ring_c
        .current_peer(&b, u64::MAX / 2)
        .unwrap()
        .key_id
        .clone();
    let ring_b = keys(&topo, COUNTY_B);
    let (new_b, retired) = liudong_exchange::keyring::rotate(
        &dir.path().join(COUNTY_B),
        &b,
        ring_b.current().unwrap().valid_from_ms + 1,
    )
    .unwrap();
    assert_eq!(retired, 1);
    assert!(ring_b.reload_own().unwrap());
    assert_eq!(ring_b.current().unwrap().key_id, new_b.key_id);
    assert_eq!(peek_header(&by_a).unwrap().recipient_key, old_b);
    assert_eq!(from_exchange(&county_b, vec![by_a]).await.unwrap(), (1, 0));
    assert_eq!(
        county_b.store().get_bytes(&fresh.id).unwrap(),
        Some(liudong_proto::encode_record(&fresh))
    );

    // The new key reaches county A through the exchange; A's next crossing record is sealed to it.
    until_sealing_key(&ring_a, &b, &new_b.key_id).await;
    let (d, _) = registration(42, VILLAGE_A1, VILLAGE_B1);
    let r2 = topo.write(VILLAGE_A1, d).await.unwrap();
    topo.wait_for(&r2.id, &at, WAIT).await.unwrap();
    let env2 = county_b
        .store()
        .envelope_bytes(&r2.id, &b)
        .unwrap()
        .unwrap();
    assert_eq!(peek_header(&env2).unwrap().recipient_key, new_b.key_id);
    topo.shutdown().await.unwrap();
}
