//! In-memory tests of the protocol engine: real stores, no network.
use super::*;
use futures::StreamExt;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link, NodeScope, Record};
use liudong_store::{Source, Store, StoreOptions};
use std::sync::Arc;
pub(crate) use tokio_stream_shim::ReceiverStream;

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
    let raw = village.store().raw();
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
    let text = err.to_string();
    assert!(text.contains("不应发给 村 410602100001"), "{text}");
    assert!(text.contains("下级节点只能上传"), "{text}");
    assert_eq!(ids(&town).len(), 0, "the whole batch was refused");
}

/// An upstream for the link driver: refuses every session with `refusal`
/// while it is set, otherwise serves it from `server` in memory.
struct Upstream {
    server: Arc<Node>,
    refusal: std::sync::Mutex<Option<StatusCode>>,
    attempts: std::sync::atomic::AtomicUsize,
}

impl Upstream {
    fn new(server: Arc<Node>, refusal: Option<StatusCode>) -> Arc<Upstream> {
        Arc::new(Upstream {
            server,
            refusal: std::sync::Mutex::new(refusal),
            attempts: Default::default(),
        })
    }

    fn attempts(&self) -> usize {
        self.attempts.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Connect for Upstream {
    fn open(
        &self,
        outbound: tokio::sync::mpsc::Receiver<ClientMsg>,
    ) -> futures::future::BoxFuture<
        'static,
        Result<futures::stream::BoxStream<'static, Result<ServerMsg, SyncError>>, SyncError>,
    > {
        self.attempts
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(code) = *self.refusal.lock().unwrap() {
            return Box::pin(async move {
                Err(SyncError::Remote {
                    code,
                    message: "client certificate refused: revoked".into(),
                })
            });
        }
        let server = self.server.clone();
        Box::pin(async move {
            let (tx, out_rx) = tokio::sync::mpsc::channel(16);
            let inbound = ReceiverStream(outbound).map(Ok);
            tokio::spawn(async move {
                let cancel = tokio_util::sync::CancellationToken::new();
                if let Err(e) =
                    serve_session(server, PeerInfo::default(), inbound, tx.clone(), cancel).await
                {
                    let _ = tx.send(Err(e)).await;
                }
            });
            Ok(ReceiverStream(out_rx).boxed())
        })
    }
}

fn pacing(live: bool) -> LinkConfig {
    LinkConfig {
        live,
        interval: std::time::Duration::from_secs(300),
        backoff_min: std::time::Duration::from_millis(500),
        backoff_max: std::time::Duration::from_secs(300),
    }
}

/// A village and its township, and the village's link driver to an
/// upstream that answers as `upstream` says.
fn driven(
    dir: &std::path::Path,
    refusal: Option<StatusCode>,
    live: bool,
) -> (Arc<Node>, Arc<Upstream>, LinkHandle) {
    let town = node(
        &dir.join("t"),
        "410602100",
        Some("410602"),
        SyncConfig::default(),
    );
    let village = node(
        &dir.join("v"),
        "410602100001",
        Some("410602100"),
        SyncConfig::default(),
    );
    let upstream = Upstream::new(town, refusal);
    let parent = village.store().parent().unwrap().clone();
    let (handle, _) = run_link(
        village.clone(),
        parent,
        upstream.clone(),
        pacing(live),
        village.cancel_token(),
    );
    (village, upstream, handle)
}

/// A refusing upstream is not hammered: after a refusal the driver waits
/// its longest backoff (300 s), so 20 minutes see a handful of attempts,
/// and the link status records the refusal.
#[tokio::test(start_paused = true)]
async fn a_refusing_upstream_is_tried_only_every_backoff_max_and_recorded() {
    let d = tempfile::tempdir().unwrap();
    let (village, upstream, _handle) = driven(d.path(), Some(StatusCode::PermissionDenied), true);
    tokio::time::sleep(std::time::Duration::from_secs(1190)).await;
    let attempts = upstream.attempts();
    assert!(
        (4..=5).contains(&attempts),
        "{attempts} attempts in 20 minutes"
    );
    let status = village.store().link_status(&Link::Parent).unwrap();
    let refused = status.refused.expect("the refusal is recorded");
    assert!(
        refused
            .error
            .starts_with("PermissionDenied: client certificate refused"),
        "{}",
        refused.error
    );
    assert_eq!(status.last_error.as_deref(), Some(refused.error.as_str()));
    assert!(village.stop_tasks(std::time::Duration::from_secs(5)).await);
}

/// A failure that may pass by itself is still retried fast.
#[tokio::test(start_paused = true)]
async fn an_unavailable_upstream_is_retried_with_fast_backoff() {
    let d = tempfile::tempdir().unwrap();
    let (village, upstream, _handle) = driven(d.path(), Some(StatusCode::Unavailable), true);
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    let attempts = upstream.attempts();
    // Backoff 0.25–0.5 s doubling: the fifth attempt is due within 7.5 s.
    assert!(attempts >= 5, "{attempts} attempts in 10 s");
    let status = village.store().link_status(&Link::Parent).unwrap();
    assert!(status.refused.is_none(), "{status:?}");
    let error = status.last_error.unwrap();
    assert!(
        error.starts_with("Unavailable: client certificate refused"),
        "{error}"
    );
    assert!(village.stop_tasks(std::time::Duration::from_secs(5)).await);
}

/// While refused, an operator's `sync --once` runs at once; once the cause is
/// fixed it succeeds and the refusal is cleared.
#[tokio::test(start_paused = true)]
async fn sync_now_runs_at_once_while_refused_and_a_success_clears_the_refusal() {
    let d = tempfile::tempdir().unwrap();
    let (village, upstream, handle) = driven(d.path(), Some(StatusCode::FailedPrecondition), false);
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    assert_eq!(upstream.attempts(), 1);
    assert!(
        village
            .store()
            .link_status(&Link::Parent)
            .unwrap()
            .refused
            .is_some()
    );
    // Still refused: the operator's request is tried at once and reported.
    let asked = tokio::time::Instant::now();
    let err = handle.sync_now().await.unwrap_err();
    assert!(err.starts_with("client certificate refused"), "{err}");
    assert!(asked.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(upstream.attempts(), 2);
    // The cause is fixed (say, a new certificate): the next request works.
    *upstream.refusal.lock().unwrap() = None;
    put(
        &village,
        vec![test_record(
            "410602100001",
            1,
            1,
            "410602100001",
            None,
            outflow_body(),
        )],
    );
    let stats = handle.sync_now().await.unwrap();
    assert_eq!(stats.sent, 1);
    let status = village.store().link_status(&Link::Parent).unwrap();
    assert!(status.refused.is_none(), "{status:?}");
    assert!(status.last_success_ms.is_some());
    assert!(village.stop_tasks(std::time::Duration::from_secs(5)).await);
}

/// Every task a node starts is tracked: cancelling the node ends its
/// indexer and link driver, and `stop_tasks` waits for them.
#[tokio::test]
async fn stopping_a_node_ends_every_task_it_started() {
    let d = tempfile::tempdir().unwrap();
    let (village, _upstream, handle) = driven(d.path(), None, true);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(village.tasks().len() >= 2, "indexer and link driver");
    assert!(village.stop_tasks(std::time::Duration::from_secs(10)).await);
    assert!(village.tasks().is_empty());
    assert!(handle.sync_now().await.is_err(), "the driver has stopped");
}
