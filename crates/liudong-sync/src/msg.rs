//! The messages of a session, as the protocol engine sees them (the
//! transport converts them to and from the frames of
//! `proto/liudong/v1/sync.proto`), and what one session moved.

use bytes::Bytes;
pub use liudong_store::LowerLink;

/// First client message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hello {
    pub protocol: u32,
    pub node: String,
    pub pull_cursor: u64,
    pub live: bool,
    pub max_batch: u32,
    /// Seconds within which the client expects to sync again (0 = not announced).
    pub sync_interval_secs: u32,
    /// The client's unacknowledged outbox for the server when it opened the
    /// session (`None` from clients that do not report it).
    pub backlog: Option<u64>,
    /// The client's link to the server carries sealed envelopes (`None`
    /// from clients that do not say: not sealed).
    pub sealed: Option<bool>,
    /// The client's links with its own lower nodes (a township's villages,
    /// reported to its county; empty from other nodes and older clients).
    pub lower_links: Vec<LowerLink>,
}

/// First server message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Welcome {
    pub protocol: u32,
    pub node: String,
    pub push_cursor: u64,
    pub max_batch: u32,
    /// The server carries sealed envelopes on this link (`None` from
    /// servers that do not say: not sealed).
    pub sealed: Option<bool>,
    /// The server's wall clock when it sent Welcome (`None` from servers
    /// that do not say it).
    pub clock_ms: Option<u64>,
    /// The server's own clock differs from its upstream's.
    pub clock_in_doubt: bool,
}

/// A batch of encoded records in the sender's outbox order (encoded
/// envelopes on a sealed link).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Batch {
    pub records: Vec<Bytes>,
    pub cursor: u64,
    pub drained: bool,
    /// Records left in the sender's outbox after this batch (`None` from
    /// senders that do not report it). Advisory: status and progress.
    pub remaining: Option<u64>,
    /// Push batches only: the client's links with its lower nodes, when they
    /// changed since the last report (empty: no change, or not reported).
    pub lower_links: Vec<LowerLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMsg {
    Hello(Hello),
    Push(Batch),
    PullAck(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMsg {
    Welcome(Welcome),
    PushAck(u64),
    Pull(Batch),
}

/// What one session moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Records sent to the peer.
    pub sent: u64,
    /// Records received that were new here.
    pub received: u64,
    /// Records received that were already held.
    pub duplicates: u64,
    /// Batches exchanged (both ways).
    pub batches: u64,
}
