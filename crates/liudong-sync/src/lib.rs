//! The Liudong sync protocol engine.
//!
//! A session is one bidirectional stream opened by the lower node: it pushes
//! the lower node's outbox for its upstream and pulls the upstream's outbox for
//! it, in bounded batches with a window of unacknowledged batches each way.
//! This crate implements both halves over plain message streams, so it runs
//! in memory in tests; `liudong-net` carries the messages over gRPC.
//!
//! Invariants:
//! - **One receive path.** Every way records enter from a peer — a pushed
//!   batch, a pulled batch, a verify repair's offered and fetched records,
//!   an offline bundle — goes through [`Node::receive`] (module `receive`):
//!   limits (before decoding) → decode → validate → entitlement →
//!   authorship → one atomic, durable apply → audit → notify. The rules
//!   depend only on the link; the first failure refuses the whole batch with
//!   a precise [`SyncError`], and nothing of it is stored.
//! - **Acknowledgement after durability.** A receiver acknowledges a batch
//!   only after the batch *and the cursor it advances* are durable (one
//!   atomic store batch, flushed).
//! - **Cursors** are positions in the sender's per-link outbox, so a resumed
//!   session starts exactly where the last durable acknowledgement left off:
//!   nothing is lost, and a resend after a crash is an idempotent no-op. Both
//!   halves send through the same window (module `window`): at most
//!   `window` batches unacknowledged, acknowledgements strictly in order.
//! - **Every task tracked.** Every task a node runs (its view indexer, link
//!   driver, and what the transport starts for it: servers, sessions,
//!   handshakes, watchers) is spawned with [`Node::spawn`] into the node's
//!   one `TaskTracker`, and ends when the node's cancellation token is
//!   cancelled ([`Node::stop_tasks`]), so shutdown can wait for all of them
//!   before the final flush.
//! - **Refusals are not retried fast.** Errors carry a gRPC-like
//!   [`StatusCode`]; the link driver retries retryable ones with backoff and
//!   waits its longest backoff after a refusal, which the link status records.
//!
//! Modules depend one way: `error`, `msg`, `config`, `peers`, `metrics`,
//! `indexer`, `clock` (the max-offset rule), `turns` (one served session per
//! child) ← `node` ← `identity`, `audit`, `lower` ← `receive`, `window` ←
//! `session` ← `client`, `server` ← `link`; `verify` and `bundle` use
//! `receive`. This file only declares and re-exports.

pub mod audit;
pub mod bundle;
mod client;
mod clock;
mod config;
mod error;
mod identity;
mod indexer;
pub mod keys;
mod link;
mod lower;
pub mod metrics;
mod msg;
mod node;
mod peers;
pub mod proofs;
mod receive;
pub mod seal;
mod server;
mod session;
mod turns;
pub mod verify;
pub mod verify_report;
mod window;

pub use client::run_client_session;
pub use clock::{ClockState, time_cst};
pub use config::{SyncConfig, WallClock, system_clock};
pub use error::{StatusCode, SyncError, link_error_message, stored_link_error};
pub use identity::PeerInfo;
pub use indexer::{INDEX_MAX_LAG, INDEX_QUIET};
pub use link::{Connect, LinkConfig, LinkHandle, LinkOutcome, LinkRequest, backoff, run_link};
pub use lower::{LOWER_REPORT_EVERY, MAX_LOWER_ERROR_CHARS};
pub use msg::{Batch, ClientMsg, Hello, LowerLink, ServerMsg, SessionStats, Welcome};
pub use node::Node;
pub use peers::{SyncProgress, VerifyProgress};
pub use receive::{
    Admission, RULE_CHILD_AUTHOR, RULE_CHILD_PUSH, RULE_PARENT_SEND, RULE_SEALED_AUTHOR,
    RULE_SEALED_DOWN, RULE_SEALED_SOURCE, Received, Via,
};
pub use server::serve_session;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod protocol_tests;
