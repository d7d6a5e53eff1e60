//! Village names: the 620,573 names the division table leaves out, from the
//! embedded `data/villages.bin` (2.8 MB instead of 12.3 MB of UTF-8).
//!
//! The file is written by `scripts/gen_village_names.py`, whose docstring
//! specifies the format; [`VillageNames::decode`] is its only reader and
//! checks it completely against the division table it must belong to (data
//! date, number of villages, CRC-32 of their codes), so a stale or corrupt
//! file is an error, never a panic or a wrong name. Names are not copied out
//! of the file: each is decoded from its bytes when asked for.

use crate::divisions::{Divisions, crc32};

/// The embedded file (see the module documentation).
pub(crate) static BLOB: &[u8] = include_bytes!("../../data/villages.bin");

const MAGIC: &[u8; 4] = b"LDVN";
const VERSION: u16 = 1;
/// Village level in the division table's numbering.
const VILLAGE: usize = 4;
/// Ranks below this take one byte.
const ONE_BYTE: usize = 192;
/// Largest number of stem characters the two-byte form can number.
const MAX_CHARS: usize = ONE_BYTE + 64 * 256;
/// Endings are numbered in 4 bits, 0 meaning none.
const MAX_SUFFIXES: usize = 15;

/// The decoded (validated) village-name file.
pub(crate) struct VillageNames<'a> {
    bytes: &'a [u8],
    suffixes: Vec<String>,
    /// Stem characters by rank.
    chars: Vec<char>,
    /// Offset of each village's head byte, in village code order.
    offsets: Vec<u32>,
}

impl std::fmt::Debug for VillageNames<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VillageNames")
            .field("villages", &self.len())
            .field("characters", &self.chars.len())
            .finish()
    }
}

/// What the file must say about the division table it belongs to.
struct Expect<'t> {
    date: &'t str,
    count: usize,
    /// CRC-32 of the table's village codes, concatenated.
    codes_crc: u32,
}

/// A cursor whose every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "truncated: {what} needs {n} bytes at offset {}",
                self.pos
            ));
        };
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn varint(&mut self, what: &str) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8(what)?;
            value |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("{what}: varint longer than 10 bytes"))
    }

    fn short_str(&mut self, what: &str) -> Result<&'a str, String> {
        let n = self.u8(what)?;
        let raw = self.take(n.into(), what)?;
        std::str::from_utf8(raw).map_err(|e| format!("{what} is not UTF-8: {e}"))
    }
}

impl<'a> VillageNames<'a> {
    /// Decodes and checks a `villages.bin` image against `table`. Every
    /// fault is an `Err` naming what is wrong.
    pub(crate) fn decode(bytes: &'a [u8], table: &Divisions) -> Result<Self, String> {
        let expect = Expect {
            date: table.data_date(),
            count: table.level_len(VILLAGE),
            codes_crc: table.level_codes_crc(VILLAGE),
        };
        Self::decode_for(bytes, &expect)
    }

    fn decode_for(bytes: &'a [u8], expect: &Expect) -> Result<Self, String> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err("not a village-name file: bad magic".into());
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
        if stored != crc32(body) {
            return Err("checksum mismatch: truncated or corrupt".into());
        }
        let mut r = Reader {
            bytes: body,
            pos: MAGIC.len() + 2,
        };
        let date = r.short_str("data date")?;
        if date != expect.date {
            return Err(format!(
                "built for the division table of {date}, not of {}",
                expect.date
            ));
        }
        let count = r.u32("village count")? as usize;
        if count != expect.count {
            return Err(format!(
                "{count} villages; the division table has {}",
                expect.count
            ));
        }
        if r.u32("code checksum")? != expect.codes_crc {
            return Err("built for other village codes than the division table's".into());
        }

        let nsuffix = usize::from(r.u8("ending count")?);
        if nsuffix > MAX_SUFFIXES {
            return Err(format!("{nsuffix} endings; at most {MAX_SUFFIXES}"));
        }
        let suffixes = (0..nsuffix)
            .map(|_| r.short_str("ending").map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;

        let nchars = r.varint("character count")?;
        if nchars > MAX_CHARS as u64 {
            return Err(format!("{nchars} characters; at most {MAX_CHARS}"));
        }
        let mut chars = Vec::with_capacity(nchars as usize);
        for _ in 0..nchars {
            let lead = r.u8("character")?;
            let len = match lead {
                0x00..=0x7F => 1,
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => return Err(format!("character at offset {}: not UTF-8", r.pos - 1)),
            };
            r.pos -= 1;
            let raw = r.take(len, "character")?;
            let c = std::str::from_utf8(raw)
                .ok()
                .and_then(|s| s.chars().next())
                .ok_or_else(|| format!("character at offset {}: not UTF-8", r.pos - len))?;
            chars.push(c);
        }

        let mut offsets = Vec::with_capacity(count);
        for i in 0..count {
            let at = r.pos;
            offsets.push(at as u32);
            let head = r.u8("name head")?;
            if usize::from(head >> 4) > nsuffix {
                return Err(format!("name #{i}: ending {} not in the list", head >> 4));
            }
            let mut len = usize::from(head & 0x0F);
            if len == 15 {
                len = usize::from(r.u8("name length")?);
                if len < 15 {
                    return Err(format!("name #{i}: long length {len} below 15"));
                }
            }
            for _ in 0..len {
                let b = usize::from(r.u8("name character")?);
                let rank = if b < ONE_BYTE {
                    b
                } else {
                    ONE_BYTE + (b - ONE_BYTE) * 256 + usize::from(r.u8("name character")?)
                };
                if rank >= chars.len() {
                    return Err(format!("name #{i}: character rank {rank} out of range"));
                }
            }
            if head & 0x0F == 0 && head >> 4 == 0 {
                return Err(format!("name #{i} is empty"));
            }
        }
        if r.pos != body.len() {
            return Err(format!(
                "{} unexpected bytes after the last name",
                body.len() - r.pos
            ));
        }
        if u32::try_from(body.len()).is_err() {
            return Err("file larger than 4 GiB".into());
        }
        Ok(VillageNames {
            bytes: body,
            suffixes,
            chars,
            offsets,
        })
    }

    /// Number of villages.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Heap bytes held (the file itself is embedded, not copied).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4
            + self.chars.capacity() * 4
            + self
                .suffixes
                .iter()
                .map(|s| s.capacity() + 24)
                .sum::<usize>()
    }

    /// Appends the characters of village `i`'s name (village level position)
    /// to `out`; nothing if `i` is out of range.
    pub(crate) fn chars_into(&self, i: usize, out: &mut Vec<char>) {
        let Some(&at) = self.offsets.get(i) else {
            return;
        };
        // The bytes were checked by `decode`; `get` keeps this panic-free
        // regardless.
        let mut pos = at as usize;
        let byte = |p: usize| self.bytes.get(p).copied().map_or(0, usize::from);
        let head = byte(pos);
        pos += 1;
        let mut len = head & 0x0F;
        if len == 15 {
            len = byte(pos);
            pos += 1;
        }
        for _ in 0..len {
            let b = byte(pos);
            pos += 1;
            let rank = if b < ONE_BYTE {
                b
            } else {
                pos += 1;
                ONE_BYTE + (b - ONE_BYTE) * 256 + byte(pos - 1)
            };
            out.extend(self.chars.get(rank));
        }
        if let Some(s) = (head >> 4)
            .checked_sub(1)
            .and_then(|s| self.suffixes.get(s))
        {
            out.extend(s.chars());
        }
    }

    /// The name of village `i` (village level position).
    pub(crate) fn name(&self, i: usize) -> String {
        let mut chars = Vec::new();
        self.chars_into(i, &mut chars);
        chars.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::divisions::table;

    fn expect() -> Expect<'static> {
        Expect {
            date: table().data_date(),
            count: table().level_len(VILLAGE),
            codes_crc: table().level_codes_crc(VILLAGE),
        }
    }

    fn reseal(mut body: Vec<u8>) -> Vec<u8> {
        let crc = crc32(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        body
    }

    #[test]
    fn villages_decode_the_embedded_file() {
        let v = VillageNames::decode(BLOB, table()).unwrap();
        assert_eq!(v.len(), table().counts().4);
        assert_eq!(
            format!("{v:?}"),
            "VillageNames { villages: 620573, characters: 5014 }"
        );
        let at = |code: &str| {
            let (level, i) = table().position(code).unwrap();
            assert_eq!(level, VILLAGE);
            v.name(i)
        };
        // First village, and examples of each kind of ending.
        assert_eq!(at("110101001001"), "多福巷社区居委会");
        assert_eq!(at("410602100204"), "北杨邑村民委员会");
        assert_eq!(at("410602201201"), "崔村沟村民委员会");
        assert_eq!(at("440306017001"), "宝民社区居委会");
        assert_eq!(at("110102007016"), "复兴门外大街甲7号院社区居委会");
        let last = table().level_len(VILLAGE) - 1;
        assert!(!v.name(last).is_empty());
        assert_eq!(v.name(last + 1), "");
    }

    #[test]
    fn villages_refuse_a_damaged_or_foreign_file() {
        let e = expect();
        let decode = |b: &[u8]| VillageNames::decode_for(b, &e).map(|_| ());
        let body = BLOB[..BLOB.len() - 4].to_vec();

        let mut bad = BLOB.to_vec();
        bad[BLOB.len() / 2] ^= 0x10;
        assert!(decode(&bad).unwrap_err().contains("checksum"));
        for cut in (0..40).chain([1000, 20_000, body.len() / 2, body.len() - 1]) {
            assert!(decode(&BLOB[..cut]).is_err(), "cut {cut}");
            assert!(
                decode(&reseal(body[..cut].to_vec())).is_err(),
                "resealed cut {cut}"
            );
        }
        // Header fields: magic, version, date, count, code checksum.
        let changed = |at: usize, f: fn(u8) -> u8| {
            let mut b = body.clone();
            b[at] = f(b[at]);
            decode(&reseal(b)).unwrap_err()
        };
        assert!(changed(0, |_| b'X').contains("magic"));
        assert!(changed(4, |_| 9).contains("version"));
        assert!(changed(7, |_| b'1').contains("built for the division table of 1023"));
        assert!(changed(17, |b| b ^ 1).contains("villages; the division table has"));
        assert!(changed(21, |b| b ^ 1).contains("other village codes"));
        let mut b = body.clone();
        b.push(0);
        assert!(
            decode(&reseal(b))
                .unwrap_err()
                .contains("after the last name")
        );
        // The real table: the whole check, once.
        assert!(VillageNames::decode(BLOB, table()).is_ok());
    }

    /// Test encoder mirroring `scripts/gen_village_names.py`: names as
    /// (ending, stem ranks), the ranks written as given.
    fn encode(e: &Expect, suffixes: &[&str], chars: &str, names: &[(u8, &[usize])]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.push(e.date.len() as u8);
        out.extend_from_slice(e.date.as_bytes());
        out.extend_from_slice(&(e.count as u32).to_le_bytes());
        out.extend_from_slice(&e.codes_crc.to_le_bytes());
        out.push(suffixes.len() as u8);
        for s in suffixes {
            out.push(s.len() as u8);
            out.extend_from_slice(s.as_bytes());
        }
        let mut n = chars.chars().count();
        while n >= 0x80 {
            out.push((n & 0x7F) as u8 | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(chars.as_bytes());
        for (ending, stem) in names {
            if stem.len() < 15 {
                out.push(ending << 4 | stem.len() as u8);
            } else {
                out.push(ending << 4 | 15);
                out.push(stem.len() as u8);
            }
            for &r in *stem {
                if r < ONE_BYTE {
                    out.push(r as u8);
                } else {
                    out.push((ONE_BYTE + (r - ONE_BYTE) / 256) as u8);
                    out.push(((r - ONE_BYTE) % 256) as u8);
                }
            }
        }
        reseal(out)
    }

    #[test]
    fn villages_decode_a_small_file() {
        let e = Expect {
            date: "2023-06-30",
            count: 3,
            codes_crc: 7,
        };
        let long: Vec<usize> = (0..17).map(|i| i % 3).collect();
        let b = encode(
            &e,
            &["村委会", "社区"],
            "北杨邑",
            &[(1, &[0, 1, 2]), (2, &[2]), (0, &long)],
        );
        let v = VillageNames::decode_for(&b, &e).unwrap();
        assert_eq!(v.name(0), "北杨邑村委会");
        assert_eq!(v.name(1), "邑社区");
        assert_eq!(v.name(2).chars().count(), 17);
        // An ending or a character rank out of range, an empty name.
        for bad in [&[(3, &[0][..])][..], &[(0, &[3])], &[(0, &[])]] {
            let e1 = Expect { count: 1, ..e };
            let b = encode(&e1, &["村委会", "社区"], "北杨邑", bad);
            assert!(VillageNames::decode_for(&b, &e1).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn villages_any_single_byte_change_is_handled() {
        let e = Expect {
            date: "2023-06-30",
            count: 3,
            codes_crc: 7,
        };
        let long: Vec<usize> = (0..16).collect();
        let many: String = "北杨邑村社区一二三四五六七八九十"
            .chars()
            .cycle()
            .take(200)
            .collect();
        let b = encode(
            &e,
            &["村委会", "社区"],
            &many[..],
            &[(1, &[0, 1, 2]), (2, &[199]), (0, &long)],
        );
        let body = &b[..b.len() - 4];
        assert!(VillageNames::decode_for(&b, &e).is_ok());
        for i in 0..body.len() {
            for v in 0..=255u8 {
                let mut c = body.to_vec();
                c[i] = v;
                // Either a valid file or an error; never a panic.
                if let Ok(names) = VillageNames::decode_for(&reseal(c), &e) {
                    for k in 0..4 {
                        let _ = names.name(k);
                    }
                }
            }
        }
    }
}
