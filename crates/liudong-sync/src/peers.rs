//! What a node watches of its sessions for monitoring, kept in memory:
//! which peers have a session open, the backlog each peer reported in the
//! session that runs, and the progress of the session and of the
//! verification with the upstream (for the binary's progress output; this
//! crate never prints). The node stores the reported backlog in the peer's
//! [`liudong_store::PeerState`] when a session ends. It also signals every
//! change of a link with a child (a session opened or ended, its state
//! stored), which a township reports to its county (module `lower`).

use liudong_core::Link;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The progress of the current (or last) session with the upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Sessions with the upstream opened since the node started; a new
    /// session starts its counts from zero.
    pub session: u64,
    /// Records pushed up in this session.
    pub pushed: u64,
    /// Records to push when the session opened (and written since).
    pub push_total: Option<u64>,
    /// Records pulled down in this session (new or already held).
    pub pulled: u64,
    /// Records pulled plus what the upstream last reported left to send
    /// (`None` while it has not reported, or for an older upstream).
    pub pull_total: Option<u64>,
    /// The session has ended (successfully or not).
    pub done: bool,
}

/// The progress of the current (or last) verification with the upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyProgress {
    /// Verifications started since the node started.
    pub run: u64,
    /// `audit` (checking the local store), `compare` (buckets compared with
    /// the upstream's), `fetch` (missing records fetched), `offer` (records
    /// the upstream lacks offered), or `done`.
    pub step: &'static str,
    /// Units of the step finished (buckets or records).
    pub done: u64,
    /// Units of the step in all, when known.
    pub total: Option<u64>,
}

/// Session bookkeeping of a node.
pub(crate) struct Peers {
    open: Mutex<BTreeMap<Link, usize>>,
    /// What each peer last reported it still has to send, kept in memory
    /// while its session runs (updated per batch) and stored in its peer
    /// state when the session ends.
    backlog: Mutex<BTreeMap<Link, u64>>,
    progress: watch::Sender<SyncProgress>,
    verify: watch::Sender<VerifyProgress>,
    /// Counts changes of the links with children.
    children: watch::Sender<u64>,
}

impl Default for Peers {
    fn default() -> Self {
        Peers {
            open: Mutex::new(BTreeMap::new()),
            backlog: Mutex::new(BTreeMap::new()),
            progress: watch::channel(SyncProgress::default()).0,
            verify: watch::channel(VerifyProgress::default()).0,
            children: watch::channel(0).0,
        }
    }
}

/// Marks a session with a peer as open until dropped.
pub(crate) struct OpenSession {
    peers: Arc<Peers>,
    link: Link,
}

impl Drop for OpenSession {
    fn drop(&mut self) {
        {
            let mut open = self.peers.open.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = open.get_mut(&self.link) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&self.link);
                }
            }
        }
        self.peers.link_changed(&self.link);
    }
}

impl Peers {
    /// Counts a session with `link`'s peer as open until the guard drops.
    pub(crate) fn open(self: &Arc<Self>, link: &Link) -> OpenSession {
        {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            *open.entry(link.clone()).or_default() += 1;
        }
        self.link_changed(link);
        OpenSession {
            peers: self.clone(),
            link: link.clone(),
        }
    }

    /// Signals a change of `link` if it is a link with a child.
    pub(crate) fn link_changed(&self, link: &Link) {
        if matches!(link, Link::Child(_)) {
            self.children.send_modify(|n| *n += 1);
        }
    }

    /// Notified at every change of a link with a child.
    pub(crate) fn children_changed(&self) -> watch::Receiver<u64> {
        self.children.subscribe()
    }

    pub(crate) fn connected(&self) -> BTreeSet<Link> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.keys().cloned().collect()
    }

    pub(crate) fn backlogs(&self) -> BTreeMap<Link, u64> {
        self.backlog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn note_backlog(&self, link: &Link, remaining: u64) {
        self.backlog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(link.clone(), remaining);
    }

    /// The backlog `link`'s peer reported since the last call, if any.
    pub(crate) fn take_backlog(&self, link: &Link) -> Option<u64> {
        self.backlog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(link)
    }

    pub(crate) fn sync_progress(&self) -> watch::Receiver<SyncProgress> {
        self.progress.subscribe()
    }

    pub(crate) fn progress(&self, f: impl FnOnce(&mut SyncProgress)) {
        self.progress.send_modify(f);
    }

    pub(crate) fn verify_progress(&self) -> watch::Receiver<VerifyProgress> {
        self.verify.subscribe()
    }

    pub(crate) fn verify_step(&self, step: &'static str, total: Option<u64>, new_run: bool) {
        self.verify.send_modify(|p| {
            *p = VerifyProgress {
                run: p.run + u64::from(new_run),
                step,
                done: 0,
                total,
            }
        });
    }

    pub(crate) fn verify_done(&self, n: u64) {
        self.verify.send_modify(|p| p.done += n);
    }
}
