//! Console operators: names and argon2id password hashes (PHC strings) in
//! `console-operators.json` in the node's data directory, mode 0600.
//!
//! The file is replaced atomically (write a temporary file, rename), and the
//! console reads it at every login and request, so `liudong operator add` and
//! `remove` take effect on a running node without restart; removing an
//! operator ends their sessions at their next request.

use crate::error::ConsoleError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Shortest accepted password, characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// One operator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    /// argon2id PHC string (`$argon2id$v=19$...`).
    pub hash: String,
    /// When the operator was added (Unix ms).
    pub added_ms: u64,
}

/// The operators file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Operators {
    pub operators: Vec<Operator>,
}

/// The path of the operators file of a node whose data directory is `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(crate::OPERATORS_FILE)
}

type Result<T, E = ConsoleError> = std::result::Result<T, E>;

/// Checks an operator name: 1 to 64 letters, digits, `.`, `_` or `-` (CJK allowed).
pub fn check_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0
        || n > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "._-".contains(c))
    {
        return Err(ConsoleError::BadName(name.to_string()));
    }
    Ok(())
}

/// Hashes a password (argon2id, default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| ConsoleError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(ConsoleError::Hash)?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(ConsoleError::Hash)?
        .to_string())
}

/// True if `password` matches the PHC string `hash`.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The operators file as the console reads it for every request: read
/// again only when it changed (`operator add`/`remove` replace it, so its
/// inode, size or modification time differ), otherwise one `stat`.
pub struct OperatorsFile {
    path: PathBuf,
    cached: std::sync::Mutex<Option<(Stamp, std::sync::Arc<Operators>)>>,
}

/// What tells one version of the file from the next (`None`: no file).
type Stamp = Option<(u64, u64, Option<std::time::SystemTime>)>;

impl OperatorsFile {
    pub fn new(path: PathBuf) -> OperatorsFile {
        OperatorsFile {
            path,
            cached: std::sync::Mutex::new(None),
        }
    }

    /// The operators as the file says now.
    pub fn current(&self) -> Result<std::sync::Arc<Operators>> {
        use std::os::unix::fs::MetadataExt;
        let stamp: Stamp = match std::fs::metadata(&self.path) {
            Ok(m) => Some((m.ino(), m.len(), m.modified().ok())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(ConsoleError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, ops)) = cached.as_ref()
            && *s == stamp
        {
            return Ok(ops.clone());
        }
        let ops = std::sync::Arc::new(Operators::load(&self.path)?);
        *cached = Some((stamp, ops.clone()));
        Ok(ops)
    }
}

impl Operators {
    /// Reads the file; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Operators> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|source| ConsoleError::Damaged {
                path: path.to_path_buf(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Operators::default()),
            Err(source) => Err(ConsoleError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Operator> {
        self.operators.iter().find(|o| o.name == name)
    }

    /// Writes the file atomically with mode 0600.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|source| ConsoleError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp)?;
            #[cfg(unix)]
            std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            f.write_all(&serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
            f.sync_all()
        };
        write().map_err(|source| ConsoleError::Write {
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, path).map_err(|source| ConsoleError::Replace {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Adds (or replaces the password of) an operator.
    pub fn set(&mut self, name: &str, password: &str, now_ms: u64) -> Result<bool> {
        check_name(name)?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(ConsoleError::ShortPassword {
                min: MIN_PASSWORD_CHARS,
            });
        }
        let op = Operator {
            name: name.to_string(),
            hash: hash_password(password)?,
            added_ms: now_ms,
        };
        match self.operators.iter_mut().find(|o| o.name == name) {
            Some(o) => {
                *o = op;
                Ok(false)
            }
            None => {
                self.operators.push(op);
                self.operators.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verify_and_file_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path());
        let mut ops = Operators::load(&p).unwrap();
        assert!(ops.operators.is_empty());
        assert!(ops.set("wang.li", "correct horse battery", 1).unwrap());
        assert!(ops.set("x", "short", 1).is_err());
        assert!(ops.set("has space", "long enough password", 1).is_err());
        ops.save(&p).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let back = Operators::load(&p).unwrap();
        let op = back.get("wang.li").unwrap();
        assert!(op.hash.starts_with("$argon2id$"), "{}", op.hash);
        assert!(!op.hash.contains("correct horse"));
        assert!(verify_password(&op.hash, "correct horse battery"));
        assert!(!verify_password(&op.hash, "correct horse batterz"));
        assert!(!verify_password("not a hash", "x"));
        std::fs::write(&p, "{").unwrap();
        assert!(
            Operators::load(&p)
                .unwrap_err()
                .to_string()
                .contains("damaged"),
            "damaged file"
        );
    }

    #[test]
    fn the_file_is_read_again_only_when_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path());
        let file = OperatorsFile::new(p.clone());
        assert!(file.current().unwrap().operators.is_empty(), "no file yet");
        let mut ops = Operators::default();
        ops.set("wang.li", "correct horse battery", 1).unwrap();
        ops.save(&p).unwrap();
        let first = file.current().unwrap();
        assert!(first.get("wang.li").is_some(), "a new file is read");
        assert!(std::sync::Arc::ptr_eq(&first, &file.current().unwrap()));
        ops.set("zhang.san", "another long password", 2).unwrap();
        ops.save(&p).unwrap();
        assert!(
            file.current().unwrap().get("zhang.san").is_some(),
            "a replaced file is read"
        );
        std::fs::remove_file(&p).unwrap();
        assert!(
            file.current().unwrap().operators.is_empty(),
            "a removed file"
        );
    }
}
