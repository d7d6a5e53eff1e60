//! What can go wrong setting a node up. Every message says what was wrong
//! and what to do; [`OpsError::Context`] adds where (the flag or file
//! concerned) in front of the cause, which stays reachable as its
//! [`std::error::Error::source`].

use crate::enrol_file::EnrolFileError;
use liudong_core::{Code, CodeError, RecordId, ValidationError};
use liudong_net::tls::TlsError;
use liudong_store::StoreError;
use std::path::PathBuf;

/// An error of `liudong init | enrol | ca | seed`.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A flag or argument that cannot be used as given; the message names
    /// it and says what to give instead.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error(
        "division code {code} is not in the embedded division table (NBS, {date}); check the code: a {level} code has {digits} digits and must exist"
    )]
    UnknownDivision {
        code: Code,
        date: String,
        level: &'static str,
        digits: usize,
    },
    /// A file that is not overwritten; `hint` says what to do.
    #[error("{} already exists; {hint}", path.display())]
    Exists { path: PathBuf, hint: &'static str },
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("cannot read the current directory")]
    CurrentDir(#[source] std::io::Error),
    /// A node config that does not load (its message names the option).
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    EnrolFile(#[from] EnrolFileError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The JetStream exchange's keys and cluster configuration.
    #[error(transparent)]
    Jetstream(#[from] liudong_jetstream::SetupError),
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("the system's random number generator failed; nothing was issued")]
    Random,
    /// A certificate given to `ca revoke` that this CA did not issue.
    #[error(
        "{what} was not issued by the CA in {} (the CA of {ca}); revoke it with the CA that issued it",
        dir.display()
    )]
    NotIssuedHere {
        what: String,
        ca: Code,
        dir: PathBuf,
    },
    /// The CA's own certificate revocation list cannot be used.
    #[error(
        "certificate revocation list {}: {what}; it must be the CRL this CA signed (`liudong ca init` writes it, `liudong ca revoke` updates it): restore it from the CA's backup",
        path.display()
    )]
    Crl { path: PathBuf, what: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("generated record {id}: {error}")]
    Generated {
        id: RecordId,
        error: ValidationError,
    },
    /// `what` went wrong because of `error`.
    #[error("{what}")]
    Context {
        what: String,
        #[source]
        error: Box<OpsError>,
    },
}

/// The error of loading a node config, as [`liudong_node::config::Config::load`]
/// reports it: its message, its causes as the source chain.
#[derive(Debug)]
pub struct ConfigError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl ConfigError {
    pub fn new(e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> ConfigError {
        ConfigError(e.into())
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Puts `what` in front of an error: `what: cause` in the chain.
pub(crate) trait Context<T> {
    fn context(self, what: impl Into<String>) -> Result<T, OpsError>;
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T, OpsError>;
}

impl<T, E: Into<OpsError>> Context<T> for Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T, OpsError> {
        self.map_err(|e| OpsError::Context {
            what: what.into(),
            error: Box::new(e.into()),
        })
    }

    fn with_context(self, what: impl FnOnce() -> String) -> Result<T, OpsError> {
        self.map_err(|e| OpsError::Context {
            what: what(),
            error: Box::new(e.into()),
        })
    }
}

/// An I/O error with the action and path it concerns.
pub(crate) fn io(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> OpsError {
    let path = path.into();
    move |error| OpsError::Io {
        action,
        path,
        error,
    }
}

/// An error and its causes on one line, `a: b: c` (what anyhow's `{:#}`
/// prints), for messages and tests.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// Returns [`OpsError::Usage`] with a formatted message (like anyhow's `bail!`).
macro_rules! refuse {
    ($($t:tt)*) => {
        return Err($crate::error::OpsError::Usage(format!($($t)*)))
    };
}
pub(crate) use refuse;
