#!/usr/bin/env bash
# winvirtio tests: end to end, a disk whose SYSTEM hive is dirty, with
# its changes in SYSTEM.LOG1 and SYSTEM.LOG2 beside it.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# No corpus needed.  Three states of the test disk's own SYSTEM hive
# (tests/data/WIN-system.reg): H0, H1 = H0 + key WinvirtioLog1, H2 =
# H1 + key WinvirtioLog2 (with a 6000-byte value: the hive grows).
# make-dirty-hive.py (written from the format specification, apart
# from lib/registry/hivelog.c) makes what Windows leaves when it logged the
# changes and died before writing the hive: H0 with a dirty base
# block, and
#  - win10 (new format): H0 -> H1 in LOG1 and H1 -> H2 in LOG2, and a
#    stale damaged entry numbered above the rest in LOG1;
#  - win7 (old format): H0 -> H2 as dirty pages in LOG1, LOG2 empty;
#  - xp (old format, the single SYSTEM.LOG of Windows XP and 2003):
#    H0 -> H2 as dirty pages in SYSTEM.LOG, no LOG1 or LOG2.
# The disk (make-windows-disk.sh --system-logs / --system-log) is
# converted through the filter, then checked with tools winvirtio did
# not write:
#  - check-converted.sh (sleuthkit, hivexregedit, reglookup, ntfsresize);
#  - the served hive, read back with icat, holds H2's keys (both log
#    keys) plus the keys the summary reports created, by hivexregedit,
#    reglookup and regfinfo, and H2's values except those the summary
#    reports set (corpus-hive-diff.py);
#  - the served logs are the source's, byte for byte, and
#    hive-logs-ignored.py finds the hive clean and numbered above every
#    sequence number in them, including the stale entry's;
#  - a second pass changes nothing.
# Then a dirty SOFTWARE hive: recovered and patched on Windows 7,
# refused there without its logs, left as it is on Windows 10 (below).
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires test -f "$filter"
requires test -x wv-hivelog
requires test -x wv-mkhive
requires nbdkit --version
requires qemu-img --version
requires which hivexregedit
requires which reglookup
requires which regfinfo
requires fls -V
requires icat -V
requires mmls -V
requires ntfsresize --version
requires python3 --version
requires timeout --version

t=tmp-dirty-hive
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"
source "$abs_top_srcdir/tests/corpus-hive.sh"
# dirty_disk VERSION LAYOUT OFFSET [--old [--single]] REPLAYED SUMMARY: the test
# on a VERSION disk; wv-hivelog prints REPLAYED, the summary says
# "...SYSTEM was dirty: SUMMARY" (both evaluated, with $n, H0's
# sequence number, and $pages, the dirty pages of an old log).
dirty_disk ()
{
  local version=$1 layout=$2 offset=$3 old= single= d="$t/$1" n pages
  local created orig logs

  shift 3
  if [ "$1" = --old ]; then
    old=--old
    shift
  fi
  if [ "$1" = --single ]; then
    single=1
    shift
  fi
  mkdir "$d"

  # The three states of the hive.
  case "$version" in
    xp) wv-mkhive "$d/H0" '$$$PROTO.HIV' ;;
    win7) wv-mkhive "$d/H0" \
            "CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}" ;;
    win10) wv-mkhive "$d/H0" \
             "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}" ;;
  esac
  merge "$d/H0" "$abs_top_srcdir/tests/data/$version-system.reg"
  cp "$d/H0" "$d/H1"
  merge "$d/H1" "$t/r1.reg"
  cp "$d/H1" "$d/H2"
  merge "$d/H2" "$t/r2.reg"
  [ "$(stat -c %s "$d/H2")" -gt "$(stat -c %s "$d/H0")" ]

  python3 "$abs_top_srcdir/tests/make-dirty-hive.py" $old \
    "$d/H0" "$d/H1" "$d/H2" "$d/SYSTEM" "$d/SYSTEM.LOG1" "$d/SYSTEM.LOG2" \
    | tee "$d/made"
  # (n and pages are used in REPLAYED and SUMMARY.)
  n=$(od -An -tu4 -j8 -N4 "$d/H0" | tr -d ' ')
  pages=$(sed -n 's/.*, \([0-9]*\) dirty pages$/\1/p' "$d/made")

  # The replay alone gives H2's hive bins, byte for byte.  (wv-hivelog
  # reads two logs; the single log is replayed the same, test-hivelog.)
  $VG wv-hivelog "$d/SYSTEM" "$d/SYSTEM.LOG1" "$d/SYSTEM.LOG2" \
    "$d/SYSTEM.replayed" > "$d/replay"
  cat "$d/replay"
  grep -qFx "$(eval echo "\"$1\"")" "$d/replay" ||
    fail "$version: wv-hivelog did not say: $(eval echo "\"$1\"")"
  cmp <(tail -c +4097 "$d/SYSTEM.replayed") <(tail -c +4097 "$d/H2")

  # The single log of XP is the old-format LOG1 (LOG2 is empty then).
  if [ -n "$single" ]; then
    [ ! -s "$d/SYSTEM.LOG2" ]
    mv "$d/SYSTEM.LOG1" "$d/SYSTEM.LOG"
    rm "$d/SYSTEM.LOG2"
    logs=(--system-log "$d/SYSTEM.LOG")
  else
    logs=(--system-logs "$d/SYSTEM.LOG1" "$d/SYSTEM.LOG2")
  fi
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
    --version $version --layout $layout --system-hive "$d/SYSTEM" \
    "${logs[@]}"

  # Plan, then stream through the filter (planning at startup).
  $VG winvirtio map --details --drivers="$t/vw" -o "$d/map" "$d/disk.img" \
    > "$d/summary"
  cat "$d/summary"
  grep -qFx "hive: \\Windows\\System32\\config\\SYSTEM was dirty: $(eval echo "\"$2\"")" \
    "$d/summary"
  serve_planned "$d" "$t/vw"
  "$abs_top_srcdir/scripts/check-converted.sh" "$d/disk.img" \
    "$d/out.raw" "$t/vw" "" "$(test $version = xp && echo x86 || echo amd64)"

  # The served hive: H2 plus our changes.
  icat_hive "$d/out.raw" $offset "$d/SYSTEM.new"
  hive_tools "$d/H2" "$d/h2"
  hive_tools "$d/SYSTEM.new" "$d/new"
  hivexregedit --export --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
    "$d/SYSTEM.new" '\' > "$d/new.export"
  for k in WinvirtioLog1 WinvirtioLog2; do
    grep -qFx "[HKEY_LOCAL_MACHINE\\SYSTEM\\$k]" "$d/new.export"
  done
  orig=$(cat "$d/h2.keys-hivex")
  created=$(grep -c '^created key ' "$d/summary")
  # (A deleted key, such as storahci's StartOverride, has no subkeys.)
  deleted=$(grep -c '^deleted key ' "$d/summary" || true)
  [ "$created" -gt 0 ]
  for tool in hivex reglookup regfinfo; do
    [ "$(cat "$d/new.keys-$tool")" = $(( orig + created - deleted )) ] ||
      fail "$version: $tool counts $(cat "$d/new.keys-$tool") keys, expected $orig + $created - $deleted"
  done
  python3 "$abs_top_srcdir/tests/corpus-hive-diff.py" \
    "$d/h2.ureg" "$d/new.ureg" "$d/summary"

  # The served logs: the source's, and Windows will not replay them.
  if [ -n "$single" ]; then
    icat_hive "$d/out.raw" $offset "$d/LOG.new" SYSTEM.LOG
    cmp "$d/SYSTEM.LOG" "$d/LOG.new"
    python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
      "$d/SYSTEM.new" "$d/LOG.new" | tee "$d/ignored"
    if python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
         "$d/SYSTEM" "$d/SYSTEM.LOG"; then
      fail "$version: hive-logs-ignored.py accepts the dirty source hive"
    fi
  else
    icat_hive "$d/out.raw" $offset "$d/LOG1.new" SYSTEM.LOG1
    icat_hive "$d/out.raw" $offset "$d/LOG2.new" SYSTEM.LOG2
    cmp "$d/SYSTEM.LOG1" "$d/LOG1.new"
    cmp "$d/SYSTEM.LOG2" "$d/LOG2.new"
    python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
      "$d/SYSTEM.new" "$d/LOG1.new" "$d/LOG2.new" | tee "$d/ignored"
    if python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
         "$d/SYSTEM" "$d/SYSTEM.LOG1" "$d/SYSTEM.LOG2"; then
      fail "$version: hive-logs-ignored.py accepts the dirty source hive"
    fi
  fi

  # A second pass over the converted disk changes nothing.
  $VG winvirtio map --details --drivers="$t/vw" -o "$d/map2" "$d/out.raw" \
    > "$d/summary2"
  cat "$d/summary2"
  grep -q "^block map: 0 extents, 0 bytes" "$d/summary2"
  grep -q "already has every entry" "$d/summary2"
  if grep "was dirty" "$d/summary2"; then
    fail "$version: the converted hive is still dirty"
  fi
  rm -f "$d/disk.img" "$d/out.raw"
}

merge ()
{
  hivexregedit --merge "$1" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$2"
}
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SYSTEM\WinvirtioLog1]' '"Step"=dword:00000001' \
  > "$t/r1.reg"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SYSTEM\WinvirtioLog2]' '"Step"=dword:00000002' \
  "\"Padding\"=hex:$(head -c 6000 /dev/zero | od -An -tx1 -v |
                     tr -s ' \n' ',' | sed 's/^,//; s/,$//')" \
  > "$t/r2.reg"

# New-format logs; $n is H0's sequence number.  The stale entry in
# LOG1 (n+7) puts the recovered hive at n+8.
dirty_disk win10 gpt $(( 117 * 1048576 )) \
  'replayed 2 log entries from LOG1 and LOG2, last sequence number $(( n + 1 )), new sequence number $(( n + 8 ))' \
  'replayed 2 log entries from LOG1 and LOG2'
grep -qFx "$t/win10/LOG1.new: 4 sequence numbers, highest $(( $(od -An -tu4 -j8 -N4 "$t/win10/H0") + 7 ))" \
  "$t/win10/ignored"
# Old-format log: LOG1 numbered n+1, so the hive is at n+2.
dirty_disk win7 mbr $(( 51 * 1048576 )) --old \
  'replayed $pages dirty pages from LOG1, last sequence number 0, new sequence number $(( n + 2 ))' \
  'replayed $pages dirty pages from LOG1'
# Windows XP's single SYSTEM.LOG (old format), without LOG1 or LOG2;
# XP has no vioscsi in virtio-win.
WV_BOOT_DRIVERS=viostor dirty_disk xp mbr $(( 51 * 1048576 )) --old --single \
  'replayed $pages dirty pages from LOG1, last sequence number 0, new sequence number $(( n + 2 ))' \
  'replayed $pages dirty pages from LOG'

# A dirty SOFTWARE hive on Windows 7 (old-format log: H0 -> H2 as dirty
# pages in SOFTWARE.LOG1): the planner recovers it before adding the
# VirtIO folder to DevicePath.  The served hive, read back with icat,
# is H2 plus that value only (check-converted.sh, with H2 as the hive
# before), holds both log keys (hivexregedit), and is clean for the
# logs served beside it (the source's, byte for byte); a second pass
# changes nothing.
d="$t/win7-software"
mkdir "$d"
wv-mkhive "$d/H0" "CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}"
hivexregedit --merge "$d/H0" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$abs_top_srcdir/tests/data/win7-software.reg"
cp "$d/H0" "$d/H1"
sed 's/\\SYSTEM\\/\\SOFTWARE\\/' "$t/r1.reg" > "$d/r1.reg"
sed 's/\\SYSTEM\\/\\SOFTWARE\\/' "$t/r2.reg" > "$d/r2.reg"
hivexregedit --merge "$d/H1" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$d/r1.reg"
cp "$d/H1" "$d/H2"
hivexregedit --merge "$d/H2" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$d/r2.reg"
python3 "$abs_top_srcdir/tests/make-dirty-hive.py" --old \
  "$d/H0" "$d/H1" "$d/H2" "$d/SOFTWARE" "$d/SOFTWARE.LOG1" "$d/SOFTWARE.LOG2" \
  | tee "$d/made"
pages=$(sed -n 's/.*, \([0-9]*\) dirty pages$/\1/p' "$d/made")
[ -n "$pages" ]
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
  --version win7 --layout mbr --software-hive "$d/SOFTWARE" \
  --software-logs "$d/SOFTWARE.LOG1" "$d/SOFTWARE.LOG2"
$VG winvirtio map --details --drivers="$t/vw" -o "$d/map" "$d/disk.img" \
  > "$d/summary"
cat "$d/summary"
grep -qFx "hive: \\Windows\\System32\\config\\SOFTWARE was dirty: replayed $pages dirty pages from LOG1" \
  "$d/summary"
grep -qFx 'devicepath: added %SystemRoot%\Drivers\VirtIO to SOFTWARE\Microsoft\Windows\CurrentVersion\DevicePath' \
  "$d/summary"
run_nbdkit -U - --filter="$filter" file "$d/disk.img" \
  winvirtio-drivers="$t/vw" \
  --run 'qemu-img convert -O raw "$uri" '"$d/out.raw" \
  2> "$d/nbdkit.err" || { cat "$d/nbdkit.err"; fail "nbdkit failed"; }
valgrind_clean "$d/nbdkit.err"
WV_SOFTWARE_BEFORE="$d/H2" "$abs_top_srcdir/scripts/check-converted.sh" \
  "$d/disk.img" "$d/out.raw" "$t/vw"
icat_hive "$d/out.raw" $(( 51 * 1048576 )) "$d/SOFTWARE.new" SOFTWARE
hivexregedit --export "$d/SOFTWARE.new" '\' > "$d/new.export"
for k in WinvirtioLog1 WinvirtioLog2; do
  grep -qFx "[\\$k]" "$d/new.export" || fail "win7 SOFTWARE: no key $k"
done
icat_hive "$d/out.raw" $(( 51 * 1048576 )) "$d/LOG1.new" SOFTWARE.LOG1
cmp "$d/SOFTWARE.LOG1" "$d/LOG1.new"
python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
  "$d/SOFTWARE.new" "$d/LOG1.new" "$d/SOFTWARE.LOG2"
$VG winvirtio map --details --drivers="$t/vw" -o "$d/map2" "$d/out.raw" \
  > "$d/summary2"
cat "$d/summary2"
grep -q "^block map: 0 extents, 0 bytes" "$d/summary2"
grep -qF 'SOFTWARE: DevicePath already lists' "$d/summary2"
if grep "was dirty" "$d/summary2"; then
  fail "win7: the converted SOFTWARE hive is still dirty"
fi

# The same dirty SOFTWARE hive without its logs: Windows 7 is refused,
# by map and inspect, with the message that names the SOFTWARE hive.
n=$(od -An -tu4 -j8 -N4 "$d/H0" | tr -d ' ')
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/nologs.img" \
  --version win7 --layout mbr --software-hive "$d/SOFTWARE"
r=0
$VG winvirtio map --drivers="$t/vw" -o "$d/nologs.map" "$d/nologs.img" \
  > "$d/nologs.summary" 2> "$d/nologs.err" || r=$?
cat "$d/nologs.err"
[ $r = 1 ] || fail "win7 SOFTWARE without logs: map exited with $r"
grep -qF "the SOFTWARE hive is dirty (base block sequence numbers $(( n + 1 )) and $n differ) and its transaction logs cannot be replayed (SOFTWARE.LOG1: " \
  "$d/nologs.err" || fail "win7 SOFTWARE without logs: not the dirty-hive refusal"
[ ! -e "$d/nologs.map" ]
r=0
$VG winvirtio inspect --drivers="$t/vw" "$d/nologs.img" > "$d/nologs.inspect" ||
  r=$?
[ $r = 1 ]
grep -qF "verdict: refused: $(sed 's/^winvirtio: //' "$d/nologs.err")" \
  "$d/nologs.inspect"

# From Windows 8 on the SOFTWARE hive is not changed, so a dirty one,
# even without its logs, is not refused and is served as it is (icat,
# cmp): Windows recovers it itself.
d="$t/win10-software"
mkdir "$d"
wv-mkhive "$d/H0" "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}"
hivexregedit --merge "$d/H0" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$abs_top_srcdir/tests/data/win10-software.reg"
cp "$d/H0" "$d/H1"
hivexregedit --merge "$d/H1" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$t/win7-software/r1.reg"
cp "$d/H1" "$d/H2"
hivexregedit --merge "$d/H2" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$t/win7-software/r2.reg"
python3 "$abs_top_srcdir/tests/make-dirty-hive.py" \
  "$d/H0" "$d/H1" "$d/H2" "$d/SOFTWARE" "$d/SOFTWARE.LOG1" "$d/SOFTWARE.LOG2"
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
  --version win10 --layout gpt --software-hive "$d/SOFTWARE"
$VG winvirtio map --details --drivers="$t/vw" -o "$d/map" "$d/disk.img" \
  > "$d/summary"
if grep -i -e 'config.SOFTWARE' -e devicepath "$d/summary"; then
  fail "win10: the SOFTWARE hive was touched"
fi
run_nbdkit -U - --filter="$filter" file "$d/disk.img" winvirtio-map="$d/map" \
  --run 'qemu-img convert -O raw "$uri" '"$d/out.raw" \
  2> "$d/nbdkit.err" || { cat "$d/nbdkit.err"; fail "nbdkit failed"; }
icat_hive "$d/out.raw" $(( 117 * 1048576 )) "$d/SOFTWARE.new" SOFTWARE
cmp "$d/SOFTWARE" "$d/SOFTWARE.new"
