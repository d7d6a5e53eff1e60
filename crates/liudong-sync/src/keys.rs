//! The key directory of the sealed exchange tier: how counties' key
//! announcements travel.
//!
//! A county publishes the announcements of its own keys (current and
//! retired) to its exchange and fetches every announcement the exchange
//! holds after the position it last saw; an exchange with an upstream does
//! the same for the announcements of its subtree, so every exchange ends up
//! holding every county's keys and each county learns them from its own
//! exchange. One unary call does both ([`KeysRequest`]); the transport
//! carries it (`liudong.v1.Exchange/Keys`).
//!
//! Exchanges store announcements as they are (they use no key); counties
//! check each one ([`liudong_exchange::KeyRing::accept`]: certificate, CA
//! jurisdiction, signature) before sealing to it or checking envelopes with
//! it, and keep the accepted ones in their store so that a restarted county
//! knows them before it reaches its exchange.

use crate::error::SyncError;
use crate::identity::PeerInfo;
use crate::node::{Node, blocking};
use futures::future::BoxFuture;
use liudong_core::NodeScope;
use liudong_exchange::announce::Announcement;
use liudong_exchange::{EXCHANGE_VERSION, SealError};
use liudong_store::Announced;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Most announcements in one answer.
pub const MAX_ANNOUNCEMENTS: usize = 10_000;
/// How often the key task checks the own key file for a rotation.
const POLL: Duration = Duration::from_secs(2);
/// Shortest time between two calls of the key task.
const MIN_GAP: Duration = Duration::from_millis(200);

/// A call of the lower node: what it publishes, and from where it reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeysRequest {
    pub version: u32,
    pub node: String,
    pub publish: Vec<Vec<u8>>,
    pub after: u64,
}

/// The upper node's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeysAnswer {
    pub version: u32,
    pub node: String,
    pub announcements: Vec<Vec<u8>>,
    pub next: u64,
}

/// Sends key directory calls to the upper node (implemented by the transport).
pub trait KeysPeer: Send + Sync + 'static {
    fn call(&self, req: KeysRequest) -> BoxFuture<'static, Result<KeysAnswer, SyncError>>;
}

/// Answers a child's key directory call (an exchange node's side): stores
/// the announcements it publishes for counties under it, and returns those
/// held after its position.
pub async fn serve_keys(
    node: Arc<Node>,
    peer: PeerInfo,
    req: KeysRequest,
) -> Result<KeysAnswer, SyncError> {
    node.store().check_writable()?;
    if req.version != EXCHANGE_VERSION {
        return Err(SyncError::Version {
            ours: EXCHANGE_VERSION,
            theirs: req.version,
        });
    }
    let (child, _) = peer.identify_child(&node, &req.node, "KeysRequest.node")?;
    if !node.scope().is_exchange() || node.keys().is_none() {
        return Err(SyncError::Protocol(format!(
            "{} is not a sealed exchange node; it keeps no key directory",
            node.scope()
        )));
    }
    let store = node.store().clone();
    let (answer, new) = blocking(move || {
        let mut new = 0;
        for bytes in &req.publish {
            let a = Announcement::decode(bytes)?;
            if !a.county.is_under(&child) {
                return Err(SealError::Announcement(format!(
                    "node {child} may publish only the keys of counties under it, not of {}",
                    a.county
                ))
                .into());
            }
            match store.put_announcement_with(&a.county, &a.key_id, bytes, |h| a.same_body(h))? {
                Announced::New(_) => new += 1,
                Announced::Same => {}
                Announced::Conflict => {
                    return Err(SealError::Announcement(format!(
                        "key {} of county {} is already held with other keys; a key id names one key pair",
                        a.key_id, a.county
                    ))
                    .into());
                }
            }
        }
        let held = store.announcements_after(req.after)?;
        let next = held
            .get(..held.len().min(MAX_ANNOUNCEMENTS))
            .and_then(|h| h.last())
            .map_or(req.after, |(seq, _)| *seq);
        Ok((
            KeysAnswer {
                version: EXCHANGE_VERSION,
                node: String::new(),
                announcements: held
                    .into_iter()
                    .take(MAX_ANNOUNCEMENTS)
                    .map(|(_, b)| b)
                    .collect(),
                next,
            },
            new,
        ))
    })
    .await?;
    // An exchange with an upstream passes new keys on at once, and asks its
    // upstream for keys whenever a child asks it.
    if let Some(keys) = node.keys()
        && (new > 0 || node.store().parent().is_some())
    {
        keys.want_keys();
    }
    Ok(KeysAnswer {
        node: node.scope().code.to_string(),
        ..answer
    })
}

/// One exchange of announcements with the upstream: publishes this node's
/// (a county its own; an exchange those of its subtree), takes the
/// upstream's after `after`, and returns the position to ask from next.
pub async fn sync_keys(
    node: &Arc<Node>,
    parent: &NodeScope,
    peer: &dyn KeysPeer,
    after: u64,
) -> Result<u64, SyncError> {
    let Some(keys) = node.keys().cloned() else {
        return Ok(after);
    };
    if let Err(e) = keys.reload_own() {
        tracing::error!(error = %e, "cannot read this county's sealing keys");
    }
    let publish = {
        let (node, keys) = (node.clone(), keys.clone());
        blocking(move || {
            if node.scope().is_exchange() {
                let own = &node.scope().code;
                let mut out = Vec::new();
                for (_, b) in node.store().announcements_after(0)? {
                    if Announcement::decode(&b).is_ok_and(|a| a.county.is_under(own)) {
                        out.push(b);
                    }
                }
                Ok(out)
            } else {
                Ok(keys.own_announcements()?)
            }
        })
        .await?
    };
    let answer = peer
        .call(KeysRequest {
            version: EXCHANGE_VERSION,
            node: node.scope().code.to_string(),
            publish,
            after,
        })
        .await?;
    if answer.node != parent.code.to_string() {
        return Err(SyncError::WrongUpstream {
            expected: parent.code.clone(),
            found: answer.node,
        });
    }
    let next = answer.next;
    let node2 = node.clone();
    blocking(move || {
        store_announcements(&node2, &answer.announcements)?;
        Ok(())
    })
    .await?;
    Ok(next)
}

/// Takes announcements into the key ring (a county checks each; a refused
/// one is logged and left out) and the store (an exchange keeps them to
/// serve its children). Blocking.
pub fn store_announcements(node: &Node, announcements: &[Vec<u8>]) -> Result<usize, SyncError> {
    let Some(keys) = node.keys() else {
        return Ok(0);
    };
    let mut taken = 0;
    for bytes in announcements {
        let a = match Announcement::decode(bytes) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "key announcement refused");
                continue;
            }
        };
        if !node.scope().is_exchange()
            && let Err(e) = keys.accept(bytes)
        {
            tracing::warn!(county = %a.county, key = %a.key_id, error = %e, "key announcement refused");
            continue;
        }
        match node
            .store()
            .put_announcement_with(&a.county, &a.key_id, bytes, |h| a.same_body(h))?
        {
            Announced::Conflict => {
                tracing::warn!(county = %a.county, key = %a.key_id, "key announcement conflicts with one held; kept the first");
            }
            Announced::New(_) => taken += 1,
            Announced::Same => {}
        }
    }
    Ok(taken)
}

/// Loads the announcements this node kept into its key ring (at start).
pub fn load_announcements(node: &Node) -> Result<usize, SyncError> {
    let held: Vec<Vec<u8>> = node
        .store()
        .announcements_after(0)?
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    store_announcements(node, &held)?;
    Ok(held.len())
}

/// The key task of a node with an upstream in the sealed exchange tier:
/// exchanges announcements at start, every `interval`, when the own key file
/// changed (a rotation), and whenever keys are wanted (a sealer or a receiver
/// misses a key, a child asked this exchange); failures are retried at the
/// next occasion. Runs until `cancel`.
pub async fn run_key_sync(
    node: Arc<Node>,
    parent: NodeScope,
    peer: Arc<dyn KeysPeer>,
    interval: Duration,
    cancel: CancellationToken,
) {
    let Some(keys) = node.keys().cloned() else {
        return;
    };
    let mut after = 0u64;
    let mut last: Option<tokio::time::Instant> = None;
    // The current own key last published (a county): a new one, however it
    // was loaded, is published at once.
    let mut published: Option<String> = None;
    loop {
        let due = last.is_none_or(|t| t.elapsed() >= interval);
        let rotated = keys.reload_own().unwrap_or(false);
        let current = keys.current().map(|k| k.key_id.clone());
        if due || rotated || current != published {
            match sync_keys(&node, &parent, peer.as_ref(), after).await {
                Ok(next) => {
                    after = next;
                    published = current;
                }
                Err(e) => tracing::debug!(error = %e, "key directory exchange failed; retrying"),
            }
            last = Some(tokio::time::Instant::now());
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(MIN_GAP) => {}
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = keys.keys_wanted() => last = None,
            _ = tokio::time::sleep(POLL.min(interval)) => {}
        }
    }
}
