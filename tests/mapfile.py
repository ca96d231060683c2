#!/usr/bin/env python3
# winvirtio tests: read or rewrite a block map file, independently of
# lib/map/, from the layout in docs/winvirtio-map.pod.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: mapfile.py MAP COMMAND ARGS
#
#   set-size SIZE OUT   write MAP with virtual_size SIZE (and a correct
#                       checksum) to OUT
#   beyond SIZE         the first read range that does not fit in SIZE
#                       bytes, as lib/map/map.c names it
#   counts              "N read ranges, N extents and N bytes of summary"
#   unread LO HI        an offset in [LO, HI) far from any read range
#                       or extent
#   ranges              the read ranges, "OFFSET LENGTH" a line
#   extents             the extents, "OFFSET LENGTH LABEL" a line
#   runs                the requests apply reads and writes them in:
#                       extents end to end, at most 4 MiB a request
#                       (apply.c's RUN_MAX), "FIRST LAST" a line (the
#                       1-based numbers of the run's first and last
#                       extents)
import hashlib, struct, sys
path, cmd = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
assert hashlib.sha256(b[:-32]).digest() == b[-32:], "bad checksum"
assert b[:16] == b"WINVIRTIO-MAP\0\0\0"
vsize, nx, nr = struct.unpack_from("<QQQ", b, 0x18)
if cmd == "set-size":
    struct.pack_into("<Q", b, 0x18, int(sys.argv[3]))
    b[-32:] = hashlib.sha256(b[:-32]).digest()
    open(sys.argv[4], "wb").write(b)
elif cmd == "beyond":
    # The first read range that does not fit in SIZE bytes.
    size = int(sys.argv[3])
    for i in range(nr):
        o, n = struct.unpack_from("<QQ", b, 128 + 16 * i)
        if o + n > size:
            print("read range %d (%d bytes at offset %d)" % (i, n, o))
            break
elif cmd == "counts":
    print("%d read ranges, %d extents and %d bytes of summary"
          % (nr, nx, struct.unpack_from("<Q", b, 0x30)[0]))
elif cmd == "unread":
    # An offset in [lo, hi) that is neither read nor patched, far
    # from both: the middle of the largest such gap.
    lo, hi = int(sys.argv[3]), int(sys.argv[4])
    used = [struct.unpack_from("<QQ", b, 128 + 16 * i) for i in range(nr)]
    xt = 128 + 16 * nr
    used += [struct.unpack_from("<QI", b, xt + 96 * i) for i in range(nx)]
    used = sorted((o, o + n) for o, n in used) + [(hi, hi)]
    best, pos = (0, lo), lo
    for s, e in used:
        if s > pos and min(s, hi) - pos > best[0]:
            best = (min(s, hi) - pos, pos)
        pos = max(pos, e)
    assert best[0] > 65536, best
    print(best[1] + best[0] // 2)
elif cmd == "ranges":
    for i in range(nr):
        print("%d %d" % struct.unpack_from("<QQ", b, 128 + 16 * i))
elif cmd == "extents":
    xt = 128 + 16 * nr
    for i in range(nx):
        o, n = struct.unpack_from("<QI", b, xt + 96 * i)
        label = bytes(b[xt + 96 * i + 16:xt + 96 * i + 96]).split(b"\0")[0]
        print("%d %d %s" % (o, n, label.decode()))
elif cmd == "runs":
    xt = 128 + 16 * nr
    ext = [struct.unpack_from("<QI", b, xt + 96 * i) for i in range(nx)]
    i = 0
    while i < nx:
        j, size = i + 1, ext[i][1]
        while (j < nx and ext[j][0] == ext[j - 1][0] + ext[j - 1][1]
               and size + ext[j][1] <= 4 * 1024 * 1024):
            size += ext[j][1]
            j += 1
        print("%d %d" % (i + 1, j))
        i = j
else:
    sys.exit("mapfile.py: unknown command " + cmd)
