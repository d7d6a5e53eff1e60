//! In-memory tests of what a second implementation had to find out by
//! trying (docs/protocol.md): a cursor that goes back, two sessions of one
//! child, repair fetches outside the caller's scope, and the audit of
//! sessions that fail early or part-way.

use super::*;
use crate::tests::node;
use bytes::Bytes;
use liudong_core::synth::{outflow_body, test_record};
use liudong_core::{Code, Link, Record};
use liudong_store::CursorDir;
use liudong_store::audit::{AuditEvent, AuditFilter};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const COUNTY: &str = "410602";
const TOWN: &str = "410602100";
const VILLAGE: &str = "410602100001";
const OTHER_VILLAGE: &str = "410602100002";

fn town(dir: &std::path::Path) -> Arc<Node> {
    let cfg = SyncConfig {
        max_batch: 8,
        idle_timeout: Duration::from_secs(5),
        ..SyncConfig::default()
    };
    node(dir, TOWN, Some(COUNTY), cfg)
}

fn bytes(r: &Record) -> Bytes {
    Bytes::from(liudong_proto::encode_record(r))
}

/// A record the village wrote about one of its people.
fn from_village(seq: u64) -> Record {
    test_record(VILLAGE, seq, seq, VILLAGE, None, outflow_body())
}

fn hello(live: bool) -> ClientMsg {
    ClientMsg::Hello(Hello {
        protocol: 1,
        node: VILLAGE.into(),
        pull_cursor: 0,
        live,
        max_batch: 8,
        ..Default::default()
    })
}

fn push(records: Vec<Record>, cursor: u64) -> ClientMsg {
    ClientMsg::Push(Batch {
        records: records.iter().map(bytes).collect(),
        cursor,
        drained: true,
        remaining: None,
        lower_links: Vec::new(),
    })
}

fn verified(code: &str) -> PeerInfo {
    PeerInfo {
        verified_code: Some(Code::parse(code).unwrap()),
        addr: Some("127.0.0.1:1".into()),
        fingerprint: Some("sha256:test".into()),
    }
}

/// A served session fed from a channel the test holds (so it stays open),
/// and the server's messages.
struct Served {
    to_server: mpsc::Sender<Result<ClientMsg, SyncError>>,
    from_server: mpsc::Receiver<Result<ServerMsg, SyncError>>,
    task: tokio::task::JoinHandle<Result<(Code, SessionStats), SyncError>>,
}

fn serve(node: &Arc<Node>, peer: PeerInfo) -> Served {
    let (to_server, rx) = mpsc::channel(16);
    let (tx, from_server) = mpsc::channel(16);
    let inbound = crate::tests::ReceiverStream(rx);
    let task = tokio::spawn(serve_session(
        node.clone(),
        peer,
        inbound,
        tx,
        CancellationToken::new(),
    ));
    Served {
        to_server,
        from_server,
        task,
    }
}

impl Served {
    async fn send(&self, m: ClientMsg) {
        self.to_server.send(Ok(m)).await.unwrap();
    }

    /// The next server message other than a pull batch (answered with its ack).
    async fn next(&mut self) -> Option<ServerMsg> {
        loop {
            let m = tokio::time::timeout(Duration::from_secs(10), self.from_server.recv())
                .await
                .expect("the server answers")?;
            match m {
                Ok(ServerMsg::Pull(b)) => self.send(ClientMsg::PullAck(b.cursor)).await,
                Ok(m) => return Some(m),
                Err(_) => return None,
            }
        }
    }

    async fn end(self) -> Result<(Code, SessionStats), SyncError> {
        drop(self.to_server);
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the session ends")
            .unwrap()
    }
}

fn sessions(node: &Node) -> Vec<AuditEvent> {
    node.store()
        .audit_query(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .filter(|e| matches!(e, AuditEvent::Session { .. }))
        .collect()
}

#[tokio::test]
async fn a_push_cursor_that_goes_back_is_refused_and_nothing_of_its_batch_stored() {
    let d = tempfile::tempdir().unwrap();
    let town = town(d.path());
    let mut s = serve(&town, PeerInfo::default());
    s.send(hello(false)).await;
    assert!(matches!(s.next().await, Some(ServerMsg::Welcome(_))));
    s.send(push(vec![from_village(1), from_village(2)], 5))
        .await;
    assert_eq!(s.next().await, Some(ServerMsg::PushAck(5)));
    // Back before 5: refused, and the record of that batch is not stored.
    s.send(push(vec![from_village(3)], 3)).await;
    let e = s.end().await.unwrap_err();
    assert_eq!(e.code(), StatusCode::InvalidArgument, "{e}");
    assert!(
        e.to_string().contains('3') && e.to_string().contains('5'),
        "{e}"
    );
    let link = Link::Child(Code::parse(VILLAGE).unwrap());
    assert_eq!(town.store().cursor(CursorDir::In, &link).unwrap(), 5);
    assert!(town.store().get(&from_village(3).id).unwrap().is_none());

    // A batch with records that does not move the cursor is refused too;
    // an empty one announcing `drained` at the same cursor is fine.
    let mut s = serve(&town, PeerInfo::default());
    s.send(hello(false)).await;
    let Some(ServerMsg::Welcome(w)) = s.next().await else {
        panic!("no Welcome");
    };
    assert_eq!(w.push_cursor, 5, "the durable cursor is where to resume");
    s.send(push(vec![], 5)).await;
    assert_eq!(s.next().await, Some(ServerMsg::PushAck(5)));
    s.send(push(vec![from_village(3)], 5)).await;
    let e = s.end().await.unwrap_err();
    assert_eq!(e.code(), StatusCode::InvalidArgument, "{e}");
    assert!(town.store().get(&from_village(3).id).unwrap().is_none());
}

#[tokio::test]
async fn a_newer_session_of_a_child_supersedes_the_open_one() {
    let d = tempfile::tempdir().unwrap();
    let town = town(d.path());
    let mut first = serve(&town, verified(VILLAGE));
    first.send(hello(true)).await;
    assert!(matches!(first.next().await, Some(ServerMsg::Welcome(_))));
    first.send(push(vec![from_village(1)], 1)).await;
    assert_eq!(first.next().await, Some(ServerMsg::PushAck(1)));

    // The same village connects again (its old connection is half-open).
    let mut second = serve(&town, verified(VILLAGE));
    second.send(hello(true)).await;
    let Some(ServerMsg::Welcome(w)) = second.next().await else {
        panic!("the newer session is welcomed");
    };
    assert_eq!(w.push_cursor, 1, "it starts after what the older applied");
    // The older one has ended, with ABORTED: the newest wins.
    let e = first.end().await.unwrap_err();
    assert_eq!(e.code(), StatusCode::Aborted, "{e}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains(VILLAGE), "{e}");
    second.send(push(vec![from_village(2)], 2)).await;
    assert_eq!(second.next().await, Some(ServerMsg::PushAck(2)));
    let (code, stats) = second.end().await.unwrap();
    assert_eq!((code.as_str(), stats.received), (VILLAGE, 1));
    assert_eq!(town.store().record_count(), 2);
    // Both sessions are audited, the older with what it moved.
    let s = sessions(&town);
    assert!(
        s.iter().any(|e| matches!(e, AuditEvent::Session { received: 1, outcome, .. } if outcome.contains(VILLAGE))),
        "{s:?}"
    );
}

#[tokio::test]
async fn a_repair_fetch_outside_the_callers_scope_is_answered_as_unknown() {
    use crate::verify::{VerifyQuery, VerifyRequest, serve_verify};
    let d = tempfile::tempdir().unwrap();
    let town = town(d.path());
    let own = test_record(TOWN, 1, 1, VILLAGE, None, outflow_body());
    let other = test_record(TOWN, 2, 2, OTHER_VILLAGE, None, outflow_body());
    let items = [own.clone(), other.clone()].map(liudong_store::Incoming::new);
    town.store()
        .apply(&items, &liudong_store::Source::Local, None, true)
        .unwrap();
    let unknown = liudong_core::RecordId {
        node: Code::parse(TOWN).unwrap(),
        seq: 99,
    };
    let ask = |ids: Vec<liudong_core::RecordId>| {
        serve_verify(
            town.clone(),
            PeerInfo::default(),
            VerifyRequest {
                version: liudong_proto::VERIFY_VERSION,
                node: VILLAGE.into(),
                query: VerifyQuery::Fetch(ids),
            },
        )
    };
    // The other village's record and an unknown id: the same answer, nothing.
    let outside = ask(vec![other.id.clone()]).await.unwrap();
    let absent = ask(vec![unknown.clone()]).await.unwrap();
    assert!(outside.records.is_empty());
    assert_eq!(outside, absent, "an id outside the scope reveals nothing");
    // Mixed with an entitled one: only that one.
    let mixed = ask(vec![other.id, own.id.clone(), unknown]).await.unwrap();
    assert_eq!(mixed.records, vec![bytes(&own)]);
    // Only what was sent is audited as disclosed.
    let disclosed: Vec<u64> = town
        .store()
        .audit_query(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            AuditEvent::Disclosed { records, .. } => Some(records),
            _ => None,
        })
        .collect();
    assert_eq!(disclosed, vec![1]);
}

#[tokio::test]
async fn sessions_are_audited_under_the_certified_code_also_when_they_fail_early() {
    let d = tempfile::tempdir().unwrap();
    let town = town(d.path());
    // Claims to be the other village with the first village's certificate.
    let mut s = serve(&town, verified(VILLAGE));
    s.send(ClientMsg::Hello(Hello {
        protocol: 1,
        node: OTHER_VILLAGE.into(),
        ..Default::default()
    }))
    .await;
    assert!(s.next().await.is_none());
    let e = s.end().await.unwrap_err();
    assert!(matches!(e, SyncError::IdentityMismatch { .. }), "{e}");
    // A session whose first message is not Hello, and one closed before it.
    let s = serve(&town, verified(OTHER_VILLAGE));
    s.send(ClientMsg::PullAck(1)).await;
    assert!(s.end().await.is_err());
    let s = serve(&town, PeerInfo::default());
    assert!(s.end().await.is_err());

    let trail: Vec<AuditEvent> = town
        .store()
        .audit_query(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    let session_peers: Vec<&str> = trail
        .iter()
        .filter_map(|e| match e {
            AuditEvent::Session { peer, .. } => Some(peer.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(session_peers, [VILLAGE, OTHER_VILLAGE, "-"], "{trail:#?}");
    let refused: Vec<&Option<String>> = trail
        .iter()
        .filter_map(|e| match e {
            AuditEvent::Refused { peer, .. } => Some(peer),
            _ => None,
        })
        .collect();
    assert_eq!(
        refused,
        [&Some(VILLAGE.to_string())],
        "the impersonation is refused under the certificate's code"
    );
}

#[tokio::test]
async fn a_session_that_fails_records_what_it_moved() {
    let d = tempfile::tempdir().unwrap();
    let town = town(d.path());
    // Records the township holds for the village: pulled in the session.
    let down: Vec<_> = (1..=3)
        .map(|i| test_record(TOWN, i, 10 + i, VILLAGE, None, outflow_body()))
        .map(liudong_store::Incoming::new)
        .collect();
    town.store()
        .apply(&down, &liudong_store::Source::Local, None, true)
        .unwrap();
    let mut s = serve(&town, PeerInfo::default());
    s.send(hello(false)).await;
    assert!(matches!(s.next().await, Some(ServerMsg::Welcome(_))));
    s.send(push(vec![from_village(1)], 1)).await;
    assert_eq!(s.next().await, Some(ServerMsg::PushAck(1)));
    // Then something the township refuses: the session fails.
    s.send(push(
        vec![test_record(
            OTHER_VILLAGE,
            1,
            9,
            OTHER_VILLAGE,
            None,
            outflow_body(),
        )],
        2,
    ))
    .await;
    assert!(s.end().await.is_err());
    let s = sessions(&town);
    let [
        AuditEvent::Session {
            sent,
            received,
            outcome,
            ..
        },
    ] = s.as_slice()
    else {
        panic!("one session entry: {s:?}");
    };
    assert_eq!((*sent, *received), (3, 1), "{outcome}");
    assert_ne!(outcome, "ok");
}
