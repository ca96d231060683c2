#!/usr/bin/env python3
# winvirtio tests: compare the extents nbdkit-vmdk-plugin reports
# (nbdinfo --map --json) with qemu-img map --output=json of one VMDK.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: test-vmdk-map-compare.py NBDINFO.json QEMU.json
#
# The plugin must never call data a hole (the copy would lose it), and
# must report as zero everything qemu reports as zero, so that copies
# skip it: for every byte, plugin "zero" == qemu "zero", and where
# qemu says "data": false (unallocated or zero grain) the plugin says
# "hole".

import json
import sys


def runs(entries, start_key, fn):
    """[(start, end, value)] from a map, value = fn(entry)."""
    return [(e[start_key], e[start_key] + e["length"], fn(e))
            for e in entries]


def main():
    nbd = json.load(open(sys.argv[1]))
    qemu = json.load(open(sys.argv[2]))
    a = runs(nbd, "offset", lambda e: (bool(e["type"] & 2),
                                       bool(e["type"] & 1)))
    b = runs(qemu, "start", lambda e: (e["zero"], not e["data"]))
    if a[-1][1] != b[-1][1]:
        sys.exit("map sizes differ: plugin %d, qemu %d" % (a[-1][1], b[-1][1]))
    cuts = sorted({s for s, _, _ in a} | {s for s, _, _ in b} | {a[-1][1]})
    i = j = 0
    bad = 0
    for lo, hi in zip(cuts, cuts[1:]):
        while a[i][1] <= lo:
            i += 1
        while b[j][1] <= lo:
            j += 1
        (pzero, phole), (qzero, qhole) = a[i][2], b[j][2]
        if pzero != qzero or (qhole and not phole) or (phole and not qzero):
            print("[%d, %d): plugin zero=%s hole=%s, qemu zero=%s data=%s"
                  % (lo, hi, pzero, phole, qzero, not qhole))
            bad += 1
    if bad:
        sys.exit("%d ranges differ" % bad)
    print("maps agree: %d plugin extents, %d qemu extents" % (len(a), len(b)))


main()
