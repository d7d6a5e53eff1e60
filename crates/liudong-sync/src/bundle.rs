//! Offline bundles (sneakernet): a signed, compressed file carrying the part
//! of one link's outbox that the peer lacks, for places without a network.
//!
//! File layout (all integers big endian), see docs/protocol.md ("Bundles"):
//!
//! ```text
//! "LDBUNDLE" · version u16 (=1) · signer code (u8 len · ascii) · public key (u8 len · bytes)
//! · payload length u32 · payload (gzip of a postcard `BundleBody`)
//! · signature (u8 len · bytes) over everything before it
//! ```
//!
//! The importer trusts a signer only if `[[bundle.trusted]]` lists its code
//! with that exact public key. Signing sits behind [`BundleSigner`] /
//! [`BundleVerifier`] so the node key can later be the TLS node key.

use crate::error::SyncError;
use crate::msg::Batch;
use crate::node::Node;
use crate::receive::{Admission, Via};
use liudong_core::{Code, Link};
use liudong_i18n::t;
use liudong_store::{CursorDir, Store, StoreError};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

/// Why a bundle could not be written, opened or imported.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{}", t!("bundle-truncated"))]
    Truncated,
    #[error("{}", t!("bundle-not-a-bundle"))]
    NotABundle,
    #[error("{}", t!("bundle-version", version = *.0, ours = VERSION))]
    Version(u16),
    #[error("{}", t!("bundle-trailing", bytes = *.0))]
    Trailing(usize),
    #[error("{}", t!("bundle-untrusted", signer = signer.as_str(), key = key.as_str()))]
    Untrusted { signer: String, key: String },
    #[error("{}", t!("bundle-bad-key", key = .0.as_str()))]
    BadKey(String),
    #[error("{}", t!("bundle-bad-signature"))]
    BadSignature,
    #[error("{}", t!("bundle-payload", error = .0.as_str()))]
    Payload(String),
    #[error("{}", t!("bundle-signer-mismatch", from = from.as_str(), signer = signer.as_str()))]
    SignerMismatch { from: String, signer: String },
    #[error("{}", t!("bundle-not-for-this-node", to = to.as_str(), node = node.as_str()))]
    NotForThisNode { to: String, node: String },
    #[error("{}", t!("bundle-not-a-link", peer = peer.as_str(), node = node.as_str()))]
    NotALink { peer: String, node: String },
    #[error("{}", t!("bundle-bad-sender", error = .0.as_str()))]
    BadSender(String),
    #[error("{}", t!("bundle-key-generation"))]
    KeyGeneration,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", t!("bundle-refused", error = .0.to_string()))]
    Refused(#[from] SyncError),
}

const MAGIC: &[u8; 8] = b"LDBUNDLE";
const VERSION: u16 = 1;
/// Largest bundle payload accepted (uncompressed), to bound memory.
pub const MAX_PAYLOAD: usize = 1 << 30;
/// Name of the node signing key in the data directory.
pub const KEY_FILE: &str = "node-signing.key";

/// Signs bundles as one node.
pub trait BundleSigner {
    /// Scheme and public key, e.g. `ed25519:<hex>`.
    fn public_key(&self) -> String;
    fn sign(&self, msg: &[u8]) -> Vec<u8>;
}

/// Checks a signature by a public key in the `scheme:hex` form.
pub trait BundleVerifier {
    fn verify(&self, public_key: &str, msg: &[u8], sig: &[u8]) -> Result<(), BundleError>;
}

/// An Ed25519 node key, kept as PKCS#8 in the data directory (mode 0600).
pub struct NodeKey(Ed25519KeyPair);

/// Why the node signing key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{}", t!("bundle-key-generation"))]
    Generate,
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{}", t!("bundle-not-a-key", path = path.as_str()))]
    NotAKey { path: String },
}

impl NodeKey {
    /// Loads the key from `data_dir`, generating it (0600) on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<NodeKey, KeyFileError> {
        let path = data_dir.join(KEY_FILE);
        let io = |e: std::io::Error| KeyFileError::Io {
            path: path.display().to_string(),
            error: e,
        };
        if !path.exists() {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyFileError::Generate)?;
            std::fs::create_dir_all(data_dir).map_err(io)?;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&path).map_err(io)?;
            f.write_all(pkcs8.as_ref()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        let bytes = std::fs::read(&path).map_err(io)?;
        let pair = Ed25519KeyPair::from_pkcs8(&bytes).map_err(|_| KeyFileError::NotAKey {
            path: path.display().to_string(),
        })?;
        Ok(NodeKey(pair))
    }
}

impl BundleSigner for NodeKey {
    fn public_key(&self) -> String {
        format!(
            "ed25519:{}",
            liudong_core::hex::encode(self.0.public_key().as_ref())
        )
    }
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.0.sign(msg).as_ref().to_vec()
    }
}

/// Verifies `ed25519:<hex>` signatures with ring.
pub struct RingVerifier;

impl BundleVerifier for RingVerifier {
    fn verify(&self, public_key: &str, msg: &[u8], sig: &[u8]) -> Result<(), BundleError> {
        let key = public_key
            .strip_prefix("ed25519:")
            .and_then(liudong_core::hex::decode)
            .ok_or_else(|| BundleError::BadKey(public_key.to_string()))?;
        UnparsedPublicKey::new(&ED25519, key)
            .verify(msg, sig)
            .map_err(|_| BundleError::BadSignature)
    }
}

/// A trusted bundle signer (`[[bundle.trusted]]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TrustedSigner {
    pub code: String,
    pub public_key: String,
}

/// The signed content of a bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BundleBody {
    /// The exporting node.
    pub from: String,
    /// The node the bundle is for.
    pub to: String,
    pub created_ms: u64,
    /// Outbox positions covered: after `since`, up to and including `upto`.
    pub since: u64,
    pub upto: u64,
    /// Canonical record bytes in outbox order.
    pub records: Vec<Vec<u8>>,
}

/// The link of `store`'s node towards `code`, if `code` is its upstream or a child.
fn link_to(store: &Store, code: &Code) -> Option<Link> {
    if store.parent().is_some_and(|p| &p.code == code) {
        return Some(Link::Parent);
    }
    store.scope().child(code).map(|_| Link::Child(code.clone()))
}

/// Builds a signed bundle of the records `for_code` lacks: this node's
/// outbox for that link after `since` (default: what the peer last acknowledged).
pub fn export(
    store: &Store,
    signer: &dyn BundleSigner,
    for_code: &Code,
    since: Option<u64>,
    now_ms: u64,
) -> Result<(Vec<u8>, BundleBody), BundleError> {
    let link = link_to(store, for_code).ok_or_else(|| BundleError::NotALink {
        peer: for_code.to_string(),
        node: store.scope().code.to_string(),
    })?;
    let since = match since {
        Some(s) => s,
        None => store.cursor(CursorDir::Out, &link)?,
    };
    let mut body = BundleBody {
        from: store.scope().code.to_string(),
        to: for_code.to_string(),
        created_ms: now_ms,
        since,
        upto: since,
        records: Vec::new(),
    };
    loop {
        let page = store.outbox(&link, body.upto, 10_000, 64 << 20)?;
        let n = page.records.len();
        body.records.extend(page.records);
        body.upto = page.cursor;
        if page.drained || n == 0 {
            break;
        }
    }
    let out = seal(&body, signer)?;
    Ok((out, body))
}

/// The signed bundle file of `body`, signed as `body.from` by `signer`.
pub fn seal(body: &BundleBody, signer: &dyn BundleSigner) -> Result<Vec<u8>, BundleError> {
    let raw = postcard::to_allocvec(body).map_err(|e| BundleError::Payload(e.to_string()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let payload = gz
        .write_all(&raw)
        .and_then(|()| gz.finish())
        .map_err(|e| BundleError::Payload(e.to_string()))?;
    let mut out = Vec::with_capacity(payload.len() + 200);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.push(body.from.len() as u8);
    out.extend_from_slice(body.from.as_bytes());
    let pk = signer.public_key();
    out.push(pk.len() as u8);
    out.extend_from_slice(pk.as_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&payload);
    let sig = signer.sign(&out);
    out.push(sig.len() as u8);
    out.extend_from_slice(&sig);
    Ok(out)
}

struct Reader<'a>(&'a [u8], usize);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BundleError> {
        let s = self
            .0
            .get(self.1..self.1 + n)
            .ok_or(BundleError::Truncated)?;
        self.1 += n;
        Ok(s)
    }
    fn short(&mut self) -> Result<&'a [u8], BundleError> {
        let n = self.take(1)?[0] as usize;
        self.take(n)
    }
}

/// Checks a bundle's framing, signer trust and signature; returns its body.
pub fn open(
    bytes: &[u8],
    trusted: &[TrustedSigner],
    verifier: &dyn BundleVerifier,
) -> Result<BundleBody, BundleError> {
    let mut r = Reader(bytes, 0);
    if r.take(8)? != MAGIC {
        return Err(BundleError::NotABundle);
    }
    let version = u16::from_be_bytes([r.take(1)?[0], r.take(1)?[0]]);
    if version != VERSION {
        return Err(BundleError::Version(version));
    }
    let signer = std::str::from_utf8(r.short()?)
        .map_err(|_| BundleError::Truncated)?
        .to_string();
    let pk = std::str::from_utf8(r.short()?)
        .map_err(|_| BundleError::Truncated)?
        .to_string();
    let mut len = [0u8; 4];
    len.copy_from_slice(r.take(4)?);
    let len = u32::from_be_bytes(len) as usize;
    let payload = r.take(len)?;
    let signed_len = r.1;
    let sig = r.short()?;
    if r.1 != bytes.len() {
        return Err(BundleError::Trailing(bytes.len() - r.1));
    }
    if !trusted
        .iter()
        .any(|t| t.code == signer && t.public_key == pk)
    {
        return Err(BundleError::Untrusted { signer, key: pk });
    }
    verifier.verify(&pk, &bytes[..signed_len], sig)?;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(payload)
        .take(MAX_PAYLOAD as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| {
            BundleError::Payload(t!("bundle-payload-decompress", error = e.to_string()))
        })?;
    if raw.len() > MAX_PAYLOAD {
        return Err(BundleError::Payload(t!(
            "bundle-payload-too-large",
            max = MAX_PAYLOAD
        )));
    }
    let body: BundleBody = postcard::from_bytes(&raw)
        .map_err(|e| BundleError::Payload(t!("bundle-payload-decode", error = e.to_string())))?;
    if body.from != signer {
        return Err(BundleError::SignerMismatch {
            from: body.from,
            signer,
        });
    }
    Ok(body)
}

/// What importing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub from: String,
    pub records: usize,
    pub new: usize,
    pub duplicate: usize,
    /// The link's receive cursor moved to the bundle's end.
    pub cursor_advanced: bool,
    pub cursor: u64,
}

/// Verifies and applies a bundle at `node`. Its records take the node's one
/// receive path ([`Node::receive`]) like a network batch of the same link:
/// the limits, decoding, validation, entitlement and (from a child)
/// authorship of every record are checked, in batches of at most
/// `max_batch` records, each applied atomically and idempotently. The first
/// refused batch ends the import with its reason: nothing of it is stored
/// (the batches before it are, each having passed every check), and the
/// cursor does not move. The receive cursor of the link moves to the
/// bundle's end with the last batch when the bundle continues from where the
/// node already was (so the next network session does not resend). A
/// replayed or older bundle changes nothing.
pub async fn import(
    node: &Arc<Node>,
    bytes: &[u8],
    trusted: &[TrustedSigner],
    verifier: &dyn BundleVerifier,
) -> Result<ImportOutcome, BundleError> {
    let body = open(bytes, trusted, verifier)?;
    let store = node.store().clone();
    let own = store.scope().clone();
    if body.to != own.code.to_string() {
        return Err(BundleError::NotForThisNode {
            to: body.to,
            node: own.code.to_string(),
        });
    }
    let from = Code::parse(&body.from).map_err(|e| BundleError::BadSender(e.to_string()))?;
    let link = link_to(&store, &from).ok_or_else(|| BundleError::NotALink {
        peer: from.to_string(),
        node: own.code.to_string(),
    })?;
    let current = store.cursor(CursorDir::In, &link)?;
    let mut out = ImportOutcome {
        from: body.from.clone(),
        records: body.records.len(),
        new: 0,
        duplicate: 0,
        cursor_advanced: false,
        cursor: current,
    };
    if body.upto <= current {
        out.duplicate = body.records.len();
        return Ok(out); // replayed or older: nothing to do
    }
    let advance = body.since <= current;
    let max = node.config().max_batch.max(1);
    let mut records = body.records.into_iter().map(bytes::Bytes::from).peekable();
    loop {
        let chunk: Vec<bytes::Bytes> = records.by_ref().take(max).collect();
        let last = records.peek().is_none();
        let received = node
            .receive(Admission {
                link: link.clone(),
                batch: Batch {
                    records: chunk,
                    cursor: body.upto,
                    drained: last,
                    remaining: None,
                    lower_links: Vec::new(),
                },
                cursor: (advance && last).then_some(body.upto),
                via: Via::Bundle {
                    from: body.from.clone(),
                },
            })
            .await?;
        out.new += received.outcome.new;
        out.duplicate += received.outcome.duplicate;
        if last {
            break;
        }
    }
    out.cursor_advanced = advance;
    if advance {
        out.cursor = body.upto;
    }
    Ok(out)
}
