#!/usr/bin/env bash
# winvirtio tests: winvirtio inspect on the test disks (win10 GPT,
# win7 MBR, XP MBR).  The facts it reports are checked against
# independent tools (sleuthkit mmls for the partitions, icat +
# hivexget for ProductName, the build and, before Windows 8,
# DevicePath, before and after a conversion), its verdict against
# winvirtio map's plan, its JSON with python's json module, and it
# writes nothing.  The refusals (exit 1, the same message as
# winvirtio map) are checked on every refusal disk by refuse.sh.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires mmls -V
requires fls -V
requires icat -V
requires which hivexget
requires which hivexregedit
requires ntfscat --version
requires nbdkit --version
requires nbdcopy --version
requires python3 --version

t=tmp-inspect
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"

# check NAME VERSION LAYOUT OSDIR ARCH BINDING
check ()
{
  local name=$1 version=$2 layout=$3 osdir=$4 arch=$5 binding=$6
  local disk="$t/$name.img" d="$t/$name" sum r
  mkdir "$d"
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$disk" \
    --version "$version" --layout "$layout"
  sum=$(sha256sum < "$disk")

  $VG winvirtio inspect --drivers="$t/vw" "$disk" > "$d/out"
  cat "$d/out"

  # Partitions: the same starts and lengths as sleuthkit's mmls.
  mmls -B "$disk" | awk '$1 ~ /^[0-9]+:$/ && $2 ~ /^[0-9]+(:[0-9]+)?$/ &&
      $7 !~ /Extended|Table|Unallocated|Safety/ {
        print ($3 * 512) " " ($5 * 512) }' | sort > "$d/mmls"
  sed -n 's/^partition [0-9]*: offset \([0-9]*\), \([0-9]*\) bytes.*/\1 \2/p' \
    "$d/out" | sort > "$d/parts"
  # The MBR's extended partition (a container) is not in mmls's list
  # of volumes as we filter it; drop it from ours too.
  grep -v "^$(sed -n 's/^partition \([0-9]*\): offset \([0-9]*\), .*not NTFS$/\2/p' "$d/out" | head -1) " \
    "$d/parts" > "$d/parts2" || true
  if [ "$layout" = gpt ]; then cp "$d/parts" "$d/parts2"; fi
  diff -u "$d/mmls" "$d/parts2"

  # The Windows volume, and its facts read with sleuthkit + hivexregedit.
  local off
  off=$(sed -n '/^partition /{s/^partition [0-9]*: offset \([0-9]*\),.*/\1/;h};/Windows volume: holds/{x;p}' "$d/out")
  [ -n "$off" ]
  local inode
  inode=$(fls -r -p -o $((off / 512)) "$disk" |
    grep -iP '\t(Windows|WINDOWS)/System32/config/SOFTWARE$' |
    sed 's/^[^ ]* \([0-9]*\).*/\1/; s/^[^0-9]*\([0-9]*\).*/\1/')
  icat -o $((off / 512)) "$disk" "$inode" > "$d/SOFTWARE"
  local product build
  product=$(hivexget "$d/SOFTWARE" '\Microsoft\Windows NT\CurrentVersion' \
    ProductName)
  build=$(hivexget "$d/SOFTWARE" '\Microsoft\Windows NT\CurrentVersion' \
    CurrentBuildNumber)
  [ -n "$product" ] && [ -n "$build" ]
  grep -qFx "  product name: $product" "$d/out" ||
    fail "$name: ProductName is not $product"
  grep -qFx "  build: $build" "$d/out" || fail "$name: build is not $build"
  grep -qFx "  architecture: $arch" "$d/out"
  grep -qFx "  virtio-win folder: $osdir/$arch" "$d/out"
  grep -qF "  driver binding: $binding" "$d/out"
  # Before Windows 8, DevicePath as hivexget reads it, without the
  # VirtIO folder yet; from Windows 8 on, nothing said.
  local dp dplists=None
  dp=$(hivexget "$d/SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath)
  [ -n "$dp" ]
  if [ "$binding" = DriverDatabase ]; then
    if grep 'DevicePath' "$d/out"; then
      fail "$name: DevicePath reported from Windows 8 on"
    fi
    dp=
  else
    grep -qFx "  DevicePath: \"$dp\" (does not list %SystemRoot%\Drivers\VirtIO: it would be added)" "$d/out" ||
      fail "$name: DevicePath is not reported as \"$dp\", without the folder"
    dplists=False
  fi
  grep -qFx "  viostor: $PWD/$t/vw/viostor/$osdir/$arch/viostor.sys ($(stat -c %s "$t/vw/viostor/$osdir/$arch/viostor.sys") bytes)" "$d/out"

  # The verdict is winvirtio map's plan.
  $VG winvirtio map --drivers="$t/vw" "$disk" > "$d/map"
  local bytes extents
  read -r extents bytes < <(sed -n 's/^block map: \([0-9]*\) extents, \([0-9]*\) bytes$/\1 \2/p' "$d/map")
  grep -qFx "verdict: would patch: $bytes bytes in $extents extents" "$d/out"
  diff -u <(sed 's/^/  /' "$d/map") \
    <(sed -n '/^changes:$/,$p' "$d/out" | tail -n +2)

  # JSON: the same facts.
  $VG winvirtio inspect --json --drivers="$t/vw" "$disk" > "$d/json"
  python3 - "$d/json" "$product" "$build" "$bytes" "$osdir" "$dp" \
    "$dplists" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
w = r["windows"]
assert w["device_path"] == (sys.argv[6] or None), w
assert w["device_path_lists_virtio"] is eval(sys.argv[7]), w
assert w["product_name"] == sys.argv[2], w
assert str(w["build"]) == sys.argv[3], w
assert w["virtio_win_folder"] == sys.argv[5], w
assert r["verdict"]["would_patch"] is True
assert r["verdict"]["refusal"] is None
assert r["verdict"]["bytes"] == int(sys.argv[4])
assert sum(1 for v in r["volumes"] if v["windows"]) == 1
EOF

  # Nothing written.
  [ "$(sha256sum < "$disk")" = "$sum" ] || fail "$name: the source changed"
}

check win10 win10 gpt w10 amd64 DriverDatabase
grep -q '^firmware: UEFI (EFI system partition: 1)$' "$t/win10/out"
grep -q '^  pvscsi: Start=0 (boot)' "$t/win10/out"
grep -q 'bound to: DriverDatabase\\DriverPackages\\pvscsi.inf_amd64_' \
  "$t/win10/out"

check win7 win7 mbr w7 amd64 CriticalDeviceDatabase
grep -q '^firmware: BIOS' "$t/win7/out"
grep -q 'bound to: CriticalDeviceDatabase\\pci#ven_1000&dev_0054' \
  "$t/win7/out"

check xp xp mbr xp x86 CriticalDeviceDatabase
grep -q '^  ntfs heads: boot sector of partition 2: 255 -> 64 ' "$t/xp/out"

# After a conversion, viostor is there, boot-start, its file present
# and bound; a second plan would change nothing.
winvirtio map --drivers="$t/vw" -o "$t/win7.map" "$t/win7.img" > /dev/null
nbdkit -U - --filter="$filter" file "$t/win7.img" winvirtio-map="$t/win7.map" \
  --run 'nbdcopy "$uri" '"$t/win7-out.img"
$VG winvirtio inspect --drivers="$t/vw" "$t/win7-out.img" > "$t/after"
cat "$t/after"
grep -qFx '  viostor: Start=0 (boot), Type=1, ErrorControl=1, Group="SCSI miniport"' "$t/after"
grep -qiFx '    file: \Windows\System32\drivers\viostor.sys present' "$t/after"
grep -A3 '^  viostor: ' "$t/after" | grep -qF 'CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1001'
grep -A4 '^  viostor: ' "$t/after" | grep -qFx '    boot-ready: yes'
grep -qFx 'verdict: would patch: 0 bytes in 0 extents (already converted: nothing to change)' "$t/after"
# DevicePath lists the folder now, as hivexget reads the converted
# hive (extracted with ntfscat).
off=$(sed -n '/^partition /{s/^partition [0-9]*: offset \([0-9]*\),.*/\1/;h};/Windows volume: holds/{x;p}' "$t/after")
len=$(sed -n "s/^partition [0-9]*: offset $off, \([0-9]*\) bytes.*/\1/p" "$t/after")
dd if="$t/win7-out.img" of="$t/win7-vol" bs=1M iflag=skip_bytes,count_bytes \
  skip="$off" count="$len" status=none
ntfscat "$t/win7-vol" /Windows/System32/config/SOFTWARE > "$t/win7-SOFTWARE"
rm -f "$t/win7-vol"
dp=$(hivexget "$t/win7-SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath)
[ "$dp" = '%SystemRoot%\inf;%SystemRoot%\Drivers\VirtIO' ]
grep -qFx "  DevicePath: \"$dp\" (lists %SystemRoot%\Drivers\VirtIO)" "$t/after"

# A guest with viostor staged but not boot-ready (what a guest tools
# install leaves when the disk is not yet VirtIO): Start=3, a
# StartOverride, no file, no binding.  Inspect says why; after the
# conversion it is boot-ready.
disk="$t/staged.img"
cp --sparse=always "$t/win10.img" "$disk"
start=$(( 239616 * 512 )) size=$(( 282624 * 512 ))
dd if="$disk" of="$t/vol" bs=1M iflag=skip_bytes,count_bytes \
  skip=$start count=$size conv=sparse status=none
ntfscat "$t/vol" /Windows/System32/config/SYSTEM > "$t/SYSTEM"
{
  echo 'Windows Registry Editor Version 5.00'
  echo
  echo '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\viostor]'
  echo '"Type"=dword:00000001'
  echo '"Start"=dword:00000003'
  echo '"ErrorControl"=dword:00000001'
  echo '"Group"="SCSI miniport"'
  echo '"ImagePath"="system32\\drivers\\viostor.sys"'
  echo
  echo '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\viostor\StartOverride]'
  echo '"0"=dword:00000003'
  echo
  echo '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\VMTools]'
  echo '"Start"=dword:00000002'
} > "$t/staged.reg"
hivexregedit --merge "$t/SYSTEM" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
  "$t/staged.reg"
# And a Group Policy that restricts device installation.
ntfscat "$t/vol" /Windows/System32/config/SOFTWARE > "$t/SOFTWARE"
{
  echo 'Windows Registry Editor Version 5.00'
  echo
  for k in Policies Policies\\Microsoft Policies\\Microsoft\\Windows \
      Policies\\Microsoft\\Windows\\DeviceInstall; do
    echo "[HKEY_LOCAL_MACHINE\\SOFTWARE\\$k]"
    echo
  done
  echo '[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\DeviceInstall\Restrictions]'
  echo '"DenyUnspecified"=dword:00000001'
} > "$t/gpo.reg"
hivexregedit --merge "$t/SOFTWARE" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$t/gpo.reg"
"$abs_top_builddir/tests/wv-ntfs-put" "$t/vol" \
  "$t/SYSTEM:/Windows/System32/config/SYSTEM" \
  "$t/SOFTWARE:/Windows/System32/config/SOFTWARE"
dd if="$t/vol" of="$disk" bs=1M oflag=seek_bytes seek=$start \
  conv=notrunc,sparse status=none
r=0
$VG winvirtio inspect --drivers="$t/vw" "$disk" > "$t/staged" || r=$?
cat "$t/staged"
[ $r = 0 ]
grep -qFx '  viostor: Start=3 (manual), Type=1, ErrorControl=1, Group="SCSI miniport", StartOverride present' "$t/staged"
grep -qFx '    file: \Windows\system32\drivers\viostor.sys MISSING' "$t/staged"
grep -qFx '    boot-ready: no: Start is 3, not 0 (boot), a StartOverride key keeps it from starting, its .sys file is missing, no device is bound to it' "$t/staged"
grep -q '^warning: VMware Tools are installed' "$t/staged"
grep -q '^warning: Group Policy restricts device installation (SOFTWARE\\Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions)' "$t/staged"
if grep -q '^warning:' "$t/win10/out"; then
  fail "warnings on the plain win10 disk"
fi
$VG winvirtio inspect --json --drivers="$t/vw" "$disk" |
  /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
s = [d for d in r["drivers_present"] if d["service"] == "viostor"][0]
assert s["start"] == 3 and s["start_override"] is True, s
assert s["file_exists"] is False and s["boot_ready"] is False, s
'
winvirtio map --drivers="$t/vw" -o "$t/staged.map" "$disk" > "$t/staged.plan"
cat "$t/staged.plan"
grep -q '^registry: .* 1 keys deleted' "$t/staged.plan"
nbdkit -U - --filter="$filter" file "$disk" winvirtio-map="$t/staged.map" \
  --run 'nbdcopy "$uri" '"$t/staged-out.img"
$VG winvirtio inspect --drivers="$t/vw" "$t/staged-out.img" > "$t/staged2"
cat "$t/staged2"
grep -A5 '^  viostor: ' "$t/staged2" | grep -qFx '    boot-ready: yes'
grep -A5 '^  vioscsi: ' "$t/staged2" | grep -qFx '    boot-ready: yes'

# Over NBD: the same report.
nbdkit -U - file "$t/win7.img" \
  --run "$VG winvirtio inspect --drivers=$t/vw \"\$uri\" > $t/nbd"
diff -u <(tail -n +2 "$t/win7/out" | grep -v '^  planner read:') \
        <(tail -n +2 "$t/nbd" | grep -v '^  planner read:')

# Without --drivers: the default location ($VIRTIO_WIN), the same
# report; none there: no driver source, and the planner's refusal.
VIRTIO_WIN=$t/vw $VG winvirtio inspect "$t/win7.img" > "$t/default"
diff -u "$t/win7/out" "$t/default"
grep -qFx "driver source: $PWD/$t/vw (ISO layout)" "$t/default"
r=0
VIRTIO_WIN=$t/none $VG winvirtio inspect "$t/win7.img" > "$t/none.out" ||
  r=$?
cat "$t/none.out"
[ $r = 1 ]
msg="no virtio-win drivers: $t/none does not exist.  Install the virtio-win package, or say where the virtio-win ISO or driver tree is (winvirtio --drivers=PATH, the filter's winvirtio-drivers=PATH, or VIRTIO_WIN=PATH)"
grep -qFx "driver source: none: $msg" "$t/none.out"
grep -qFx "verdict: refused: $t/win7.img: $msg" "$t/none.out"

# Usage errors and an unreadable source: exit status 2.
r=0; winvirtio inspect 2> /dev/null || r=$?
[ $r = 2 ]
r=0; winvirtio inspect "$t/no-such-disk.img" 2> "$t/err" || r=$?
[ $r = 2 ]
cat "$t/err"

# A Windows 7 whose SOFTWARE hive has no DevicePath: inspect says so,
# the plan warns and is not refused, and the SOFTWARE hive is served
# as it is (icat, cmp); DevicePath is still absent (hivexget).
d="$t/nodp"
mkdir "$d"
wv-mkhive "$d/SOFTWARE" "CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}"
hivexregedit --merge "$d/SOFTWARE" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$abs_top_srcdir/tests/data/win7-software.reg"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion]' \
  '"DevicePath"=-' > "$d/del.reg"
hivexregedit --merge "$d/SOFTWARE" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$d/del.reg"
if hivexget "$d/SOFTWARE" '\Microsoft\Windows\CurrentVersion' DevicePath; then
  fail "nodp: the test hive still has DevicePath"
fi
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
  --version win7 --layout mbr --software-hive "$d/SOFTWARE"
$VG winvirtio inspect --drivers="$t/vw" "$d/disk.img" > "$d/out"
cat "$d/out"
grep -qFx '  DevicePath: none: the SOFTWARE hive has no DevicePath in Microsoft\Windows\CurrentVersion (left so: the drivers other than the boot drivers would not be found at first boot)' \
  "$d/out"
grep -q '^verdict: would patch: ' "$d/out"
winvirtio map --drivers="$t/vw" -o "$d/map" "$d/disk.img" > "$d/plan"
grep -qF 'warning: the SOFTWARE hive has no DevicePath in Microsoft\Windows\CurrentVersion:' \
  "$d/plan"
grep -qF 'hive: \Windows\System32\config\SOFTWARE unchanged' "$d/plan"
nbdkit -U - --filter="$filter" file "$d/disk.img" winvirtio-map="$d/map" \
  --run 'nbdcopy "$uri" '"$d/out.img"
o512=$(( 51 * 2048 ))
ino=$(fls -r -p -o $o512 "$d/out.img" |
  awk -F'\t' 'tolower($2) == "windows/system32/config/software" {
    n = split($1, a, " "); split(a[n], b, "-"); sub(/:$/, "", b[1]);
    print b[1]; exit }')
[ -n "$ino" ]
icat -o $o512 "$d/out.img" "$ino" | cmp - "$d/SOFTWARE"
