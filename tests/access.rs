//! The two doors of an operator command (`liudong_node::NodeAccess`): the
//! running node's admin service and the stopped node's store answer the
//! same status and the same queries, as the same Rust types.

use liudong_core::overdue::Thresholds;
use liudong_node::NodeAccess;
use liudong_node::query::{Answer, Query};
use liudong_node::status::NodeReport;
use liudong_tests::*;
use std::time::Duration;

/// The queries asked through both doors.
fn queries(subject: &str) -> Vec<Query> {
    let today = liudong_core::Date::from_unix_ms(liudong_sync::system_clock()());
    vec![
        Query::Person {
            subject: subject.to_string(),
        },
        Query::Overdue {
            kinds: Vec::new(),
            thresholds: Thresholds::default(),
        },
        Query::Report {
            month: format!("{:04}-{:02}", today.year, today.month),
            code: None,
            ack_days: 30,
        },
        Query::Persons {
            after: None,
            limit: 10,
        },
    ]
}

async fn ask_all(door: &mut NodeAccess, subject: &str) -> Vec<Answer> {
    let mut out = Vec::new();
    for q in queries(subject) {
        out.push(door.query("door-test", &q).await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_node_and_its_stopped_store_give_the_same_status_and_answers() {
    // Messages are asserted in English (the catalogue's other language).
    liudong_i18n::set_lang(liudong_i18n::Lang::En);
    let dir = tempfile::tempdir().unwrap();
    // One-shot links (a session at start and after each local write, then
    // none for an hour): once the county is quiet, nothing changes it.
    let (topo, cfg, county) = county_with_admin(dir.path()).await;
    let admin = liudong_net::admin_client(&county.admin_addr.unwrap().to_string())
        .await
        .unwrap();
    let mut running = NodeAccess::running(&cfg, admin);
    assert!(running.is_running());

    // Records written through the running door.
    let subject = person(41, VILLAGE_A1);
    for draft in [
        outflow(&subject, VILLAGE_A1, None),
        draft(
            &subject,
            VILLAGE_A1,
            None,
            liudong_core::Body::Returned(liudong_core::record::Returned {
                return_date: liudong_core::Date::new(2026, 10, 1).unwrap(),
            }),
        ),
    ] {
        let w = running.write(draft).await.unwrap();
        assert!(!w.existing);
    }
    let again = running
        .write_batch(vec![outflow(&subject, VILLAGE_A1, None)], true)
        .await
        .unwrap();
    assert!(
        again[0].existing,
        "an identical record is not written twice"
    );

    // Wait until the sessions the writes started have ended and the status
    // stands still.
    let mut status: NodeReport = running.status().await.unwrap();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = running.status().await.unwrap();
        let quiet = now == status && now.links.iter().all(|l| !l.connected);
        status = now;
        if quiet {
            break;
        }
    }
    assert_eq!(status.records, 2);
    assert!(
        status.links.iter().any(|l| l.role == "upstream"),
        "{status:?}"
    );
    let answers = ask_all(&mut running, subject.as_str()).await;
    assert!(matches!(&answers[0], Answer::Person(p) if p.view.records == 2));
    drop(running);
    county.shutdown(Duration::from_secs(10)).await.unwrap();

    // The same through the stopped store (opened once the node's last task
    // has let go of it).
    let mut stopped = None;
    for _ in 0..200 {
        match NodeAccess::stopped(&cfg) {
            Ok(s) => {
                stopped = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let mut stopped = stopped.expect("the stopped store opens");
    assert!(!stopped.is_running());
    assert_eq!(stopped.status().await.unwrap(), status);
    assert_eq!(ask_all(&mut stopped, subject.as_str()).await, answers);
    // Both doors recorded their views in the same trail.
    let viewed = stopped
        .audit(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            matches!(&e.event, liudong_store::audit::AuditEvent::Viewed { operator, .. } if operator == "door-test")
        })
        .count();
    assert_eq!(viewed, 2 * queries(subject.as_str()).len());
    drop(stopped);
    topo.shutdown().await.unwrap();
}
