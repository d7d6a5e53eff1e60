#!/usr/bin/env python3
"""Generate crates/liudong-core/data/villages.bin: the names of the 620,573 villages of the
NBS 2023 division table, compactly, for address resolution (liudong_core::address).

Usage (from anywhere; default paths are relative to the repository root):

    python3 scripts/gen_village_names.py [SRC_DIR] [--out FILE]

SRC_DIR defaults to <repo>/../shared/data/divisions and must hold villages.csv.gz (columns
code,name,...). Python 3 standard library only. Regenerate it whenever data/divisions.bin is
regenerated (scripts/gen_divisions.py): the file names the village codes it was built for (a
CRC-32 of them) and the decoder refuses a file that does not match the division table.

divisions.bin leaves village names out (12.3 MB as UTF-8). This file holds them in ~2.8 MB:
each name is split into a stem and one of a few common endings (村民委员会, 社区居委会, ...),
and the stem's characters are numbered by frequency (the 192 most frequent take one byte,
the others two).

Format (version 1; all integers little-endian; "varint" is unsigned LEB128).
The decoder is crates/liudong-core/src/address/villages.rs and must be kept in step.

    magic    4 bytes  b"LDVN"
    version  u16      1
    date     u8 length + ASCII   (data date of the division table, "2023-06-30")
    count    u32      number of villages (the village level of divisions.bin)
    codes    u32      CRC-32 of the village codes, 12 ASCII digits each, concatenated in
                      code order (ties the file to the division table)
    nsuffix  u8       number of endings (at most 15)
    suffixes nsuffix × (u8 length + UTF-8)
    nchars   varint   number of distinct stem characters
    chars    the characters, UTF-8, concatenated, most frequent first (rank 0, 1, ...)
    names    count entries, in village code order:
               head  u8: (ending << 4) | n, where ending 0 is "none" and i >= 1 is
                     suffixes[i - 1]; n < 15 is the stem's length in characters, n = 15
                     means the length follows as one more u8 (>= 15)
               stem  the stem's characters by rank: rank < 192 is one byte; otherwise
                     two bytes, 192 + (rank - 192) // 256 and (rank - 192) % 256
    crc32    u32      CRC-32 (IEEE, as zlib.crc32) of every preceding byte
"""

import argparse
import collections
import csv
import gzip
import os
import struct
import sys
import zlib

MAGIC = b"LDVN"
VERSION = 1
DATA_DATE = "2023-06-30"
ONE_BYTE = 192
# Endings stored apart from the stem; purely a compression device (the decoder
# joins them back). Longest first, so that the longest ending is taken.
SUFFIXES = [
    "社区居民委员会",
    "村民委员会",
    "社区居委会",
    "居民委员会",
    "村委会",
    "居委会",
    "委员会",
    "生活区",
    "管理区",
    "社区",
    "嘎查",
    "村委",
    "居委",
    "村",
]


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def split(name):
    for i, s in enumerate(SUFFIXES):
        if name.endswith(s) and len(name) > len(s):
            return i + 1, name[: -len(s)]
    return 0, name


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "src",
        nargs="?",
        default=os.path.join(repo, "..", "shared", "data", "divisions"),
        help="directory with villages.csv.gz (default: <repo>/../shared/data/divisions)",
    )
    ap.add_argument(
        "--out",
        default=os.path.join(repo, "crates", "liudong-core", "data", "villages.bin"),
        help="output file (default: crates/liudong-core/data/villages.bin)",
    )
    args = ap.parse_args()
    assert len(SUFFIXES) <= 15

    path = os.path.join(args.src, "villages.csv.gz")
    rows = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:2] != ["code", "name"]:
            sys.exit("%s: expected columns code,name,...; got %r" % (path, header))
        for lineno, row in enumerate(reader, start=2):
            code, name = row[0], row[1]
            if len(code) != 12 or not code.isdigit() or not code.isascii():
                sys.exit("%s:%d: code %r is not 12 digits" % (path, lineno, code))
            if not name:
                sys.exit("%s:%d: empty name for %s" % (path, lineno, code))
            rows.append((code, name))
    rows.sort()
    for a, b in zip(rows, rows[1:]):
        if a[0] == b[0]:
            sys.exit("%s: duplicate code %s" % (path, a[0]))

    parts = [split(name) for _, name in rows]
    freq = collections.Counter(ch for _, stem in parts for ch in stem)
    # Most frequent first; ties by code point, so the output is reproducible.
    chars = sorted(freq, key=lambda ch: (-freq[ch], ord(ch)))
    if len(chars) > ONE_BYTE + 64 * 256:
        sys.exit("%d distinct characters: more than the format can number" % len(chars))
    rank = {ch: i for i, ch in enumerate(chars)}

    out = bytearray(MAGIC)
    out += struct.pack("<H", VERSION)
    date = DATA_DATE.encode("ascii")
    out += bytes([len(date)]) + date
    codes_crc = zlib.crc32("".join(code for code, _ in rows).encode("ascii")) & 0xFFFFFFFF
    out += struct.pack("<II", len(rows), codes_crc)
    out.append(len(SUFFIXES))
    for s in SUFFIXES:
        raw = s.encode("utf-8")
        out += bytes([len(raw)]) + raw
    out += varint(len(chars))
    out += "".join(chars).encode("utf-8")
    names_at = len(out)
    for ending, stem in parts:
        n = len(stem)
        if n > 255:
            sys.exit("stem of %d characters: too long" % n)
        if n < 15:
            out.append((ending << 4) | n)
        else:
            out.append((ending << 4) | 15)
            out.append(n)
        for ch in stem:
            r = rank[ch]
            if r < ONE_BYTE:
                out.append(r)
            else:
                r -= ONE_BYTE
                out += bytes([ONE_BYTE + r // 256, r % 256])
    names_bytes = len(out) - names_at
    out += struct.pack("<I", zlib.crc32(bytes(out)) & 0xFFFFFFFF)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, args.out)
    raw = sum(len(name.encode("utf-8")) for _, name in rows)
    print("wrote %s (%d bytes)" % (args.out, len(out)))
    print("  villages %d, distinct stem characters %d" % (len(rows), len(chars)))
    print("  names %d bytes (%d as UTF-8)" % (names_bytes, raw))


if __name__ == "__main__":
    main()
