//! A township's links with its villages, reported to its county, so that
//! the county sees every village (docs/protocol.md, "Lower links").
//!
//! The reporter sends raw facts, one [`LowerLink`] per unit of the division
//! table under it (and per other child it knows): last contact, backlogs
//! both ways, the interval the unit announced, whether a session is open,
//! whether the unit is declared as having no node. It sends them in `Hello`
//! and, while a session runs, with a push batch whenever they changed (an
//! empty batch if nothing else is to be pushed), at most once per
//! [`LOWER_REPORT_EVERY`]. The receiver keeps the last report of each child
//! with the time it arrived and judges silence by its own clock.
//!
//! Advisory, like the backlog reports: nothing in a session depends on them,
//! and what a child says is accepted only about its own direct children.

use crate::error::SyncError;
use crate::node::{Node, blocking};
use liudong_core::{Code, Link, NodeKind};
use liudong_store::{CursorDir, LowerLink, LowerReport};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Shortest time between two reports within one session.
pub const LOWER_REPORT_EVERY: Duration = Duration::from_secs(1);

/// Longest `last_error` kept of a reported entry, in characters.
pub const MAX_LOWER_ERROR_CHARS: usize = 300;

impl Node {
    /// Whether this node reports its links with its children upward: a
    /// township does, to its county.
    pub fn reports_lower_links(&self) -> bool {
        self.scope().kind == NodeKind::Township
    }

    /// The state of this node's links with the nodes below it: one entry
    /// per unit of the division table directly under it, per declared unit
    /// without a node and per other child it knows, in code order.
    /// Blocking (store reads).
    pub fn lower_links(&self) -> Result<Vec<LowerLink>, SyncError> {
        let store = self.store();
        let own = &self.scope().code;
        let mut units: BTreeSet<Code> = liudong_core::divisions::table()
            .children(own.as_str())
            .into_iter()
            .filter_map(|c| Code::parse(c).ok())
            .collect();
        units.extend(
            self.config()
                .without_node
                .iter()
                .filter(|c| c.parent().as_ref() == Some(own))
                .cloned(),
        );
        for link in store.known_links()? {
            if let Link::Child(c) = link {
                units.insert(c);
            }
        }
        let connected = self.connected_links();
        let backlogs = self.reported_backlogs();
        let now = self.now_ms();
        let mut out = Vec::with_capacity(units.len());
        for code in units {
            let link = Link::Child(code.clone());
            let peer = store.peer_state(&link)?;
            let status = store.link_status(&link)?;
            let is_connected = connected.contains(&link);
            out.push(LowerLink {
                node: code.to_string(),
                last_contact_ms: if is_connected {
                    Some(now.max(peer.last_contact_ms.unwrap_or(0)))
                } else {
                    peer.last_contact_ms
                },
                pending_out: store.pending(&link, store.cursor(CursorDir::Out, &link)?)?,
                pending_in: backlogs.get(&link).copied().or(peer.pending_in),
                announced_interval_secs: peer.announced_interval_secs,
                connected: is_connected,
                without_node: self.config().without_node.contains(&code),
                last_success_ms: status.last_success_ms,
                last_failure_ms: status.last_failure_ms,
                last_error: status.last_error,
            });
        }
        Ok(out)
    }

    /// [`Node::lower_links`] off the async threads; empty for a node that
    /// does not report them. A failure is logged: monitoring never fails a
    /// session.
    pub(crate) async fn lower_links_to_report(self: &Arc<Self>) -> Vec<LowerLink> {
        if !self.reports_lower_links() {
            return Vec::new();
        }
        let node = self.clone();
        match blocking(move || node.lower_links()).await {
            Ok(links) => links,
            Err(e) => {
                tracing::warn!(error = %e, "could not gather the links with lower nodes");
                Vec::new()
            }
        }
    }

    /// Stores what `link`'s peer reported of its links with the nodes below
    /// it: only entries about its own direct children, once each (so at
    /// most 1000: a child code adds three digits), each error cut to
    /// [`MAX_LOWER_ERROR_CHARS`]. A failure is logged: monitoring never
    /// fails a session.
    pub(crate) async fn note_lower_links(self: &Arc<Self>, link: &Link, links: Vec<LowerLink>) {
        let Link::Child(reporter) = link else {
            return;
        };
        let report = LowerReport {
            received_ms: self.now_ms(),
            links: accepted(reporter, links),
        };
        let (store, key) = (self.store().clone(), link.clone());
        if let Err(e) = blocking(move || Ok(store.set_lower_report(&key, &report)?)).await {
            tracing::warn!(error = %e, "could not record the lower links reported");
        }
    }
}

/// The entries of a report from `reporter` that are about its own direct
/// children, once each, in code order, errors cut short.
fn accepted(reporter: &Code, links: Vec<LowerLink>) -> Vec<LowerLink> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<LowerLink> = links
        .into_iter()
        .filter(|l| Code::parse(&l.node).ok().and_then(|c| c.parent()).as_ref() == Some(reporter))
        .filter(|l| seen.insert(l.node.clone()))
        .map(|mut l| {
            if let Some(e) = &mut l.last_error
                && e.chars().count() > MAX_LOWER_ERROR_CHARS
            {
                *e = e.chars().take(MAX_LOWER_ERROR_CHARS).collect();
            }
            l
        })
        .collect();
    out.sort_by(|a, b| a.node.cmp(&b.node));
    out
}

/// When a running session reports the lower links again: after they
/// changed, at most once per [`LOWER_REPORT_EVERY`].
pub(crate) struct LowerReporter {
    changed: tokio::sync::watch::Receiver<u64>,
    dirty: bool,
    last: tokio::time::Instant,
}

impl LowerReporter {
    /// A reporter for `node`'s session, if the node reports lower links;
    /// the state sent in `Hello` counts as the first report, so it is made
    /// before that state is gathered (a change in between is reported again).
    pub(crate) fn new(node: &Node) -> Option<LowerReporter> {
        node.reports_lower_links().then(|| {
            let mut changed = node.children_changed();
            changed.borrow_and_update();
            LowerReporter {
                changed,
                dirty: false,
                last: tokio::time::Instant::now(),
            }
        })
    }

    /// Waits for what comes next: a change of the links is noted (`false`),
    /// or a noted change is due to be reported and `may_send` (`true`).
    pub(crate) async fn wait(&mut self, may_send: bool) -> bool {
        if self.dirty {
            if !may_send {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep_until(self.last + LOWER_REPORT_EVERY).await;
            true
        } else {
            if self.changed.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
            self.dirty = true;
            false
        }
    }

    /// Whether a change is due to be reported now.
    pub(crate) fn is_due(&self) -> bool {
        self.dirty && self.last.elapsed() >= LOWER_REPORT_EVERY
    }

    /// The links to report now (and the reporter is clean again).
    pub(crate) async fn take(&mut self, node: &Arc<Node>) -> Vec<LowerLink> {
        self.dirty = false;
        self.last = tokio::time::Instant::now();
        self.changed.borrow_and_update();
        node.lower_links_to_report().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(node: &str) -> LowerLink {
        LowerLink {
            node: node.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_report_is_accepted_only_about_the_reporters_own_children() {
        let town = Code::parse("410602100").unwrap();
        let long = "x".repeat(1000);
        let mut third = entry("410602100003");
        third.last_error = Some(long);
        let got = accepted(
            &town,
            vec![
                entry("410602100002"),
                entry("410602001001"), // a village of another township
                entry("410602100"),    // the reporter itself
                entry("410602"),       // its county
                entry("not a code"),
                entry("410602100001"),
                entry("410602100002"), // twice
                third,
            ],
        );
        let codes: Vec<&str> = got.iter().map(|l| l.node.as_str()).collect();
        assert_eq!(codes, ["410602100001", "410602100002", "410602100003"]);
        assert_eq!(
            got[2].last_error.as_ref().unwrap().chars().count(),
            MAX_LOWER_ERROR_CHARS
        );
    }
}
