#!/usr/bin/env bash
# winvirtio tests: a damaged but mountable NTFS volume is never served
# worse than it is.  The Windows volume is refused, with one message
# that says what was found, when its $Bitmap calls free what a file
# uses, when libntfs-3g cannot make sense of its metadata although the
# source read fine, and when its boot sector is larger than its
# partition; a damaged SYSTEM hive is called damaged.  Another NTFS
# volume whose $Bitmap disagrees with its MFT is copied as it is (not
# trimmed), with a warning.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Which clusters a file uses comes from sleuthkit (istat), not from
# winvirtio: the expected counts are sleuthkit's.
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/refuse.sh"
requires istat -V
requires fls -V

make_disk "$t/win10.img" --version win10 --layout gpt
make_disk "$t/win7.img" --version win7 --layout mbr
chkdsk="run chkdsk /f on it in the guest"

# inode VOLUME PATH: the MFT record of PATH (case-insensitive).
inode ()
{
  fls -r -p "$1" | awk -F'\t' -v p="$2" '
    tolower($2) == tolower(p) { split($1, a, " "); sub(/-.*/, "", a[2]);
                                print a[2]; exit }'
}

# data_clusters VOLUME INODE: the clusters of its unnamed $DATA (istat
# lists a sparse run's clusters as 0: those are left out).
data_clusters ()
{
  istat "$1" "$2" | awk '
    /^Type: \$DATA \(128-[0-9]+\)   Name: N\/A   Non-Resident/ { d = 1; next }
    /^Type: / { d = 0 }
    d { for (i = 1; i <= NF; ++i) if ($i ~ /^[0-9]+$/ && $i != 0) print $i }'
}

# clear_bits VOLUME CLUSTER...: mark the clusters free in $Bitmap.
clear_bits ()
{
  local vol=$1 cs bm
  shift
  cs=$(fsstat "$vol" | sed -n 's/^Cluster Size: //p')
  bm=$(data_clusters "$vol" 6 | head -1)
  python3 - "$vol" $(( bm * cs )) "$@" <<'EOF'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    for c in map(int, sys.argv[3:]):
        f.seek(off + c // 8)
        b = f.read(1)[0]
        f.seek(off + c // 8)
        f.write(bytes([b & ~(1 << (c % 8))]))
EOF
}

# The SYSTEM hive's clusters marked free: refused, naming the hive and
# how many of its clusters.
hive_free ()
{
  local ino
  ino=$(inode "$1" windows/system32/config/system)
  data_clusters "$1" "$ino" > "$t/hive.clusters"
  clear_bits "$1" $(cat "$t/hive.clusters")
}
cp --sparse=always "$t/win10.img" "$t/hive-free.img"
edit_volume "$t/hive-free.img" 3 hive_free
n=$(wc -l < "$t/hive.clusters")
first=$(head -1 "$t/hive.clusters")
[ "$n" -gt 0 ]
refused hive-free "$t/hive-free.img" "@SRC@: partition 3: the NTFS volume is inconsistent: \$Bitmap marks $n clusters used by \\Windows\\System32\\config\\SYSTEM as free (from cluster $first): $chkdsk, shut Windows down cleanly and take a new snapshot or copy"

# The same with --no-trim: libntfs-3g would allocate from that bitmap.
r=0
winvirtio map --no-trim --drivers="$vw" -o "$t/no-trim.map" \
  "$t/hive-free.img" 2> "$t/no-trim.err" || r=$?
[ $r = 1 ]
grep -qF "the NTFS volume is inconsistent: \$Bitmap marks $n clusters" \
  "$t/no-trim.err"
[ ! -e "$t/no-trim.map" ]

# Half of $MFT's own clusters marked free.
mft_free ()
{
  data_clusters "$1" 0 > "$t/mft.clusters"
  clear_bits "$1" $(awk 'NR % 2 == 1' "$t/mft.clusters")
}
cp --sparse=always "$t/win10.img" "$t/mft-free.img"
edit_volume "$t/mft-free.img" 3 mft_free
n=$(awk 'NR % 2 == 1' "$t/mft.clusters" | wc -l)
first=$(head -1 "$t/mft.clusters")
refused mft-free "$t/mft-free.img" "@SRC@: partition 3: the NTFS volume is inconsistent: \$Bitmap marks $n clusters used by \\\$MFT as free (from cluster $first): $chkdsk, shut Windows down cleanly and take a new snapshot or copy"

# Record 0 of $MFT (and of $MFTMirr) without its FILE magic: libntfs-3g
# cannot mount it, and the source read fine: damaged, not a read error.
no_magic ()
{
  local cs
  cs=$(fsstat "$1" | sed -n 's/^Cluster Size: //p')
  printf 'XXXX' | dd of="$1" bs=1 conv=notrunc status=none \
    seek=$(( $(data_clusters "$1" 0 | head -1) * cs ))
  printf 'XXXX' | dd of="$1" bs=1 conv=notrunc status=none \
    seek=$(( $(data_clusters "$1" 1 | head -1) * cs ))
}
cp --sparse=always "$t/win10.img" "$t/no-magic.img"
edit_volume "$t/no-magic.img" 3 no_magic
refused no-magic "$t/no-magic.img" "@SRC@: partition 3: cannot mount the NTFS volume: the NTFS volume is damaged (Record 0 has no FILE magic (0x58585858)): $chkdsk, then take a new snapshot or copy"

# A boot sector whose total sectors are 2^63.
cp --sparse=always "$t/win10.img" "$t/huge.img"
start=$(part_start "$t/huge.img" 3)
size=$(part_size "$t/huge.img" 3)
printf '\x00\x00\x00\x00\x00\x00\x00\x80' |
  dd of="$t/huge.img" bs=1 seek=$(( start + 40 )) conv=notrunc status=none
refused huge "$t/huge.img" "@SRC@: partition 3: the NTFS volume is damaged: its boot sector gives it 9223372036854775808 sectors of 512 bytes, more than its partition of $size bytes holds: $chkdsk, then take a new snapshot or copy"

# A damaged cell in the SYSTEM hive that hivex opens but cannot follow
# (the mutator's hive:306: an nk signature made lh; seeds pick cells
# of tests/data/win10-system.reg, so a change there may need another).
python3 "$abs_top_srcdir/tests/ntfs-mutate.py" "$t/win10.img" \
  "$t/hive-cell.img" hive 306
refused hive-cell "$t/hive-cell.img" "@SRC@: the SYSTEM hive is damaged: hivex cannot read the keys under ControlSet002\\Services\\viostor: boot Windows once so that it repairs the hive, shut it down cleanly, then try again"

# Windows 7's System Reserved volume (partition 1, not the Windows
# one) with bootmgr's clusters marked free: patched, but partition 1
# is not trimmed, the summary says why and warns, and it is served
# byte for byte.
bootmgr_free ()
{
  local ino
  ino=$(inode "$1" bootmgr)
  data_clusters "$1" "$ino" > "$t/bootmgr.clusters"
  clear_bits "$1" $(cat "$t/bootmgr.clusters")
}
cp --sparse=always "$t/win7.img" "$t/sr-free.img"
edit_volume "$t/sr-free.img" 1 bootmgr_free
n=$(wc -l < "$t/bootmgr.clusters")
first=$(head -1 "$t/bootmgr.clusters")
accepted sr-free "$t/sr-free.img" 2
why="the NTFS volume is inconsistent: \$Bitmap marks $n clusters used by \\bootmgr as free (from cluster $first)"
grep -qFx "trim: partition 1 not trimmed: $why" "$t/sr-free/summary"
grep -qFx "warning: partition 1: its free space is copied as it is, not trimmed: $why; $chkdsk" \
  "$t/sr-free/summary"
grep -q '^trim: partition 2: [0-9]* of [0-9]* clusters free' \
  "$t/sr-free/summary"
run_nbdkit -U - --filter="$filter" file "$t/sr-free.img" \
  winvirtio-drivers="$vw" \
  --run 'qemu-img convert -O raw "$uri" '"$t/sr-free.out"
start=$(part_start "$t/sr-free.img" 1)
size=$(part_size "$t/sr-free.img" 1)
cmp -n "$size" -i "$start:$start" "$t/sr-free.img" "$t/sr-free.out" ||
  fail "sr-free: partition 1 is not served as it is"
