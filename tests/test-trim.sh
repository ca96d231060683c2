#!/usr/bin/env bash
# winvirtio tests: free-space trim, checked with sleuthkit and ntfs-3g
# tools.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# A disk with three NTFS volumes (MBR: System Reserved, Windows, Data)
# whose free clusters hold old bytes (--junk-free) and whose free
# space is fragmented (--fragment).  The map is planned with and
# without trim; the filter streams with trim on and off, and:
#  - trim-check.py: the holes nbdinfo --map reports with trim on are
#    exactly the clusters sleuthkit's blkls calls free in the source
#    and in the served disk; the copy is zero there and equal to the
#    trim-off copy everywhere else;
#  - with trim off the copy is the source plus the map (diff-in-map.py),
#    and winvirtio-map= with and without trim matches
#    winvirtio-drivers=;
#  - every file (fls + icat) is the same in both copies; ntfsfix -n
#    and ntfsresize --check find every volume of the trimmed copy
#    clean;
#  - a dirty Data volume is not trimmed, and the summary says so;
#  - a map with zero ranges is refused for a source whose free space
#    changed (its $Bitmap is in the fingerprint).
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdinfo --version
requires qemu-img --version
requires openssl version
requires mmls -V
requires blkls -V
requires fls -V
requires icat -V
requires ntfsfix --version
requires ntfsresize --version
requires python3 --version

t=tmp-trim
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" $t/disk.img \
  --version win10 --layout mbr --size 300M --junk-free --data 16 \
  --fragment 120
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" $t/vw
sum=$(sha256sum < $t/disk.img)

$VG winvirtio map --drivers=$t/vw -o $t/map $t/disk.img > $t/summary
cat $t/summary
grep -q '^trim: partition 1: ' $t/summary
grep -q '^trim: partition 2: ' $t/summary
grep -q '^trim: partition 5: ' $t/summary
$VG winvirtio map --no-trim --drivers=$t/vw -o $t/map-nt $t/disk.img \
  > $t/summary-nt
grep -q '^trim: off' $t/summary-nt
$VG winvirtio dump --json $t/map-nt > $t/dump-nt.json
$VG winvirtio dump $t/map > $t/dump
grep '^zero ranges: ' $t/dump
ls -l $t/map $t/map-nt

serve ()
{
  nbdkit -U - --filter="$filter" file $t/disk.img "$@"
}

# Trim on (the default) and off, planned now and from the maps.
serve winvirtio-drivers=$t/vw --run "nbdinfo --map --json \"\$uri\"" \
  > $t/map-on.json
serve winvirtio-drivers=$t/vw winvirtio-trim=false \
  --run "nbdinfo --map --json \"\$uri\"" > $t/map-off.json
serve winvirtio-drivers=$t/vw \
  --run "qemu-img convert -O raw \"\$uri\" $t/on.raw"
serve winvirtio-drivers=$t/vw winvirtio-trim=false \
  --run "qemu-img convert -O raw \"\$uri\" $t/off.raw"
serve winvirtio-map=$t/map \
  --run "nbdcopy --connections=4 \"\$uri\" $t/on-map.raw"
serve winvirtio-map=$t/map winvirtio-trim=false \
  --run "nbdcopy \"\$uri\" $t/off-map.raw"
serve winvirtio-map=$t/map-nt \
  --run "nbdcopy \"\$uri\" $t/nt-map.raw"
cmp $t/on.raw $t/on-map.raw
cmp $t/off.raw $t/off-map.raw
cmp $t/off.raw $t/nt-map.raw
! cmp -s $t/on.raw $t/off.raw

# Trim off: the source plus the map, exactly.
python3 "$abs_top_srcdir/tests/diff-in-map.py" $t/disk.img $t/off.raw \
  $t/dump-nt.json

# Holes exactly at the free clusters, zeroes there, the rest equal.
read free nonzero < <(python3 "$abs_top_srcdir/tests/trim-check.py" \
  $t/disk.img $t/on.raw $t/off.raw $t/map-on.json $t/map-off.json)
echo "free: $free bytes, of which $nonzero held non-zero bytes"
[ "$free" -gt 100000000 ]
[ "$nonzero" -gt 50000000 ]

# Every file is the same in both copies; every volume is clean.
for start in $(mmls $t/disk.img | awk '/NTFS/ { print $3 + 0 }'); do
  fls -r -p -F -o $start $t/on.raw | sed 's/^[^ ]* \([0-9-]*\):\t/\1 /' \
    > $t/files
  [ -s $t/files ]
  while read -r inode path; do
    cmp <(icat -o $start $t/on.raw "$inode") \
        <(icat -o $start $t/off.raw "$inode") ||
      fail "partition at $start: $path differs with trim"
  done < $t/files
  len=$(mmls $t/disk.img | awk -v s=$start '$3 + 0 == s { print $5 + 0 }')
  dd if=$t/on.raw of=$t/part.img bs=512 skip=$start count=$len status=none
  ntfsfix -n $t/part.img
  ntfsresize --check --no-progress-bar $t/part.img
done

# A dirty Data volume (logical 5) is not trimmed, and the summary
# says why; the other volumes still are.
start5=$(mmls $t/disk.img | awk '/NTFS/ { s = $3 + 0 } END { print s }')
cp $t/disk.img $t/dirty.img
dd if=$t/dirty.img of=$t/part.img bs=512 skip=$start5 count=65536 \
  status=none
"$abs_top_builddir/tests/wv-ntfs-taint" $t/part.img --dirty
dd if=$t/part.img of=$t/dirty.img bs=512 seek=$start5 conv=notrunc \
  status=none
$VG winvirtio map --drivers=$t/vw -o $t/map-dirty $t/dirty.img \
  > $t/summary-dirty
cat $t/summary-dirty
grep -q '^trim: partition 5 not trimmed: the volume is marked dirty' \
  $t/summary-dirty
grep -q '^trim: partition 2: ' $t/summary-dirty
nbdkit -U - --filter="$filter" file $t/dirty.img winvirtio-map=$t/map-dirty \
  --run "nbdinfo --map --json \"\$uri\"" > $t/map-dirty-on.json
nbdkit -U - --filter="$filter" file $t/dirty.img winvirtio-map=$t/map-dirty \
  winvirtio-trim=false --run "nbdinfo --map --json \"\$uri\"" \
  > $t/map-dirty-off.json
nbdkit -U - --filter="$filter" file $t/dirty.img winvirtio-map=$t/map-dirty \
  --run "qemu-img convert -O raw \"\$uri\" $t/dirty-on.raw"
nbdkit -U - --filter="$filter" file $t/dirty.img winvirtio-map=$t/map-dirty \
  winvirtio-trim=false --run "qemu-img convert -O raw \"\$uri\" $t/dirty-off.raw"
python3 "$abs_top_srcdir/tests/trim-check.py" $t/dirty.img $t/dirty-on.raw \
  $t/dirty-off.raw $t/map-dirty-on.json $t/map-dirty-off.json $start5

# A map with zero ranges is refused for a source whose free space
# changed: one byte of the Data volume's $Bitmap (inode 6, found by
# sleuthkit's istat) is changed, nothing else.
cs5=$(fsstat -o $start5 $t/disk.img | sed -n 's/^Cluster Size: //p')
bmc=$(istat -o $start5 $t/disk.img 6 | awk '/^\$DATA|^Type: \$DATA/ { d = 1; next } d && /^[0-9]/ { print $1; exit }')
[ -n "$bmc" ]
cp $t/disk.img $t/changed.img
printf '\xff' | dd of=$t/changed.img bs=1 seek=$(( start5 * 512 + bmc * cs5 + 200 )) \
  conv=notrunc status=none
! cmp -s $t/disk.img $t/changed.img
if nbdkit -U - --filter="$filter" file $t/changed.img winvirtio-map=$t/map \
     --run 'nbdinfo "$uri"' > $t/changed.log 2>&1; then
  cat $t/changed.log
  fail "a source whose free space changed was served with the old map"
fi
grep -q 'the source has changed since this block map was made' $t/changed.log
# With the map made without trim the same source is served: only the
# zero ranges need the $Bitmap.
nbdkit -U - --filter="$filter" file $t/changed.img winvirtio-map=$t/map-nt \
  --run 'nbdinfo "$uri"' > /dev/null

# The source was never written.
[ "$(sha256sum < $t/disk.img)" = "$sum" ]
