//! Console operators: names and argon2id password hashes (PHC strings) in
//! `console-operators.json` in the node's data directory, mode 0600. Each
//! account belongs to a division code (its unit: the node's own code, or a
//! township or village under it) and has a role (an administrator may also
//! unlock accounts locked by failed logins). An account written before
//! units existed has none and counts as the node's whole jurisdiction;
//! `liudong operator` commands write the node's code into it ([`Operators::migrate`]).
//!
//! The file is replaced atomically (write a temporary file, rename), and the
//! console reads it at every login and request, so `liudong operator add` and
//! `remove` take effect on a running node without restart; removing an
//! operator ends their sessions at their next request.

use crate::error::ConsoleError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use liudong_core::Code;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Shortest accepted password, characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What an account may do besides seeing and writing its unit's people.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees and writes the people of its unit.
    #[default]
    Operator,
    /// As an operator, and unlocks accounts locked by failed logins.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// One operator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    /// argon2id PHC string (`$argon2id$v=19$...`).
    pub hash: String,
    /// When the operator was added (Unix ms).
    pub added_ms: u64,
    /// The division code of the account's unit; `None` in files written
    /// before units existed: the node's whole jurisdiction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default)]
    pub role: Role,
}

impl Operator {
    /// The unit the account sees and writes, on the node whose code is
    /// `node`; `None` if the file names a code that is not `node` or a
    /// division under it (edited by hand), which keeps the account out.
    pub fn unit(&self, node: &Code) -> Option<Code> {
        match &self.code {
            None => Some(node.clone()),
            Some(c) => check_unit(c, node).ok(),
        }
    }
}

/// Checks the unit of an account on the node `node`: a division code of
/// the embedded table at or under the node's code.
pub fn check_unit(code: &str, node: &Code) -> Result<Code> {
    let c = Code::parse(code).map_err(|_| ConsoleError::BadUnit(code.to_string()))?;
    if c == *node {
        return Ok(c);
    }
    if !liudong_core::divisions::table().contains(c.as_str()) {
        return Err(ConsoleError::BadUnit(code.to_string()));
    }
    if !c.is_under(node) {
        return Err(ConsoleError::UnitOutsideNode {
            code: c.to_string(),
            node: node.to_string(),
        });
    }
    Ok(c)
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

    /// Sets the unit and role of the account `name` (which must exist) on
    /// the node `node`.
    pub fn set_account(&mut self, name: &str, code: &str, role: Role, node: &Code) -> Result<()> {
        let unit = check_unit(code, node)?;
        let op = self
            .operators
            .iter_mut()
            .find(|o| o.name == name)
            .ok_or_else(|| ConsoleError::NoSuchOperator(name.to_string()))?;
        op.code = Some(unit.to_string());
        op.role = role;
        Ok(())
    }

    /// Gives every account without a unit (a file written before units
    /// existed) the node's own code, as they have counted so far; returns
    /// their names.
    pub fn migrate(&mut self, node: &Code) -> Vec<String> {
        let mut out = Vec::new();
        for o in self.operators.iter_mut().filter(|o| o.code.is_none()) {
            o.code = Some(node.to_string());
            out.push(o.name.clone());
        }
        out
    }

    /// Adds (or replaces the password of) an operator; a new operator has
    /// no unit yet (the whole node) and the operator role.
    pub fn set(&mut self, name: &str, password: &str, now_ms: u64) -> Result<bool> {
        check_name(name)?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(ConsoleError::ShortPassword {
                min: MIN_PASSWORD_CHARS,
            });
        }
        let hash = hash_password(password)?;
        match self.operators.iter_mut().find(|o| o.name == name) {
            Some(o) => {
                o.hash = hash;
                Ok(false)
            }
            None => {
                self.operators.push(Operator {
                    name: name.to_string(),
                    hash,
                    added_ms: now_ms,
                    code: None,
                    role: Role::Operator,
                });
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
                .contains("已损坏"),
            "damaged file"
        );
    }

    #[test]
    fn accounts_belong_to_a_unit_of_the_node_and_old_files_are_migrated() {
        let node = Code::parse("530424").unwrap();
        // A file written before units existed.
        let old = r#"{"operators":[{"name":"wang.li","hash":"x","added_ms":1}]}"#;
        let mut ops: Operators = serde_json::from_str(old).unwrap();
        let op = ops.get("wang.li").unwrap();
        assert_eq!((op.code.clone(), op.role), (None, Role::Operator));
        assert_eq!(op.unit(&node), Some(node.clone()), "the whole node");
        assert_eq!(ops.migrate(&node), vec!["wang.li".to_string()]);
        assert!(ops.migrate(&node).is_empty(), "once");
        assert_eq!(ops.get("wang.li").unwrap().code.as_deref(), Some("530424"));
        // A township of the node, as an administrator.
        ops.set_account("wang.li", "530424102", Role::Admin, &node)
            .unwrap();
        let op = ops.get("wang.li").unwrap();
        assert_eq!(op.unit(&node), Some(Code::parse("530424102").unwrap()));
        assert_eq!(op.role, Role::Admin);
        // Not a code, not in the table, or outside the node: refused.
        for (bad, outside) in [("53x", false), ("530424999", false), ("410602", true)] {
            let e = ops
                .set_account("wang.li", bad, Role::Operator, &node)
                .unwrap_err();
            assert_eq!(
                matches!(e, ConsoleError::UnitOutsideNode { .. }),
                outside,
                "{bad}: {e}"
            );
        }
        assert!(matches!(
            ops.set_account("nobody", "530424", Role::Operator, &node),
            Err(ConsoleError::NoSuchOperator(_))
        ));
        // A hand-edited code outside the node keeps the account out.
        let mut op = ops.get("wang.li").unwrap().clone();
        op.code = Some("410602".into());
        assert_eq!(op.unit(&node), None);
        // Written back: the unit and role are kept.
        let text = serde_json::to_string(&ops).unwrap();
        assert!(text.contains(r#""code":"530424102""#) && text.contains(r#""role":"admin""#));
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
