#!/usr/bin/env bash
# winvirtio tests: real dirty SYSTEM hives are recovered from their
# transaction logs; dirty hives without usable logs and corrupt hives
# are refused.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Converted (../shared/corpus/PROVENANCE.md, "Registry hives"):
#   regipy/SYSTEM_B.xz + .LOG1/.LOG2  Windows 10 1709, dirty
#                                   (1622/1621), new-format logs
# The disk gets the hive and its logs (make-windows-disk.sh
# --system-logs); "winvirtio map" and the filter replay the logs,
# then edit the result.  Checked with tools winvirtio did not write:
# check-converted.sh (sleuthkit, hivexregedit, reglookup), the served
# hive read back with icat holds every key of the replayed hive plus
# the keys the summary reports created, and its values are unchanged
# except those the summary reports set (hivexregedit, reglookup,
# regfinfo, corpus-hive-diff.py); the served logs are the source's,
# byte for byte, and hive-logs-ignored.py finds the served hive clean
# and numbered above every sequence number in them (Windows will not
# replay them); a second pass changes nothing.
#
# Refused, with the exact message:
#   regipy/SYSTEM_2.xz              Windows 8.1, dirty (205/204), no logs
#   regipy/SYSTEM_WIN_10_1709.xz    Windows 10 1903, dirty (4317/4316),
#                                   no logs
#   yarp/BadLogHive1, BadLogHive3   dirty, logs damaged (old, new format)
#   yarp/BadBaseBlockHive           bad base block checksum
#   yarp/TruncatedHive              12 KiB of a 480 KiB hive
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
requires_corpus hives/regipy/SYSTEM_B.LOG1.xz
requires_corpus hives/regipy/SYSTEM_B.LOG2.xz
requires_corpus hives/yarp/BadLogHive1/BadLogHive.LOG1.xz
requires_corpus hives/yarp/BadLogHive3/BadLogHive.LOG1.xz
requires_corpus hives/yarp/BadBaseBlockHive/BadBaseBlockHive.xz
requires_corpus hives/yarp/TruncatedHive.xz
requires test -x wv-hivelog
requires which hivexregedit
requires which reglookup
requires which regfinfo
requires fls -V
requires icat -V
requires mmls -V
requires ntfsresize --version
requires python3 --version
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

# run_nbdkit (functions.sh): the 12 MB hive under valgrind takes time.
NBDKIT_TIMEOUT=600

# hive_tools and icat_hive.
source "$abs_top_srcdir/tests/corpus-hive.sh"

# logs_args LOG1 LOG2: make-windows-disk.sh's --system-logs for two
# corpus files ("-": none).
logs_args ()
{
  local l1=- l2=-

  [ "${1:--}" = - ] || l1="$corpus/hives/$1"
  [ "${2:--}" = - ] || l2="$corpus/hives/$2"
  echo --system-logs "$l1" "$l2"
}

# refused NAME HIVE MESSAGE [LOG1 LOG2]: a disk with HIVE as its
# SYSTEM hive (and these logs beside it) is refused with MESSAGE (the
# text after "winvirtio: ").
refused ()
{
  local name=$1 hive="$corpus/hives/$2" msg=$3 d="$t/$1" r mtime

  mkdir "$d"
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
    --version win10 --layout gpt --system-hive "$hive" \
    $(logs_args "${4:-}" "${5:-}")
  mtime=$(stat -c %y "$d/disk.img")

  # The command: exit status 1 (not a crash, not valgrind's 119), the
  # message, and no map.
  r=0
  $VG winvirtio map --drivers="$t/vw" -o "$d/map" "$d/disk.img" \
    > "$d/summary" 2> "$d/map.err" || r=$?
  cat "$d/summary" "$d/map.err"
  [ $r = 1 ] || fail "$name: winvirtio map exited with $r, expected 1"
  grep -qFx "winvirtio: $d/disk.img: $msg" "$d/map.err" ||
    fail "$name: winvirtio map did not say: $d/disk.img: $msg"
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
  grep -qFx "nbdkit: error: winvirtio: source: $msg" "$d/run.err" ||
    fail "$name: nbdkit --run did not say: source: $msg"
  grep -qF "error: winvirtio: not serving this disk: source: $msg" "$d/run.err" ||
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
  grep -qFx "nbdkit: error: winvirtio: source: $msg" "$d/fg.err" ||
    fail "$name: nbdkit -f did not say: source: $msg"

  # The source was never written (its modification time).
  [ "$(stat -c %y "$d/disk.img")" = "$mtime" ]
  rm -f "$d/disk.img"
}

# converted NAME HIVE LOG1 LOG2 REPLAYED SUMMARY: a disk with this
# dirty SYSTEM hive and its logs is converted; wv-hivelog says
# REPLAYED, the summary "...SYSTEM was dirty: SUMMARY".
converted ()
{
  local name=$1 hive="$corpus/hives/$2" d="$t/$1"
  local offset=$(( 117 * 1048576 )) n orig created primary pid

  mkdir "$d"
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
    --version win10 --layout gpt --system-hive "$hive" \
    $(logs_args "$3" "$4")
  icat_hive "$d/disk.img" $offset "$d/SYSTEM.orig"
  icat_hive "$d/disk.img" $offset "$d/LOG1.orig" SYSTEM.LOG1
  icat_hive "$d/disk.img" $offset "$d/LOG2.orig" SYSTEM.LOG2
  xz -dc "$hive" | cmp - "$d/SYSTEM.orig"

  # The replay alone: the hive winvirtio must start from.
  $VG wv-hivelog "$d/SYSTEM.orig" "$d/LOG1.orig" "$d/LOG2.orig" \
    "$d/SYSTEM.replayed" > "$d/replay"
  cat "$d/replay"
  grep -qFx "$5" "$d/replay"

  # Plan.
  $VG winvirtio map --details --drivers="$t/vw" -o "$d/map" "$d/disk.img" \
    > "$d/summary"
  cat "$d/summary"
  grep -qFx "hive: \\Windows\\System32\\config\\SYSTEM was dirty: $6" \
    "$d/summary"
  grep -q '^hive: \\Windows\\System32\\config\\SYSTEM ([0-9]* -> [0-9]* bytes)$' \
    "$d/summary"

  # Stream through the filter, planning at startup: same plan.
  serve_planned "$d" "$t/vw"
  "$abs_top_srcdir/scripts/check-converted.sh" "$d/disk.img" \
    "$d/out.raw" "$t/vw"

  # The served hive: the replayed one plus our changes.
  icat_hive "$d/out.raw" $offset "$d/SYSTEM.new"
  hive_tools "$d/SYSTEM.orig" "$d/primary" &
  pid=$!
  hive_tools "$d/SYSTEM.replayed" "$d/orig"
  wait $pid
  hive_tools "$d/SYSTEM.new" "$d/new"
  diff -u "$d/orig.reglookup-err" "$d/new.reglookup-err"
  primary=$(cat "$d/primary.keys-hivex")
  orig=$(cat "$d/orig.keys-hivex")
  [ "$orig" != "$primary" ] ||
    fail "$name: the replay recovered no key ($primary keys)"
  [ "$(cat "$d/orig.keys-reglookup")" = "$orig" ]
  [ "$(cat "$d/orig.keys-regfinfo")" = "$orig" ]
  # The only key deleted is a StartOverride (of storahci, the SATA
  # fallback: these real hives have one), which has no subkeys.
  if grep '^deleted key ' "$d/summary" | grep -v '\\StartOverride$'; then
    fail "$name: unexpected deleted key"
  fi
  deleted=$(grep -c '^deleted key ' "$d/summary" || true)
  created=$(grep -c '^created key ' "$d/summary")
  [ "$created" -gt 0 ]
  for tool in hivex reglookup regfinfo; do
    n=$(cat "$d/new.keys-$tool")
    [ "$n" = $(( orig + created - deleted )) ] ||
      fail "$name: $tool counts $n keys, expected $orig + $created - $deleted"
  done
  echo "$name: $primary keys in the primary, $orig after replay," \
    "+ $created created - $deleted deleted = $(( orig + created - deleted ))"
  python3 "$abs_top_srcdir/tests/corpus-hive-diff.py" \
    "$d/orig.ureg" "$d/new.ureg" "$d/summary"

  # The served logs: the source's, and Windows will not replay them.
  icat_hive "$d/out.raw" $offset "$d/LOG1.new" SYSTEM.LOG1
  icat_hive "$d/out.raw" $offset "$d/LOG2.new" SYSTEM.LOG2
  cmp "$d/LOG1.orig" "$d/LOG1.new"
  cmp "$d/LOG2.orig" "$d/LOG2.new"
  python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
    "$d/SYSTEM.new" "$d/LOG1.new" "$d/LOG2.new"
  if python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
       "$d/SYSTEM.orig" "$d/LOG1.orig" "$d/LOG2.orig"; then
    fail "$name: hive-logs-ignored.py accepts the dirty source hive"
  fi

  # A second pass over the converted disk changes nothing.
  $VG winvirtio map --details --drivers="$t/vw" -o "$d/map2" "$d/out.raw" \
    > "$d/summary2"
  cat "$d/summary2"
  grep -q "^block map: 0 extents, 0 bytes" "$d/summary2"
  grep -q "already has every entry" "$d/summary2"
  if grep "was dirty" "$d/summary2"; then
    fail "$name: the converted hive is still dirty"
  fi
  rm -f "$d/disk.img" "$d/out.raw"
}

converted win10-1709 regipy/SYSTEM_B.xz \
  regipy/SYSTEM_B.LOG1.xz regipy/SYSTEM_B.LOG2.xz \
  "replayed 24 log entries from LOG1 and LOG2, last sequence number 2130, new sequence number 2131" \
  "replayed 24 log entries from LOG1 and LOG2"

# no_logs SEQ1 SEQ2 [WHY1 WHY2]: lib/registry/hivelog.c's message for a dirty
# hive whose logs cannot be used (default: both missing).
no_logs ()
{
  echo "the SYSTEM hive is dirty (base block sequence numbers $1 and $2 differ) and its transaction logs cannot be replayed (SYSTEM.LOG1: ${3:-missing}; SYSTEM.LOG2: ${4:-missing}): Windows was not shut down cleanly; boot the VM and shut it down cleanly, then try again"
}

refused win81 regipy/SYSTEM_2.xz "$(no_logs 205 204)"
refused win10-1903 regipy/SYSTEM_WIN_10_1709.xz "$(no_logs 4317 4316)"
refused bad-old-log yarp/BadLogHive1/BadLogHive.xz \
  "$(no_logs 5 4 "bad base block checksum" empty)" \
  yarp/BadLogHive1/BadLogHive.LOG1.xz yarp/BadLogHive1/BadLogHive.LOG2.xz
refused bad-new-logs yarp/BadLogHive3/BadLogHive.xz \
  "$(no_logs 3 2 "bad base block checksum" "bad base block checksum")" \
  yarp/BadLogHive3/BadLogHive.LOG1.xz yarp/BadLogHive3/BadLogHive.LOG2.xz
refused bad-base-block yarp/BadBaseBlockHive/BadBaseBlockHive.xz \
  "the SYSTEM hive has a bad base block checksum: the file is damaged or was being written when the disk was copied; boot the VM and shut it down cleanly, then try again" \
  yarp/BadBaseBlockHive/BadBaseBlockHive.LOG1.xz \
  yarp/BadBaseBlockHive/BadBaseBlockHive.LOG2.xz
refused truncated yarp/TruncatedHive.xz \
  "the SYSTEM hive is truncated or damaged (12288 bytes, its base block declares 487424 bytes of hive bins after the first 4096): the file is damaged"
# hivex refuses it (ENOTSUP); the message names the hive and calls it damaged.
refused corrupt regipy/corrupted_system_hive.xz \
  "the SYSTEM hive is damaged: hivex cannot open it (or it is in a format hivex does not support): boot Windows once so that it repairs the hive, shut it down cleanly, then try again"
