#!/usr/bin/env bash
# winvirtio tests: end to end, a disk whose SYSTEM hive is dirty, with
# its changes in SYSTEM.LOG1 and SYSTEM.LOG2 beside it.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# No corpus needed.  Three states of the test disk's own SYSTEM hive
# (tests/data/win10-system.reg): H0, H1 = H0 + key WinvirtioLog1, H2 =
# H1 + key WinvirtioLog2 (with a 6000-byte value: the hive grows).
# make-dirty-hive.py (written from the format specification, apart
# from lib/hivelog.c) makes what Windows leaves when it logged H0 ->
# H1 in LOG1 and H1 -> H2 in LOG2, then died before writing the hive:
# H0 with a dirty base block, and a stale damaged entry numbered above
# the rest in LOG1.  The disk (make-windows-disk.sh --system-logs) is
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
offset=$(( 117 * 1048576 ))    # the gpt layout's Windows volume

# The three states of the hive.
merge ()
{
  hivexregedit --merge "$1" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$2"
}
wv-mkhive "$t/H0" "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}"
merge "$t/H0" "$abs_top_srcdir/tests/data/win10-system.reg"
cp "$t/H0" "$t/H1"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SYSTEM\WinvirtioLog1]' '"Step"=dword:00000001' \
  > "$t/r1.reg"
merge "$t/H1" "$t/r1.reg"
cp "$t/H1" "$t/H2"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SYSTEM\WinvirtioLog2]' '"Step"=dword:00000002' \
  "\"Padding\"=hex:$(head -c 6000 /dev/zero | od -An -tx1 -v |
                     tr -s ' \n' ',' | sed 's/^,//; s/,$//')" \
  > "$t/r2.reg"
merge "$t/H2" "$t/r2.reg"
[ "$(stat -c %s "$t/H2")" -gt "$(stat -c %s "$t/H0")" ]

python3 "$abs_top_srcdir/tests/make-dirty-hive.py" \
  "$t/H0" "$t/H1" "$t/H2" "$t/SYSTEM" "$t/SYSTEM.LOG1" "$t/SYSTEM.LOG2"
n=$(od -An -tu4 -j8 -N4 "$t/H0" | tr -d ' ')

# The replay alone gives H2's hive bins, byte for byte.
$VG wv-hivelog "$t/SYSTEM" "$t/SYSTEM.LOG1" "$t/SYSTEM.LOG2" \
  "$t/SYSTEM.replayed" > "$t/replay"
cat "$t/replay"
grep -qFx "replayed 2 log entries from LOG1 and LOG2, last sequence number $(( n + 1 )), new sequence number $(( n + 8 ))" \
  "$t/replay"
cmp <(tail -c +4097 "$t/SYSTEM.replayed") <(tail -c +4097 "$t/H2")

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/disk.img" \
  --version win10 --layout gpt --system-hive "$t/SYSTEM" \
  --system-logs "$t/SYSTEM.LOG1" "$t/SYSTEM.LOG2"

# Plan, then stream through the filter (planning at startup).
$VG winvirtio map --details --drivers="$t/vw" -o "$t/map" "$t/disk.img" \
  > "$t/summary"
cat "$t/summary"
grep -qFx 'hive: \Windows\System32\config\SYSTEM was dirty: replayed 2 log entries from LOG1 and LOG2' \
  "$t/summary"
run_nbdkit -U - --filter="$filter" file "$t/disk.img" \
  winvirtio-drivers="$t/vw" winvirtio-report="$t/report" \
  --run 'qemu-img convert -O raw "$uri" '"$t/out.raw" \
  2> "$t/nbdkit.err" || { cat "$t/nbdkit.err"; fail "nbdkit failed"; }
cat "$t/nbdkit.err"
valgrind_clean "$t/nbdkit.err"
diff -u <(grep -v '^saved:' "$t/summary" | sed 's/, from .*)$/)/') \
        <(sed 's/, from .*)$/)/' "$t/report")
"$abs_top_srcdir/scripts/check-converted.sh" "$t/disk.img" "$t/out.raw" \
  "$t/vw"

# The served hive: H2 plus our changes.
icat_hive "$t/out.raw" $offset "$t/SYSTEM.new"
hive_tools "$t/H2" "$t/h2"
hive_tools "$t/SYSTEM.new" "$t/new"
for k in WinvirtioLog1 WinvirtioLog2; do
  grep -qFx "[HKEY_LOCAL_MACHINE\\SYSTEM\\$k]" \
    <(hivexregedit --export --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
        "$t/SYSTEM.new" '\')
done
orig=$(cat "$t/h2.keys-hivex")
created=$(grep -c '^created key ' "$t/summary")
[ "$created" -gt 0 ]
for tool in hivex reglookup regfinfo; do
  [ "$(cat "$t/new.keys-$tool")" = $(( orig + created )) ] ||
    fail "$tool counts $(cat "$t/new.keys-$tool") keys, expected $orig + $created"
done
python3 "$abs_top_srcdir/tests/corpus-hive-diff.py" \
  "$t/h2.ureg" "$t/new.ureg" "$t/summary"

# The served logs: the source's, and Windows will not replay them.
icat_hive "$t/out.raw" $offset "$t/LOG1.new" SYSTEM.LOG1
icat_hive "$t/out.raw" $offset "$t/LOG2.new" SYSTEM.LOG2
cmp "$t/SYSTEM.LOG1" "$t/LOG1.new"
cmp "$t/SYSTEM.LOG2" "$t/LOG2.new"
python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
  "$t/SYSTEM.new" "$t/LOG1.new" "$t/LOG2.new" | tee "$t/ignored"
grep -qFx "$t/LOG1.new: 4 sequence numbers, highest $(( n + 7 ))" "$t/ignored"
if python3 "$abs_top_srcdir/tests/hive-logs-ignored.py" \
     "$t/SYSTEM" "$t/SYSTEM.LOG1" "$t/SYSTEM.LOG2"; then
  fail "hive-logs-ignored.py accepts the dirty source hive"
fi

# A second pass over the converted disk changes nothing.
$VG winvirtio map --details --drivers="$t/vw" -o "$t/map2" "$t/out.raw" \
  > "$t/summary2"
cat "$t/summary2"
grep -q "^block map: 0 extents, 0 bytes" "$t/summary2"
grep -q "already has every entry" "$t/summary2"
if grep "was dirty" "$t/summary2"; then
  fail "the converted hive is still dirty"
fi
