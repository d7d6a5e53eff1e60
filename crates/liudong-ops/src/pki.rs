//! The operator's certificate authority: creating a CA, issuing node
//! certificates, revoking them (`liudong ca init | issue | revoke`).
//!
//! A CA belongs to one hub operator and names its jurisdiction (URI SAN
//! `liudong:ca:<code>`, e.g. a county's `410602`); it issues certificates only
//! for codes under that jurisdiction, and nodes refuse any certificate that a
//! CA issued outside it. Private keys are written with mode 0600 and never
//! overwritten.

use liudong_core::Code;
use liudong_net::tls::{CA_URI, NODE_URI, TlsError, dns_name, fingerprint};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};
use ring::rand::SecureRandom;
use std::io::Write;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// File names inside a CA directory and a node's certificate directory.
pub const CA_CERT: &str = "ca.crt";
pub const CA_KEY: &str = "ca.key";
pub const NODE_CERT: &str = "node.crt";
pub const NODE_KEY: &str = "node.key";
/// The CA's revocation list, inside its directory.
pub const REVOKED: &str = "revoked.txt";

/// Default validity of a CA certificate.
pub const CA_DAYS: i64 = 3650;
/// Default validity of a node certificate.
pub const NODE_DAYS: i64 = 825;

/// A CA loaded from its directory.
pub struct Ca {
    pub code: Code,
    pub cert_pem: String,
    key: KeyPair,
}

fn write_file(path: &Path, data: &str, private: bool) -> Result<(), TlsError> {
    let err = |source| TlsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts.open(path).map_err(err)?;
    f.write_all(data.as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)
}

fn serial() -> SerialNumber {
    let mut b = [0u8; 16];
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    b[0] &= 0x7f; // positive
    SerialNumber::from_slice(&b)
}

fn ia5(s: String) -> Result<rcgen::string::Ia5String, TlsError> {
    rcgen::string::Ia5String::try_from(s).map_err(TlsError::Rcgen)
}

/// Creates a CA for jurisdiction `code` in `dir` (`ca.crt`, `ca.key` 0600).
/// Refuses to overwrite an existing CA.
pub fn ca_init(code: &Code, dir: &Path) -> Result<Ca, TlsError> {
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    if dir.join(CA_KEY).exists() {
        return Err(TlsError::Other(format!(
            "{} already exists; a CA is created once (use another --dir for a new CA)",
            dir.join(CA_KEY).display()
        )));
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
    p.serial_number = Some(serial());
    let cert = p.self_signed(&key)?;
    write_file(&dir.join(CA_KEY), &key.serialize_pem(), true)?;
    write_file(&dir.join(CA_CERT), &cert.pem(), false)?;
    Ok(Ca {
        code: code.clone(),
        cert_pem: cert.pem(),
        key,
    })
}

/// Loads the CA in `dir`.
pub fn ca_load(dir: &Path) -> Result<Ca, TlsError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|source| TlsError::Read { path, source })
    };
    let cert_pem = read(CA_CERT)?;
    let key = KeyPair::from_pem(&read(CA_KEY)?)?;
    let der = rustls::pki_types::CertificateDer::from(pem_der(&cert_pem).ok_or_else(|| {
        TlsError::Pem {
            path: dir.join(CA_CERT),
            what: "not a PEM certificate".into(),
        }
    })?);
    let code = ca_code(&der).ok_or_else(|| TlsError::CaNoCode {
        path: dir.join(CA_CERT),
    })?;
    Ok(Ca {
        code,
        cert_pem,
        key,
    })
}

fn pem_der(pem: &str) -> Option<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
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

/// The jurisdiction a CA certificate (PEM) names (`liudong:ca:<code>`), e.g.
/// to file another operator's CA under its code.
pub fn ca_cert_code(pem: &str) -> Result<Code, TlsError> {
    let der = pem_der(pem).ok_or_else(|| TlsError::Other("not a PEM certificate".into()))?;
    ca_code(&der).ok_or_else(|| {
        TlsError::Other(
            "certificate names no CA jurisdiction (URI SAN liudong:ca:<code>); it is not a CA made by `liudong ca init`".into(),
        )
    })
}

/// A node key and certificate just issued.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    /// `sha256:<hex>` of the certificate.
    pub fingerprint: String,
}

impl Ca {
    /// Issues a certificate for node `code`, valid for `days` from now.
    /// Refused if `code` lies outside this CA's jurisdiction.
    pub fn issue(&self, code: &Code, days: i64) -> Result<Issued, TlsError> {
        if !code.is_under(&self.code) {
            return Err(TlsError::Jurisdiction {
                code: code.clone(),
                ca: self.code.clone(),
            });
        }
        let now = OffsetDateTime::now_utc();
        self.sign(code, now - Duration::hours(1), now + Duration::days(days))
    }

    /// Signs a node certificate without the jurisdiction check, with the
    /// given validity (for tests of what peers refuse).
    pub fn sign(
        &self,
        code: &Code,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Issued, TlsError> {
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
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        p.not_before = not_before;
        p.not_after = not_after;
        p.serial_number = Some(serial());
        p.use_authority_key_identifier_extension = true;
        let issuer = Issuer::from_ca_cert_pem(&self.cert_pem, &self.key)?;
        let cert = p.signed_by(&key, &issuer)?;
        Ok(Issued {
            fingerprint: fingerprint(cert.der()),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

impl Issued {
    /// Writes `node.crt`, `node.key` (0600) and a copy of the CA certificate
    /// (`ca.crt`) into `dir`; refuses to overwrite.
    pub fn write(&self, dir: &Path, ca_cert_pem: &str) -> Result<Vec<PathBuf>, TlsError> {
        std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let key = dir.join(NODE_KEY);
        let cert = dir.join(NODE_CERT);
        for p in [&key, &cert] {
            if p.exists() {
                return Err(TlsError::Other(format!(
                    "{} already exists; issue into an empty directory (revoke the old certificate first if it is being replaced)",
                    p.display()
                )));
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

/// Appends the fingerprint of the certificate in `cert_pem` to the
/// revocation list `list` (created if missing); returns the fingerprint
/// and whether it was newly added.
pub fn revoke(list: &Path, cert_pem: &str, reason: &str) -> Result<(String, Code, bool), TlsError> {
    let der = pem_der(cert_pem).ok_or_else(|| TlsError::Other("not a PEM certificate".into()))?;
    let code = liudong_net::tls::cert_code(&der)?;
    let fp = fingerprint(&der);
    let existing = match std::fs::read_to_string(list) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(TlsError::Read {
                path: list.to_path_buf(),
                source,
            });
        }
    };
    let set = liudong_net::tls::parse_revocation_list(list, &existing)?;
    if set.contains(&fp) {
        return Ok((fp, code, false));
    }
    let when = OffsetDateTime::now_utc().date();
    let reason = reason.replace(['\n', '\r'], " ");
    let line = format!("{fp}  # node {code}, revoked {when}: {reason}\n");
    // Write the whole list anew and rename it into place, so a node reading
    // it concurrently sees the old or the new list, never half a line.
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&line);
    let tmp = list.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    write_file(&tmp, &text, false)?;
    std::fs::rename(&tmp, list).map_err(|source| TlsError::Write {
        path: list.to_path_buf(),
        source,
    })?;
    Ok((fp, code, true))
}
