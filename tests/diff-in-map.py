#!/usr/bin/env python3
# winvirtio tests: check that two disks differ only inside a block map.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: diff-in-map.py SOURCE CONVERTED MAP.json
#
# MAP.json is "winvirtio dump --json" output.  Every byte that differs
# between SOURCE and CONVERTED must lie inside one of the map's
# extents, and every extent must cover at least one differing byte
# (the map holds no unchanged sector).  Prints the number of differing
# bytes.

import json
import sys

CHUNK = 1 << 20


def main():
    src_path, out_path, map_path = sys.argv[1:4]
    with open(map_path) as f:
        extents = [(e["offset"], e["offset"] + e["length"])
                   for e in json.load(f)["extents"]]
    hit = [False] * len(extents)
    ndiff = 0
    bad = []
    with open(src_path, "rb") as a, open(out_path, "rb") as b:
        pos = 0
        while True:
            x = a.read(CHUNK)
            y = b.read(CHUNK)
            if len(x) != len(y):
                sys.exit("sizes differ at offset %d" % pos)
            if not x:
                break
            for blk in range(0, len(x), 4096) if x != y else []:
                if x[blk:blk + 4096] == y[blk:blk + 4096]:
                    continue
                for i in range(blk, min(blk + 4096, len(x))):
                    if x[i] != y[i]:
                        off = pos + i
                        ndiff += 1
                        for k, (s, e) in enumerate(extents):
                            if s <= off < e:
                                hit[k] = True
                                break
                        else:
                            bad.append(off)
            pos += len(x)
    if bad:
        sys.exit("%d differing bytes outside the block map, first at %d"
                 % (len(bad), bad[0]))
    unused = [extents[k] for k in range(len(extents)) if not hit[k]]
    if unused:
        sys.exit("%d extents change nothing, first %r" % (len(unused),
                                                          unused[0]))
    print(ndiff)


main()
