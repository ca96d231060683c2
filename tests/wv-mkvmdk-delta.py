#!/usr/bin/python3
# winvirtio tests: write a vmfsSparse (COWD) or seSparse snapshot
# delta of a VMDK, for test-vmdk-chain.sh.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# qemu-img reads these formats but cannot write them, and no real
# ESXi-made delta is available here, so the test makes its own from
# the format as qemu's reader (block/vmdk.c) and VMware's notes
# describe it: these are OUR files, not VMware's.  qemu-img convert of
# the same files is the independent check.
#
# Usage: wv-mkvmdk-delta.py cowd|sesparse DIR NAME PARENT CAPACITY WRITE...
#   DIR/NAME.vmdk is the descriptor, DIR/NAME-delta.vmdk (COWD) or
#   DIR/NAME-sesparse.vmdk the data file; PARENT is the parent's
#   descriptor file name in DIR (its CID is read from it); CAPACITY is
#   in sectors.  WRITE is OFFSET:LENGTH (bytes, grain aligned: 512 for
#   COWD, 4096 for seSparse) of random data, or zero:OFFSET:LENGTH and
#   unmap:OFFSET:LENGTH (seSparse zero and unmapped grains).
# Grains and grain tables are placed in a shuffled order, and seSparse
# grain numbers start above 4096, so that every bit field of an entry
# is used (WV_SE_FIRST_GRAIN=0 in the environment makes small files
# for fuzzing seeds).  The data written is also saved in DIR/NAME.writes for the
# test, which does not need it (qemu-img is the oracle).

import os
import random
import re
import struct
import sys

SECTOR = 512


def parent_cid(path):
    with open(path, "rb") as f:
        head = f.read(1024 * 1024)
    m = re.search(rb"\nCID=([0-9a-fA-F]+)", head)
    if not m:
        sys.exit("%s: no CID" % path)
    return m.group(1).decode()


def parse_writes(args, grain):
    out = []
    for a in args:
        parts = a.split(":")
        kind = "data"
        if parts[0] in ("zero", "unmap"):
            kind = parts.pop(0)
        off, length = int(parts[0]), int(parts[1])
        if off % grain or length % grain:
            sys.exit("%s: not aligned to %d" % (a, grain))
        for g in range(off // grain, (off + length) // grain):
            out.append((g, kind))
    return out


def descriptor(name, ctype, cid, pcid, parent, capacity, extent_type, data):
    return ("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\n"
            "CID=%08x\nparentCID=%s\ncreateType=\"%s\"\n"
            "parentFileNameHint=\"%s\"\n\n# Extent description\n"
            "RW %d %s \"%s\"\n\n# The Disk Data Base\n#DDB\n\n"
            "ddb.virtualHWVersion = \"14\"\n"
            % (cid, pcid, ctype, parent, capacity, extent_type, data))


def make_cowd(path, capacity, grains):
    gsec = 1                              # ESX uses 1 sector grains
    gt_entries = 4096
    gd_entries = (capacity + gsec * gt_entries - 1) // (gsec * gt_entries)
    gd_sector = 4
    next_sector = gd_sector + (gd_entries * 4 + SECTOR - 1) // SECTOR
    gd = [0] * gd_entries
    gts = {}
    order = list(grains)
    random.shuffle(order)
    contents = {}
    with open(path, "wb") as f:
        for g, kind in order:
            if kind != "data":
                sys.exit("COWD has no zero or unmapped grains")
            t = g // gt_entries
            if t not in gts:
                gts[t] = [0] * gt_entries
                gd[t] = next_sector
                next_sector += gt_entries * 4 // SECTOR
            data = os.urandom(gsec * SECTOR)
            contents[g] = data
            gts[t][g % gt_entries] = next_sector
            f.seek(next_sector * SECTOR)
            f.write(data)
            next_sector += gsec
        f.seek(0)
        f.write(b"COWD" + struct.pack("<9I", 1, 3, capacity, gsec, gd_sector,
                                      gd_entries, next_sector, 0, 0))
        f.seek(gd_sector * SECTOR)
        f.write(struct.pack("<%dI" % gd_entries, *gd))
        for t, gt in gts.items():
            f.seek(gd[t] * SECTOR)
            f.write(struct.pack("<%dI" % gt_entries, *gt))
        f.truncate(max(next_sector, 1) * SECTOR)
    return contents


def make_sesparse(path, capacity, grains):
    gsec = 8
    gt_entries = 4096
    gt_sectors = 64
    gd_entries = (capacity + gsec * gt_entries - 1) // (gsec * gt_entries)
    gd_offset = 8
    gd_size = max(1, (gd_entries * 8 + SECTOR - 1) // SECTOR)
    gts_offset = gd_offset + gd_size
    gts_size = gd_entries * gt_sectors
    grains_offset = gts_offset + gts_size
    # Shuffled grain table slots and grain numbers, from 4100 up.
    slots = list(range(gd_entries))
    random.shuffle(slots)
    gd = [0] * gd_entries
    gts = {}
    first = int(os.environ.get("WV_SE_FIRST_GRAIN", "4100"))
    free = list(range(first, first + len(grains)))
    random.shuffle(free)
    contents = {}
    end = grains_offset
    with open(path, "wb") as f:
        for g, kind in grains:
            t = g // gt_entries
            if t not in gts:
                gts[t] = [0] * gt_entries
                gd[t] = 0x1000000000000000 | slots[t]
            if kind == "zero":
                gts[t][g % gt_entries] = 0x2000000000000000
                continue
            if kind == "unmap":
                gts[t][g % gt_entries] = 0x1000000000000000
                continue
            n = free.pop()
            gts[t][g % gt_entries] = (0x3000000000000000 |
                                      (n & 0xfff) << 48 | n >> 12)
            data = os.urandom(gsec * SECTOR)
            contents[g] = data
            f.seek((grains_offset + n * gsec) * SECTOR)
            f.write(data)
            end = max(end, grains_offset + (n + 1) * gsec)
        const = struct.pack("<26Q", 0xcafebabe, 0x200000001, capacity, gsec,
                            gt_sectors, 0, 0, 0, 0, 0,
                            1, 1,                 # volatile header
                            0, 0, 0, 0,           # journal (none)
                            gd_offset, gd_size,
                            gts_offset, gts_size,
                            0, 0, 0, 0,           # free bitmap, backmap
                            grains_offset, end - grains_offset)
        f.seek(0)
        f.write(const + bytes(SECTOR - len(const)))
        f.write(struct.pack("<4Q", 0xcafecafe, len(gts), 1, 0) + bytes(480))
        f.seek(gd_offset * SECTOR)
        f.write(struct.pack("<%dQ" % gd_entries, *gd))
        for t, gt in gts.items():
            f.seek((gts_offset + slots[t] * gt_sectors) * SECTOR)
            f.write(struct.pack("<%dQ" % gt_entries, *gt))
        f.truncate(end * SECTOR)
    return contents


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    fmt, d, name, parent, capacity = sys.argv[1:6]
    capacity = int(capacity)
    random.seed(int.from_bytes(os.urandom(8), "little"))
    if fmt == "cowd":
        data_name = name + "-delta.vmdk"
        grains = parse_writes(sys.argv[6:], SECTOR)
        make_cowd(os.path.join(d, data_name), capacity, grains)
        ctype, etype = "vmfsSparse", "VMFSSPARSE"
    elif fmt == "sesparse":
        data_name = name + "-sesparse.vmdk"
        grains = parse_writes(sys.argv[6:], 8 * SECTOR)
        make_sesparse(os.path.join(d, data_name), capacity, grains)
        ctype, etype = "seSparse", "SESPARSE"
    else:
        sys.exit("unknown format " + fmt)
    pcid = parent_cid(os.path.join(d, parent))
    cid = random.getrandbits(32)
    with open(os.path.join(d, name + ".vmdk"), "w") as f:
        f.write(descriptor(name, ctype, cid, pcid, parent, capacity, etype,
                           data_name))


main()
