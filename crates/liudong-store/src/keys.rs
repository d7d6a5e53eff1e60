//! Key encodings. Everything lives in one sled tree so that one
//! `apply_batch` can atomically write a record and all its bookkeeping.
//!
//! | prefix | key                          | value                               |
//! |--------|------------------------------|-------------------------------------|
//! | `R`    | id                           | local seq (8) · source link · bytes |
//! | `L`    | last local seq of the page   | page of (local seq, id): the log    |
//! | `O`    | link · last local seq        | page of (local seq, id): the outbox |
//! | `S`    | subject (18) · id            | empty (subject index)               |
//! | `V`    | subject (18)                 | person view (postcard)              |
//! | `C`    | direction · link             | cursor (8, big endian)              |
//! | `K`    | link                         | link status (postcard)              |
//! | `M`    | name                         | meta value                          |
//! | `F`    | link · level · (month · area)| fingerprint digest (fingerprint.rs) |
//! | `G`    | link · month · area · seq    | member page (fingerprint.rs)        |
//! | `H`    | subject · id                 | held-record flag (held.rs)          |
//! | `T`    | last local seq of a batch    | arrival time, unix ms (held.rs)     |
//!
//! The audit trail lives in a tree of its own (`audit.rs`).
//!
//! `id` is `len · node code · seq (8, big endian)`; `link` is `0` for the
//! parent or `len · child code`. Length prefixes keep every prefix scan exact.
//!
//! The log and the outboxes are *paged*: one applied batch writes one log
//! page and one page per link it routes to, keyed by the highest local
//! sequence number in the page, instead of one sled entry per record. A range
//! read from position `p` starts at the first page whose key is `> p` and
//! skips the entries `<= p` inside it. Per record, a batch then costs one
//! sled insert (`R`) plus its share of a few page inserts.

use liudong_core::{Code, Link, RecordId};

pub const RECORD: u8 = b'R';
pub const LOG: u8 = b'L';
pub const OUTBOX: u8 = b'O';
pub const SUBJECT: u8 = b'S';
pub const VIEW: u8 = b'V';
pub const CURSOR: u8 = b'C';
pub const LINK: u8 = b'K';
pub const META: u8 = b'M';

pub fn id(id: &RecordId) -> Vec<u8> {
    let code = id.node.as_str().as_bytes();
    let mut k = Vec::with_capacity(1 + code.len() + 8);
    k.push(code.len() as u8);
    k.extend_from_slice(code);
    k.extend_from_slice(&id.seq.to_be_bytes());
    k
}

pub fn parse_id(k: &[u8]) -> Option<RecordId> {
    let len = *k.first()? as usize;
    let code = std::str::from_utf8(k.get(1..1 + len)?).ok()?;
    let seq = u64::from_be_bytes(k.get(1 + len..1 + len + 8)?.try_into().ok()?);
    Some(RecordId {
        node: Code::parse(code).ok()?,
        seq,
    })
}

pub fn link(l: &Link) -> Vec<u8> {
    match l {
        Link::Parent => vec![0],
        Link::Child(c) => {
            let mut k = Vec::with_capacity(1 + c.as_str().len());
            k.push(c.as_str().len() as u8);
            k.extend_from_slice(c.as_str().as_bytes());
            k
        }
    }
}

pub fn parse_link(k: &[u8]) -> Option<Link> {
    match *k.first()? {
        0 => Some(Link::Parent),
        len => {
            let code = std::str::from_utf8(k.get(1..1 + len as usize)?).ok()?;
            Some(Link::Child(Code::parse(code).ok()?))
        }
    }
}

pub fn record(id_key: &[u8]) -> Vec<u8> {
    prefixed(RECORD, &[id_key])
}

pub fn log(seq: u64) -> Vec<u8> {
    prefixed(LOG, &[&seq.to_be_bytes()])
}

pub fn outbox(link_key: &[u8], seq: u64) -> Vec<u8> {
    prefixed(OUTBOX, &[link_key, &seq.to_be_bytes()])
}

pub fn subject(subject: &str, id_key: &[u8]) -> Vec<u8> {
    prefixed(SUBJECT, &[subject.as_bytes(), id_key])
}

pub fn view(subject: &str) -> Vec<u8> {
    prefixed(VIEW, &[subject.as_bytes()])
}

/// Direction of a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// How far we have durably received the peer's outbox for us.
    In,
    /// How far the peer has acknowledged our outbox for it.
    Out,
}

pub fn cursor(dir: Dir, link_key: &[u8]) -> Vec<u8> {
    let d = match dir {
        Dir::In => b"i",
        Dir::Out => b"o",
    };
    prefixed(CURSOR, &[d, link_key])
}

pub fn link_status(link_key: &[u8]) -> Vec<u8> {
    prefixed(LINK, &[link_key])
}

/// The persisted high-water mark of an author: the highest sequence number
/// of that author ever stored here. It never moves down, so a record removed
/// behind the engine's back and delivered again is looked up, not assumed new.
pub fn high_water(author: &Code) -> Vec<u8> {
    prefixed(META, &[b"hw:", author.as_str().as_bytes()])
}

pub fn meta(name: &str) -> Vec<u8> {
    prefixed(META, &[name.as_bytes()])
}

pub fn prefixed(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    k.push(tag);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

/// Encodes a page of (local seq, id key) entries, in ascending seq order.
pub fn page<'a>(entries: impl IntoIterator<Item = (u64, &'a [u8])>) -> Vec<u8> {
    let mut v = Vec::new();
    for (seq, id_key) in entries {
        v.extend_from_slice(&seq.to_be_bytes());
        v.extend_from_slice(id_key);
    }
    v
}

/// Decodes a page written by [`page`]; `None` if it is malformed.
pub fn parse_page(mut v: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut out = Vec::new();
    while !v.is_empty() {
        let seq = u64::from_be_bytes(v.get(..8)?.try_into().ok()?);
        let len = 1 + *v.get(8)? as usize + 8;
        out.push((seq, v.get(8..8 + len)?));
        v = &v[8 + len..];
    }
    Some(out)
}

/// Encodes a record's stored value.
pub fn record_value(seq: u64, source: &[u8], bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + source.len() + bytes.len());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(source);
    v.extend_from_slice(bytes);
    v
}

/// Splits a stored record value into (local seq, source link key, record bytes).
/// The source link key is empty for local records.
pub fn split_record_value(v: &[u8]) -> Option<(u64, &[u8], &[u8])> {
    let seq = u64::from_be_bytes(v.get(..8)?.try_into().ok()?);
    let rest = &v[8..];
    let src_len = match *rest.first()? {
        0xff => 1,
        0 => 1,
        n => 1 + n as usize,
    };
    let (src, bytes) = (rest.get(..src_len)?, rest.get(src_len..)?);
    Some((seq, if src == [0xff] { &[] } else { src }, bytes))
}

/// Source marker for a locally written record.
pub const LOCAL_SOURCE: &[u8] = &[0xff];

pub fn u64_value(v: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(v.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let rid = RecordId {
            node: Code::parse("410602100").unwrap(),
            seq: 77,
        };
        assert_eq!(parse_id(&id(&rid)).unwrap(), rid);
        let c = Link::Child(Code::parse("410602100001").unwrap());
        assert_eq!(parse_link(&link(&c)).unwrap(), c);
        assert_eq!(parse_link(&link(&Link::Parent)).unwrap(), Link::Parent);
        let other = id(&RecordId {
            node: Code::parse("410602").unwrap(),
            seq: 1,
        });
        let p = page([(3, id(&rid).as_slice()), (9, other.as_slice())]);
        assert_eq!(
            parse_page(&p).unwrap(),
            vec![(3, id(&rid).as_slice()), (9, other.as_slice())]
        );
        assert!(parse_page(&p[..p.len() - 1]).is_none());
        for src in [LOCAL_SOURCE.to_vec(), link(&Link::Parent), link(&c)] {
            let v = record_value(5, &src, b"abc");
            let (seq, s, b) = split_record_value(&v).unwrap();
            assert_eq!((seq, b), (5, &b"abc"[..]));
            assert_eq!(
                s,
                if src == LOCAL_SOURCE {
                    &[][..]
                } else {
                    &src[..]
                }
            );
        }
    }
}
