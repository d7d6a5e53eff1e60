//! The sealed exchange tier.
//!
//! A record that crosses its county leaves it once per destination county as
//! an [`envelope`]: the canonical record bytes sealed with HPKE (RFC 9180:
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, base mode) to
//! the destination county's public key, with the encoded routing header as
//! associated data, and signed with Ed25519 by the sending county. Exchange
//! nodes see only the header (record id, source and destination counties,
//! payload size, month of sealing, key ids) and route by it; the destination
//! county checks the signature, opens the envelope and receives the record
//! like any other.
//!
//! Keys ([`keyring`]): each county holds its own key pairs (an X25519 key
//! to open, an Ed25519 key to sign), the newest current and older ones
//! retired but kept to open envelopes sealed before a rotation, and the
//! announced public keys of the other counties. An [`announce`]ment binds a
//! county's public keys to its TLS certificate: it is signed with the
//! certificate's key and carries the certificate, which the receiving county
//! checks against the CAs it trusts for the exchange and their jurisdiction.
//!
//! This crate has no I/O beyond the county's own key file; the sync engine
//! (`liudong-sync`) seals, receives and routes envelopes through its one
//! receive path, and carries announcements through the exchange tier.
//!
//! Delivery [`proof`]s (signed summaries of what a county handed to the
//! exchange for one destination) let the destination check it received all
//! of it where no exchange node answers a verify (the JetStream exchange).
//!
//! Modules depend one way: `error`, `trust` ← `keyring` ← `envelope`, `announce`, `proof`.

pub mod announce;
pub mod envelope;
mod error;
pub mod keyring;
pub mod proof;
mod trust;

pub use announce::Announcement;
pub use envelope::{ENVELOPE_OVERHEAD, Envelope, Header, OpenCache, Sealer, peek_header, seal};
pub use error::SealError;
pub use keyring::{KeyRing, OwnKey, PeerKey};
pub use proof::Proof;
pub use trust::{AnnouncementSigner, CertificateCheck};

/// Version of the envelope format (`EnvelopeHeader.version`).
pub const ENVELOPE_VERSION: u32 = 2;
/// Version of the key announcement format (`KeyAnnouncementBody.version`).
pub const ANNOUNCEMENT_VERSION: u32 = 1;
/// Version of the exchange's key directory calls (`KeysRequest.version`).
pub const EXCHANGE_VERSION: u32 = 1;

/// yyyymm (UTC) of a unix time in milliseconds.
pub fn month_of(unix_ms: u64) -> u32 {
    let d = liudong_core::Date::from_unix_ms(unix_ms);
    d.year.max(0) as u32 * 100 + d.month
}
