//! What a node knows of each peer's liveness and backlog, for `liudong
//! status` and the metrics: when it was last in contact, what the peer last
//! reported it still has to send, and the sync interval it announced.
//!
//! Kept apart from [`crate::LinkStatus`] (whose postcard encoding is
//! already on disk) under [`keys::peer`], written outside record batches
//! (advisory, like the `Out` cursors).
//!
//! A child with children of its own (a township) also reports the state of
//! its links with them ([`LowerLink`]); the last report is kept whole under
//! [`keys::lower`], with the time it arrived ([`LowerReport`]), so that a
//! county shows every village and ages what it was told by its own clock.

use crate::engine::Tree;
use crate::error::StoreError;
use crate::keys;
use liudong_core::Link;
use serde::{Deserialize, Serialize};

/// Liveness and backlog of one peer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerState {
    /// Last time a session with the peer opened, carried a batch or ended (unix ms).
    pub last_contact_ms: Option<u64>,
    /// Records the peer last reported it still has to send to this node
    /// (`None`: it never reported, e.g. an older node).
    pub pending_in: Option<u64>,
    /// The sync interval the peer announced, seconds (`None`: never announced).
    pub announced_interval_secs: Option<u64>,
}

/// The state of one link of a child with a node below it, as the child saw
/// it when it reported (a township's link with one of its villages). Raw
/// facts only: the receiver judges silence by its own clock and rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LowerLink {
    /// The lower node's division code (a direct child of the reporter).
    pub node: String,
    /// The reporter's last contact with it (unix ms, the reporter's clock;
    /// the report's time while a session with it is open).
    pub last_contact_ms: Option<u64>,
    /// Records the reporter holds for it, not yet acknowledged.
    pub pending_out: u64,
    /// Records it last reported it still has to push (`None`: never reported).
    pub pending_in: Option<u64>,
    /// The sync interval it announced, seconds (`None`: never announced).
    pub announced_interval_secs: Option<u64>,
    /// A session with it was open when the report was made.
    pub connected: bool,
    /// The reporter declares the unit as having no node of its own.
    pub without_node: bool,
    /// Its last session that ended well / failed (unix ms, reporter's clock).
    pub last_success_ms: Option<u64>,
    pub last_failure_ms: Option<u64>,
    /// The error that ended its last failed session.
    pub last_error: Option<String>,
}

/// The last report of a child about the links below it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LowerReport {
    /// When this node received it (unix ms, this node's clock).
    pub received_ms: u64,
    /// One entry per node below the child, in code order.
    pub links: Vec<LowerLink>,
}

/// The last report `link`'s peer made of the links below it, if any.
pub(crate) fn get_lower(tree: &Tree, link: &Link) -> Result<Option<LowerReport>, StoreError> {
    match tree.get(keys::lower(&keys::link(link)))? {
        Some(v) => postcard::from_bytes(&v)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("lower links report: {e}"))),
        None => Ok(None),
    }
}

/// The key and value that store `report` for `link`.
pub(crate) fn lower_entry(
    link: &Link,
    report: &LowerReport,
) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let v = postcard::to_allocvec(report)
        .map_err(|e| StoreError::Corrupt(format!("lower links report: {e}")))?;
    Ok((keys::lower(&keys::link(link)), v))
}

/// The stored state of `link`'s peer (default if none).
pub(crate) fn get(tree: &Tree, link: &Link) -> Result<PeerState, StoreError> {
    match tree.get(keys::peer(&keys::link(link)))? {
        Some(v) => {
            postcard::from_bytes(&v).map_err(|e| StoreError::Corrupt(format!("peer state: {e}")))
        }
        None => Ok(PeerState::default()),
    }
}

/// The key and value that store `state` as `link`'s peer state.
pub(crate) fn entry(link: &Link, state: &PeerState) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let v = postcard::to_allocvec(state)
        .map_err(|e| StoreError::Corrupt(format!("peer state: {e}")))?;
    Ok((keys::peer(&keys::link(link)), v))
}

/// Links with a stored peer state.
pub(crate) fn links(tree: &Tree) -> Result<Vec<Link>, StoreError> {
    let prefix = keys::peers();
    let mut out = Vec::new();
    for kv in tree.scan_prefix(&prefix) {
        let (k, _) = kv?;
        out.extend(keys::parse_link(&k[prefix.len()..]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::tests::{T_A, V_A1, open};
    use liudong_core::{Code, Link};

    #[test]
    fn peer_state_is_kept_per_link_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let a1 = Link::Child(Code::parse(V_A1).unwrap());
        {
            let s = open(dir.path(), T_A, Some("410602"));
            assert_eq!(s.peer_state(&a1).unwrap(), Default::default());
            s.update_peer_state(&a1, |p| {
                p.last_contact_ms = Some(5);
                p.pending_in = Some(7);
            })
            .unwrap();
            s.update_peer_state(&Link::Parent, |p| p.announced_interval_secs = Some(60))
                .unwrap();
            s.flush().unwrap();
        }
        let s = open(dir.path(), T_A, Some("410602"));
        let p = s.peer_state(&a1).unwrap();
        assert_eq!((p.last_contact_ms, p.pending_in), (Some(5), Some(7)));
        let mut links = s.peer_links().unwrap();
        links.sort();
        assert_eq!(links, vec![Link::Parent, a1]);
    }

    #[test]
    fn a_childs_report_of_its_lower_links_is_kept_whole_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let town = Link::Child(Code::parse("410602100").unwrap());
        let report = super::LowerReport {
            received_ms: 9,
            links: vec![super::LowerLink {
                node: "410602100001".into(),
                last_contact_ms: Some(3),
                pending_out: 2,
                without_node: true,
                last_error: Some("x".into()),
                ..Default::default()
            }],
        };
        {
            let s = open(dir.path(), "410602", Some("CN"));
            assert_eq!(s.lower_report(&town).unwrap(), None);
            s.set_lower_report(&town, &report).unwrap();
            s.flush().unwrap();
        }
        let s = open(dir.path(), "410602", Some("CN"));
        assert_eq!(s.lower_report(&town).unwrap(), Some(report));
        // Not a peer state: the link is not listed as one.
        assert!(s.peer_links().unwrap().is_empty());
    }
}
