#!/usr/bin/env bash
# winvirtio tests: the planner killed (SIGKILL) while it holds guest
# data in temporary files leaves nothing in $TMPDIR.  Each such file
# (a hive staged for hivex, the ESP's scratch copies, mcopy's source)
# loses its name as soon as it is open, and hivex and mtools reach it
# through /proc (lib/common/tempfile.c).  "winvirtio map" plans over a
# slow NBD source (nbdkit's delay filter) and is killed the moment
# /proc shows it holding a staged hive, and again while mcopy runs on
# the ESP (a wrapper mcopy, through WINVIRTIO_MTOOLS_DIR, that waits):
# each time /proc shows every such file without a name, and $TMPDIR
# is empty after the kill.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x
requires nbdkit --filter=delay null --version
requires mcopy --version
requires_corpus hives/dfir-artifact-museum/Win7/BCD.xz
source "$abs_top_srcdir/tests/refuse.sh"
T="$(pwd)/$t"

# A Windows 10 disk whose ESP lacks \EFI\BOOT\BOOTX64.EFI: the planner
# stages the loader for mcopy.
xz -dc "$corpus/hives/dfir-artifact-museum/Win7/BCD.xz" > "$t/bcd"
make_disk "$t/win10.img" --version win10 --layout gpt --esp 32 --esp-bcd "$t/bcd" \
  --esp-size 100M --size 260M

# mtools as the planner runs them; mcopy says it started, then waits.
mkdir "$t/mtools"
for p in mmd mdir mtype minfo; do
  ln -s "$(command -v $p)" "$t/mtools/$p"
done
cat > "$t/mtools/mcopy" <<EOS
#!/bin/sh
touch "$T/mcopy-started"
sleep 60
EOS
chmod +x "$t/mtools/mcopy"

mkdir "$t/tmp"
nbdkit_bg "$t/d" --filter=delay file "$t/win10.img" rdelay=10ms
uri="nbd+unix:///?socket=$T/d.sock"

# held PID KIND: the winvirtio-KIND files PID holds, as /proc shows them.
held ()
{
  ls -l /proc/$1/fd 2>/dev/null | grep -o "winvirtio-$2-.*" || :
}

# Under valgrind (make check-valgrind), no vgdb pipes of valgrind's
# own in TMPDIR: a killed valgrind leaves them there.
vg=()
[ -z "$VG" ] || vg=($VG --vgdb=no)

# A staged hive.
TMPDIR="$T/tmp" "${vg[@]}" winvirtio map --drivers="$vw" "$uri" > /dev/null &
pid=$!
seen=
for i in $(seq 6000); do
  seen=$(held $pid hive)
  [ -n "$seen" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.01
done
kill -9 $pid 2>/dev/null || :
wait $pid || :
echo "$seen"
[ -n "$seen" ] || fail "never saw the planner hold a staged hive"
! echo "$seen" | grep -v ' (deleted)$' || fail "a staged hive has a name"
[ -z "$(ls -A "$t/tmp")" ] || { ls -la "$t/tmp"; fail "a staged hive was left"; }

# While mcopy runs on the ESP.
rm -f "$t/mcopy-started"
TMPDIR="$T/tmp" WINVIRTIO_MTOOLS_DIR="$T/mtools" \
  "${vg[@]}" winvirtio map --drivers="$vw" "$uri" > /dev/null &
pid=$!
for i in $(seq 6000); do
  [ -e "$t/mcopy-started" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.01
done
[ -e "$t/mcopy-started" ] || fail "the planner never ran mcopy"
esp=$(held $pid esp)
file=$(held $pid file)
kill -9 $pid
wait $pid || :
pkill -f "$T/mtools/mcopy" || :
echo "$esp"; echo "$file"
[ $(echo "$esp" | grep -c ' (deleted)$') = 2 ] ||
  fail "the ESP's two scratch files are not both held without a name"
[ $(echo "$file" | grep -c ' (deleted)$') = 1 ] ||
  fail "mcopy's source is not held without a name"
[ -z "$(ls -A "$t/tmp")" ] || { ls -la "$t/tmp"; fail "files were left"; }
kill $nbdkit_pid; wait $nbdkit_pid || :
