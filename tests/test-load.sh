#!/usr/bin/env bash
# winvirtio tests: many parallel clients on one nbdkit with the filter
# get the same bytes as one client, with no error and bounded memory.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The source is random data; the map (wv-mkmap-many) has 5000+
# extents at unaligned offsets, of odd lengths, some touching, so that
# nearly every request straddles patched extents.  The expected disk
# is rebuilt here in Python from the map file (mapfile.py) and the
# map's rule (patched bytes = source XOR 0x5a), without winvirtio.
#
#   1. one connection, one request at a time (nbdcopy);
#   2. nbdcopy --connections=4 --requests=64;
#   3. LOAD_CLIENTS clients at once (default 8): half nbdcopy
#      --connections=4 --requests=64, half qemu-img convert -W -m 16,
#      plus an nbdsh client with 64 unaligned reads in flight, each
#      compared with the expected bytes;
#
# every copy compared by SHA-256 with the expected disk.  nbdkit's peak
# resident memory (VmHWM) is read at the end and must stay under the
# peak of a plain nbdkit (no filter) under the same load plus 64 MiB
# (and ASan's quarantine in a sanitizer build) plus twice the map
# file: the filter holds the map, and nothing per request.  LOAD_SIZE (MiB, default 32), LOAD_EXTENTS (default 5000)
# and LOAD_CLIENTS make the bigger run of bench/load.sh.
source ./functions.sh
set -e
set -x

requires test -f "$filter"
requires nbdkit --version
requires nbdcopy --version
requires qemu-img --version
requires python3 --version
requires /usr/bin/python3 -c 'import nbd'
requires sha256sum --version

size_mb=${LOAD_SIZE:-32}
extents=${LOAD_EXTENTS:-5000}
clients=${LOAD_CLIENTS:-8}
mapfile="$abs_top_srcdir/tests/mapfile.py"

t=tmp-load
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t
T="$(pwd)/$t"

head -c ${size_mb}M /dev/urandom > $t/disk.img
wv-mkmap-many $t/disk.img $extents $t/many.map
python3 "$mapfile" $t/many.map extents > $t/extents
[ $(wc -l < $t/extents) -ge $extents ] || fail "too few extents"

# The expected disk, without winvirtio.
python3 - $t/disk.img $t/extents $t/expected.raw <<'PY'
import sys
disk = bytearray(open(sys.argv[1], "rb").read())
xor = bytes(b ^ 0x5a for b in range(256))
n = 0
for line in open(sys.argv[2]):
    off, length = map(int, line.split()[:2])
    disk[off:off + length] = disk[off:off + length].translate(xor)
    n += length
open(sys.argv[3], "wb").write(disk)
print("%d patched bytes" % n)
PY
expected=$(sha256sum < $t/expected.raw)

pids=()
cleanup_fn 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done'
# serve NAME ARGS: nbdkit -f on $T/NAME.sock, pid in $pid; returns
# once nbdkit listens.
serve ()
{
  local name=$1
  shift
  nbdkit_bg $T/$name "$@"
  pid=$nbdkit_pid
  pids+=($pid)
}
# hwm PID: VmHWM in KiB.
hwm ()
{
  awk '/^VmHWM:/ { print $2 }' /proc/$1/status
}
# check FILE WHAT: FILE has the expected checksum; then remove it.
check ()
{
  [ "$(sha256sum < "$1")" = "$expected" ] || fail "$2: other bytes"
  rm -f "$1"
}

# load URI PREFIX REFERENCE [nocheck]: the parallel clients, all at
# once; the nbdsh client compares with REFERENCE, the copies are
# checked unless "nocheck".
load ()
{
  local uri=$1 p=$2 ref=$3 i cpids=() r=0
  for i in $(seq $clients); do
    if [ $((i % 2)) = 1 ]; then
      nbdcopy --connections=4 --requests=64 "$uri" $p.$i.raw \
        2> $p.$i.err &
    else
      qemu-img convert -f raw -O raw -W -m 16 "$uri" $p.$i.raw \
        2> $p.$i.err &
    fi
    cpids+=($!)
  done
  # Random unaligned reads, 64 in flight, from the expected disk.
  /usr/bin/python3 - "$uri" $ref > $p.nbdsh.out 2>&1 <<'PY' &
import random, sys, nbd
exp = open(sys.argv[2], "rb").read()
h = nbd.NBD()
h.connect_uri(sys.argv[1])
rnd = random.Random(42)
done = bad = 0
pending = []
for i in range(4000):
    n = rnd.randint(1, 70000)
    off = rnd.randint(0, len(exp) - n)
    buf = nbd.Buffer(n)
    pending.append((h.aio_pread(buf, off), buf, off, n))
    while len(pending) >= 64 or (i == 3999 and pending):
        h.poll(-1)
        still = []
        for c, b, o, k in pending:
            if h.aio_command_completed(c):
                done += 1
                if b.to_bytearray() != exp[o:o + k]:
                    bad += 1
            else:
                still.append((c, b, o, k))
        pending = still
h.shutdown()
print("nbdsh: %d reads, %d wrong" % (done, bad))
sys.exit(1 if bad or done != 4000 else 0)
PY
  cpids+=($!)
  for i in "${cpids[@]}"; do
    wait $i || r=$?
  done
  cat $p.*.err $p.nbdsh.out
  [ $r = 0 ] || fail "a client failed"
  ! grep -q . $p.*.err || fail "a client printed an error"
  for i in $(seq $clients); do
    if [ "${4:-}" = nocheck ]; then
      rm $p.$i.raw
    else
      check $p.$i.raw "client $i"
    fi
  done
}

# The filter, with the map.
serve wv --filter="$filter" file $t/disk.img winvirtio-map=$t/many.map
wvpid=$pid
uri="nbd+unix:///?socket=$T/wv.sock"

# 1. One connection, one request at a time.
nbdcopy --connections=1 --requests=1 "$uri" $t/single.raw
check $t/single.raw "one connection"

# 2. Four connections, 64 requests in flight.
nbdcopy --connections=4 --requests=64 "$uri" $t/multi.raw
check $t/multi.raw "nbdcopy --connections=4 --requests=64"

# 3. All the clients at once.
load "$uri" $t/wv $t/expected.raw
grep -q 'error' $T/wv.log && fail "nbdkit reported an error"
wv_hwm=$(hwm $wvpid)
kill $wvpid

# The same load on a plain nbdkit, for the memory bound.
serve plain file $t/disk.img
load "nbd+unix:///?socket=$T/plain.sock" $t/plain $t/disk.img nocheck
plain_hwm=$(hwm $pid)
kill $pid

map_kb=$(( $(stat -c %s $t/many.map) / 1024 ))
slack=65536
# Under --enable-sanitizers, ASan's quarantine keeps up to 256 MiB of
# freed memory.
if [ "$(command -v nbdkit)" = "$abs_top_builddir/tests/sanitizers/nbdkit" ]
then
  slack=$((slack + 262144))
fi
bound=$(( plain_hwm + slack + 2 * map_kb ))
echo "nbdkit VmHWM: $wv_hwm KiB with the filter ($(wc -l < $t/extents) extents, map $map_kb KiB), $plain_hwm KiB without; bound $bound KiB"
[ $wv_hwm -le $bound ] || fail "nbdkit with the filter used $wv_hwm KiB"
