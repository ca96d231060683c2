# winvirtio tests: the end-to-end test, sourced by test-e2e-*.sh.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# e2e NAME VERSION LAYOUT SECTOR OSDIR [--system-hive FILE] [ARCH]
#
# Builds a Windows-like disk, then:
#  - winvirtio map / dump (text and JSON); the map made over NBD
#    equals the one made from the file;
#  - nbdkit file + the filter (winvirtio-drivers=) -> qemu-img convert
#    -O qcow2 (with E2E_SOURCE=vmdk: nbdkit vmdk, serving the disk
#    converted by qemu-img to a streamOptimized VMDK), checked by scripts/check-converted.sh with sleuthkit,
#    hivexregedit, reglookup and ntfsresize;
#  - every byte that differs from the source lies in the block map
#    (diff-in-map.py), and the source is unchanged;
#  - winvirtio-map= gives the same bytes as winvirtio-drivers=
#    (qemu-img compare), and nbdcopy with 4 connections the same bytes
#    as qemu-img (cmp);
#  - a second pass over the converted disk finds nothing to change;
#  - gpt: the ESP (made FAT by make-windows-disk.sh --esp) passes
#    fsck.fat -n and its \EFI\BOOT\BOOTX64.EFI is bootmgfw.efi (mtype).
# check-converted.sh also checks DevicePath in the SOFTWARE hive
# before Windows 8, and the SOFTWARE hive unchanged from Windows 8 on.
# WV_BOOT_DRIVERS (for check-converted.sh) lists the boot drivers
# expected, by default both.

e2e ()
{
  local name=$1 version=$2 layout=$3 ss=$4 osdir=$5 arch=${7:-amd64}
  local hive=() t="tmp-$name" esp=()
  [ -n "${6:-}" ] && hive=(--system-hive "$6")
  # The gpt layout gets a FAT EFI system partition (FAT16 with
  # 4096-byte sectors: 100 MiB is too small for FAT32 there).
  if [ "$layout" = gpt ]; then
    requires which mkfs.vfat
    requires which fsck.fat
    requires which mtype
    esp=(--esp $([ "$ss" = 4096 ] && echo 16 || echo 32))
  fi

  requires test -x "$MKNTFS"
  requires test -f "$filter"
  requires nbdkit --version
  requires qemu-img --version
  requires nbdcopy --version
  requires which hivexregedit
  requires which reglookup
  requires fls -V
  requires mmls -V
  requires ntfsresize --version
  requires python3 --version

  rm -rf "$t"
  mkdir "$t"
  cleanup_fn rm -rf "$t"

  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/disk.img" \
    --version "$version" --layout "$layout" --sector-size "$ss" \
    "${hive[@]}" "${esp[@]}"
  "$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"
  local sum
  sum=$(sha256sum < "$t/disk.img")

  # Plan with the command, and look at the map.
  $VG winvirtio map --details --drivers="$t/vw" -o "$t/map" "$t/disk.img" \
    > "$t/summary"
  cat "$t/summary"
  grep -q "^windows: " "$t/summary"
  grep -q "^file: .*viostor.sys created" "$t/summary"
  if [[ " ${WV_BOOT_DRIVERS:-vioscsi} " == *" vioscsi "* ]]; then
    grep -q "^file: .*vioscsi.sys created" "$t/summary"
  fi
  $VG winvirtio dump "$t/map" > "$t/dump"
  $VG winvirtio dump --json "$t/map" > "$t/dump.json"
  cat "$t/dump"
  grep -q "SYSTEM hive" "$t/dump"
  # Before Windows 8 the SOFTWARE hive's DevicePath changes too (its
  # pages are labelled); from Windows 8 on it is left alone.
  case "$version" in
    xp|2k3|win7)
      grep -qFx 'devicepath: added %SystemRoot%\Drivers\VirtIO to SOFTWARE\Microsoft\Windows\CurrentVersion\DevicePath' \
        "$t/summary"
      grep -q "SOFTWARE hive" "$t/dump" ;;
    *)
      if grep -i "devicepath\|SOFTWARE hive" "$t/summary" "$t/dump"; then
        fail "the SOFTWARE hive was touched from Windows 8 on"
      fi ;;
  esac
  grep -q "viostor.sys" "$t/dump"

  # Planning over NBD (libnbd) gives the same map, byte for byte, as
  # planning on the file: plans are reproducible.
  nbdkit -U - file "$t/disk.img" \
    --run "$VG winvirtio map --details --drivers=$t/vw -o $t/map-nbd \"\$uri\"" \
    > "$t/summary-nbd"
  cmp "$t/map" "$t/map-nbd"

  # Stream through the filter, planning at startup.
  local source=(file "$t/disk.img")
  if [ "${E2E_SOURCE:-}" = vmdk ]; then
    qemu-img convert -f raw -O vmdk -o subformat=streamOptimized \
      "$t/disk.img" "$t/disk.vmdk"
    source=("$abs_top_builddir/plugin/.libs/nbdkit-vmdk-plugin.so"
            file="$t/disk.vmdk")
  fi
  nbdkit -U - --filter="$filter" "${source[@]}" \
    winvirtio-drivers="$t/vw" winvirtio-report="$t/report" \
    --run 'qemu-img convert -O qcow2 "$uri" '"$t/out.qcow2"
  # Same plan as the command's (the filter names the drivers by their
  # real path).
  diff -u <(grep -v '^saved:' "$t/summary" | sed 's/, from .*)$/)/') \
          <(sed 's/, from .*)$/)/' "$t/report")

  "$abs_top_srcdir/scripts/check-converted.sh" "$t/disk.img" \
    "$t/out.qcow2" "$t/vw" "$osdir" "$arch"

  # Stream with the precomputed map; compare.
  nbdkit -U - --filter="$filter" file "$t/disk.img" \
    winvirtio-map="$t/map" \
    --run 'qemu-img convert -O raw "$uri" '"$t/out-map.raw"
  qemu-img compare "$t/out.qcow2" "$t/out-map.raw"

  # Only the map's bytes differ from the source.
  local n
  n=$(python3 "$abs_top_srcdir/tests/diff-in-map.py" \
    "$t/disk.img" "$t/out-map.raw" "$t/dump.json")
  echo "$n bytes differ from the source, all inside the block map"
  [ "$n" -gt 0 ]

  # The ESP: passes fsck.fat -n; the fallback loader is bootmgfw.efi.
  if [ "$layout" = gpt ]; then
    grep -q '^EFI system partition 1: \\EFI\\BOOT\\BOOTX64.EFI made a copy' \
      "$t/summary"
    dd if="$t/out-map.raw" of="$t/esp" bs=1M skip=1 count=100 status=none
    fsck.fat -n "$t/esp"
    MTOOLSRC=/dev/null mtype -i "$t/esp" ::/EFI/BOOT/BOOTX64.EFI > "$t/loader"
    MTOOLSRC=/dev/null mtype -i "$t/esp" ::/EFI/Microsoft/Boot/bootmgfw.efi |
      cmp - "$t/loader"
    rm -f "$t/esp" "$t/loader"
  fi

  # nbdcopy with several connections gives the same bytes.
  nbdkit -U - --filter="$filter" file "$t/disk.img" \
    winvirtio-map="$t/map" \
    --run 'nbdcopy --connections=4 --requests=16 "$uri" '"$t/out-nbdcopy.raw"
  cmp "$t/out-map.raw" "$t/out-nbdcopy.raw"

  # The source was never written.
  [ "$(sha256sum < "$t/disk.img")" = "$sum" ]

  # A second pass over the converted disk changes nothing.
  $VG winvirtio map --details --drivers="$t/vw" -o "$t/map2" "$t/out-map.raw" \
    > "$t/summary2"
  cat "$t/summary2"
  grep -q "^block map: 0 extents, 0 bytes" "$t/summary2"
  grep -q "already has every entry" "$t/summary2"
  case "$version" in
    xp|2k3|win7) grep -qF 'SOFTWARE: DevicePath already lists' "$t/summary2" ;;
  esac
}
