#!/usr/bin/env bash
# winvirtio tests: faults while reading the source.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# - A read error on the first sector of each range the planner reads
#   (nbdkit's ddrescue filter, which fails reads of the sectors a
#   ddrescue mapfile marks bad) stops planning: "winvirtio map" (over
#   NBD) exits 1 with the read error and leaves no file.  On four of
#   them, also: an older map is left untouched; the filter serves
#   nothing: nbdkit -f exits 1, nbdkit in the background exits, under
#   --run every connection is refused with the error; and a map is
#   refused when the check of its fingerprint fails to read.
# - Random read errors while planning (nbdkit's error filter): each
#   run either plans the same map as without errors or fails cleanly.
# - Read errors while streaming reach the client: nbdcopy, qemu-img
#   and a single read that straddles a patched extent fail with EIO
#   (and nothing is patched over the error); once the errors stop, the
#   same server serves the right bytes.
# - A map planned over NBD equals, byte for byte, the one planned from
#   the file; the disk served with a map, by a fresh nbdkit each time,
#   and the disk served by planning at startup have one checksum.
# - A source that changes size while nbdkit runs is not served.
#
# Read ranges and extents are taken from the map file by mapfile.py
# (not by winvirtio); checksums by sha256sum.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdkit --filter=ddrescue null --version
requires nbdkit --filter=error null --version
requires nbdcopy --version
requires nbdinfo --version
requires qemu-img --version
requires python3 --version
requires /usr/bin/python3 -c 'import nbd'
requires sha256sum --version

t=tmp-faults
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t
mapfile="$abs_top_srcdir/tests/mapfile.py"
T="$(pwd)/$t"

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" $t/disk.img \
  --version win10 --layout gpt
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" $t/vw
size=$(stat -c %s $t/disk.img)
winvirtio map --drivers=$t/vw -o $t/file.map $t/disk.img > $t/summary

# nbdkit servers in the background, killed at exit.  start NAME ARGS:
# nbdkit -f on $T/NAME.sock, its pid in $T/NAME.pid, its messages in
# $T/NAME.log; returns once nbdkit listens (it writes the pid file
# then).  (Clients that connect before the filter has planned wait in
# the listen queue.)
pids=()
cleanup_fn 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done'
start ()
{
  local name=$1
  shift
  nbdkit_bg $T/$name "$@"
  pids+=($nbdkit_pid)
}
# stop NAME: kill it and wait for it.
stop ()
{
  local p
  p=$(cat $T/$1.pid)
  kill $p
  wait $p || :
}
# gone PID: wait until the process has exited (a zombie counts: pid 1
# may not reap it here), at most $NBDKIT_TIMEOUT seconds (default 120:
# it plans first, which the sanitizer build on a busy machine makes
# slow).
gone ()
{
  local i
  for (( i = 0; i < ${NBDKIT_TIMEOUT:-120} * 10; ++i )); do
    if ! grep -qs '^State:[[:space:]]*[^Z]' /proc/$1/status; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
uri () { echo "nbd+unix:///?socket=$T/$1.sock"; }

# The reference: the disk served with the map, and its checksum.
run_nbdkit -U - --filter="$filter" file $t/disk.img \
  winvirtio-map=$t/file.map --run "nbdcopy \"\$uri\" $t/good.raw"
good=$(sha256sum < $t/good.raw)
# ... which differs from the source inside the map's extents only.
winvirtio dump --json $t/file.map > $t/map.json
python3 "$abs_top_srcdir/tests/diff-in-map.py" $t/disk.img $t/good.raw \
  $t/map.json

### A map planned over NBD is the map planned from the file.
start plain file $t/disk.img
winvirtio map --drivers=$t/vw -o $t/nbd.map "$(uri plain)" > $t/nbd.summary
cmp $t/file.map $t/nbd.map || fail "the map planned over NBD differs"
stop plain

### Restarts: a fresh nbdkit with the map, twice, and the filter
# planning at startup serve the same bytes.
for i in 1 2; do
  start map$i --filter="$filter" file $t/disk.img winvirtio-map=$t/file.map
  nbdcopy "$(uri map$i)" $t/restart.raw
  stop map$i
  [ "$(sha256sum < $t/restart.raw)" = "$good" ] ||
    fail "restart $i served other bytes"
done
run_nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-drivers=$t/vw \
  --run "nbdcopy \"\$uri\" $t/planned.raw"
[ "$(sha256sum < $t/planned.raw)" = "$good" ] ||
  fail "planning at startup served other bytes than the map"
rm -f $t/restart.raw $t/planned.raw

### Read errors aimed at what the planner reads.
python3 "$mapfile" $t/file.map ranges > $t/ranges
python3 "$mapfile" $t/file.map extents > $t/extents
first_of () { grep -m1 "$1" $t/extents | cut -d' ' -f1; }
# The GPT header, MFT record 0, a page of the SYSTEM hive, the last
# read.
targets="512 $(first_of '(\$MFT)')
  $(( $(first_of 'SYSTEM hive data') + 4096 ))
  $(tail -1 $t/ranges | cut -d' ' -f1)"

# badmap SECTOR: a ddrescue mapfile with SECTOR (a byte offset) bad.
badmap ()
{
  local s=$(( $1 / 512 * 512 ))
  printf '# Rescue Logfile\n0x0 +\n'
  [ $s = 0 ] || printf '0x0 0x%x +\n' $s
  printf '0x%x 0x200 -\n' $s
  [ $((s + 512)) = $size ] ||
    printf '0x%x 0x%x +\n' $((s + 512)) $((size - s - 512))
}

# First, a read error on the first sector of each range the planner
# reads, one at a time, with "winvirtio map" over NBD: it always fails
# with the read error first and leaves no file.  (libntfs-3g takes
# some failed reads for missing records and goes on: the planner
# refuses such a plan too.)
# What follows the read error in the planner's one-line refusal.
readmore="; [0-9]* read(s) of the source failed while planning, and winvirtio does not use a plan made without those bytes: check the source, then try again"
n=0
while read -r roff rlen; do
  d=$t/sweep-$roff
  mkdir -p $d/out
  badmap $roff > $d/ddrescue.map
  r=0
  nbdkit -U - --filter=ddrescue file $t/disk.img \
    ddrescue-mapfile=$d/ddrescue.map \
    --run "winvirtio map --drivers=$t/vw -o $d/out/map \"\$uri\"" \
    > /dev/null 2> $d/err || r=$?
  [ $r = 1 ] || { cat $d/err; fail "sweep $roff: winvirtio map exited with $r"; }
  # One line: the read error, then how many reads failed.
  [ "$(wc -l < $d/err)" = 1 ] ||
    { cat $d/err; fail "sweep $roff: more than one line of error"; }
  grep -qx "winvirtio: nbd+unix://[^ ]*: NBD read at offset [0-9]*: nbd_pread: read: command failed: Input/output error$readmore" $d/err ||
    { cat $d/err; fail "sweep $roff: the read error was not reported"; }
  [ -z "$(ls -A $d/out)" ] || fail "sweep $roff: winvirtio map left a file"
  n=$((n + 1))
done < $t/ranges
echo "read errors on $n read ranges: all refused"

for target in $targets; do
  d=$t/aim-$target
  mkdir $d
  # Sanity: the sector is one the planner read.
  awk -v o=$target '$1 <= o && o < $1 + $2 { f = 1 } END { exit !f }' \
    $t/ranges || fail "$target is not in the map's read set"
  badmap $target > $d/ddrescue.map
  ddr=(--filter=ddrescue file $t/disk.img ddrescue-mapfile=$d/ddrescue.map)

  # winvirtio map over NBD: exit 1, the read error first, no map, no
  # temporary file; an older map in place is left as it was.
  start bad "${ddr[@]}"
  mkdir $d/out
  r=0
  winvirtio map --drivers=$t/vw -o $d/out/map "$(uri bad)" \
    > $d/map.out 2> $d/map.err || r=$?
  cat $d/map.err
  [ $r = 1 ] || fail "aim $target: winvirtio map exited with $r"
  [ "$(wc -l < $d/map.err)" = 1 ] ||
    fail "aim $target: winvirtio map printed more than one line"
  grep -qx "winvirtio: nbd+unix://[^ ]*: NBD read at offset [0-9]*: nbd_pread: read: command failed: Input/output error$readmore" $d/map.err ||
    fail "aim $target: winvirtio map did not report the read error"
  [ -z "$(ls -A $d/out)" ] || fail "aim $target: winvirtio map left a file"
  ! grep -q '^saved:' $d/map.out || fail "aim $target: a map was saved"
  cp $t/file.map $d/out/old.map
  winvirtio map --drivers=$t/vw -o $d/out/old.map "$(uri bad)" \
    > /dev/null 2>&1 && fail "aim $target: winvirtio map succeeded"
  cmp $t/file.map $d/out/old.map ||
    fail "aim $target: a failed run changed the older map"
  [ "$(ls -A $d/out)" = old.map ] || fail "aim $target: a file was left"
  stop bad

  # The filter in the foreground: exit 1 with the read error.
  r=0
  run_nbdkit -f -U $d/sock --filter="$filter" "${ddr[@]}" \
    winvirtio-drivers=$t/vw 2> $d/fg.err || r=$?
  cat $d/fg.err
  [ $r = 1 ] || fail "aim $target: nbdkit -f exited with $r"
  msg=$(grep -m1 'error: winvirtio:' $d/fg.err)
  [[ $msg =~ ^"nbdkit: error: winvirtio: source: read error from the plugin at offset "([0-9]+)": Input/output error; "[0-9]+" read(s) of the source failed while planning" ]] ||
    fail "aim $target: nbdkit -f did not report the read error first"
  at=${BASH_REMATCH[1]}
  [ $at -le $target ] && [ $target -lt $((at + 33554432)) ] ||
    fail "aim $target: the error names offset $at"

  # Under --run: refused with the same error, nothing copied.
  r=0
  run_nbdkit -U - --filter="$filter" "${ddr[@]}" \
    winvirtio-drivers=$t/vw \
    --run "qemu-img convert -O raw \"\$uri\" $d/out.raw" 2> $d/run.err || r=$?
  cat $d/run.err
  [ $r != 0 ] || fail "aim $target: nbdkit --run exited with 0"
  grep -qF "error: winvirtio: not serving this disk: ${msg#nbdkit: error: winvirtio: }" \
    $d/run.err || fail "aim $target: the connection was not refused"
  [ ! -e $d/out.raw ] || fail "aim $target: qemu-img read a disk"

  # The map loaded by the filter: the check reads the same bytes.
  r=0
  run_nbdkit -f -U $d/sock2 --filter="$filter" "${ddr[@]}" \
    winvirtio-map=$t/file.map 2> $d/fgmap.err || r=$?
  cat $d/fgmap.err
  [ $r = 1 ] || fail "aim $target: nbdkit -f with the map exited with $r"
  grep -q '^nbdkit: error: winvirtio: source: read error from the plugin at offset [0-9]*: Input/output error$' \
    $d/fgmap.err || fail "aim $target: the map check did not fail on the error"
done

# In the background (no -f): nbdkit exits after the error, and never
# serves the disk.
badmap $(first_of 'SYSTEM hive data') > $t/hive.ddrescue
# (-v keeps its messages on stderr.)
# The parent exits as soon as it has forked, before the child writes
# the pid file: wait for it.
nbdkit -v --log=stderr -U $T/daemon.sock -P $T/daemon.pid \
  --filter="$filter" --filter=ddrescue file $t/disk.img \
  ddrescue-mapfile=$t/hive.ddrescue winvirtio-drivers=$t/vw 2> $t/daemon.log
daemon=$(wait_for_pidfile $T/daemon.pid)
pids+=($daemon)
gone $daemon || fail "nbdkit in the background did not exit"
grep 'winvirtio' $t/daemon.log
grep -q '^nbdkit: error: winvirtio: source: read error from the plugin' $t/daemon.log ||
  fail "nbdkit in the background did not report the error"
! nbdinfo "$(uri daemon)" || fail "nbdkit in the background served a disk"

### Random read errors while planning, through the filter: the
# errors stop once the plan is made (winvirtio-report appears), so
# either the copy is the reference or nbdkit exited with the error.
ok=0 failed=0
for i in $(seq 6); do
  d=$t/random-$i
  mkdir $d
  touch $d/trigger
  nbdkit -f -U $d/sock --filter="$filter" --filter=error file $t/disk.img \
    winvirtio-drivers=$t/vw winvirtio-report=$d/report \
    error-pread=EIO error-pread-rate=0.25% error-file=$d/trigger \
    2> $d/log &
  pid=$!
  pids+=($pid)
  while [ ! -e $d/report ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
  if [ -e $d/report ]; then
    rm $d/trigger
    nbdcopy "nbd+unix:///?socket=$d/sock" $d/out.raw
    [ "$(sha256sum < $d/out.raw)" = "$good" ] ||
      fail "random $i: planned despite read errors, and served other bytes"
    rm $d/out.raw
    kill $pid
    ok=$((ok + 1))
  else
    r=0
    wait $pid || r=$?
    cat $d/log
    [ $r = 1 ] || fail "random $i: nbdkit exited with $r"
    grep -q '^nbdkit: error: winvirtio: source: read error from the plugin' $d/log ||
      fail "random $i: nbdkit did not report the read error"
    failed=$((failed + 1))
  fi
done
echo "random read errors while planning: $ok planned, $failed refused"

### Read errors while streaming reach the client.  The errors start
# when the trigger file exists, after the map is checked: nbdkit
# listens before the filter checks the map (.after_fork), and the
# report is written once the check is done.
start stream --filter="$filter" --filter=error file $t/disk.img \
  winvirtio-map=$t/file.map error-pread=EIO error-pread-rate=1 \
  error-file=$T/trigger winvirtio-report=$T/stream.report
checked ()
{
  local i
  for (( i = 0; i < ${NBDKIT_TIMEOUT:-120} * 10; ++i )); do
    [ -e $T/stream.report ] && return 0
    kill -0 $(cat $T/stream.pid) 2>/dev/null || break
    sleep 0.1
  done
  cat $T/stream.log
  fail "nbdkit with the map did not check it"
}
checked
touch $t/trigger
r=0
# One request in flight: nbdcopy hangs up at the first error, and
# nbdkit before 1.33.10 (Debian 12 has 1.32.5) aborts when a client
# hangs up while other replies of the same connection are queued
# (nbdkit commit 9d82aa4f, "server: Don't assert on send if client
# hangs up early"), which would end this server before the checks
# below.
nbdcopy --connections=1 --requests=1 "$(uri stream)" $t/out.raw \
  2> $t/nbdcopy.err || r=$?
cat $t/nbdcopy.err
[ $r != 0 ] || fail "nbdcopy succeeded while every read failed"
grep -q 'Input/output error' $t/nbdcopy.err || fail "nbdcopy: no EIO"
r=0
qemu-img convert -O raw "$(uri stream)" $t/out.qemu 2> $t/qemu.err || r=$?
cat $t/qemu.err
[ $r != 0 ] || fail "qemu-img succeeded while every read failed"
grep -q 'Input/output error' $t/qemu.err || fail "qemu-img: no EIO"

# One read: straddling a patched extent fails with EIO (the patched
# bytes are not served over the error); inside one extent, it does not
# reach the plugin and gives the patched bytes.
read -r xoff xlen xlabel < <(grep 'SYSTEM hive data' $t/extents | sort -k2n |
                             tail -1)
/usr/bin/python3 -m nbd -u "$(uri stream)" -c "
import errno
good = open('$t/good.raw', 'rb')
for off, n in (($xoff - 512, 1024), ($xoff + $xlen - 512, 1024),
               ($xoff - 1, $xlen + 2), (0, 4096)):
    try:
        h.pread(n, off)
        raise SystemExit('read %d at %d succeeded' % (n, off))
    except nbd.Error as ex:
        assert ex.errno == 'EIO', ex.errno
good.seek($xoff + 7)
assert h.pread($xlen - 8, $xoff + 7) == good.read($xlen - 8)
print('straddling reads fail with EIO, reads inside an extent are served')
"

# The errors stop: the same server serves the reference again.
rm $t/trigger
nbdcopy "$(uri stream)" $t/out.raw
[ "$(sha256sum < $t/out.raw)" = "$good" ] ||
  fail "after the errors stopped, other bytes were served"
stop stream

### A source that changes size while nbdkit runs: new connections
# are refused.
cp --sparse=always $t/disk.img $t/copy.img
start shrink --filter="$filter" file $t/copy.img winvirtio-map=$t/file.map
[ "$(nbdinfo --size "$(uri shrink)")" = $size ] || fail "wrong size served"
truncate -s -1M $t/copy.img
! nbdinfo --size "$(uri shrink)" || fail "the shrunk disk was served"
grep -qF "error: winvirtio: the source disk is now $((size - 1048576)) bytes, but the block map is for $size bytes: the source changed while nbdkit was running; not serving it.  Restart nbdkit, which checks the source again" \
  $T/shrink.log || fail "no message about the changed size"
stop shrink
