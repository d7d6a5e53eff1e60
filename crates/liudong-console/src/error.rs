//! What can go wrong starting the console or keeping its operators file.

use liudong_i18n::t;
use std::net::SocketAddr;
use std::path::PathBuf;

/// An error of the console or of its operators file. Messages name the file
/// or the config field concerned; the underlying cause is the `source`.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("{}", t!("console-error-bad-name", name = .0.as_str()))]
    BadName(String),
    #[error("{}", t!("console-error-short-password", min = *min))]
    ShortPassword { min: usize },
    /// An account's unit that is not a division code of the table.
    #[error("{}", liudong_i18n::t!("console-operator-bad-unit", code = .0.as_str()))]
    BadUnit(String),
    /// An account's unit outside the node's jurisdiction.
    #[error("{}", liudong_i18n::t!("console-operator-unit-outside", code = code.as_str(), node = node.as_str()))]
    UnitOutsideNode { code: String, node: String },
    #[error("{}", liudong_i18n::t!("console-operator-unknown", name = .0.as_str()))]
    NoSuchOperator(String),
    #[error("{}", t!("console-error-random"))]
    Random,
    #[error("{}", t!("console-error-hash", error = .0.to_string()))]
    Hash(argon2::password_hash::Error),
    #[error("{}", t!("ops-io-read", path = path.display().to_string()))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", t!("console-error-damaged", path = path.display().to_string()))]
    Damaged {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}", t!("ops-io-create-dir", path = path.display().to_string()))]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", t!("ops-io-write", path = path.display().to_string()))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", t!("ops-io-replace", path = path.display().to_string()))]
    Replace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", t!("console-error-tls"))]
    Tls(#[source] liudong_net::tls::TlsError),
    #[error("{}", t!("console-error-needs-tls", listen = .0.to_string()))]
    NeedsTls(SocketAddr),
    #[error("{}", t!("node-listen", addr = addr.to_string(), setting = "[console] listen"))]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// `e` and its causes, `: `-separated, for log lines.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_names_the_file_then_the_cause() {
        let e = ConsoleError::Read {
            path: "/x/console-operators.json".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert_eq!(e.to_string(), "无法读取 /x/console-operators.json");
        assert_eq!(
            chain(&e),
            "无法读取 /x/console-operators.json: permission denied"
        );
    }
}
