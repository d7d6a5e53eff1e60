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
//!   and it is not on its CA's certificate revocation list (CRL).
//! - The dialling side checks the upstream's certificate the same way (plus
//!   its DNS name), against the same CRLs.
//! - The CRLs (`[tls] crls`) are re-read every [`RELOAD_EVERY`] and the
//!   verifiers swapped ([`crate::revocation`]); sessions of a certificate
//!   that becomes revoked are ended (see `server.rs`).

use liudong_core::Code;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

pub use crate::revocation::{LoadedCrl, Revocation};
pub use crate::trust::{CA_URI, HANDSHAKE_TIMEOUT, NODE_URI, RELOAD_EVERY, TlsError, dns_name};
pub(crate) use crate::trust::{TrustedCa, provider};

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
    /// Certificate revocation lists (PEM or DER), one per trusted CA whose
    /// CRL this node has; certificates of a CA without one here are not
    /// checked for revocation.
    pub crls: Vec<PathBuf>,
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
pub(crate) struct CertNames {
    pub(crate) uris: Vec<String>,
    pub(crate) issuer: Vec<u8>,
    pub(crate) subject: Vec<u8>,
}

pub(crate) fn uris(der: &[u8]) -> Result<CertNames, TlsError> {
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

pub(crate) fn code_with_prefix(uris: &[String], prefix: &str) -> Result<Option<Code>, TlsError> {
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

/// A node's TLS identity and trust: its certificate and key, the CAs it
/// trusts, and the certificate revocation lists.
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

pub(crate) fn read(path: &Path) -> Result<String, TlsError> {
    std::fs::read_to_string(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

pub(crate) fn pem_certs(path: &Path, text: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
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

/// The CA certificates of PEM file `path` (each must name its jurisdiction,
/// as `liudong ca init` makes them), and the file's text.
pub(crate) fn read_cas(path: &std::path::Path) -> Result<(String, Vec<TrustedCa>), TlsError> {
    let text = read(path)?;
    let mut out = Vec::new();
    for der in pem_certs(path, &text)? {
        let CertNames {
            uris: u, subject, ..
        } = uris(&der)?;
        let code = code_with_prefix(&u, CA_URI)?.ok_or_else(|| TlsError::CaNoCode {
            path: path.to_path_buf(),
        })?;
        out.push(TrustedCa { code, subject, der });
    }
    Ok((text, out))
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
            let (text, found) = read_cas(path)?;
            cas.extend(found);
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
        if files.crls.is_empty() {
            tracing::warn!(
                "[tls] crls is empty: peers' certificates are not checked for revocation"
            );
        }
        let revocation = Arc::new(Revocation::load(&files.crls, &cas)?);
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

    /// The certificate revocation lists in force (re-read by its `watch`).
    pub fn revocation(&self) -> &Arc<Revocation> {
        &self.revocation
    }

    /// Checks a peer certificate (already chain-verified in the handshake)
    /// now: the node code, the issuing CA's jurisdiction, and the CRLs in
    /// force (which may have changed since the handshake).
    pub fn check(&self, der: &[u8]) -> Result<PeerIdentity, TlsError> {
        let id = identity(&self.cas, der)?;
        if self.is_revoked(der) {
            return Err(TlsError::Revoked {
                code: id.code,
                fingerprint: id.fingerprint,
            });
        }
        Ok(id)
    }

    /// True if the CRLs in force revoke the certificate `der` (issued by a
    /// trusted CA), as a handshake now would find.
    pub fn is_revoked(&self, der: &[u8]) -> bool {
        self.revocation.is_revoked(&CertificateDer::from(der), &[])
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

    /// This node's certificate (DER) and private key (PEM), for signing
    /// its key announcements (see `keytrust.rs`).
    pub(crate) fn identity_parts(&self) -> (&CertificateDer<'static>, &str) {
        (&self.chain[0], &self.key_pem)
    }

    /// The CAs this node trusts for peers.
    pub(crate) fn trusted_cas(&self) -> &[TrustedCa] {
        &self.cas
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
    /// on its CA's CRL (re-read live). Returns the configuration and the
    /// name to ask for.
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
        let mut cfg = self.client_config_checking(None)?;
        cfg.alpn_protocols = vec![b"h2".to_vec()];
        let name = rustls::pki_types::ServerName::try_from(dns_name(upstream))
            .map_err(|e| TlsError::Other(format!("upstream name: {e}")))?;
        Ok((Arc::new(cfg), name))
    }
}

impl TlsContext {
    /// A client side for dialling any server of a trusted operator (the
    /// exchange's JetStream servers): TLS 1.3, this node's certificate, and
    /// the server's certificate checked as [`Self::dial_config`] checks the
    /// upstream's — chained to a trusted CA, carrying the name dialled,
    /// naming a node code within the issuing CA's jurisdiction, not on its
    /// CA's CRL (re-read live) — and naming exactly `server_code` (the
    /// name dialled is a host name or address, not the code). No ALPN.
    pub fn peer_client_config(&self, server_code: &Code) -> Result<rustls::ClientConfig, TlsError> {
        self.client_config_checking(Some(server_code))
    }

    fn client_config_checking(
        &self,
        server_code: Option<&Code>,
    ) -> Result<rustls::ClientConfig, TlsError> {
        let verifier = NodeServerVerifier {
            revocation: self.revocation.clone(),
            cas: self.cas.clone(),
            expect: server_code.cloned(),
        };
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| TlsError::Other(format!("node key: {e}")))?;
        Ok(rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(self.chain.clone(), key)?)
    }
}

/// The dialling side's check of the upstream's certificate: the chain, the
/// host name (the upstream's code) and the CRLs as rustls' webpki verifier
/// in force checks them, then what it does not: the node code and the
/// issuing CA's jurisdiction.
#[derive(Debug)]
struct NodeServerVerifier {
    revocation: Arc<Revocation>,
    cas: Vec<TrustedCa>,
    /// The code the server's certificate must name, when the name dialled
    /// does not say it.
    expect: Option<Code>,
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
        self.revocation.verifiers().server.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        check_peer(&self.cas, end_entity)?;
        if let Some(expected) = &self.expect {
            let found = cert_code(end_entity).map_err(other_certificate_error)?;
            if &found != expected {
                return Err(other_certificate_error(TlsError::WrongNode {
                    expected: expected.clone(),
                    found,
                }));
            }
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.revocation
            .verifiers()
            .server
            .verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.revocation
            .verifiers()
            .server
            .verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.revocation
            .verifiers()
            .server
            .supported_verify_schemes()
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
    let verifier = NodeClientVerifier {
        hints: roots.subjects(),
        revocation: revocation.clone(),
        cas: cas.to_vec(),
    };
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain.to_vec(), key.clone_key())?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(cfg))
}

/// What the webpki verifier leaves to us (node code, jurisdiction), as the
/// handshake error a peer's certificate fails with.
fn check_peer(cas: &[TrustedCa], der: &[u8]) -> Result<(), rustls::Error> {
    identity(cas, der)
        .map(|_| ())
        .map_err(other_certificate_error)
}

fn other_certificate_error(e: TlsError) -> rustls::Error {
    rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
        Arc::new(e),
    )))
}

/// The serving side's check of a client certificate: the chain, validity
/// and the CRLs as rustls' webpki verifier in force checks them (swapped
/// when the CRLs change), then the node code and the issuing CA's
/// jurisdiction.
#[derive(Debug)]
struct NodeClientVerifier {
    /// The trusted CAs' names (they do not change with the CRLs).
    hints: Vec<DistinguishedName>,
    revocation: Arc<Revocation>,
    cas: Vec<TrustedCa>,
}

impl ClientCertVerifier for NodeClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.revocation
            .verifiers()
            .client
            .verify_client_cert(end_entity, intermediates, now)?;
        check_peer(&self.cas, end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.revocation
            .verifiers()
            .client
            .verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.revocation
            .verifiers()
            .client
            .verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.revocation
            .verifiers()
            .client
            .supported_verify_schemes()
    }
}

/// The identity a certificate proves given the trusted CAs: its one node
/// code, which must lie in the jurisdiction of the CA that issued it.
pub(crate) fn identity(cas: &[TrustedCa], der: &[u8]) -> Result<PeerIdentity, TlsError> {
    let CertNames {
        uris: u, issuer, ..
    } = uris(der)?;
    let code = code_with_prefix(&u, NODE_URI)?.ok_or(TlsError::NoCode)?;
    let cas: Vec<&TrustedCa> = cas.iter().filter(|c| c.subject == issuer).collect();
    if cas.is_empty() {
        return Err(TlsError::UnknownIssuer);
    }
    if !cas.iter().any(|ca| code.is_under(&ca.code)) {
        return Err(TlsError::Jurisdiction {
            code,
            ca: cas[0].code.clone(),
        });
    }
    Ok(PeerIdentity {
        code,
        fingerprint: fingerprint(der),
    })
}

/// Accepts TCP connections on `listener` and completes TLS handshakes off
/// the accept loop (the loop and each handshake are tasks of `node`); yields
/// the established streams until `shutdown`.
///
/// A connection has [`HANDSHAKE_TIMEOUT`] from its acceptance to complete
/// the handshake and begin HTTP/2 ([`Http2By`]); one that does not is
/// closed. Refused handshakes are logged, written to the audit trail of
/// `node`'s store and counted in its metrics (`liudong_refused_total{reason="tls_…"}`).
/// A connection that sends nothing at all before it closes or times out (a
/// bare TCP probe, e.g. a port check) is no refusal: it is logged at debug
/// level only.
pub fn incoming(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    node: Arc<liudong_sync::Node>,
    shutdown: CancellationToken,
) -> mpsc::Receiver<Result<Http2By<TlsStream<TcpStream>>, std::io::Error>> {
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
                let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
                // Nothing sent before the connection closed, failed or timed
                // out: a probe, not a TLS client.
                let mut first = [0u8; 1];
                let sent = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    r = tokio::time::timeout_at(deadline, tcp.peek(&mut first)) => r,
                };
                match sent {
                    Ok(Ok(n)) if n > 0 => {}
                    Ok(Ok(_)) | Ok(Err(_)) => {
                        tracing::debug!(addr = %addr, "connection closed before sending anything (a probe)");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(addr = %addr, "connection sent nothing within the handshake timeout; closed");
                        return;
                    }
                }
                let accept = acceptor.accept(tcp).into_fallible();
                let handshake = tokio::select! {
                    // Shutting down: the server accepts no more connections.
                    _ = shutdown.cancelled() => return,
                    r = tokio::time::timeout_at(deadline, accept) => r,
                };
                match handshake {
                    Ok(Ok(stream)) => {
                        let _ = tx.send(Ok(Http2By::new(stream, deadline))).await;
                    }
                    Ok(Err((e, tcp))) => {
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
                        linger(tcp).await;
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

/// A served connection that must begin its protocol by a deadline: until
/// the first bytes arrive, a read still waiting at the deadline fails with
/// `TimedOut`, and the server closes the connection. On the sync port this
/// closes a connection that completed TLS but never sent the HTTP/2
/// preface within the handshake timeout (it would otherwise hold a task and
/// a socket for as long as the peer likes).
pub struct Http2By<S> {
    inner: S,
    /// `None` once bytes have arrived.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Http2By<S> {
    pub fn new(inner: S, deadline: tokio::time::Instant) -> Http2By<S> {
        Http2By {
            inner,
            deadline: Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Http2By<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.deadline = None;
                }
                Poll::Ready(r)
            }
            Poll::Pending => {
                let late = match &mut self.deadline {
                    Some(d) => d.as_mut().poll(cx).is_ready(),
                    None => false,
                };
                if late {
                    Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no HTTP/2 within the handshake timeout after TLS",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

crate::forward::forward_async_write!(Http2By);

/// The peer's identity and address are those of the wrapped stream.
impl<S: tonic::transport::server::Connected> tonic::transport::server::Connected for Http2By<S> {
    type ConnectInfo = S::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

/// After a refused handshake (its alert sent): closes the sending side and
/// reads what the peer still sends until it closes, for at most a second.
/// Closing a socket with unread data resets the connection, and the reset
/// can reach the peer before the alert it should read (with TLS 1.3 the
/// client has already sent its first request): it would see "connection
/// closed" instead of, e.g., "certificate revoked".
async fn linger(mut tcp: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tcp.shutdown().await;
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(n) = tcp.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// The `reason` label of a refused handshake: `tls_revoked` (a certificate
/// on its CA's certificate revocation list), `tls_clock` (a certificate not
/// valid yet by this node's clock: a clock is wrong), `tls_certificate` (any
/// other certificate this node does not accept: unknown CA, expired,
/// outside the CA's jurisdiction, no node code, none presented),
/// `tls_handshake` (anything else, e.g. plaintext or a TLS version this node
/// does not speak).
fn handshake_refusal(e: &std::io::Error) -> &'static str {
    use rustls::CertificateError::{NotValidYet, NotValidYetContext};
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked)) => "tls_revoked",
        Some(rustls::Error::InvalidCertificate(NotValidYet | NotValidYetContext { .. })) => {
            "tls_clock"
        }
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) => {
            "tls_certificate"
        }
        _ => "tls_handshake",
    }
}

/// For a certificate not valid yet by this node's clock: the reason, said
/// as the clock problem it is (one of the clocks is wrong; the certificate
/// is neither expired nor untrusted).
pub fn not_yet_valid(e: &rustls::CertificateError) -> Option<String> {
    use liudong_sync::time_cst;
    match e {
        rustls::CertificateError::NotValidYetContext { time, not_before } => {
            Some(liudong_i18n::t!(
                "tls-peer-not-yet-valid",
                from = time_cst(not_before.as_secs() * 1000),
                now = time_cst(time.as_secs() * 1000)
            ))
        }
        rustls::CertificateError::NotValidYet => Some(liudong_i18n::t!(
            "tls-peer-not-yet-valid",
            from = "?",
            now = time_cst(liudong_sync::system_clock()())
        )),
        _ => None,
    }
}

/// A readable reason for a refused handshake (our own checks' messages
/// rather than rustls' debug form).
fn handshake_reason(e: &std::io::Error) -> String {
    let tls_error = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    if let Some(rustls::Error::InvalidCertificate(c)) = tls_error
        && let Some(reason) = not_yet_valid(c)
    {
        return reason;
    }
    match tls_error {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o))) => {
            format!("invalid peer certificate: {}", o.0)
        }
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked)) => {
            "invalid peer certificate: certificate revoked (on its CA's certificate revocation list)"
                .into()
        }
        Some(other) => other.to_string(),
        None => e.to_string(),
    }
}
