//! Records reach exactly the nodes entitled to them, across counties and
//! provinces through the exchange, and no others.

use liudong_tests::*;
use std::time::Duration;

fn s(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|c| c.to_string()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_county_record_reaches_both_sides_and_nobody_else() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let topo = start(dir.path(), &WIDE).await;
    let who = person(1, VILLAGE_A1);

    // Written at a village of county A about a person living in a village of county B.
    let crossing = topo
        .write(VILLAGE_A1, outflow(&who, VILLAGE_A1, Some(VILLAGE_B1)))
        .await
        .unwrap();
    let expect = s(&[
        VILLAGE_A1, TOWN_A, COUNTY_A, EXCHANGE, COUNTY_B, TOWN_B, VILLAGE_B1,
    ]);
    topo.wait_for(&crossing.id, &expect, Duration::from_secs(20))
        .await
        .unwrap();

    // The inflow, written at the residence, flows back to the origin village.
    let inflow = topo
        .write(VILLAGE_B1, outflow(&who, VILLAGE_A1, Some(VILLAGE_B1)))
        .await
        .unwrap();
    topo.wait_for(&inflow.id, &expect, Duration::from_secs(20))
        .await
        .unwrap();

    // A record that stays inside county A never reaches the exchange or county B.
    let local = topo
        .write(
            VILLAGE_A1,
            outflow(&person(2, VILLAGE_A1), VILLAGE_A1, Some(VILLAGE_A_OTHER)),
        )
        .await
        .unwrap();
    let local_expect = s(&[VILLAGE_A1, TOWN_A, COUNTY_A, TOWN_A_OTHER, VILLAGE_A_OTHER]);
    topo.wait_for(&local.id, &local_expect, Duration::from_secs(20))
        .await
        .unwrap();

    // A record of county C alone stays in county C.
    let c_only = topo
        .write(
            VILLAGE_C1,
            outflow(&person(3, VILLAGE_C1), VILLAGE_C1, None),
        )
        .await
        .unwrap();
    topo.wait_for(
        &c_only.id,
        &s(&[VILLAGE_C1, TOWN_C, COUNTY_C]),
        Duration::from_secs(20),
    )
    .await
    .unwrap();

    // Quiet period, then nobody else holds anything it is not entitled to.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(topo.holders(&crossing.id).unwrap(), expect);
    assert_eq!(topo.holders(&inflow.id).unwrap(), expect);
    assert_eq!(topo.holders(&local.id).unwrap(), local_expect);
    assert_eq!(
        topo.holders(&c_only.id).unwrap(),
        s(&[COUNTY_C, TOWN_C, VILLAGE_C1])
    );
    // The unrelated county holds nothing but its own record; the exchange
    // only the crossing ones, sealed: one envelope each, no record in clear.
    assert_eq!(topo.node(COUNTY_C).node.store().record_count(), 1);
    assert_eq!(topo.node(EXCHANGE).node.store().record_count(), 0);
    assert_eq!(
        topo.node(EXCHANGE).node.store().envelope_count().unwrap(),
        2
    );
    assert_eq!(topo.node(VILLAGE_A2).node.store().record_count(), 0);
    assert_eq!(topo.node(VILLAGE_B2).node.store().record_count(), 0);
    topo.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shot_sessions_carry_the_same_records_as_live_ones() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let nodes = [
        (EXCHANGE, None),
        (COUNTY_A, Some(EXCHANGE)),
        (TOWN_A, Some(COUNTY_A)),
        (VILLAGE_A1, Some(TOWN_A)),
        (COUNTY_B, Some(EXCHANGE)),
        (TOWN_B, Some(COUNTY_B)),
        (VILLAGE_B1, Some(TOWN_B)),
    ];
    let topo = start_tls(dir.path(), &nodes, false, |_| {}).await;
    let who = person(9, VILLAGE_A1);
    let r = topo
        .write(VILLAGE_A1, outflow(&who, VILLAGE_A1, Some(VILLAGE_B1)))
        .await
        .unwrap();
    // Upward travel is push-on-write; downward needs the lower nodes to sync.
    let up = s(&[VILLAGE_A1, TOWN_A, COUNTY_A, EXCHANGE]);
    topo.wait_for(&r.id, &up, Duration::from_secs(20))
        .await
        .unwrap();
    for code in [COUNTY_B, TOWN_B, VILLAGE_B1] {
        let stats = topo
            .node(code)
            .link
            .as_ref()
            .unwrap()
            .sync_now()
            .await
            .unwrap();
        assert_eq!(stats.received, 1, "{code} pulls the record once");
    }
    let all = s(&[
        VILLAGE_A1, TOWN_A, COUNTY_A, EXCHANGE, COUNTY_B, TOWN_B, VILLAGE_B1,
    ]);
    assert_eq!(topo.holders(&r.id).unwrap(), all);
    let again = topo
        .node(VILLAGE_B1)
        .link
        .as_ref()
        .unwrap()
        .sync_now()
        .await
        .unwrap();
    assert_eq!((again.sent, again.received), (0, 0));
    topo.shutdown().await.unwrap();
}

/// Province exchanges under a national one: each tier passes on only what
/// crosses its own level.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stacked_exchanges_pass_on_only_what_crosses_their_level() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    use liudong_core::{Code, Level, NodeKind, NodeScope};
    const HENAN: &str = "41";
    const GUANGDONG: &str = "44";
    const COUNTY_A2: &str = "410603";
    const TOWN_A2: &str = "410603001";
    const VILLAGE_A2_1: &str = "410603001001";
    let nodes = [
        (EXCHANGE, None),
        (HENAN, Some(EXCHANGE)),
        (GUANGDONG, Some(EXCHANGE)),
        (COUNTY_A, Some(HENAN)),
        (TOWN_A, Some(COUNTY_A)),
        (VILLAGE_A1, Some(TOWN_A)),
        (COUNTY_A2, Some(HENAN)),
        (TOWN_A2, Some(COUNTY_A2)),
        (VILLAGE_A2_1, Some(TOWN_A2)),
        (COUNTY_B, Some(GUANGDONG)),
        (TOWN_B, Some(COUNTY_B)),
        (VILLAGE_B1, Some(TOWN_B)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let topo = start_tls(dir.path(), &nodes, true, |cfg| {
        if cfg.scope.code == Code::national() {
            cfg.scope = NodeScope::new(
                Code::national(),
                NodeKind::Exchange {
                    child_level: Level::Province,
                },
            )
            .unwrap();
        }
    })
    .await;

    // Across provinces: through both province exchanges and the national one.
    let crossing = topo
        .write(
            VILLAGE_A1,
            outflow(&person(11, VILLAGE_A1), VILLAGE_A1, Some(VILLAGE_B1)),
        )
        .await
        .unwrap();
    let far = s(&[
        VILLAGE_A1, TOWN_A, COUNTY_A, HENAN, EXCHANGE, GUANGDONG, COUNTY_B, TOWN_B, VILLAGE_B1,
    ]);
    topo.wait_for(&crossing.id, &far, Duration::from_secs(20))
        .await
        .unwrap();

    // Across counties inside Henan: the province exchange, not the national one.
    let in_province = topo
        .write(
            VILLAGE_A1,
            outflow(&person(12, VILLAGE_A1), VILLAGE_A1, Some(VILLAGE_A2_1)),
        )
        .await
        .unwrap();
    let near = s(&[
        VILLAGE_A1,
        TOWN_A,
        COUNTY_A,
        HENAN,
        COUNTY_A2,
        TOWN_A2,
        VILLAGE_A2_1,
    ]);
    topo.wait_for(&in_province.id, &near, Duration::from_secs(20))
        .await
        .unwrap();

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(topo.holders(&crossing.id).unwrap(), far);
    assert_eq!(topo.holders(&in_province.id).unwrap(), near);
    // Exchanges hold envelopes only (one per crossing record and destination).
    for (code, envelopes) in [(EXCHANGE, 1), (GUANGDONG, 1), (HENAN, 2)] {
        let store = topo.node(code).node.store();
        assert_eq!(store.record_count(), 0, "{code} holds no record in clear");
        assert_eq!(store.envelope_count().unwrap(), envelopes, "{code}");
    }
    topo.shutdown().await.unwrap();
}
