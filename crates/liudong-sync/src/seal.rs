//! A county's sealer: the one task that turns its crossing records into
//! envelopes for the exchange tier.
//!
//! The store puts every record that crosses the county (and did not come
//! from the exchange) into the county's seal queue instead of its parent's
//! outbox. The sealer reads the queue from its durable cursor, seals each
//! record once to every other county among its places (origin, residence,
//! previous residence) with that county's current announced key, and stores
//! the envelopes — in the parent's outbox and the parent link's
//! fingerprints — together with the advanced cursor in one atomic batch.
//! Sealing happens once: a session resends the stored envelope, so a resend
//! is an idempotent no-op at the exchange and both sides fingerprint the same
//! bytes. A record whose destination's key is not known yet waits (with
//! everything after it, to keep the queue's order) and the key task is asked
//! to fetch keys; sealing resumes when keys arrive.

use crate::error::SyncError;
use crate::node::{Node, blocking};
use liudong_core::code::Level;
use liudong_core::{Code, Link, routing};
use liudong_exchange::{KeyRing, SealError, Sealer, month_of};
use liudong_store::{CursorDir, CursorUpdate, Source};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Records sealed per store batch.
const SEAL_BATCH: usize = 500;
/// How long the sealer waits for a missing key before asking again.
const KEY_RETRY: Duration = Duration::from_millis(500);

/// What one pass of the sealer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealPass {
    /// Records taken from the queue.
    pub records: usize,
    /// Envelopes stored.
    pub envelopes: usize,
    /// More records wait in the queue.
    pub more: bool,
    /// Sealing stopped at a record for this county, whose key is unknown.
    pub missing_key: Option<Code>,
}

/// The counties a record must be sealed to from `own`: every other county
/// among its places, once each, in order.
pub fn destinations(own: &Code, r: &liudong_core::Record) -> Vec<Code> {
    let mut out: Vec<Code> = Vec::new();
    for p in routing::places(r) {
        if let Some(c) = p.at_level(Level::County)
            && &c != own
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    out
}

/// Seals up to one batch of the seal queue (blocking: store and crypto).
pub fn seal_pending(node: &Node, keys: &KeyRing) -> Result<SealPass, SyncError> {
    let store = node.store();
    let own = node.scope().code.clone();
    let signer = keys.current().ok_or(SealError::NoKey {
        county: own.clone(),
    })?;
    let after = store.cursor(CursorDir::Sealed, &Link::Parent)?;
    let (queue, more) = store.seal_queue(after, SEAL_BATCH)?;
    let now = node.now_ms();
    let month = month_of(now);
    let mut pass = SealPass {
        more,
        ..SealPass::default()
    };
    let mut envelopes = Vec::new();
    let mut cursor = after;
    // One encapsulation per destination for the whole pass (envelope
    // format 2): the X25519 work is per batch, not per record.
    let mut sealers: std::collections::HashMap<Code, Sealer> = std::collections::HashMap::new();
    'queue: for (seq, record, bytes) in &queue {
        let mut sealed = Vec::new();
        for dst in destinations(&own, record) {
            let sealer = match sealers.entry(dst) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let Some(key) = keys.current_peer(v.key(), now) else {
                        pass.missing_key = Some(v.key().clone());
                        pass.more = true;
                        break 'queue;
                    };
                    v.insert(Sealer::new(&own, &signer, &key, month)?)
                }
            };
            let env = sealer.seal(&signer, bytes, &record.id)?;
            let header = liudong_exchange::peek_header(&env)?;
            sealed.push(header.item(env));
        }
        envelopes.extend(sealed);
        cursor = *seq;
        pass.records += 1;
    }
    if cursor > after {
        pass.envelopes = envelopes.len();
        store.apply_sealed(
            &[],
            &envelopes,
            &Source::Local,
            Some(CursorUpdate {
                dir: CursorDir::Sealed,
                link: Link::Parent,
                value: cursor,
            }),
            true,
        )?;
    }
    Ok(pass)
}

/// Starts the sealer of `node` (one of its tracked tasks) if it is a county
/// whose link to its exchange is sealed and it has its key ring; true if it
/// did. Call once, inside a tokio runtime, after [`Node::with_keys`].
pub fn start_sealer(node: &Arc<Node>) -> bool {
    let Some(keys) = node.keys().filter(|_| node.store().sealed_parent()) else {
        return false;
    };
    node.spawn(run_sealer(
        Arc::downgrade(node),
        keys.clone(),
        node.cancel_token(),
    ));
    true
}

/// The sealer task of a county (see the module docs): seals whenever the
/// store or the key ring changes, until `cancel`.
async fn run_sealer(node: Weak<Node>, keys: Arc<KeyRing>, cancel: CancellationToken) {
    let Some(n) = node.upgrade() else { return };
    let mut changes = n.subscribe();
    let mut key_changes = keys.subscribe();
    drop(n);
    loop {
        let Some(n) = node.upgrade() else { return };
        changes.borrow_and_update();
        key_changes.borrow_and_update();
        let k = keys.clone();
        let pass = blocking({
            let n = n.clone();
            move || seal_pending(&n, &k)
        })
        .await;
        drop(n);
        let wait_for_key = match pass {
            Ok(p) if p.missing_key.is_some() => {
                tracing::debug!(county = ?p.missing_key, "sealing waits for a county's key");
                keys.want_keys();
                true
            }
            Ok(p) if p.more => continue,
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "sealing crossing records failed; retrying");
                true
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = changes.changed() => if r.is_err() { return },
            r = key_changes.changed() => if r.is_err() { return },
            _ = tokio::time::sleep(KEY_RETRY), if wait_for_key => {}
        }
    }
}

/// Refuses a session whose peer (`peer`, saying `theirs`) does not agree with
/// this node on whether `link` carries sealed envelopes. A peer that does not
/// say (an older build) carries records.
pub(crate) fn same_sealing(
    node: &Node,
    link: &Link,
    peer: &str,
    theirs: Option<bool>,
) -> Result<(), SyncError> {
    let ours = node.sealed_link(link);
    let theirs = theirs.unwrap_or(false);
    if ours == theirs {
        return Ok(());
    }
    let says = |sealed: bool| if sealed { "carries" } else { "does not carry" };
    Err(SyncError::SealMismatch {
        peer: peer.to_string(),
        ours: says(ours),
        theirs: says(theirs),
    })
}
