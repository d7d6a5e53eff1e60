//! The audit trail over the demo topology with mutual TLS: every session is
//! recorded with its certificate fingerprint, and the trail answers "who
//! received this person's records" exactly.

use liudong_proto::pb;
use liudong_store::audit::{AuditEvent, AuditFilter};
use liudong_testkit::demo::{DEMO_NODES, Topology};
use liudong_testkit::demo_tls::DemoPki;
use liudong_tests::*;
use std::collections::BTreeSet;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_lists_exactly_the_nodes_that_received_a_persons_records() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let pki = DemoPki::create(dir.path(), &DEMO_NODES).unwrap();
    let topo = Topology::start_with(dir.path(), &DEMO_NODES, true, Some(&pki), |_| {})
        .await
        .unwrap();

    // A migrant of village A1 moving to village B1 (crosses counties), and a
    // person of village A1 living in village A2 (stays in county A).
    let mover = person(41, VILLAGE_A1);
    let local = person(42, VILLAGE_A1);
    let r1 = topo
        .write(VILLAGE_A1, outflow(&mover, VILLAGE_A1, Some(VILLAGE_B1)))
        .await
        .unwrap();
    let r2 = topo
        .write(VILLAGE_A1, outflow(&local, VILLAGE_A1, Some(VILLAGE_A2)))
        .await
        .unwrap();
    let expect1: Vec<String> = [TOWN_A, COUNTY_A, EXCHANGE, COUNTY_B, TOWN_B, VILLAGE_B1]
        .map(String::from)
        .to_vec();
    let expect2: Vec<String> = [TOWN_A, COUNTY_A, VILLAGE_A2].map(String::from).to_vec();
    topo.wait_for(&r1.id, &expect1, Duration::from_secs(20))
        .await
        .unwrap();
    topo.wait_for(&r2.id, &expect2, Duration::from_secs(20))
        .await
        .unwrap();
    // The exchange holds only the crossing record; county B nothing of county A's own.
    let mut holders2 = topo.holders(&r2.id).unwrap();
    holders2.sort();
    let mut want2 = expect2.clone();
    want2.push(VILLAGE_A1.into());
    want2.sort();
    assert_eq!(holders2, want2);

    // Union over all nodes of the peers each disclosed a person's records to.
    let received = |subject: &str| -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for n in topo.nodes.values() {
            let entries = n
                .node
                .store()
                .audit_query(&AuditFilter {
                    subject: Some(subject.into()),
                    ..Default::default()
                })
                .unwrap();
            for e in entries {
                if let AuditEvent::Disclosed { peer, .. } = e.event {
                    out.insert(peer);
                }
            }
        }
        out
    };
    // The exchange received the crossing record sealed: not a disclosure of
    // the person (it cannot read it); county A's trail names county B, the
    // destination it sealed it to.
    assert_eq!(
        received(mover.as_str()),
        expect1
            .iter()
            .filter(|c| c.as_str() != EXCHANGE)
            .cloned()
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(
        received(local.as_str()),
        expect2.iter().cloned().collect::<BTreeSet<_>>()
    );
    // The operator's write is in the author's trail.
    let written = topo
        .node(VILLAGE_A1)
        .node
        .store()
        .audit_query(&AuditFilter {
            subject: Some(mover.as_str().into()),
            ..Default::default()
        })
        .unwrap();
    assert!(written.iter().any(|e| matches!(&e.event,
        AuditEvent::RecordWritten { record, operator, .. } if *record == r1.id.to_string() && operator == "test-cadre")));

    // Served-side disclosures carry the verified certificate fingerprint of the receiver.
    let town_to_village = topo
        .node(TOWN_B)
        .node
        .store()
        .audit_query(&AuditFilter {
            peer: Some(VILLAGE_B1.into()),
            ..Default::default()
        })
        .unwrap();
    let fp = std::fs::read_to_string(pki.node_dir(VILLAGE_B1).join("node.crt")).unwrap();
    let fp = liudong_net::tls::fingerprint(&rustls_pem(&fp));
    assert!(
        town_to_village.iter().any(|e| matches!(&e.event,
            AuditEvent::Disclosed { fingerprint: Some(f), .. } if *f == fp)),
        "{town_to_village:?}"
    );

    // The trail through the admin service, as `liudong audit --subject` reads it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let n = topo.node(COUNTY_A).node.clone();
    let served = tokio::spawn(liudong_node::admin::serve_admin(
        listener,
        n,
        None,
        cancel.clone(),
    ));
    let mut admin = liudong_net::admin_client(&addr.to_string()).await.unwrap();
    // The answer streams in pieces (see `ReplyChunk` in admin.proto).
    let r: pb::AuditResponse = liudong_node::access::gather(
        "audit",
        admin
            .audit(pb::AuditRequest {
                subject: mover.as_str().into(),
                ..Default::default()
            })
            .await,
    )
    .await
    .unwrap();
    let entries: Vec<liudong_store::audit::AuditEntry> = r
        .entries
        .into_iter()
        .map(|e| liudong_node::wire::Wire::from_wire(e).unwrap())
        .collect();
    let peers: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match &e.event {
            AuditEvent::Disclosed { peer, .. } => Some(peer.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        peers,
        [COUNTY_B].map(String::from).into_iter().collect(),
        "county A disclosed the mover's record to county B only (sealed to it; the exchange cannot read it)"
    );
    cancel.cancel();
    let _ = served.await;

    // At shutdown the live sessions end and each is recorded on both sides.
    let stores: Vec<_> = topo
        .nodes
        .iter()
        .map(|(c, n)| (c.clone(), n.node.store().clone()))
        .collect();
    topo.shutdown().await.unwrap();
    for (code, store) in stores {
        let links = DEMO_NODES
            .iter()
            .filter(|(c, up)| (*c == code && up.is_some()) || *up == Some(code.as_str()))
            .count();
        // A served session's entry is written as its task ends; wait (bounded).
        let start = std::time::Instant::now();
        loop {
            let sessions = store
                .audit_query(&AuditFilter::default())
                .unwrap()
                .into_iter()
                .filter(|e| matches!(e.event, AuditEvent::Session { .. }))
                .count();
            if sessions >= links {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{code}: {sessions} session entries for {links} links"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn rustls_pem(pem: &str) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}
