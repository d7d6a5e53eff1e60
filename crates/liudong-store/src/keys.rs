//! The key layout: every key prefix and key encoding of the store, in one
//! place. Other modules build and parse keys only through this module, so a
//! byte of the on-disk layout is defined exactly once.
//!
//! The records and their bookkeeping live in one tree ([`TREE_RECORDS`]) so
//! that one atomic engine batch can write a record and all that goes with it:
//!
//! | prefix | key                                 | value                                | written by |
//! |--------|-------------------------------------|--------------------------------------|------------|
//! | `R`    | id                                  | local seq (8) · source (link, `ff` local, `fe` reclaimed) · bytes | the writer (apply batch); removed by the audit when damaged |
//! | `L`    | last local seq of the page (8)      | page of (local seq, id): the log     | the writer (apply batch) |
//! | `O`    | link · last local seq of the page   | page of (local seq, id): the outbox  | the writer (apply batch) |
//! | `T`    | last local seq of a batch (8)       | arrival time, unix ms (8)            | the writer (apply batch) |
//! | `S`    | subject (18) · id                   | empty (subject index)                | the indexer |
//! | `V`    | subject (18)                        | person view (postcard)               | the indexer |
//! | `H`    | subject (18) · id                   | held-record flag (postcard)          | the indexer |
//! | `C`    | direction (`i`/`o`) · link          | cursor (8)                           | `In`: the writer (with its batch); `Out`: `set_cursor` |
//! | `K`    | link                                | link status (postcard)               | `update_link_status` |
//! | `F`    | link · `0`                          | root digest of the link's scope      | the writer (apply batch), the audit |
//! | `F`    | link · `1` · month (4)              | digest of one month                  | the writer, the audit |
//! | `F`    | link · `2` · month (4) · area       | digest of one bucket                 | the writer, the audit |
//! | `G`    | link · month (4) · area · seq (8)   | member page of (id, hash)            | the writer (first seq of the page), the audit (rewrites) |
//! | `E`    | envelope item key                   | local seq (8) · source link · bytes  | the writer (apply batch) |
//! | `N`    | len · county · key id               | directory seq (8) · announcement     | `put_announcement` |
//! | `Q`    | `0` · request id                    | the write it stands for (postcard)   | the writer (with the write), see `requests.rs` |
//! | `Q`    | `1` · time (8) · request id         | empty (request ids by age)           | the writer (with the write; drops the oldest) |
//! | `M`    | name                                | meta value (see below)               | see below |
//!
//! Meta names (`M` · name): `node` (the owning node's code, written at first
//! open), `seq` (last local seq), `author_seq` (last seq authored here),
//! `hlc` (clock high-water), `records` (records held) and `hw:` · author code
//! (highest seq held per author), all written by the writer in its apply
//! batch; `conflicts` (conflicting duplicates refused, by the writer);
//! `indexed` (the indexer's cursor) and `view_format` (the view encoding,
//! at open); `fingerprints` (the fingerprint index is built, by the
//! backfill); `receipt:` · link (sync receipt, by verification); `peer:` ·
//! link (peer state, by `update_peer_state`); `lower:` · link (the link
//! states of the nodes below a child, as it last reported them, by
//! `set_lower_report`); `requests` (request ids kept, by the writer with
//! them).
//!
//! The audit trail has a tree of its own ([`TREE_AUDIT`]), so it never
//! collides with the record keys and is not part of fingerprints:
//!
//! | prefix | key                       | value                    | written by |
//! |--------|---------------------------|--------------------------|------------|
//! | `A`    | seq (8)                   | entry (JSON)             | `audit_append` |
//! | `D`    | subject (18) · seq (8)    | empty (subject index)    | the trail's own indexer, on query |
//! | `M`    | name                      | counter / cursor (8)     | `refused` by `audit_append`, `indexed` by the trail's indexer |
//!
//! Numbers are big endian, so keys sort in numeric order. `id` is
//! `len · node code · seq (8)`; `link` is `0` for the parent or
//! `len · child code`; `area` is `len · origin code`. Length prefixes keep
//! every prefix scan exact.
//!
//! Envelopes (sealed crossing records, on links to and between exchange
//! nodes) are items too: their *item key* is the record's id key with the
//! top bit of the length byte set, followed by the destination county
//! (`0x80|len · code · seq · len · county`), so log, outbox and member pages
//! hold both kinds. A county's *seal queue* is the outbox of link key
//! `0xfe`: crossing records waiting to be sealed; its cursor is `C · s · 0`.
//!
//! The log and the outboxes are *paged*: one applied batch writes one log
//! page and one page per link it routes to, keyed by the highest local
//! sequence number in the page, instead of one entry per record. A range
//! read from position `p` starts at the first page whose key is `> p` and
//! skips the entries `<= p` inside it. Per record, a batch then costs one
//! insert (`R`) plus its share of a few page inserts.

use liudong_core::{Code, Link, RecordId};

/// The tree of records and their bookkeeping.
pub const TREE_RECORDS: &str = "liudong";
/// The tree of the audit trail.
pub const TREE_AUDIT: &str = "audit";

pub const RECORD: u8 = b'R';
pub const LOG: u8 = b'L';
pub const OUTBOX: u8 = b'O';
pub const ARRIVAL: u8 = b'T';
pub const SUBJECT: u8 = b'S';
pub const VIEW: u8 = b'V';
pub const HELD: u8 = b'H';
pub const CURSOR: u8 = b'C';
pub const LINK: u8 = b'K';
pub const FINGERPRINT: u8 = b'F';
pub const MEMBER: u8 = b'G';
pub const META: u8 = b'M';
/// Sealed envelopes (the exchange tier's items), by item key.
pub const ENVELOPE: u8 = b'E';
/// Key announcements of counties (the exchange tier's key directory).
pub const ANNOUNCEMENT: u8 = b'N';

/// The link key of a county's seal queue: the outbox of records that cross
/// the county and wait to be sealed for the exchange (never a peer's link).
pub const SEAL_QUEUE: &[u8] = &[0xfe];

/// Marks an item key as an envelope key (the top bit of its first byte).
const ENVELOPE_FLAG: u8 = 0x80;
/// Request ids of operator writes (see `requests.rs`).
pub const REQUEST: u8 = b'Q';

/// Prefixes of the audit tree.
pub const AUDIT_ENTRY: u8 = b'A';
pub const AUDIT_BY_SUBJECT: u8 = b'D';
pub const AUDIT_META: u8 = b'M';

/// Meta names (`M` · name) of the record tree.
pub const META_NODE: &str = "node";
pub const META_SEQ: &str = "seq";
pub const META_AUTHOR_SEQ: &str = "author_seq";
pub const META_HLC: &str = "hlc";
/// The number of records held, written in the same batch as the records it
/// counts, so it survives a crash exactly as they do.
pub const META_RECORDS: &str = "records";
pub const META_CONFLICTS: &str = "conflicts";
pub const META_INDEXED: &str = "indexed";
pub const META_VIEW_FORMAT: &str = "view_format";
pub const META_FINGERPRINTS: &str = "fingerprints";
/// The last position of the key directory (announcements stored here).
pub const META_KEY_SEQ: &str = "keyseq";
/// The number of request ids kept (see `requests.rs`).
pub const META_REQUESTS: &str = "requests";

/// Meta names of the audit tree.
pub const AUDIT_REFUSED: &str = "refused";
pub const AUDIT_INDEXED: &str = "indexed";

pub fn id(id: &RecordId) -> Vec<u8> {
    let code = id.node.as_str().as_bytes();
    let mut k = Vec::with_capacity(1 + code.len() + 8);
    k.push(code.len() as u8);
    k.extend_from_slice(code);
    k.extend_from_slice(&id.seq.to_be_bytes());
    k
}

/// The item key of an envelope: the id key of its record with the top bit
/// of the length byte set, followed by the destination county
/// (`0x80|len · code · seq (8) · len · destination`). Item keys (record id
/// keys and envelope keys) are self-delimiting, so pages mix them.
pub fn envelope(id: &RecordId, destination: &Code) -> Vec<u8> {
    let mut k = envelopes_of(id);
    let d = destination.as_str().as_bytes();
    k.push(d.len() as u8);
    k.extend_from_slice(d);
    k
}

/// The prefix of the item keys of every envelope of record `id`.
pub fn envelopes_of(id: &RecordId) -> Vec<u8> {
    let mut k = self::id(id);
    k[0] |= ENVELOPE_FLAG;
    k
}

/// True if an item key names an envelope (else a record).
pub fn is_envelope(item_key: &[u8]) -> bool {
    item_key.first().is_some_and(|b| b & ENVELOPE_FLAG != 0)
}

/// The length of the item key at the start of `v` (a record id key or an
/// envelope key).
pub fn item_len(v: &[u8]) -> Option<usize> {
    let first = *v.first()?;
    let id_len = 1 + (first & !ENVELOPE_FLAG) as usize + 8;
    if first & ENVELOPE_FLAG == 0 {
        return Some(id_len);
    }
    Some(id_len + 1 + *v.get(id_len)? as usize)
}

/// The record id an item key names (an envelope's: its record's).
pub fn item_record_id(item_key: &[u8]) -> Option<RecordId> {
    let mut k = item_key
        .get(..1 + (*item_key.first()? & !ENVELOPE_FLAG) as usize + 8)?
        .to_vec();
    k[0] &= !ENVELOPE_FLAG;
    parse_id(&k)
}

/// The record id and destination of an envelope key.
pub fn parse_envelope(item_key: &[u8]) -> Option<(RecordId, Code)> {
    if !is_envelope(item_key) {
        return None;
    }
    let id = item_record_id(item_key)?;
    let at = 1 + (item_key[0] & !ENVELOPE_FLAG) as usize + 8;
    let len = *item_key.get(at)? as usize;
    let d = std::str::from_utf8(item_key.get(at + 1..at + 1 + len)?).ok()?;
    (item_key.len() == at + 1 + len).then_some(())?;
    Some((id, Code::parse(d).ok()?))
}

/// The stored envelope of item key `item_key` (`E` · item key).
pub fn envelope_entry(item_key: &[u8]) -> Vec<u8> {
    prefixed(ENVELOPE, &[item_key])
}

/// Where an item (record or envelope) is stored, by its item key.
pub fn item(item_key: &[u8]) -> Vec<u8> {
    if is_envelope(item_key) {
        envelope_entry(item_key)
    } else {
        record(item_key)
    }
}

/// The key announcement `key_id` of `county` (`N` · len · county · key id).
pub fn announcement(county: &Code, key_id: &str) -> Vec<u8> {
    let c = county.as_str().as_bytes();
    prefixed(ANNOUNCEMENT, &[&[c.len() as u8], c, key_id.as_bytes()])
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

/// The id key inside a record key (`R` · id).
pub fn id_key_of_record(record_key: &[u8]) -> &[u8] {
    record_key.get(1..).unwrap_or_default()
}

/// The id of a record key (`R` · id).
pub fn parse_record(record_key: &[u8]) -> Option<RecordId> {
    parse_id(record_key.get(1..)?)
}

/// The link of a key made of one prefix byte and a link (an outbox page
/// `O · link · seq`, a link status `K · link`).
pub fn parse_link_after_prefix(key: &[u8]) -> Option<Link> {
    parse_link(key.get(1..)?)
}

/// Prefix of the records authored by `author`.
pub fn records_of(author: &Code) -> Vec<u8> {
    let code = author.as_str().as_bytes();
    prefixed(RECORD, &[&[code.len() as u8], code])
}

pub fn log(seq: u64) -> Vec<u8> {
    prefixed(LOG, &[&seq.to_be_bytes()])
}

pub fn outbox(link_key: &[u8], seq: u64) -> Vec<u8> {
    prefixed(OUTBOX, &[link_key, &seq.to_be_bytes()])
}

/// Prefix of one link's outbox pages.
pub fn outbox_of(link_key: &[u8]) -> Vec<u8> {
    prefixed(OUTBOX, &[link_key])
}

/// The first key after every outbox page of the link whose outbox prefix
/// is `outbox_prefix` (to skip to the next link's outbox).
pub fn after_outbox(outbox_prefix: &[u8]) -> Vec<u8> {
    let mut k = outbox_prefix.to_vec();
    k.extend_from_slice(&[0xff; 9]);
    k
}

/// The key range of the pages of a paged index (the log `L`, or one link's
/// outbox `O · link`) that can hold entries above `after`: from the first
/// page keyed above `after` to the last.
pub fn pages_after(index_prefix: &[u8], after: u64) -> (Vec<u8>, Vec<u8>) {
    let mut start = index_prefix.to_vec();
    start.extend_from_slice(&after.saturating_add(1).to_be_bytes());
    let mut end = index_prefix.to_vec();
    end.extend_from_slice(&u64::MAX.to_be_bytes());
    (start, end)
}

pub fn subject(subject: &str, id_key: &[u8]) -> Vec<u8> {
    prefixed(SUBJECT, &[subject.as_bytes(), id_key])
}

/// Prefix of one subject's index entries; the rest of a key is an id key.
pub fn subject_prefix(subject: &str) -> Vec<u8> {
    prefixed(SUBJECT, &[subject.as_bytes()])
}

pub fn view(subject: &str) -> Vec<u8> {
    prefixed(VIEW, &[subject.as_bytes()])
}

/// The first key after every view.
pub fn views_end() -> Vec<u8> {
    vec![VIEW + 1]
}

/// Direction of a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// How far we have durably received the peer's outbox for us.
    In,
    /// How far the peer has acknowledged our outbox for it.
    Out,
    /// How far this county has sealed its seal queue (link: the parent).
    Sealed,
}

pub fn cursor(dir: Dir, link_key: &[u8]) -> Vec<u8> {
    let d = match dir {
        Dir::In => b"i",
        Dir::Out => b"o",
        Dir::Sealed => b"s",
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

/// What request `id` of an operator write stands for.
pub fn request(id: &str) -> Vec<u8> {
    prefixed(REQUEST, &[&[0], id.as_bytes()])
}

/// Request `id` in the index by age (`at_ms`: when it was written).
pub fn request_by_time(at_ms: u64, id: &str) -> Vec<u8> {
    prefixed(REQUEST, &[&[1], &at_ms.to_be_bytes(), id.as_bytes()])
}

/// The prefix of the request ids by age, oldest first.
pub fn requests_by_time() -> Vec<u8> {
    vec![REQUEST, 1]
}

/// The time and id of a [`request_by_time`] key.
pub fn parse_request_by_time(k: &[u8]) -> Option<(u64, String)> {
    let rest = k.strip_prefix(&[REQUEST, 1][..])?;
    let at = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    let id = std::str::from_utf8(rest.get(8..)?).ok()?;
    Some((at, id.to_string()))
}

pub fn meta(name: &str) -> Vec<u8> {
    prefixed(META, &[name.as_bytes()])
}

/// The receipt of the last verification of a link.
pub fn receipt(link_key: &[u8]) -> Vec<u8> {
    prefixed(META, &[b"receipt:", link_key])
}

/// Prefix of the peer states.
pub fn peers() -> Vec<u8> {
    prefixed(META, &[b"peer:"])
}

/// The state of a link's peer (last contact, backlog, announced interval).
pub fn peer(link_key: &[u8]) -> Vec<u8> {
    prefixed(META, &[b"peer:", link_key])
}

/// The link states a child reported of the nodes below it (a township's
/// villages, reported to its county).
pub fn lower(link_key: &[u8]) -> Vec<u8> {
    prefixed(META, &[b"lower:", link_key])
}

/// The held-record flag of record `id_key` about `subject`.
pub fn held(subject: &str, id_key: &[u8]) -> Vec<u8> {
    prefixed(HELD, &[subject.as_bytes(), id_key])
}

/// Prefix of the held-record flags of one subject.
pub fn held_of(subject: &str) -> Vec<u8> {
    prefixed(HELD, &[subject.as_bytes()])
}

/// The arrival time of the batch whose last local sequence number is `seq`
/// (one entry per batch: a record's arrival time is that of the first entry
/// at or above its local seq).
pub fn arrival(seq: u64) -> Vec<u8> {
    prefixed(ARRIVAL, &[&seq.to_be_bytes()])
}

// ---- fingerprints (`F`, `G`) ----

/// Levels of the `F` digests.
const FP_ROOT: u8 = 0;
const FP_MONTH: u8 = 1;
const FP_BUCKET: u8 = 2;

fn area_part(area: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(1 + area.len());
    v.push(area.len() as u8);
    v.extend_from_slice(area.as_bytes());
    v
}

/// The root digest of a link's scope.
pub fn fp_root(link_key: &[u8]) -> Vec<u8> {
    prefixed(FINGERPRINT, &[link_key, &[FP_ROOT]])
}

/// The digest of one month of a link's scope.
pub fn fp_month(link_key: &[u8], month: u32) -> Vec<u8> {
    prefixed(FINGERPRINT, &[link_key, &[FP_MONTH], &month.to_be_bytes()])
}

/// Prefix of the month digests of a link's scope.
pub fn fp_months(link_key: &[u8]) -> Vec<u8> {
    prefixed(FINGERPRINT, &[link_key, &[FP_MONTH]])
}

/// The digest of one bucket (month, origin area) of a link's scope.
pub fn fp_bucket(link_key: &[u8], month: u32, area: &str) -> Vec<u8> {
    prefixed(
        FINGERPRINT,
        &[
            link_key,
            &[FP_BUCKET],
            &month.to_be_bytes(),
            &area_part(area),
        ],
    )
}

/// Prefix of the bucket digests of one month of a link's scope.
pub fn fp_buckets_of_month(link_key: &[u8], month: u32) -> Vec<u8> {
    prefixed(FINGERPRINT, &[link_key, &[FP_BUCKET], &month.to_be_bytes()])
}

/// Parses the `month · area` tail of a bucket digest key (after
/// [`fp_buckets_of_month`] minus the month) or of a member page key.
pub fn parse_bucket_tail(tail: &[u8]) -> Option<(u32, String)> {
    let month = u32::from_be_bytes(tail.get(..4)?.try_into().ok()?);
    let len = *tail.get(4)? as usize;
    let area = std::str::from_utf8(tail.get(5..5 + len)?).ok()?.to_string();
    Some((month, area))
}

/// The month and area of a bucket digest key of link `link_key`.
pub fn parse_fp_bucket(key: &[u8], link_key: &[u8]) -> Option<(u32, String)> {
    parse_bucket_tail(key.get(1 + link_key.len() + 1..)?)
}

/// The month of a month digest key of link `link_key`.
pub fn parse_fp_month(key: &[u8], link_key: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(
        key.get(1 + link_key.len() + 1..)?.try_into().ok()?,
    ))
}

/// Prefix of the member pages of one bucket of a link's scope.
pub fn member_prefix(link_key: &[u8], month: u32, area: &str) -> Vec<u8> {
    prefixed(MEMBER, &[link_key, &month.to_be_bytes(), &area_part(area)])
}

/// The key of one member page: the bucket's prefix and the lowest local
/// sequence number among the page's members (unique: a stored record has one
/// local sequence number and is in one page per link).
pub fn member_page(bucket_prefix: &[u8], first_seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(bucket_prefix.len() + 8);
    k.extend_from_slice(bucket_prefix);
    k.extend_from_slice(&first_seq.to_be_bytes());
    k
}

/// A member page key split up: link key, month, area, and the length of
/// the bucket's prefix.
pub type MemberPageKey = (Vec<u8>, u32, String, usize);

/// Splits a member page key (see [`member_page`]).
pub fn parse_member_page(k: &[u8]) -> Option<MemberPageKey> {
    if *k.first()? != MEMBER {
        return None;
    }
    let rest = &k[1..];
    let link_len = match *rest.first()? {
        0 => 1,
        n => 1 + n as usize,
    };
    let lk = rest.get(..link_len)?.to_vec();
    let (month, area) = parse_bucket_tail(rest.get(link_len..)?)?;
    let prefix_len = 1 + link_len + 5 + area.len();
    (k.len() == prefix_len + 8).then_some((lk, month, area, prefix_len))
}

// ---- the audit tree ----

/// An entry of the audit trail.
pub fn audit_entry(seq: u64) -> Vec<u8> {
    prefixed(AUDIT_ENTRY, &[&seq.to_be_bytes()])
}

/// The audit subject index entry of (`subject`, entry `seq`).
pub fn audit_by_subject(subject: &str, seq: u64) -> Vec<u8> {
    prefixed(AUDIT_BY_SUBJECT, &[subject.as_bytes(), &seq.to_be_bytes()])
}

/// Prefix of one subject's audit index entries; the rest of a key is the
/// entry's seq (8).
pub fn audit_subject_prefix(subject: &str) -> Vec<u8> {
    prefixed(AUDIT_BY_SUBJECT, &[subject.as_bytes()])
}

/// A counter or cursor of the audit tree.
pub fn audit_meta(name: &str) -> Vec<u8> {
    prefixed(AUDIT_META, &[name.as_bytes()])
}

pub fn prefixed(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    k.push(tag);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

/// Encodes a page of (local seq, item key) entries, in ascending seq order
/// (item keys: record id keys, or envelope keys, see [`envelope`]).
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
        let len = item_len(v.get(8..)?)?;
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
        0xff | 0xfe => 1,
        0 => 1,
        n => 1 + n as usize,
    };
    let (src, bytes) = (rest.get(..src_len)?, rest.get(src_len..)?);
    Some((seq, if src == [0xff] { &[] } else { src }, bytes))
}

/// Source marker for a locally written record.
pub const LOCAL_SOURCE: &[u8] = &[0xff];

/// Source marker for a record in this node's own name that `liudong
/// recover` fetched back from the upstream (it was written here before the
/// store was lost): it counts as written here for the authored sequence
/// number, and is never sent back to the upstream.
pub const RECLAIMED_SOURCE: &[u8] = &[0xfe];

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
        let county = Code::parse("440306").unwrap();
        let env = envelope(&rid, &county);
        assert!(is_envelope(&env) && !is_envelope(&id(&rid)));
        assert_eq!(parse_envelope(&env), Some((rid.clone(), county)));
        assert_eq!(item_record_id(&env), Some(rid.clone()));
        assert_eq!(item_len(&env), Some(env.len()));
        let mixed = page([(3, env.as_slice()), (4, other.as_slice())]);
        assert_eq!(
            parse_page(&mixed).unwrap(),
            vec![(3, env.as_slice()), (4, other.as_slice())]
        );
        assert_eq!(item(&env)[0], ENVELOPE);
        assert_eq!(item(&other)[0], RECORD);
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

    /// The layout is the on-disk format: these bytes must never change.
    #[test]
    fn keys_are_byte_identical_to_the_layout() {
        let cat = |parts: &[&[u8]]| parts.concat();
        let month = 202611u32.to_be_bytes();
        let area = "410602100001";
        let area_part = cat(&[&[12], area.as_bytes()]);
        let parent = link(&Link::Parent);
        assert_eq!(parent, [0]);
        let child = link(&Link::Child(Code::parse("410602100001").unwrap()));
        assert_eq!(child, cat(&[&[12], b"410602100001"]));
        let rid = id(&RecordId {
            node: Code::parse("410602100").unwrap(),
            seq: 7,
        });
        assert_eq!(rid, cat(&[&[9], b"410602100", &7u64.to_be_bytes()]));
        let subject = "410602199001011237";
        let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (record(&rid), cat(&[b"R", &rid])),
            (log(5), cat(&[b"L", &5u64.to_be_bytes()])),
            (outbox(&child, 5), cat(&[b"O", &child, &5u64.to_be_bytes()])),
            (arrival(5), cat(&[b"T", &5u64.to_be_bytes()])),
            (
                self::subject(subject, &rid),
                cat(&[b"S", subject.as_bytes(), &rid]),
            ),
            (view(subject), cat(&[b"V", subject.as_bytes()])),
            (held(subject, &rid), cat(&[b"H", subject.as_bytes(), &rid])),
            (cursor(Dir::In, &parent), b"Ci\0".to_vec()),
            (cursor(Dir::Out, &child), cat(&[b"Co", &child])),
            (link_status(&child), cat(&[b"K", &child])),
            (fp_root(&parent), vec![b'F', 0, 0]),
            (fp_month(&parent, 202611), cat(&[b"F\0\x01", &month])),
            (
                fp_bucket(&child, 202611, area),
                cat(&[b"F", &child, &[2], &month, &area_part]),
            ),
            (
                member_page(&member_prefix(&parent, 202611, area), 3),
                cat(&[b"G\0", &month, &area_part, &3u64.to_be_bytes()]),
            ),
            (
                envelope_entry(&envelope(
                    &RecordId {
                        node: Code::parse("410602100").unwrap(),
                        seq: 7,
                    },
                    &Code::parse("440306").unwrap(),
                )),
                cat(&[
                    b"E",
                    &[0x89],
                    b"410602100",
                    &7u64.to_be_bytes(),
                    &[6],
                    b"440306",
                ]),
            ),
            (
                announcement(&Code::parse("440306").unwrap(), "00ff"),
                cat(&[b"N", &[6], b"440306", b"00ff"]),
            ),
            (cursor(Dir::Sealed, &parent), b"Cs\0".to_vec()),
            (meta(META_SEQ), b"Mseq".to_vec()),
            (meta(META_RECORDS), b"Mrecords".to_vec()),
            (
                high_water(&Code::parse("410602100").unwrap()),
                b"Mhw:410602100".to_vec(),
            ),
            (receipt(&parent), b"Mreceipt:\0".to_vec()),
            (peer(&child), cat(&[b"Mpeer:", &child])),
            (lower(&child), cat(&[b"Mlower:", &child])),
            (audit_entry(3), cat(&[b"A", &3u64.to_be_bytes()])),
            (
                audit_by_subject(subject, 3),
                cat(&[b"D", subject.as_bytes(), &3u64.to_be_bytes()]),
            ),
            (audit_meta(AUDIT_REFUSED), b"Mrefused".to_vec()),
        ];
        for (i, (got, want)) in cases.iter().enumerate() {
            assert_eq!(got, want, "case {i}");
        }
        let page_key = member_page(&member_prefix(&child, 202611, area), 3);
        assert_eq!(
            parse_member_page(&page_key),
            Some((child.clone(), 202611, area.to_string(), page_key.len() - 8))
        );
        assert_eq!(
            parse_fp_bucket(&fp_bucket(&child, 202611, area), &child),
            Some((202611, area.to_string()))
        );
        assert_eq!(
            parse_fp_month(&fp_month(&child, 202611), &child),
            Some(202611)
        );
        assert_eq!(parse_record(&record(&rid)), parse_id(&rid));
        assert_eq!(
            parse_link_after_prefix(&outbox(&child, 9)),
            parse_link(&child)
        );
        assert_eq!((TREE_RECORDS, TREE_AUDIT), ("liudong", "audit"));
    }
}
