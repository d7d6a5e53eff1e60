//! Operator writes that can be retried (issue 14 item 6), with a real node
//! and its admin service on 127.0.0.1: a write whose answer is lost says its
//! outcome is unknown and that retrying is safe, and the retry with the same
//! request id stores nothing twice.

use liudong_i18n::Lang;
use liudong_node::{AccessError, NodeAccess};
use liudong_tests::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A proxy in front of the admin service that lets one connection through
/// until the client sends its first request (an HTTP/2 HEADERS frame on a
/// stream), then drops everything the node answers: the answer is lost.
async fn answer_losing_proxy(
    admin: std::net::SocketAddr,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = TcpStream::connect(admin).await.unwrap();
        let (mut cr, mut cw) = client.into_split();
        let (mut sr, mut sw) = server.into_split();
        let cut = Arc::new(AtomicBool::new(false));
        let seen = cut.clone();
        let up = tokio::spawn(async move {
            let mut pending: Vec<u8> = Vec::new();
            let mut preface = 24usize;
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match cr.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                let skip = preface.min(pending.len());
                pending.drain(..skip);
                preface -= skip;
                // Whole frames: 3 bytes length, type, flags, 4 bytes stream.
                while pending.len() >= 9 {
                    let len = u32::from_be_bytes([0, pending[0], pending[1], pending[2]]) as usize;
                    let stream =
                        u32::from_be_bytes([pending[5], pending[6], pending[7], pending[8]])
                            & 0x7fff_ffff;
                    if pending[3] == 1 && stream > 0 {
                        seen.store(true, Ordering::SeqCst);
                    }
                    if pending.len() < 9 + len {
                        break;
                    }
                    pending.drain(..9 + len);
                }
                if sw.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        });
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if !cut.load(Ordering::SeqCst) && cw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        up.abort();
    });
    (addr, task)
}

/// `liudong record add` lost the node's answer: the record was stored, the
/// error says the outcome is unknown and names the request id to retry
/// with; the retry stores nothing twice and answers the stored record; the
/// same id with another record is refused; ledger import batches carry ids
/// made from their records, so an import run again replays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_answer_is_lost_can_be_retried_without_storing_twice() {
    liudong_i18n::set_lang(Lang::En);
    let dir = tempfile::tempdir().unwrap();
    let (topo, cfg, county) = county_with_admin(dir.path()).await;
    let admin_addr = county.admin_addr.unwrap();
    let store = county.node.store().clone();
    let before = store.record_count();

    // The first attempt: the node writes, its answer never arrives.
    let (proxy, proxy_task) = answer_losing_proxy(admin_addr).await;
    let admin = liudong_net::admin_client(&proxy.to_string()).await.unwrap();
    let mut lossy = NodeAccess::running(&cfg, admin);
    let subject = person(61, VILLAGE_A1);
    let record = outflow(&subject, VILLAGE_A1, None);
    let id = liudong_node::access::new_request_id("add");
    let attempt = {
        let (record, id) = (record.clone(), id.clone());
        tokio::spawn(async move { lossy.write_request(record, Some(&id)).await })
    };
    let t = Instant::now();
    while store.record_count() == before {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the node did not write"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy_task.abort();
    let e = tokio::time::timeout(Duration::from_secs(30), attempt)
        .await
        .expect("the attempt ends once the connection is gone")
        .unwrap()
        .unwrap_err();
    println!("lost answer: {e}");
    assert!(matches!(e, AccessError::OutcomeUnknown { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("not known") && text.contains("retrying is safe") && text.contains(&id),
        "{text}"
    );
    assert_eq!(store.record_count(), before + 1);

    // The retry, straight to the node: nothing stored twice.
    let admin = liudong_net::admin_client(&admin_addr.to_string())
        .await
        .unwrap();
    let mut door = NodeAccess::running(&cfg, admin);
    let again = door.write_request(record.clone(), Some(&id)).await.unwrap();
    assert!(again.existing, "answered as the earlier attempt's record");
    assert_eq!(store.record_count(), before + 1);
    assert_eq!(store.subject_records(subject.as_str()).unwrap().len(), 1);
    assert_eq!(store.get(&again.id).unwrap().unwrap().body, record.body);

    // The same id with another record is refused; nothing written.
    let other = outflow(&person(62, VILLAGE_A1), VILLAGE_A1, None);
    let e = door.write_request(other, Some(&id)).await.unwrap_err();
    println!("id reused: {e}");
    assert_eq!(e.code(), Some(tonic::Code::AlreadyExists), "{e}");
    assert_eq!(store.record_count(), before + 1);

    // A batch (as `liudong import` writes it) sent twice with its id.
    let batch: Vec<_> = (70..75)
        .map(|i| outflow(&person(i, VILLAGE_A1), VILLAGE_A1, None))
        .collect();
    let bid = liudong_node::access::content_request_id("import", &batch, false);
    let first = door
        .write_batch_request(batch.clone(), false, Some(&bid))
        .await
        .unwrap();
    let second = door
        .write_batch_request(batch.clone(), false, Some(&bid))
        .await
        .unwrap();
    assert!(first.iter().all(|w| !w.existing) && second.iter().all(|w| w.existing));
    let ids =
        |v: &[liudong_node::access::Written]| v.iter().map(|w| w.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&second));
    assert_eq!(store.record_count(), before + 6);
    drop(door);
    county.shutdown(Duration::from_secs(10)).await.unwrap();
    topo.shutdown().await.unwrap();
}
