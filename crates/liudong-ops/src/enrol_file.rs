//! The enrolment file a county hub hands to a township or village
//! (`liudong enrol`, unpacked by `liudong init --enrol`).
//!
//! Format, version 2 (UTF-8 text; version 1 carried a fingerprint list
//! instead of the CRL):
//!
//! ```text
//! # comment lines (who it is for, that it holds a private key, how to unpack it)
//! liudong-enrol v1 sha256:<64 hex digits> <N>
//! <N bytes: a JSON object, the fields of [`Enrolment`]>
//! ```
//!
//! The header line names the format version, the SHA-256 of the JSON bytes
//! and their length, so a truncated or altered file is refused before
//! anything is written. A newer version is refused with a message to
//! upgrade this binary, an older one with a message to enrol again.

use crate::framed::{self, FrameError};
use serde::{Deserialize, Serialize};

/// Header line prefix.
pub const MAGIC: &str = "liudong-enrol";
/// The format version written (and the only one read).
pub const VERSION: u32 = 2;

/// What a township or village node needs to join its county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    /// The node's division code.
    pub code: String,
    /// Its name in the division table (or its level and code for villages).
    pub name: String,
    /// The county whose CA issued the certificate.
    pub issued_by: String,
    /// Date of issue, `YYYY-MM-DD`.
    pub issued_on: String,
    /// The node it dials: the county (township) or its township (village).
    pub upstream_code: String,
    /// The upstream's address, `https://host:port`.
    pub upstream_url: String,
    /// `sha256:<hex>` of the node certificate.
    pub fingerprint: String,
    /// The node certificate (PEM).
    pub node_cert: String,
    /// The node's private key (PEM).
    pub node_key: String,
    /// The county CA certificate (PEM).
    pub ca_cert: String,
    /// The county CA's certificate revocation list (PEM) at the time of issue.
    pub crl: String,
    /// How to keep the CRL current and how to revoke this certificate.
    pub revocation_hint: String,
}

/// Why an enrolment file is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnrolFileError {
    #[error("{}", liudong_i18n::t!("enrol-not-enrolment", header = format!("{MAGIC} v{VERSION} sha256:... <length>")))]
    NotEnrolment,
    #[error("{}", liudong_i18n::t!("enrol-newer", version = *.0, ours = VERSION))]
    Version(u32),
    #[error("{}", liudong_i18n::t!("enrol-older", version = *.0, ours = VERSION))]
    OldVersion(u32),
    #[error("{}", liudong_i18n::t!("enrol-header", error = .0.as_str()))]
    Header(String),
    #[error("{}", liudong_i18n::t!("enrol-truncated", got = *got, want = *want))]
    Truncated { got: usize, want: usize },
    #[error("{}", liudong_i18n::t!("enrol-checksum"))]
    Checksum,
    #[error("{}", liudong_i18n::t!("enrol-json", error = .0.as_str()))]
    Json(String),
}

impl From<FrameError> for EnrolFileError {
    fn from(e: FrameError) -> EnrolFileError {
        match e {
            FrameError::NotThisFormat => EnrolFileError::NotEnrolment,
            FrameError::Newer(v) => EnrolFileError::Version(v),
            FrameError::Older(v) => EnrolFileError::OldVersion(v),
            FrameError::Header(what) => EnrolFileError::Header(what),
            FrameError::Truncated { got, want } => EnrolFileError::Truncated { got, want },
            FrameError::Checksum => EnrolFileError::Checksum,
        }
    }
}

/// The file text of an enrolment.
pub fn encode(e: &Enrolment) -> String {
    let json = serde_json::to_string_pretty(e).expect("an enrolment serializes");
    let comments = [
        format!(
            "Liudong enrolment file for node {} ({}), issued by county {} on {}.",
            e.code, e.name, e.issued_by, e.issued_on
        ),
        "It holds the node's PRIVATE KEY: carry it by hand, never by e-mail; delete it once unpacked.".into(),
        "Unpack on the node's machine: liudong init --enrol <this file> --dir /etc/liudong".into(),
    ];
    framed::encode(MAGIC, VERSION, &comments, &json)
}

/// Reads an enrolment file, refusing a wrong, newer, truncated or corrupted one.
pub fn decode(bytes: &[u8]) -> Result<Enrolment, EnrolFileError> {
    let json = framed::decode(bytes, MAGIC, VERSION)?;
    serde_json::from_slice(json).map_err(|e| EnrolFileError::Json(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Enrolment {
        Enrolment {
            code: "410602100".into(),
            name: "鹤壁集镇".into(),
            issued_by: "410602".into(),
            issued_on: "2026-12-01".into(),
            upstream_code: "410602".into(),
            upstream_url: "https://county-hub.example:7200".into(),
            fingerprint: "sha256:00".into(),
            node_cert: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
            node_key: "-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n".into(),
            ca_cert: "-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----\n".into(),
            crl: "-----BEGIN X509 CRL-----\nDDDD\n-----END X509 CRL-----\n".into(),
            revocation_hint: "copy crl.pem".into(),
        }
    }

    #[test]
    fn round_trip_and_damage_is_refused() {
        let e = sample();
        let text = encode(&e);
        assert_eq!(decode(text.as_bytes()).unwrap(), e);
        let mut nl = text.clone();
        nl.push('\n');
        assert_eq!(decode(nl.as_bytes()).unwrap(), e);

        // Truncated anywhere in the body.
        let body_start = text.find('{').unwrap();
        for cut in [
            body_start + 1,
            text.len() / 2 + body_start / 2,
            text.len() - 1,
        ] {
            assert!(
                matches!(
                    decode(&text.as_bytes()[..cut]),
                    Err(EnrolFileError::Truncated { .. })
                ),
                "cut at {cut}"
            );
        }
        // One byte changed in the key.
        let bad = text.replacen("BBBB", "BBBC", 1);
        assert_eq!(decode(bad.as_bytes()), Err(EnrolFileError::Checksum));
        // Garbage appended.
        let mut long = text.clone();
        long.push('x');
        assert_eq!(decode(long.as_bytes()), Err(EnrolFileError::Checksum));
        // A newer format, another file, a damaged header.
        let newer = text.replacen("liudong-enrol v2 ", "liudong-enrol v3 ", 1);
        assert_eq!(decode(newer.as_bytes()), Err(EnrolFileError::Version(3)));
        let older = text.replacen("liudong-enrol v2 ", "liudong-enrol v1 ", 1);
        assert_eq!(decode(older.as_bytes()), Err(EnrolFileError::OldVersion(1)));
        assert!(
            EnrolFileError::OldVersion(1)
                .to_string()
                .contains("重新办理入网")
        );
        assert_eq!(
            decode(b"[node]\ncode = \"410602\"\n"),
            Err(EnrolFileError::NotEnrolment)
        );
        assert_eq!(decode(b""), Err(EnrolFileError::NotEnrolment));
        let noline = text.replacen(" sha256:", " md5:", 1);
        assert!(matches!(
            decode(noline.as_bytes()),
            Err(EnrolFileError::Header(_))
        ));
    }
}
