#!/usr/bin/env bash
# winvirtio tests: winvirtio apply interrupted, then recovered:
# - a write error at extent K (nbdkit's protect filter refuses writes
#   that change [offset, end] of that extent), for the first, the last
#   and every 12th extent, over NBD, and nbdkit's error filter failing
#   every write: apply stops with one line that names the first extent
#   of the refused write (apply writes extents that lie end to end as
#   one request, mapfile.py's "runs") and says what to run; one more "apply" finishes (the bytes the filter
#   streams) or "apply --undo" restores the original, in turn;
# - the NBD server killed while apply writes: the same;
# - apply killed (SIGKILL, through the test hook
#   WINVIRTIO_TEST_KILL_AFTER) after each of 22 of its durable steps,
#   and for some of them the recovery killed too: after one more
#   "apply" or "apply --undo" the disk is always fully patched or
#   fully original, never anything else (apply-state.py reads the
#   extents; the whole disk is compared with cmp at the end).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x
requires nbdkit --filter=protect null --version
requires nbdkit --filter=error null --version
requires nbdkit --filter=delay null --version
source "$abs_top_srcdir/tests/refuse.sh"
T="$(pwd)/$t"
state="python3 $abs_top_srcdir/tests/apply-state.py"

make_disk "$t/win10.img" --version win10 --layout gpt
run_nbdkit -U - --filter="$filter" file "$t/win10.img" \
  winvirtio-drivers="$vw" winvirtio-trim=false \
  --run 'nbdcopy "$uri" '"$t/ref.img"
winvirtio map --drivers="$vw" -o "$t/m.map" "$t/win10.img" > /dev/null
python3 "$abs_top_srcdir/tests/mapfile.py" "$t/m.map" extents > "$t/ext"
nx=$(wc -l < "$t/ext")
[ "$nx" -ge 20 ] || fail "only $nx extents"
python3 "$abs_top_srcdir/tests/mapfile.py" "$t/m.map" runs > "$t/runs"
nw=$(wc -l < "$t/runs")
[ "$nw" -lt "$nx" ] || fail "no extents lie end to end: the runs are not tested"
cp "$t/win10.img" "$t/d.img"
d="$t/d.img"
undo="$t/d.undo"
expect ()
{
  local s
  s=$($state "$t/ext" "$d" "$t/win10.img" "$t/ref.img")
  [ "$s" = "$1" ] || fail "$2: the disk is $s, expected $1"
}
# Back to the original after a test that ends patched.
reset ()
{
  winvirtio apply --undo="$undo" "$d" > /dev/null
  expect original "reset"
}

# Write errors at extent K.
n=0
for k in 1 $(seq 12 12 $nx) $nx; do
  read -r off len label < <(sed -n "${k}p" "$t/ext")
  # The write that fails is the run holding extent k, from extent g.
  g=$(awk -v k=$k '$1 <= k && k <= $2 { print $1 }' "$t/runs")
  read -r goff glen glabel < <(sed -n "${g}p" "$t/ext")
  nbdkit_bg "$t/p" --filter=protect file "$d" \
    protect=$off-$(( off + len - 1 ))
  uri="nbd+unix:///?socket=$T/p.sock"
  r=0
  winvirtio apply --map="$t/m.map" --undo-file="$undo" "$uri" \
    2> "$t/k.err" || r=$?
  kill $nbdkit_pid; wait $nbdkit_pid || :
  cat "$t/k.err"
  [ $r = 1 ] || fail "extent $k: apply exited with $r"
  [ $(wc -l < "$t/k.err") = 1 ] || fail "extent $k: not one line"
  re=$(printf '%s' "$uri" | sed 's/[][\.*^$+?(){}|]/\\&/g')
  grep -qE "^winvirtio: $re: write at offset $goff: .*; stopped at extent $g of $nx: the disk may be partly patched; the undo file $undo is kept: run 'winvirtio apply' again to finish, or 'winvirtio apply --undo=$undo' to restore it\$" "$t/k.err" ||
    fail "extent $k: wrong message"
  [ $g = 1 ] && expect original "extent $k" ||
    expect "mixed $(( g - 1 ))/$nx" "extent $k"
  nbdkit_bg "$t/n" file "$d"
  uri="nbd+unix:///?socket=$T/n.sock"
  if [ $(( n++ % 2 )) = 0 ]; then
    winvirtio apply --undo-file="$undo" "$uri" > "$t/k.out"
    grep -qF "an interrupted apply was found (undo file $undo): finished it" "$t/k.out"
    expect patched "extent $k, finished"
    kill $nbdkit_pid; wait $nbdkit_pid || :
    reset
  else
    winvirtio apply --undo="$undo" "$uri" > /dev/null
    kill $nbdkit_pid; wait $nbdkit_pid || :
    expect original "extent $k, undone"
  fi
done

# nbdkit's error filter: every write fails.
nbdkit_bg "$t/e" --filter=error file "$d" error-pwrite=EIO \
  error-pwrite-rate=100%
uri="nbd+unix:///?socket=$T/e.sock"
r=0
winvirtio apply --drivers="$vw" --undo-file="$undo" "$uri" 2> "$t/e.err" ||
  r=$?
kill $nbdkit_pid; wait $nbdkit_pid || :
cat "$t/e.err"
[ $r = 1 ]
grep -qF "stopped at extent 1 of $nx: the disk may be partly patched" "$t/e.err"
expect original "error filter"
winvirtio apply "$d" --undo-file="$undo" > /dev/null
expect patched "error filter, finished"
reset

# The server killed while apply writes (each write delayed 20 ms).
nbdkit_bg "$t/k" --filter=delay file "$d" delay-write=20ms
uri="nbd+unix:///?socket=$T/k.sock"
winvirtio apply --drivers="$vw" --undo-file="$undo" "$uri" 2> "$t/kill.err" &
apid=$!
for i in $(seq 300); do [ -e "$undo" ] && break; sleep 0.02; done
sleep 0.5
kill -9 $nbdkit_pid
r=0; wait $apid || r=$?
wait $nbdkit_pid || :
cat "$t/kill.err"
[ $r = 1 ] || fail "killed server: apply exited with $r"
grep -qE "; stopped at extent [0-9]+ of $nx: the disk may be partly patched" "$t/kill.err"
nbdkit_bg "$t/k" file "$d"
winvirtio apply --undo-file="$undo" "$uri" > "$t/kill.out"
kill $nbdkit_pid; wait $nbdkit_pid || :
grep -qF "finished it" "$t/kill.out"
expect patched "killed server, finished"
reset

# apply killed after step N: 1 the undo file saved, 2..nw+1 the
# writes, nw+2 the flush, nw+3 the undo file marked complete.  Every
# third time, the recovery is killed too (after its step 3).
n=0
for step in 1 2 3 $(seq 4 4 $nw) $(( nw + 1 )) $(( nw + 2 )) $(( nw + 3 ))
do
  r=0
  WINVIRTIO_TEST_KILL_AFTER=$step winvirtio apply --drivers="$vw" \
    --undo-file="$undo" "$d" > /dev/null || r=$?
  [ $r = 137 ] || fail "step $step: apply was not killed ($r)"
  if [ $(( n % 3 )) = 2 ]; then
    r=0
    if [ $(( n % 2 )) = 0 ]; then
      WINVIRTIO_TEST_KILL_AFTER=3 winvirtio apply --undo-file="$undo" "$d" \
        > /dev/null || r=$?
    else
      WINVIRTIO_TEST_KILL_AFTER=3 winvirtio apply --undo="$undo" "$d" \
        > /dev/null || r=$?
    fi
    [ $r = 137 ] || fail "step $step: the recovery was not killed ($r)"
  fi
  if [ $(( n++ % 2 )) = 0 ]; then
    winvirtio apply --undo-file="$undo" "$d" > /dev/null
    expect patched "killed after step $step, then apply"
    reset
  else
    winvirtio apply --undo="$undo" "$d" > /dev/null
    expect original "killed after step $step, then apply --undo"
  fi
  [ ! -e "$undo" ] || fail "step $step: the undo file is left"
done
[ $n -ge 20 ] || fail "only $n kill points"
cmp "$d" "$t/win10.img" || fail "the disk is not the original at the end"
