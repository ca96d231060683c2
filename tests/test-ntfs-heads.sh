#!/usr/bin/env bash
# winvirtio tests: the NTFS heads field by disk size, and only for
# Windows before Vista.  A 3 GiB Server 2003 x64 disk gets 0x80
# (2114445312 <= size < 4228374780); a Windows 7 disk keeps its
# heads field.  Read back with dd and od from what the filter serves.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdcopy --version
requires mmls -V

t=tmp-ntfs-heads
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"

heads ()
{
  dd if="$1" bs=1 skip=$(( $2 + 26 )) count=2 status=none | od -An -tu2 |
    tr -d ' '
}

# serve NAME: the disk as the filter serves it, into NAME.out.
serve ()
{
  run_nbdkit -U - --filter="$filter" file "$t/$1.img" \
    winvirtio-drivers="$t/vw" winvirtio-report="$t/$1.report" \
    --run 'nbdcopy "$uri" '"$t/$1.out"
  cat "$t/$1.report"
}

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/2k3.img" \
  --version 2k3 --layout mbr --size 3G
serve 2k3
read -r start len < <(mmls_slot "$t/2k3.img" 003:)
[ "$(heads "$t/2k3.img" "$start")" = 255 ]
[ "$(heads "$t/2k3.out" "$start")" = 128 ] ||
  fail "Server 2003 on 3 GiB: heads is not 128"
[ "$(heads "$t/2k3.out" $(( start + len - 512 )))" = 128 ] ||
  fail "Server 2003 on 3 GiB: backup heads is not 128"
grep -qFx "ntfs heads: boot sector of partition 2: 255 -> 128 (for a disk of 3221225472 bytes)" "$t/2k3.report"
grep -q 'file: .*viostor.sys created .*2k3/amd64/viostor.sys' "$t/2k3.report"
grep -q '^driver: vioscsi left out ' "$t/2k3.report"
rm -f "$t/2k3.out" "$t/2k3.img"

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/win7.img" \
  --version win7 --layout mbr
serve win7
read -r start len < <(mmls_slot "$t/win7.img" 003:)
[ "$(heads "$t/win7.out" "$start")" = 255 ] ||
  fail "Windows 7: the heads field changed"
if grep -q 'ntfs heads' "$t/win7.report"; then
  fail "Windows 7: the heads field was looked at"
fi
