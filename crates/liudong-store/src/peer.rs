//! What a node knows of each peer's liveness and backlog, for `liudong
//! status` and the metrics: when it was last in contact, what the peer last
//! reported it still has to send, and the sync interval it announced.
//!
//! Kept apart from [`crate::LinkStatus`] (whose postcard encoding is
//! already on disk) under [`keys::peer`], written outside record batches
//! (advisory, like the `Out` cursors).

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
}
