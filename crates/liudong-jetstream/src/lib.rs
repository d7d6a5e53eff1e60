//! The JetStream exchange transport (issue 16): a county hub (or a province
//! exchange) publishes each crossing record to a replicated JetStream stream
//! on a subject naming the destination and itself, with `<record id>@<destination>`
//! as the message id, and consumes what is addressed to it through its own
//! durable consumer, acknowledging only once the handler has applied it.
//!
//! The transport carries opaque payloads: what a payload is (a sealed
//! record) and how it is applied are the caller's. Layout:
//!
//! - [`names`]: subjects, consumer names, inbox prefixes, permissions;
//! - [`identity`]: a participant's nkey and TLS identity (and why nkeys);
//! - [`client`]: connecting, publishing with acknowledgement;
//! - [`consume`]: the durable pull consumer and its handler;
//! - [`stream`]: the streams and consumers the exchange operator sets up;
//! - [`link`]: a county node's link to the cluster (outbox → publish,
//!   consumer → the node's receive path);
//! - [`keys`]: the key directory (counties' sealing key announcements);
//! - [`proofs`]: delivery proofs (what `liudong verify` compares);
//! - [`server_conf`]: the nats-server configuration of the cluster;
//! - [`error`]: typed errors, retryable or refused.
//!
//! Invariants:
//! - A publish reports success only after the stream's acknowledgement (the
//!   message is on a quorum of replicas); a repeated message id is stored
//!   once (de-duplication window).
//! - A delivery is acknowledged only after the handler returned `Ok`;
//!   otherwise it is delivered again.
//! - A participant may publish only as itself and read only its own queue;
//!   the servers enforce it (the generated permissions), not the client.

pub mod client;
pub mod consume;
pub mod error;
pub mod identity;
pub mod keys;
pub mod link;
pub mod names;
pub mod proofs;
pub mod server_conf;
pub mod stream;

pub use client::{Exchange, ExchangeOptions, Outgoing, Published};
pub use consume::{ConsumeOptions, ConsumeStats, Delivery, Settle};
pub use error::{ExchangeError, SetupError};
pub use identity::Identity;
pub use link::{ClusterLink, LinkSettings, start_link};
pub use stream::StreamSettings;
