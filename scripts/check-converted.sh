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
#  - the SYSTEM hive exported by hivexregedit has every key and value
#    winvirtio must write, in the control set named by Select\Current;
#    reglookup reads the whole hive;
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
    awk '$1 ~ /^[0-9]+:$/ && $2 ~ /^[0-9]+(:[0-9]+)?$/ { print ($3 + 0) ":" ($5 + 0) }') ||
    parts=
  for p in $parts; do
    o=$((${p%:*} * ss))
    if fls -r -p -o $((o / 512)) "$raw" 2>/dev/null |
        grep -qiP '\tWindows/System32/config/SYSTEM$'; then
      offset=$o length=$((${p#*:} * ss))
      break 2
    fi
  done
done
if [ -z "$offset" ] && fls -r -p "$raw" 2>/dev/null |
    grep -qiP '\tWindows/System32/config/SYSTEM$'; then
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
  expect "$key" ImagePath "str(2):\"system32\\drivers\\$drv.sys\""
  grep -qi "^\[\\\\$cs\\\\Services\\\\$drv\\\\StartOverride\]" "$tmp/system.txt" &&
    fail "$key still has a StartOverride key"
done
ok "Services\\{${boot_drivers// /,}} boot-start in $cs (Select\\Current)"

if grep -qi '^\[\\DriverDatabase\]' "$tmp/system.txt"; then
  for spec in viostor:1001:00 viostor:1042:01 vioscsi:1004:00 vioscsi:1048:01; do
    IFS=: read -r drv dev rev <<<"$spec"
    has_driver "$drv" || continue
    id="VEN_1AF4&DEV_$dev&REV_$rev"
    pkg=$(value "\\DriverDatabase\\DriverInfFiles\\$drv.inf" Active |
      sed 's/^str(1):"\(.*\)"$/\1/')
    [ -n "$pkg" ] || fail "no DriverDatabase\\DriverInfFiles\\$drv.inf"
    [ -n "$(value "\\DriverDatabase\\DeviceIds\\PCI\\$id" "$drv.inf")" ] ||
      fail "DriverDatabase\\DeviceIds\\PCI\\$id does not name $drv.inf"
    conf=$(value "\\DriverDatabase\\DriverPackages\\$pkg\\Descriptors\\PCI\\$id" \
      Configuration | sed 's/^str(1):"\(.*\)"$/\1/')
    [ -n "$conf" ] || fail "package $pkg has no descriptor for $id"
    expect "\\DriverDatabase\\DriverPackages\\$pkg\\Configurations\\$conf" \
      Service "$(sz $drv)"
  done
  ok "DriverDatabase binds PCI 1AF4:1001/1042 to viostor, 1004/1048 to vioscsi"
else
  for spec in viostor:1001:00 viostor:1042:01 vioscsi:1004:00 vioscsi:1048:01; do
    IFS=: read -r drv dev rev <<<"$spec"
    has_driver "$drv" || continue
    key="\\$cs\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_$dev&REV_$rev"
    expect "$key" Service "$(sz $drv)"
    expect "$key" ClassGUID "$(sz "{4D36E97B-E325-11CE-BFC1-08002BE10318}")"
  done
  ok "CriticalDeviceDatabase binds PCI 1AF4:1001/1042 to viostor, 1004/1048 to vioscsi"
fi

# Extract the volume and let ntfsresize check it.
dd if="$raw" of="$tmp/vol" bs=512 skip=$o512 count=$((length / 512)) \
   status=none
ntfsresize --info --no-action "$tmp/vol" > "$tmp/ntfsresize" 2>&1 ||
  fail "ntfsresize finds the volume inconsistent: $(tail -5 "$tmp/ntfsresize")"
ok "ntfsresize --info --no-action: the NTFS volume is consistent"
