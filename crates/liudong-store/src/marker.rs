//! The store marker: a small text file beside the engine's files that
//! remembers whose store the directory holds and how far its log reached at
//! the last explicit flush ([`crate::Store::flush`]: shutdown, the end of an
//! operator command) or open.
//!
//! The engine recovers what it can read from damaged files and may then come
//! back with fewer entries than it had flushed, or none at all (a truncated
//! log file opens as an empty database). The marker tells such a store apart
//! from a new one or from one that lost only unflushed writes in a crash:
//! the log it names was durable when the marker was written, so a store
//! whose log is behind it — or that no longer knows its owner — lost data
//! that was on disk, and is refused as damaged.
//!
//! Format (UTF-8, one `key = value` per line; unknown keys are ignored):
//!
//! ```text
//! node = 410602100
//! log = 2809
//! ```
//!
//! The file is replaced atomically (written beside, then renamed). A missing
//! or unreadable marker proves nothing: stores written before the marker
//! existed have none; it is written at the next open.

use std::io::Write as _;
use std::path::Path;

/// The marker's file name inside the data directory.
pub const FILE: &str = "liudong-store.marker";

/// What the marker remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    /// The owning node's code.
    pub node: String,
    /// The last local sequence number of the log known to be durable.
    pub log: u64,
}

/// Reads the marker of `dir` (`None` if there is none, or it cannot be read).
pub(crate) fn read(dir: &Path) -> Option<Marker> {
    let text = std::fs::read_to_string(dir.join(FILE)).ok()?;
    let mut node = None;
    let mut log = None;
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k.trim() {
            "node" => node = Some(v.trim().to_string()),
            "log" => log = v.trim().parse().ok(),
            _ => {}
        }
    }
    Some(Marker {
        node: node?,
        log: log?,
    })
}

/// Writes the marker of `dir` atomically and durably.
pub(crate) fn write(dir: &Path, m: &Marker) -> std::io::Result<()> {
    let tmp = dir.join(format!("{FILE}.new"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        write!(
            f,
            "# Liudong store marker: the owner and how far the log reached when it was last flushed.\nnode = {}\nlog = {}\n",
            m.node, m.log
        )?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, dir.join(FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_reads_back_what_was_written_and_tolerates_garbage() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), None);
        let m = Marker {
            node: "410602100".into(),
            log: 2809,
        };
        write(dir.path(), &m).unwrap();
        assert_eq!(read(dir.path()), Some(m));
        assert!(!dir.path().join(format!("{FILE}.new")).exists());
        std::fs::write(dir.path().join(FILE), "log = twelve\nnode = 410602100\n").unwrap();
        assert_eq!(read(dir.path()), None);
    }
}
