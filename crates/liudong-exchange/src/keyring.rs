//! The key ring: a county's own sealing keys (current and retired), kept in
//! its data directory, and the announced public keys of the other counties.
//!
//! Own keys live in `sealing-keys.json` (mode 0600): a list of key pairs,
//! oldest first, the last one current. `liudong key rotate` appends a new
//! pair; the running node notices the file changed, announces the new key,
//! and keeps opening envelopes sealed to the older ones (records in flight
//! during a rotation are not lost). Other counties switch to the new key
//! once its announcement reaches them (its `valid_from_ms` has passed and it
//! is the newest).

use crate::error::SealError;
use crate::trust::{AnnouncementSigner, CertificateCheck};
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, Serializable};
use liudong_core::Code;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{Notify, watch};

/// Name of a county's key file in its data directory.
pub const KEY_FILE: &str = "sealing-keys.json";

/// How far in the future a key's `valid_from_ms` may lie and still be used
/// (clocks differ between counties).
const CLOCK_SLACK_MS: u64 = 5 * 60 * 1000;

type HpkePrivate = <X25519HkdfSha256 as Kem>::PrivateKey;

/// One of this county's key pairs.
pub struct OwnKey {
    pub key_id: String,
    pub valid_from_ms: u64,
    hpke_private: HpkePrivate,
    pub hpke_public: Vec<u8>,
    signing: Ed25519KeyPair,
    pkcs8: Vec<u8>,
    pub signing_public: Vec<u8>,
}

impl std::fmt::Debug for OwnKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnKey")
            .field("key_id", &self.key_id)
            .field("valid_from_ms", &self.valid_from_ms)
            .finish_non_exhaustive()
    }
}

/// Another county's announced public keys (or this county's own, to check
/// its own envelopes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerKey {
    pub county: Code,
    pub key_id: String,
    pub hpke_public: Vec<u8>,
    pub signing_public: Vec<u8>,
    pub valid_from_ms: u64,
    /// The announcement it came from (passed on through the exchange tier).
    pub announcement: Vec<u8>,
}

/// The id of a key pair: 16 hex digits of blake3(hpke public · signing public).
pub fn key_id(hpke_public: &[u8], signing_public: &[u8]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(hpke_public);
    h.update(signing_public);
    liudong_core::hex::encode(&h.finalize().as_bytes()[..8])
}

/// True if `s` has the form of a key id.
pub fn is_key_id(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl OwnKey {
    /// A new key pair valid from `valid_from_ms`.
    pub fn generate(valid_from_ms: u64) -> Result<OwnKey, SealError> {
        let (sk, _) = X25519HkdfSha256::gen_keypair();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
            .map_err(|_| SealError::Random)?;
        OwnKey::from_parts(
            sk.to_bytes().to_vec(),
            pkcs8.as_ref().to_vec(),
            valid_from_ms,
        )
    }

    fn from_parts(
        hpke_private: Vec<u8>,
        pkcs8: Vec<u8>,
        valid_from_ms: u64,
    ) -> Result<OwnKey, SealError> {
        let bad = |what: &str| SealError::KeyFile {
            path: KEY_FILE.into(),
            reason: format!("{what} is not a valid key"),
        };
        let sk = HpkePrivate::from_bytes(&hpke_private).map_err(|_| bad("hpke_private"))?;
        let pk = X25519HkdfSha256::sk_to_pk(&sk).to_bytes().to_vec();
        let signing = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| bad("signing_pkcs8"))?;
        let signing_public = signing.public_key().as_ref().to_vec();
        Ok(OwnKey {
            key_id: key_id(&pk, &signing_public),
            valid_from_ms,
            hpke_private: sk,
            hpke_public: pk,
            signing,
            pkcs8,
            signing_public,
        })
    }

    pub(crate) fn hpke_private(&self) -> &HpkePrivate {
        &self.hpke_private
    }

    /// Signs `msg` with this key's Ed25519 key.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.signing.sign(msg).as_ref().to_vec()
    }

    /// The public half, as another county sees it.
    pub fn public(&self, county: &Code) -> PeerKey {
        PeerKey {
            county: county.clone(),
            key_id: self.key_id.clone(),
            hpke_public: self.hpke_public.clone(),
            signing_public: self.signing_public.clone(),
            valid_from_ms: self.valid_from_ms,
            announcement: Vec::new(),
        }
    }
}

/// The key file's layout.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    county: String,
    /// Oldest first; the last is current.
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
struct KeyEntry {
    key_id: String,
    valid_from_ms: u64,
    hpke_private: String,
    signing_pkcs8: String,
}

fn file_error(path: &Path, reason: impl ToString) -> SealError {
    SealError::KeyFile {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn read_file(path: &Path, county: &Code) -> Result<Vec<Arc<OwnKey>>, SealError> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
    let f: KeyFile = serde_json::from_str(&text)
        .map_err(|e| file_error(path, format!("{e}; restore it from the backup")))?;
    if f.county != county.as_str() {
        return Err(file_error(
            path,
            format!("it holds the keys of county {}, not {county}", f.county),
        ));
    }
    let mut out = Vec::new();
    for e in f.keys {
        let (Some(sk), Some(p8)) = (
            liudong_core::hex::decode(&e.hpke_private),
            liudong_core::hex::decode(&e.signing_pkcs8),
        ) else {
            return Err(file_error(path, format!("key {} is not hex", e.key_id)));
        };
        let k = OwnKey::from_parts(sk, p8, e.valid_from_ms).map_err(|e2| file_error(path, e2))?;
        if k.key_id != e.key_id {
            return Err(file_error(
                path,
                format!("key {} does not match its id", e.key_id),
            ));
        }
        out.push(Arc::new(k));
    }
    if out.is_empty() {
        return Err(file_error(path, "it holds no key"));
    }
    Ok(out)
}

fn write_file(path: &Path, county: &Code, keys: &[Arc<OwnKey>]) -> Result<(), SealError> {
    let f = KeyFile {
        county: county.to_string(),
        keys: keys
            .iter()
            .map(|k| KeyEntry {
                key_id: k.key_id.clone(),
                valid_from_ms: k.valid_from_ms,
                hpke_private: liudong_core::hex::encode(&k.hpke_private.to_bytes()),
                signing_pkcs8: liudong_core::hex::encode(&k.pkcs8),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&f).map_err(|e| file_error(path, e))?;
    let tmp = path.with_extension("json.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut out = opts.open(&tmp).map_err(|e| file_error(&tmp, e))?;
    out.write_all(text.as_bytes())
        .map_err(|e| file_error(&tmp, e))?;
    out.sync_all().map_err(|e| file_error(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| file_error(path, e))
}

/// Appends a new current key to the key file of `county` in `data_dir`
/// (creating the file if needed), valid from `now_ms`; the older keys stay
/// to open envelopes sealed to them. Returns the new key and the retired ones.
pub fn rotate(
    data_dir: &Path,
    county: &Code,
    now_ms: u64,
) -> Result<(Arc<OwnKey>, usize), SealError> {
    let path = data_dir.join(KEY_FILE);
    let mut keys = if path.exists() {
        read_file(&path, county)?
    } else {
        std::fs::create_dir_all(data_dir).map_err(|e| file_error(data_dir, e))?;
        Vec::new()
    };
    let valid_from = keys
        .last()
        .map_or(now_ms, |k| now_ms.max(k.valid_from_ms + 1));
    let k = Arc::new(OwnKey::generate(valid_from)?);
    keys.push(k.clone());
    write_file(&path, county, &keys)?;
    Ok((k, keys.len() - 1))
}

/// Stamp of the key file, to notice a rotation.
fn stamp(path: &Path) -> Option<(std::time::SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// A node's keys for the sealed exchange tier.
pub struct KeyRing {
    /// This county (`None` on an exchange node, which holds no keys).
    county: Option<Code>,
    path: Option<PathBuf>,
    own: RwLock<Vec<Arc<OwnKey>>>,
    own_stamp: Mutex<Option<(std::time::SystemTime, u64)>>,
    peers: RwLock<HashMap<(Code, String), Arc<PeerKey>>>,
    /// Checks the certificates of announcements (`None`: an insecure node,
    /// which accepts unsigned announcements as its links are unauthenticated).
    trust: Option<Arc<dyn CertificateCheck>>,
    /// Signs this county's announcements with its TLS key.
    signer: Option<Arc<dyn AnnouncementSigner>>,
    /// Bumped whenever keys change (the sealer waits on it).
    changed: watch::Sender<u64>,
    /// Asks the key task to fetch keys now.
    wanted: Notify,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("county", &self.county)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// The key ring of county `county`, its own keys in `data_dir` (a first
    /// key is created, valid from `now_ms`, if the file does not exist).
    pub fn county(
        data_dir: &Path,
        county: &Code,
        now_ms: u64,
        trust: Option<Arc<dyn CertificateCheck>>,
        signer: Option<Arc<dyn AnnouncementSigner>>,
    ) -> Result<KeyRing, SealError> {
        let path = data_dir.join(KEY_FILE);
        if !path.exists() {
            rotate(data_dir, county, now_ms)?;
        }
        let own = read_file(&path, county)?;
        let ring = KeyRing {
            county: Some(county.clone()),
            own_stamp: Mutex::new(stamp(&path)),
            path: Some(path),
            own: RwLock::new(Vec::new()),
            peers: RwLock::new(HashMap::new()),
            trust,
            signer,
            changed: watch::Sender::new(0),
            wanted: Notify::new(),
        };
        ring.set_own(own);
        Ok(ring)
    }

    /// The key ring of an exchange node: no keys of its own; it passes
    /// announcements on without using them.
    pub fn exchange() -> KeyRing {
        KeyRing {
            county: None,
            path: None,
            own: RwLock::new(Vec::new()),
            own_stamp: Mutex::new(None),
            peers: RwLock::new(HashMap::new()),
            trust: None,
            signer: None,
            changed: watch::Sender::new(0),
            wanted: Notify::new(),
        }
    }

    fn set_own(&self, own: Vec<Arc<OwnKey>>) {
        if let Some(county) = &self.county {
            let mut peers = self.peers.write().unwrap_or_else(|p| p.into_inner());
            for k in &own {
                peers
                    .entry((county.clone(), k.key_id.clone()))
                    .or_insert_with(|| Arc::new(k.public(county)));
            }
        }
        *self.own.write().unwrap_or_else(|p| p.into_inner()) = own;
        self.changed.send_modify(|v| *v += 1);
    }

    /// This node's county, if it is one.
    pub fn county_code(&self) -> Option<&Code> {
        self.county.as_ref()
    }

    /// Re-reads the key file if it changed (after `liudong key rotate`);
    /// true if it did.
    pub fn reload_own(&self) -> Result<bool, SealError> {
        let (Some(path), Some(county)) = (&self.path, &self.county) else {
            return Ok(false);
        };
        let now = stamp(path);
        {
            let mut s = self.own_stamp.lock().unwrap_or_else(|p| p.into_inner());
            if *s == now {
                return Ok(false);
            }
            *s = now;
        }
        let own = read_file(path, county)?;
        tracing::info!(
            county = %county,
            current = %own.last().map(|k| k.key_id.as_str()).unwrap_or("-"),
            keys = own.len(),
            "sealing keys reloaded"
        );
        self.set_own(own);
        Ok(true)
    }

    /// The current own key (the newest), if this node is a county.
    pub fn current(&self) -> Option<Arc<OwnKey>> {
        self.own
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .cloned()
    }

    /// The own key `key_id`, current or retired.
    pub fn own_key(&self, key_id: &str) -> Option<Arc<OwnKey>> {
        self.own
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|k| k.key_id == key_id)
            .cloned()
    }

    /// Number of own keys (current and retired).
    pub fn own_count(&self) -> usize {
        self.own.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The key `key_id` of `county`, if announced to this node (or its own).
    pub fn peer_key(&self, county: &Code, key_id: &str) -> Option<Arc<PeerKey>> {
        self.peers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(county.clone(), key_id.to_string()))
            .cloned()
    }

    /// The counties whose keys this node holds (its own included).
    pub fn peer_counties(&self) -> std::collections::BTreeSet<Code> {
        self.peers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// The key to seal to `county` now: the newest announced key whose
    /// validity has begun.
    pub fn current_peer(&self, county: &Code, now_ms: u64) -> Option<Arc<PeerKey>> {
        self.peers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|k| &k.county == county && k.valid_from_ms <= now_ms + CLOCK_SLACK_MS)
            .max_by_key(|k| (k.valid_from_ms, k.key_id.clone()))
            .cloned()
    }

    /// Adds another county's key (from an announcement already checked,
    /// see `announce.rs`); `Ok(true)` if it was new.
    pub(crate) fn add_peer(&self, key: PeerKey) -> Result<bool, SealError> {
        let id = (key.county.clone(), key.key_id.clone());
        let mut peers = self.peers.write().unwrap_or_else(|p| p.into_inner());
        if let Some(have) = peers.get(&id) {
            if have.hpke_public != key.hpke_public || have.signing_public != key.signing_public {
                return Err(SealError::Announcement(format!(
                    "county {} announced key {} twice with different keys",
                    key.county, key.key_id
                )));
            }
            return Ok(false);
        }
        peers.insert(id, Arc::new(key));
        drop(peers);
        self.changed.send_modify(|v| *v += 1);
        Ok(true)
    }

    /// The checker of announcements' certificates (`None` on an insecure node).
    pub(crate) fn trust(&self) -> Option<&dyn CertificateCheck> {
        self.trust.as_deref()
    }

    /// The signer of this county's announcements (`None` on an insecure node).
    pub(crate) fn signer(&self) -> Option<&dyn AnnouncementSigner> {
        self.signer.as_deref()
    }

    /// This county's own keys, oldest first.
    pub(crate) fn own_keys(&self) -> Vec<Arc<OwnKey>> {
        self.own.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Changes whenever keys are added or reloaded.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Asks the key task to fetch announcements now (a key is missing).
    pub fn want_keys(&self) {
        self.wanted.notify_one();
    }

    /// Waits until someone asks for keys ([`KeyRing::want_keys`]).
    pub async fn keys_wanted(&self) {
        self.wanted.notified().await
    }
}

#[cfg(test)]
mod tests;
