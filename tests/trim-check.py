#!/usr/bin/env python3
# winvirtio tests: check free-space trim against sleuthkit.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: trim-check.py SOURCE OUT-TRIM OUT-NOTRIM MAP-ON.json MAP-OFF.json
#                      [SKIP-PARTITION-START]...
#
# The free clusters are computed by sleuthkit alone: mmls finds the
# NTFS partitions, fsstat their cluster size, blkls -A lists the
# unallocated clusters of the source and of the served disk (trim
# off); a cluster is free if both say so.  Partitions starting at a
# SKIP-PARTITION-START sector must not be trimmed at all.  MAP-*.json
# are "nbdinfo --map --json" of the filter with trim on and off.
# Checks:
#  - every free cluster is a hole (hole+zero) with trim on;
#  - every hole with trim on is a free cluster or a hole with trim off;
#  - OUT-TRIM is zero in the free clusters and equal to OUT-NOTRIM
#    everywhere else.
# Prints the free bytes and how many of them were not zero in the
# source.

import json
import re
import subprocess
import sys


def run(*args):
    return subprocess.run(args, check=True, capture_output=True,
                          text=True).stdout


def ntfs_partitions(disk):
    """Start sectors of the NTFS partitions, and the sector size."""
    out = run("mmls", disk)
    unit = int(re.search(r"Units are in (\d+)-byte sectors", out).group(1))
    starts = [int(m.group(1)) for m in
              re.finditer(r"^\d+:\s+\d+:\d+\s+(\d+)\s+\d+\s+\d+\s+NTFS",
                          out, re.M)]
    return starts, unit


def free_clusters(disk, start):
    out = run("blkls", "-A", "-l", "-o", str(start), disk)
    return {int(line.split("|")[0]) for line in out.splitlines()
            if re.match(r"^\d+\|f$", line)}


def to_ranges(sorted_offsets, size):
    """Coalesce sorted equal-sized blocks into (start, end) ranges."""
    ranges = []
    for off in sorted_offsets:
        if ranges and ranges[-1][1] == off:
            ranges[-1][1] = off + size
        else:
            ranges.append([off, off + size])
    return ranges


def holes(path):
    with open(path) as f:
        return [(e["offset"], e["offset"] + e["length"]) for e in json.load(f)
                if (e["type"] & 3) == 3]


def covered(ranges, start, end):
    """Is [start, end) inside the union of the sorted ranges?"""
    for a, b in ranges:
        if b <= start:
            continue
        if a > start:
            return False
        start = b
        if start >= end:
            return True
    return start >= end


def main():
    src, out_on, out_off, map_on, map_off = sys.argv[1:6]
    skip = {int(s) for s in sys.argv[6:]}
    starts, unit = ntfs_partitions(src)
    if len(starts) < 2:
        sys.exit("expected two NTFS partitions or more, found %d" %
                 len(starts))
    free = []
    for start in starts:
        fs = run("fsstat", "-o", str(start), src)
        cs = int(re.search(r"Cluster Size: (\d+)", fs).group(1))
        both = free_clusters(src, start) & free_clusters(out_off, start)
        offs = sorted(start * unit + c * cs for c in both)
        if start in skip:
            # A skipped volume: none of it may be a hole with trim on
            # unless it was one with trim off.
            for a, b in to_ranges(offs, cs):
                for ha, hb in holes(map_on):
                    if ha < b and a < hb and \
                       not covered(holes(map_off), max(a, ha), min(b, hb)):
                        sys.exit("partition at sector %d was trimmed but "
                                 "must not be" % start)
            continue
        free += to_ranges(offs, cs)
    free.sort()

    h_on, h_off = holes(map_on), holes(map_off)
    for a, b in free:
        if not covered(h_on, a, b):
            sys.exit("free clusters [%d, %d) are not a hole with trim on" %
                     (a, b))
    known = sorted(free + [list(r) for r in h_off])
    for a, b in h_on:
        if not covered(known, a, b):
            sys.exit("hole [%d, %d) with trim on is neither free nor a hole "
                     "with trim off" % (a, b))

    nonzero = 0
    with open(src, "rb") as s, open(out_on, "rb") as x, \
            open(out_off, "rb") as y:
        pos = 0
        for a, b in free + [(1 << 62, 1 << 62)]:
            # [pos, a) must be equal; [a, b) zero in OUT-TRIM.
            x.seek(pos)
            y.seek(pos)
            while pos < a:
                n = min(a - pos, 1 << 20)
                bx, by = x.read(n), y.read(n)
                if bx != by:
                    sys.exit("OUT-TRIM and OUT-NOTRIM differ near offset %d, "
                             "outside the free clusters" % pos)
                if not bx:
                    break
                pos += len(bx)
            if a >= 1 << 62:
                break
            x.seek(a)
            s.seek(a)
            z = x.read(b - a)
            if len(z) != b - a or z.count(0) != len(z):
                sys.exit("free clusters [%d, %d) are not zero with trim on" %
                         (a, b))
            old = s.read(b - a)
            nonzero += len(old) - old.count(0)
            pos = b
    print(sum(b - a for a, b in free), nonzero)


if __name__ == "__main__":
    main()
