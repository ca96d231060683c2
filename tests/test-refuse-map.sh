#!/usr/bin/env bash
# winvirtio tests: a block map is refused, with the exact message, when
# it does not belong to the source (another disk, of another size or
# the same size), when its source changed since it was made (the
# SYSTEM hive rewritten, as a boot of the VM does; the disk shrunk or
# grown), when it names another size, or when the map file is damaged.
# A change to a byte the planner did not read is not a reason to
# refuse: that map is served, and serves exactly that byte changed.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Maps are applied only by the filter (winvirtio-map=FILE), so each
# refusal is checked there, under --run (every connection refused with
# the reason, nothing copied) and in the foreground (nbdkit exits 1).
# The map files are read and rewritten by mapfile.py, a small reader
# of the layout in docs/winvirtio-map.pod, not by winvirtio.
source ./functions.sh
set -e
set -x
requires command -v ntfscat
requires command -v sha256sum
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win10.img" --version win10 --layout gpt
make_disk "$t/win7.img" --version win7 --layout mbr
make_disk "$t/small.img" --version win10 --layout gpt --size 200M
winvirtio map --drivers="$vw" -o "$t/win10.map" "$t/win10.img" > /dev/null
size=$(stat -c %s "$t/win10.img")
[ "$(stat -c %s "$t/win7.img")" = "$size" ] ||
  fail "the two test disks should have the same size"

# map_refused NAME DISK MAP MSG: the filter refuses MAP on DISK with
# MSG, under --run and in the foreground, and never writes DISK.
map_refused ()
{
  local name=$1 disk=$2 mapf=$3 msg=$4 d="$t/$1" r mtime
  mkdir "$d"
  mtime=$(stat -c %y "$disk")

  r=0
  run_nbdkit -U - --filter="$filter" file "$disk" winvirtio-map="$mapf" \
    --run 'qemu-img convert -O raw "$uri" '"$d/out.raw" \
    2> "$d/run.err" || r=$?
  cat "$d/run.err"
  valgrind_clean "$d/run.err"
  [ $r != 124 ] || fail "$name: nbdkit --run hung"
  [ $r != 0 ] || fail "$name: nbdkit --run exited with 0"
  grep -qFx "nbdkit: error: winvirtio: $msg" "$d/run.err" ||
    fail "$name: nbdkit --run did not say: $msg"
  grep -qF "error: winvirtio: not serving this disk: $msg" "$d/run.err" ||
    fail "$name: nbdkit --run did not refuse the connection"
  [ ! -e "$d/out.raw" ] || fail "$name: qemu-img read a disk"

  r=0
  run_nbdkit -f -U "$d/sock" --filter="$filter" file "$disk" \
    winvirtio-map="$mapf" 2> "$d/fg.err" || r=$?
  cat "$d/fg.err"
  valgrind_clean "$d/fg.err"
  [ $r = 1 ] || fail "$name: nbdkit -f exited with $r, expected 1"
  grep -qFx "nbdkit: error: winvirtio: $msg" "$d/fg.err" ||
    fail "$name: nbdkit -f did not say: $msg"
  [ "$(stat -c %y "$disk")" = "$mtime" ] || fail "$name: the source changed"
}

# serve DISK MAP OUT: copy DISK through the filter with MAP.
serve ()
{
  run_nbdkit -U - --filter="$filter" file "$1" winvirtio-map="$2" "${@:4}" \
    --run 'qemu-img convert -O raw "$uri" '"$3"
}

other="source: this block map was made for a disk of $size bytes, but the source has"
changed="source: the source has changed since this block map was made (the bytes the planner read differ): the VM may have been booted or the map belongs to another disk; run 'winvirtio map' again"

# Another disk of another size.
small=$(stat -c %s "$t/small.img")
map_refused other-size "$t/small.img" "$t/win10.map" \
  "$other $small bytes: it belongs to a different disk; run 'winvirtio map' on this source again"

# Another disk of the same size.
map_refused other-disk "$t/win7.img" "$t/win10.map" "$changed"

# The same disk after Windows wrote its SYSTEM hive (a boot does): the
# hive is taken out with ntfscat, one value is changed with
# hivexregedit, and it is put back with wv-ntfs-put.
cat > "$t/boot.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control]
"SystemStartOptions"=" NOEXECUTE=OPTIN FVEBOOT=2609152"
REG
touch_hive ()
{
  ntfscat "$1" /Windows/System32/config/SYSTEM > "$t/SYSTEM"
  hivexregedit --merge "$t/SYSTEM" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
    "$t/boot.reg"
  "$ntfs_put" "$1" "$t/SYSTEM:/Windows/System32/config/SYSTEM"
}
cp --sparse=always "$t/win10.img" "$t/booted.img"
edit_volume "$t/booted.img" 3 touch_hive
! cmp -s "$t/win10.img" "$t/booted.img" || fail "the hive was not changed"
map_refused booted "$t/booted.img" "$t/win10.map" "$changed"

# The same disk, shrunk by 1 MiB (the end of the disk is not read by
# the planner: only the size tells) or grown by 1 MiB.
cp --sparse=always "$t/win10.img" "$t/shrunk.img"
truncate -s -1M "$t/shrunk.img"
map_refused shrunk "$t/shrunk.img" "$t/win10.map" \
  "$other $((size - 1048576)) bytes: it belongs to a different disk; run 'winvirtio map' on this source again"
cp --sparse=always "$t/win10.img" "$t/grown.img"
truncate -s +1M "$t/grown.img"
map_refused grown "$t/grown.img" "$t/win10.map" \
  "$other $((size + 1048576)) bytes: it belongs to a different disk; run 'winvirtio map' on this source again"

mapfile="$abs_top_srcdir/tests/mapfile.py"

# The map names another size (larger: the extents still fit).
python3 "$mapfile" "$t/win10.map" set-size $((size + 512)) \
  "$t/bigger.map"
map_refused map-size "$t/win10.img" "$t/bigger.map" \
  "source: this block map was made for a disk of $((size + 512)) bytes, but the source has $size bytes: it belongs to a different disk; run 'winvirtio map' on this source again"
# ... smaller than its own extents: the file itself is refused.
python3 "$mapfile" "$t/win10.map" set-size 1048576 "$t/tiny.map"
beyond=$(python3 "$mapfile" "$t/win10.map" beyond 1048576)
map_refused map-tiny "$t/win10.img" "$t/tiny.map" \
  "$(pwd)/$t/tiny.map: block map is corrupt ($beyond is empty or beyond the end of the disk (1048576 bytes)); run 'winvirtio map' again to make a new one"

# A damaged map file: one flipped byte, or cut short.
cp "$t/win10.map" "$t/flipped.map"
flip_byte "$t/flipped.map" 300
map_refused map-flipped "$t/win10.img" "$t/flipped.map" \
  "$(pwd)/$t/flipped.map: block map is corrupt (checksum mismatch); run 'winvirtio map' again to make a new one"
# Not a map at all: a README given as the map.
# (nbdkit resolves the path: in a VPATH build abs_top_srcdir has "..".)
readme=$(realpath "$abs_top_srcdir/README.md")
map_refused not-a-map "$t/win10.img" "$readme" \
  "$readme: not a winvirtio block map (it does not start with WINVIRTIO-MAP)"
head -c 1000 "$t/win10.map" > "$t/cut.map"
map_refused map-cut "$t/win10.img" "$t/cut.map" \
  "$(pwd)/$t/cut.map: block map is truncated or corrupt (its header announces $(python3 "$mapfile" "$t/win10.map" counts), which do not fit in the file's 1000 bytes); run 'winvirtio map' again to make a new one"

# A byte the planner neither read nor patched, inside the Windows
# volume, changed: the map is still this disk's, and the copy differs
# from the unchanged disk's copy in that byte only.  (Without trim:
# the byte may lie in a free cluster, which trim serves as zeroes.)
start=$(part_start "$t/win10.img" 3)
psize=$(part_size "$t/win10.img" 3)
off=$(python3 "$mapfile" "$t/win10.map" unread "$start" \
  $((start + psize)))
cp --sparse=always "$t/win10.img" "$t/unread.img"
flip_byte "$t/unread.img" "$off"
serve "$t/win10.img" "$t/win10.map" "$t/a.raw" winvirtio-trim=false
serve "$t/unread.img" "$t/win10.map" "$t/b.raw" winvirtio-trim=false
[ "$(cmp -l "$t/a.raw" "$t/b.raw" | wc -l)" = 1 ] ||
  fail "the copies should differ in one byte"
cmp -l "$t/a.raw" "$t/b.raw" | grep -q "^$((off + 1)) " ||
  fail "the copies differ elsewhere than at $off"
