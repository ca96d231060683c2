#!/usr/bin/env bash
# winvirtio tests: winvirtio apply on a local raw image, through --map,
# over NBD and on a qcow2 through qemu-nbd:
# - apply on a copy of the disk gives exactly the bytes the filter
#   streams from it (with winvirtio-trim=false: apply never writes the
#   zero ranges, even with a map that has them), and writes only the
#   map's extents; a second apply writes nothing;
# - apply --undo gives back the original bytes (sha256) and removes
#   the undo file;
# - a block device (a loop device): patched and restored in place, and
#   refused while held open with O_EXCL elsewhere;
# - the refusals, each with its exact message, leaving DEST unchanged:
#   a read-only NBD export, an NBD URI without --undo-file, a DEST
#   smaller than the map's disk, a map for another disk, a DEST that
#   changes between planning and writing (the image rewritten while
#   nbdkit's delay filter holds the read-write connection), an undo
#   file for another disk (of the same and of another size), a damaged
#   undo file.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x
requires command -v sha256sum
requires qemu-nbd --version
requires nbdkit --filter=delay null --version
requires nbdkit --filter=log null --version
source "$abs_top_srcdir/tests/refuse.sh"
T="$(pwd)/$t"

make_disk "$t/win10.img" --version win10 --layout gpt
make_disk "$t/win7.img" --version win7 --layout mbr
orig=$(sha256sum < "$t/win10.img")

# The reference: the disk streamed through the filter, untrimmed.
run_nbdkit -U - --filter="$filter" file "$t/win10.img" \
  winvirtio-drivers="$vw" winvirtio-trim=false \
  --run 'nbdcopy "$uri" '"$t/ref.img"
cmp "$t/ref.img" "$t/win10.img" > /dev/null && fail "the filter changed nothing"

# Planned on DEST.
cp "$t/win10.img" "$t/a.img"
$VG winvirtio apply --drivers="$vw" "$t/a.img" > "$t/a.out"
cat "$t/a.out"
grep -q "^$t/a.img: patched: [0-9]* extents, [0-9]* bytes written; undo file: $t/a.img.wvundo\$" "$t/a.out" ||
  fail "apply did not say what it wrote"
cmp "$t/a.img" "$t/ref.img" || fail "apply differs from the streamed disk"
cmp "$t/win10.img" "$t/a.img" > /dev/null && fail "apply changed nothing"
[ -f "$t/a.img.wvundo" ] || fail "no undo file"
$VG winvirtio apply --drivers="$vw" "$t/a.img" > "$t/a2.out"
grep -qF "already patched by an earlier apply" "$t/a2.out" ||
  fail "a second apply did not say it is done"
cmp "$t/a.img" "$t/ref.img"
$VG winvirtio apply --undo="$t/a.img.wvundo" "$t/a.img" > "$t/u.out"
grep -qF "restored from $t/a.img.wvundo" "$t/u.out"
[ "$(sha256sum < "$t/a.img")" = "$orig" ] || fail "undo did not restore"
[ ! -e "$t/a.img.wvundo" ] || fail "undo left the undo file"

# With a saved map (which has zero ranges: they are not written), and
# a chosen undo file.
winvirtio map --drivers="$vw" -o "$t/win10.map" "$t/win10.img" > /dev/null
nx=$(python3 "$abs_top_srcdir/tests/mapfile.py" "$t/win10.map" counts |
     awk '{ print $4 }')
cp "$t/win10.img" "$t/b.img"
$VG winvirtio apply --map="$t/win10.map" --undo-file="$t/b.undo" "$t/b.img"
cmp "$t/b.img" "$t/ref.img" || fail "apply --map differs"
[ ! -e "$t/b.img.wvundo" ] || fail "--undo-file was not used"
$VG winvirtio apply --undo="$t/b.undo" "$t/b.img"
cmp "$t/b.img" "$t/win10.img" || fail "undo after --map did not restore"

# apply_refused NAME DEST SAME MSG ARGS...: apply exits 1 with MSG and
# leaves DEST as it was (the same bytes as SAME).
apply_refused ()
{
  local name=$1 dest=$2 same=$3 msg=$4 r=0
  shift 4
  $VG winvirtio apply "$@" 2> "$t/$name.err" || r=$?
  cat "$t/$name.err"
  valgrind_clean "$t/$name.err"
  [ $r = 1 ] || fail "$name: apply exited with $r, expected 1"
  grep -qFx "winvirtio: $msg" "$t/$name.err" ||
    fail "$name: apply did not say: $msg"
  cmp "$dest" "$same" || fail "$name: DEST changed"
}

# Over NBD: read-only, and without an undo file.
cp "$t/win10.img" "$t/c.img"
nbdkit_bg "$t/ro" -r file "$t/c.img"
uri="nbd+unix:///?socket=$T/ro.sock"
apply_refused ro "$t/c.img" "$t/win10.img" \
  "$uri: the destination is read-only (the NBD server does not allow writes): apply must write it" \
  --drivers="$vw" --undo-file="$t/c.undo" "$uri"
apply_refused nbd-undo "$t/c.img" "$t/win10.img" \
  "$uri: --undo-file=FILE is required for an NBD URI (the undo file is kept beside a local disk only)" \
  --drivers="$vw" "$uri"
kill $nbdkit_pid; wait $nbdkit_pid || :
[ ! -e "$t/c.undo" ] || fail "a refused apply left an undo file"

# A DEST smaller than the map's disk; a map for another disk.
size=$(stat -c %s "$t/win10.img")
cp "$t/win10.img" "$t/small.img"
truncate -s $(( size - 1048576 )) "$t/small.img"
cp "$t/small.img" "$t/small.orig"
apply_refused small "$t/small.img" "$t/small.orig" \
  "$t/small.img: the disk ($(( size - 1048576 )) bytes) is smaller than the map's disk ($size bytes): the copy is incomplete or it is another disk" \
  --map="$t/win10.map" "$t/small.img"
cp "$t/win7.img" "$t/other.img"
apply_refused other "$t/other.img" "$t/win7.img" \
  "$t/other.img: the block map $t/win10.map was not made from these bytes (what the planner read differs): it is for another disk, or the disk changed since; run 'winvirtio apply' without --map" \
  --map="$t/win10.map" "$t/other.img"

# A DEST that changes between planning and writing: nbdkit's delay
# filter holds every connection 3 s at open; once the planner's
# connection has gone (the log filter says so), a byte the planner
# read is changed in the image, before the read-write connection is
# let in.
read -r roff rlen < <(python3 "$abs_top_srcdir/tests/mapfile.py" \
                        "$t/win10.map" ranges | head -1)
cp "$t/win10.img" "$t/d.img"
nbdkit_bg "$t/rw" --filter=log --filter=delay file "$t/d.img" \
  logfile="$t/rw.nbdlog" delay-open=3
uri="nbd+unix:///?socket=$T/rw.sock"
( for i in $(seq 600); do
    grep -q "Disconnect" "$t/rw.nbdlog" 2>/dev/null && break
    sleep 0.05
  done
  flip_byte "$t/d.img" $(( roff + rlen / 2 )) ) &
watcher=$!
r=0
winvirtio apply --drivers="$vw" --undo-file="$t/d.undo" "$uri" \
  2> "$t/changed.err" || r=$?
wait $watcher
cat "$t/changed.err"
[ $r = 1 ] || fail "changed: apply exited with $r"
grep -qFx "winvirtio: $uri: the disk changed between planning and writing (what the planner read differs now): something else writes it; stop it and run 'winvirtio apply' again; nothing was written" "$t/changed.err" ||
  fail "changed: wrong message"
kill $nbdkit_pid; wait $nbdkit_pid || :
[ ! -e "$t/d.undo" ] || fail "changed: an undo file was left"
flip_byte "$t/d.img" $(( roff + rlen / 2 ))
cmp "$t/d.img" "$t/win10.img" || fail "changed: DEST written"

# Undo files for another disk, and damaged.
cp "$t/win10.img" "$t/e.img"
winvirtio apply --drivers="$vw" "$t/e.img" > /dev/null
cp "$t/e.img.wvundo" "$t/e.undo"
cmp "$t/e.img" "$t/ref.img"
# (win7.img has the same size; an extent in space both disks leave
# zero may hold the old bytes, so the count is not fixed.)
r=0
winvirtio apply --undo="$t/e.undo" "$t/other.img" 2> "$t/undo-other.err" ||
  r=$?
cat "$t/undo-other.err"
[ $r = 1 ] || fail "undo-other: apply exited with $r"
grep -qEx "winvirtio: $t/other.img: the undo file $t/e.undo is for another disk, or the disk changed since apply: [0-9]+ of $nx extents hold neither the bytes apply found nor the bytes it writes" "$t/undo-other.err" ||
  fail "undo-other: wrong message"
cmp "$t/other.img" "$t/win7.img" || fail "undo-other: DEST changed"
apply_refused undo-size "$t/small.img" "$t/small.orig" \
  "$t/small.img: the undo file $t/e.undo is for another disk (of $size bytes; this one has $(( size - 1048576 )) bytes)" \
  --undo="$t/e.undo" "$t/small.img"
flip_byte "$t/e.undo" 1000
apply_refused undo-damaged "$t/e.img" "$t/ref.img" \
  "$t/e.undo: damaged undo file: bad checksum" --undo="$t/e.undo" "$t/e.img"
cp "$t/e.undo" "$t/e.img.wvundo"
apply_refused resume-damaged "$t/e.img" "$t/ref.img" \
  "$t/e.img.wvundo: damaged undo file: bad checksum" --drivers="$vw" "$t/e.img"
printf 'WVUNDO1\nnonsense' > "$t/e.img.wvundo"
apply_refused undo-short "$t/e.img" "$t/ref.img" \
  "$t/e.img.wvundo: damaged undo file: cut short" --undo="$t/e.img.wvundo" "$t/e.img"
printf 'hello' > "$t/e.img.wvundo"
apply_refused undo-magic "$t/e.img" "$t/ref.img" \
  "$t/e.img.wvundo: not a winvirtio undo file" --undo="$t/e.img.wvundo" "$t/e.img"

# An undo file in memory (a tmpfs) would not outlive a crash that the
# disk outlives: refused before anything is read.
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  cp "$t/win10.img" "$t/h.img"
  shm=/dev/shm/winvirtio-test-$$.undo
  apply_refused undo-tmpfs "$t/h.img" "$t/win10.img" \
    "$t/h.img: the undo file $shm would be in memory (/dev/shm is a tmpfs): it would not survive a crash or a reboot, while $t/h.img keeps what apply wrote; give --undo-file=FILE on persistent storage; nothing was written" \
    --drivers="$vw" --undo-file="$shm" "$t/h.img"
  [ ! -e "$shm" ] || fail "undo-tmpfs: an undo file was written"
else
  echo "$0: /dev/shm is no tmpfs: the undo file in memory is not tested"
fi

# In place on a qcow2, through qemu-nbd (the virt-v2v-in-place case).
qemu-img convert -f raw -O qcow2 "$t/win10.img" "$t/f.qcow2"
qemu-nbd -f qcow2 -t -k "$T/q.sock" --pid-file="$T/q.pid" "$t/f.qcow2" &
qpid=$!
cleanup_fn "kill $qpid 2>/dev/null"
for i in $(seq 100); do [ -S "$T/q.sock" ] && break; sleep 0.1; done
$VG winvirtio apply --drivers="$vw" --undo-file="$t/f.undo" \
  "nbd+unix:///?socket=$T/q.sock"
kill $qpid; wait $qpid || :
qemu-img compare -f qcow2 -F raw "$t/f.qcow2" "$t/ref.img" ||
  fail "apply on the qcow2 differs from the streamed disk"

# A block device (a loop device, when this machine lets us make one):
# patched in place, the undo file given; refused while another program
# holds it open with O_EXCL (as a mount does), and without an undo file
# (the default, beside it in /dev, is in memory).
cp "$t/win10.img" "$t/g.img"
if loop=$(PATH="$PATH:/sbin:/usr/sbin" losetup -f --show "$t/g.img" 2>/dev/null)
then
  cleanup_fn "PATH=\"\$PATH:/sbin:/usr/sbin\" losetup -d $loop"
  python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
open(sys.argv[2], "w").close()
time.sleep(60)' "$loop" "$t/held" &
holder=$!
  cleanup_fn "kill $holder 2>/dev/null"
  for i in $(seq 100); do [ -e "$t/held" ] && break; sleep 0.1; done
  apply_refused busy "$t/g.img" "$t/win10.img" \
    "$loop: the block device is mounted or in use (open exclusively elsewhere): stop what uses it first" \
    --drivers="$vw" --undo-file="$t/g.undo" "$loop"
  kill $holder; wait $holder || :
  # Its default undo file, beside it in /dev, would be in memory.
  if [ "$(stat -f -c %T /dev)" = tmpfs ]; then
    apply_refused undo-dev "$t/g.img" "$t/win10.img" \
      "$loop: the undo file $loop.wvundo would be in memory (/dev is a tmpfs): it would not survive a crash or a reboot, while $loop keeps what apply wrote; give --undo-file=FILE on persistent storage; nothing was written" \
      --drivers="$vw" "$loop"
  fi
  $VG winvirtio apply --drivers="$vw" --undo-file="$t/g.undo" "$loop"
  cmp "$loop" "$t/ref.img" || fail "apply on the block device differs"
  $VG winvirtio apply --undo="$t/g.undo" "$loop"
  cmp "$loop" "$t/win10.img" || fail "undo on the block device differs"
else
  echo "$0: no loop device: the block device case is not tested"
fi
