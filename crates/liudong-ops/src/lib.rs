//! Setting a Liudong node up: `liudong init` (a hub's config, data directory,
//! CA and certificate), `liudong enrol` (a township's or village's key and
//! certificate as one checksummed file), the operators' certificate
//! authority (`pki`, `liudong ca`), and synthetic seeding (`liudong seed`).
//!
//! Invariants:
//! - Nothing is written before every input has been checked; files holding
//!   keys are created with mode 0600.
//! - A CA certifies only codes under its own jurisdiction, and revokes only
//!   certificates it issued, on the certificate revocation list it signs.
//!
//! Errors are [`OpsError`]: each message says what was wrong and what to do.

pub mod ca;
pub mod enrol_file;
pub mod error;
pub mod exchange_nats;
pub mod framed;
pub mod init;
pub mod pki;
pub mod seed;
pub mod trust;

pub use error::OpsError;
