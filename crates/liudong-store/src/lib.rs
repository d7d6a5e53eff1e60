//! The embedded store of one Liudong node.
//!
//! It owns everything a node keeps on disk: records by id with their source
//! link, the local append log, one outbox per link (the routing index that
//! makes a peer's pull cost what that peer receives), cursors, link status
//! and peer state, scoped fingerprints, arrival times, the derived subject
//! index, person views and held-record flags, and the audit trail. The key
//! layout is in [`keys`] (one file, one table); the storage engine behind it
//! is reached only through the `engine` module (neutral database, tree,
//! batch and error types, and the one adapter), the only module that names
//! the engine.
//!
//! Invariants:
//! - A batch is applied atomically with one engine batch: its records, log
//!   page, outbox pages, fingerprint changes, arrival time, meta counters
//!   (local seq, authored seq, clock high-water, record count, authors'
//!   high-water marks) and the cursor the batch advances land together or
//!   not at all.
//! - Applying is idempotent: a record already held is a no-op. A record whose
//!   id is held with other bytes is a conflict: the whole batch is refused and
//!   nothing of it is stored (only the conflict counter moves).
//! - One writer at a time, so local sequence numbers are assigned and become
//!   visible in order: a reader that has seen seq `n` will never later see a
//!   new entry below `n`.
//! - [`Store::apply`] (with `durable`), [`Store::write_local`] and
//!   [`Store::write_local_batch`] return only after the batch is flushed to
//!   disk; callers acknowledge to peers only after that. A failed write or
//!   flush is sticky: the store then refuses every batch until reopened
//!   ([`Store::write_failed`]).
//! - The subject index, person views and held-record flags are not written
//!   by the apply batch: the indexer derives them from the log with its own
//!   cursor ([`Store::index_pending`]), off the acknowledgement path; every
//!   view read first catches up, so a view read is always a function of all
//!   records held.
//! - The change notification ([`Store::subscribe`]) follows the commit: it
//!   carries the last local sequence number and changes only after a batch
//!   that added records is applied and, when durable, flushed — so whatever
//!   it wakes (link sessions, the view indexer) reads those records and may
//!   send them on. Every path that stores records goes through the writer,
//!   so none can forget to notify.
//!
//! Locks (all `std` mutexes, none held across a flush):
//! - the writer lock guards the writer's state (next local seq, authored
//!   seq, the clock, authors' high-water marks) while a batch is built and
//!   applied, and the audit's repair; [`Store::last_seq`] and
//!   [`Store::clock`] read atomic mirrors of it and never block;
//! - the indexer lock serialises indexer runs;
//! - the status lock serialises the read-modify-write of link statuses and
//!   peer states, so concurrent updates are not lost.
//!
//! Calls that may block on disk (wait for a flush): [`Store::open`],
//! [`Store::apply`] with `durable`, [`Store::write_local`],
//! [`Store::write_local_batch`], [`Store::audit`] when it repairs, and
//! [`Store::flush`]. Other reads and writes touch the engine's cache (and
//! the disk behind it) but never wait for a flush; async callers still run
//! them on blocking threads. Never blocking at all: [`Store::last_seq`],
//! [`Store::clock`], [`Store::subscribe`], [`Store::write_failed`],
//! [`Store::counters`].

pub mod audit;
mod engine;
mod error;
pub mod fingerprint;
pub mod held;
mod index;
pub mod keys;
pub mod marker;
pub mod peer;
mod records;
pub mod requests;
mod store;
mod types;

pub use engine::{EngineError, RawTree};
pub use error::StoreError;
pub use keys::Dir as CursorDir;
pub use peer::{LowerLink, LowerReport, PeerState};
pub use store::{Store, raw_batch_insert};
pub use types::{
    Announced, ApplyOutcome, Counters, CursorUpdate, Draft, Incoming, LinkStatus, LocalWrite,
    OutboxPage, Queued, Refusal, SealedItem, Source, StoreOptions,
};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fingerprint_tests;

#[cfg(test)]
mod envelope_tests;

#[cfg(test)]
mod clock_tests;

#[cfg(test)]
mod recovery_tests;
