#!/usr/bin/env bash
# winvirtio tests: EFI system partitions that are left as they are,
# each with one warning line in the summary and nothing of that ESP in
# the map (the NTFS side is still planned): not FAT, a FAT copy that
# differs, a looping cluster chain (the root directory), no
# bootmgfw.efi, a dirty BCD, a damaged BCD.  Two ESPs: each on its own.
# And mtools depends on nothing winvirtio did not read: junk written
# over every byte of the ESP outside the map's read set gives the same
# map, and an output that passes fsck.fat -n.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/esp.sh"
requires which sfdisk

t=tmp-esp-bad
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
vw="$t/vw"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$vw"
bcd_with_46 "$corpus/hives/regipy/BCD.xz" "$t/bcd"
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/base.img" \
  --version win10 --layout gpt --esp 32 --esp-bcd "$t/bcd"
esp_at=1048576

# put_esp DISK ESP: write ESP back into DISK.
put_esp ()
{
  dd if="$2" of="$1" bs=1M seek=1 conv=notrunc status=none
}

# skipped NAME MESSAGE: plan NAME.img; the ESP is left alone with
# MESSAGE; the NTFS side is planned.
skipped ()
{
  $VG winvirtio map --drivers="$vw" -o "$t/$1.map" "$t/$1.img" \
    > "$t/$1.summary"
  cat "$t/$1.summary"
  grep -q "^EFI system partition 1: left as it is (warning): $2" \
    "$t/$1.summary"
  [ "$(grep -c '^EFI system partition 1' "$t/$1.summary")" = 1 ]
  grep -q '^file: .*viostor.sys created' "$t/$1.summary"
  winvirtio dump "$t/$1.map" > "$t/$1.dump"
  if grep -q ' ESP 1 ' "$t/$1.dump"; then fail "$1: ESP changed"; fi
}

# variant NAME: a copy of the base disk and its ESP alone (NAME.esp).
variant ()
{
  cp --sparse=always "$t/base.img" "$t/$1.img"
  esp_of "$t/$1.img" "$t/$1.esp"
}

# The FAT geometry of an ESP image: FAT offset, FAT bytes, root cluster.
fat_geom ()
{
  python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(512)
bps, spc, res, nf = struct.unpack_from("<HBHB", b, 11)
fatsz = struct.unpack_from("<I", b, 36)[0]
print(res * bps, fatsz * bps, struct.unpack_from("<I", b, 44)[0])
PY
}

# Not FAT: the gpt layout's ESP unformatted.
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/notfat.img" \
  --version win10 --layout gpt
skipped notfat 'not a FAT file system$'

# The second FAT differs from the first.
variant fatcopy
read -r fo fb rc < <(fat_geom "$t/fatcopy.esp")
printf '\x77' | dd of="$t/fatcopy.esp" bs=1 seek=$(( fo + fb + 100 )) \
  conv=notrunc status=none
put_esp "$t/fatcopy.img" "$t/fatcopy.esp"
skipped fatcopy 'FAT copy 2 differs from the first: the FAT table is damaged'

# The root directory's chain loops (in both FATs).
variant loop
for copy in 0 1; do
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(( rc & 255 )) \
    $(( rc >> 8 & 255 )) 0 0)" |
    dd of="$t/loop.esp" bs=1 seek=$(( fo + copy * fb + rc * 4 )) \
      conv=notrunc status=none
done
put_esp "$t/loop.img" "$t/loop.esp"
skipped loop "FAT chain from cluster $rc loops: the FAT table is damaged$"

# No bootmgfw.efi.
variant nomgr
mdel -i "$t/nomgr.esp" ::/EFI/Microsoft/Boot/bootmgfw.efi
put_esp "$t/nomgr.img" "$t/nomgr.esp"
skipped nomgr 'no \\EFI\\Microsoft\\Boot\\bootmgfw.efi: not a Windows boot partition$'

# A dirty BCD (its base block's sequence numbers differ).
variant dirty
mtype -i "$t/dirty.esp" ::/EFI/Microsoft/Boot/BCD > "$t/dirty.bcd"
python3 - "$t/dirty.bcd" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
seq1, = struct.unpack_from("<I", b, 4)
struct.pack_into("<I", b, 8, seq1 - 1)      # secondary != primary
x = 0
for i in range(0, 508, 4):
    x ^= struct.unpack_from("<I", b, i)[0]
struct.pack_into("<I", b, 508, x)
open(sys.argv[1], "wb").write(b)
PY
mcopy -o -i "$t/dirty.esp" "$t/dirty.bcd" ::/EFI/Microsoft/Boot/BCD
put_esp "$t/dirty.img" "$t/dirty.esp"
skipped dirty 'the BCD is dirty'

# A damaged BCD.
variant damaged
head -c 6000 /dev/urandom > "$t/damaged.bcd"
mcopy -o -i "$t/damaged.esp" "$t/damaged.bcd" ::/EFI/Microsoft/Boot/BCD
put_esp "$t/damaged.img" "$t/damaged.esp"
skipped damaged 'the BCD is not a registry hive (no regf signature): the file is damaged$'

# Two ESPs: the Microsoft reserved partition typed as an ESP too (not
# formatted): the first is fixed, the second left with a warning.
cp --sparse=always "$t/base.img" "$t/two.img"
sfdisk -q --part-type "$t/two.img" 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B
serve "$t/two.img" "$t/two.out" "$t/two.map"
grep -q '^EFI system partition 1: \\EFI\\BOOT\\BOOTX64.EFI made a copy' \
  "$t/two.map.summary"
grep -q '^EFI system partition 2: left as it is (warning): not a FAT file system$' \
  "$t/two.map.summary"
check_esp "$t/two.out" BOOTX64.EFI
rm -f "$t"/two.*

# Junk over everything of the ESP that was not read: the same map.
cp --sparse=always "$t/base.img" "$t/junk.img"
winvirtio map --drivers="$vw" -o "$t/base.map" "$t/base.img" > /dev/null
python3 "$abs_top_srcdir/tests/mapfile.py" "$t/base.map" ranges > "$t/ranges"
python3 - "$t/junk.img" "$t/ranges" $esp_at $(( 100 * 1048576 )) <<'PY'
import os, random, sys
img, ranges, lo, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
hi = lo + n
read = [tuple(map(int, l.split()[:2])) for l in open(ranges)]
keep = sorted((max(o, lo), min(o + l, hi)) for o, l in read if o < hi and o + l > lo)
rnd = random.Random(10)
with open(img, "r+b") as f:
    pos = lo
    for s, e in keep + [(hi, hi)]:
        while pos < s:
            k = min(s - pos, 1 << 20)
            f.seek(pos); f.write(rnd.randbytes(k)); pos += k
        pos = max(pos, e)
PY
serve "$t/junk.img" "$t/junk.out" "$t/junk.map"
cmp "$t/base.map" "$t/junk.map"
check_esp "$t/junk.out" BOOTX64.EFI
