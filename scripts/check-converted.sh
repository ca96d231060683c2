#!/usr/bin/env bash
# winvirtio: check a converted disk with tools winvirtio did not write.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: check-converted.sh SOURCE CONVERTED DRIVERS [OSDIR [ARCH]]
#
# SOURCE is the raw disk before conversion, CONVERTED the result (any
# format qemu-img reads), DRIVERS the virtio-win tree that was used,
# OSDIR its folder for this Windows (default: found from the copied
# file), ARCH its architecture folder (default amd64).  Checks, each
# with an independent tool:
#  - the partition table is found by sleuthkit's mmls, the Windows
#    volume by its fls;
#  - viostor.sys and vioscsi.sys read back with sleuthkit's icat equal
#    the driver tree's files for the same Windows folder;
#  - the SYSTEM hive exported by hivexregedit has the boot-start
#    services, in the control set named by Select\Current; reglookup
#    reads the whole hive;
#  - every package of the tree for this Windows is in
#    Windows\Drivers\VirtIO (icat);
#  - Windows 8 and later: each package is registered with the shape of
#    a real Windows 10 (reglookup, not hivex): DriverPackages\<inf>_
#    <arch>_<16 hex> with its oem<N>.inf, the 48-byte Version value
#    computed here from the INF's ClassGuid and DriverVer,
#    DriverInfFiles, OemInfMap bit N, DeviceIds (rank bytes 01/02 ff
#    00 00) and Descriptors for every ID of the INF's models lines,
#    the DeviceIds class key; its files are in DriverStore\
#    FileRepository\<package> and Windows\INF\oem<N>.inf equals the
#    INF (icat); Services\viostor and \vioscsi list oem<N>.inf in
#    Owners;
#  - before Windows 8: CriticalDeviceDatabase entries for every ID of
#    viostor.inf and vioscsi.inf, with the INF's ClassGuid;
#  - before Windows 8: DevicePath in the SOFTWARE hive ends with
#    ;%SystemRoot%\Drivers\VirtIO, listed once (hivexget), and the
#    hive differs from the source's (or from $WV_SOFTWARE_BEFORE) in
#    that value only (hivexregedit --export); from Windows 8 on the
#    SOFTWARE hive is the source's, byte for byte (icat, cmp);
#  - the SATA fallback (storahci, or msahci without a DriverDatabase)
#    is boot start with no StartOverride where its key and file are
#    there, and CrashControl\AutoReboot is 0 where the key is
#    (hivexregedit);
#  - Services\BalloonService is registered as "blnsvr -i" would where
#    Drivers\VirtIO has blnsvr.exe (hivexregedit);
#  - ntfsresize --info --no-action finds the volume consistent.
# WV_BOOT_DRIVERS lists the boot drivers to expect (default "viostor
# vioscsi"; virtio-win has only viostor for Windows XP and 2003).
set -euo pipefail

source=$1 converted=$2 drivers=$3 osdir=${4:-} arch=${5:-amd64}
boot_drivers=${WV_BOOT_DRIVERS:-viostor vioscsi}
# has_driver DRV: is DRV one of the boot drivers expected?
has_driver () { [[ " $boot_drivers " == *" $1 "* ]]; }
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/wv-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail () { echo "  FAIL: $*" >&2; exit 1; }
ok () { echo "  ok: $*"; }

raw="$tmp/disk.raw"
qemu-img convert -O raw "$converted" "$raw"
[ "$(stat -c %s "$raw")" = "$(stat -c %s "$source")" ] ||
  fail "converted disk has a different size from the source"

# Find the partition holding Windows with sleuthkit's mmls, trying
# each sector size (sfdisk 2.38 cannot be told the sector size of a
# file).
offset= length=
for ss in 512 4096; do
  parts=$(mmls -b $ss "$raw" 2>/dev/null |
    awk '$1 ~ /^[0-9]+:$/ && $2 ~ /^[0-9]+(:[0-9]+)?$/ { print $3 ":" $5 }') ||
    parts=
  # mmls pads with zeroes; the arithmetic is the shell's (mawk prints
  # numbers over 2^31 in exponent form).
  for p in $parts; do
    o=$((10#${p%:*} * ss))
    if fls -r -p -o $((o / 512)) "$raw" 2>/dev/null |
        grep -iP '\tWindows/System32/config/SYSTEM$' >/dev/null; then
      offset=$o length=$((10#${p#*:} * ss))
      break 2
    fi
  done
done
if [ -z "$offset" ] && fls -r -p "$raw" 2>/dev/null |
    grep -iP '\tWindows/System32/config/SYSTEM$' >/dev/null; then
  offset=0 length=$(stat -c %s "$raw")
fi
[ -n "$offset" ] || fail "sleuthkit finds no Windows volume"
ok "sleuthkit finds Windows on the NTFS volume at byte $offset"
o512=$((offset / 512))
fls -r -p -o $o512 "$raw" > "$tmp/fls"

# inode of a path (case-insensitive), from fls.
inode_of () {
  awk -F'\t' -v p="$1" 'tolower($2) == tolower(p) {
      n = split($1, a, " "); split(a[n], b, "-"); sub(/:$/, "", b[1]);
      print b[1]; exit }' "$tmp/fls"
}

for drv in $boot_drivers; do
  ino=$(inode_of "Windows/System32/drivers/$drv.sys")
  [ -n "$ino" ] || fail "$drv.sys is not in Windows/System32/drivers"
  icat -o $o512 "$raw" "$ino" > "$tmp/$drv.sys"
  if [ -z "$osdir" ]; then
    for f in $(find "$drivers" -ipath "*/$drv/*/$arch/$drv.sys"); do
      if cmp -s "$f" "$tmp/$drv.sys"; then
        osdir=$(basename "$(dirname "$(dirname "$f")")")
      fi
    done
    [ -n "$osdir" ] || fail "$drv.sys matches no file in $drivers"
  fi
  want=$(find "$drivers" -ipath "*/$drv/$osdir/$arch/$drv.sys" | head -1)
  cmp -s "$want" "$tmp/$drv.sys" ||
    fail "$drv.sys read back with icat differs from $want"
  ok "icat: $drv.sys equals $drv/$osdir/$arch/$drv.sys"
done

ino=$(inode_of "Windows/System32/config/SYSTEM")
icat -o $o512 "$raw" "$ino" > "$tmp/SYSTEM"
hivexregedit --export --unsafe-printable-strings "$tmp/SYSTEM" '\' > "$tmp/system.reg" 2>"$tmp/hivex.err" ||
  fail "hivexregedit cannot export the SYSTEM hive: $(cat "$tmp/hivex.err")"
tr -d '\r' < "$tmp/system.reg" > "$tmp/system.txt"
reglookup "$tmp/SYSTEM" > /dev/null 2>"$tmp/reglookup.err" ||
  fail "reglookup failed on the SYSTEM hive: $(cat "$tmp/reglookup.err")"
ok "hivexregedit and reglookup read the whole SYSTEM hive"

current=$(awk 'tolower($0) == "[\\select]" { s = 1; next } /^\[/ { s = 0 }
  s && /^"Current"=dword:/ { sub(/.*dword:/, ""); print }' "$tmp/system.txt")
[ -n "$current" ] || fail "no Select\\Current in the SYSTEM hive"
current=$((16#$current))
cs=$(printf 'ControlSet%03d' "$current")

# value KEY NAME EXPECTED: the exported line for NAME under [KEY].
# (Through ENVIRON: awk -v would eat the backslashes.)
# Key and value names are matched case-insensitively, as Windows does
# (Windows 7 hives spell it "services").
value () {
  K="[$1]" N="\"$2\"=" awk '
    tolower($0) == tolower(ENVIRON["K"]) { s = 1; next } /^\[/ { s = 0 }
    s && index(tolower($0), tolower(ENVIRON["N"])) == 1 {
      print substr($0, length(ENVIRON["N"]) + 1); exit }' "$tmp/system.txt"
}
expect () {
  local got
  got=$(value "$1" "$2")
  [ "$got" = "$3" ] || fail "[$1] \"$2\" is '$got', expected '$3'"
}
# REG_SZ in hivexregedit's export: str(1):"..."
sz () { printf 'str(1):"%s"' "$1"; }

for drv in $boot_drivers; do
  key="\\$cs\\Services\\$drv"
  expect "$key" Type dword:00000001
  expect "$key" Start dword:00000000
  expect "$key" ErrorControl dword:00000001
  expect "$key" Group "$(sz "SCSI miniport")"
  expect "$key" ImagePath "str(2):\"System32\\drivers\\$drv.sys\""
  grep -qi "^\[\\\\$cs\\\\Services\\\\$drv\\\\StartOverride\]" "$tmp/system.txt" &&
    fail "$key still has a StartOverride key"
done
ok "Services\\{${boot_drivers// /,}} boot-start in $cs (Select\\Current)"

# The SATA fallback (storahci from Windows 8 on, msahci before; XP and
# 2003 have neither): boot start with no StartOverride wherever its
# service key and its file are there.
if grep -qi '^\[\\DriverDatabase\]' "$tmp/system.txt"; then sata=storahci; else sata=msahci; fi
if grep -qi "^\[\\\\$cs\\\\Services\\\\$sata\]" "$tmp/system.txt" &&
    [ -n "$(inode_of "Windows/System32/drivers/$sata.sys")" ]; then
  expect "\\$cs\\Services\\$sata" Start dword:00000000
  grep -qi "^\[\\\\$cs\\\\Services\\\\$sata\\\\StartOverride\]" "$tmp/system.txt" &&
    fail "$sata still has a StartOverride key"
  ok "SATA fallback: Services\\$sata boot start, no StartOverride"
fi
# Stop errors stay on the screen: AutoReboot=0 wherever CrashControl is
# (unless WV_KEEP_AUTOREBOOT is set).
if [ -z "${WV_KEEP_AUTOREBOOT:-}" ] &&
    grep -qi "^\[\\\\$cs\\\\Control\\\\CrashControl\]" "$tmp/system.txt"; then
  expect "\\$cs\\Control\\CrashControl" AutoReboot dword:00000000
  ok "CrashControl\\AutoReboot is 0"
fi
# The balloon service, as "blnsvr -i" registers it, wherever
# blnsvr.exe was copied to Drivers\VirtIO.
if [ -n "$(inode_of "Windows/Drivers/VirtIO/blnsvr.exe")" ]; then
  key="\\$cs\\Services\\BalloonService"
  expect "$key" Type dword:00000010
  expect "$key" Start dword:00000002
  expect "$key" ErrorControl dword:00000001
  expect "$key" ImagePath 'str(2):"\"%SystemRoot%\Drivers\VirtIO\blnsvr.exe\""'
  expect "$key" DisplayName "$(sz "Balloon Service")"
  expect "$key" ObjectName "$(sz LocalSystem)"
  ok "Services\\BalloonService runs Drivers\\VirtIO\\blnsvr.exe"
fi

# The driver packages of the tree for this Windows (ISO layout): DIR:INF
# lines.  Left out, as winvirtio leaves them out: sriov, and smbus on
# Server 2025.
find "$drivers" -mindepth 3 -maxdepth 3 -type d -ipath "*/$osdir/$arch" |
  sort | while read -r d; do
    drv=$(basename "$(dirname "$(dirname "$d")")")
    case "${drv,,}:${osdir,,}" in sriov:*|smbus:2k25) continue ;; esac
    i=$(find "$d" -maxdepth 1 -iname '*.inf' | head -1)
    [ -n "$i" ] && echo "$d:$i"
  done > "$tmp/packages"
[ -s "$tmp/packages" ] || fail "no driver package for $osdir/$arch in $drivers"

# An INF as UTF-8 text without CRs (virtio-win INFs are UTF-16LE with a
# BOM).
inf_text () {
  if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' ')" = fffe ]; then
    iconv -f UTF-16 -t UTF-8 "$1"
  else
    cat "$1"
  fi | tr -d '\r'
}
# The IDs of an INF's models lines ("ID RANK", rank 1 for the hardware
# ID, 2 for the compatible IDs), and its [Version] facts.
inf_ids () {
  inf_text "$1" |
    awk -F, '/^[^;\[]*=[^,]*,[ \t]*[A-Za-z]+\\/ {
      for (i = 2; i <= NF; i++) { gsub(/^[ \t]+|[ \t]+$/, "", $i);
        if ($i != "") print toupper($i), (i == 2 ? 1 : 2) } }' | sort -u -k1,1
}
inf_version () {
  inf_text "$1" | sed -n "s/^[ \t]*$2[ \t]*=[ \t]*//Ip" | head -1 |
    sed 's/[ \t]*;.*//; s/"//g'
}

# Files copied to Windows/Drivers/VirtIO, as virt-v2v does.
while IFS=: read -r d i; do
  for f in "$d"/*; do
    case "${f,,}" in *.pdb) continue ;; esac
    [ -f "$f" ] || continue
    ino=$(inode_of "Windows/Drivers/VirtIO/$(basename "$f")")
    [ -n "$ino" ] || fail "$(basename "$f") is not in Windows/Drivers/VirtIO"
    icat -o $o512 "$raw" "$ino" | cmp -s - "$f" ||
      fail "Windows/Drivers/VirtIO/$(basename "$f") differs from $f"
  done
done < "$tmp/packages"
ok "icat: Windows/Drivers/VirtIO has every file of the $(wc -l < "$tmp/packages") packages"

# reglookup (libregfi, not hivex) reads the DriverDatabase.
reglookup -H "$tmp/SYSTEM" > "$tmp/rl.csv"
# rl PATH: "TYPE,VALUE" of the value at PATH ('/'-separated; a key's
# default value is "KEY/"), matched case-insensitively.
rl () {
  P="$1" awk -F, 'tolower($1) == tolower(ENVIRON["P"]) { print $2 "," $3; exit }' \
    "$tmp/rl.csv"
}
rlexpect () {
  local got
  got=$(rl "$1")
  [ "$got" = "$2" ] || fail "reglookup: $1 is '$got', expected '$2'"
}
# reglookup's escaped BINARY (%XX for unprintable bytes) as hex.
unesc () {
  /usr/bin/python3 -c 'import re, sys
print(re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)),
             sys.argv[1]).encode("latin-1").hex())' "$1"
}
# The 48-byte DriverPackages Version value for an INF, as measured on
# a real Windows 10 (lib/convert/driverstore.c): 00 ff, architecture, 0,
# ClassGuid, DriverVer date (FILETIME), DriverVer version quad, 0.
version_blob () {
  /usr/bin/python3 -c 'import sys, uuid, datetime
guid, drvver, arch = sys.argv[1:4]
date, ver = [x.strip() for x in drvver.split(",")]
m, d, y = map(int, date.split("/"))
ft = int((datetime.datetime(y, m, d) - datetime.datetime(1601, 1, 1)).total_seconds()) * 10000000
parts = [int(x) for x in ver.split(".")] + [0, 0, 0]
q = parts[0] << 48 | parts[1] << 32 | parts[2] << 16 | parts[3]
a = {"x86": 0, "amd64": 9, "arm64": 12}[arch.lower()]
print((bytes([0, 0xff]) + a.to_bytes(2, "little") + bytes(4) +
       uuid.UUID(guid.strip("{}")).bytes_le + ft.to_bytes(8, "little") +
       q.to_bytes(8, "little") + bytes(8)).hex())' "$@"
}

parch=${arch,,}
if grep -qi '^\[\\DriverDatabase\]' "$tmp/system.txt"; then
  oemmap=$(unesc "$(rl /DriverDatabase/OemInfMap | sed 's/^BINARY,//')")
  while IFS=: read -r d i; do
    infname=$(basename "${i,,}")
    guid=$(inf_version "$i" ClassGuid)
    want=$(version_blob "$guid" "$(inf_version "$i" DriverVer)" "$arch")
    # The package with this INF name and this DriverVer (the guest may
    # have others of other versions).
    pkg=
    for cand in $(awk -F, -v n="$infname" 'tolower($2) == "sz" && tolower($3) == n &&
        $1 ~ /^\/DriverDatabase\/DriverPackages\/[^\/]+\/InfName$/ {
          split($1, a, "/"); print a[4] }' "$tmp/rl.csv"); do
      got=$(unesc "$(rl "/DriverDatabase/DriverPackages/$cand/Version" |
        sed 's/^BINARY,//')")
      if [ "$got" = "$want" ]; then
        [ -z "$pkg" ] || fail "$infname: two packages of this version: $pkg $cand"
        pkg=$cand
      fi
    done
    [ -n "$pkg" ] ||
      fail "$infname: no DriverPackages entry whose Version is $want"
    [[ "$pkg" =~ ^${infname//./\\.}_${parch}_[0-9a-f]{16}$ ]] ||
      fail "$infname: package name $pkg is not <inf>_<arch>_<16 hex digits>"
    P=/DriverDatabase/DriverPackages/$pkg
    oem=$(rl "$P/" | sed -n 's/^SZ,//p')
    [[ "$oem" =~ ^oem([0-9]+)\.inf$ ]] || fail "$P has no oem<N>.inf name: '$oem'"
    n=${BASH_REMATCH[1]}
    # OemInfMap has bit n, most significant bit first.
    byte=$((16#${oemmap:$((n / 8 * 2)):2}))
    (( byte & (0x80 >> (n % 8)) )) || fail "OemInfMap lacks bit $n ($oem)"
    rlexpect "/DriverDatabase/DriverInfFiles/$oem/" "MULTI_SZ,$pkg"
    rlexpect "/DriverDatabase/DriverInfFiles/$oem/Active" "SZ,$pkg"
    rlexpect "$P/InfName" "SZ,$infname"
    # SignerName: the CN of one of the catalog's certificates (openssl
    # lists them; the signer is among them); SignerScore: WHQL or
    # attestation (0x0D00000x) for Microsoft's hardware publisher,
    # Authenticode (0x0F000000) for anyone else or no catalog.
    catf=$(inf_version "$i" CatalogFile)
    signer=$(rl "$P/SignerName" | sed -n 's/^SZ,//p')
    score=$(rl "$P/SignerScore")
    if [ -n "$catf" ] && [ -f "$d/$catf" ]; then
      openssl pkcs7 -inform DER -in "$d/$catf" -print_certs -noout |
        sed -n 's/^subject=\(.*, \)\{0,1\}CN = \([^,]*\).*/\2/p' \
        > "$tmp/cat-cns"
      [ -n "$signer" ] && grep -qFx "$signer" "$tmp/cat-cns" ||
        fail "$P/SignerName '$signer' is none of the CNs of $d/$catf"
    else
      [ -z "$signer" ] || fail "$P has SignerName '$signer' but no catalog"
    fi
    if [ "$signer" = "Microsoft Windows Hardware Compatibility Publisher" ]; then
      [[ "$score" =~ ^DWORD,0x0D00000[45]$ ]] ||
        fail "$P/SignerScore is '$score' for $signer"
    else
      rlexpect "$P/SignerScore" "DWORD,0x0F000000"
    fi
    rl "$P/ImportDate" | grep -q '^BINARY,' || fail "$P has no ImportDate"
    rlexpect "/DriverDatabase/DeviceIds/${guid,,}/$oem" "NONE,(null)"
    conf=$(rl "/DriverDatabase/DriverInfFiles/$oem/Configurations" |
      sed -n 's/^MULTI_SZ,//p')
    [ -n "$conf" ] || fail "DriverInfFiles\\$oem has no Configurations"
    svc=$(rl "$P/Configurations/$conf/Service" | sed -n 's/^SZ,//p')
    rlexpect "$P/Configurations/$conf/ConfigScope" "DWORD,0x00000007"
    nid=0
    while read -r id rank; do
      id=${id//\\//}
      rlexpect "/DriverDatabase/DeviceIds/$id/$oem" "BINARY,%0${rank}%FF%00%00"
      rlexpect "$P/Descriptors/$id/Configuration" "SZ,$conf"
      nid=$((nid + 1))
    done < <(inf_ids "$i")
    [ $nid -gt 0 ] || fail "$i: no device IDs found in its models lines"

    # The package's files in the DriverStore, and oem<N>.inf.
    for f in "$d"/*; do
      case "${f,,}" in *.pdb) continue ;; esac
      [ -f "$f" ] || continue
      p="Windows/System32/DriverStore/FileRepository/$pkg/$(basename "$f")"
      ino=$(inode_of "$p")
      [ -n "$ino" ] || fail "$p is missing"
      icat -o $o512 "$raw" "$ino" | cmp -s - "$f" || fail "$p differs from $f"
    done
    ino=$(inode_of "Windows/INF/$oem")
    [ -n "$ino" ] || fail "Windows/INF/$oem is missing"
    icat -o $o512 "$raw" "$ino" | cmp -s - "$i" ||
      fail "Windows/INF/$oem differs from $i"
    case "$infname" in
      viostor.inf|vioscsi.inf)
        [ "$svc" = "${infname%.inf}" ] ||
          fail "$P\\Configurations\\$conf\\Service is '$svc'"
        rl "/$cs/Services/$svc/Owners" | grep -qi "^MULTI_SZ,\(.*|\)\?$oem\(|\|$\)" ||
          fail "Services\\$svc\\Owners does not list $oem"
        ;;
    esac
    ok "$infname: package $pkg as $oem, $nid device IDs (reglookup, icat)"
  done < "$tmp/packages"
else
  for drv in $boot_drivers; do
    i=$(grep -i "/$drv/" "$tmp/packages" | head -1 | cut -d: -f2)
    [ -n "$i" ] || fail "no $drv package in $drivers for $osdir/$arch"
    guid=$(inf_version "$i" ClassGuid)
    while read -r id rank; do
      key="\\$cs\\Control\\CriticalDeviceDatabase\\${id//\\/#}"
      expect "$key" Service "$(sz $drv)"
      expect "$key" ClassGUID "$(sz "$guid")"
    done < <(inf_ids "$i")
  done
  ok "CriticalDeviceDatabase binds every ID of viostor.inf and vioscsi.inf"
fi

# The SOFTWARE hive (icat, from both disks; the same MFT record).
# Before Windows 8 its DevicePath, read with hivexget, must end with
# the VirtIO folder, listed once, and nothing else in the hive may
# differ (hivexregedit --export of the hive before: the source's, or
# $WV_SOFTWARE_BEFORE, the recovered state of a dirty one).  From
# Windows 8 on it must be the source's, byte for byte.
ino=$(inode_of "Windows/System32/config/SOFTWARE")
[ -n "$ino" ] || fail "no Windows/System32/config/SOFTWARE"
icat -o $o512 "$raw" "$ino" > "$tmp/SOFTWARE"
icat -o $o512 "$source" "$ino" > "$tmp/SOFTWARE.src"
if grep -qi '^\[\\DriverDatabase\]' "$tmp/system.txt"; then
  cmp "$tmp/SOFTWARE.src" "$tmp/SOFTWARE" ||
    fail "the SOFTWARE hive changed (Windows 8 and later: it must not)"
  ok "cmp: the SOFTWARE hive is the source's, byte for byte"
else
  before=${WV_SOFTWARE_BEFORE:-$tmp/SOFTWARE.src}
  cv='\Microsoft\Windows\CurrentVersion'
  folder='%SystemRoot%\Drivers\VirtIO'
  old=$(hivexget "$before" "$cv" DevicePath) ||
    fail "hivexget: no DevicePath in the SOFTWARE hive before"
  new=$(hivexget "$tmp/SOFTWARE" "$cv" DevicePath) ||
    fail "hivexget: no DevicePath in the converted SOFTWARE hive"
  n=$(tr ';' '\n' <<< "$new" | grep -ciFx -e "$folder" -e "$folder\\") || true
  [ "$n" = 1 ] || fail "DevicePath lists $folder $n times: '$new'"
  case "${new,,}" in
    *";${folder,,}") ;;
    *) fail "DevicePath does not end with ;$folder: '$new'" ;;
  esac
  if [ "$(tr ';' '\n' <<< "$old" | grep -ciFx -e "$folder" -e "$folder\\")" = 0 ]; then
    [ "$new" = "$old;$folder" ] ||
      fail "DevicePath is '$new', expected '$old;$folder'"
  else
    [ "$new" = "$old" ] || fail "DevicePath changed from '$old' to '$new'"
  fi
  hivexregedit --export "$before" '\' > "$tmp/software-before.reg"
  hivexregedit --export "$tmp/SOFTWARE" '\' > "$tmp/software.reg" ||
    fail "hivexregedit cannot export the converted SOFTWARE hive"
  diff "$tmp/software-before.reg" "$tmp/software.reg" |
    grep '^[<>]' > "$tmp/software.diff" || true
  # Only the DevicePath line, once on each side, and still REG_EXPAND_SZ
  # (hex(2)) ending in its NUL.
  if [ "$new" != "$old" ]; then
    [ "$(grep -c '^< "DevicePath"=hex(2):.*,00,00$' "$tmp/software.diff")" = 1 ] &&
      [ "$(grep -c '^> "DevicePath"=hex(2):.*,00,00$' "$tmp/software.diff")" = 1 ] &&
      [ "$(wc -l < "$tmp/software.diff")" = 2 ] ||
      fail "the SOFTWARE hive differs in more than DevicePath: $(cat "$tmp/software.diff")"
  else
    [ ! -s "$tmp/software.diff" ] ||
      fail "the SOFTWARE hive changed: $(cat "$tmp/software.diff")"
  fi
  ok "hivexget: DevicePath is '$new'; hivexregedit: nothing else changed"
fi

# Extract the volume and let ntfsresize check it.
dd if="$raw" of="$tmp/vol" bs=512 skip=$o512 count=$((length / 512)) \
   status=none
ntfsresize --info --no-action "$tmp/vol" > "$tmp/ntfsresize" 2>&1 ||
  fail "ntfsresize finds the volume inconsistent: $(tail -5 "$tmp/ntfsresize")"
ok "ntfsresize --info --no-action: the NTFS volume is consistent"
