//! What can go wrong, in two types: [`SetupError`] for keys, inputs and
//! files (setting the cluster up), and [`ExchangeError`] for the transport at
//! run time, each classed as retryable (records wait in the county's outbox
//! and are published again) or refused (an operator must act). Messages come
//! from the catalogue (`jetstream.ftl`) and say what to do.

use liudong_i18n::t;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// An error setting up identities or the cluster's configuration.
#[derive(Debug)]
pub enum SetupError {
    /// A key that is not a valid nkey of the expected kind.
    Key(String),
    /// A seed file that does not hold a user seed.
    Seed { path: PathBuf, what: String },
    /// A file that cannot be read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Input that cannot be used; the message names it and what to give.
    Input(String),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            SetupError::Key(what) => t!("jetstream-key-invalid", what = what.as_str()),
            SetupError::Seed { path, what } => t!(
                "jetstream-seed-invalid",
                path = path.display().to_string(),
                what = what.as_str()
            ),
            SetupError::Io { path, source } => t!(
                "jetstream-file-error",
                path = path.display().to_string(),
                error = source.to_string()
            ),
            SetupError::Input(what) => what.clone(),
        };
        f.write_str(&s)
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SetupError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An error of the transport at run time.
#[derive(Debug)]
pub enum ExchangeError {
    /// No server of the cluster could be reached (network, TLS handshake).
    Connect { servers: String, reason: String },
    /// The cluster refused this participant's credentials.
    Auth { reason: String },
    /// The stream has no quorum or no leader, or the connection is down:
    /// nothing was stored; publish again later.
    Unavailable { reason: String },
    /// No answer in time; the outcome is unknown, and publishing again is
    /// safe (the stream drops a repeated message id).
    Timeout { what: &'static str, after: Duration },
    /// The subject lies outside this participant's permissions.
    PermissionDenied { subject: String },
    /// The destination's queue is full: it has not consumed for a long time.
    Full { subject: String },
    /// The stream does not exist: the exchange operator has not created it.
    NoStream { stream: String },
    /// The server refused the message for another reason (e.g. too large).
    Rejected { reason: String },
    /// The TLS identity cannot be used to dial the cluster.
    Tls(String),
}

impl ExchangeError {
    /// True if the same operation may succeed later without anyone acting:
    /// the records stay in the outbox and are published again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ExchangeError::Connect { .. }
                | ExchangeError::Unavailable { .. }
                | ExchangeError::Timeout { .. }
                | ExchangeError::Full { .. }
        )
    }
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ExchangeError::Connect { servers, reason } => t!(
                "jetstream-connect-failed",
                servers = servers.as_str(),
                reason = reason.as_str()
            ),
            ExchangeError::Auth { reason } => {
                t!("jetstream-auth-refused", reason = reason.as_str())
            }
            ExchangeError::Unavailable { reason } => {
                t!("jetstream-unavailable", reason = reason.as_str())
            }
            ExchangeError::Timeout { what, after } => t!(
                "jetstream-timeout",
                what = *what,
                secs = after.as_secs_f64()
            ),
            ExchangeError::PermissionDenied { subject } => {
                t!("jetstream-permission-denied", subject = subject.as_str())
            }
            ExchangeError::Full { subject } => t!("jetstream-full", subject = subject.as_str()),
            ExchangeError::NoStream { stream } => {
                t!("jetstream-no-stream", stream = stream.as_str())
            }
            ExchangeError::Rejected { reason } => {
                t!("jetstream-rejected", reason = reason.as_str())
            }
            ExchangeError::Tls(reason) => t!("jetstream-tls", reason = reason.as_str()),
        };
        f.write_str(&s)
    }
}

impl std::error::Error for ExchangeError {}

impl ExchangeError {
    /// The county's link has not reached the cluster yet (retryable).
    pub fn not_connected() -> ExchangeError {
        ExchangeError::Unavailable {
            reason: t!("jetstream-not-connected"),
        }
    }
}

/// An exchange error as the sync layer classifies it: retryable errors stay
/// retryable, refusals keep their gRPC-like class.
impl From<ExchangeError> for liudong_sync::SyncError {
    fn from(e: ExchangeError) -> Self {
        use liudong_sync::StatusCode as C;
        let code = match &e {
            ExchangeError::PermissionDenied { .. } | ExchangeError::Auth { .. } => {
                C::PermissionDenied
            }
            ExchangeError::NoStream { .. } | ExchangeError::Tls(_) => C::FailedPrecondition,
            ExchangeError::Rejected { .. } => C::InvalidArgument,
            ExchangeError::Full { .. } => C::ResourceExhausted,
            ExchangeError::Timeout { .. } => C::DeadlineExceeded,
            ExchangeError::Connect { .. } | ExchangeError::Unavailable { .. } => C::Unavailable,
        };
        liudong_sync::SyncError::Remote {
            code,
            message: e.to_string(),
        }
    }
}
