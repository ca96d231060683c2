#!/usr/bin/env python3
# winvirtio tests: a structured NTFS mutator, for hostile-input tests.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: ntfs-mutate.py SOURCE OUTPUT KIND SEED
#        ntfs-mutate.py --kinds
#
# Copies the raw disk image SOURCE (MBR or GPT, as
# scripts/make-windows-disk.sh makes them) to OUTPUT, sparse, and
# damages one NTFS structure of the copy the way a disk damaged in
# use (but still mountable) can be: the kind of damage is KIND, every
# choice after that comes from SEED, so KIND and SEED name the mutant.
# Prints one line saying what was changed.  Exit status 0, or 2 when
# this disk offers nothing for KIND to change (OUTPUT is then
# removed).  KIND "none" copies SOURCE unchanged: the control.
#
# What it is for: winvirtio must serve such a disk no worse than it is
# (tests/no-worse.py checks that) or refuse it with one message.  The
# known failures were $Bitmap bits cleared under files in use (free
# space trim then serves those clusters as zeroes), a damaged $Bitmap
# runlist, and new files allocated over clusters a file still uses.
#
# The NTFS parsing here (boot sector, MFT record header and update
# sequence fixups, attribute headers, runlists, $I30 index blocks) and
# the regf parsing are written from the on-disk format (the Linux
# fs/ntfs3 headers and the ntfs-3g layout.h describe it; regf as
# hivex's lib/hivex-internal.h does), independently of lib/: this is
# test code, and must not share the engine's mistakes.  Every record
# written back gets its fixups redone, so it stays "valid", unless
# damaging the fixups is the point.  Records 0 to 3 are also written
# to $MFTMirr (most of the time), so that the volume still mounts.

import random
import struct
import subprocess
import sys

KINDS = ["bitmap-clear-used", "bitmap-set-free", "runlist", "mft-record",
         "mft-bitmap", "index", "hive", "crosslink"]

SYSTEM_HIVE = "windows/system32/config/system"
SOFTWARE_HIVE = "windows/system32/config/software"
CONFIG_DIR = "windows/system32/config"
DRIVERS_DIR = "windows/system32/drivers"

AT_FILE_NAME, AT_DATA = 0x30, 0x80
AT_INDEX_ROOT, AT_INDEX_ALLOCATION, AT_BITMAP = 0x90, 0xA0, 0xB0
SYSTEM_FILES = {0: "$MFT", 1: "$MFTMirr", 2: "$LogFile", 3: "$Volume",
                4: "$AttrDef", 5: "root directory", 6: "$Bitmap",
                7: "$Boot", 8: "$BadClus", 9: "$Secure", 10: "$UpCase",
                11: "$Extend"}


class NoTarget(Exception):
    """This disk has nothing for the chosen mutation to change."""


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def s8(v):
    return v - 256 if v > 127 else v


class Disk:
    """The image file, with a log of the bytes actually changed."""

    def __init__(self, path):
        self.f = open(path, "r+b")
        self.changed = 0

    def read(self, off, n):
        self.f.seek(off)
        b = self.f.read(n)
        if len(b) != n:
            raise NoTarget("read past the end of the disk at %d" % off)
        return b

    def write(self, off, data):
        old = self.read(off, len(data))
        self.changed += sum(a != b for a, b in zip(old, data))
        self.f.seek(off)
        self.f.write(data)


# ---- Partition tables ------------------------------------------------

def mbr_entries(sector):
    for i in range(4):
        e = sector[0x1BE + 16 * i:0x1BE + 16 * (i + 1)]
        yield i, e[4], u32(e, 8), u32(e, 12)


def partitions(disk):
    """(number, byte offset) of every NTFS partition."""
    mbr = disk.read(0, 512)
    if mbr[510:512] != b"\x55\xaa":
        raise NoTarget("no partition table")
    found = []
    if any(t == 0xEE for _, t, _, _ in mbr_entries(mbr)):
        for ss in (512, 4096):
            hdr = disk.read(ss, 512)
            if hdr[:8] == b"EFI PART":
                break
        else:
            raise NoTarget("protective MBR without a GPT header")
        lba, count, esize = u64(hdr, 0x48), u32(hdr, 0x50), u32(hdr, 0x54)
        for i in range(min(count, 256)):
            e = disk.read(lba * ss + i * esize, esize)
            if e[:16] != bytes(16):
                found.append((i + 1, u64(e, 32) * ss))
    else:
        ext = [(i, s) for i, t, s, n in mbr_entries(mbr)
               if t in (0x05, 0x0F, 0x85) and s]
        found = [(i + 1, s * 512) for i, t, s, n in mbr_entries(mbr)
                 if t not in (0, 0x05, 0x0F, 0x85) and s]
        # The EBR chain: each link must move forward.
        num, here = 5, ext[0][1] if ext else 0
        while ext and num < 64:
            ebr = disk.read(here * 512, 512)
            entries = list(mbr_entries(ebr))
            if ebr[510:512] != b"\x55\xaa" or not entries[0][2]:
                break
            found.append((num, (here + entries[0][2]) * 512))
            num += 1
            nxt = ext[0][1] + entries[1][2]
            if not entries[1][2] or nxt <= here:
                break
            here = nxt
        # A table in 4096-byte sectors: the NTFS boot sector says.
        for k, (n, off) in enumerate(found):
            if disk.read(off + 3, 8) != b"NTFS    ":
                found[k] = (n, off * 8)
    return [(n, off) for n, off in found
            if disk.read(off + 3, 8) == b"NTFS    "]


# ---- Records, fixups, attributes, runlists ----------------------------

def unfix(buf):
    """Apply the update sequence fixups (512-byte strides); True if
    every stride carried the sequence number."""
    ofs, count = u16(buf, 4), u16(buf, 6)
    usn = buf[ofs:ofs + 2]
    ok = True
    for i in range(1, count):
        end = i * 512 - 2
        if end + 2 > len(buf) or ofs + 2 * i + 2 > len(buf):
            return False
        ok &= buf[end:end + 2] == usn
        buf[end:end + 2] = buf[ofs + 2 * i:ofs + 2 * i + 2]
    return ok


def refix(buf):
    """The reverse of unfix: save each stride's last two bytes in the
    array and put the sequence number there."""
    ofs, count = u16(buf, 4), u16(buf, 6)
    usn = buf[ofs:ofs + 2]
    for i in range(1, count):
        end = i * 512 - 2
        buf[ofs + 2 * i:ofs + 2 * i + 2] = buf[end:end + 2]
        buf[end:end + 2] = usn
    return buf


def decode_runs(b, pos, end):
    """Mapping pairs at b[pos:end]: [(vcn, lcn or None, length)] and
    the offset of the terminating zero."""
    runs, vcn, lcn = [], 0, 0
    while pos < end and b[pos]:
        nlen, noff = b[pos] & 15, b[pos] >> 4
        if pos + 1 + nlen + noff > end or not nlen:
            break
        length = int.from_bytes(b[pos + 1:pos + 1 + nlen], "little")
        if noff:
            lcn += int.from_bytes(b[pos + 1 + nlen:pos + 1 + nlen + noff],
                                  "little", signed=True)
            runs.append((vcn, lcn, length))
        else:
            runs.append((vcn, None, length))
        vcn += length
        pos += 1 + nlen + noff
    return runs, pos


def encode_runs(runs):
    """[(lcn, length)] as mapping pairs, terminator included."""
    out, prev = bytearray(), 0
    for lcn, length in runs:
        ln = (length.bit_length() + 8) // 8
        delta = lcn - prev
        lo = 1
        while not -(1 << (8 * lo - 1)) <= delta < (1 << (8 * lo - 1)):
            lo += 1
        out.append(lo << 4 | ln)
        out += length.to_bytes(ln, "little")
        out += delta.to_bytes(lo, "little", signed=True)
        prev = lcn
    return bytes(out + b"\0")


class Attr:
    """One attribute header of a record (offsets within the record)."""

    def __init__(self, rec, off):
        self.off = off
        self.type, self.length = u32(rec, off), u32(rec, off + 4)
        self.nonres = rec[off + 8]
        nlen, noff = rec[off + 9], u16(rec, off + 10)
        self.name = rec[off + noff:off + noff + 2 * nlen].decode(
            "utf-16-le", "replace")
        end = off + self.length
        if self.nonres:
            self.mp = off + u16(rec, off + 0x20)
            self.size = u64(rec, off + 0x30)
            self.runs, self.mp_end = decode_runs(rec, self.mp, end)
            self.value = None
        else:
            voff = off + u16(rec, off + 0x14)
            self.value_off = voff
            self.value = bytes(rec[voff:voff + u32(rec, off + 0x10)])
            self.runs = []


def attributes(rec):
    """The attributes of a record, in order, stopping at anything that
    does not fit."""
    out, off = [], u16(rec, 0x14)
    used = min(u32(rec, 0x18), len(rec))
    while off + 16 <= used and u32(rec, off) != 0xFFFFFFFF:
        length = u32(rec, off + 4)
        if length < 16 or off + length > used:
            break
        try:
            out.append(Attr(rec, off))
        except (struct.error, IndexError):
            break
        off += length
    return out


def find_attr(rec, atype, name=""):
    for a in attributes(rec):
        if a.type == atype and a.name == name:
            return a
    return None


# ---- A volume ----------------------------------------------------------

class Volume:
    def __init__(self, disk, number, offset):
        self.disk, self.number, self.offset = disk, number, offset
        bs = disk.read(offset, 512)
        self.bps = u16(bs, 0x0B)
        spc = bs[0x0D]
        spc = 1 << (256 - spc) if spc > 0x80 else spc
        self.cs = self.bps * spc
        self.clusters = u64(bs, 0x28) // spc
        self.mft_lcn = u64(bs, 0x30)
        c = s8(bs[0x40])
        self.rs = c * self.cs if c > 0 else 1 << -c
        rec0 = bytearray(disk.read(offset + self.mft_lcn * self.cs, self.rs))
        unfix(rec0)
        data = find_attr(rec0, AT_DATA)
        self.mft_runs = data.runs
        self.nrecords = data.size // self.rs
        self._paths = None
        mirr = self.record(1)
        self.mirr_runs = find_attr(mirr, AT_DATA).runs
        self.nmirror = find_attr(mirr, AT_DATA).size // self.rs
        self.bitmap_runs = find_attr(self.record(6), AT_DATA).runs

    # Bytes of a non-resident attribute, cluster by cluster.
    def _pieces(self, runs, off, n):
        while n > 0:
            vcn, within = divmod(off, self.cs)
            for v, lcn, length in runs:
                if v <= vcn < v + length and lcn is not None:
                    break
            else:
                raise NoTarget("offset %d is not mapped" % off)
            k = min(n, self.cs - within)
            yield self.offset + (lcn + vcn - v) * self.cs + within, k
            off += k
            n -= k

    def read_runs(self, runs, off, n):
        return b"".join(self.disk.read(d, k)
                        for d, k in self._pieces(runs, off, n))

    def write_runs(self, runs, off, data):
        pos = 0
        for d, k in self._pieces(runs, off, len(data)):
            self.disk.write(d, data[pos:pos + k])
            pos += k

    def raw_record(self, n):
        return bytearray(self.read_runs(self.mft_runs, n * self.rs, self.rs))

    def record(self, n):
        """Record n with its fixups applied (None if not "FILE")."""
        rec = self.raw_record(n)
        if rec[:4] != b"FILE":
            return None
        unfix(rec)
        return rec

    def write_raw_record(self, n, raw, mirror):
        self.write_runs(self.mft_runs, n * self.rs, raw)
        if mirror and n < self.nmirror:
            self.write_runs(self.mirr_runs, n * self.rs, raw)

    def write_record(self, n, rec, mirror=True):
        self.write_raw_record(n, refix(bytearray(rec)), mirror)

    def in_use(self, n):
        rec = self.record(n)
        return rec is not None and u16(rec, 0x16) & 1 and not u64(rec, 0x20)

    def paths(self):
        """{lower-case path: record} from the $FILE_NAME attributes."""
        if self._paths is not None:
            return self._paths
        parent, name = {}, {}
        for n in range(self.nrecords):
            if n == 5 or not self.in_use(n):
                continue
            for a in attributes(self.record(n)):
                if a.type != AT_FILE_NAME or a.value is None or \
                   len(a.value) < 0x42:
                    continue
                v = a.value
                if v[0x41] == 2 and n in name:      # DOS name: not
                    continue                        # over a long one
                parent[n] = u64(v, 0) & 0xFFFFFFFFFFFF
                name[n] = v[0x42:0x42 + 2 * v[0x40]].decode(
                    "utf-16-le", "replace")
        self._paths = {}
        for n in name:
            parts, m, seen = [], n, set()
            while m != 5 and m in name and m not in seen:
                seen.add(m)
                parts.append(name[m])
                m = parent[m]
            if m == 5:
                self._paths["/".join(reversed(parts)).lower()] = n
        return self._paths

    def lookup(self, path):
        return self.paths().get(path)

    def data_runs(self, n):
        """The unnamed $DATA runs of record n ([] if resident)."""
        rec = self.record(n)
        a = rec and find_attr(rec, AT_DATA)
        return [(v, lcn, ln) for v, lcn, ln in (a.runs if a else [])
                if lcn is not None]

    def files_with_clusters(self):
        """Records of ordinary files (not system files) whose $DATA is
        non-resident."""
        return sorted(n for n in self.paths().values()
                      if n >= 16 and self.data_runs(n))

    # $Bitmap
    def set_bits(self, first, count, value):
        """Set or clear the $Bitmap bits of clusters [first,
        first+count)."""
        for c in range(first, first + count):
            b = self.read_runs(self.bitmap_runs, c // 8, 1)[0]
            b = b | 1 << (c % 8) if value else b & ~(1 << (c % 8))
            self.write_runs(self.bitmap_runs, c // 8, bytes([b]))

    def free_runs(self):
        """Runs of free clusters [(first, count)], from $Bitmap."""
        nbytes = (self.clusters + 7) // 8
        bm = self.read_runs(self.bitmap_runs, 0, nbytes)
        runs, start = [], None
        for c in range(self.clusters):
            free = not bm[c // 8] >> (c % 8) & 1
            if free and start is None:
                start = c
            elif not free and start is not None:
                runs.append((start, c - start))
                start = None
        if start is not None:
            runs.append((start, self.clusters - start))
        return runs


# ---- Choosing what to damage ------------------------------------------

def windows_volume(vols):
    for v in vols:
        if v.lookup(SYSTEM_HIVE):
            return v
    raise NoTarget("no volume holds the SYSTEM hive")


def pick_volume(vols, rng):
    """Mostly the Windows volume; sometimes another (trim works on
    every NTFS volume)."""
    win = windows_volume(vols)
    others = [v for v in vols if v is not win]
    return rng.choice(others) if others and rng.random() < 0.25 else win


def target_file(vol, rng, choices):
    """(label, record) of one of choices: system file names, "SYSTEM",
    "SOFTWARE", "random"."""
    pool = []
    for c in choices:
        if c == "SYSTEM" and vol.lookup(SYSTEM_HIVE):
            pool.append(("SYSTEM hive", vol.lookup(SYSTEM_HIVE)))
        elif c == "SOFTWARE" and vol.lookup(SOFTWARE_HIVE):
            pool.append(("SOFTWARE hive", vol.lookup(SOFTWARE_HIVE)))
        elif c == "random":
            files = vol.files_with_clusters()
            if files:
                n = rng.choice(files)
                pool.append((path_of(vol, n), n))
        elif isinstance(c, int):
            pool.append((SYSTEM_FILES[c], c))
    if not pool:
        raise NoTarget("no file to damage")
    return rng.choice(pool)


def path_of(vol, n):
    for p, m in vol.paths().items():
        if m == n:
            return p
    return "record %d" % n


def where(vol):
    return "partition %d" % vol.number


# ---- The mutations: one function per kind -----------------------------

def bitmap_clear_used(vols, rng):
    """Clear $Bitmap bits under clusters a file uses: a few, a whole
    run, or all of them."""
    vol = pick_volume(vols, rng)
    label, n = target_file(vol, rng, ["SYSTEM", "SOFTWARE", 0, 1, 2, 7, 6,
                                      "random", "random"])
    runs = vol.data_runs(n)
    if not runs:
        raise NoTarget("%s has no clusters" % label)
    mode = rng.choice(["few", "run", "all"])
    if mode == "all":
        pick = [(lcn, ln) for _, lcn, ln in runs]
    else:
        _, lcn, ln = rng.choice(runs)
        if mode == "few":
            k = rng.randint(1, min(3, ln))
            lcn += rng.randrange(ln - k + 1)
            ln = k
        pick = [(lcn, ln)]
    for lcn, ln in pick:
        vol.set_bits(lcn, ln, 0)
    return "%s: cleared the $Bitmap bits of %s (record %d): %s" % (
        where(vol), label, n,
        ", ".join("clusters %d-%d" % (a, a + b - 1) for a, b in pick))


def bitmap_set_free(vols, rng):
    """Set $Bitmap bits over free clusters (a leak)."""
    vol = pick_volume(vols, rng)
    free = vol.free_runs()
    if not free:
        raise NoTarget("no free cluster")
    first, count = rng.choice(free)
    mode = rng.choice(["few", "few", "run"])
    if mode == "few":
        k = rng.randint(1, min(64, count))
        first += rng.randrange(count - k + 1)
        count = k
    vol.set_bits(first, count, 1)
    return "%s: set the $Bitmap bits of free clusters %d-%d" % (
        where(vol), first, first + count - 1)


def runlist(vols, rng):
    """Change one byte of the mapping pairs of a system file's $DATA or
    of the SYSTEM hive's."""
    vol = pick_volume(vols, rng)
    label, n = target_file(vol, rng, [6, 0, 2, 1, "SYSTEM"])
    rec = vol.record(n)
    a = find_attr(rec, AT_DATA)
    if not a or not a.nonres:
        raise NoTarget("%s has no runlist" % label)
    # Mostly inside the pairs, sometimes the terminator.
    end = a.mp_end + 1 if rng.random() < 0.15 else a.mp_end
    pos = rng.randrange(a.mp, max(end, a.mp + 1))
    old = rec[pos]
    rec[pos] = (old + rng.choice([1, -1])) & 0xFF if rng.random() < 0.5 \
        else old ^ rng.randint(1, 255)
    mirror = rng.random() < 0.75
    vol.write_record(n, rec, mirror)
    return ("%s: %s (record %d) $DATA mapping pairs byte %d: 0x%02x -> "
            "0x%02x%s" % (where(vol), label, n, pos - a.mp, old, rec[pos],
                          ", $MFTMirr too" if mirror and n < 4 else ""))


def mft_record(vols, rng):
    """Damage a field of a system file's record, of the SYSTEM hive's
    or of the config and drivers directories'."""
    win = windows_volume(vols)
    vol = pick_volume(vols, rng)
    choices = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11]
    if vol is win:
        choices += ["SYSTEM", "SYSTEM", "SYSTEM"]
    label, n = target_file(vol, rng, choices)
    if vol is win and rng.random() < 0.2:
        label = rng.choice([CONFIG_DIR, DRIVERS_DIR])
        n = vol.lookup(label)
    rec = vol.record(n)
    field = rng.choice(["in-use-clear", "in-use-set", "directory-flag",
                        "bytes_in_use", "attrs_offset", "attribute-length",
                        "sequence", "base-reference", "magic", "fixups"])
    mirror = rng.random() < 0.75
    if field == "in-use-set":
        free = [m for m in range(16, vol.nrecords)
                if vol.record(m) is not None and not u16(vol.record(m),
                                                         0x16) & 1]
        if not free:
            raise NoTarget("no free record")
        n, label = rng.choice(free), "a free record"
        rec = vol.record(n)
        struct.pack_into("<H", rec, 0x16, u16(rec, 0x16) | 1)
    elif field == "in-use-clear":
        struct.pack_into("<H", rec, 0x16, u16(rec, 0x16) & ~1)
    elif field == "directory-flag":
        struct.pack_into("<H", rec, 0x16, u16(rec, 0x16) ^ 2)
    elif field == "bytes_in_use":
        used = u32(rec, 0x18)
        struct.pack_into("<I", rec, 0x18, rng.choice(
            [0, used - 8, used + 8, used // 2, vol.rs + 8, 0xFFFFFFF8]))
    elif field == "attrs_offset":
        off = u16(rec, 0x14)
        struct.pack_into("<H", rec, 0x14, rng.choice(
            [0, off - 8, off + 8, off + 0x18, vol.rs - 8, 0xFFF8]) & 0xFFFF)
    elif field == "attribute-length":
        a = rng.choice(attributes(rec))
        struct.pack_into("<I", rec, a.off + 4, rng.choice(
            [0, a.length - 8, a.length + 8, a.length * 2, 0x7FFFFFF8]))
        field += " of type 0x%x" % a.type
    elif field == "sequence":
        struct.pack_into("<H", rec, 0x10, (u16(rec, 0x10) +
                                           rng.randint(1, 0xFFFF)) & 0xFFFF)
    elif field == "base-reference":
        struct.pack_into("<Q", rec, 0x20, rng.choice(
            [5, 0, 1, rng.randrange(vol.nrecords)]) | 1 << 48)
    elif field == "magic":
        raw = vol.raw_record(n)
        raw[:4] = rng.choice([b"BAAD", b"FILF", b"\0\0\0\0", b"INDX"])
        vol.write_raw_record(n, raw, mirror)
        return "%s: %s (record %d): record magic -> %r" % (
            where(vol), label, n, bytes(raw[:4]))
    elif field == "fixups":
        raw = vol.raw_record(n)
        ofs, count = u16(raw, 4), u16(raw, 6)
        i = rng.randrange(count)
        pos = ofs + 2 * i if rng.random() < 0.5 else \
            max(i, 1) * 512 - 2
        raw[pos] ^= rng.randint(1, 255)
        vol.write_raw_record(n, raw, mirror)
        return "%s: %s (record %d): update sequence byte at %d changed" % (
            where(vol), label, n, pos)
    vol.write_record(n, rec, mirror)
    return "%s: %s (record %d): %s changed%s" % (
        where(vol), label, n, field,
        ", $MFTMirr too" if mirror and n < 4 else "")


def mft_bitmap(vols, rng):
    """Clear the $MFT $BITMAP bit of a record in use."""
    win = windows_volume(vols)
    vol = pick_volume(vols, rng)
    pool = [(SYSTEM_FILES[n], n) for n in (0, 1, 2, 5, 6, 9, 11)]
    if vol is win:
        pool += [(p, vol.lookup(p)) for p in
                 (SYSTEM_HIVE, SYSTEM_HIVE, SOFTWARE_HIVE, CONFIG_DIR,
                  DRIVERS_DIR)]
    files = [n for n in vol.paths().values() if n >= 16]
    if files:
        n = rng.choice(files)
        pool += [(path_of(vol, n), n)] * 3
    label, n = rng.choice(pool)
    rec0 = vol.record(0)
    a = find_attr(rec0, AT_BITMAP)
    if a is None:
        raise NoTarget("$MFT has no $BITMAP")
    if a.nonres:
        b = vol.read_runs(a.runs, n // 8, 1)[0] & ~(1 << (n % 8))
        vol.write_runs(a.runs, n // 8, bytes([b]))
    else:
        pos = a.value_off + n // 8
        rec0[pos] &= ~(1 << (n % 8))
        vol.write_record(0, rec0, True)
    return "%s: cleared the $MFT $BITMAP bit of %s (record %d)" % (
        where(vol), label, n)


def index_entries(buf, hdr):
    """Entry offsets in the index node whose header is at buf[hdr:]."""
    out, off = [], hdr + u32(buf, hdr)
    end = hdr + min(u32(buf, hdr + 4), len(buf) - hdr)
    while off + 16 <= end:
        out.append(off)
        length = u16(buf, off + 8)
        if u32(buf, off + 12) & 2 or length < 16:
            break
        off += length
    return out


def damage_entries(buf, hdr, rng, allow_fixups):
    """Change one thing in an index node: an entry's length, key
    length, file reference or child VCN, the node header, or (in an
    INDX block) the fixups.  Returns what it did, or None if it only
    changed the fixups (the caller then writes raw)."""
    entries = index_entries(buf, hdr)
    ops = ["entry-length", "key-length", "file-reference", "child-vcn",
           "node-length"]
    if allow_fixups:
        ops.append("fixups")
    op = rng.choice(ops)
    e = rng.choice(entries)
    if op == "entry-length":
        ln = u16(buf, e + 8)
        struct.pack_into("<H", buf, e + 8, rng.choice(
            [0, ln - 8, ln + 8, 0xFFF8]) & 0xFFFF)
    elif op == "key-length":
        struct.pack_into("<H", buf, e + 10, rng.choice([0, 0x200, 0xFFFF]))
    elif op == "file-reference":
        struct.pack_into("<Q", buf, e, (u64(buf, e) ^ rng.choice(
            [1, 1 << 48, rng.randint(1, 255)])))
    elif op == "child-vcn":
        with_sub = [x for x in entries if u32(buf, x + 12) & 1]
        if with_sub:
            e = rng.choice(with_sub)
            pos = e + u16(buf, e + 8) - 8
            struct.pack_into("<Q", buf, pos, u64(buf, pos) ^ rng.choice(
                [1, 2, 1 << 20, 1 << 40]))
        else:
            # A leaf: claim a subnode, so its last 8 bytes are a VCN.
            struct.pack_into("<I", buf, e + 12, u32(buf, e + 12) | 1)
            op = "subnode flag"
    elif op == "node-length":
        struct.pack_into("<I", buf, hdr + 4, u32(buf, hdr + 4) +
                         rng.choice([-16, 8, 0x1000]) & 0xFFFFFFFF)
    elif op == "fixups":
        return None
    return "%s of entry at %d" % (op, e - hdr) if op in (
        "entry-length", "key-length", "file-reference",
        "child-vcn", "subnode flag") else op


def index(vols, rng):
    """Damage an index block (INDX) of the config or drivers directory,
    or its index root when it has no block."""
    vol = windows_volume(vols)
    path = rng.choice([CONFIG_DIR, DRIVERS_DIR])
    n = vol.lookup(path)
    rec = vol.record(n)
    root = find_attr(rec, AT_INDEX_ROOT, "$I30")
    alloc = find_attr(rec, AT_INDEX_ALLOCATION, "$I30")
    if alloc and alloc.runs and rng.random() < 0.8:
        bsize = u32(root.value, 8)
        # A block in use, from the $I30 $BITMAP (resident here).
        bm = find_attr(rec, AT_BITMAP, "$I30")
        used = [i for i in range(alloc.size // bsize)
                if bm is None or bm.value is None or
                (i // 8 < len(bm.value) and bm.value[i // 8] >> i % 8 & 1)]
        vcn_off = rng.choice(used) * bsize
        raw = bytearray(vol.read_runs(alloc.runs, vcn_off, bsize))
        if raw[:4] != b"INDX":
            raise NoTarget("no INDX block at %d" % vcn_off)
        buf = bytearray(raw)
        unfix(buf)
        what = damage_entries(buf, 0x18, rng, True)
        if what is None:
            ofs, count = u16(raw, 4), u16(raw, 6)
            i = rng.randrange(count)
            pos = ofs + 2 * i if rng.random() < 0.5 else max(i, 1) * 512 - 2
            raw[pos] ^= rng.randint(1, 255)
            what, out = "update sequence byte at %d" % pos, raw
        else:
            out = refix(buf)
        vol.write_runs(alloc.runs, vcn_off, bytes(out))
        return "%s: %s (record %d): INDX block at byte %d: %s changed" % (
            where(vol), path, n, vcn_off, what)
    # The index root, inside the record.
    what = damage_entries(rec, root.value_off + 0x10, rng, False)
    vol.write_record(n, rec)
    return "%s: %s (record %d): $INDEX_ROOT: %s changed" % (
        where(vol), path, n, what)


def hive_cells(hive):
    """(offset, size field, signature) of each cell of the hbins."""
    cells, pos = [], 0x1000
    end = min(len(hive), 0x1000 + u32(hive, 0x28))
    while pos + 0x20 <= end and hive[pos:pos + 4] == b"hbin":
        size = u32(hive, pos + 8)
        if size < 0x20 or size % 0x1000:
            break
        c = pos + 0x20
        while c + 4 <= min(pos + size, end):
            sz = struct.unpack_from("<i", hive, c)[0]
            if sz == 0 or abs(sz) % 8 or c + abs(sz) > pos + size:
                break
            cells.append((c, sz, bytes(hive[c + 4:c + 6])))
            c += abs(sz)
        pos += size
    return cells


def hive(vols, rng):
    """Damage the SYSTEM hive inside its clusters: a cell size, an
    nk/vk/lf/lh signature, an offset, or a base block field with the
    checksum kept valid or not."""
    vol = windows_volume(vols)
    n = vol.lookup(SYSTEM_HIVE)
    rec = vol.record(n)
    a = find_attr(rec, AT_DATA)
    if not a.nonres:
        raise NoTarget("the SYSTEM hive is resident")
    h = bytearray(vol.read_runs(a.runs, 0, a.size))
    if h[:4] != b"regf":
        raise NoTarget("the SYSTEM hive does not start with regf")
    cells = [c for c in hive_cells(h) if c[1] < 0]
    op = rng.choice(["cell-size", "signature", "offset", "offset",
                     "base-block"])
    if op == "cell-size":
        c, sz, sig = rng.choice(cells)
        new = rng.choice([-sz, sz - 8, sz + 8, sz * 2, sz - 3, 0])
        struct.pack_into("<i", h, c, new)
        what = "cell at 0x%x (%r): size %d -> %d" % (c - 0x1000, sig, sz, new)
    elif op == "signature":
        pool = [x for x in cells if x[2] in (b"nk", b"vk", b"lf", b"lh",
                                             b"li", b"ri", b"sk")]
        c, sz, sig = rng.choice(pool)
        new = rng.choice([b"kn", b"vk", b"nk", b"lh", b"\0\0", b"db"])
        if new == sig:
            new = sig[::-1]
        h[c + 4:c + 6] = new
        what = "cell at 0x%x: signature %r -> %r" % (c - 0x1000, sig, new)
    elif op == "offset":
        fields = []
        for c, sz, sig in cells:
            d = c + 4
            if sig == b"nk":
                fields += [(d + f, sig) for f in (0x10, 0x1C, 0x28, 0x2C)]
            elif sig == b"vk" and not u32(h, d + 4) & 0x80000000:
                fields.append((d + 8, sig))
            elif sig in (b"lf", b"lh", b"li", b"ri"):
                step = 8 if sig in (b"lf", b"lh") else 4
                fields += [(d + 4 + step * i, sig)
                           for i in range(u16(h, d + 2))
                           if d + 8 + step * i <= c - sz]
        pos, sig = rng.choice(fields)
        old = u32(h, pos)
        other = rng.choice(cells)[0] - 0x1000
        new = rng.choice([old + 8, old ^ 0x1000, 0x7FFFFFF0, other, 0,
                          old + 1]) & 0xFFFFFFFF
        struct.pack_into("<I", h, pos, new)
        what = "%r offset at 0x%x: 0x%x -> 0x%x" % (sig, pos - 0x1000,
                                                    old, new)
    else:
        field, size = rng.choice([(0x24, "root cell"), (0x28, "hbins size"),
                                  (0x04, "sequence 1"), (0x14, "major"),
                                  (0x1C, "file type"), (0x20, "format"),
                                  (0x1FC, "checksum")])
        old = u32(h, field)
        new = rng.choice([old + 1, old ^ 0x1000, 0, 0xFFFFFFFF, old - 0x20])
        struct.pack_into("<I", h, field, new & 0xFFFFFFFF)
        valid = field != 0x1FC and rng.random() < 0.5
        if valid:
            x = 0
            for i in range(0, 0x1FC, 4):
                x ^= u32(h, i)
            struct.pack_into("<I", h, 0x1FC, x)
        what = "base block %s: 0x%x -> 0x%x, checksum %s" % (
            size, old, u32(h, field), "kept valid" if valid else "not fixed")
    vol.write_runs(a.runs, 0, bytes(h))
    return "%s: SYSTEM hive (record %d): %s" % (where(vol), n, what)


def crosslink(vols, rng):
    """Make a file's $DATA point at clusters another file uses."""
    vol = pick_volume(vols, rng)
    win = vol.lookup(SYSTEM_HIVE) is not None
    src_pool = ["random", "random"] + (["SYSTEM", "SOFTWARE"] if win else [])
    label_a, a = target_file(vol, rng, src_pool)
    for _ in range(20):
        label_b, b = target_file(vol, rng, ["random", "random", 0, 2, 9, 10]
                                 + (["SYSTEM", "SOFTWARE"] if win else []))
        if b != a and vol.data_runs(b):
            break
    else:
        raise NoTarget("no second file")
    rec = vol.record(a)
    attr = find_attr(rec, AT_DATA)
    clusters = sum(ln for _, _, ln in attr.runs)
    _, lcn_b, ln_b = rng.choice(vol.data_runs(b))
    lcn = lcn_b + rng.randrange(ln_b)
    pairs = encode_runs([(lcn, clusters)])
    room = attr.off + attr.length - attr.mp
    if len(pairs) > room:
        raise NoTarget("the new runlist does not fit")
    rec[attr.mp:attr.mp + room] = pairs + bytes(room - len(pairs))
    vol.write_record(a, rec)
    return ("%s: %s (record %d) now claims clusters %d-%d, used by %s "
            "(record %d)" % (where(vol), label_a, a, lcn, lcn + clusters - 1,
                             label_b, b))


MUTATIONS = dict(zip(KINDS, [bitmap_clear_used, bitmap_set_free, runlist,
                             mft_record, mft_bitmap, index, hive,
                             crosslink]))


def main():
    if sys.argv[1:] == ["--kinds"]:
        print("\n".join(KINDS))
        return 0
    if len(sys.argv) != 5 or sys.argv[3] not in MUTATIONS and \
       sys.argv[3] != "none":
        sys.exit("usage: ntfs-mutate.py SOURCE OUTPUT KIND SEED\n"
                 "kinds: " + " ".join(KINDS) + " (and none, the control)")
    src, out, kind, seed = sys.argv[1:]
    subprocess.run(["cp", "--reflink=auto", "--sparse=always", src, out],
                   check=True)
    if kind == "none":
        print("%s %s: nothing changed (the control)" % (kind, seed))
        return 0
    rng = random.Random("%s:%s" % (kind, seed))
    disk = Disk(out)
    # A choice may find nothing to change (an empty list to choose
    # from, a resident file, a bit already clear): choose again.
    why = "ten tries changed nothing"
    try:
        vols = [Volume(disk, n, off) for n, off in partitions(disk)]
        for attempt in range(10):
            try:
                what = MUTATIONS[kind](vols, rng)
            except (NoTarget, IndexError) as e:
                why = str(e) or "nothing to choose from"
                continue
            if disk.changed:
                break
        else:
            raise NoTarget(why)
    except NoTarget as e:
        disk.f.close()
        subprocess.run(["rm", "-f", out], check=True)
        print("%s %s: nothing to change: %s" % (kind, seed, e))
        return 2
    disk.f.close()
    print("%s %s: %s (%d bytes changed)" % (kind, seed, what, disk.changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
