#!/usr/bin/env python3
# winvirtio tests: what a destination holds in the map's extents,
# independently of winvirtio: "patched" (every extent holds the bytes
# of PATCHED), "original" (every extent holds the bytes of ORIGINAL) or
# "mixed N/M" (N of the M extents patched).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: apply-state.py EXTENTS DEST ORIGINAL PATCHED
# where EXTENTS is the output of "mapfile.py MAP extents".
import sys
extents, dest, orig, ref = sys.argv[1:5]
files = [open(p, "rb") for p in (dest, orig, ref)]
patched = original = total = 0
for line in open(extents):
    off, length = (int(x) for x in line.split()[:2])
    d, o, r = (f.seek(off) is None or f.read(length) for f in files)
    total += 1
    patched += d == r
    original += d == o
if patched == total:
    print("patched")
elif original == total:
    print("original")
else:
    print("mixed %d/%d" % (patched, total))
