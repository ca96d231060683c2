#!/usr/bin/env bash
# winvirtio tests: patch real Windows SYSTEM hives from the corpus.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# For each clean SYSTEM hive taken from a real Windows (see
# ../shared/corpus/PROVENANCE.md, "Registry hives"):
#   dissect.regf/SYSTEM.gz  Windows 10 19041 x64, DriverDatabase
#   regipy/SYSTEM.xz        Windows 7 SP1 x86, CriticalDeviceDatabase
# build a disk around it (scripts/make-windows-disk.sh --system-hive),
# plan with "winvirtio map", stream through nbdkit + the filter, and:
#  - scripts/check-converted.sh finds the drivers and the registry
#    entries (sleuthkit, hivexregedit, reglookup, ntfsresize);
#  - the patched hive, read back with sleuthkit's icat, is read
#    without error by hivexregedit --export, reglookup and regfinfo;
#  - each of the three counts exactly the original keys plus the
#    "created key" lines of the summary;
#  - every value of the original hive is unchanged except the values
#    the summary reports set (corpus-hive-diff.py);
#  - a second pass over the converted disk changes nothing.
source ./functions.sh
set -e
set -x

requires_corpus hives/dissect.regf/SYSTEM.gz
requires_corpus hives/regipy/SYSTEM.xz
requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires qemu-img --version
requires which hivexregedit
requires which reglookup
requires which regfinfo
requires fls -V
requires icat -V
requires mmls -V
requires ntfsresize --version
requires python3 --version
requires timeout --version
requires xz --version
requires gzip --version

t=tmp-corpus-hives
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"

# run_nbdkit (functions.sh): the 11 MB hive under valgrind takes time.
NBDKIT_TIMEOUT=600

# hive_tools and icat_hive.
source "$abs_top_srcdir/tests/corpus-hive.sh"

# corpus_hive NAME HIVE VERSION LAYOUT OSDIR ARCH BINDING
corpus_hive ()
{
  local name=$1 hive="$corpus/hives/$2" version=$3 layout=$4
  local osdir=$5 arch=$6 binding=$7 d="$t/$1" offset n orig created pid

  mkdir "$d"
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d/disk.img" \
    --version "$version" --layout "$layout" --system-hive "$hive"
  # The Windows volume (scripts/make-windows-disk.sh's layouts).
  case "$layout" in
    gpt) offset=$(( 117 * 1048576 )) ;;
    mbr) offset=$(( 51 * 1048576 )) ;;
  esac

  # The disk holds the corpus hive byte for byte.
  icat_hive "$d/disk.img" $offset "$d/SYSTEM.orig"
  case "$hive" in
    *.gz) gzip -dc "$hive" ;;
    *.xz) xz -dc "$hive" ;;
  esac | cmp - "$d/SYSTEM.orig"

  # Plan.
  $VG winvirtio map --details --drivers="$t/vw" -o "$d/map" "$d/disk.img" \
    > "$d/summary"
  cat "$d/summary"
  grep -q "^partition: .*, offset $offset, " "$d/summary"
  grep -q "^windows: .*, $arch)$" "$d/summary"
  grep -qFx "driver binding: $binding" "$d/summary"
  grep -q '^hive: \\Windows\\System32\\config\\SYSTEM ([0-9]* -> [0-9]* bytes)$' \
    "$d/summary"
  grep -q "^file: .*viostor.sys created (.*, from .*/viostor/$osdir/$arch/viostor.sys)$" \
    "$d/summary"
  grep -q "^file: .*vioscsi.sys created (.*, from .*/vioscsi/$osdir/$arch/vioscsi.sys)$" \
    "$d/summary"

  # Stream through the filter, planning at startup: same plan.
  serve_planned "$d" "$t/vw"

  "$abs_top_srcdir/scripts/check-converted.sh" "$d/disk.img" \
    "$d/out.raw" "$t/vw" "$osdir" "$arch"

  # The patched hive, read with tools winvirtio did not write.
  icat_hive "$d/out.raw" $offset "$d/SYSTEM.new"
  # (Both at once: each takes seconds on these 11 MB hives.)
  hive_tools "$d/SYSTEM.orig" "$d/orig" &
  pid=$!
  hive_tools "$d/SYSTEM.new" "$d/new"
  wait $pid
  diff -u "$d/orig.reglookup-err" "$d/new.reglookup-err"

  # Keys: the original count plus the keys the summary reports
  # created, by each tool (this edit deletes nothing here: the
  # original hives have no viostor or vioscsi service).
  if grep '^deleted key ' "$d/summary"; then
    fail "$name: unexpected deleted key"
  fi
  orig=$(cat "$d/orig.keys-hivex")
  [ "$(cat "$d/orig.keys-reglookup")" = "$orig" ]
  [ "$(cat "$d/orig.keys-regfinfo")" = "$orig" ]
  created=$(grep -c '^created key ' "$d/summary")
  [ "$created" -gt 0 ]
  for tool in hivex reglookup regfinfo; do
    n=$(cat "$d/new.keys-$tool")
    [ "$n" = $(( orig + created )) ] ||
      fail "$name: $tool counts $n keys, expected $orig + $created"
  done
  echo "$name: $orig keys + $created created = $(( orig + created ))"

  # Values: only those the summary reports set may differ.
  python3 "$abs_top_srcdir/tests/corpus-hive-diff.py" \
    "$d/orig.ureg" "$d/new.ureg" "$d/summary"

  # A second pass over the converted disk changes nothing.
  $VG winvirtio map --details --drivers="$t/vw" -o "$d/map2" "$d/out.raw" \
    > "$d/summary2"
  cat "$d/summary2"
  grep -q "^block map: 0 extents, 0 bytes" "$d/summary2"
  grep -q "already has every entry" "$d/summary2"
  grep -q "^file: .*viostor.sys already present" "$d/summary2"

  rm -f "$d/disk.img" "$d/out.raw"
}

corpus_hive win10-19041 dissect.regf/SYSTEM.gz win10 gpt w10 amd64 \
  "DriverDatabase (Windows 8 and later)"
corpus_hive win7-sp1-x86 regipy/SYSTEM.xz win7 mbr w7 x86 \
  "CriticalDeviceDatabase (before Windows 8)"
