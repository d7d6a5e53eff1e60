//! One served session per lower node at a time: the newest wins.
//!
//! A lower node that reconnects (its old connection broke without the
//! server noticing yet, or an operator's `sync --once` interrupted its live
//! session) opens a new session while the old one may still be open on the
//! server. Two sessions of one child would apply the same pushed batches
//! and move the same cursors concurrently, so the server lets only one run:
//! a new session of a child cancels the session it finds (that one ends
//! with `ABORTED`, at its next step) and starts only once it has ended, so
//! its `Welcome.push_cursor` includes everything the old session applied.
//! The newest wins because the newest is the one whose client is listening.

use liudong_core::Link;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// The served sessions' turns, per link.
#[derive(Default)]
pub(crate) struct Turns {
    links: Mutex<BTreeMap<Link, Arc<LinkTurn>>>,
}

#[derive(Default)]
struct LinkTurn {
    /// Held by the session that runs.
    running: Arc<tokio::sync::Mutex<()>>,
    /// Cancelled when a newer session of the link arrives: the token of
    /// the newest session.
    newest: Mutex<Option<CancellationToken>>,
}

/// A session's turn: it runs while this lives. `superseded` is cancelled
/// when a newer session of the same link arrives.
pub(crate) struct Turn {
    pub(crate) superseded: CancellationToken,
    _running: tokio::sync::OwnedMutexGuard<()>,
}

impl Turns {
    /// Takes `link`'s turn for a new session: cancels the session running
    /// (and any still waiting for its turn), then waits until it has ended.
    /// If a still newer session arrives meanwhile, the returned turn is
    /// already superseded.
    pub(crate) async fn take(&self, link: &Link) -> Turn {
        let turn = {
            let mut links = self.links.lock().unwrap_or_else(|p| p.into_inner());
            links.entry(link.clone()).or_default().clone()
        };
        let superseded = CancellationToken::new();
        if let Some(older) = turn
            .newest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(superseded.clone())
        {
            older.cancel();
        }
        let running = turn.running.clone().lock_owned().await;
        Turn {
            superseded,
            _running: running,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liudong_core::Code;
    use std::time::Duration;

    #[tokio::test]
    async fn a_newer_session_supersedes_the_running_one_and_waits_for_its_end() {
        let turns = Arc::new(Turns::default());
        let link = Link::Child(Code::parse("410602100001").unwrap());
        let first = turns.take(&link).await;
        assert!(!first.superseded.is_cancelled());
        let (t, l) = (turns.clone(), link.clone());
        let second = tokio::spawn(async move { t.take(&l).await });
        // The first is told to end; the second waits for it.
        tokio::time::timeout(Duration::from_secs(5), first.superseded.cancelled())
            .await
            .expect("the running session is superseded");
        assert!(!second.is_finished());
        // A third arrives while the second still waits: the second's turn
        // comes already superseded.
        let (t, l) = (turns.clone(), link.clone());
        let third = tokio::spawn(async move { t.take(&l).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        let second = second.await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), second.superseded.cancelled())
            .await
            .expect("the waiting session is superseded too");
        drop(second);
        let third = third.await.unwrap();
        assert!(!third.superseded.is_cancelled(), "the newest runs");
        // Other links are independent.
        let other = Link::Child(Code::parse("410602100002").unwrap());
        let o = tokio::time::timeout(Duration::from_secs(5), turns.take(&other))
            .await
            .expect("another link's turn is free");
        assert!(!o.superseded.is_cancelled());
    }
}
