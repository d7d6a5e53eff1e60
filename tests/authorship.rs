//! Issue 14, item 1: forged authorship. Real nodes over mutual TLS (an
//! exchange, county 410602 and two of its townships). A township offers
//! records in a verify repair, with its own certificate: records in its
//! sibling's name, in its county's name, and with an extreme sequence
//! number are refused before anything is stored, and the county's own
//! writes keep working. From above, a record forged in the township's own
//! name is refused too, and audited.

use bytes::Bytes;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Hlc, Link, Record, RecordId};
use liudong_proto::VERIFY_VERSION;
use liudong_store::{Incoming, Source};
use liudong_sync::verify::{VerifyPeer, VerifyQuery, VerifyRequest};
use liudong_sync::{RULE_CHILD_AUTHOR, StatusCode, SyncError};
use liudong_tests::*;

fn bytes(r: &Record) -> Bytes {
    Bytes::from(liudong_proto::encode_record(r))
}

/// The status and message a refused offer came back with.
fn refusal(r: Result<liudong_sync::verify::VerifyAnswer, SyncError>) -> (StatusCode, String) {
    match r {
        Err(SyncError::Remote { code, message }) => (code, message),
        other => panic!("the offer was not refused: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_authorship_is_refused_through_repair_offers_and_from_above() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = start(
        dir.path(),
        &[
            (EXCHANGE, None),
            (COUNTY_A, Some(EXCHANGE)),
            (TOWN_A, Some(COUNTY_A)),
            (TOWN_A_OTHER, Some(COUNTY_A)),
        ],
    )
    .await;
    let county = topo.node(COUNTY_A);
    let town = topo.node(TOWN_A);
    let cs = county.node.store();
    let url = format!("https://{}", county.sync_addr.unwrap());
    let as_town = liudong_net::verify::GrpcVerifier::new(&url, town.net.clone()).unwrap();
    let offer = |records: Vec<Bytes>| {
        as_town.call(VerifyRequest {
            version: VERIFY_VERSION,
            node: TOWN_A.into(),
            query: VerifyQuery::Offer(records),
        })
    };
    let written = county
        .node
        .write_local(outflow(&person(1, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .unwrap();
    let held = cs.record_count();
    let refused = cs.refused_count().unwrap();

    // In the sibling township's name (one of its residents, living here).
    let sibling = test_record(
        TOWN_A_OTHER,
        7,
        2,
        VILLAGE_A1,
        Some(VILLAGE_A_OTHER),
        outflow_body(),
    );
    let (code, message) = refusal(offer(vec![bytes(&sibling)]).await);
    assert_eq!(code, StatusCode::PermissionDenied, "{message}");
    assert!(
        message.contains(&liudong_i18n::tr(RULE_CHILD_AUTHOR, &[])),
        "{message}"
    );

    // In the county's own name: it does not hold it, so it is forged.
    let mut in_countys_name = test_record(COUNTY_A, 1, 3, VILLAGE_A1, None, outflow_body());
    in_countys_name.id.seq = written.id.seq + 1;
    in_countys_name.hlc = Hlc::new(county.node.now_ms(), 0);
    let (code, message) = refusal(offer(vec![bytes(&in_countys_name)]).await);
    assert_eq!(code, StatusCode::PermissionDenied, "{message}");
    assert!(
        message.contains(&in_countys_name.id.to_string()),
        "{message}"
    );
    assert_eq!(
        cs.refused_count().unwrap(),
        refused + 2,
        "both refusals are audited, each once"
    );

    // An extreme sequence number in the county's name: refused as invalid,
    // naming the field, before any other check.
    let mut extreme = test_record(COUNTY_A, 1, 4, VILLAGE_A1, None, outflow_body());
    extreme.id.seq = u64::MAX - 1;
    let (code, message) = refusal(offer(vec![bytes(&extreme)]).await);
    assert_eq!(code, StatusCode::InvalidArgument, "{message}");
    assert!(message.contains("id.seq"), "{message}");

    assert_eq!(cs.record_count(), held, "nothing was stored");
    for r in [&sibling, &in_countys_name, &extreme] {
        assert!(cs.get(&r.id).unwrap().is_none());
    }
    // The county writes on, its numbers untouched by what it was offered.
    let next = county
        .node
        .write_local(outflow(&person(5, VILLAGE_A1), VILLAGE_A1, None))
        .await
        .unwrap();
    assert!(next.id.seq > written.id.seq);
    assert!(next.id.seq <= RecordId::seq_limit(county.node.now_ms(), 0));

    // From above: a record in the township's own name that it never wrote
    // (placed at the county behind its back) is refused by the township,
    // which audits it and stores nothing of the batch.
    let mut forged = test_record(TOWN_A, 1, 6, VILLAGE_A1, None, outflow_body());
    forged.id.seq = RecordId::seq_floor(county.node.now_ms()) + 77;
    forged.hlc = Hlc::new(county.node.now_ms(), 0);
    cs.apply(
        &[Incoming::new(forged.clone())],
        &Source::Detached,
        None,
        true,
    )
    .unwrap();
    let ts = town.node.store();
    let town_refused = ts.refused_count().unwrap();
    let e = town.link.as_ref().unwrap().sync_now().await.unwrap_err();
    assert!(e.to_string().contains(&forged.id.to_string()), "{e}");
    assert!(ts.get(&forged.id).unwrap().is_none());
    assert!(ts.refused_count().unwrap() > town_refused, "audited");
    let status = ts.link_status(&Link::Parent).unwrap();
    assert!(status.refused.is_some(), "{status:?}");
}
