//! The status of a node's links, as `liudong status` shows it.

use crate::SyncError;
use liudong_core::Link;
use liudong_store::{CursorDir, LinkStatus, Store};
use serde::Serialize;

/// One link's state.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkReport {
    /// `upstream` or `child`.
    pub role: &'static str,
    /// The peer's division code.
    pub peer: String,
    /// How far this node has durably received the peer's outbox.
    pub cursor_in: u64,
    /// How far the peer has acknowledged this node's outbox.
    pub cursor_out: u64,
    /// Records in this node's outbox for the peer not yet acknowledged
    /// (upstream: waiting to be pushed up; child: waiting to be pulled down).
    pub pending_out: u64,
    /// This node's fingerprint of the records it shares with the peer (hex / count).
    pub fingerprint: String,
    /// The outcome of the last verification of this link, if any.
    pub receipt: Option<liudong_store::fingerprint::Receipt>,
    #[serde(flatten)]
    pub status: LinkStatus,
}

/// A node's state.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeReport {
    pub node: String,
    pub kind: &'static str,
    pub upstream: Option<String>,
    pub records: usize,
    pub last_seq: u64,
    pub conflicts: u64,
    /// The store failed to write and refuses all records until restart.
    pub write_failed: bool,
    pub links: Vec<LinkReport>,
}

/// Gathers the report from the store.
pub fn report(store: &Store) -> Result<NodeReport, SyncError> {
    if store.write_failed() {
        // Only what needs no scan of a store that failed (see `check_writable`).
        return Ok(NodeReport {
            node: store.scope().code.to_string(),
            kind: store.scope().kind.name(),
            upstream: store.parent().map(|p| p.code.to_string()),
            records: 0,
            last_seq: store.last_seq(),
            conflicts: 0,
            write_failed: true,
            links: Vec::new(),
        });
    }
    let mut links: Vec<Link> = store.outbox_links()?;
    for l in store.status_links()? {
        if !links.contains(&l) {
            links.push(l);
        }
    }
    if store.parent().is_some() && !links.contains(&Link::Parent) {
        links.push(Link::Parent);
    }
    links.sort();
    let mut out = Vec::with_capacity(links.len());
    for link in links {
        let (role, peer) = match &link {
            Link::Parent => match store.parent() {
                Some(p) => ("upstream", p.code.to_string()),
                None => continue,
            },
            Link::Child(c) => ("child", c.to_string()),
        };
        let cursor_out = store.cursor(CursorDir::Out, &link)?;
        out.push(LinkReport {
            role,
            peer,
            cursor_in: store.cursor(CursorDir::In, &link)?,
            cursor_out,
            pending_out: store.pending(&link, cursor_out)?,
            fingerprint: store.fingerprint(&link)?.hex(),
            receipt: store.receipt(&link)?,
            status: store.link_status(&link)?,
        });
    }
    Ok(NodeReport {
        node: store.scope().code.to_string(),
        kind: store.scope().kind.name(),
        upstream: store.parent().map(|p| p.code.to_string()),
        records: store.record_count(),
        last_seq: store.last_seq(),
        conflicts: store
            .counters()
            .conflicts
            .load(std::sync::atomic::Ordering::Relaxed),
        write_failed: store.write_failed(),
        links: out,
    })
}
