#!/usr/bin/env bash
# winvirtio tests: a Windows 10 guest that already has viostor.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The guest tools were installed: viostor's package is staged in the
# DriverStore as oem4.inf and registered in the DriverDatabase, its
# service has Start=3 and a StartOverride (the state in which a plain
# tools install still fails to boot on VirtIO).  An orphan
# Windows\INF\oem1.inf (in no DriverDatabase key) takes number 1.
#
#  A. Their viostor is older than ours: ours is installed as oem2.inf
#     (0 is in OemInfMap, 1 is on the volume, 4 in DriverInfFiles),
#     theirs stays; the service is boot start with no StartOverride
#     and both INFs as Owners; check-converted.sh passes.
#  B. Theirs is newer (and was never bound: no
#     System32\drivers\viostor.sys): it is kept and made boot start,
#     its file copied from its DriverStore folder to System32\drivers,
#     and ours is not installed; the log says so.
# In both, a second pass gives an empty block map.
# Checked with reglookup and sleuthkit, not with our own code.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires which hivexregedit
requires which reglookup
requires fls -V
requires mmls -V
requires ntfsresize --version
requires qemu-img --version
requires /usr/bin/python3 -c 'import uuid'
requires iconv --version

t=tmp-pkg-existing
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"

"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"
ours="$t/vw/viostor/w10/amd64"
theirs_pkg=viostor.inf_amd64_0123456789abcdef
pkgdir=/Windows/System32/DriverStore/FileRepository/$theirs_pkg

# tools_state CASE DRIVERVER: the guest tools' viostor package (ours
# with another DriverVer, so other bytes) and the .reg of its state.
tools_state ()
{
  local c=$1 drvver=$2 d="$t/$1-tools"
  mkdir -p "$d"
  cp "$ours"/viostor.{inf,sys,cat} "$d/"
  # (The INF is UTF-16LE; theirs is written back as UTF-8.)
  iconv -f UTF-16 -t UTF-8 "$ours/viostor.inf" |
    sed "s|^DriverVer *=.*|DriverVer = $drvver\r|" > "$d/viostor.inf"
  grep -q "^DriverVer = $drvver" "$d/viostor.inf" ||
    fail "cannot set the DriverVer of $d/viostor.inf"
  printf 'WINVIRTIO FAKE GUEST TOOLS DRIVER %s\n' "$c" >> "$d/viostor.sys"
  /usr/bin/python3 - "$drvver" "$theirs_pkg" > "$t/$c.reg" <<'EOF'
import sys, uuid, datetime
drvver, pkg = sys.argv[1:3]
date, ver = drvver.split(",")
m, d, y = map(int, date.split("/"))
ft = int((datetime.datetime(y, m, d) - datetime.datetime(1601, 1, 1)).total_seconds()) * 10000000
p = [int(x) for x in ver.split(".")]
q = p[0] << 48 | p[1] << 32 | p[2] << 16 | p[3]
blob = (bytes([0, 0xff, 9, 0, 0, 0, 0, 0]) +
        uuid.UUID("4D36E97B-E325-11CE-BFC1-08002BE10318").bytes_le +
        ft.to_bytes(8, "little") + q.to_bytes(8, "little") + bytes(8))
def hx(b): return ",".join("%02x" % x for x in b)
def multi(*s): return "hex(7):" + hx("".join(x + "\0" for x in s).encode("utf-16le") + b"\0\0")
def expand(s): return "hex(2):" + hx((s + "\0").encode("utf-16le"))
H = "HKEY_LOCAL_MACHINE\\SYSTEM"
print("Windows Registry Editor Version 5.00\n")
print("[%s\\DriverDatabase\\DriverInfFiles\\oem4.inf]" % H)
print("@=" + multi(pkg))
print('"Active"="%s"' % pkg)
print('"Configurations"=' + multi("scsi_inst"))
print()
print("[%s\\DriverDatabase\\DriverPackages\\%s]" % (H, pkg))
print('@="oem4.inf"')
print('"InfName"="viostor.inf"')
print('"Version"=hex(3):' + hx(blob))
print()
print("[%s\\DriverDatabase\\DeviceIds\\PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00]" % H)
print('"oem4.inf"=hex(3):01,ff,00,00')
print()
print("[%s\\ControlSet002\\Services\\viostor]" % H)
print('"Type"=dword:00000001')
print('"Start"=dword:00000003')
print('"ErrorControl"=dword:00000001')
print('"Group"="SCSI miniport"')
print('"ImagePath"=' + expand("System32\\drivers\\viostor.sys"))
print('"Owners"=' + multi("oem4.inf"))
print()
print("[%s\\ControlSet002\\Services\\viostor\\StartOverride]" % H)
print('"0"=dword:00000003')
print()
EOF
}

# make_disk CASE DRIVERVER [EXTRA --put ARGS...]
make_disk ()
{
  local c=$1 drvver=$2 f
  shift 2
  tools_state "$c" "$drvver"
  local puts=()
  for f in viostor.inf viostor.sys viostor.cat; do
    puts+=(--put "$t/$c-tools/$f:$pkgdir/$f")
  done
  echo "; WINVIRTIO FAKE FILE - an orphan oem1.inf" > "$t/oem1.inf"
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/$c.img" \
    --version win10 --layout gpt --system-reg "$t/$c.reg" \
    --put "$t/$c-tools/viostor.inf:/Windows/INF/oem4.inf" \
    --put "$t/oem1.inf:/Windows/INF/oem1.inf" \
    "${puts[@]}" "$@"
}

# convert CASE: plan, stream through the filter to CASE.out.raw, and
# extract its SYSTEM hive (icat) and reglookup's listing of it.
convert ()
{
  local c=$1 o ino
  winvirtio map --details --drivers="$t/vw" -o "$t/$c.map" "$t/$c.img" \
    > "$t/$c.summary"
  cat "$t/$c.summary"
  nbdkit -U - --filter="$filter" file "$t/$c.img" \
    winvirtio-map="$t/$c.map" \
    --run 'qemu-img convert -O raw "$uri" '"$t/$c.out.raw"
  o=$((122683392 / 512))         # the Windows partition (gpt layout)
  fls -r -p -o $o "$t/$c.out.raw" > "$t/$c.fls"
  ino=$(awk -F'\t' 'tolower($2) == "windows/system32/config/system" {
      split($1, a, " "); split(a[2], b, "-"); print b[1]; exit }' "$t/$c.fls")
  icat -o $o "$t/$c.out.raw" "$ino" > "$t/$c.SYSTEM"
  reglookup -H "$t/$c.SYSTEM" > "$t/$c.rl"
}

# rl CASE PATH: "TYPE,VALUE" of a value, from reglookup.
rl ()
{
  P="$2" awk -F, 'tolower($1) == tolower(ENVIRON["P"]) { print $2 "," $3; exit }' \
    "$t/$1.rl"
}
expect ()
{
  local got
  got=$(rl "$1" "$2")
  [ "$got" = "$3" ] || fail "$1: $2 is '$got', expected '$3'"
}

# icat_file CASE PATH: the file's bytes on stdout.
icat_file ()
{
  local ino
  ino=$(P="$2" awk -F'\t' 'tolower($2) == tolower(ENVIRON["P"]) {
      n = split($1, a, " "); split(a[n], b, "-"); sub(/:$/, "", b[1]);
      print b[1]; exit }' "$t/$1.fls")
  [ -n "$ino" ] || fail "$1: $2 not found by fls"
  icat -o $((122683392 / 512)) "$t/$1.out.raw" "$ino"
}

second_pass ()
{
  winvirtio map --details --drivers="$t/vw" -o "$t/$1.map2" \
    "$t/$1.out.raw" > "$t/$1.summary2"
  cat "$t/$1.summary2"
  grep -q "^block map: 0 extents, 0 bytes" "$t/$1.summary2" ||
    fail "$1: the second pass changed something"
}

S=/ControlSet002/Services/viostor

# A. Older guest tools, their viostor.sys in System32\drivers.
make_disk a "01/15/2020,100.80.0.0" \
  --put "$t/a-tools/viostor.sys:/Windows/System32/drivers/viostor.sys"
convert a
grep -q "^package: viostor.inf (100.95.104.26200, 2024-09-05) as oem2.inf$" \
  "$t/a.summary" || fail "A: ours is not installed as oem2.inf"
grep -q "^deleted key ControlSet002\\\\Services\\\\viostor\\\\StartOverride$" \
  "$t/a.summary" || fail "A: the log does not say StartOverride was deleted"
expect a $S/Start "DWORD,0x00000000"
grep -qi "^$S/StartOverride," "$t/a.rl" && fail "A: StartOverride is still there"
expect a $S/Owners "MULTI_SZ,oem4.inf|oem2.inf"
expect a /DriverDatabase/DriverInfFiles/oem4.inf/Active "SZ,$theirs_pkg"
id="/DriverDatabase/DeviceIds/PCI/VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"
expect a "$id/oem4.inf" "BINARY,%01%FF%00%00"
expect a "$id/oem2.inf" "BINARY,%01%FF%00%00"
"$abs_top_srcdir/scripts/check-converted.sh" "$t/a.img" "$t/a.out.raw" \
  "$t/vw" w10 amd64 || {
  # check-converted expects one viostor package: theirs is the second.
  fail "A: check-converted.sh failed"
}
second_pass a

# B. Newer guest tools, staged but never bound (no viostor.sys in
# System32\drivers).
make_disk b "12/31/2030,200.0.0.0"
convert b
grep -q "^package: viostor.inf: keeping the installed $theirs_pkg (oem4.inf, 200.0.0.0, 2030-12-31): it is newer than ours (100.95.104.26200, 2024-09-05)$" \
  "$t/b.summary" || fail "B: the log does not say theirs is kept"
expect b $S/Start "DWORD,0x00000000"
grep -qi "^$S/StartOverride," "$t/b.rl" && fail "B: StartOverride is still there"
expect b $S/Owners "MULTI_SZ,oem4.inf"
n=$(grep -ci '^/DriverDatabase/DriverPackages/[^/]*/InfName,SZ,viostor.inf,' "$t/b.rl")
[ "$n" = 1 ] || fail "B: $n viostor packages, expected theirs only"
icat_file b Windows/System32/drivers/viostor.sys | cmp - "$t/b-tools/viostor.sys" ||
  fail "B: System32\\drivers\\viostor.sys is not theirs"
grep -qi '^/DriverDatabase/DriverPackages/vioscsi.inf_amd64_[0-9a-f]*/InfName,SZ,vioscsi.inf,' \
  "$t/b.rl" || fail "B: vioscsi was not installed"
second_pass b
