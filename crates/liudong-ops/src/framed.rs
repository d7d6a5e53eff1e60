//! The framing shared by the files operators carry between machines (the
//! enrolment file, the trust file): comment lines, then one header line
//! naming the format, its version, the SHA-256 of the JSON body and its
//! length, then the body:
//!
//! ```text
//! # comment lines
//! <magic> v<version> sha256:<64 hex digits> <N>
//! <N bytes: a JSON object>
//! ```
//!
//! A truncated or altered file is refused before anything is read from it.

use std::fmt::Write as _;

/// Why a framed file is refused (each file type words it for its readers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// No header line of this format.
    NotThisFormat,
    /// A newer format version than this binary reads.
    Newer(u32),
    /// An older format version than this binary reads.
    Older(u32),
    /// The header line is damaged: what is missing.
    Header(String),
    /// Fewer body bytes than the header says.
    Truncated { got: usize, want: usize },
    /// The body does not match its checksum (or something follows it).
    Checksum,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The file text: each of `comments` as a `# ` line, the header, the JSON.
pub fn encode(magic: &str, version: u32, comments: &[String], json: &str) -> String {
    let mut s = String::new();
    for c in comments {
        let _ = writeln!(s, "# {c}");
    }
    let _ = writeln!(
        s,
        "{magic} v{version} sha256:{} {}",
        sha256_hex(json.as_bytes()),
        json.len()
    );
    s.push_str(json);
    s
}

/// The JSON body of a framed file of format `magic`, version `version`.
pub fn decode<'a>(bytes: &'a [u8], magic: &str, version: u32) -> Result<&'a [u8], FrameError> {
    let mut rest = bytes;
    let header = loop {
        if rest.is_empty() {
            return Err(FrameError::NotThisFormat);
        }
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = String::from_utf8_lossy(&rest[..end]).trim_end().to_string();
        rest = &rest[(end + 1).min(rest.len())..];
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if !line.starts_with(magic) {
            return Err(FrameError::NotThisFormat);
        }
        break line;
    };
    let parts: Vec<&str> = header.split_whitespace().collect();
    if parts.first() != Some(&magic) {
        return Err(FrameError::NotThisFormat);
    }
    let v = parts
        .get(1)
        .and_then(|v| v.strip_prefix('v'))
        .and_then(|v| v.parse::<u32>().ok())
        .ok_or_else(|| FrameError::Header("no version".into()))?;
    if v > version {
        return Err(FrameError::Newer(v));
    }
    if v < version {
        return Err(FrameError::Older(v));
    }
    let sum = parts
        .get(2)
        .and_then(|s| s.strip_prefix("sha256:"))
        .filter(|s| s.len() == 64)
        .ok_or_else(|| FrameError::Header("no sha256 checksum".into()))?;
    let want: usize = parts
        .get(3)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| FrameError::Header("no length".into()))?;
    if parts.len() != 4 {
        return Err(FrameError::Header("unexpected fields".into()));
    }
    if rest.len() < want {
        return Err(FrameError::Truncated {
            got: rest.len(),
            want,
        });
    }
    // Trailing white space (an editor's final newline) is tolerated; anything
    // else after the JSON is damage.
    if !rest[want..].iter().all(u8::is_ascii_whitespace) {
        return Err(FrameError::Checksum);
    }
    let json = &rest[..want];
    if sha256_hex(json) != sum.to_ascii_lowercase() {
        return Err(FrameError::Checksum);
    }
    Ok(json)
}
