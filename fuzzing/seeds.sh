#!/usr/bin/env bash
# winvirtio fuzzing: build the seed corpora, BUILDDIR/seeds/NAME/ for
# harness fuzz-NAME, from ../shared/corpus and the test disk builders.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: fuzzing/seeds.sh [BUILDDIR [NAME...]]
#        (after fuzzing/build.sh BUILDDIR; default: every harness built)
#
# Nothing here is committed: every seed is generated or copied at fuzz
# time.  The corpus is $WINVIRTIO_CORPUS, default ../shared/corpus beside the
# source tree; without it only the generated seeds are made.  Each
# harness has a function seeds_NAME below that fills $out; adding a
# harness with seeds is adding one such function.  Seeds are kept
# small (MAX_SEED bytes): libFuzzer mutates whole inputs.
set -euo pipefail

srcdir="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-fuzz-build}" && pwd)"
corpus="${WINVIRTIO_CORPUS:-$srcdir/../shared/corpus}"
[ -d "$corpus" ] || corpus="/work/shared/corpus"
[ -d "$corpus" ] || corpus=""
shift || true
MAX_SEED=$(( 4 * 1024 * 1024 ))
export ASAN_OPTIONS=detect_leaks=0

tmp="$(mktemp -d "$build/seeds-tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Helper programs from the engine build (built with the sanitizers,
# which does them no harm).
make -s -C "$build/engine/tests" wv-mkhive wv-ntfs-put >/dev/null
make -s -C "$build/engine/tools" winvirtio >/dev/null
mkhive="$build/engine/tests/wv-mkhive"
ntfsput="$build/engine/tests/wv-ntfs-put"
winvirtio="$build/engine/tools/winvirtio"

# uncompress FILE OUT: copy a corpus file, unpacking .xz and .gz.
uncompress ()
{
  case "$1" in
    *.xz) xz -dc "$1" > "$2" ;;
    *.gz) gzip -dc "$1" > "$2" ;;
    *) cat "$1" > "$2" ;;
  esac
  if [ "$(stat -c %s "$2")" -gt $MAX_SEED ]; then rm -f "$2"; fi
}

# The test hives, from tests/data/*.reg as the disk builder makes them.
hives ()
{
  local v
  [ -f "$tmp/win10-system" ] && return 0
  for v in win7 win10; do
    "$mkhive" "$tmp/$v-system" SYSTEM
    hivexregedit --merge "$tmp/$v-system" \
      --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$srcdir/tests/data/$v-system.reg"
    "$mkhive" "$tmp/$v-software" SOFTWARE
    hivexregedit --merge "$tmp/$v-software" \
      --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$srcdir/tests/data/$v-software.reg"
  done
}

# volume OUT VERSION SECTOR: a small Windows-like NTFS volume, its
# backup boot sector and trailing zeros cut (fuzz-ntfs puts zeros back).
volume ()
{
  local vol="$tmp/vol"
  hives
  rm -f "$vol"
  truncate -s 2M "$vol"
  mkntfs -F -f -q -s "$3" -L Windows "$vol" >/dev/null 2>&1
  printf 'MZ fake driver\n' > "$tmp/disk.sys"
  "$ntfsput" "$vol" --mkdir /Windows/System32/drivers \
    "$tmp/$2-system:/Windows/System32/config/SYSTEM" \
    "$tmp/$2-software:/Windows/System32/config/SOFTWARE" \
    "$tmp/disk.sys:/Windows/System32/drivers/disk.sys"
  /usr/bin/python3 - "$vol" "$1" "$3" <<'PY'
import sys
ss = int(sys.argv[3])
data = open(sys.argv[1], 'rb').read()[:-ss].rstrip(b'\0')
open(sys.argv[2], 'wb').write(data)
PY
}

# The fake virtio-win tree fuzz-ntfs copies drivers from, and the
# SOFTWARE hive fuzz-hive identifies Windows with.
drivers ()
{
  hives
  cp "$tmp/win10-software" "$tmp/software.hive"
  mv -f "$tmp/software.hive" "$build/software.hive"
  if [ ! -d "$build/virtio-win" ]; then
    "$srcdir/scripts/make-fake-virtio-win.sh" "$tmp/virtio-win" >/dev/null
    mv -T "$tmp/virtio-win" "$build/virtio-win" 2>/dev/null || true
  fi
}

seeds_hive ()
{
  local f
  hives
  cp "$tmp/win7-system" "$tmp/win10-system" "$out/"
  [ -n "$corpus" ] || return 0
  for f in $(find "$corpus/hives" -type f ! -iname '*.log*' | sort); do
    g="${f#$corpus/hives/}"
    uncompress "$f" "$out/$(echo "${g%.[gx]z}" | tr / _)"
  done
}

# esp_seed OUT FAT SECTOR MIB: a small ESP made by mkfs.vfat, with
# \EFI\Microsoft\Boot\{bootmgfw.efi,BCD} and a long-named
# \EFI\Boot\bootx64.efi written by mtools (FAT32 is left empty:
# mtools wants 65525 clusters for it).
esp_seed ()
{
  truncate -s "$4M" "$1"
  mkfs.vfat -F "$2" -S "$3" -s 1 "$1" >/dev/null 2>&1 || return 0
  [ "$2" = 32 ] && return 0
  printf 'MZ fake boot manager\n' > "$tmp/mgr.efi"
  printf 'regf fake BCD' > "$tmp/BCD"
  MTOOLSRC=/dev/null mmd -i "$1" ::/EFI ::/EFI/Microsoft \
    ::/EFI/Microsoft/Boot ::/EFI/Boot
  MTOOLSRC=/dev/null mcopy -i "$1" "$tmp/mgr.efi" \
    ::/EFI/Microsoft/Boot/bootmgfw.efi
  MTOOLSRC=/dev/null mcopy -i "$1" "$tmp/BCD" ::/EFI/Microsoft/Boot/BCD
  MTOOLSRC=/dev/null mcopy -i "$1" "$tmp/mgr.efi" ::/EFI/Boot/bootx64.efi
}

seeds_fat ()
{
  esp_seed "$out/fat12-512" 12 512 1
  esp_seed "$out/fat16-512" 16 512 4
  esp_seed "$out/fat16-4096" 16 4096 4
  esp_seed "$out/fat32-512" 32 512 4
}

seeds_bcd ()
{
  local f
  [ -n "$corpus" ] || return 0
  for f in regipy/BCD dfir-artifact-museum/Win7/BCD \
           dfir-artifact-museum/Win10/BCD-Template; do
    uncompress "$corpus/hives/$f.xz" "$out/$(echo "$f" | tr / _)"
  done
  # regipy's BCD with 16000046 in its default entry.
  cp "$out/regipy_BCD" "$out/regipy_BCD-46"
  printf '%s\n' \
    '[\Objects\{733b62e5-f608-11eb-825c-c112f60133ab}\Elements\16000046]' \
    '"Element"=hex(3):01' > "$tmp/46.reg"
  hivexregedit --merge "$out/regipy_BCD-46" "$tmp/46.reg"
}

seeds_ntfs ()
{
  volume "$out/win10-512" win10 512
  volume "$out/win7-512" win7 512
  volume "$out/win10-4096" win10 4096
}

seeds_partition ()
{
  local d
  # Small disks, partitioned by sfdisk; the NTFS boot sector of a seed
  # volume for the bare-volume case.
  d="$tmp/disk"
  rm -f "$d"; truncate -s 128K "$d"
  printf 'label: gpt\nfirst-lba: 34\nstart=40, size=40, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"\nstart=80, size=100, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"\n' |
    sfdisk -q "$d" >/dev/null
  cp "$d" "$out/gpt"
  rm -f "$d"; truncate -s 64K "$d"
  printf 'label: dos\nstart=2, size=20, type=7, bootable\nstart=22, size=20, type=42\nstart=42, size=80, type=f\nstart=44, size=20, type=7\nstart=66, size=20, type=7\n' |
    sfdisk -q "$d" >/dev/null
  cp "$d" "$out/mbr"
  volume "$tmp/v" win10 512
  head -c 4096 "$tmp/v" > "$out/ntfs-boot"
}

seeds_blockmap ()
{
  # A real map: winvirtio map on a seed volume with the fake drivers.
  drivers
  volume "$tmp/v" win10 512
  truncate -s 2M "$tmp/v"
  "$winvirtio" map --drivers="$build/virtio-win" -o "$out/win10.map" "$tmp/v" \
    >/dev/null
}

seeds_undo ()
{
  # A real undo file: winvirtio apply on a copy of a seed volume with
  # the fake drivers.
  drivers
  volume "$tmp/v" win10 512
  truncate -s 2M "$tmp/v"
  "$winvirtio" apply --drivers="$build/virtio-win" \
    --undo-file="$out/win10.undo" "$tmp/v" >/dev/null
}

seeds_inf ()
{
  local f i=0
  # The fake tree's INFs (UTF-16LE) and the corpus's real ones.
  drivers
  for f in "$build"/virtio-win/viostor/w10/amd64/viostor.inf \
           "$build"/virtio-win/NetKVM/w10/amd64/netkvm.inf; do
    cp "$f" "$out/fake-$((i++))"
  done
  [ -n "$corpus" ] || return 0
  for f in $(find "$corpus/inf" -type f \( -iname '*.inf' -o -iname '*.inx' \) | sort); do
    uncompress "$f" "$out/$(basename "$f")"
  done
}

seeds_drvfile ()
{
  local f i=0
  # The fake tree's PE images (each machine and subsystem) and signed
  # catalogs, Debian's signed shim helpers (real PE images) and their
  # Authenticode signatures, when installed.
  drivers
  for f in "$build"/virtio-win/viostor/w10/amd64/viostor.{sys,cat} \
           "$build"/virtio-win/viostor/w10/x86/viostor.sys \
           "$build"/virtio-win/viostor/w11/ARM64/viostor.sys \
           "$build"/virtio-win/Balloon/w10/amd64/blnsvr.exe \
           "$build"/virtio-win/viorng/w10/amd64/viorngum.dll; do
    cp "$f" "$out/fake-$((i++))-$(basename "$f")"
  done
  for f in /usr/lib/shim/fbx64.efi.signed /usr/lib/shim/fbx64.efi; do
    [ -f "$f" ] || continue
    cp "$f" "$out/$(basename "$f")"
    if command -v osslsigncode >/dev/null && [ "${f%.signed}" != "$f" ]; then
      osslsigncode extract-signature -in "$f" \
        -out "$out/$(basename "$f").p7" >/dev/null 2>&1 || true
    fi
  done
}

seeds_hivelog ()
{
  [ -n "$corpus" ] || return 0
  "$srcdir/fuzzing/make-hivelog-seeds.sh" "$corpus" "$out" >/dev/null
}

seeds_vmdk ()
{
  local f
  # Small VMDKs of each subformat qemu-img writes, and the corpus's.
  truncate -s 1M "$tmp/raw"
  printf 'winvirtio fuzz seed' | dd of="$tmp/raw" bs=1 seek=70000 conv=notrunc status=none
  for f in monolithicSparse streamOptimized monolithicFlat; do
    qemu-img convert -q -f raw -O vmdk -o subformat=$f "$tmp/raw" "$tmp/$f.vmdk"
  done
  cp "$tmp/monolithicSparse.vmdk" "$tmp/streamOptimized.vmdk" "$out/"
  [ -n "$corpus" ] || return 0
  for f in $(find "$corpus/vmdk" -type f -size -4M | sort); do
    uncompress "$f" "$out/$(echo "${f#$corpus/vmdk/}" | tr / _)"
  done
}

seeds_vmx ()
{
  local f
  # A small synthetic .vmx with a key of each kind, and the corpus's.
  {
    echo '.encoding = "UTF-8"'
    echo 'numvcpus = "4"'
    echo 'cpuid.coresPerSocket = "2"'
    echo 'memSize = "2048"'
    echo 'firmware = "efi"'
    echo 'uefi.secureBoot.enabled = "TRUE"'
    echo 'vtpm.present = "TRUE"'
    echo 'rtc.diffFromUTC = "3600"'
    echo 'displayName = "a|22b"'
    echo 'scsi0.virtualDev = "pvscsi"'
    echo 'scsi0:0.present = "TRUE"'
    echo 'scsi0:0.fileName = "w-000002.vmdk"'
    echo 'ethernet0.present = "TRUE"'
    echo 'ethernet0.addressType = "static"'
    echo 'ethernet0.address = "00:50:56:01:02:03"'
  } > "$out/synthetic.vmx"
  [ -n "$corpus" ] || return 0
  for f in "$corpus"/vmconfig/vmx/*.vmx; do
    [ -f "$f" ] && cp "$f" "$out/"
  done
  return 0
}

seeds_ovf ()
{
  local f
  # A DOCTYPE with entities (refused), and the corpus's descriptors.
  printf '<?xml version="1.0"?>\n<!DOCTYPE E [<!ENTITY a "aa">]>\n<Envelope>&a;</Envelope>\n' \
    > "$out/doctype.ovf"
  [ -n "$corpus" ] || return 0
  for f in "$corpus"/vmconfig/ovf/*.ovf; do
    [ -f "$f" ] && cp "$f" "$out/"
  done
  return 0
}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for h in "$build"/fuzz-*; do
    [ -x "$h" ] && names+=("${h##*/fuzz-}")
  done
fi
for name in "${names[@]}"; do
  out="$build/seeds/$name"
  rm -rf "$out" "$out.new"
  mkdir -p "$out.new"
  out="$out.new"
  if declare -F "seeds_$name" >/dev/null; then
    "seeds_$name"
  fi
  mv -T "$out" "${out%.new}"
  out="${out%.new}"
  echo "  SEEDS  $name: $(ls "$out" | wc -l) files"
done
drivers
