//! In-memory tests of the protocol engine: real stores, no network.
use super::*;
use futures::StreamExt;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link, NodeScope, Record};
use liudong_store::{Source, Store, StoreOptions};
use std::sync::Arc;
use tokio_stream_shim::ReceiverStream;

mod tokio_stream_shim {
    use futures::Stream;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::sync::mpsc;

    pub struct ReceiverStream<T>(pub mpsc::Receiver<T>);
    impl<T> Stream for ReceiverStream<T> {
        type Item = T;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
            self.0.poll_recv(cx)
        }
    }
}

pub(crate) fn node(
    dir: &std::path::Path,
    code: &str,
    parent: Option<&str>,
    cfg: SyncConfig,
) -> Arc<Node> {
    let scope = NodeScope::for_code(Code::parse(code).unwrap()).unwrap();
    let parent = parent.map(|p| scope.parent(&Code::parse(p).unwrap()).unwrap());
    let store = Store::open(dir, scope, parent, &StoreOptions::default()).unwrap();
    Node::new(Arc::new(store), cfg, Arc::new(|| 1_800_000_000_000))
}

/// Runs a one-shot session between `child` and `server` over channels.
async fn session(child: &Arc<Node>, server: &Arc<Node>) -> Result<SessionStats, SyncError> {
    let parent = child.store().parent().unwrap().clone();
    let server = server.clone();
    run_client_session(
        child.clone(),
        &parent,
        false,
        move |rx| async move {
            let (tx, out_rx) = tokio::sync::mpsc::channel(16);
            let inbound = ReceiverStream(rx).map(Ok);
            tokio::spawn(async move {
                let cancel = tokio_util::sync::CancellationToken::new();
                if let Err(e) =
                    serve_session(server, PeerInfo::default(), inbound, tx.clone(), cancel).await
                {
                    let _ = tx.send(Err(e)).await;
                }
            });
            Ok(ReceiverStream(out_rx))
        },
        tokio_util::sync::CancellationToken::new(),
    )
    .await
}

fn ids(n: &Node) -> Vec<liudong_core::RecordId> {
    n.store().record_ids().unwrap()
}

fn put(n: &Node, records: Vec<Record>) {
    let items: Vec<_> = records
        .into_iter()
        .map(liudong_store::Incoming::new)
        .collect();
    n.store().apply(&items, &Source::Local, None, true).unwrap();
}

#[tokio::test]
async fn push_and_pull_in_one_session_then_nothing_twice() {
    let d = tempfile::tempdir().unwrap();
    let cfg = SyncConfig {
        max_batch: 3,
        window: 2,
        ..SyncConfig::default()
    };
    let town = node(
        &d.path().join("t"),
        "410602100",
        Some("410602"),
        cfg.clone(),
    );
    let village = node(&d.path().join("v"), "410602100001", Some("410602100"), cfg);
    // 10 records written at the village, 7 at the township for the village.
    put(
        &village,
        (1..=10)
            .map(|i| test_record("410602100001", i, i, "410602100001", None, outflow_body()))
            .collect(),
    );
    put(
        &town,
        (1..=7)
            .map(|i| {
                test_record(
                    "410602100",
                    i,
                    100 + i,
                    "410602100001",
                    None,
                    outflow_body(),
                )
            })
            .collect(),
    );
    put(
        &town,
        vec![test_record(
            "410602100",
            8,
            200,
            "410602100002",
            None,
            outflow_body(),
        )],
    );

    let s = session(&village, &town).await.unwrap();
    assert_eq!((s.sent, s.received), (10, 7));
    assert_eq!(ids(&town).len(), 18);
    assert_eq!(
        ids(&village).len(),
        17,
        "the other village's record stays at the township"
    );
    let again = session(&village, &town).await.unwrap();
    assert_eq!(
        (again.sent, again.received),
        (0, 0),
        "cursors resume: nothing is resent"
    );
}

#[tokio::test]
async fn a_non_child_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let town = node(
        &d.path().join("t"),
        "410602100",
        Some("410602"),
        SyncConfig::default(),
    );
    let other = node(
        &d.path().join("v"),
        "410602001001",
        Some("410602001"),
        SyncConfig::default(),
    );
    // `other` believes 410602001 is its parent; the server is 410602100.
    let err = session(&other, &town).await.unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::WrongUpstream { .. } | SyncError::NotChild { .. }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_push_of_a_record_outside_the_child_is_refused_and_nothing_stored() {
    let d = tempfile::tempdir().unwrap();
    let town = node(
        &d.path().join("t"),
        "410602100",
        Some("410602"),
        SyncConfig::default(),
    );
    let village = node(
        &d.path().join("v"),
        "410602100001",
        Some("410602100"),
        SyncConfig::default(),
    );
    // Smuggle a record of another village into the village's outbox for its parent.
    let foreign = test_record("410602100002", 1, 9, "410602100002", None, outflow_body());
    let good = test_record("410602100001", 1, 1, "410602100001", None, outflow_body());
    let raw = village.store().raw_tree();
    village
        .store()
        .apply(
            &[liudong_store::Incoming::new(good)],
            &Source::Local,
            None,
            true,
        )
        .unwrap();
    let bytes = liudong_proto::encode_record(&foreign);
    let id_key = liudong_store::keys::id(&foreign.id);
    raw.insert(
        liudong_store::keys::record(&id_key),
        liudong_store::keys::record_value(2, liudong_store::keys::LOCAL_SOURCE, &bytes),
    )
    .unwrap();
    raw.insert(
        liudong_store::keys::outbox(&liudong_store::keys::link(&Link::Parent), 2),
        liudong_store::keys::page([(2, id_key.as_slice())]),
    )
    .unwrap();
    let err = session(&village, &town).await.unwrap_err();
    assert!(err.to_string().contains("not entitled"), "{err}");
    assert_eq!(ids(&town).len(), 0, "the whole batch was refused");
}

