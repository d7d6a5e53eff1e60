//! The operator's certificate authority: creating a CA, issuing node
//! certificates, revoking them (`liudong ca init | issue | revoke`).
//!
//! A CA belongs to one hub operator and names its jurisdiction (URI SAN
//! `liudong:ca:<code>`, e.g. a county's `410602`); it issues certificates only
//! for codes under that jurisdiction, and nodes refuse any certificate that a
//! CA issued outside it. Private keys are written with mode 0600 and never
//! overwritten.
//!
//! Each CA keeps a certificate revocation list (CRL, [`CRL`] beside
//! [`CA_CERT`]) that it signs: `ca init` writes an empty one, `ca revoke` adds
//! a certificate's serial number (with the time and, where the operator's
//! reason names one, the RFC 5280 reason code) and re-signs it with the next
//! CRL number, replacing the file atomically. The CRL file itself is the
//! record of what the CA revoked. Its `next_update` is [`CRL_DAYS`] after
//! `this_update`: nodes re-read the file live and do not enforce
//! `next_update` (see `liudong_net::revocation`), so it is no refresh
//! deadline.
//!
//! Serial numbers of issued certificates are 16 random bytes (positive),
//! set here: rcgen's default serial is a hash of the public key, which a
//! reissue with the same key would repeat, and a CRL names serials.

use crate::error::{OpsError, io};
use liudong_core::Code;
use liudong_i18n::t;
use liudong_net::tls::{CA_URI, NODE_URI, TlsError, dns_name, fingerprint};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SanType, SerialNumber,
};
use ring::rand::SecureRandom;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// File names inside a CA directory and a node's certificate directory.
pub const CA_CERT: &str = "ca.crt";
pub const CA_KEY: &str = "ca.key";
pub const NODE_CERT: &str = "node.crt";
pub const NODE_KEY: &str = "node.key";
/// The CA's certificate revocation list (PEM), beside its certificate; a
/// node that keeps a copy keeps it under the same name in `tls/`.
pub const CRL: &str = "crl.pem";

/// Default validity of a CA certificate.
pub const CA_DAYS: i64 = 3650;
/// Default validity of a node certificate.
pub const NODE_DAYS: i64 = 825;
/// `next_update` of a CRL, in days after its `this_update` (not enforced by
/// nodes; see the module documentation).
pub const CRL_DAYS: i64 = 3650;

/// A CA loaded from its directory.
pub struct Ca {
    pub code: Code,
    pub cert_pem: String,
    key: KeyPair,
    dir: PathBuf,
}

fn write_file(path: &Path, data: &str, private: bool) -> Result<(), OpsError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts.open(path).map_err(io("write", path))?;
    f.write_all(data.as_bytes()).map_err(io("write", path))?;
    f.sync_all().map_err(io("write", path))
}

/// Replaces `path` by a file holding `data` (mode 0644) so that a reader
/// sees the old or the new contents, never part of them: written beside it
/// as `<name>.tmp`, synced, renamed over it.
fn replace_file(path: &Path, data: &str) -> Result<(), OpsError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!("{name}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    write_file(&tmp, data, false)?;
    std::fs::rename(&tmp, path).map_err(io("write", path))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        // The rename itself survives a crash once the directory is synced.
        let _ = d.sync_all();
    }
    Ok(())
}

fn serial() -> Result<SerialNumber, OpsError> {
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| OpsError::Random)?;
    b[0] &= 0x7f; // positive
    Ok(SerialNumber::from_slice(&b))
}

fn ia5(s: String) -> Result<rcgen::string::Ia5String, OpsError> {
    Ok(rcgen::string::Ia5String::try_from(s)?)
}

/// The current time, whole seconds (what a certificate or CRL can carry).
fn now_s() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// Creates a CA for jurisdiction `code` in `dir` (`ca.crt`, `ca.key` 0600,
/// and an empty CRL `crl.pem`). Refuses to overwrite an existing CA.
pub fn ca_init(code: &Code, dir: &Path) -> Result<Ca, OpsError> {
    std::fs::create_dir_all(dir).map_err(io("write", dir))?;
    if dir.join(CA_KEY).exists() {
        return Err(OpsError::Exists {
            path: dir.join(CA_KEY),
            hint: "ops-exists-ca",
        });
    }
    let key = KeyPair::generate()?;
    let mut p = CertificateParams::default();
    p.distinguished_name
        .push(DnType::CommonName, format!("Liudong CA {code}"));
    p.distinguished_name
        .push(DnType::OrganizationName, "Liudong");
    p.subject_alt_names = vec![SanType::URI(ia5(format!("{CA_URI}{code}"))?)];
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    p.not_before = now - Duration::hours(1);
    p.not_after = now + Duration::days(CA_DAYS);
    p.serial_number = Some(serial()?);
    let cert = p.self_signed(&key)?;
    write_file(&dir.join(CA_KEY), &key.serialize_pem(), true)?;
    write_file(&dir.join(CA_CERT), &cert.pem(), false)?;
    let ca = Ca {
        code: code.clone(),
        cert_pem: cert.pem(),
        key,
        dir: dir.to_path_buf(),
    };
    replace_file(&ca.crl_path(), &ca.sign_crl(1, &[])?)?;
    Ok(ca)
}

/// Loads the CA in `dir`.
pub fn ca_load(dir: &Path) -> Result<Ca, OpsError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|source| TlsError::Read { path, source })
    };
    let cert_pem = read(CA_CERT)?;
    let key = KeyPair::from_pem(&read(CA_KEY)?)?;
    let der = pem_der(&cert_pem).ok_or_else(|| TlsError::Pem {
        path: dir.join(CA_CERT),
        what: t!("ops-not-pem-certificate"),
    })?;
    let code = ca_code(&der).ok_or_else(|| TlsError::CaNoCode {
        path: dir.join(CA_CERT),
    })?;
    Ok(Ca {
        code,
        cert_pem,
        key,
        dir: dir.to_path_buf(),
    })
}

fn pem_der(pem: &str) -> Option<Vec<u8>> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|c| c.to_vec())
}

fn ca_code(der: &[u8]) -> Option<Code> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let san = cert.subject_alternative_name().ok()??;
    san.value.general_names.iter().find_map(|n| match n {
        GeneralName::URI(u) => u.strip_prefix(CA_URI).and_then(|c| Code::parse(c).ok()),
        _ => None,
    })
}

/// Whether `crl_pem` is a certificate revocation list signed by the CA
/// certificate `ca_pem` (both PEM); `Err` with what is wrong if either does
/// not parse.
pub fn crl_signed_by(ca_pem: &str, crl_pem: &str) -> Result<bool, String> {
    use x509_parser::prelude::*;
    let ca_der = pem_der(ca_pem).ok_or("the CA certificate is not a PEM certificate")?;
    let (_, ca) =
        X509Certificate::from_der(&ca_der).map_err(|e| format!("the CA certificate: {e}"))?;
    let der = CertificateRevocationListDer::from_pem_slice(crl_pem.as_bytes())
        .map_err(|e| format!("not a PEM CRL: {e}"))?;
    let (_, crl) = CertificateRevocationList::from_der(der.as_ref())
        .map_err(|e| format!("the CRL cannot be parsed: {e}"))?;
    Ok(ca.subject().as_raw() == crl.issuer().as_raw()
        && crl.verify_signature(ca.public_key()).is_ok())
}

/// The jurisdiction a CA certificate (PEM) names (`liudong:ca:<code>`), e.g.
/// to file another operator's CA under its code.
pub fn ca_cert_code(pem: &str) -> Result<Code, OpsError> {
    let der = pem_der(pem).ok_or_else(|| TlsError::Other("not a PEM certificate".into()))?;
    Ok(ca_code(&der).ok_or_else(|| {
        TlsError::Other(
            "certificate names no CA jurisdiction (URI SAN liudong:ca:<code>); it is not a CA made by `liudong ca init`".into(),
        )
    })?)
}

impl Ca {
    /// The CA's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA's certificate revocation list, `DIR/crl.pem`.
    pub fn crl_path(&self) -> PathBuf {
        self.dir.join(CRL)
    }

    /// Issues a certificate for node `code`, valid for `days` from now.
    /// Refused if `code` lies outside this CA's jurisdiction.
    pub fn issue(&self, code: &Code, days: i64) -> Result<Issued, OpsError> {
        if !code.is_under(&self.code) {
            return Err(TlsError::Jurisdiction {
                code: code.clone(),
                ca: self.code.clone(),
            }
            .into());
        }
        let now = OffsetDateTime::now_utc();
        self.sign(code, now - Duration::hours(1), now + Duration::days(days))
    }

    /// Issues a certificate for a server of node `code` that is dialled by
    /// host name or address (the exchange's JetStream servers): a node
    /// certificate naming `code`, plus each of `hosts` as a DNS name or an
    /// IP address, so that clients and the other servers can check the
    /// name they dial. Refused outside the CA's jurisdiction.
    pub fn issue_server(
        &self,
        code: &Code,
        hosts: &[String],
        days: i64,
    ) -> Result<Issued, OpsError> {
        if !code.is_under(&self.code) {
            return Err(TlsError::Jurisdiction {
                code: code.clone(),
                ca: self.code.clone(),
            }
            .into());
        }
        let mut extra = Vec::new();
        for h in hosts {
            extra.push(match h.parse::<std::net::IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(ia5(h.clone())?),
            });
        }
        let now = OffsetDateTime::now_utc();
        self.sign_with(
            code,
            extra,
            now - Duration::hours(1),
            now + Duration::days(days),
        )
    }

    /// Signs a node certificate without the jurisdiction check, with the
    /// given validity (for tests of what peers refuse).
    pub fn sign(
        &self,
        code: &Code,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Issued, OpsError> {
        self.sign_with(code, Vec::new(), not_before, not_after)
    }

    fn sign_with(
        &self,
        code: &Code,
        extra_names: Vec<SanType>,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Issued, OpsError> {
        let key = KeyPair::generate()?;
        let mut p = CertificateParams::default();
        p.distinguished_name
            .push(DnType::CommonName, format!("Liudong node {code}"));
        p.distinguished_name
            .push(DnType::OrganizationName, "Liudong");
        p.subject_alt_names = vec![
            SanType::URI(ia5(format!("{NODE_URI}{code}"))?),
            SanType::DnsName(ia5(dns_name(code))?),
        ];
        p.subject_alt_names.extend(extra_names);
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        p.not_before = not_before;
        p.not_after = not_after;
        p.serial_number = Some(serial()?);
        p.use_authority_key_identifier_extension = true;
        let issuer = Issuer::from_ca_cert_pem(&self.cert_pem, &self.key)?;
        let cert = p.signed_by(&key, &issuer)?;
        Ok(Issued {
            fingerprint: fingerprint(cert.der()),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A CRL of this CA listing `revoked`, numbered `number`, issued now
    /// (PEM).
    fn sign_crl(&self, number: u64, revoked: &[RevokedCert]) -> Result<String, OpsError> {
        let now = now_s();
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + Duration::days(CRL_DAYS),
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|r| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&r.serial),
                    revocation_time: r.time,
                    reason_code: r.reason,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let issuer = Issuer::from_ca_cert_pem(&self.cert_pem, &self.key)?;
        Ok(params.signed_by(&issuer)?.pem()?)
    }

    /// The CA certificate, parsed.
    fn with_cert<T>(
        &self,
        f: impl FnOnce(&x509_parser::certificate::X509Certificate<'_>) -> T,
    ) -> Result<T, OpsError> {
        use x509_parser::prelude::*;
        let der = pem_der(&self.cert_pem).ok_or_else(|| TlsError::Pem {
            path: self.dir.join(CA_CERT),
            what: t!("ops-not-pem-certificate"),
        })?;
        let (_, cert) =
            X509Certificate::from_der(&der).map_err(|e| TlsError::Parse(e.to_string()))?;
        Ok(f(&cert))
    }

    /// The CA's CRL as it is on disk, checked: signed by this CA. `None` if
    /// the CA has none yet (a CA created before CRLs).
    pub fn crl(&self) -> Result<Option<Crl>, OpsError> {
        use x509_parser::prelude::*;
        let path = self.crl_path();
        let pem = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("read", &path)(e)),
        };
        let bad = |what: String| OpsError::Crl {
            path: path.clone(),
            what,
        };
        let der = CertificateRevocationListDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| bad(t!("ops-crl-not-pem", error = e.to_string())))?;
        let (_, crl) = CertificateRevocationList::from_der(der.as_ref())
            .map_err(|e| bad(t!("ops-crl-parse", error = e.to_string())))?;
        if !crl_signed_by(&self.cert_pem, &pem).map_err(bad)? {
            return Err(bad(t!("ops-crl-not-signed", code = self.code.to_string())));
        }
        let number = crl
            .crl_number()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| bad(t!("ops-crl-no-number")))?;
        let revoked = crl
            .iter_revoked_certificates()
            .map(|r| RevokedCert {
                serial: strip_zeros(r.raw_serial()),
                time: r.revocation_date.to_datetime(),
                reason: r.reason_code().and_then(|(_, c)| reason_from_code(c.0)),
            })
            .collect();
        Ok(Some(Crl {
            number,
            this_update: Some(crl.last_update().to_datetime()),
            revoked,
            pem,
        }))
    }

    /// The CA's current CRL (PEM), for copying to nodes. A CA created
    /// before CRLs gets its first (empty) one here.
    pub fn current_crl(&self) -> Result<String, OpsError> {
        if let Some(crl) = self.crl()? {
            return Ok(crl.pem);
        }
        let pem = self.sign_crl(1, &[])?;
        replace_file(&self.crl_path(), &pem)?;
        Ok(pem)
    }

    /// Revokes the certificate `cert_pem`, which this CA must have issued:
    /// adds its serial number to the CRL (with the time, and the reason code
    /// `reason` names, see [`reason_code`]) and re-signs the CRL with the
    /// next number, replacing `crl.pem` atomically. A certificate already on
    /// the CRL changes nothing (`added` is false).
    pub fn revoke(&self, cert_pem: &str, reason: &str) -> Result<Revoked, OpsError> {
        use x509_parser::prelude::*;
        let der =
            pem_der(cert_pem).ok_or_else(|| TlsError::Other("not a PEM certificate".into()))?;
        let (_, cert) =
            X509Certificate::from_der(&der).map_err(|e| TlsError::Parse(e.to_string()))?;
        let code = liudong_net::tls::cert_code(&der)?;
        let fp = fingerprint(&der);
        let issued_here = self.with_cert(|ca| {
            ca.subject().as_raw() == cert.issuer().as_raw()
                && cert.verify_signature(Some(ca.public_key())).is_ok()
        })?;
        if !issued_here {
            return Err(OpsError::NotIssuedHere {
                what: t!(
                    "ops-certificate-of",
                    fingerprint = fp.to_string(),
                    code = code.to_string()
                ),
                ca: self.code.clone(),
                dir: self.dir.clone(),
            });
        }
        let serial = strip_zeros(cert.raw_serial());
        let crl = self.crl()?.unwrap_or_default();
        let done = |added: bool, number: u64, count: usize, reason| Revoked {
            fingerprint: fp.clone(),
            code: code.clone(),
            serial: hex_serial(&serial),
            reason,
            added,
            crl: self.crl_path(),
            number,
            count,
        };
        if let Some(r) = crl.revoked.iter().find(|r| r.serial == serial) {
            return Ok(done(false, crl.number, crl.revoked.len(), r.reason));
        }
        let reason = reason_code(reason);
        let mut revoked = crl.revoked;
        revoked.push(RevokedCert {
            serial: serial.clone(),
            time: now_s(),
            reason,
        });
        let number = crl.number + 1;
        replace_file(&self.crl_path(), &self.sign_crl(number, &revoked)?)?;
        Ok(done(true, number, revoked.len(), reason))
    }
}

fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b[start..].to_vec()
}

fn hex_serial(b: &[u8]) -> String {
    if b.is_empty() {
        return "00".into();
    }
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A CA's CRL as read back.
#[derive(Debug, Clone, Default)]
pub struct Crl {
    /// Its CRL number (0: no CRL yet).
    pub number: u64,
    pub this_update: Option<OffsetDateTime>,
    pub revoked: Vec<RevokedCert>,
    /// The file's text.
    pub pem: String,
}

/// One certificate on a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedCert {
    /// Its serial number, big-endian, without leading zero bytes.
    pub serial: Vec<u8>,
    pub time: OffsetDateTime,
    pub reason: Option<RevocationReason>,
}

/// What [`Ca::revoke`] did.
#[derive(Debug, Clone)]
pub struct Revoked {
    /// `sha256:<hex>` of the certificate.
    pub fingerprint: String,
    /// The node it names.
    pub code: Code,
    /// Its serial number, hex bytes separated by colons.
    pub serial: String,
    /// The reason code recorded (`None`: unspecified, left out as RFC 5280 asks).
    pub reason: Option<RevocationReason>,
    /// False if it was already on the CRL (nothing changed).
    pub added: bool,
    /// The CRL file.
    pub crl: PathBuf,
    /// The CRL number in force.
    pub number: u64,
    /// How many certificates the CRL revokes.
    pub count: usize,
}

/// The reason codes an operator's `--reason` can name (RFC 5280, 5.3.1),
/// by their RFC names. certificateHold and removeFromCRL are left out: a
/// Liudong revocation is final.
const REASONS: [(&str, RevocationReason); 6] = [
    ("keyCompromise", RevocationReason::KeyCompromise),
    ("cACompromise", RevocationReason::CaCompromise),
    ("affiliationChanged", RevocationReason::AffiliationChanged),
    ("superseded", RevocationReason::Superseded),
    (
        "cessationOfOperation",
        RevocationReason::CessationOfOperation,
    ),
    ("privilegeWithdrawn", RevocationReason::PrivilegeWithdrawn),
];

/// The reason code an operator's reason text names: its words before a
/// `:` (if any), ignoring case, spaces, `-` and `_` — `keyCompromise`,
/// `key compromise: laptop stolen`, `superseded`, `cessation of
/// operation`, ... Anything else (`laptop stolen`, `unspecified`) is
/// unspecified, which a CRL leaves out (`None`).
pub fn reason_code(text: &str) -> Option<RevocationReason> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let head = norm(text.split(':').next().unwrap_or_default());
    REASONS
        .iter()
        .find(|(name, _)| norm(name) == head)
        .map(|(_, r)| *r)
}

/// The RFC 5280 name of a recorded reason (`unspecified` for none).
pub fn reason_name(reason: Option<RevocationReason>) -> &'static str {
    match reason {
        None | Some(RevocationReason::Unspecified) => "unspecified",
        Some(RevocationReason::CertificateHold) => "certificateHold",
        Some(RevocationReason::RemoveFromCrl) => "removeFromCRL",
        Some(RevocationReason::AaCompromise) => "aACompromise",
        Some(r) => REASONS
            .iter()
            .find(|(_, x)| *x == r)
            .map(|(n, _)| *n)
            .unwrap_or("unspecified"),
    }
}

fn reason_from_code(code: u8) -> Option<RevocationReason> {
    use RevocationReason::*;
    Some(match code {
        1 => KeyCompromise,
        2 => CaCompromise,
        3 => AffiliationChanged,
        4 => Superseded,
        5 => CessationOfOperation,
        6 => CertificateHold,
        8 => RemoveFromCrl,
        9 => PrivilegeWithdrawn,
        10 => AaCompromise,
        _ => return None,
    })
}

/// A node key and certificate just issued.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    /// `sha256:<hex>` of the certificate.
    pub fingerprint: String,
}

impl Issued {
    /// Writes `node.crt`, `node.key` (0600) and a copy of the CA certificate
    /// (`ca.crt`) into `dir`; refuses to overwrite.
    pub fn write(&self, dir: &Path, ca_cert_pem: &str) -> Result<Vec<PathBuf>, OpsError> {
        std::fs::create_dir_all(dir).map_err(io("write", dir))?;
        let key = dir.join(NODE_KEY);
        let cert = dir.join(NODE_CERT);
        for p in [&key, &cert] {
            if p.exists() {
                return Err(OpsError::Exists {
                    path: p.clone(),
                    hint: "ops-exists-certificate",
                });
            }
        }
        write_file(&key, &self.key_pem, true)?;
        write_file(&cert, &self.cert_pem, false)?;
        let ca = dir.join(CA_CERT);
        if !ca.exists() {
            write_file(&ca, ca_cert_pem, false)?;
        }
        Ok(vec![cert, key, ca])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    fn code(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    /// A serial number on a CRL and its reason code.
    type Entry = (Vec<u8>, Option<u8>);

    /// The CRL file of `ca`, parsed: (number, serials revoked with their
    /// reason codes), after checking its signature with the CA's key.
    fn read_crl(ca: &Ca) -> (u64, Vec<Entry>) {
        let pem = std::fs::read_to_string(ca.crl_path()).unwrap();
        let der = CertificateRevocationListDer::from_pem_slice(pem.as_bytes()).unwrap();
        let (_, crl) = CertificateRevocationList::from_der(der.as_ref()).unwrap();
        let ca_der = pem_der(&ca.cert_pem).unwrap();
        let (_, ca_cert) = X509Certificate::from_der(&ca_der).unwrap();
        crl.verify_signature(ca_cert.public_key())
            .expect("the CRL is signed by its CA");
        assert_eq!(crl.issuer().as_raw(), ca_cert.subject().as_raw());
        let next = crl.next_update().expect("a CRL carries next_update");
        let days = (next.to_datetime() - crl.last_update().to_datetime()).whole_days();
        assert_eq!(days, CRL_DAYS);
        let number = u64::try_from(crl.crl_number().unwrap()).unwrap();
        let revoked = crl
            .iter_revoked_certificates()
            .map(|r| {
                (
                    strip_zeros(r.raw_serial()),
                    r.reason_code().map(|(_, c)| c.0),
                )
            })
            .collect();
        (number, revoked)
    }

    fn serial_of(pem: &str) -> Vec<u8> {
        let der = pem_der(pem).unwrap();
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        strip_zeros(cert.raw_serial())
    }

    #[test]
    fn a_new_ca_has_an_empty_signed_crl_and_a_private_key() {
        let t = tempfile::tempdir().unwrap();
        let ca = ca_init(&code("410602"), t.path()).unwrap();
        assert_eq!(read_crl(&ca), (1, vec![]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |n: &str| {
                std::fs::metadata(t.path().join(n))
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777
            };
            assert_eq!(mode(CA_KEY), 0o600);
            assert_eq!(mode(CRL), 0o644);
        }
        // A second CA in the same directory is refused, the CRL untouched.
        let before = std::fs::read(ca.crl_path()).unwrap();
        let e = ca_init(&code("410602"), t.path()).err().unwrap();
        assert!(e.to_string().contains("CA 只创建一次"), "{e}");
        assert_eq!(std::fs::read(ca.crl_path()).unwrap(), before);
        // Loading the CA finds the same CRL.
        let loaded = ca_load(t.path()).unwrap();
        assert_eq!(loaded.crl().unwrap().unwrap().number, 1);
    }

    #[test]
    fn issued_certificates_carry_unique_random_serials() {
        let t = tempfile::tempdir().unwrap();
        let ca = ca_init(&code("410602"), t.path()).unwrap();
        let serials: std::collections::HashSet<Vec<u8>> = (0..20)
            .map(|_| serial_of(&ca.issue(&code("410602100"), 30).unwrap().cert_pem))
            .collect();
        assert_eq!(serials.len(), 20);
        // 16 random bytes (top bit cleared): not a counter, not short.
        assert!(serials.iter().all(|s| s.len() >= 12), "{serials:?}");
    }

    #[test]
    fn revoke_adds_the_serial_and_re_signs_the_crl_with_the_next_number() {
        let t = tempfile::tempdir().unwrap();
        let ca = ca_init(&code("410602"), &t.path().join("ca")).unwrap();
        let town = ca.issue(&code("410602100"), 30).unwrap();
        let village = ca.issue(&code("410602100001"), 30).unwrap();

        let r = ca
            .revoke(&town.cert_pem, "keyCompromise: laptop stolen")
            .unwrap();
        assert!(r.added);
        assert_eq!(r.fingerprint, town.fingerprint);
        assert_eq!(r.code, code("410602100"));
        assert_eq!((r.number, r.count), (2, 1));
        assert_eq!(r.reason, Some(RevocationReason::KeyCompromise));
        assert_eq!(r.crl, t.path().join("ca").join(CRL));
        let (number, revoked) = read_crl(&ca);
        assert_eq!(number, 2);
        assert_eq!(revoked, vec![(serial_of(&town.cert_pem), Some(1))]);

        // Revoking it again says so and changes nothing.
        let before = std::fs::read(ca.crl_path()).unwrap();
        let again = ca.revoke(&town.cert_pem, "superseded").unwrap();
        assert!(!again.added);
        assert_eq!((again.number, again.count), (2, 1));
        assert_eq!(again.reason, Some(RevocationReason::KeyCompromise));
        assert_eq!(std::fs::read(ca.crl_path()).unwrap(), before);

        // A second certificate: both listed, the number goes on; a reason
        // text naming no RFC reason is unspecified (no reason code).
        let r = ca.revoke(&village.cert_pem, "laptop stolen").unwrap();
        assert_eq!((r.number, r.count, r.reason), (3, 2, None));
        let (number, revoked) = read_crl(&ca);
        assert_eq!(number, 3);
        assert_eq!(
            revoked,
            vec![
                (serial_of(&town.cert_pem), Some(1)),
                (serial_of(&village.cert_pem), None)
            ]
        );
        // The earlier entry keeps its time and reason through the re-signing.
        let crl = ca.crl().unwrap().unwrap();
        assert_eq!(crl.revoked.len(), 2);
        assert!(crl.revoked[0].time <= crl.revoked[1].time);
        // No temporary file is left beside it.
        let names: Vec<String> = std::fs::read_dir(t.path().join("ca"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn a_certificate_of_another_ca_is_refused_and_the_crl_unchanged() {
        let t = tempfile::tempdir().unwrap();
        let ca = ca_init(&code("410602"), &t.path().join("a")).unwrap();
        let other = ca_init(&code("440306"), &t.path().join("b")).unwrap();
        // Same name and jurisdiction, other key: still not this CA's.
        let rogue = ca_init(&code("410602"), &t.path().join("rogue")).unwrap();
        let before = std::fs::read(ca.crl_path()).unwrap();
        for cert in [
            other.issue(&code("440306018"), 30).unwrap(),
            rogue.issue(&code("410602100"), 30).unwrap(),
        ] {
            let e = ca.revoke(&cert.cert_pem, "keyCompromise").err().unwrap();
            assert!(
                matches!(e, OpsError::NotIssuedHere { .. }),
                "{}",
                crate::error::chain(&e)
            );
            assert!(e.to_string().contains("不是由"), "{e}");
        }
        assert_eq!(std::fs::read(ca.crl_path()).unwrap(), before);
    }

    #[test]
    fn a_crl_not_signed_by_the_ca_is_refused_and_a_missing_one_started_anew() {
        let t = tempfile::tempdir().unwrap();
        let ca = ca_init(&code("410602"), &t.path().join("a")).unwrap();
        let rogue = ca_init(&code("410602"), &t.path().join("rogue")).unwrap();
        let cert = ca.issue(&code("410602100"), 30).unwrap();
        std::fs::copy(rogue.crl_path(), ca.crl_path()).unwrap();
        let e = ca.revoke(&cert.cert_pem, "superseded").err().unwrap();
        assert!(
            e.to_string().contains("不是由本 CA"),
            "{}",
            crate::error::chain(&e)
        );
        // A CA created before CRLs (no crl.pem): revoke starts one.
        std::fs::remove_file(ca.crl_path()).unwrap();
        let r = ca.revoke(&cert.cert_pem, "superseded").unwrap();
        assert_eq!((r.number, r.count), (1, 1));
        assert_eq!(read_crl(&ca).1, vec![(serial_of(&cert.cert_pem), Some(4))]);
        std::fs::remove_file(ca.crl_path()).unwrap();
        assert!(ca.current_crl().unwrap().contains("BEGIN X509 CRL"));
        assert_eq!(read_crl(&ca), (1, vec![]));
    }

    #[test]
    fn reason_texts_map_to_rfc_5280_reason_codes() {
        use RevocationReason::*;
        for (text, want) in [
            ("keyCompromise", Some(KeyCompromise)),
            ("key compromise: laptop stolen", Some(KeyCompromise)),
            ("KEY_COMPROMISE", Some(KeyCompromise)),
            ("superseded", Some(Superseded)),
            ("cessation-of-operation", Some(CessationOfOperation)),
            (
                "cessationOfOperation: township merged",
                Some(CessationOfOperation),
            ),
            ("affiliationChanged", Some(AffiliationChanged)),
            ("privilegeWithdrawn", Some(PrivilegeWithdrawn)),
            ("cACompromise", Some(CaCompromise)),
            ("unspecified", None),
            ("laptop stolen", None),
            ("certificateHold", None),
            ("", None),
        ] {
            assert_eq!(reason_code(text), want, "{text:?}");
        }
        assert_eq!(reason_name(Some(KeyCompromise)), "keyCompromise");
        assert_eq!(reason_name(None), "unspecified");
    }
}
