//! Trust between operators without editing `[tls]` by hand
//! (docs/operations.md): a county and its exchange each export a **trust
//! file** — their operator's CA certificate and its current certificate
//! revocation list, and for the exchange the address counties dial — and
//! each adds the other's with `liudong trust add`, which copies the CA and
//! the CRL to `tls/`, lists them in `[tls] ca_certs` and `crls`, and gives
//! a county still waiting for its exchange its `[upstream] url`.
//!
//! Format, version 1 (public content, no private key; framing in
//! [`crate::framed`]):
//!
//! ```text
//! # comment lines (whose trust it is, how to add it)
//! liudong-trust v1 sha256:<64 hex digits> <N>
//! <N bytes: a JSON object, the fields of [`TrustFile`]>
//! ```
//!
//! Adding the same file again changes nothing; adding a newer file of the
//! same operator replaces its CRL (reloaded by the running node within a
//! second) and, if the CA changed, its CA (a restart takes it up).

use crate::error::{ConfigError, Context, OpsError, io, refuse};
use crate::framed::{self, FrameError};
use crate::init::{division_name, url_from_listen, write_file};
use crate::pki;
use liudong_core::{Code, NodeKind};
use liudong_i18n::t;
use liudong_node::config::{Config, NodeConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

type Result<T, E = OpsError> = std::result::Result<T, E>;

/// Header line prefix.
pub const MAGIC: &str = "liudong-trust";
/// The format version written (and the only one read).
pub const VERSION: u32 = 1;

/// What one operator gives another to trust its nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustFile {
    /// The operator's jurisdiction: its CA's code (a county, or an exchange).
    pub code: String,
    /// Its name in the division table.
    pub name: String,
    /// Date written, `YYYY-MM-DD`.
    pub issued_on: String,
    /// The operator's CA certificate (PEM).
    pub ca_cert: String,
    /// The CA's certificate revocation list (PEM), as it was when written.
    pub crl: String,
    /// The sync address the other side dials (an exchange's, for its
    /// counties); absent when the other side never dials this one.
    #[serde(default)]
    pub url: Option<String>,
}

/// Why a trust file is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TrustFileError {
    #[error("{}", t!("topo-trust-not-a-file"))]
    NotTrust,
    #[error("{}", t!("topo-trust-newer", version = *.0))]
    Newer(u32),
    #[error("{}", t!("topo-trust-damaged", what = .0.as_str()))]
    Damaged(String),
    #[error("{}", t!("topo-trust-truncated", got = *.got, want = *.want))]
    Truncated { got: usize, want: usize },
    #[error("{}", t!("topo-trust-corrupted"))]
    Checksum,
}

impl From<FrameError> for TrustFileError {
    fn from(e: FrameError) -> TrustFileError {
        match e {
            FrameError::NotThisFormat => TrustFileError::NotTrust,
            FrameError::Newer(v) => TrustFileError::Newer(v),
            FrameError::Older(v) => TrustFileError::Damaged(format!("version {v}")),
            FrameError::Header(what) => TrustFileError::Damaged(what),
            FrameError::Truncated { got, want } => TrustFileError::Truncated { got, want },
            FrameError::Checksum => TrustFileError::Checksum,
        }
    }
}

impl TrustFile {
    /// The fingerprint of its CA certificate (`sha256:<hex>` of the DER), for
    /// the two operators to compare over another channel.
    pub fn ca_fingerprint(&self) -> String {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_slice(self.ca_cert.as_bytes())
            .map(|der| liudong_net::tls::fingerprint(&der))
            .unwrap_or_else(|_| "-".into())
    }
}

/// The file text of a trust file.
pub fn encode(f: &TrustFile) -> String {
    let json = serde_json::to_string_pretty(f).expect("a trust file serializes");
    let comments = [
        format!(
            "Liudong trust file of {} ({}), written on {}: its operator's CA certificate and certificate revocation list (public; no private key).",
            f.code, f.name, f.issued_on
        ),
        "Add it on the other operator's hub: liudong trust add <this file>".into(),
    ];
    framed::encode(MAGIC, VERSION, &comments, &json)
}

/// Reads a trust file, refusing a wrong, newer, truncated or corrupted one.
pub fn decode(bytes: &[u8]) -> Result<TrustFile, TrustFileError> {
    let json = framed::decode(bytes, MAGIC, VERSION)?;
    serde_json::from_slice(json).map_err(|e| TrustFileError::Damaged(e.to_string()))
}

/// What `liudong trust export` is asked to write.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The hub's config.
    pub config: PathBuf,
    /// The hub's CA directory; default `ca/` beside the config.
    pub ca_dir: Option<PathBuf>,
    /// The address the other side dials (default for an exchange: its
    /// `[node] listen`, if that names a host).
    pub url: Option<String>,
    pub out: PathBuf,
    pub force: bool,
}

/// `liudong trust export`: writes this hub's trust file; returns it.
pub fn export(o: &ExportOptions) -> Result<TrustFile> {
    let hub = Config::load(&o.config).map_err(ConfigError::new)?;
    let code = &hub.scope.code;
    if !matches!(hub.scope.kind, NodeKind::County | NodeKind::Exchange { .. }) {
        refuse!(
            "{}",
            t!(
                "topo-trust-not-a-hub",
                code = code.to_string(),
                kind = hub.scope.kind.name()
            )
        );
    }
    let base = o.config.parent().unwrap_or(Path::new("."));
    let ca_dir = o
        .ca_dir
        .clone()
        .unwrap_or_else(|| base.join(crate::init::CA_DIR));
    let ca = pki::ca_load(&ca_dir).with_context(|| {
        format!(
            "CA in {} (give --ca-dir if the CA is kept elsewhere)",
            ca_dir.display()
        )
    })?;
    if &ca.code != code {
        refuse!(t!(
            "ops-trust-ca-other",
            ca_dir = ca_dir.display().to_string(),
            code = ca.code.to_string(),
            code2 = code.to_string()
        ));
    }
    let url = match (&o.url, hub.scope.kind) {
        (Some(u), _) => Some(u.clone()),
        (None, NodeKind::Exchange { .. }) => url_from_listen(hub.listen),
        (None, _) => None,
    };
    if let Some(u) = &url
        && !u.starts_with("https://")
    {
        refuse!(t!("ops-trust-url-https", u = u.to_string()));
    }
    if o.out.exists() && !o.force {
        return Err(OpsError::Exists {
            path: o.out.clone(),
            hint: "ops-exists-trust-file",
        });
    }
    let file = TrustFile {
        code: code.to_string(),
        name: division_name(code)?,
        issued_on: liudong_core::Date::from_unix_ms(crate::init::now_ms()).to_string(),
        ca_cert: ca.cert_pem.clone(),
        crl: ca.current_crl()?,
        url,
    };
    write_file(&o.out, encode(&file).as_bytes(), 0o644, o.force)?;
    Ok(file)
}

/// What `liudong trust add` is asked to do.
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// The config of the hub that is to trust the file's operator.
    pub config: PathBuf,
    /// The trust file.
    pub file: PathBuf,
}

/// What `liudong trust add` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The trusted operator's code and name, and its CA's fingerprint.
    pub code: String,
    pub name: String,
    pub fingerprint: String,
    /// Where its CA certificate and CRL are, as listed in `[tls]`.
    pub ca_cert: PathBuf,
    pub crl: PathBuf,
    /// The CA certificate is new here (or replaced a different one).
    pub ca_changed: bool,
    /// The CRL is new or newer here.
    pub crl_changed: bool,
    /// `[upstream] url` was set from the file.
    pub url_set: Option<String>,
    /// `[upstream] url` already names another address than the file's:
    /// (the config's, the file's); left as it is.
    pub url_differs: Option<(String, String)>,
    /// The running node must be restarted to take up what changed (a new
    /// CA, a new CRL file, an address); a replaced CRL is reloaded by itself.
    pub restart: bool,
}

/// How the file's operator relates to this hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// The hub's upstream (a county's exchange).
    Upstream,
    /// A node the hub serves (an exchange's county).
    Child,
}

fn relation(cfg: &NodeConfig, other: &Code) -> Result<Relation> {
    let own = &cfg.scope;
    if matches!(own.kind, NodeKind::Township | NodeKind::Village) {
        refuse!(
            "{}",
            t!(
                "topo-trust-not-a-hub",
                code = own.code.to_string(),
                kind = own.kind.name()
            )
        );
    }
    if other == &own.code {
        refuse!("{}", t!("topo-trust-own", code = other.to_string()));
    }
    if cfg.upstream_scope().is_some_and(|p| &p.code == other) {
        return Ok(Relation::Upstream);
    }
    if own.child(other).is_some() {
        return Ok(Relation::Child);
    }
    refuse!(
        "{}",
        t!(
            "topo-trust-unrelated",
            code = other.to_string(),
            own = own.code.to_string(),
            upstream = cfg
                .upstream_scope()
                .map_or("-".to_string(), |p| p.code.to_string())
        )
    )
}

/// Writes `content` to `path` unless it already holds exactly that; true if
/// it wrote.
fn put(path: &Path, content: &str) -> Result<bool> {
    match std::fs::read_to_string(path) {
        Ok(old) if old == content => Ok(false),
        _ => {
            write_file(path, content.as_bytes(), 0o644, true)?;
            Ok(true)
        }
    }
}

/// Adds `entry` to the array `key` of `[tls]`; true if it was not there.
fn list(tls: &mut toml_edit::Table, key: &str, entry: &str) -> bool {
    let item = tls
        .entry(key)
        .or_insert(toml_edit::value(toml_edit::Array::new()));
    let Some(array) = item.as_array_mut() else {
        return false;
    };
    if array.iter().any(|v| v.as_str() == Some(entry)) {
        return false;
    }
    array.push(entry);
    true
}

/// `liudong trust add`: trusts the operator of a trust file (see the module).
pub fn add(o: &AddOptions) -> Result<Added> {
    let cfg = Config::load(&o.config).map_err(ConfigError::new)?;
    let bytes = std::fs::read(&o.file).map_err(io("read trust file", &o.file))?;
    let file = decode(&bytes)
        .map_err(|e| OpsError::Usage(e.to_string()))
        .with_context(|| t!("ops-trust-file", file = o.file.display().to_string()))?;
    let code =
        Code::parse(&file.code).context(t!("ops-context-trust-file-field", field = "code"))?;
    let ca_code = pki::ca_cert_code(&file.ca_cert)
        .context(t!("ops-context-trust-file-field", field = "ca_cert"))?;
    if ca_code != code {
        refuse!(
            "{}",
            t!(
                "topo-trust-inconsistent",
                code = code.to_string(),
                ca = ca_code.to_string()
            )
        );
    }
    match pki::crl_signed_by(&file.ca_cert, &file.crl) {
        Ok(true) => {}
        Ok(false) => refuse!("{}", t!("topo-trust-crl-unsigned", code = code.to_string())),
        Err(what) => refuse!("{}", t!("topo-trust-damaged", what = what)),
    }
    let relation = relation(&cfg, &code)?;
    let text = std::fs::read_to_string(&o.config).map_err(io("read", &o.config))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        OpsError::Usage(t!(
            "ops-file-error",
            path = o.config.display().to_string(),
            e = e.to_string()
        ))
    })?;
    let Some(tls) = doc.get_mut("tls").and_then(|t| t.as_table_mut()) else {
        refuse!(
            "{}",
            t!("topo-trust-no-tls", config = o.config.display().to_string())
        );
    };
    let lower = code.to_string().to_ascii_lowercase();
    let ca_rel = PathBuf::from(crate::init::TLS_DIR).join(format!("ca-{lower}.crt"));
    let crl_rel = PathBuf::from(crate::init::TLS_DIR).join(format!("crl-{lower}.pem"));
    let ca_listed = list(tls, "ca_certs", &ca_rel.to_string_lossy());
    let crl_listed = list(tls, "crls", &crl_rel.to_string_lossy());
    let (mut url_set, mut url_differs) = (None, None);
    if let (Relation::Upstream, Some(url)) = (relation, &file.url) {
        match cfg.parent.as_ref().map(|(_, u)| u) {
            None => {
                doc["upstream"]["url"] = toml_edit::value(url.as_str());
                url_set = Some(url.clone());
            }
            Some(have) if have != url => url_differs = Some((have.clone(), url.clone())),
            Some(_) => {}
        }
    }
    let base = o.config.parent().unwrap_or(Path::new("."));
    let (ca_path, crl_path) = (base.join(&ca_rel), base.join(&crl_rel));
    let existed = (ca_path.exists(), crl_path.exists());
    std::fs::create_dir_all(base.join(crate::init::TLS_DIR))
        .map_err(io("create directory", &base.join(crate::init::TLS_DIR)))?;
    let ca_written = put(&ca_path, &file.ca_cert)?;
    let crl_written = put(&crl_path, &file.crl)?;
    let config_changed = ca_listed || crl_listed || url_set.is_some();
    if config_changed {
        // The new config is checked as `serve` will load it before it
        // replaces the old one; on failure nothing of this run stays.
        let tmp = o.config.with_extension("toml.new");
        let mode = std::fs::metadata(&o.config)
            .map_err(io("read", &o.config))?
            .permissions();
        std::fs::write(&tmp, doc.to_string()).map_err(io("write", &tmp))?;
        std::fs::set_permissions(&tmp, mode).map_err(io("set the mode of", &tmp))?;
        if let Err(e) = Config::load(&tmp) {
            let _ = std::fs::remove_file(&tmp);
            for (path, was) in [(&ca_path, existed.0), (&crl_path, existed.1)] {
                if !was {
                    let _ = std::fs::remove_file(path);
                }
            }
            return Err(OpsError::Config(ConfigError::new(e)))
                .context(t!("ops-trust-added-config-bad"));
        }
        std::fs::rename(&tmp, &o.config).map_err(io("replace", &o.config))?;
    }
    Ok(Added {
        fingerprint: file.ca_fingerprint(),
        code: file.code,
        name: file.name,
        ca_cert: ca_rel,
        crl: crl_rel,
        ca_changed: ca_written || ca_listed,
        crl_changed: crl_written || crl_listed,
        url_set,
        url_differs,
        restart: config_changed || ca_written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{InitOptions, init_hub};

    fn hub(dir: &Path, code: &str, url: Option<&str>) -> PathBuf {
        init_hub(&InitOptions {
            code: code.into(),
            dir: dir.to_path_buf(),
            upstream_url: url.map(str::to_string),
            upstream_code: url.map(|_| "CN".to_string()),
            listen: Some("127.0.0.1:7000".into()),
            admin_listen: Some("127.0.0.1:7001".into()),
            ..InitOptions::default()
        })
        .unwrap()
        .config
    }

    fn export_to(config: &Path, out: &Path) -> TrustFile {
        export(&ExportOptions {
            config: config.to_path_buf(),
            ca_dir: None,
            url: None,
            out: out.to_path_buf(),
            force: false,
        })
        .unwrap()
    }

    #[test]
    fn a_county_and_its_exchange_trust_each_other_by_their_files() {
        let t = tempfile::tempdir().unwrap();
        let ex = hub(&t.path().join("cn"), "CN", None);
        // The county starts before its exchange exists: no address yet.
        let county = hub(&t.path().join("county"), "410602", None);
        let before = std::fs::read_to_string(&county).unwrap();
        let cfg = Config::load(&county).unwrap();
        assert!(cfg.parent.is_none() && cfg.awaiting_upstream.is_some());

        let ex_file = export_to(&ex, &t.path().join("cn.trust"));
        assert_eq!(ex_file.url.as_deref(), Some("https://127.0.0.1:7000"));
        let county_file = export_to(&county, &t.path().join("county.trust"));
        assert_eq!(county_file.url, None, "an exchange never dials a county");

        let added = add(&AddOptions {
            config: county.clone(),
            file: t.path().join("cn.trust"),
        })
        .unwrap();
        assert!(added.ca_changed && added.crl_changed && added.restart);
        assert_eq!(added.url_set.as_deref(), Some("https://127.0.0.1:7000"));
        let cfg = Config::load(&county).unwrap();
        assert_eq!(cfg.parent.as_ref().unwrap().1, "https://127.0.0.1:7000");
        let after = std::fs::read_to_string(&county).unwrap();
        assert!(after.contains("\"tls/ca-cn.crt\"") && after.contains("\"tls/crl-cn.pem\""));
        // The comments of the config are kept.
        let comments = |s: &str| s.lines().filter(|l| l.contains('#')).count();
        assert!(comments(&after) >= comments(&before) - 1, "{after}");

        let added = add(&AddOptions {
            config: ex.clone(),
            file: t.path().join("county.trust"),
        })
        .unwrap();
        assert!(added.restart && added.url_set.is_none());
        let text = std::fs::read_to_string(&ex).unwrap();
        assert!(text.contains("\"tls/ca-410602.crt\""), "{text}");
        Config::load(&ex).unwrap();

        // Adding the same file again changes nothing.
        let again = add(&AddOptions {
            config: ex.clone(),
            file: t.path().join("county.trust"),
        })
        .unwrap();
        assert!(!again.restart && !again.ca_changed && !again.crl_changed);
        assert_eq!(std::fs::read_to_string(&ex).unwrap(), text);
    }

    #[test]
    fn unrelated_own_damaged_and_inconsistent_files_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let county = hub(&t.path().join("county"), "410602", None);
        let other = hub(&t.path().join("other"), "440306", None);
        let own = export_to(&county, &t.path().join("own.trust"));
        export_to(&other, &t.path().join("other.trust"));
        let before = std::fs::read_to_string(&county).unwrap();
        let refused = |file: &str| {
            let e = add(&AddOptions {
                config: county.clone(),
                file: t.path().join(file),
            })
            .unwrap_err();
            crate::error::chain(&e)
        };
        liudong_i18n::set_lang(liudong_i18n::Lang::En);
        assert!(refused("own.trust").contains("this hub's own"));
        let e = refused("other.trust");
        assert!(e.contains("440306") && e.contains("CN"), "{e}");
        // A CA that is not the file's code.
        let mut forged = own.clone();
        forged.code = "CN".into();
        std::fs::write(t.path().join("forged.trust"), encode(&forged)).unwrap();
        assert!(refused("forged.trust").contains("410602"));
        // Damage.
        let text = encode(&own);
        std::fs::write(t.path().join("cut.trust"), &text[..text.len() / 2]).unwrap();
        assert!(refused("cut.trust").contains("truncated"));
        std::fs::write(
            t.path().join("bad.trust"),
            text.replacen("BEGIN", "BEGIM", 1),
        )
        .unwrap();
        assert!(refused("bad.trust").contains("corrupted"));
        std::fs::write(t.path().join("x.trust"), "hello").unwrap();
        assert!(refused("x.trust").contains("not a Liudong trust file"));
        assert_eq!(std::fs::read_to_string(&county).unwrap(), before);
        assert!(!t.path().join("county/tls/ca-cn.crt").exists());
    }
}
