#!/usr/bin/env python3
# winvirtio tests: make a dirty hive and its new-format logs.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: make-dirty-hive.py [--old] H0 H1 H2 PRIMARY LOG1 LOG2
#
# H0, H1 and H2 are three states of one hive (H1 and H2 made from the
# previous one by hivexregedit --merge).  Writes what Windows 8.1 and
# later would leave after logging the changes H0 -> H1 in LOG1 and
# H1 -> H2 in LOG2 and then failing to write the hive: PRIMARY is H0
# with its base block dirty (sequence numbers N+1 and N, N being H0's),
# LOG1 holds one log entry numbered N, LOG2 one numbered N+1, each with
# the 4 KiB pages of hive bins that changed.  After LOG1's entry, a
# stale entry numbered N+7 with a damaged body (hash-1 wrong, header
# hash right) stands for leftovers that must not be replayed, but that
# the recovered hive must be numbered above.
#
# With --old, the old format of Windows XP to 8 instead: LOG1 is a
# base block (H2's, numbered N+1, written at the same time as
# PRIMARY's) then a "DIRT" bitmap of the 512-byte pages of H2's hive
# bins that differ from H0, then those pages; LOG2 is empty.
#
# Written from the format specification (github.com/msuhanov/regf),
# apart from lib/registry/hivelog.c.
import struct
import sys

SEED = 0x82EF4D887A4E55C5
M32 = 0xffffffff


def rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def marvin32(data):
    lo, hi = SEED & M32, SEED >> 32
    tail = len(data) % 4
    blocks = list(struct.unpack_from('<%dI' % (len(data) // 4), data))
    final = 0x80
    for i in range(tail - 1, -1, -1):
        final = (final << 8) | data[len(data) - tail + i]
    for v in blocks + [final, 0]:
        lo = (lo + v) & M32
        hi ^= lo
        lo = (rotl(lo, 20) + hi) & M32
        hi = rotl(hi, 9) ^ lo
        lo = (rotl(lo, 27) + hi) & M32
        hi = rotl(hi, 19)
    return (hi << 32) | lo


def u32(d, off):
    return struct.unpack_from('<I', d, off)[0]


def set_checksum(bb):
    s = 0
    for off in range(0, 508, 4):
        s ^= u32(bb, off)
    s = {0: 1, M32: 0xfffffffe}.get(s, s)
    struct.pack_into('<I', bb, 508, s)


def entry(old, new, seq):
    """One log entry with the pages of new's hive bins that differ."""
    hbins = u32(new, 40)
    refs, pages = b'', b''
    for off in range(0, hbins, 4096):
        page = new[4096 + off:4096 + off + 4096]
        if old[4096 + off:4096 + off + 4096] != page:
            refs += struct.pack('<II', off, 4096)
            pages += page
    count = len(refs) // 8
    size = 40 + len(refs) + len(pages)
    size = (size + 511) // 512 * 512
    body = (refs + pages).ljust(size - 40, b'\0')
    head = bytearray(struct.pack('<4sIIIII', b'HvLE', size, 0, seq, hbins,
                                 count))
    head += struct.pack('<Q', marvin32(body))
    head += struct.pack('<Q', marvin32(bytes(head[:32])))
    return bytes(head) + body


def log(base, seq, entries):
    bb = bytearray(base[:512])
    struct.pack_into('<III', bb, 4, seq, seq, u32(bb, 12))
    struct.pack_into('<I', bb, 28, 6)       # file type: new-format log
    set_checksum(bb)
    return bytes(bb) + b''.join(entries)


def old_log(primary, old, new, seq):
    """An old-format log taking old to new."""
    bb = bytearray(new[:512])
    struct.pack_into('<II', bb, 4, seq, seq)
    bb[12:20] = primary[12:20]              # written at the same time
    struct.pack_into('<I', bb, 28, 1)       # file type: old-format log
    set_checksum(bb)
    hbins = u32(new, 40)
    bitmap = bytearray(hbins // 4096)
    pages = b''
    for i in range(hbins // 512):
        page = new[4096 + i * 512:4096 + i * 512 + 512]
        if old[4096 + i * 512:4096 + i * 512 + 512] != page:
            bitmap[i // 8] |= 1 << (i % 8)
            pages += page
    vector = (b'DIRT' + bytes(bitmap))
    vector = vector.ljust((len(vector) + 511) // 512 * 512, b'\0')
    return bytes(bb) + vector + pages, len(pages) // 512


args = sys.argv[1:]
old_format = args[0] == '--old'
if old_format:
    args = args[1:]
h0, h1, h2 = (open(p, 'rb').read() for p in args[0:3])
n = u32(h0, 4)

primary = bytearray(h0)
struct.pack_into('<II', primary, 4, n + 1, n)
set_checksum(primary)

if old_format:
    log1, pages = old_log(primary, h0, h2, n + 1)
    log2 = b''
    print('sequence number %d, %d dirty pages' % (n, pages))
else:
    stale = bytearray(entry(h0, h1, n + 7))
    stale[-1] ^= 0xff                       # body damaged: hash-1 wrong
    log1 = log(h0, n, [entry(h0, h1, n), bytes(stale)])
    log2 = log(h0, n + 1, [entry(h1, h2, n + 1)])
    print('sequence number %d, log entries %d (LOG1) and %d (LOG2), '
          'stale %d' % (n, n, n + 1, n + 7))

for path, data in zip(args[3:6], (primary, log1, log2)):
    with open(path, 'wb') as f:
        f.write(data)
