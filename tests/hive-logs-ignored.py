#!/usr/bin/env python3
# winvirtio tests: will Windows leave these logs alone on this hive?
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: hive-logs-ignored.py HIVE [LOG...]
#
# Written apart from lib/registry/hivelog.c, from the format specification
# (github.com/msuhanov/regf, "Dirty state of a hive", "Log entries"):
# Windows replays a hive's transaction logs only if the hive is dirty
# (its base block checksum is wrong, or its two sequence numbers
# differ); and even then only log entries numbered at or above the
# hive's secondary sequence number.  So this checks that
#  - HIVE's base block has the regf signature, file type 0 (a hive),
#    a valid XOR-32 checksum and equal sequence numbers;
#  - every sequence number in each LOG (its base block, and the header
#    of every "HvLE" entry at any 512-byte boundary, valid or not) is
#    below HIVE's.
# Prints the numbers; exits 1 on the first failed check.
import struct
import sys


def u32(d, off):
    return struct.unpack_from('<I', d, off)[0]


def checksum(d):
    s = 0
    for off in range(0, 508, 4):
        s ^= u32(d, off)
    return {0: 1, 0xffffffff: 0xfffffffe}.get(s, s)


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


hive = open(sys.argv[1], 'rb').read()
if len(hive) < 4096 or hive[:4] != b'regf':
    fail('not a hive')
seq1, seq2 = u32(hive, 4), u32(hive, 8)
if u32(hive, 28) != 0:
    fail('file type %d is not a hive' % u32(hive, 28))
if checksum(hive) != u32(hive, 508):
    fail('bad base block checksum')
if seq1 != seq2:
    fail('the hive is dirty (%d/%d)' % (seq1, seq2))
print('%s: clean, sequence number %d' % (sys.argv[1], seq1))

for path in sys.argv[2:]:
    log = open(path, 'rb').read()
    seqs = []
    if len(log) >= 512 and log[:4] == b'regf':
        seqs += [u32(log, 4), u32(log, 8)]
    for off in range(512, len(log) - 16 + 1, 512):
        if log[off:off + 4] == b'HvLE':
            seqs.append(u32(log, off + 12))
    top = max(seqs) if seqs else None
    print('%s: %d sequence numbers, highest %s' % (path, len(seqs), top))
    if top is not None and top >= seq1:
        fail('%s holds sequence number %d, not below the hive\'s %d'
             % (path, top, seq1))
