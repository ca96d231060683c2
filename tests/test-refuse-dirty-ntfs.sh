#!/usr/bin/env bash
# winvirtio tests: an NTFS volume that was not cleanly unmounted is
# refused: the dirty flag, a $LogFile with changes to replay, a
# $LogFile at version 2.0 (Windows 8 and later keeping the metadata in
# memory), a damaged $LogFile.  A clean $LogFile as Windows writes it
# is patched.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# wv-ntfs-taint sets the flag or writes the $LogFile restart pages in
# a copy of the Windows volume; ntfsfix (which sets the dirty flag so
# that chkdsk runs) makes the flag independently.  ntfs-3g.probe,
# libntfs-3g's own read-write check, confirms each $LogFile verdict
# when it is installed.
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win10.img" --version win10 --layout gpt

# tainted NAME ARGS...: a copy of the disk, its Windows volume (3)
# changed by wv-ntfs-taint ARGS; prints its name.
tainted ()
{
  local disk="$t/$1.img"
  shift
  cp --sparse=always "$t/win10.img" "$disk"
  edit_volume "$disk" 3 taint "$@"
  echo "$disk"
}

# probe DISK RC: ntfs-3g.probe --readwrite on its Windows volume exits
# with RC (0 clean, 14 NTFS_VOLUME_HIBERNATED, 15
# NTFS_VOLUME_UNCLEAN_UNMOUNT).
probe ()
{
  if command -v ntfs-3g.probe >/dev/null; then
    edit_volume "$1" 3 probe_rc "$2"
  fi
}
probe_rc ()
{
  local r=0
  ntfs-3g.probe --readwrite "$2" || r=$?
  [ $r = "$1" ] || fail "ntfs-3g.probe exited with $r, expected $1"
}

dirty_msg="@SRC@: partition 3: the NTFS volume is marked dirty (it was not cleanly unmounted): boot Windows and shut it down cleanly, or run chkdsk, then try again"

# The dirty flag in $Volume.
disk=$(tainted dirty --dirty)
refused dirty "$disk" "$dirty_msg"

# ... as ntfsfix leaves it.
if command -v ntfsfix >/dev/null; then
  cp --sparse=always "$t/win10.img" "$t/ntfsfix.img"
  edit_volume "$t/ntfsfix.img" 3 ntfsfix
  refused ntfsfix "$t/ntfsfix.img" "$dirty_msg"
fi

# The log is open and the restart area does not say "clean".
disk=$(tainted unclean --logfile unclean)
probe "$disk" 15
refused logfile-unclean "$disk" "@SRC@: partition 3: the NTFS \$LogFile is not clean (Windows did not shut down cleanly and has changes to replay): boot Windows and shut it down cleanly, then try again"

# Version 2.0 restart pages, marked clean: Fast Startup on a volume
# without hiberfil.sys, or a power cut.
disk=$(tainted v2 --logfile v2)
probe "$disk" 14
refused logfile-v2 "$disk" "@SRC@: partition 3: the NTFS \$LogFile is at version 2.0: Windows 8 or later still holds this volume's metadata in memory (after a shutdown with Fast Startup, a hibernation or a power cut): boot Windows, turn off Fast Startup (powercfg /h off) and shut it down fully, then try again"

# Neither empty nor a restart page.  (The reason is libntfs-3g's.)
disk=$(tainted damaged --logfile damaged)
probe "$disk" 15
refused logfile-damaged "$disk" "@SRC@: partition 3: the NTFS \$LogFile is damaged or of an unknown version (libntfs-3g: Did not find any restart pages in \$LogFile and it was not empty.), so winvirtio cannot tell whether Windows has changes to replay: boot Windows and shut it down cleanly, or run chkdsk, then try again"

# The restart pages of a full shutdown (version 1.1, clean): patched.
disk=$(tainted clean --logfile clean)
probe "$disk" 0
accepted logfile-clean "$disk" 3
