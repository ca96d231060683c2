#!/usr/bin/env bash
# winvirtio tests: the EFI system partition (issue 10 item 1).  ESPs
# made by mkfs.vfat and mtools (FAT32 with 512-byte sectors, FAT16
# with 4096; test-esp-more.sh does the other two) with the real BCD hives of the corpus, as they are or with
# 16000046 added to the default entry; fallback loader missing, stale
# (with a lower-case long name) or right.  The output is checked by
# fsck.fat -n, mtype + cmp and a hivexregedit --export diff that must
# show exactly the removed element; a second pass changes nothing;
# the source is unchanged.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/esp.sh"
requires_corpus hives/dfir-artifact-museum/Win7/BCD.xz
requires_corpus hives/dfir-artifact-museum/Win10/BCD-Template.xz

t=tmp-esp
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
vw="$t/vw"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$vw"
h="$corpus/hives"

esp_case f32-512 32 512 "$h/regipy/BCD.xz" yes missing
fake=$t/stale.efi
printf 'MZ an old loader\n' > "$fake"
esp_case f16-4k 16 4096 "$h/dfir-artifact-museum/Win7/BCD.xz" no stale \
  "$fake:EFI/Boot/bootx64.efi"
