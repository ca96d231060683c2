#!/usr/bin/env bash
# winvirtio: build a small Windows-like test disk, mounting nothing.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage:
#   make-windows-disk.sh OUTPUT --version xp|2k3|win7|win10 --layout gpt|mbr
#                        [--sector-size 512|4096] [--size 256M]
#                        [--system-hive FILE[.gz|.xz]]
#                        [--system-logs LOG1|- LOG2|-] [--system-log LOG]
#                        [--software-hive FILE] [--software-logs LOG1|- LOG2|-]
#                        [--system-reg FILE.reg]... [--put SRC:DST]...
#                        [--no-driver NAME]...
#                        [--junk-free] [--data MIB] [--fragment N]
#                        [--esp 16|32] [--esp-size 100M] [--esp-bcd FILE[.xz]]
#                        [--esp-put SRC:DST]...
#
# For free-space trim tests and benchmarks:
#   --junk-free   fill each NTFS volume with pseudo-random bytes before
#                 mkntfs, so its free clusters hold old data, as on a
#                 disk that has been used (default: zeroes)
#   --data MIB    add MIB of pseudo-random data in 64 MiB files to the
#                 Windows volume (\Users\Public\Data)
#   --fragment N  write N 64 KiB files to the Windows volume (and at
#                 most 200 to the Data volume) and delete half of
#                 them: fragmented free space
#                 that holds the deleted files' bytes
#
# --esp formats the gpt layout's EFI system partition FAT16 or FAT32
# (mkfs.vfat, the disk's sector size, fixed volume id) and puts a fake
# \EFI\Microsoft\Boot\bootmgfw.efi in it (and the BCD hive FILE as
# \EFI\Microsoft\Boot\BCD with --esp-bcd), with mtools; --esp-put
# adds the host file SRC as DST (a /-separated path, e.g.
# EFI/BOOT/BOOTX64.EFI).  Every time in it is 2021-06-01 12:00 UTC.
# --esp-size makes the ESP bigger than its 100 MiB (and moves the
# partitions after it): mtools, like Windows, wants 65525 clusters for
# FAT32, 260 MiB with 4096-byte sectors.
#
# --system-reg merges a .reg file (keys under HKEY_LOCAL_MACHINE\SYSTEM)
# into the SYSTEM hive after it is made; --put adds the host file SRC
# to the Windows volume as DST (a /-separated path): together they
# make a guest that already has drivers installed.  Both can be given
# more than once.  --no-driver leaves System32\drivers\NAME.sys out
# (a service whose file is missing).
#
# --system-logs puts the SYSTEM hive's transaction logs beside it, as
# System32\config\SYSTEM.LOG1 and SYSTEM.LOG2 ("-": that log absent;
# .gz and .xz are decompressed), for a dirty --system-hive;
# --system-log puts the single SYSTEM.LOG of Windows XP and 2003.
# --software-hive and --software-logs do the same for the SOFTWARE
# hive (config\SOFTWARE, .LOG1, .LOG2).
#
# The disk looks enough like an installed Windows (a VMware guest;
# amd64, or x86 for xp) for winvirtio to plan on it, but boots
# nothing: the hives come from the text sources
# tests/data/VERSION-system.reg and VERSION-software.reg, every file
# is fake, and there is no boot code.
#
# xp (Windows XP SP3, x86) and 2k3 (Server 2003 R2 x64) are laid out
# as those Windows are: \WINDOWS\system32, the hives named
# config\system and config\software in lower case, ntldr and boot.ini
# at the root of the Windows volume, no DriverDatabase.  Use them with
# --layout mbr (the hives' MountedDevices match it).
#
# Layouts (offsets in MiB, the same for both sector sizes; SIZE is the
# disk size in MiB):
#
#   gpt  1 MiB     100 MiB   EFI system partition (left unformatted)
#        101 MiB   16 MiB    Microsoft reserved partition
#        117 MiB   to SIZE-1 basic data, NTFS "Windows"
#   mbr  1 MiB     50 MiB    primary 1, NTFS "System Reserved", active
#                            (bootmgr and Boot\BCD, no Windows)
#        51 MiB    to SIZE-33 primary 2, NTFS "Windows"
#        SIZE-33   33 MiB    primary 3, extended
#        SIZE-32   32 MiB    logical 5, NTFS "Data"
#
# Disk and partition identifiers are fixed, and the hives' MountedDevices
# match them (win7 for mbr, win10 for gpt): MBR disk signature
# 0x57494E37 ("7NIW"); GPT disk GUID 57494E56-4449-534B-8000-000000000000,
# Windows partition GUID 57494E56-5749-4E00-8000-000000000003.
#
# Nothing is mounted: each NTFS volume is made by mkntfs in a scratch
# file, filled with wv-ntfs-put (libntfs-3g), then copied into the disk
# with dd.  The partition table is written by sfdisk, or for 4096-byte
# sectors by fdisk -b 4096 (sfdisk cannot be told the sector size of a
# plain file).  Scratch files are named after OUTPUT and removed; the
# disk is built as OUTPUT-t and renamed at the end.
#
# Programs: wv-mkhive and wv-ntfs-put are taken from
# $WV_BUILDDIR/tests (default ./tests), else from $PATH; the .reg
# sources from this script's own source tree.  MKNTFS, SFDISK, FDISK
# and HIVEXREGEDIT override the programs used.

set -euo pipefail

prog=make-windows-disk.sh
datadir="$(cd "$(dirname "$0")/../tests/data" && pwd)"

usage ()
{
  echo "usage: $prog OUTPUT --version xp|2k3|win7|win10 --layout gpt|mbr"
  echo "       [--sector-size 512|4096] [--size 256M] [--system-hive FILE]"
  echo "       [--system-logs LOG1|- LOG2|-] [--system-log LOG]"
  echo "       [--software-hive FILE] [--software-logs LOG1|- LOG2|-]"
  echo "       [--system-reg FILE.reg]... [--put SRC:DST]..."
  echo "       [--no-driver NAME]..."
  echo "       [--junk-free] [--data MIB] [--fragment N]"
  echo "       [--esp 16|32] [--esp-size 100M] [--esp-bcd FILE]"
  echo "       [--esp-put SRC:DST]..."
}

die ()
{
  echo "$prog: $*" >&2
  exit 1
}

# find_prog NAME OVERRIDE: print the program to run.
find_prog ()
{
  local name="$1" override="$2" p
  if [ -n "$override" ]; then
    echo "$override"
    return
  fi
  p="$(PATH="$PATH:/sbin:/usr/sbin" command -v "$name")" ||
    die "$name not found"
  echo "$p"
}

# find_helper NAME: one of our test helpers, from the build tree.
find_helper ()
{
  local p="${WV_BUILDDIR:-.}/tests/$1"
  if [ -x "$p" ]; then
    echo "$p"
  elif command -v "$1" >/dev/null; then
    command -v "$1"
  else
    die "$p not found: build it with make, or set WV_BUILDDIR"
  fi
}

# parse_mib SIZE: a size with an optional K/M/G suffix, in MiB.
parse_mib ()
{
  local n suffix
  [[ "$1" =~ ^([0-9]+)([KMG]?)i?B?$ ]] || die "bad size: $1"
  n="${BASH_REMATCH[1]}" suffix="${BASH_REMATCH[2]}"
  case "$suffix" in
    G) echo $(( n * 1024 )) ;;
    M) echo "$n" ;;
    K) (( n % 1024 == 0 )) || die "size must be whole MiB: $1"
       echo $(( n / 1024 )) ;;
    "") (( n % 1048576 == 0 )) || die "size must be whole MiB: $1"
        echo $(( n / 1048576 )) ;;
  esac
}

output=
version=
layout=
ss=512
system_hive=
system_log1=-
system_log2=-
system_log=-
software_hive=
software_log1=-
software_log2=-
system_regs=()
puts=()
no_drivers=()
size=256M
junk_free=
data_mib=0
fragment=0
esp_fat=
esp_mib=100
esp_bcd=
esp_puts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:?}"; shift 2 ;;
    --layout) layout="${2:?}"; shift 2 ;;
    --sector-size) ss="${2:?}"; shift 2 ;;
    --size) size="${2:?}"; shift 2 ;;
    --system-hive) system_hive="${2:?}"; shift 2 ;;
    --system-logs) system_log1="${2:?}"; system_log2="${3:?}"; shift 3 ;;
    --system-log) system_log="${2:?}"; shift 2 ;;
    --system-reg) system_regs+=("${2:?}"); shift 2 ;;
    --software-hive) software_hive="${2:?}"; shift 2 ;;
    --software-logs) software_log1="${2:?}"; software_log2="${3:?}"; shift 3 ;;
    --put) puts+=("${2:?}"); shift 2 ;;
    --no-driver) no_drivers+=("${2:?}"); shift 2 ;;
    --junk-free) junk_free=1; shift ;;
    --data) data_mib="${2:?}"; shift 2 ;;
    --fragment) fragment="${2:?}"; shift 2 ;;
    --esp) esp_fat="${2:?}"; shift 2 ;;
    --esp-bcd) esp_bcd="${2:?}"; shift 2 ;;
    --esp-size) esp_mib="$(parse_mib "${2:?}")"; shift 2 ;;
    --esp-put) esp_puts+=("${2:?}"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; exit 1 ;;
    *) [ -z "$output" ] || { usage >&2; exit 1; }
       output="$1"; shift ;;
  esac
done
[ -n "$output" ] || { usage >&2; exit 1; }
case "$version" in
  xp|2k3|win7|win10) ;;
  *) die "--version must be xp, 2k3, win7 or win10" ;;
esac
case "$layout" in gpt|mbr) ;; *) die "--layout must be gpt or mbr" ;; esac
case "$ss" in 512|4096) ;; *) die "--sector-size must be 512 or 4096" ;; esac
disk_mib="$(parse_mib "$size")"
case "$esp_fat" in
  "") ;;
  16|32) [ "$layout" = gpt ] || die "--esp needs --layout gpt" ;;
  *) die "--esp must be 16 or 32" ;;
esac

mkhive="$(find_helper wv-mkhive)"
ntfsput="$(find_helper wv-ntfs-put)"
mkntfs="$(find_prog mkntfs "${MKNTFS:-}")"
hivexregedit="$(find_prog hivexregedit "${HIVEXREGEDIT:-}")"
if [ "$ss" = 512 ]; then
  sfdisk="$(find_prog sfdisk "${SFDISK:-}")"
else
  fdisk="$(find_prog fdisk "${FDISK:-}")"
fi

# Scratch files, all named after the output.
tmp="$output.tmp"
disk="$output-t"
cleanup ()
{
  rm -rf "$tmp" "$disk"
}
trap cleanup EXIT
rm -rf "$tmp"
mkdir "$tmp"

spm=$(( 1048576 / ss ))         # sectors per MiB

# Partitions: parallel arrays, in MiB.  fs is ntfs or none.
part_start=()
part_size=()
part_fs=()
part_label=()
case "$layout" in
  gpt)
    (( disk_mib >= esp_mib + 60 )) ||
      die "--size must be at least $(( esp_mib + 60 ))M for gpt"
    part_start=(1 $(( esp_mib + 1 )) $(( esp_mib + 17 )))
    part_size=("$esp_mib" 16 $(( disk_mib - esp_mib - 17 - 1 )))
    part_fs=(none none ntfs)
    part_label=("" "" Windows)
    cat > "$tmp/table" <<EOF
label: gpt
label-id: 57494E56-4449-534B-8000-000000000000
unit: sectors
first-lba: $(( 1 * spm ))

start=$(( 1 * spm )), size=$(( esp_mib * spm )), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=57494E56-4553-5000-8000-000000000001, name="EFI system partition"
start=$(( (esp_mib + 1) * spm )), size=$(( 16 * spm )), type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, uuid=57494E56-4D53-5200-8000-000000000002, name="Microsoft reserved partition"
start=$(( (esp_mib + 17) * spm )), size=$(( part_size[2] * spm )), type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=57494E56-5749-4E00-8000-000000000003, name="Basic data partition"
EOF
    ;;
  mbr)
    (( disk_mib >= 150 )) || die "--size must be at least 150M for mbr"
    part_start=(1 51 $(( disk_mib - 32 )))
    part_size=(50 $(( disk_mib - 33 - 51 )) 32)
    part_fs=(ntfs ntfs ntfs)
    part_label=("System Reserved" Windows Data)
    cat > "$tmp/table" <<EOF
label: dos
label-id: 0x57494e37
unit: sectors

start=$(( 1 * spm )), size=$(( 50 * spm )), type=7, bootable
start=$(( 51 * spm )), size=$(( part_size[1] * spm )), type=7
start=$(( (disk_mib - 33) * spm )), size=$(( 33 * spm )), type=f
start=$(( (disk_mib - 32) * spm )), size=$(( 32 * spm )), type=7
EOF
    ;;
esac

# The partition table.
rm -f "$disk"
truncate -s "${disk_mib}M" "$disk"
if [ "$ss" = 512 ]; then
  "$sfdisk" -q "$disk" < "$tmp/table" >/dev/null
else
  # fdisk exits 0 even when the script fails: check its report.
  printf 'I\n%s\nw\n' "$tmp/table" |
    "$fdisk" -b "$ss" "$disk" > "$tmp/fdisk.log" 2>&1 || true
  grep -q 'Script successfully applied' "$tmp/fdisk.log" || {
    cat "$tmp/fdisk.log" >&2
    die "fdisk could not write the partition table"
  }
fi

# fake_file FILE WHAT NAME BYTES: a clearly fake, deterministic file
# starting with "MZ", like a PE image.
fake_file ()
{
  awk -v what="$2" -v name="$3" -v n="$4" 'BEGIN {
    s = "MZ\nWINVIRTIO FAKE " what " - NOT A REAL " what ": " name "\n"
    printf "%s", s
    len = length(s)
    for (i = 0; len < n; i++) {
      line = sprintf("winvirtio fake %s %s line %06d\n", what, name, i)
      printf "%s", line
      len += length(line)
    }
  }' > "$1"
}

# junk KEY BYTES: BYTES deterministic pseudo-random bytes (AES-CTR of
# zeroes) on stdout, different for each KEY.
junk ()
{
  local key
  key=$(printf '%s' "$1" | sha256sum | cut -c1-32)
  head -c "$2" /dev/zero |
    openssl enc -aes-128-ctr -nosalt -K "$key" -iv 0 2>/dev/null
}

# extra_files DIR: the --data and --fragment files, as wv-ntfs-put
# arguments (the deletions last).
extra_files ()
{
  local d="$tmp/$1" i n
  mkdir -p "$d"
  if [ "$1" = extra-Windows ]; then
    n=$(( (data_mib + 63) / 64 ))
    for (( i = 0; i < n; i++ )); do
      echo "$d/DATA$i.BIN:/Users/Public/Data/DATA$i.BIN"
    done
  fi
  # The 32 MiB Data volume holds at most 200 of them.
  n=$fragment
  [ "$1" = extra-Data ] && (( n > 200 )) && n=200
  for (( i = 0; i < n; i++ )); do
    printf '%s\n' "$d/frag.bin:/Frag/F$i.BIN"
  done
  # A pseudo-random half: libntfs-3g spreads files over a few
  # allocation streams, so "every other one" would free whole runs.
  for (( i = 0; i < n; i++ )); do
    (( (i * 2654435761 >> 16) & 1 )) && printf '%s\n' --rm "/Frag/F$i.BIN"
  done
  return 0
}

# make_extra_files DIR: write the host files extra_files names.
make_extra_files ()
{
  local d="$tmp/$1" i n
  mkdir -p "$d"
  [ "$fragment" -gt 0 ] && junk "frag-$1" 65536 > "$d/frag.bin"
  if [ "$1" = extra-Windows ]; then
    n=$(( (data_mib + 63) / 64 ))
    for (( i = 0; i < n; i++ )); do
      junk "data-$i" $(( 64 * 1048576 )) > "$d/DATA$i.BIN"
    done
  fi
  return 0
}

# make_hive FILE ROOTNAME REGFILE PREFIX
make_hive ()
{
  "$mkhive" "$1" "$2"
  "$hivexregedit" --merge "$1" --prefix "$4" "$3"
}

# unpack SRC DST: copy SRC to DST, decompressing .gz and .xz.
unpack ()
{
  case "$1" in
    *.gz) gzip -dc "$1" > "$2" ;;
    *.xz) xz -dc "$1" > "$2" ;;
    *) cp "$1" "$2" ;;
  esac
}

# The Windows volume's contents, as wv-ntfs-put arguments.
windows_files ()
{
  local f d drivers inbox extra
  d="$tmp/files"
  mkdir -p "$d"
  # Where Windows keeps things, as each version names them.
  local root=/Windows sys32=System32 system=SYSTEM software=SOFTWARE
  local arch=amd64
  case "$version" in
    xp|2k3)
      root=/WINDOWS sys32=system32 system=system software=software
      [ "$version" = xp ] && arch=x86
      make_hive "$d/SYSTEM" '$$$PROTO.HIV' \
        "$datadir/$version-system.reg" 'HKEY_LOCAL_MACHINE\SYSTEM'
      make_hive "$d/SOFTWARE" '$$$PROTO.HIV' \
        "$datadir/$version-software.reg" 'HKEY_LOCAL_MACHINE\SOFTWARE'
      drivers="disk classpnp atapi intelide symmpi pci partmgr ftdisk"
      extra=""
      ;;
    win7)
      make_hive "$d/SYSTEM" \
        "CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}" \
        "$datadir/win7-system.reg" 'HKEY_LOCAL_MACHINE\SYSTEM'
      make_hive "$d/SOFTWARE" \
        "CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}" \
        "$datadir/win7-software.reg" 'HKEY_LOCAL_MACHINE\SOFTWARE'
      drivers="disk classpnp storport atapi ataport intelide msahci lsi_sas pci partmgr volmgr"
      extra="winload.exe"
      ;;
    win10)
      make_hive "$d/SYSTEM" \
        "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}" \
        "$datadir/win10-system.reg" 'HKEY_LOCAL_MACHINE\SYSTEM'
      make_hive "$d/SOFTWARE" \
        "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}" \
        "$datadir/win10-software.reg" 'HKEY_LOCAL_MACHINE\SOFTWARE'
      drivers="disk classpnp storport atapi ataport storahci lsi_sas pvscsi pci partmgr volmgr"
      extra="winload.exe winload.efi"
      ;;
  esac
  # A real SYSTEM hive (e.g. from ../shared/corpus) instead of ours.
  if [ -n "${system_hive:-}" ]; then
    unpack "$system_hive" "$d/SYSTEM"
  fi
  for f in "${system_regs[@]}"; do
    "$hivexregedit" --merge "$d/SYSTEM" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
      "$f"
  done
  echo "$d/SYSTEM:$root/$sys32/config/$system"
  # Its transaction logs.
  if [ "$system_log1" != - ]; then
    unpack "$system_log1" "$d/SYSTEM.LOG1"
    echo "$d/SYSTEM.LOG1:$root/$sys32/config/$system.LOG1"
  fi
  if [ "$system_log2" != - ]; then
    unpack "$system_log2" "$d/SYSTEM.LOG2"
    echo "$d/SYSTEM.LOG2:$root/$sys32/config/$system.LOG2"
  fi
  if [ "$system_log" != - ]; then
    unpack "$system_log" "$d/SYSTEM.LOG"
    echo "$d/SYSTEM.LOG:$root/$sys32/config/$system.LOG"
  fi
  if [ -n "${software_hive:-}" ]; then
    unpack "$software_hive" "$d/SOFTWARE"
  fi
  echo "$d/SOFTWARE:$root/$sys32/config/$software"
  if [ "$software_log1" != - ]; then
    unpack "$software_log1" "$d/SOFTWARE.LOG1"
    echo "$d/SOFTWARE.LOG1:$root/$sys32/config/$software.LOG1"
  fi
  if [ "$software_log2" != - ]; then
    unpack "$software_log2" "$d/SOFTWARE.LOG2"
    echo "$d/SOFTWARE.LOG2:$root/$sys32/config/$software.LOG2"
  fi
  for f in $drivers; do
    [[ " ${no_drivers[*]:-} " == *" $f "* ]] && continue
    fake_file "$d/$f.sys" DRIVER "$f.sys ($version $arch)" \
      $(( 3000 + ${#f} * 611 ))
    echo "$d/$f.sys:$root/$sys32/drivers/$f.sys"
  done
  for f in ntoskrnl.exe hal.dll $extra; do
    fake_file "$d/$f" FILE "$f ($version $arch)" 6000
    echo "$d/$f:$root/$sys32/$f"
  done
  printf '; WINVIRTIO FAKE FILE - NOT A REAL INF: %s\n[Version]\nSignature="$Windows NT$"\n' \
    disk.inf > "$d/disk.inf"
  echo "$d/disk.inf:$root/inf/disk.inf"
  case "$version" in
    xp|2k3)
      # The NT loader and its menu, at the root of the Windows volume.
      fake_file "$d/ntldr" FILE "ntldr ($version)" 8000
      printf '[boot loader]\r\ntimeout=30\r\ndefault=multi(0)disk(0)rdisk(0)partition(2)\\WINDOWS\r\n' \
        > "$d/boot.ini"
      echo "$d/ntldr:/ntldr"
      echo "$d/boot.ini:/boot.ini"
      ;;
  esac
  if [ "$version" = win10 ]; then
    # The inbox package named in the hive's DriverDatabase.
    inbox=/Windows/System32/DriverStore/FileRepository/pvscsi.inf_amd64_a96a8d4a2b3f2c75
    printf '; WINVIRTIO FAKE FILE - NOT A REAL INF: %s\n[Version]\nSignature="$Windows NT$"\nClass=SCSIAdapter\n' \
      pvscsi.inf > "$d/pvscsi.inf"
    echo "$d/pvscsi.inf:$inbox/pvscsi.inf"
    echo "$d/pvscsi.sys:$inbox/pvscsi.sys"
  fi
  if [ "$root" = /WINDOWS ]; then
    printf '%s\n' --mkdir "/Program Files" \
      --mkdir "/Documents and Settings/All Users" --mkdir /WINDOWS/Temp
  else
    printf '%s\n' --mkdir "/Program Files" --mkdir /Users/Public \
      --mkdir /Windows/Temp
  fi
  for f in "${puts[@]}"; do
    echo "$f"
  done
}

system_reserved_files ()
{
  local d="$tmp/files-sr"
  mkdir -p "$d"
  fake_file "$d/bootmgr" FILE "bootmgr ($version)" 8000
  "$mkhive" "$d/BCD" NewStoreRoot
  echo "$d/bootmgr:/bootmgr"
  echo "$d/BCD:/Boot/BCD"
}

data_files ()
{
  local d="$tmp/files-data"
  mkdir -p "$d"
  echo "WINVIRTIO FAKE FILE: a data volume, not the Windows volume." \
    > "$d/README.txt"
  echo "$d/README.txt:/Data/README.txt"
}

# Format, fill and copy each NTFS partition.
for i in "${!part_start[@]}"; do
  [ "${part_fs[i]}" = ntfs ] || continue
  vol="$tmp/volume"
  sectors=$(( part_size[i] * spm ))
  rm -f "$vol"
  if [ -n "$junk_free" ]; then
    junk "free-$i" $(( part_size[i] * 1048576 )) > "$vol"
  else
    truncate -s "${part_size[i]}M" "$vol"
  fi
  "$mkntfs" -F -f -q -s "$ss" -p $(( part_start[i] * spm )) -H 255 -S 63 \
    -L "${part_label[i]}" "$vol" "$sectors" > "$tmp/mkntfs.log" 2>&1 || {
    cat "$tmp/mkntfs.log" >&2
    die "mkntfs failed"
  }
  case "${part_label[i]}" in
    Windows) windows_files > "$tmp/args" ;;
    "System Reserved") system_reserved_files > "$tmp/args" ;;
    Data) data_files > "$tmp/args" ;;
  esac
  case "${part_label[i]}" in
    Windows|Data)
      if [ "$data_mib" -gt 0 ] || [ "$fragment" -gt 0 ]; then
        make_extra_files "extra-${part_label[i]}"
        extra_files "extra-${part_label[i]}" >> "$tmp/args"
      fi ;;
  esac
  mapfile -t args < "$tmp/args"
  "$ntfsput" "$vol" "${args[@]}"
  rm -rf "$tmp"/extra-*
  dd if="$vol" of="$disk" bs=1M seek="${part_start[i]}" \
    conv=notrunc,sparse status=none
  rm -f "$vol"
done

# make_esp IMG: the EFI system partition (--esp).
make_esp ()
{
  local img="$1" put src dst
  export MTOOLSRC=/dev/null TZ=UTC0 SOURCE_DATE_EPOCH=1622548800
  truncate -s "${esp_mib}M" "$img"
  "$(find_prog mkfs.vfat "${MKFSVFAT:-}")" -F "$esp_fat" -S "$ss" \
    -i 57494e56 -n ESP "$img" >/dev/null 2>&1 ||
    die "mkfs.vfat -F $esp_fat -S $ss failed"
  fake_file "$tmp/bootmgfw.efi" "BOOT MANAGER" bootmgfw.efi 200000
  mmd -i "$img" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot
  touch -d @1622548800 "$tmp/bootmgfw.efi"
  mcopy -m -i "$img" "$tmp/bootmgfw.efi" ::/EFI/Microsoft/Boot/bootmgfw.efi
  if [ -n "$esp_bcd" ]; then
    case "$esp_bcd" in
      *.xz) xz -dc "$esp_bcd" > "$tmp/BCD" ;;
      *) cp "$esp_bcd" "$tmp/BCD" ;;
    esac
    touch -d @1622548800 "$tmp/BCD"
    mcopy -m -i "$img" "$tmp/BCD" ::/EFI/Microsoft/Boot/BCD
  fi
  for put in "${esp_puts[@]}"; do
    src="${put%%:*}" dst="${put#*:}"
    [ "${dst%/*}" = "$dst" ] || mmd -D s -i "$img" "::/${dst%/*}" 2>/dev/null ||
      true
    cp "$src" "$tmp/put" && touch -d @1622548800 "$tmp/put"
    mcopy -m -o -i "$img" "$tmp/put" "::/$dst"
  done
}

if [ -n "$esp_fat" ]; then
  make_esp "$tmp/esp.img"
  dd if="$tmp/esp.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
  rm -f "$tmp/esp.img"
fi

mv "$disk" "$output"
