#!/usr/bin/env bash
# winvirtio tests: real dirty and corrupt SYSTEM hives are refused.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Real SYSTEM hives from the corpus (../shared/corpus/PROVENANCE.md,
# "Registry hives") that must not be patched:
#   regipy/SYSTEM_2.xz              Windows 8.1, dirty (205/204)
#   regipy/SYSTEM_WIN_10_1709.xz    Windows 10 1903, dirty (4317/4316)
#   regipy/SYSTEM_B.xz              Windows 10 1709, dirty (1622/1621)
#   regipy/corrupted_system_hive.xz root key's subkey list points
#                                   outside the hive bins
# Each is put into a disk; then "winvirtio map" must fail with the
# exact message and write no map, and nbdkit with the filter must exit
# non-zero and serve nothing, both under --run (the command runs but
# every connection is refused) and in the foreground (nbdkit exits).
source ./functions.sh
set -e
set -x

requires_corpus hives/regipy/SYSTEM_2.xz
requires_corpus hives/regipy/SYSTEM_WIN_10_1709.xz
requires_corpus hives/regipy/SYSTEM_B.xz
requires_corpus hives/regipy/corrupted_system_hive.xz
requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires qemu-img --version
requires timeout --version
requires xz --version

t=tmp-corpus-dirty
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"

# refused NAME HIVE MESSAGE: a disk with HIVE as its SYSTEM hive is
# refused with MESSAGE (the text after "winvirtio: ").
refused ()
{
  local name=$1 hive="$corpus/hives/$2" msg=$3 d="$t/$1" r mtime

  mkdir "$d"
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
    --version win10 --layout gpt --system-hive "$hive"
  mtime=$(stat -c %y "$d/disk.img")

  # The command: exit status 1 (not a crash, not valgrind's 119), the
  # message, and no map.
  r=0
  $VG winvirtio map --drivers="$t/vw" -o "$d/map" "$d/disk.img" \
    > "$d/summary" 2> "$d/map.err" || r=$?
  cat "$d/summary" "$d/map.err"
  [ $r = 1 ] || fail "$name: winvirtio map exited with $r, expected 1"
  grep -qFx "winvirtio: $msg" "$d/map.err" ||
    fail "$name: winvirtio map did not say: $msg"
  [ "$(wc -l < "$d/map.err")" = 1 ] ||
    fail "$name: winvirtio map printed more than the one error"
  [ ! -e "$d/map" ] || fail "$name: winvirtio map wrote a map"
  if grep -q '^block map:\|^saved:\|^file:' "$d/summary"; then
    fail "$name: winvirtio map reported a plan"
  fi

  # The filter under --run: the command runs, every connection is
  # refused with the reason, nothing is written, nbdkit fails.  (If
  # the filter exited instead, the command would wait forever on the
  # listening socket: hence the timeout.)
  r=0
  run_nbdkit -U - --filter="$filter" file "$d/disk.img" \
    winvirtio-drivers="$t/vw" winvirtio-report="$d/report" \
    --run 'qemu-img convert -O raw "$uri" '"$d/out.raw" \
    2> "$d/run.err" || r=$?
  cat "$d/run.err"
  valgrind_clean "$d/run.err"
  [ $r != 124 ] || fail "$name: nbdkit --run hung (killed after 120 s)"
  [ $r != 0 ] || fail "$name: nbdkit --run exited with 0"
  grep -qFx "nbdkit: error: winvirtio: $msg" "$d/run.err" ||
    fail "$name: nbdkit --run did not say: $msg"
  grep -qF "error: winvirtio: not serving this disk: $msg" "$d/run.err" ||
    fail "$name: nbdkit --run did not refuse the connection"
  [ ! -e "$d/out.raw" ] || fail "$name: qemu-img read a disk"
  [ ! -e "$d/report" ] || fail "$name: the filter wrote a report"

  # The filter in the foreground: nbdkit exits at once with the reason.
  r=0
  run_nbdkit -f -U "$d/sock" --filter="$filter" \
    file "$d/disk.img" winvirtio-drivers="$t/vw" \
    2> "$d/fg.err" || r=$?
  cat "$d/fg.err"
  valgrind_clean "$d/fg.err"
  [ $r != 124 ] || fail "$name: nbdkit -f hung (killed after 120 s)"
  [ $r = 1 ] || fail "$name: nbdkit -f exited with $r, expected 1"
  grep -qFx "nbdkit: error: winvirtio: $msg" "$d/fg.err" ||
    fail "$name: nbdkit -f did not say: $msg"

  # The source was never written (its modification time).
  [ "$(stat -c %y "$d/disk.img")" = "$mtime" ]
  rm -f "$d/disk.img"
}

# dirty_msg SEQ1 SEQ2: lib/hive.c wv_hive_check's message.
dirty_msg ()
{
  echo "the SYSTEM hive is dirty (base block sequence numbers $1 and $2 differ): Windows was not shut down cleanly and the hive's latest changes are still in its .LOG1/.LOG2 files; boot the VM and shut it down cleanly, then try again"
}

refused win81 regipy/SYSTEM_2.xz "$(dirty_msg 205 204)"
refused win10-1903 regipy/SYSTEM_WIN_10_1709.xz "$(dirty_msg 4317 4316)"
refused win10-1709 regipy/SYSTEM_B.xz "$(dirty_msg 1622 1621)"
# hivex refuses it with ENOTSUP; the message names the hive.
refused corrupt regipy/corrupted_system_hive.xz \
  "hivex cannot open the SYSTEM hive: Operation not supported: the hive is damaged or in a format hivex does not support"
