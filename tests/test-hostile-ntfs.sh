#!/usr/bin/env bash
# winvirtio tests: damaged but mountable NTFS volumes are served no
# worse than they are, or refused with one message.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# A fixed set of mutants (tests/ntfs-mutate.py: KIND and SEED name
# each) of the Windows 10 GPT and the Windows 7 MBR test disks, each
# run by tests/hostile-one.sh: planned by winvirtio map, served with
# the map through the filter (trim on, the default), and the copy
# judged by tests/no-worse.py with sleuthkit, ntfsresize and
# hivexregedit.  Every one must end patched-ok (served, nothing got
# worse) or refused-one-line (exit status 1, one line naming the
# disk, no I/O error or internal function name in it, no map); and
# the source is never written.  Controls: each disk as it is must be
# patched-ok, and no-worse.py must see one changed byte of a driver
# and a zeroed $MFTMirr in a served copy.  scripts/hostile-ntfs.sh
# runs the same on thousands of seeds.
#
# What each mutant is (on the disks make-windows-disk.sh builds
# today; a change to them moves some targets, not the rule) is in the
# comment beside it.  The mutants are made in a sparse copy; nothing
# is mounted.
source ./functions.sh
set -e

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdcopy --version
requires python3 --version
requires mmls -V
requires fls -V
requires icat -V
requires fsstat -V
requires ntfsresize --version
requires which hivexregedit
requires cmp --version
requires timeout --version
requires istat -V

t=tmp-hostile-ntfs
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" $t/win10.img \
  --version win10 --layout gpt --size 160M
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" $t/win7.img \
  --version win7 --layout mbr --size 150M
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" $t/vw

# DISK KIND SEED  # what it damages
cat > $t/mutants <<'EOF'
# The controls: the disks as they are.
win10 none 0
win7  none 0
# Free-space trim over clusters in use, as $Bitmap says they are free
# (on today's engine these are served worse):
win10 bitmap-clear-used 160   # the SYSTEM hive's clusters
win7  bitmap-clear-used 88    # the SYSTEM hive's clusters
win10 bitmap-clear-used 0     # the SOFTWARE hive's clusters
win10 bitmap-clear-used 192   # all of $MFT's
win10 bitmap-clear-used 80    # $Boot: the boot sector
win10 bitmap-clear-used 16    # $MFTMirr
win7  bitmap-clear-used 136   # a whole run of $LogFile
win10 bitmap-clear-used 48    # a driver, System32\drivers\atapi.sys
win7  bitmap-clear-used 8     # bootmgr, on the System Reserved volume
win7  runlist 42              # $Bitmap's runlist: the wrong clusters
win10 runlist 114             # $LogFile's runlist
win10 crosslink 39            # disk.sys shares the SYSTEM hive's clusters
win10 crosslink 135           # hal.dll shares $MFT's clusters
# Refused today, with a message that is not the one line it must be:
win10 runlist 2               # $MFTMirr's runlist
win7  runlist 26              # $Bitmap's runlist
win7  runlist 58              # the SYSTEM hive's runlist
win7  index 45                # an entry length in the drivers INDX block
win10 index 5                 # a file reference in config's index root
win10 mft-record 211          # the drivers directory's in-use flag
win10 hive 246                # an nk signature in the SYSTEM hive
win7  hive 78                 # the SYSTEM hive's sequence number (dirty)
# Patched or refused well today:
win7  bitmap-clear-used 24    # $Bitmap's own cluster (rewritten anyway)
win10 bitmap-set-free 65      # a leak of 1316 clusters
win7  bitmap-set-free 73      # a leak on the System Reserved volume
win10 mft-bitmap 20           # the SYSTEM hive's record
win7  mft-bitmap 92           # $MFT's own record
win10 mft-record 35           # a free record marked in use
win7  mft-record 59           # the SYSTEM hive's sequence number
win7  mft-record 139          # the drivers directory's attrs_offset
win10 index 197               # an entry length in drivers' index root
win7  index 13                # a file reference in the drivers INDX block
win10 hive 6                  # an nk offset in the SYSTEM hive
win7  crosslink 47            # volmgr.sys shares $MFT's clusters
EOF
sed -i 's/ *#.*//; /^$/d' $t/mutants

# The checker is not blind: a served copy with one byte of a driver
# changed is worse, and so is one whose $MFTMirr is zeroed.
winvirtio map --drivers=$t/vw -o $t/map $t/win10.img > $t/summary
nbdkit -U - --filter="$filter" file $t/win10.img winvirtio-map=$t/map \
  --run "nbdcopy \"\$uri\" $t/out.img"
python3 "$abs_top_srcdir/tests/no-worse.py" $t/win10.img $t/out.img \
  $t/summary
start=$(mmls $t/win10.img | awk '/Basic data/ { print $3 + 0 }')
cs=$(fsstat -o $start $t/win10.img | sed -n 's/^Cluster Size: //p')
cluster_of ()
{
  istat -o $start $t/win10.img "$1" |
    awk '/^Type: \$DATA/ { d = 1; next } d && /^[0-9]/ { print $1; exit }'
}
hal=$(fls -r -p -o $start $t/win10.img |
        sed -n 's|^r/r \([0-9-]*\):\tWindows/System32/hal.dll$|\1|p')
c=$(cluster_of "$hal")
[ -n "$c" ]
cp --sparse=always $t/out.img $t/worse.img
flip_byte $t/worse.img $(( start * 512 + c * cs + 100 ))
if python3 "$abs_top_srcdir/tests/no-worse.py" $t/win10.img $t/worse.img \
     $t/summary > $t/worse.out; then
  fail "no-worse.py did not see a changed byte of hal.dll"
fi
cat $t/worse.out
grep -q '^WORSE: .*Windows/System32/hal.dll (inode .*) differs' $t/worse.out
c=$(cluster_of 1)
cp --sparse=always $t/out.img $t/worse.img
dd if=/dev/zero of=$t/worse.img bs=$cs seek=$(( start * 512 / cs + c )) \
  count=1 conv=notrunc status=none
if python3 "$abs_top_srcdir/tests/no-worse.py" $t/win10.img $t/worse.img \
     $t/summary > $t/worse.out; then
  fail "no-worse.py did not see a zeroed \$MFTMirr"
fi
cat $t/worse.out
grep -q '^WORSE: .*\$MFTMirr no longer mirrors \$MFT' $t/worse.out
rm -f $t/out.img $t/worse.img

export WV_FILTER="$filter"
while read -r disk kind seed; do
  [ -n "$disk" ] || continue
  "$abs_top_srcdir/tests/hostile-one.sh" "$t/$disk.img" "$kind" "$seed" \
    "$(pwd)/$t/vw" "$t/runs" < /dev/null | tee -a $t/results
done < $t/mutants

n=$(wc -l < $t/mutants)
[ "$(wc -l < $t/results)" = "$n" ] || fail "not every mutant was judged"
if awk -F'\t' '$4 != "patched-ok" && $4 != "refused-one-line" { bad = 1 }
               END { exit !bad }' $t/results; then
  echo
  echo "Mutants served worse, or refused badly:"
  awk -F'\t' '$4 != "patched-ok" && $4 != "refused-one-line"' $t/results
  fail "$(awk -F'\t' '$4 != "patched-ok" && $4 != "refused-one-line"' \
    $t/results | wc -l) of $n mutants were not patched-ok or refused-one-line"
fi
