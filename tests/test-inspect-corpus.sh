#!/usr/bin/env bash
# winvirtio tests: winvirtio inspect on real material from the corpus
# (../shared/corpus/PROVENANCE.md):
#   ntfs/dfir_ntfs/vss_2003.tgz   a 128 GiB MBR disk formatted by
#                                 Windows Server 2003 (partition at
#                                 LBA 63, Cyrillic label, no Windows)
#   hives/dissect.regf/SYSTEM.gz  a real Windows 10 SYSTEM hive, put
#                                 into a test disk
#   hives/regipy/SYSTEM_2.xz      a real dirty Windows 8.1 SYSTEM hive
# The partitions are checked against sleuthkit's mmls, the label
# against its fsstat, the verdict against winvirtio map's message, and
# the services listed against the hive read with python3-hivex and
# hivexget.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires_corpus ntfs/dfir_ntfs/vss_2003.tgz
requires_corpus hives/dissect.regf/SYSTEM.gz
requires test -x "$MKNTFS"
requires mmls -V
requires fsstat -V
requires which hivexget
requires /usr/bin/python3 -c 'import hivex'
requires tar --version

t=tmp-inspect-corpus
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"

# A disk Windows Server 2003 formatted: no Windows on it.
tar -C "$t" -xzf "$corpus/ntfs/dfir_ntfs/vss_2003.tgz"
disk="$t/vss_2003.raw"
r=0
$VG winvirtio inspect --drivers="$t/vw" "$disk" > "$t/2003" || r=$?
cat "$t/2003"
[ $r = 1 ]
read -r start len < <(mmls_slot "$disk" 002:)
grep -qFx "partition 1: offset $start, $len bytes, NTFS, label \"$(fsstat -o $(( start / 512 )) "$disk" | sed -n 's/^Volume Name: //p')\"" "$t/2003"
r=0
winvirtio map --drivers="$t/vw" "$disk" 2> "$t/2003.err" || r=$?
[ $r = 1 ]
grep -qFx "verdict: refused: $(sed 's/^winvirtio: //' "$t/2003.err")" "$t/2003"
# The JSON keeps the label's UTF-8.
$VG winvirtio inspect --json --drivers="$t/vw" "$disk" |
  /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["volumes"][0]["label"] == "\u041d\u043e\u0432\u044b\u0439 \u0442\u043e\u043c", r
assert r["verdict"]["would_patch"] is False
'
rm -f "$disk"

# A real Windows 10 SYSTEM hive.
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/real.img" \
  --version win10 --layout gpt \
  --system-hive "$corpus/hives/dissect.regf/SYSTEM.gz"
gzip -dc "$corpus/hives/dissect.regf/SYSTEM.gz" > "$t/SYSTEM"
$VG winvirtio inspect --drivers="$t/vw" "$t/real.img" > "$t/real"
cat "$t/real"

# The services inspect lists: the VirtIO ones and the boot-start SCSI
# miniports of the current control set, as python3-hivex finds them.
/usr/bin/python3 - "$t/SYSTEM" > "$t/expected" <<'EOF'
import sys, hivex
h = hivex.Hivex(sys.argv[1])
root = h.root()
cur = h.value_dword(h.node_get_value(h.node_get_child(root, "Select"), "Current"))
cs = h.node_get_child(root, "ControlSet%03d" % cur)
svcs = h.node_get_child(cs, "Services")
virtio = {"viostor", "vioscsi", "netkvm", "balloon", "vioser", "viorng",
          "pvpanic", "fwcfg", "viofs", "vioinput", "viogpudo", "viosock",
          "qemupciserial", "ivshmem"}
def val(n, k):
    try:
        v = h.node_get_value(n, k)
    except Exception:
        return None
    t, _ = h.value_type(v)
    return h.value_dword(v) if t == 4 else h.value_string(v)
for s in h.node_children(svcs):
    name = h.node_name(s)
    start, group = val(s, "Start"), val(s, "Group") or ""
    if name.lower() in virtio or (start == 0 and group.lower() == "scsi miniport"):
        print("%s %s" % (name, start))
EOF
sed -n 's/^  \([^ :]*\): Start=\([0-9-]*\) .*/\1 \2/p' "$t/real" > "$t/listed"
diff -u "$t/expected" "$t/listed"
[ "$(wc -l < "$t/listed")" -gt 5 ]
# Spot checks with hivexget.
for s in $(awk '{ print $1 }' "$t/listed" | head -5); do
  grep -q "^  $s: Start=$(hivexget "$t/SYSTEM" "\\ControlSet001\\Services\\$s" Start) " "$t/real"
done
grep -q '^  control set: ControlSet001 (Select\\Current)$' "$t/real"
# The clock, as hivexget reads RealTimeIsUniversal (absent: local time).
rtu=$(hivexget "$t/SYSTEM" '\ControlSet001\Control\TimeZoneInformation' \
        RealTimeIsUniversal 2>/dev/null || true)
case "$rtu" in
  1) grep -qFx '  clock: RTC in UTC (RealTimeIsUniversal = 1)' "$t/real" ;;
  0) grep -qFx '  clock: RTC in local time (RealTimeIsUniversal = 0)' "$t/real" ;;
  *) grep -qFx '  clock: RTC in local time (RealTimeIsUniversal absent)' "$t/real" ;;
esac
grep -q '^verdict: would patch: ' "$t/real"

# A real dirty SYSTEM hive (Windows 8.1, sequence numbers 205/204):
# refused, shown under "windows:", with winvirtio map's message.
if [ -e "$corpus/hives/regipy/SYSTEM_2.xz" ]; then
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/dirty.img" \
    --version win10 --layout gpt \
    --system-hive "$corpus/hives/regipy/SYSTEM_2.xz"
  r=0
  $VG winvirtio inspect --drivers="$t/vw" "$t/dirty.img" > "$t/dirty" || r=$?
  cat "$t/dirty"
  [ $r = 1 ]
  r=0
  winvirtio map --drivers="$t/vw" "$t/dirty.img" 2> "$t/dirty.err" || r=$?
  [ $r = 1 ]
  msg=$(sed 's/^winvirtio: //' "$t/dirty.err")
  grep -q 'sequence numbers 205 and 204 differ' <<<"$msg"
  grep -qFx "verdict: refused: $msg" "$t/dirty"
  sed -n '/^windows:$/,/^storage/p' "$t/dirty" | grep -qFx "  refused: $msg"
fi
