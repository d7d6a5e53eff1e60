//! Progress output of long syncs and
//! verifications (turned from the sync library's watch channels into
//! [`Progress`] lines on standard error). See docs/monitoring.md.

use crate::progress::Progress;
use liudong_i18n::t;
use liudong_proto::pb;
use liudong_sync::{Node, SyncProgress, VerifyProgress};
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A sync session moving at least this many records shows progress while
/// the node runs (`liudong serve`): an initial sync, or a long catch-up.
pub const SERVE_PROGRESS_MIN: u64 = 10_000;

/// Turns the progress of sessions with the upstream into [`Progress`]
/// output: a session moving at least `min_total` records gets a progress
/// line until it has moved them (a live session then carries on quietly).
pub struct SyncFollower {
    label: String,
    min_total: u64,
    shown: Option<Progress>,
    /// The session the line is (or was) about.
    session: u64,
    /// That session's line has ended (it stays quiet from then on).
    finished: bool,
}

impl SyncFollower {
    pub fn new(label: impl Into<String>, min_total: u64) -> Self {
        SyncFollower {
            label: label.into(),
            min_total,
            shown: None,
            session: 0,
            finished: false,
        }
    }

    /// Records moved and to move in all (`None` while not known).
    fn counts(p: &SyncProgress) -> (u64, Option<u64>) {
        let done = p.pushed + p.pulled;
        let total = p.push_total.map(|t| t + p.pull_total.unwrap_or(p.pulled));
        (done, total.map(|t| t.max(done)))
    }

    /// Takes one update. Returns whether a progress line is showing.
    pub fn update(&mut self, p: &SyncProgress) -> bool {
        if p.session != self.session {
            self.end(&t!("progress-interrupted"));
            self.session = p.session;
            self.finished = false;
        }
        let (done, total) = Self::counts(p);
        if self.shown.is_none()
            && !self.finished
            && !p.done
            && total.is_some_and(|t| t >= self.min_total.max(1) && done < t)
        {
            self.shown = Some(Progress::new(
                self.label.clone(),
                t!("progress-unit-records"),
                total,
            ));
        }
        if let Some(bar) = &mut self.shown {
            if let Some(t) = total {
                bar.set_total(t);
            }
            bar.set(done);
            let caught_up = total.is_some_and(|t| done >= t) && p.pull_total.is_some();
            if p.done || caught_up {
                self.end(&if p.done {
                    t!("progress-session-ended")
                } else {
                    t!("progress-caught-up")
                });
                self.finished = true;
            }
        }
        self.shown.is_some()
    }

    fn end(&mut self, summary: &str) {
        if let Some(bar) = self.shown.take() {
            bar.finish(summary);
        }
    }

    /// Follows `rx` until it closes or `cancel` fires.
    pub async fn follow(
        mut self,
        mut rx: watch::Receiver<SyncProgress>,
        cancel: CancellationToken,
    ) {
        self.session = rx.borrow_and_update().session;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                r = rx.changed() => if r.is_err() { break },
            }
            let p = rx.borrow_and_update().clone();
            self.update(&p);
        }
        // The last word (e.g. the session's end) may have come with the stop.
        let p = rx.borrow().clone();
        self.update(&p);
        self.end(&t!("progress-stopped"));
    }
}

/// Shows the steps of verifications as [`Progress`] lines until `cancel`.
pub async fn follow_verify(mut rx: watch::Receiver<VerifyProgress>, cancel: CancellationToken) {
    let mut shown: Option<(&'static str, Progress)> = None;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            r = rx.changed() => if r.is_err() { break },
        }
        let p = rx.borrow_and_update().clone();
        if shown.as_ref().is_none_or(|(step, _)| *step != p.step) {
            if let Some((_, bar)) = shown.take() {
                bar.finish(&t!("progress-done"));
            }
            if p.step != "done" && !p.step.is_empty() {
                let unit = if p.step == "compare" {
                    t!("progress-unit-months")
                } else {
                    t!("progress-unit-records")
                };
                shown = Some((p.step, Progress::new(verify_label(p.step), unit, p.total)));
            }
        }
        if let Some((_, bar)) = &mut shown {
            bar.set(p.done);
        }
    }
    if let Some((_, bar)) = shown {
        bar.finish(&if rx.borrow().step == "done" {
            t!("progress-done")
        } else {
            t!("progress-stopped")
        });
    }
}

fn verify_label(step: &str) -> String {
    match step {
        "audit" => t!("progress-verify-audit"),
        "compare" => t!("progress-verify-compare"),
        "fetch" => t!("progress-verify-fetch"),
        "offer" => t!("progress-verify-offer"),
        other => t!("progress-verify-step", step = other),
    }
}

/// How often a command polls the running node's progress.
const ADMIN_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// The node's progress as its admin service reports it.
pub(crate) fn from_admin(r: &pb::ProgressResponse) -> (SyncProgress, VerifyProgress) {
    let step = match r.verify_step.as_str() {
        "audit" => "audit",
        "compare" => "compare",
        "fetch" => "fetch",
        "offer" => "offer",
        "done" => "done",
        _ => "",
    };
    (
        SyncProgress {
            session: r.sync_session,
            pushed: r.sync_pushed,
            push_total: r.sync_push_total,
            pulled: r.sync_pulled,
            pull_total: r.sync_pull_total,
            done: r.sync_done,
        },
        VerifyProgress {
            run: r.verify_run,
            step,
            done: r.verify_done,
            total: r.verify_total,
        },
    )
}

/// Progress output of one command, following a node's sessions and
/// verifications until [`Shown::stop`].
pub struct Shown {
    cancel: CancellationToken,
    /// The followers printing the output (the command's tasks, not a node's).
    tasks: TaskTracker,
    /// What feeds the followers when the work runs in another process:
    /// stopped (after its last poll) before them.
    feeder: Option<(CancellationToken, TaskTracker)>,
}

impl Shown {
    /// Shows the syncs of `node` that move at least `min_total` records,
    /// and (with `verify`) its verifications.
    pub fn start(node: &Arc<Node>, label: String, min_total: u64, verify: bool) -> Shown {
        Shown::follow(
            node.sync_progress(),
            verify.then(|| node.verify_progress()),
            label,
            min_total,
        )
    }

    /// The same for work a running node does for this command: its progress
    /// is polled through the admin service (`Progress`) a few times a second.
    pub fn start_admin(
        client: pb::admin_client::AdminClient<tonic::transport::Channel>,
        label: String,
        min_total: u64,
        verify: bool,
    ) -> Shown {
        let (sync_tx, sync_rx) = watch::channel(SyncProgress::default());
        let (verify_tx, verify_rx) = watch::channel(VerifyProgress::default());
        let mut shown = Shown::follow(sync_rx, verify.then_some(verify_rx), label, min_total);
        let stop = CancellationToken::new();
        let polling = stop.clone();
        let feeder = TaskTracker::new();
        feeder.spawn(async move {
            let mut client = client;
            let mut tick = tokio::time::interval(ADMIN_POLL);
            loop {
                let last = tokio::select! {
                    _ = polling.cancelled() => true,
                    _ = tick.tick() => false,
                };
                // A failed poll only costs this update; the command's own
                // call reports what went wrong. After the stop, one last poll
                // brings the end of the work (its `done`).
                if let Ok(r) = client.progress(pb::ProgressRequest {}).await {
                    let (s, v) = from_admin(&r.into_inner());
                    sync_tx.send_if_modified(|p| std::mem::replace(p, s.clone()) != s);
                    verify_tx.send_if_modified(|p| std::mem::replace(p, v.clone()) != v);
                }
                if last {
                    break;
                }
            }
        });
        shown.feeder = Some((stop, feeder));
        shown
    }

    fn follow(
        sync: watch::Receiver<SyncProgress>,
        verify: Option<watch::Receiver<VerifyProgress>>,
        label: String,
        min_total: u64,
    ) -> Shown {
        let cancel = CancellationToken::new();
        let tasks = TaskTracker::new();
        tasks.spawn(SyncFollower::new(label, min_total).follow(sync, cancel.clone()));
        if let Some(rx) = verify {
            tasks.spawn(follow_verify(rx, cancel.clone()));
        }
        Shown {
            cancel,
            tasks,
            feeder: None,
        }
    }

    /// Ends the output (closing any line still open).
    pub async fn stop(self) {
        if let Some((stop, feeder)) = self.feeder {
            stop.cancel();
            feeder.close();
            feeder.wait().await;
        }
        self.cancel.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MetricsSection;

    fn p(
        session: u64,
        pushed: u64,
        push_total: u64,
        pulled: u64,
        pull_total: Option<u64>,
    ) -> SyncProgress {
        SyncProgress {
            session,
            pushed,
            push_total: Some(push_total),
            pulled,
            pull_total,
            done: false,
        }
    }

    #[test]
    fn a_large_session_shows_progress_until_caught_up() {
        let mut f = SyncFollower::new("sync", 100);
        assert!(f.update(&p(1, 0, 60, 0, Some(80))), "140 records to move");
        assert!(f.update(&p(1, 60, 60, 40, Some(80))));
        assert!(!f.update(&p(1, 60, 60, 80, Some(80))), "caught up");
        // A live session carrying on with single records stays quiet.
        assert!(!f.update(&p(1, 61, 61, 80, Some(80))));
    }

    #[test]
    fn a_small_session_shows_nothing_and_a_new_session_starts_afresh() {
        let mut f = SyncFollower::new("sync", 100);
        assert!(!f.update(&p(1, 0, 5, 0, Some(3))));
        assert!(f.update(&p(2, 0, 500, 0, None)), "pull total not known yet");
        assert!(f.update(&p(2, 200, 500, 0, None)));
        let mut done = p(2, 500, 500, 10, Some(10));
        done.done = true;
        assert!(!f.update(&done));
    }

    #[test]
    fn a_pull_only_session_shows_progress_once_the_upstream_reports() {
        let mut f = SyncFollower::new("sync", 100);
        assert!(!f.update(&p(1, 0, 0, 0, None)));
        assert!(f.update(&p(1, 0, 0, 500, Some(1000))));
        assert!(!f.update(&p(1, 0, 0, 1000, Some(1000))));
    }

    #[test]
    fn admin_progress_converts_back_to_the_library_view() {
        let r = pb::ProgressResponse {
            sync_session: 3,
            sync_pushed: 10,
            sync_pulled: 5,
            sync_push_total: Some(20),
            sync_pull_total: None,
            sync_done: false,
            verify_run: 2,
            verify_step: "fetch".into(),
            verify_done: 7,
            verify_total: Some(9),
        };
        let (s, v) = from_admin(&r);
        assert_eq!(s, p(3, 10, 20, 5, None));
        assert_eq!((v.run, v.step, v.done, v.total), (2, "fetch", 7, Some(9)));
        let unknown = pb::ProgressResponse {
            verify_step: "newer-step".into(),
            ..r
        };
        assert_eq!(from_admin(&unknown).1.step, "");
    }

    #[test]
    fn metrics_listen_is_optional_and_checked() {
        assert_eq!(MetricsSection::default().validate().unwrap(), None);
        let s = MetricsSection {
            listen: Some("127.0.0.1:9464".into()),
        };
        assert_eq!(
            s.validate().unwrap(),
            Some("127.0.0.1:9464".parse().unwrap())
        );
        let e = MetricsSection {
            listen: Some("localhost".into()),
        }
        .validate()
        .unwrap_err();
        assert!(format!("{e:#}").contains("[metrics] listen"), "{e:#}");
    }
}
