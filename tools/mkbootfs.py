#!/usr/bin/env python3
"""Pack user programs into a VeridianOS boot file system image.

    mkbootfs.py OUT FILE...        (each FILE is stored under its base name)

Layout (little-endian; libsys/src/bootfs.c reads it):
    0   "VOSBOOT\\0"                      magic
    8   u64 count
    16  count x { char name[48]; u64 offset; u64 size; }   (NUL-padded names)
    ... file data, each file starting on a 4096-byte boundary so it can be
        mapped in place
"""
import os
import struct
import sys

MAGIC = b"VOSBOOT\0"
ENTRY = struct.Struct("<48sQQ")
PAGE = 4096


def main(out, files):
    names = [os.path.basename(f) for f in files]
    for n in names:
        if len(n.encode()) >= 48:
            sys.exit(f"mkbootfs: name too long (47 bytes max): {n}")
    if len(set(names)) != len(names):
        sys.exit("mkbootfs: two files share a name")
    offset = -(-(16 + ENTRY.size * len(files)) // PAGE) * PAGE
    table, blobs = [], []
    for name, path in zip(names, files):
        data = open(path, "rb").read()
        table.append(ENTRY.pack(name.encode(), offset, len(data)))
        blobs.append((offset, data))
        offset = -(-(offset + len(data)) // PAGE) * PAGE
    image = bytearray(MAGIC + struct.pack("<Q", len(files)) + b"".join(table))
    for off, data in blobs:
        image.extend(b"\0" * (off - len(image)))
        image.extend(data)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(image)
    os.replace(tmp, out)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
