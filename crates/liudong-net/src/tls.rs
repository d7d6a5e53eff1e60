//! Mutual TLS between nodes: who a peer is, proven by its certificate.
//!
//! Every node holds a key and a certificate issued by the CA of a hub
//! operator (see [`crate::pki`]). The certificate names the node's division
//! code twice: as the URI SAN `liudong:node:<code>` (read by the serving side
//! to learn who the client is) and as the DNS SAN `<code>.node.liudong`
//! (checked by the dialling side with ordinary host-name verification, so a
//! node only talks to the upstream it was configured with).
//!
//! Invariants:
//! - Only TLS 1.3 is served, and a client certificate is mandatory.
//! - A client certificate is accepted only if it chains to a trusted CA,
//!   is valid now, names exactly one node code, that code lies inside the
//!   jurisdiction of the CA that issued it (the CA's own code, `liudong:ca:<code>`),
//!   and its SHA-256 fingerprint is not on the revocation list.
//! - The revocation list is re-read every [`RELOAD_EVERY`]; sessions of a
//!   certificate that becomes revoked are ended (see `server.rs`).

use liudong_core::Code;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

/// URI SAN prefix naming a node's code in its certificate.
pub const NODE_URI: &str = "liudong:node:";
/// URI SAN prefix naming a CA's jurisdiction in its certificate.
pub const CA_URI: &str = "liudong:ca:";
/// How often the revocation list is re-read.
pub const RELOAD_EVERY: Duration = Duration::from_millis(250);
/// A TLS handshake must finish within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The DNS name a node's certificate carries: `<code>.node.liudong`
/// (`cn.node.liudong` for the national exchange).
pub fn dns_name(code: &Code) -> String {
    format!("{}.node.liudong", code.to_string().to_ascii_lowercase())
}

/// What can go wrong setting up or checking TLS identities.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}; check the path in [tls] and the file permissions")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {what}")]
    Pem { path: PathBuf, what: String },
    #[error(
        "certificate has no node code (URI SAN {NODE_URI}<code>); issue it with `liudong ca issue`"
    )]
    NoCode,
    #[error("certificate names several node codes; a node certificate names exactly one")]
    SeveralCodes,
    #[error("certificate cannot be parsed: {0}")]
    Parse(String),
    #[error(
        "CA certificate {path} has no jurisdiction (URI SAN {CA_URI}<code>); create CAs with `liudong ca init`"
    )]
    CaNoCode { path: PathBuf },
    #[error(
        "certificate for node {code} was issued by the CA of {ca}, outside that CA's jurisdiction; a CA may only certify nodes under its own code"
    )]
    Jurisdiction { code: Code, ca: Code },
    #[error("certificate was not issued by any trusted CA ([tls] ca_certs)")]
    UnknownIssuer,
    #[error(
        "certificate {fingerprint} (node {code}) is revoked; the node needs a new certificate from its CA"
    )]
    Revoked { code: Code, fingerprint: String },
    #[error(
        "this node's certificate is for {found}, but the node is configured as {expected}; use the certificate issued for this node's code"
    )]
    WrongNode { expected: Code, found: Code },
    #[error(
        "revocation list {path}, line {line}: {what}; expected one SHA-256 fingerprint (64 hex digits) per line"
    )]
    RevocationList {
        path: PathBuf,
        line: usize,
        what: String,
    },
    #[error("TLS set-up: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{0}")]
    Other(String),
}

/// The files of a node's TLS identity, as `[tls]` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// CA certificates trusted for peers (PEM); several for an exchange that
    /// trusts the CA of each county.
    pub ca_certs: Vec<PathBuf>,
    /// This node's certificate (PEM).
    pub cert: PathBuf,
    /// This node's private key (PEM).
    pub key: PathBuf,
    /// Revocation list: SHA-256 fingerprints of revoked certificates, one a line.
    pub revoked: Option<PathBuf>,
}

/// A verified peer identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    pub code: Code,
    /// `sha256:<hex>` of the certificate's DER.
    pub fingerprint: String,
}

/// SHA-256 fingerprint of a certificate, `sha256:<64 hex>`.
pub fn fingerprint(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in d.as_ref() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The URI SANs, raw issuer name and raw subject name of a certificate.
struct CertNames {
    uris: Vec<String>,
    issuer: Vec<u8>,
    subject: Vec<u8>,
}

fn uris(der: &[u8]) -> Result<CertNames, TlsError> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| TlsError::Parse(e.to_string()))?;
    let mut out = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::URI(u) = n {
                out.push(u.to_string());
            }
        }
    }
    Ok(CertNames {
        uris: out,
        issuer: cert.tbs_certificate.issuer.as_raw().to_vec(),
        subject: cert.tbs_certificate.subject.as_raw().to_vec(),
    })
}

fn code_with_prefix(uris: &[String], prefix: &str) -> Result<Option<Code>, TlsError> {
    let mut found = None;
    for u in uris {
        if let Some(c) = u.strip_prefix(prefix) {
            let code = Code::parse(c).map_err(|e| TlsError::Parse(format!("{u}: {e}")))?;
            if found.replace(code).is_some() {
                return Err(TlsError::SeveralCodes);
            }
        }
    }
    Ok(found)
}

/// The node code a certificate names (its `liudong:node:` URI SAN).
pub fn cert_code(der: &[u8]) -> Result<Code, TlsError> {
    code_with_prefix(&uris(der)?.uris, NODE_URI)?.ok_or(TlsError::NoCode)
}

/// The identity a (chain-verified) peer certificate proves.
pub fn peer_identity(der: &[u8]) -> Result<PeerIdentity, TlsError> {
    Ok(PeerIdentity {
        code: cert_code(der)?,
        fingerprint: fingerprint(der),
    })
}

/// A trusted CA and its jurisdiction.
#[derive(Debug, Clone)]
struct TrustedCa {
    code: Code,
    subject: Vec<u8>,
    der: CertificateDer<'static>,
}

/// The set of revoked certificate fingerprints, reloaded from its file.
pub struct Revocation {
    path: Option<PathBuf>,
    set: RwLock<HashSet<String>>,
    /// The list's text as last read, so an unchanged file is not parsed again.
    last_text: std::sync::Mutex<String>,
    /// Bumped on every change of the set.
    version: watch::Sender<u64>,
}

impl fmt::Debug for Revocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revocation")
            .field("path", &self.path)
            .field("revoked", &self.set.read().map(|s| s.len()).unwrap_or(0))
            .finish()
    }
}

/// Parses a revocation list: one fingerprint per line (`sha256:<hex>` or
/// bare hex), anything after it on the line and lines starting with `#` are
/// comments.
pub fn parse_revocation_list(path: &Path, text: &str) -> Result<HashSet<String>, TlsError> {
    let mut set = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let token = line.split_whitespace().next().unwrap_or_default();
        let hex = token.strip_prefix("sha256:").unwrap_or(token);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(TlsError::RevocationList {
                path: path.to_path_buf(),
                line: i + 1,
                what: format!("{token:?} is not a fingerprint"),
            });
        }
        set.insert(format!("sha256:{}", hex.to_ascii_lowercase()));
    }
    Ok(set)
}

/// The text of the list at `path`; a list that does not exist yet is empty
/// (it revokes nothing; `ca revoke` creates it).
fn read_list_text(path: &Path) -> Result<String, TlsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(TlsError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

impl Revocation {
    fn load(path: Option<PathBuf>) -> Result<Revocation, TlsError> {
        let (set, text) = match &path {
            None => (HashSet::new(), String::new()),
            Some(p) => {
                let text = read_list_text(p)?;
                (parse_revocation_list(p, &text)?, text)
            }
        };
        Ok(Revocation {
            path,
            set: RwLock::new(set),
            last_text: std::sync::Mutex::new(text),
            version: watch::channel(0).0,
        })
    }

    /// True if the certificate with this fingerprint is revoked.
    pub fn is_revoked(&self, fingerprint: &str) -> bool {
        self.set
            .read()
            .map(|s| s.contains(fingerprint))
            .unwrap_or(true)
    }

    /// Notified whenever the revoked set changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Re-reads the list; returns true if it changed. A list that cannot be
    /// read or parsed leaves the previous set in force (and is logged).
    pub fn reload(&self) -> bool {
        let Some(path) = &self.path else {
            return false;
        };
        let text = match read_list_text(path) {
            Ok(text) => text,
            Err(e) => {
                tracing::error!(error = %e, "revocation list not readable; the previous list stays in force");
                return false;
            }
        };
        {
            // Unchanged since the last reload: nothing to parse (or to log again).
            let mut last = match self.last_text.lock() {
                Ok(l) => l,
                Err(p) => p.into_inner(),
            };
            if *last == text {
                return false;
            }
            *last = text.clone();
        }
        let new = match parse_revocation_list(path, &text) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "revocation list not reloaded; the previous list stays in force");
                return false;
            }
        };
        let mut cur = match self.set.write() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        if *cur == new {
            return false;
        }
        tracing::info!(revoked = new.len(), path = %path.display(), "revocation list reloaded");
        *cur = new;
        drop(cur);
        self.version.send_modify(|v| *v += 1);
        true
    }

    /// Re-reads the list every [`RELOAD_EVERY`] until `cancel`.
    pub async fn watch(self: Arc<Self>, cancel: CancellationToken) {
        if self.path.is_none() {
            return;
        }
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(RELOAD_EVERY) => {}
            }
            let me = self.clone();
            let _ = tokio::task::spawn_blocking(move || me.reload()).await;
        }
    }
}

/// A node's TLS identity and trust: its certificate and key, the CAs it
/// trusts, and the revocation list.
pub struct TlsContext {
    code: Code,
    upstream: Option<Code>,
    cas: Vec<TrustedCa>,
    chain: Vec<CertificateDer<'static>>,
    cert_pem: String,
    key_pem: String,
    ca_pems: Vec<String>,
    revocation: Arc<Revocation>,
    fingerprint: String,
    server: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsContext")
            .field("code", &self.code)
            .field("fingerprint", &self.fingerprint)
            .field("cas", &self.cas.iter().map(|c| &c.code).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<String, TlsError> {
    std::fs::read_to_string(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn pem_certs(path: &Path, text: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_path_buf(),
            what: format!("not a PEM certificate file: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.to_path_buf(),
            what: "contains no certificate".into(),
        });
    }
    Ok(certs)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsContext {
    /// Loads and checks the files of node `expected`: its certificate must
    /// name `expected` and come from a trusted CA whose jurisdiction covers it.
    /// `upstream` is the code the node dials (its server certificate must name it).
    pub fn load(
        files: &TlsFiles,
        expected: &Code,
        upstream: Option<&Code>,
    ) -> Result<Arc<TlsContext>, TlsError> {
        let mut cas = Vec::new();
        let mut ca_pems = Vec::new();
        for path in &files.ca_certs {
            let text = read(path)?;
            for der in pem_certs(path, &text)? {
                let CertNames {
                    uris: u, subject, ..
                } = uris(&der)?;
                let code = code_with_prefix(&u, CA_URI)?
                    .ok_or_else(|| TlsError::CaNoCode { path: path.clone() })?;
                cas.push(TrustedCa { code, subject, der });
            }
            ca_pems.push(text);
        }
        if cas.is_empty() {
            return Err(TlsError::Other(
                "[tls] ca_certs is empty: name at least the CA that issued this node's certificate"
                    .into(),
            ));
        }
        let cert_pem = read(&files.cert)?;
        let chain = pem_certs(&files.cert, &cert_pem)?;
        let key_pem = read(&files.key)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| TlsError::Pem {
            path: files.key.clone(),
            what: format!("not a PEM private key: {e}"),
        })?;
        let revocation = Arc::new(Revocation::load(files.revoked.clone())?);
        // Checks that the key matches the certificate.
        let server = build_server_config(&cas, &revocation, &chain, &key)?;
        let ctx = TlsContext {
            server,
            code: expected.clone(),
            upstream: upstream.cloned(),
            cas,
            fingerprint: fingerprint(&chain[0]),
            chain,
            cert_pem,
            key_pem,
            ca_pems,
            revocation,
        };
        let own = ctx.check(&ctx.chain[0])?;
        if &own.code != expected {
            return Err(TlsError::WrongNode {
                expected: expected.clone(),
                found: own.code,
            });
        }
        Ok(Arc::new(ctx))
    }

    /// This node's code.
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// This node's certificate fingerprint.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The revocation list in force.
    pub fn revocation(&self) -> &Arc<Revocation> {
        &self.revocation
    }

    /// Checks what chain verification does not: the node code, the issuing
    /// CA's jurisdiction, and revocation. The chain itself is checked by rustls.
    pub fn check(&self, der: &[u8]) -> Result<PeerIdentity, TlsError> {
        TlsContextRef {
            cas: &self.cas,
            revocation: &self.revocation,
        }
        .check(der)
    }

    /// The server side: TLS 1.3 only, client certificates mandatory and
    /// checked by [`TlsContext::check`].
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server.clone()
    }

    /// A server side for web browsers (the node's web console): the node's
    /// certificate and key, TLS 1.2 and 1.3, no client certificate, HTTP/1.1.
    pub fn browser_server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| TlsError::Other(format!("node key: {e}")))?;
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)?;
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }

    /// The code this node dials, if any.
    pub fn upstream(&self) -> Option<&Code> {
        self.upstream.as_ref()
    }

    /// A tonic client configuration presenting this node's certificate and
    /// trusting its CAs (chain and host name checks only: tools and tests
    /// that speak raw gRPC; the node itself dials with [`Self::dial_config`]).
    pub fn client_config(&self) -> Result<tonic::transport::ClientTlsConfig, TlsError> {
        let upstream = self
            .upstream
            .as_ref()
            .ok_or_else(|| TlsError::Other("this node has no upstream to dial over TLS".into()))?;
        let mut c = tonic::transport::ClientTlsConfig::new()
            .domain_name(dns_name(upstream))
            .identity(tonic::transport::Identity::from_pem(
                &self.cert_pem,
                &self.key_pem,
            ));
        for pem in &self.ca_pems {
            c = c.ca_certificate(tonic::transport::Certificate::from_pem(pem));
        }
        Ok(c)
    }

    /// The client side for dialling the upstream: TLS 1.3, this node's
    /// certificate, and the upstream's certificate checked like a client's
    /// on the serving side — chained to a trusted CA, carrying the DNS name
    /// of the upstream's code, within the issuing CA's jurisdiction and not
    /// on the revocation list (re-read live). Returns the configuration and
    /// the name to ask for.
    pub fn dial_config(
        &self,
    ) -> Result<
        (
            Arc<rustls::ClientConfig>,
            rustls::pki_types::ServerName<'static>,
        ),
        TlsError,
    > {
        let upstream = self
            .upstream
            .as_ref()
            .ok_or_else(|| TlsError::Other("this node has no upstream to dial over TLS".into()))?;
        let mut roots = rustls::RootCertStore::empty();
        for ca in &self.cas {
            roots.add(ca.der.clone())?;
        }
        let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| TlsError::Other(format!("server verifier: {e}")))?;
        let verifier = NodeServerVerifier {
            inner,
            ctx: CheckCtx {
                cas: self.cas.clone(),
                revocation: self.revocation.clone(),
            },
        };
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| TlsError::Other(format!("node key: {e}")))?;
        let mut cfg = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(self.chain.clone(), key)?;
        cfg.alpn_protocols = vec![b"h2".to_vec()];
        let name = rustls::pki_types::ServerName::try_from(dns_name(upstream))
            .map_err(|e| TlsError::Other(format!("upstream name: {e}")))?;
        Ok((Arc::new(cfg), name))
    }
}

/// The dialling side's check of the upstream's certificate: the chain and
/// the host name (the upstream's code) as rustls checks them, then what it
/// does not: the issuing CA's jurisdiction and the revocation list.
#[derive(Debug)]
struct NodeServerVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    ctx: CheckCtx,
}

impl rustls::client::danger::ServerCertVerifier for NodeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        self.ctx.check_peer(end_entity)?;
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn build_server_config(
    cas: &[TrustedCa],
    revocation: &Arc<Revocation>,
    chain: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in cas {
        roots.add(ca.der.clone())?;
    }
    let inner =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| TlsError::Other(format!("client verifier: {e}")))?;
    let verifier = NodeClientVerifier {
        inner,
        ctx: CheckCtx {
            cas: cas.to_vec(),
            revocation: revocation.clone(),
        },
    };
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain.to_vec(), key.clone_key())?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(cfg))
}

/// The subset of a context the verifier needs (shared with the acceptor).
#[derive(Debug, Clone)]
struct CheckCtx {
    cas: Vec<TrustedCa>,
    revocation: Arc<Revocation>,
}

impl CheckCtx {
    /// What the chain check leaves to us (code, jurisdiction, revocation),
    /// as the handshake error a peer's certificate fails with.
    fn check_peer(&self, der: &[u8]) -> Result<(), rustls::Error> {
        let probe = TlsContextRef {
            cas: &self.cas,
            revocation: &self.revocation,
        };
        match probe.check(der) {
            Ok(_) => Ok(()),
            Err(TlsError::Revoked { .. }) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Revoked,
            )),
            Err(e) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(e))),
            )),
        }
    }
}

#[derive(Debug)]
struct NodeClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    ctx: CheckCtx,
}

impl ClientCertVerifier for NodeClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)?;
        self.ctx.check_peer(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

struct TlsContextRef<'a> {
    cas: &'a [TrustedCa],
    revocation: &'a Revocation,
}

impl TlsContextRef<'_> {
    fn check(&self, der: &[u8]) -> Result<PeerIdentity, TlsError> {
        let CertNames {
            uris: u, issuer, ..
        } = uris(der)?;
        let code = code_with_prefix(&u, NODE_URI)?.ok_or(TlsError::NoCode)?;
        let cas: Vec<&TrustedCa> = self.cas.iter().filter(|c| c.subject == issuer).collect();
        if cas.is_empty() {
            return Err(TlsError::UnknownIssuer);
        }
        if !cas.iter().any(|ca| code.is_under(&ca.code)) {
            return Err(TlsError::Jurisdiction {
                code,
                ca: cas[0].code.clone(),
            });
        }
        let fp = fingerprint(der);
        if self.revocation.is_revoked(&fp) {
            return Err(TlsError::Revoked {
                code,
                fingerprint: fp,
            });
        }
        Ok(PeerIdentity {
            code,
            fingerprint: fp,
        })
    }
}

/// Accepts TCP connections on `listener` and completes TLS handshakes off
/// the accept loop (the loop and each handshake are tasks of `node`); yields
/// the established streams until `shutdown`.
/// Refused handshakes are logged, written to the audit trail of `node`'s
/// store and counted in its metrics (`liudong_refused_total{reason="tls_…"}`).
pub fn incoming(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    node: Arc<liudong_sync::Node>,
    shutdown: CancellationToken,
) -> mpsc::Receiver<Result<TlsStream<TcpStream>, std::io::Error>> {
    let (tx, rx) = mpsc::channel(64);
    let acceptor = TlsAcceptor::from(config);
    node.clone().spawn(async move {
        loop {
            let (tcp, addr) = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            let (peer_node, shutdown) = (node.clone(), shutdown.clone());
            node.spawn(async move {
                let node = peer_node;
                let handshake = tokio::select! {
                    // Shutting down: the server accepts no more connections.
                    _ = shutdown.cancelled() => return,
                    r = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => r,
                };
                match handshake {
                    Ok(Ok(stream)) => {
                        let _ = tx.send(Ok(stream)).await;
                    }
                    Ok(Err(e)) => {
                        node.metrics().refused(handshake_refusal(&e));
                        let reason = handshake_reason(&e);
                        let store = node.store().clone();
                        tracing::warn!(addr = %addr, error = %reason, "TLS handshake refused");
                        let entry = liudong_store::audit::AuditEvent::Refused {
                            peer: None,
                            fingerprint: None,
                            addr: Some(addr.to_string()),
                            reason: format!("TLS handshake: {reason}"),
                        };
                        let _ =
                            tokio::task::spawn_blocking(move || store.audit_append(entry)).await;
                    }
                    Err(_) => {
                        tracing::warn!(addr = %addr, "TLS handshake timed out");
                    }
                }
            });
        }
    });
    rx
}

/// The `reason` label of a refused handshake: `tls_revoked` (a certificate
/// on the revocation list), `tls_certificate` (any other certificate this
/// node does not accept: unknown CA, expired, outside the CA's
/// jurisdiction, no node code, none presented), `tls_handshake` (anything
/// else, e.g. plaintext or a TLS version this node does not speak).
fn handshake_refusal(e: &std::io::Error) -> &'static str {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked)) => "tls_revoked",
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) => {
            "tls_certificate"
        }
        _ => "tls_handshake",
    }
}

/// A readable reason for a refused handshake (our own checks' messages
/// rather than rustls' debug form).
fn handshake_reason(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o))) => {
            format!("invalid peer certificate: {}", o.0)
        }
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked)) => {
            "invalid peer certificate: revoked (on the revocation list)".into()
        }
        Some(other) => other.to_string(),
        None => e.to_string(),
    }
}
