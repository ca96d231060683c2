# winvirtio tests: what the refusal tests (test-refuse-*.sh) share.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Sourced after functions.sh, with set -e.  Each test builds the
# ordinary test disks (scripts/make-windows-disk.sh), changes copies of
# them the way Windows, BitLocker or Disk Management would (dd on the
# partition table or a boot sector; libntfs-3g helpers on a volume
# copied out of the disk and back: nothing is mounted), and checks that
# the disk is refused with the exact message, by the command (map, and
# inspect's verdict) and by the filter, and that nothing is written or
# served.
#
# Sets $t (the scratch directory, named after the test) and $vw (a
# fake virtio-win tree, absolute).  Gives:
#
#   make_disk FILE ARGS...        scripts/make-windows-disk.sh FILE ARGS
#   part_start DISK N             byte offset of partition N
#   part_size DISK N              its size in bytes
#   edit_volume DISK N CMD ARGS   copy partition N's volume out of DISK,
#                                 run CMD VOLUME ARGS, copy it back
#   set_oem DISK N TEXT           write TEXT (8 bytes) as the OEM ID of
#                                 the boot sector of partition N
#   refused NAME DISK MSG [PART [DRIVERS]]
#   accepted NAME DISK PART [choose]
#
# In MSG, @SRC@ stands for the source's name, which starts the
# planner's messages: the disk's file name for "winvirtio map",
# "source" for the filter.

# The helpers below are used in $(...): let a failure there stop the
# test too.
shopt -s inherit_errexit

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires qemu-img --version
requires timeout --version
requires python3 --version
requires command -v hivexregedit
SFDISK="$(PATH="$PATH:/sbin:/usr/sbin" command -v sfdisk)" ||
  skip "sfdisk is missing"

ntfs_put="$abs_top_builddir/tests/wv-ntfs-put"
ntfs_taint="$abs_top_builddir/tests/wv-ntfs-taint"

t="tmp-$(basename "$0" .sh)"
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
vw="$(pwd)/$t/vw"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$vw"

make_disk ()
{
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$@"
}

# part_field DISK N FIELD: start or size of partition N, in sectors.
part_field ()
{
  "$SFDISK" --json "$1" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
node = sys.argv[1] + sys.argv[2]
for p in t["partitions"]:
    if p["node"] == node:
        print(p[sys.argv[3]] * t.get("sectorsize", 512))
        break
else:
    sys.exit("no partition %s" % node)
' "$1" "$2" "$3"
}
part_start () { part_field "$1" "$2" start; }
part_size () { part_field "$1" "$2" size; }

edit_volume ()
{
  local disk=$1 n=$2 vol="$t/volume" start size
  shift 2
  start=$(part_start "$disk" "$n")
  size=$(part_size "$disk" "$n")
  rm -f "$vol"
  dd if="$disk" of="$vol" bs=1M iflag=skip_bytes,count_bytes \
    skip="$start" count="$size" conv=sparse status=none
  "$@" "$vol"
  dd if="$vol" of="$disk" bs=1M oflag=seek_bytes seek="$start" \
    conv=notrunc,sparse status=none
  rm -f "$vol"
}

# put VOLUME HOSTFILE:PATH...: wv-ntfs-put with the volume last.
put ()
{
  local vol="${!#}"
  "$ntfs_put" "$vol" "${@:1:$#-1}"
}

# taint VOLUME ARGS...: wv-ntfs-taint with the volume last.
taint ()
{
  local vol="${!#}"
  "$ntfs_taint" "$vol" "${@:1:$#-1}"
}

set_oem ()
{
  local start
  start=$(part_start "$1" "$2")
  printf '%s' "$3" | dd of="$1" bs=1 seek=$((start + 3)) conv=notrunc \
    status=none
}

refused ()
{
  local name=$1 disk=$2 msg=$3 part=${4:-} drivers=${5:-$vw}
  local d="$t/$name" r mtime mapmsg filtmsg sum
  local mapopt=() filtopt=()

  if [ -n "$part" ]; then
    mapopt=(--partition="$part")
    filtopt=(winvirtio-partition="$part")
  fi
  # Every refusal names the disk first (README, "What it refuses").
  [[ "$msg" == "@SRC@: "* ]] ||
    fail "$name: the expected message does not start with the disk's name"
  mapmsg="${msg//@SRC@/$disk}"
  filtmsg="${msg//@SRC@/source}"
  mkdir "$d"
  mtime=$(stat -c %y "$disk")

  # The command: exit status 1 (not a crash, not valgrind's 119), the
  # one message, and no map.
  r=0
  $VG winvirtio map --drivers="$drivers" "${mapopt[@]}" -o "$d/map" \
    "$disk" > "$d/summary" 2> "$d/map.err" || r=$?
  cat "$d/summary" "$d/map.err"
  [ $r = 1 ] || fail "$name: winvirtio map exited with $r, expected 1"
  grep -qFx "winvirtio: $mapmsg" "$d/map.err" ||
    fail "$name: winvirtio map did not say: $mapmsg"
  [ "$(wc -l < "$d/map.err")" = 1 ] ||
    fail "$name: winvirtio map printed more than the one error"
  [ ! -e "$d/map" ] || fail "$name: winvirtio map wrote a map"
  if grep -q '^block map:\|^saved:\|^file:' "$d/summary"; then
    fail "$name: winvirtio map reported a plan"
  fi

  # winvirtio inspect: exit status 1, and its verdict is the same
  # message.
  r=0
  $VG winvirtio inspect --drivers="$drivers" "${mapopt[@]}" "$disk" \
    > "$d/inspect" 2> "$d/inspect.err" || r=$?
  cat "$d/inspect" "$d/inspect.err"
  [ $r = 1 ] || fail "$name: winvirtio inspect exited with $r, expected 1"
  grep -qFx "verdict: refused: $mapmsg" "$d/inspect" ||
    fail "$name: winvirtio inspect's verdict is not: $mapmsg"
  [ ! -s "$d/inspect.err" ] || fail "$name: winvirtio inspect wrote errors"
  # A refusal of one volume is also shown under that partition.
  if [[ "$mapmsg" =~ ^"$disk: partition "[0-9]+": " ]]; then
    grep -qFx "  refused: $mapmsg" "$d/inspect" ||
      fail "$name: winvirtio inspect does not show the volume's refusal"
  fi

  # winvirtio apply on a copy (the same disk copied by another
  # importer): exit status 1, the one message naming the copy, the
  # copy unchanged and no undo file.
  cp --sparse=always "$disk" "$d/dest.img"
  sum=$(sha256sum < "$d/dest.img")
  r=0
  $VG winvirtio apply --drivers="$drivers" "${mapopt[@]}" "$d/dest.img" \
    > "$d/apply" 2> "$d/apply.err" || r=$?
  cat "$d/apply" "$d/apply.err"
  [ $r = 1 ] || fail "$name: winvirtio apply exited with $r, expected 1"
  grep -qFx "winvirtio: ${msg//@SRC@/$d/dest.img}" "$d/apply.err" ||
    fail "$name: winvirtio apply did not say: ${msg//@SRC@/$d/dest.img}"
  [ "$(sha256sum < "$d/dest.img")" = "$sum" ] ||
    fail "$name: a refused apply wrote to the disk"
  [ ! -e "$d/dest.img.wvundo" ] || fail "$name: a refused apply left an undo file"
  rm -f "$d/dest.img"

  # The filter under --run: the command runs, every connection is
  # refused with the reason, nothing is written, nbdkit fails.
  r=0
  run_nbdkit -U - --filter="$filter" file "$disk" \
    winvirtio-drivers="$drivers" "${filtopt[@]}" \
    --run 'qemu-img convert -O raw "$uri" '"$d/out.raw" \
    2> "$d/run.err" || r=$?
  cat "$d/run.err"
  valgrind_clean "$d/run.err"
  [ $r != 124 ] || fail "$name: nbdkit --run hung (killed after 120 s)"
  [ $r != 0 ] || fail "$name: nbdkit --run exited with 0"
  grep -qFx "nbdkit: error: winvirtio: $filtmsg" "$d/run.err" ||
    fail "$name: nbdkit --run did not say: $filtmsg"
  grep -qF "error: winvirtio: not serving this disk: $filtmsg" \
    "$d/run.err" || fail "$name: nbdkit --run did not refuse the connection"
  [ ! -e "$d/out.raw" ] || fail "$name: qemu-img read a disk"

  # The filter in the foreground: nbdkit exits at once with the reason.
  r=0
  run_nbdkit -f -U "$d/sock" --filter="$filter" file "$disk" \
    winvirtio-drivers="$drivers" "${filtopt[@]}" 2> "$d/fg.err" || r=$?
  cat "$d/fg.err"
  valgrind_clean "$d/fg.err"
  [ $r != 124 ] || fail "$name: nbdkit -f hung (killed after 120 s)"
  [ $r = 1 ] || fail "$name: nbdkit -f exited with $r, expected 1"
  grep -qFx "nbdkit: error: winvirtio: $filtmsg" "$d/fg.err" ||
    fail "$name: nbdkit -f did not say: $filtmsg"

  # The source was never written.
  [ "$(stat -c %y "$disk")" = "$mtime" ] || fail "$name: the source changed"
}

# accepted NAME DISK PART [choose]: the disk is patched, on partition
# PART, by the command and by the filter; with "choose", PART is given
# as the partition option, else the planner must find it.
accepted ()
{
  local name=$1 disk=$2 part=$3 d="$t/$1"
  local mapopt=() filtopt=()

  if [ "${4:-}" = choose ]; then
    mapopt=(--partition="$part")
    filtopt=(winvirtio-partition="$part")
  fi
  mkdir "$d"
  $VG winvirtio map --drivers="$vw" "${mapopt[@]}" -o "$d/map" "$disk" \
    > "$d/summary"
  cat "$d/summary"
  grep -q "^partition: $part " "$d/summary" ||
    fail "$name: Windows was not patched on partition $part"
  grep -q '^file: .*viostor.sys created' "$d/summary" ||
    fail "$name: viostor.sys was not added"
  $VG winvirtio inspect --drivers="$vw" "${mapopt[@]}" "$disk" \
    > "$d/inspect" || fail "$name: winvirtio inspect exited with $?"
  grep -q "^verdict: would patch: " "$d/inspect" ||
    fail "$name: winvirtio inspect would not patch"
  run_nbdkit -U - --filter="$filter" file "$disk" \
    winvirtio-drivers="$vw" "${filtopt[@]}" \
    --run 'qemu-img convert -O raw "$uri" '"$d/out.raw"
  ! cmp -s "$disk" "$d/out.raw" || fail "$name: the filter changed nothing"
  rm -f "$d/out.raw"
}
