//! What can go wrong setting a node up. Every message says what was wrong
//! and what to do; [`OpsError::Context`] adds where (the flag or file
//! concerned) in front of the cause, which stays reachable as its
//! [`std::error::Error::source`].

use crate::enrol_file::EnrolFileError;
use liudong_core::{Code, CodeError, RecordId, ValidationError};
use liudong_i18n::t;
use liudong_net::tls::TlsError;
use liudong_store::StoreError;
use std::path::{Path, PathBuf};

/// The message of [`OpsError::Io`]: `action` is what failed ("read",
/// "write", …).
fn io_message(action: &str, path: &Path) -> String {
    let path = path.display().to_string();
    match action {
        "read" | "read certificate" | "read enrolment file" | "read trust file" => {
            t!("ops-io-read", path = path)
        }
        "write" => t!("ops-io-write", path = path),
        "create directory" => t!("ops-io-create-dir", path = path),
        "replace" => t!("ops-io-replace", path = path),
        "set the mode of" => t!("ops-io-mode", path = path),
        other => t!("ops-io-other", action = other, path = path),
    }
}

/// An error of `liudong init | enrol | ca | seed`.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A flag or argument that cannot be used as given; the message names
    /// it and says what to give instead.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("{}", t!("ops-unknown-division", code = code.to_string(), date = date.as_str(), level = level.label(), digits = *digits))]
    UnknownDivision {
        code: Code,
        date: String,
        level: liudong_core::Level,
        digits: usize,
    },
    /// A file that is not overwritten; `hint` says what to do.
    /// `hint` is a catalogue id (`ops-exists-…`).
    #[error("{}", t!("ops-exists", path = path.display().to_string(), hint = liudong_i18n::tr(hint, &[])))]
    Exists { path: PathBuf, hint: &'static str },
    #[error("{}", io_message(action, path))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("{}", t!("ops-current-dir"))]
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
    #[error("{}", t!("net-tls-rcgen", error = .0.to_string()))]
    Rcgen(#[from] rcgen::Error),
    #[error("{}", t!("ops-random"))]
    Random,
    /// A certificate given to `ca revoke` that this CA did not issue.
    #[error("{}", t!("ops-not-issued-here", what = what.as_str(), dir = dir.display().to_string(), ca = ca.to_string()))]
    NotIssuedHere {
        what: String,
        ca: Code,
        dir: PathBuf,
    },
    /// The CA's own certificate revocation list cannot be used.
    #[error("{}", t!("ops-crl", path = path.display().to_string(), what = what.as_str()))]
    Crl { path: PathBuf, what: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", t!("ops-generated", id = id.to_string(), error = error.to_string()))]
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

/// Returns [`OpsError::Usage`] with a message of the catalogue,
/// `refuse!(t!("id", k = v))`, or a formatted one (like anyhow's `bail!`).
macro_rules! refuse {
    (t!($($t:tt)*)) => {
        return Err($crate::error::OpsError::Usage(liudong_i18n::t!($($t)*)))
    };
    ($($t:tt)*) => {
        return Err($crate::error::OpsError::Usage(format!($($t)*)))
    };
}
pub(crate) use refuse;

#[cfg(test)]
mod hint_tests {
    /// The hints of [`super::OpsError::Exists`] are catalogue ids.
    #[test]
    fn every_exists_hint_is_in_the_catalogue() {
        use liudong_i18n::{Lang, ids};
        let (zh, en) = (ids(Lang::Zh), ids(Lang::En));
        let src = [
            include_str!("pki.rs"),
            include_str!("init.rs"),
            include_str!("trust.rs"),
            include_str!("exchange_nats.rs"),
        ];
        let mut n = 0;
        for text in src {
            for part in text.split("hint: \"").skip(1) {
                let id = part.split('"').next().unwrap();
                assert!(
                    zh.iter().any(|i| i == id) && en.iter().any(|i| i == id),
                    "{id}"
                );
                n += 1;
            }
        }
        assert_eq!(n, 6);
    }
}
