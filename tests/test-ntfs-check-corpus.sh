#!/usr/bin/env bash
# winvirtio tests: the $Bitmap-against-MFT check (lib/ntfs/check.c)
# finds every Windows-made NTFS volume of the corpus consistent, and
# counts as in use exactly the clusters $Bitmap marks (read with
# sleuthkit's icat, where sleuthkit can open the volume).  A check
# that refused real volumes would refuse real migrations.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

c=ntfs
for f in ntfs-samples/ntfs-lastaccess.raw.gz ntfs-samples/ntfs-2m.raw.gz \
         ntfs-samples/ntfs.tgz dfir_ntfs/ntfs_index.raw.gz \
         dfir_ntfs/vss_1_vol.tar.gz dfir_ntfs/vss_2003.tgz \
         plaso/vsstest.qcow2; do
  requires_corpus "$c/$f"
done
requires mmls -V
requires icat -V
requires qemu-img --version
check="$abs_top_builddir/tests/wv-ntfs-check"

t=tmp-ntfs-check-corpus
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t
gunzip -c "$corpus/$c/ntfs-samples/ntfs-lastaccess.raw.gz" > $t/lastaccess.raw
gunzip -c "$corpus/$c/ntfs-samples/ntfs-2m.raw.gz" > $t/2m.raw
gunzip -c "$corpus/$c/dfir_ntfs/ntfs_index.raw.gz" > $t/index.raw
tar -C $t -xzf "$corpus/$c/ntfs-samples/ntfs.tgz"
tar -C $t -xzf "$corpus/$c/dfir_ntfs/vss_1_vol.tar.gz"
tar -C $t -xzf "$corpus/$c/dfir_ntfs/vss_2003.tgz"
qemu-img convert -O raw "$corpus/$c/plaso/vsstest.qcow2" $t/vsstest.raw

# popcount OFFSET DISK CLUSTERS: the bits $Bitmap sets among the first
# CLUSTERS, by sleuthkit.
popcount ()
{
  icat -o $(( $1 / 512 )) "$2" 6 | python3 -c '
import sys
d, n = sys.stdin.buffer.read(), int(sys.argv[1])
print(sum(bin(b).count("1") for b in d[:n // 8]) +
      bin(d[n // 8] & ((1 << (n % 8)) - 1)).count("1") if n % 8 else
      sum(bin(b).count("1") for b in d[:n // 8]))' "$3"
}

n=0
for disk in $t/*.raw; do
  rows=$(mmls -B "$disk" 2>/dev/null |
         awk '$1 ~ /^[0-9]+:$/ && /NTFS|Basic data/ { print $3, $5 }') || :
  [ -n "$rows" ] || rows="0 $(( $(stat -c %s "$disk") / 512 ))"
  while read -r s l; do
    off=$(( 10#$s * 512 )) len=$(( 10#$l * 512 ))
    out=$("$check" "$disk" $off $len) || fail "$disk at $off: $out"
    echo "$disk at $off: $out"
    [[ $out =~ ^"consistent: "([0-9]+)" of "([0-9]+)" clusters in use" ]] ||
      fail "$disk at $off: unexpected output"
    used=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
    # sleuthkit cannot open 2 MiB clusters (ntfs-2m).
    if bits=$(popcount $off "$disk" $total 2>/dev/null) && [ -n "$bits" ]; then
      [ "$bits" = "$used" ] ||
        fail "$disk at $off: the MFT claims $used clusters, \$Bitmap marks $bits"
    fi
    n=$((n + 1))
  done <<< "$rows"
done
[ $n -ge 7 ] || fail "only $n volumes checked"
echo "$n Windows-made volumes consistent"
