//! What can go wrong starting the console or keeping its operators file.

use std::net::SocketAddr;
use std::path::PathBuf;

/// An error of the console or of its operators file. Messages name the file
/// or the config field concerned; the underlying cause is the `source`.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("operator name {0:?}: expected 1 to 64 letters, digits, '.', '_' or '-' (no spaces)")]
    BadName(String),
    #[error("the password must have at least {min} characters")]
    ShortPassword { min: usize },
    /// An account's unit that is not a division code of the table.
    #[error("{}", liudong_i18n::t!("console-operator-bad-unit", code = .0.as_str()))]
    BadUnit(String),
    /// An account's unit outside the node's jurisdiction.
    #[error("{}", liudong_i18n::t!("console-operator-unit-outside", code = code.as_str(), node = node.as_str()))]
    UnitOutsideNode { code: String, node: String },
    #[error("{}", liudong_i18n::t!("console-operator-unknown", name = .0.as_str()))]
    NoSuchOperator(String),
    #[error("the system random generator failed")]
    Random,
    #[error("hashing the password: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "operators file {} is damaged; restore it or remove it and add the operators again",
        path.display()
    )]
    Damaged {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot create directory {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot replace {}", path.display())]
    Replace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("[console]: the node's [tls] certificate cannot serve HTTPS")]
    Tls(#[source] liudong_net::tls::TlsError),
    #[error(
        "[console] listen = {0}: the console needs the node's [tls] certificate (HTTPS); without [tls] (insecure = true) it may only listen on loopback"
    )]
    NeedsTls(SocketAddr),
    #[error("cannot listen on {addr} ([console] listen)")]
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
        assert_eq!(e.to_string(), "cannot read /x/console-operators.json");
        assert_eq!(
            chain(&e),
            "cannot read /x/console-operators.json: permission denied"
        );
    }
}
