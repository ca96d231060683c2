#!/usr/bin/env bash
# winvirtio tests: the EFI system partition, continued from
# test-esp.sh (split to keep each under 30 s): FAT32 with 4096-byte
# sectors (a 300 MiB ESP, as FAT32 needs 65525 clusters) and FAT16
# with 512.  ESPs
# made by mkfs.vfat and mtools (FAT32 and FAT16, 512 and 4096-byte
# sectors) with the real BCD hives of the corpus, as they are or with
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

t=tmp-esp-more
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
vw="$t/vw"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$vw"
h="$corpus/hives"

ESP_MIB=300 esp_case f32-4k 32 4096 \
  "$h/dfir-artifact-museum/Win10/BCD-Template.xz" yes missing
esp_case f16-512 16 512 "$h/regipy/BCD.xz" no missing
