#!/usr/bin/env python3
# winvirtio tests: one delta pass of a warm migration, standing in for
# VMware changed block tracking: the 64 KiB blocks where CUR differs
# from PREV (the source at the previous pass) are copied from CUR into
# DEST, and nothing else.  Prints "N blocks, B bytes copied".
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: warm-delta.py PREV CUR DEST
import os, sys
BLOCK = 65536
prev, cur, dest = sys.argv[1:4]
assert os.path.getsize(prev) == os.path.getsize(cur) == os.path.getsize(dest)
n = copied = 0
with open(prev, "rb") as p, open(cur, "rb") as c, open(dest, "r+b") as d:
    off = 0
    while True:
        a, b = p.read(BLOCK), c.read(BLOCK)
        if not b:
            break
        if a != b:
            d.seek(off)
            d.write(b)
            n += 1
            copied += len(b)
        off += len(b)
    d.flush()
    os.fsync(d.fileno())
print("%d blocks, %d bytes copied" % (n, copied))
