#!/usr/bin/env bash
# winvirtio: test the partition table reader (lib/disk/partition*.c).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Builds small sparse disk images with sfdisk (512-byte sectors) and
# fdisk -b 4096 (4Kn: sfdisk 2.38 has no --sector-size), then checks
# that test-partition prints what sfdisk --dump (and sgdisk -p for one
# GPT) says.  Corrupt and hostile tables are made by editing bytes;
# GPT checksums are recomputed with gzip, whose trailer is the CRC-32
# that GPT uses, so that the checks behind the checksums are reached.

source ./functions.sh
set -e
set -x

requires sfdisk --version
requires fdisk --version
requires sgdisk --version
requires truncate --version
requires gzip --version
requires od --endian=little /dev/null

t=tmp-partition
rm -f $t-*
cleanup_fn "rm -f $t-*"

prog=./test-partition

# peek FILE OFFSET SIZE: print the SIZE-byte little-endian number there.
peek ()
{
  od -An -tu$3 --endian=little -j "$2" -N"$3" "$1" | tr -d ' '
}

# le SIZE VALUE: VALUE as SIZE little-endian bytes, in printf escapes.
le ()
{
  local i
  for (( i = 0; i < $1; ++i )); do
    printf '\\x%02x' $(( ($2 >> (8 * i)) & 255 ))
  done
}

# poke FILE OFFSET SIZE VALUE: write VALUE as SIZE bytes, little-endian.
poke ()
{
  printf "$(le $3 $4)" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# poke_entry FILE OFFSET TYPE START COUNT: write a 16-byte MBR entry.
poke_entry ()
{
  printf "$(le 4 0)$(le 1 $3)$(le 3 0)$(le 4 $4)$(le 4 $5)" |
    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# poke_str FILE OFFSET STRING: write STRING there.
poke_str ()
{
  printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# crc32 FILE OFFSET COUNT: the CRC-32 of those bytes, as 4 raw bytes
# (little-endian, as GPT stores it), from the gzip trailer.
crc32 ()
{
  tail -c +$(( $2 + 1 )) "$1" | head -c "$3" | gzip -n -c | tail -c 8 |
    head -c 4
}

# gpt_fix_crcs FILE SS HEADER_LBA [header-only]: recompute the entry
# array checksum (unless header-only) and the header checksum.
gpt_fix_crcs ()
{
  local f=$1 ss=$2 h=$(( $3 * $2 )) hsize elba n esz
  hsize=$(peek $f $(( h + 12 )) 4)
  if test "$4" != header-only; then
    elba=$(peek $f $(( h + 72 )) 8)
    n=$(peek $f $(( h + 80 )) 4)
    esz=$(peek $f $(( h + 84 )) 4)
    crc32 $f $(( elba * ss )) $(( n * esz )) |
      dd of=$f bs=1 seek=$(( h + 88 )) conv=notrunc status=none
  fi
  poke $f $(( h + 16 )) 4 0
  crc32 $f $h $hsize |
    dd of=$f bs=1 seek=$(( h + 16 )) conv=notrunc status=none
}

# gpt_headers FILE SS WHICH: LBAs of the primary header, and of the
# backup too if WHICH is "both".
gpt_headers ()
{
  local size
  size=$(stat -c %s "$1")
  echo 1
  if test "$3" = both; then echo $(( size / $2 - 1 )); fi
}

# gpt_set_header FILE SS WHICH FIELD SIZE VALUE: edit a header field
# (byte offset FIELD) and fix the header checksum.
gpt_set_header ()
{
  local h
  for h in $(gpt_headers $1 $2 $3); do
    poke $1 $(( h * $2 + $4 )) $5 $6
    gpt_fix_crcs $1 $2 $h header-only
  done
}

# gpt_set_entry FILE SS WHICH INDEX FIELD SIZE VALUE: edit a field of
# entry INDEX (from 0) and fix both checksums.
gpt_set_entry ()
{
  local h elba esz
  for h in $(gpt_headers $1 $2 $3); do
    elba=$(peek $1 $(( h * $2 + 72 )) 8)
    esz=$(peek $1 $(( h * $2 + 84 )) 4)
    poke $1 $(( elba * $2 + $4 * esz + $5 )) $6 $7
    gpt_fix_crcs $1 $2 $h
  done
}

# mklabel FILE SS: write the partition table read (as an sfdisk
# script) from stdin.
mklabel ()
{
  if test "$2" = 512; then
    sfdisk -q "$1"
  else
    cat > $t-script
    printf 'I\n%s\nw\n' $t-script | fdisk -b "$2" "$1" >/dev/null
  fi
}

# dump FILE SS: sfdisk --dump, or the same from fdisk -b SS.
dump ()
{
  if test "$2" = 512; then
    sfdisk --dump "$1"
  else
    rm -f $t-dump
    printf 'O\n%s\nq\n' $t-dump | fdisk -b "$2" "$1" >/dev/null
    cat $t-dump
  fi
}

# expect FILE SS [BACKUP]: the test-partition output that the dump of
# FILE with sector size SS calls for.
expect ()
{
  local f=$1 ss=$2 backup=${3:-0} label type line n start size ptype
  local name mbr guid esp
  dump $f $ss > $t-dump-text
  label=$(sed -n 's/^label: //p' $t-dump-text)
  case $label in
    dos) type=MBR ;;
    gpt) type=GPT ;;
    *) fail "unexpected label $label" ;;
  esac
  echo "type=$type sector=$ss backup=$backup"
  grep "^$f[0-9]* : " $t-dump-text |
    while IFS= read -r line; do
      n=${line%% :*}
      n=${n#$f}
      start=$(echo "$line" | sed -n 's/.*start= *\([0-9]*\).*/\1/p')
      size=$(echo "$line" | sed -n 's/.*size= *\([0-9]*\).*/\1/p')
      ptype=$(echo "$line" | sed -n 's/.*type=\([^,]*\).*/\1/p')
      # sfdisk writes non-ASCII bytes as \xHH: printf %b undoes that.
      name=$(printf '%b' "$(echo "$line" | sed -n 's/.*name="\(.*\)".*/\1/p')")
      if test $label = dos; then
        mbr=$(printf '0x%02x' $(( 0x$ptype )))
        guid=-
        esp=$(test $ptype = ef && echo 1 || echo 0)
        name=-
      else
        mbr=0x00
        guid=$ptype
        esp=$(test $ptype = C12A7328-F81F-11D2-BA4B-00A0C93EC93B &&
                echo 1 || echo 0)
        name=${name:--}
      fi
      echo "$n $(( start * ss )) $(( size * ss )) $mbr $guid $esp $name"
    done
}

# check FILE EXPECTED [SS]: test-partition FILE [SS] prints EXPECTED.
check ()
{
  $VG $prog "$1" $3 > $t-out || fail "$prog $1 $3 failed"
  cat $t-out
  diff -u "$2" $t-out || fail "$prog $1 $3: unexpected output"
}

# must_fail PATTERN FILE [SS]: test-partition must fail cleanly (exit
# 1, no output) with PATTERN in its message.
must_fail ()
{
  local pattern=$1 r=0
  shift
  $VG $prog "$@" > $t-out 2> $t-err || r=$?
  cat $t-err
  test $r = 1 || fail "$prog $*: exit status $r, expected 1"
  test ! -s $t-out || fail "$prog $*: printed a table"
  grep -q -- "$pattern" $t-err ||
    fail "$prog $*: the message does not contain: $pattern"
}

# ---- (1) MBR: 2 primaries, an extended partition with 3 logicals.
mbr=$t-mbr.img
truncate -s 32M $mbr
mklabel $mbr 512 <<'EOF'
label: dos
size=4MiB, type=7
size=2MiB, type=83
type=5
size=1MiB, type=7
size=1MiB, type=83
size=1MiB, type=ef
EOF
expect $mbr 512 > $t-mbr.exp
grep -q '^7 .* 0xef - 1 -$' $t-mbr.exp
check $mbr $t-mbr.exp
check $mbr $t-mbr.exp 512
must_fail "beyond the end of the disk" $mbr 4096
must_fail "sector size 1000 is not supported" $mbr 1000

# ---- (2) GPT: ESP, MSR, basic data; a name needing UTF-16 surrogates.
gpt=$t-gpt.img
truncate -s 32M $gpt
mklabel $gpt 512 <<'EOF'
label: gpt
size=2MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"
size=1MiB, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, name="Microsoft reserved partition"
type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"
EOF
sgdisk -c 3:"Données 😀" $gpt >/dev/null
expect $gpt 512 > $t-gpt.exp
grep -q '^3 .* EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 0 Données 😀$' \
     $t-gpt.exp
check $gpt $t-gpt.exp
check $gpt $t-gpt.exp 512
# A second opinion from sgdisk: number, first and last sector, type.
sgdisk -p $gpt | awk '$1 ~ /^[0-9]+$/ && NF >= 6 { print $1, $2, $3 }' |
  while read n first last; do
    code=$(sgdisk -i $n $gpt |
             sed -n 's/^Partition GUID code: \([0-9A-F-]*\).*/\1/p')
    echo "$n $(( first * 512 )) $(( (last - first + 1) * 512 )) $code"
  done > $t-gpt.sgdisk
$prog $gpt | awk 'NR > 1 { print $1, $2, $3, $5 }' > $t-gpt.ours
diff -u $t-gpt.sgdisk $t-gpt.ours
must_fail "bad GPT (read with 4096-byte sectors)" $gpt 4096

# ---- (3) GPT on 4096-byte sectors.
gpt4k=$t-gpt4k.img
truncate -s 64M $gpt4k
mklabel $gpt4k 4096 <<'EOF'
label: gpt
size=2MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"
size=1MiB, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, name="Microsoft reserved partition"
type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"
EOF
expect $gpt4k 4096 > $t-gpt4k.exp
check $gpt4k $t-gpt4k.exp
check $gpt4k $t-gpt4k.exp 4096
must_fail "bad GPT (read with 512-byte sectors)" $gpt4k 512

# ---- (4) Primary GPT header corrupt: the backup gives the same table.
expect $gpt 512 1 > $t-gpt-backup.exp
cp $gpt $t-hdr.img
flip_byte $t-hdr.img $(( 512 + 56 ))          # disk GUID: bad checksum
check $t-hdr.img $t-gpt-backup.exp
cp $gpt $t-sig.img
poke_str $t-sig.img 512 X                     # no "EFI PART"
check $t-sig.img $t-gpt-backup.exp
# Same on 4Kn, where only the backup shows the sector size.
expect $gpt4k 4096 1 > $t-gpt4k-backup.exp
cp $gpt4k $t-sig4k.img
poke_str $t-sig4k.img 4096 X
check $t-sig4k.img $t-gpt4k-backup.exp

# ---- (5) Primary entry array corrupt: the backup is used.
cp $gpt $t-ent.img
flip_byte $t-ent.img 1024                     # type GUID of entry 1
check $t-ent.img $t-gpt-backup.exp
# Both copies corrupt: an error naming both problems.
size=$(stat -c %s $t-ent.img)
flip_byte $t-ent.img $(( size - 512 + 56 ))
must_fail "primary GPT is bad (.*bad checksum) and so is the backup" \
          $t-ent.img
# Primary entries wrong behind good checksums: the backup is used.
cp $gpt $t-sem.img
gpt_set_entry $t-sem.img 512 primary 0 40 8 $(( size / 512 - 1 ))
check $t-sem.img $t-gpt-backup.exp

# GPT fields that pass the checksums but not the sanity checks.
cp $gpt $t-bad.img
gpt_set_entry $t-bad.img 512 both 0 40 8 $(( size / 512 - 1 ))
must_fail "partition 1 (LBAs .*) is not inside the usable LBAs" $t-bad.img
cp $gpt $t-bad.img
gpt_set_entry $t-bad.img 512 both 1 32 8 $(( 4096 ))
must_fail "partitions 1 .* and 2 .* overlap" $t-bad.img
cp $gpt $t-bad.img
gpt_set_header $t-bad.img 512 both 80 4 100000
must_fail "has 100000 entries (at most 1024" $t-bad.img
cp $gpt $t-bad.img
gpt_set_header $t-bad.img 512 both 84 4 100
must_fail "has entry size 100" $t-bad.img
cp $gpt $t-bad.img
gpt_set_header $t-bad.img 512 both 12 4 600
must_fail "has size 600, not in 92..512" $t-bad.img
cp $gpt $t-bad.img
gpt_set_header $t-bad.img 512 both 72 8 $(( size / 512 - 2 ))
must_fail "puts its entry array" $t-bad.img
cp $gpt $t-bad.img
gpt_set_header $t-bad.img 512 both 48 8 $(( size / 512 + 100 ))
must_fail "go beyond the last LBA of the disk" $t-bad.img
# A truncated GPT image.
cp $gpt $t-bad.img
truncate -s 16M $t-bad.img
must_fail "bad GPT" $t-bad.img
# A protective MBR with no GPT at all.
cp $gpt $t-bad.img
poke_str $t-bad.img 512 X
poke_str $t-bad.img $(( size - 512 )) X
must_fail "protective MBR (type 0xEE) but there is no GPT header" $t-bad.img

# ---- (6) Bare NTFS volumes.
if test "$MKNTFS" != no && test -x "$MKNTFS"; then
  truncate -s 16M $t-ntfs.img
  "$MKNTFS" -F -f -q -s 512 $t-ntfs.img $(( 16 * 2048 ))
  printf 'type=none sector=512 backup=0\n0 0 %d 0x00 - 0 -\n' \
         $(( 16 * 1024 * 1024 )) > $t-ntfs.exp
  check $t-ntfs.img $t-ntfs.exp
  rm $t-ntfs.img
  truncate -s 16M $t-ntfs.img
  "$MKNTFS" -F -f -q -s 4096 $t-ntfs.img $(( 16 * 256 ))
  printf 'type=none sector=4096 backup=0\n0 0 %d 0x00 - 0 -\n' \
         $(( 16 * 1024 * 1024 )) > $t-ntfs.exp
  check $t-ntfs.img $t-ntfs.exp
else
  echo "$0: mkntfs not found: skipping the bare NTFS cases"
fi

# ---- (7) MBR on 4096-byte sectors.
# With an extended partition: only 4096 gives a valid EBR chain.
mbr4k=$t-mbr4k.img
truncate -s 64M $mbr4k
mklabel $mbr4k 4096 <<'EOF'
label: dos
size=4MiB, type=7
size=2MiB, type=83
type=5
size=1MiB, type=7
size=1MiB, type=83
EOF
expect $mbr4k 4096 > $t-mbr4k.exp
check $mbr4k $t-mbr4k.exp
check $mbr4k $t-mbr4k.exp 4096
# Primaries only, no file systems: nothing tells 4096 apart, so 512
# is used (the documented limit of the heuristic) unless forced.
prim4k=$t-prim4k.img
truncate -s 64M $prim4k
mklabel $prim4k 4096 <<'EOF'
label: dos
size=4MiB, type=7
size=2MiB, type=83
EOF
expect $prim4k 4096 > $t-prim4k.exp
check $prim4k $t-prim4k.exp 4096
$prog $prim4k | grep '^type=MBR sector=512 '
# An NTFS boot sector where 4096 puts partition 1 settles it.
poke_str $prim4k $(( 256 * 4096 + 3 )) "NTFS    "
check $prim4k $t-prim4k.exp

# ---- (8) No partition table.
truncate -s 1M $t-zero.img
must_fail "no partition table or NTFS volume found on $t-zero.img" \
          $t-zero.img
yes 'not a disk' | head -c 1M > $t-text.img
must_fail "no partition table or NTFS volume found" $t-text.img
poke $t-text.img 510 2 0xaa55
must_fail "ends in 0x55AA but is not an MBR" $t-text.img
head -c 100 /dev/zero > $t-tiny.img
must_fail "the disk is only 100 bytes" $t-tiny.img
# An MBR with no partitions is a valid, empty table.
truncate -s 1M $t-empty.img
poke $t-empty.img 510 2 0xaa55
printf 'type=MBR sector=512 backup=0\n' > $t-empty.exp
check $t-empty.img $t-empty.exp

# ---- (9) Hostile MBRs.
ext=$(( $(sed -n 's/^3 \([0-9]*\) .*/\1/p' $t-mbr.exp) / 512 ))
link1=$(peek $mbr $(( ext * 512 + 446 + 16 + 8 )) 4)
test "$link1" -gt 0
# The first EBR links to itself.
cp $mbr $t-loop.img
poke $t-loop.img $(( ext * 512 + 446 + 16 + 8 )) 4 0
must_fail "EBR chain of extended partition 3 loops" $t-loop.img
# The second EBR links back to itself.
cp $mbr $t-loop.img
poke $t-loop.img $(( (ext + link1) * 512 + 446 + 16 + 8 )) 4 $link1
must_fail "EBR chain of extended partition 3 loops" $t-loop.img
# A link out of the extended partition.
cp $mbr $t-loop.img
poke $t-loop.img $(( ext * 512 + 446 + 16 + 8 )) 4 $(( 1 << 30 ))
must_fail "outside extended partition 3" $t-loop.img
# A chain of 130 EBRs, each linking to the next sector: capped.
cp $mbr $t-loop.img
poke_entry $t-loop.img $(( ext * 512 + 446 )) 0 0 0
for (( i = 0; i < 130; ++i )); do
  poke_entry $t-loop.img $(( (ext + i) * 512 + 446 + 16 )) 5 $(( i + 1 )) 1
  poke $t-loop.img $(( (ext + i) * 512 + 510 )) 2 0xaa55
done
must_fail "extended partition 3 has more than 128 EBRs" $t-loop.img
# A logical partition larger than its extended partition.
cp $mbr $t-loop.img
poke $t-loop.img $(( ext * 512 + 446 + 12 )) 4 $(( 1 << 31 ))
must_fail "logical partition 5 .* is not inside extended partition 3" \
          $t-loop.img
# A primary beyond the end of the disk.
cp $mbr $t-beyond.img
poke $t-beyond.img $(( 446 + 12 )) 4 0xffffff00
must_fail "partition 1 (.*) extends beyond the end of the disk" $t-beyond.img
# A truncated image.
cp $mbr $t-beyond.img
truncate -s 6M $t-beyond.img
must_fail "partition 2 (.*) extends beyond the end of the disk" $t-beyond.img
# Overlapping primaries.
cp $mbr $t-overlap.img
poke $t-overlap.img $(( 446 + 16 + 8 )) 4 4096
must_fail "partitions 1 .* and 2 .* overlap" $t-overlap.img
# A primary on top of the MBR.
cp $mbr $t-overlap.img
poke $t-overlap.img $(( 446 + 8 )) 4 0
must_fail "partition 1 starts at sector 0" $t-overlap.img
