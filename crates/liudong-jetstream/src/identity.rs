//! Who a participant is on the cluster: its code, its NATS user key (an
//! nkey, Ed25519) and its TLS identity.
//!
//! Why nkeys and not the TLS client certificate mapped to a user: the
//! servers trust the CA of every county (to check client certificates), and
//! nats-server maps a certificate to a user by its names alone, without the
//! issuing CA's jurisdiction that Liudong's own verifier enforces. A county
//! operator holding its CA key could therefore mint a certificate naming
//! another county and be mapped to that county's user. An nkey is a key
//! pair the participant generates itself; the servers know only its public
//! half, bound to the participant's code and permissions in the generated
//! configuration, so no CA can speak for another county. The county's TLS
//! certificate is still presented and checked (`verify: true`): only
//! holders of a certificate from a trusted CA get as far as authenticating.
//!
//! The seed (private half) is a file of the participant, mode 0600, never
//! sent anywhere; `liudong exchange nats-key` creates it and prints the
//! public key for the exchange operator.

use crate::error::SetupError;
use liudong_core::Code;
use liudong_net::tls::TlsContext;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// A participant's identity on the cluster.
#[derive(Clone)]
pub struct Identity {
    /// The county (or province exchange) this participant is.
    pub code: Code,
    /// Its nkey seed (`SU…`).
    seed: String,
    /// Its node TLS identity: the certificate presented to the servers, and
    /// the CAs and revocation lists that check theirs.
    pub tls: Arc<TlsContext>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("code", &self.code)
            .field("nkey", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// An identity from an nkey seed (checked to be a user seed).
    pub fn new(code: Code, seed: &str, tls: Arc<TlsContext>) -> Result<Identity, SetupError> {
        user_public_key(seed)?;
        Ok(Identity {
            code,
            seed: seed.trim().to_string(),
            tls,
        })
    }

    /// An identity whose seed is read from `path`.
    pub fn load(code: Code, path: &Path, tls: Arc<TlsContext>) -> Result<Identity, SetupError> {
        let seed = read_seed(path)?;
        Identity::new(code, &seed, tls)
    }

    /// Its public user key (`U…`), as the servers' configuration names it.
    pub fn public_key(&self) -> String {
        user_public_key(&self.seed).unwrap_or_default()
    }

    pub(crate) fn seed(&self) -> &str {
        &self.seed
    }
}

/// A new user nkey: (seed, public key).
pub fn new_user_key() -> Result<(String, String), SetupError> {
    let kp = nkeys::KeyPair::new_user();
    let seed = kp.seed().map_err(|e| SetupError::Key(e.to_string()))?;
    Ok((seed, kp.public_key()))
}

/// The public key of a user seed.
pub fn user_public_key(seed: &str) -> Result<String, SetupError> {
    let kp = nkeys::KeyPair::from_seed(seed.trim()).map_err(|e| SetupError::Key(e.to_string()))?;
    let public = kp.public_key();
    if !public.starts_with('U') {
        return Err(SetupError::Key(format!(
            "not a user key (its public key starts with {:?}, a user's with U)",
            public.chars().next().unwrap_or(' ')
        )));
    }
    Ok(public)
}

/// Checks a public user key (`U…`, 56 characters with its checksum).
pub fn check_public_key(public: &str) -> Result<(), SetupError> {
    if !public.starts_with('U') {
        return Err(SetupError::Key(format!(
            "{public:?} is not a public user key (it starts with U)"
        )));
    }
    nkeys::KeyPair::from_public_key(public)
        .map(|_| ())
        .map_err(|e| SetupError::Key(format!("{public:?}: {e}")))
}

/// Reads a seed file.
pub fn read_seed(path: &Path) -> Result<String, SetupError> {
    let text = std::fs::read_to_string(path).map_err(|source| SetupError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let seed = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default()
        .to_string();
    user_public_key(&seed).map_err(|e| SetupError::Seed {
        path: path.to_path_buf(),
        what: e.to_string(),
    })?;
    Ok(seed)
}

/// The seed in `path`, created (mode 0600) if the file does not exist; returns
/// (public key, created).
pub fn ensure_seed_file(path: &Path) -> Result<(String, bool), SetupError> {
    if path.exists() {
        let seed = read_seed(path)?;
        return Ok((user_public_key(&seed)?, false));
    }
    let (seed, public) = new_user_key()?;
    write_private(path, &format!("{seed}\n"))?;
    Ok((public, true))
}

/// Writes a new file with mode 0600 (never overwriting).
pub fn write_private(path: &Path, text: &str) -> Result<(), SetupError> {
    let io = |source| SetupError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_file_is_created_once_private_and_read_back() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("tls").join("nats.nk");
        let (public, created) = ensure_seed_file(&path).unwrap();
        assert!(
            created && public.starts_with('U') && public.len() == 56,
            "{public}"
        );
        check_public_key(&public).unwrap();
        let (again, created) = ensure_seed_file(&path).unwrap();
        assert_eq!((again.as_str(), created), (public.as_str(), false));
        assert_eq!(user_public_key(&read_seed(&path).unwrap()).unwrap(), public);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn bad_keys_are_refused_saying_what_is_wrong() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("bad.nk");
        std::fs::write(&path, "SUnot-a-seed\n").unwrap();
        let e = read_seed(&path).unwrap_err().to_string();
        assert!(e.contains("bad.nk"), "{e}");
        let account = nkeys::KeyPair::new_account();
        assert!(check_public_key(&account.public_key()).is_err());
        assert!(user_public_key(&account.seed().unwrap()).is_err());
        let (_, public) = new_user_key().unwrap();
        let mut broken = public.clone();
        broken.replace_range(10..11, if &public[10..11] == "A" { "B" } else { "A" });
        assert!(check_public_key(&broken).is_err(), "checksum");
    }
}
