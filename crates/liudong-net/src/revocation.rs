//! Revocation: the certificate revocation lists (CRLs) named in `[tls] crls`
//! and the rustls (webpki) verifiers built with them.
//!
//! Each operator CA signs a CRL (`liudong ca revoke`). A node names the CRLs
//! it has (one per trusted CA, or fewer) and both ends of every link check
//! the peer's certificate against them in the handshake: the serving side
//! with [`rustls::server::WebPkiClientVerifier`], the dialling side with
//! [`rustls::client::WebPkiServerVerifier`], each built with the CRLs.
//!
//! Policies:
//! - **Unknown status is allowed.** A certificate of a CA whose CRL this node
//!   does not have is accepted (nodes trust several operators' CAs but may
//!   hold only some CRLs); naming a CA's CRL is what turns on revocation
//!   checking for its certificates.
//! - **End entity only.** Operator CAs are self-signed and issue node
//!   certificates directly, so only the node certificate is looked up.
//! - **`next_update` is not enforced** (rustls' default
//!   `ExpirationPolicy::Ignore`, kept on purpose): files are re-read live, and
//!   a CRL past its `next_update` still revokes what it lists rather than
//!   cutting every link of the CA. Freshness is the operator's distribution
//!   of the file, not a date in it.
//! - **Re-read every [`RELOAD_EVERY`]**, when a file's bytes change. A CRL is
//!   taken only if it parses, names a trusted CA as issuer and its signature
//!   verifies with that CA's key. At start a named file that is missing or
//!   not such a CRL stops the node with the reason.
//! - **Only forward.** One CRL per CA is in force: the one with the highest
//!   CRL number read from any of the files since the node started. While
//!   the node runs, a file that disappears, does not parse or verify, or
//!   holds a CRL with a lower number than the one in force (an old copy) is
//!   logged and changes nothing; nothing but a CRL with a higher number
//!   replaces the one in force.
//! - CRLs are matched to certificates by the issuer's name, as webpki does:
//!   two trusted CAs with the same name (a CA re-created for the same
//!   jurisdiction) cannot both have a CRL in force; don't trust both at once.
//! - New verifiers are built from the CRLs in force and swapped in at once;
//!   handshakes in progress finish with the verifiers they started with.
//!   Subscribers ([`Revocation::subscribe`]) are told of every swap, so live
//!   sessions of a certificate revoked since their handshake are ended
//!   (`server.rs`).

use crate::trust::{RELOAD_EVERY, TlsError, TrustedCa, provider};
use liudong_core::Code;
use liudong_i18n::t;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::danger::ClientCertVerifier;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use x509_parser::num_bigint::BigUint;

/// One CRL taken from a file: whose it is and what it says.
#[derive(Clone, PartialEq, Eq)]
pub struct LoadedCrl {
    /// The jurisdiction of the CA that signed it.
    pub ca: Code,
    /// Its CRL number (0 if it has none).
    pub number: BigUint,
    /// How many certificates it revokes.
    pub revoked: usize,
    issuer: Vec<u8>,
    der: CertificateRevocationListDer<'static>,
}

impl fmt::Debug for LoadedCrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedCrl")
            .field("ca", &self.ca.to_string())
            .field("number", &self.number.to_string())
            .field("revoked", &self.revoked)
            .finish()
    }
}

/// The verifiers in force, built with the CRLs in force.
pub(crate) struct Verifiers {
    pub(crate) client: Arc<dyn ClientCertVerifier>,
    pub(crate) server: Arc<rustls::client::WebPkiServerVerifier>,
}

/// What was last read from the CRL files, and the CRLs in force.
struct State {
    /// Each file's bytes as last read (`None`: not readable then).
    bytes: Vec<Option<Vec<u8>>>,
    /// One CRL per issuer: the highest CRL number read.
    in_force: Vec<LoadedCrl>,
}

impl State {
    /// Takes `crl` if it is the first of its CA or newer than the one in
    /// force; returns whether it did.
    fn take(&mut self, path: &Path, crl: LoadedCrl) -> bool {
        match self.in_force.iter_mut().find(|c| c.issuer == crl.issuer) {
            None => {
                self.in_force.push(crl);
                true
            }
            Some(cur) if crl.number > cur.number => {
                *cur = crl;
                true
            }
            Some(cur) if crl.number < cur.number => {
                tracing::error!(path = %path.display(), ca = %crl.ca, number = %crl.number, in_force = %cur.number, "certificate revocation list is older than the one in force (lower CRL number); the one in force stays");
                false
            }
            Some(cur) => {
                if crl.der != cur.der {
                    tracing::error!(path = %path.display(), ca = %crl.ca, number = %crl.number, "certificate revocation list differs from the one in force but has the same CRL number; the one in force stays");
                }
                false
            }
        }
    }

    fn ders(&self) -> Vec<CertificateRevocationListDer<'static>> {
        self.in_force.iter().map(|c| c.der.clone()).collect()
    }
}

/// The CRLs a node checks peers against, reloaded from their files, and the
/// verifiers built with them.
pub struct Revocation {
    files: Vec<PathBuf>,
    cas: Vec<TrustedCa>,
    roots: Arc<rustls::RootCertStore>,
    current: RwLock<Arc<Verifiers>>,
    state: Mutex<State>,
    /// Bumped on every swap of the verifiers.
    version: watch::Sender<u64>,
}

impl fmt::Debug for Revocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revocation")
            .field("files", &self.files)
            .field("crls", &self.in_force())
            .finish()
    }
}

fn crl_error(path: &Path, what: impl Into<String>) -> TlsError {
    TlsError::Crl {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

/// The CRLs in a file (PEM `X509 CRL` blocks, or one DER CRL), each
/// checked: parsed by rustls, issued and signed by one of `cas`.
pub(crate) fn parse_crl_file(
    path: &Path,
    bytes: &[u8],
    cas: &[TrustedCa],
) -> Result<Vec<LoadedCrl>, TlsError> {
    let ders: Vec<CertificateRevocationListDer<'static>> =
        if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            CertificateRevocationListDer::pem_slice_iter(bytes)
                .collect::<Result<_, _>>()
                .map_err(|e| crl_error(path, t!("net-crl-not-pem", error = e.to_string())))?
        } else {
            vec![CertificateRevocationListDer::from(bytes.to_vec())]
        };
    if ders.is_empty() {
        return Err(crl_error(path, t!("net-crl-none")));
    }
    ders.into_iter()
        .map(|der| check_crl(path, der, cas))
        .collect()
}

fn check_crl(
    path: &Path,
    der: CertificateRevocationListDer<'static>,
    cas: &[TrustedCa],
) -> Result<LoadedCrl, TlsError> {
    use x509_parser::prelude::*;
    let (_, crl) = CertificateRevocationList::from_der(der.as_ref())
        .map_err(|e| crl_error(path, t!("net-crl-parse", error = e.to_string())))?;
    let issuer = crl.issuer().as_raw().to_vec();
    let named: Vec<&TrustedCa> = cas.iter().filter(|c| c.subject == issuer).collect();
    if named.is_empty() {
        return Err(crl_error(
            path,
            t!(
                "net-crl-untrusted-issuer",
                issuer = crl.issuer().to_string()
            ),
        ));
    }
    let signer = named.iter().find(|ca| {
        X509Certificate::from_der(ca.der.as_ref())
            .is_ok_and(|(_, cert)| crl.verify_signature(cert.public_key()).is_ok())
    });
    let Some(signer) = signer else {
        return Err(crl_error(
            path,
            t!("net-crl-signature", ca = named[0].code.to_string()),
        ));
    };
    // What rustls itself will make of it (e.g. unsupported critical extensions).
    rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots(std::slice::from_ref(*signer))),
        provider(),
    )
    .with_crls([der.clone()])
    .build()
    .map_err(|e| crl_error(path, t!("net-crl-unusable", error = e.to_string())))?;
    Ok(LoadedCrl {
        ca: signer.code.clone(),
        number: crl.crl_number().cloned().unwrap_or_default(),
        revoked: crl.iter_revoked_certificates().count(),
        issuer,
        der,
    })
}

fn roots(cas: &[TrustedCa]) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    for ca in cas {
        // Checked when the CAs were loaded (a CA rustls refuses fails there).
        let _ = roots.add(ca.der.clone());
    }
    roots
}

/// The verifiers for `crls`: chain, validity and revocation of the end
/// entity, unknown status allowed, `next_update` not enforced.
fn build(
    roots: &Arc<rustls::RootCertStore>,
    crls: Vec<CertificateRevocationListDer<'static>>,
) -> Result<Verifiers, TlsError> {
    let client =
        rustls::server::WebPkiClientVerifier::builder_with_provider(roots.clone(), provider())
            .with_crls(crls.clone())
            .only_check_end_entity_revocation()
            .allow_unknown_revocation_status()
            .build()
            .map_err(|e| TlsError::Other(format!("client verifier: {e}")))?;
    let server =
        rustls::client::WebPkiServerVerifier::builder_with_provider(roots.clone(), provider())
            .with_crls(crls)
            .only_check_end_entity_revocation()
            .allow_unknown_revocation_status()
            .build()
            .map_err(|e| TlsError::Other(format!("server verifier: {e}")))?;
    Ok(Verifiers { client, server })
}

impl Revocation {
    /// Loads the CRL files `files` for the trusted `cas`; a file that is
    /// missing or not a CRL of one of them is refused with the reason.
    pub(crate) fn load(files: &[PathBuf], cas: &[TrustedCa]) -> Result<Revocation, TlsError> {
        let roots = Arc::new(roots(cas));
        let mut state = State {
            bytes: Vec::new(),
            in_force: Vec::new(),
        };
        for path in files {
            let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.clone(),
                source,
            })?;
            for crl in parse_crl_file(path, &bytes, cas)? {
                tracing::info!(path = %path.display(), ca = %crl.ca, number = %crl.number, revoked = crl.revoked, "certificate revocation list loaded");
                state.take(path, crl);
            }
            state.bytes.push(Some(bytes));
        }
        let current = build(&roots, state.ders())?;
        Ok(Revocation {
            files: files.to_vec(),
            cas: cas.to_vec(),
            roots,
            current: RwLock::new(Arc::new(current)),
            state: Mutex::new(state),
            version: watch::channel(0).0,
        })
    }

    /// The verifiers in force.
    pub(crate) fn verifiers(&self) -> Arc<Verifiers> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// True if the CRLs in force revoke `end_entity` (issued directly by a
    /// trusted CA, or through `intermediates`), as the handshake would find.
    pub fn is_revoked(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
    ) -> bool {
        matches!(
            self.verifiers()
                .client
                .verify_client_cert(end_entity, intermediates, UnixTime::now()),
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Revoked
            ))
        )
    }

    /// The CRLs in force, one per CA that has one.
    pub fn in_force(&self) -> Vec<LoadedCrl> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_force
            .clone()
    }

    /// Notified whenever the verifiers are swapped (the CRLs in force changed).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Re-reads the CRL files; returns true if the CRLs in force changed.
    /// A file that cannot be read, parsed or verified, or that holds an
    /// older CRL than the one in force, changes nothing (and is logged once
    /// per change of the file).
    pub fn reload(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut changed = false;
        for (i, path) in self.files.iter().enumerate() {
            let bytes = match std::fs::read(path) {
                Ok(b) => Some(b),
                Err(e) => {
                    if state.bytes[i].is_some() {
                        tracing::error!(path = %path.display(), error = %e, "certificate revocation list not readable; the one in force stays");
                    }
                    None
                }
            };
            if bytes == state.bytes[i] {
                continue;
            }
            state.bytes[i] = bytes.clone();
            let Some(bytes) = bytes else { continue };
            match parse_crl_file(path, &bytes, &self.cas) {
                Ok(crls) => {
                    for crl in crls {
                        let (ca, number, revoked) =
                            (crl.ca.clone(), crl.number.clone(), crl.revoked);
                        if state.take(path, crl) {
                            tracing::info!(path = %path.display(), ca = %ca, number = %number, revoked, "certificate revocation list reloaded");
                            changed = true;
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "certificate revocation list not reloaded; the one in force stays");
                }
            }
        }
        if !changed {
            return false;
        }
        match build(&self.roots, state.ders()) {
            Ok(v) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(v);
            }
            Err(e) => {
                // Each CRL was accepted on its own: not expected.
                tracing::error!(error = %e, "verifiers not rebuilt; the previous ones stay in force");
                return false;
            }
        }
        drop(state);
        self.version.send_modify(|v| *v += 1);
        true
    }

    /// Re-reads the CRL files every [`RELOAD_EVERY`] until `cancel`.
    pub async fn watch(self: Arc<Self>, cancel: CancellationToken) {
        if self.files.is_empty() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::{CA_URI, NODE_URI};
    use rcgen::{
        BasicConstraints, CertificateParams, CertificateRevocationListParams, IsCa, Issuer,
        KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SanType, SerialNumber,
    };
    use time::{Duration, OffsetDateTime};

    struct TestCa {
        trusted: TrustedCa,
        cert_pem: String,
        key: KeyPair,
    }

    fn ca(code: &str) -> TestCa {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, format!("Test CA {code}"));
        p.subject_alt_names = vec![SanType::URI(format!("{CA_URI}{code}").try_into().unwrap())];
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = p.self_signed(&key).unwrap();
        let der = cert.der().clone();
        let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
        TestCa {
            trusted: TrustedCa {
                code: Code::parse(code).unwrap(),
                subject: parsed.subject().as_raw().to_vec(),
                der,
            },
            cert_pem: cert.pem(),
            key,
        }
    }

    impl TestCa {
        fn issuer(&self) -> Issuer<'_, &KeyPair> {
            Issuer::from_ca_cert_pem(&self.cert_pem, &self.key).unwrap()
        }

        /// A node certificate with serial `serial`.
        fn node(&self, code: &str, serial: u64) -> CertificateDer<'static> {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.subject_alt_names = vec![SanType::URI(
                format!("{NODE_URI}{code}").try_into().unwrap(),
            )];
            p.extended_key_usages = vec![
                rcgen::ExtendedKeyUsagePurpose::ServerAuth,
                rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            ];
            p.serial_number = Some(SerialNumber::from(serial));
            p.signed_by(&key, &self.issuer()).unwrap().der().clone()
        }

        /// A CRL numbered `number` revoking `serials` (PEM).
        fn crl(&self, number: u64, serials: &[u64], next_update_days: i64) -> String {
            let now = OffsetDateTime::now_utc();
            CertificateRevocationListParams {
                this_update: now - Duration::days(400),
                next_update: now - Duration::days(400) + Duration::days(next_update_days),
                crl_number: SerialNumber::from(number),
                issuing_distribution_point: None,
                revoked_certs: serials
                    .iter()
                    .map(|s| RevokedCertParams {
                        serial_number: SerialNumber::from(*s),
                        revocation_time: now - Duration::days(1),
                        reason_code: None,
                        invalidity_date: None,
                    })
                    .collect(),
                key_identifier_method: KeyIdMethod::Sha256,
            }
            .signed_by(&self.issuer())
            .unwrap()
            .pem()
            .unwrap()
        }
    }

    fn verdict(r: &Revocation, cert: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        r.verifiers()
            .client
            .verify_client_cert(cert, &[], UnixTime::now())
            .map(|_| ())
    }

    #[test]
    fn a_crl_revokes_on_both_verifiers_and_a_ca_without_one_is_not_checked() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (ca("410602"), ca("440306"));
        let (town, village_b) = (a.node("410602100", 7), b.node("440306018", 7));
        let path = t.path().join("crl-a.pem");
        std::fs::write(&path, a.crl(1, &[], 3650)).unwrap();
        let r = Revocation::load(
            std::slice::from_ref(&path),
            &[a.trusted.clone(), b.trusted.clone()],
        )
        .unwrap();
        assert!(!r.is_revoked(&town, &[]));
        verdict(&r, &town).unwrap();
        let changes = r.subscribe();

        // Revoked on the CRL (whose next_update is long past: not enforced).
        std::fs::write(&path, a.crl(2, &[7], 30)).unwrap();
        assert!(r.reload());
        assert!(changes.has_changed().unwrap());
        assert!(r.is_revoked(&town, &[]));
        assert_eq!(
            verdict(&r, &town),
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Revoked
            ))
        );
        use rustls::client::danger::ServerCertVerifier;
        let name = rustls::pki_types::ServerName::try_from("410602100.node.liudong").unwrap();
        let server =
            r.verifiers()
                .server
                .verify_server_cert(&town, &[], &name, &[], UnixTime::now());
        assert!(
            matches!(
                server,
                Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::Revoked
                ))
            ),
            "{server:?}"
        );
        // Same serial, other CA, whose CRL this node does not have: unknown
        // status is allowed.
        assert!(!r.is_revoked(&village_b, &[]));
        verdict(&r, &village_b).unwrap();
        assert_eq!(r.in_force().len(), 1);
        assert_eq!(r.in_force()[0].revoked, 1);
        // Unchanged file: nothing to do.
        assert!(!r.reload());
    }

    #[test]
    fn a_bad_missing_or_older_crl_leaves_the_one_in_force() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (ca("410602"), ca("440306"));
        let town = a.node("410602100", 9);
        let path = t.path().join("crl.pem");
        std::fs::write(&path, a.crl(5, &[9], 3650)).unwrap();
        let cas = [a.trusted.clone(), b.trusted.clone()];
        let r = Revocation::load(std::slice::from_ref(&path), &cas).unwrap();
        assert!(r.is_revoked(&town, &[]));
        let still = |r: &Revocation| {
            assert!(!r.reload());
            assert!(r.is_revoked(&town, &[]));
            assert_eq!(r.in_force()[0].number, BigUint::from(5u32));
        };
        std::fs::write(&path, "garbage").unwrap();
        still(&r);
        std::fs::remove_file(&path).unwrap();
        still(&r);
        // An older copy (lower number) without the entry.
        std::fs::write(&path, a.crl(4, &[], 3650)).unwrap();
        still(&r);
        // Another CA's CRL in the file: taken for that CA, A's stays.
        std::fs::write(&path, b.crl(1, &[], 3650)).unwrap();
        assert!(r.reload());
        assert!(r.is_revoked(&town, &[]));
        assert_eq!(r.in_force().len(), 2);
        // A newer one of A replaces it (and can list nothing).
        std::fs::write(&path, a.crl(6, &[], 3650)).unwrap();
        assert!(r.reload());
        assert!(!r.is_revoked(&town, &[]));
    }

    #[test]
    fn at_start_a_named_crl_must_exist_and_be_a_trusted_cas() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (ca("410602"), ca("440306"));
        let path = t.path().join("crl.pem");
        let load = |cas: &[TrustedCa]| {
            Revocation::load(std::slice::from_ref(&path), cas)
                .unwrap_err()
                .to_string()
        };
        let e = load(std::slice::from_ref(&a.trusted));
        assert!(e.contains("无法读取") && e.contains("crl.pem"), "{e}");
        std::fs::write(&path, &a.cert_pem).unwrap();
        let e = load(std::slice::from_ref(&a.trusted));
        assert!(e.contains("不含证书吊销列表"), "{e}");
        std::fs::write(&path, b.crl(1, &[], 3650)).unwrap();
        let e = load(std::slice::from_ref(&a.trusted));
        assert!(e.contains("不是 [tls] ca_certs 中的 CA"), "{e}");
        // A trusted CA of B's name but another key: the signature does not verify.
        let e = load(&[TrustedCa {
            subject: b.trusted.subject.clone(),
            ..a.trusted.clone()
        }]);
        assert!(e.contains("签名校验失败"), "{e}");
        // DER is read as well as PEM.
        let text = a.crl(1, &[], 3650);
        let der = CertificateRevocationListDer::from_pem_slice(text.as_bytes()).unwrap();
        std::fs::write(&path, der.as_ref()).unwrap();
        Revocation::load(
            std::slice::from_ref(&path),
            std::slice::from_ref(&a.trusted),
        )
        .unwrap();
    }
}
