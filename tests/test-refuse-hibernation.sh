#!/usr/bin/env bash
# winvirtio tests: a hibernated Windows, or one shut down with Fast
# Startup, is refused; one with an inactive hiberfil.sys is patched.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# libntfs-3g (ntfs_volume_check_hiberfile) refuses \hiberfil.sys when
# its first 4096 bytes start with "hibr" (Windows 7 and earlier) or
# "HIBR" (Windows 8 and later, after a hibernation or a Fast Startup
# shutdown), or when it is shorter than 4096 bytes; anything else
# ("WAKE" after a resume, zeros) is inactive.  Each file is put into a
# copy of a test disk with wv-ntfs-put; ntfs-3g.probe, libntfs-3g's own
# read-write check, confirms each verdict when it is installed.
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win10.img" --version win10 --layout gpt
make_disk "$t/win7.img" --version win7 --layout mbr

# with_hiberfile NAME BASE PART SIGNATURE SIZE: a copy of BASE whose
# partition PART has a \hiberfil.sys of SIZE bytes starting with
# SIGNATURE; prints its name.
with_hiberfile ()
{
  local disk="$t/$1.img"
  printf '%s' "$4" > "$t/hiberfil.sys"
  truncate -s "$5" "$t/hiberfil.sys"
  cp --sparse=always "$2" "$disk"
  edit_volume "$disk" "$3" put "$t/hiberfil.sys:/hiberfil.sys"
  # 14 is NTFS_VOLUME_HIBERNATED, 0 mountable read-write.
  if command -v ntfs-3g.probe >/dev/null; then
    edit_volume "$disk" "$3" probe_rc "$6"
  fi
  echo "$disk"
}
probe_rc ()
{
  local r=0
  ntfs-3g.probe --readwrite "$2" >&2 || r=$?
  [ $r = "$1" ] || fail "ntfs-3g.probe exited with $r, expected $1"
}

# Windows 8 and later: hibernated, or shut down with Fast Startup.
disk=$(with_hiberfile fast "$t/win10.img" 3 HIBR 1M 14)
refused fast-startup "$disk" "@SRC@: partition 3: Windows is hibernated or was shut down with Fast Startup (\\hiberfil.sys starts with \"HIBR\", which Windows 8 and later write for both), so the volume holds changes that are still in memory: boot the VM, turn off Fast Startup (powercfg /h off) and shut it down fully, then try again"

# Windows 7, hibernated.
disk=$(with_hiberfile hibr "$t/win7.img" 2 hibr 1M 14)
refused hibernated "$disk" "@SRC@: partition 2: Windows is hibernated (\\hiberfil.sys starts with \"hibr\", a hibernation image), so the volume holds changes that are still in memory: boot the VM so that Windows resumes, shut it down (do not hibernate it), then try again"

# A hiberfil.sys too short for its header: libntfs-3g refuses it too.
disk=$(with_hiberfile short "$t/win10.img" 3 WAKE 100 14)
refused short "$disk" "@SRC@: partition 3: \\hiberfil.sys is 100 bytes, too short to hold a hibernation header, so winvirtio cannot tell whether Windows is hibernated: boot the VM, turn off hibernation and Fast Startup (powercfg /h off, which deletes hiberfil.sys) and shut it down, then try again"

# Hibernation is on but Windows resumed ("WAKE"), or the header is
# zeros: nothing is held in memory, the disk is patched.
disk=$(with_hiberfile wake "$t/win10.img" 3 WAKE 1M 0)
accepted wake "$disk" 3
disk=$(with_hiberfile zeros "$t/win7.img" 2 "" 1M 0)
accepted zeros "$disk" 2
