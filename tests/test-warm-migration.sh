#!/usr/bin/env bash
# winvirtio tests: a warm migration, end to end, on this machine.
# - The base copy: the source (a Windows 10 GPT test disk) copied with
#   nbdcopy, without the filter, while "the VM runs".
# - Twice, the running guest changes the source (a new file written and
#   a key added to the SYSTEM hive of the current control set, with
#   libntfs-3g and hivex, on the volume copied out and back), then a
#   delta pass copies only the 64 KiB blocks that changed
#   (warm-delta.py, standing in for changed block tracking).
# - At the cutover the destination equals the final source (cmp), and
#   winvirtio apply patches it: the result is byte for byte what the
#   filter streams from the final source, passes the independent checks
#   of the end-to-end tests (scripts/check-converted.sh), and has the
#   guest's changes (hivexget, sleuthkit).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x
requires nbdcopy --version
requires command -v ntfscat
requires command -v hivexget
requires command -v icat
source "$abs_top_srcdir/tests/refuse.sh"
T="$(pwd)/$t"

make_disk "$t/src.img" --version win10 --layout gpt
# The Windows partition (the planner's summary names it).
part=$(winvirtio map --drivers="$vw" "$t/src.img" |
       sed -n 's/^partition: \([0-9]*\) .*/\1/p')
[ -n "$part" ] || fail "no Windows partition found"

# Base copy, unfiltered.
truncate -s $(stat -c %s "$t/src.img") "$t/dst.img"
nbdkit -U - file "$t/src.img" --run 'nbdcopy "$uri" '"$t/dst.img"
cp "$t/src.img" "$t/prev.img"

# guest_round N VOLUME: what the running guest does between passes.
guest_round ()
{
  local n=$1 vol=$2
  ntfscat "$vol" /Windows/System32/config/SYSTEM > "$t/SYSTEM"
  cat > "$t/round.reg" <<REG
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\WarmRound$n]
"Start"=dword:00000003
"ImagePath"="\\\\SystemRoot\\\\System32\\\\drivers\\\\warm$n.sys"
REG
  hivexregedit --merge "$t/SYSTEM" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
    "$t/round.reg"
  head -c $(( 300000 * n )) /dev/urandom > "$t/file$n"
  "$ntfs_put" "$vol" "$t/SYSTEM:/Windows/System32/config/SYSTEM" \
    "$t/file$n:/Users/Public/warm$n.bin"
}

for n in 1 2; do
  edit_volume "$t/src.img" $part guest_round $n
  cmp "$t/src.img" "$t/prev.img" > /dev/null && fail "round $n changed nothing"
  python3 "$abs_top_srcdir/tests/warm-delta.py" "$t/prev.img" "$t/src.img" \
    "$t/dst.img"
  cp "$t/src.img" "$t/prev.img"
done

# The cutover: the destination is the final source.
cmp "$t/dst.img" "$t/src.img" || fail "the deltas did not copy every change"
winvirtio apply --drivers="$vw" --undo-file="$t/dst.undo" "$t/dst.img"

# The same bytes as the filter streams from the final source.
nbdkit -U - --filter="$filter" file "$t/src.img" winvirtio-drivers="$vw" \
  winvirtio-trim=false --run 'nbdcopy "$uri" '"$t/ref.img"
cmp "$t/dst.img" "$t/ref.img" || fail "apply differs from the streamed disk"

# Independent checks, and the guest's changes are there.
"$abs_top_srcdir/scripts/check-converted.sh" "$t/src.img" "$t/dst.img" "$vw"
start=$(( $(part_start "$t/dst.img" $part) / 512 ))
inode=$(fls -o $start -p -r "$t/dst.img" | grep -i 'Windows/System32/config/SYSTEM$' |
        sed 's/^[^0-9]*\([0-9-]*\):.*/\1/')
icat -o $start "$t/dst.img" "$inode" > "$t/SYSTEM.after"
[ "$(hivexget "$t/SYSTEM.after" 'ControlSet002\Services\WarmRound2' Start)" = 3 ]
[ "$(hivexget "$t/SYSTEM.after" 'ControlSet002\Services\WarmRound1' Start)" = 3 ]
[ "$(hivexget "$t/SYSTEM.after" 'ControlSet002\Services\viostor' Start)" = 0 ]
inode=$(fls -o $start -p -r "$t/dst.img" | grep -i 'Users/Public/warm2.bin$' |
        sed 's/^[^0-9]*\([0-9-]*\):.*/\1/')
icat -o $start "$t/dst.img" "$inode" | cmp - "$t/file2"
