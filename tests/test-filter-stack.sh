#!/usr/bin/env bash
# winvirtio tests: the filter among the nbdkit filters that virt-v2v
# and CDI put around nbdkit-vddk.  VDDK cannot be redistributed, so
# the stacks are served by nbdkit's own plugins:
# - multi-conn follows the plugin (nbdinfo over file, which has it,
#   and split, which has not; nbdkit's multi-conn filter below forces
#   either answer);
# - nbdcopy opens one connection, and the plugin once, through the
#   filter over a plugin without multi-conn, four when it has it and
#   nbdcopy is asked for four (counted by nbdkit's log filter);
# - the first --filter listed is the one nearest the client;
# - with retry, cacheextents, readahead, blocksize, delay and
#   multi-conn each above and below the filter, and with the stacks
#   of virt-v2v, CDI and the man page, nbdcopy or qemu-img copy the
#   bytes that the filter alone serves (nbdinfo printed for each);
# - retry below the filter recovers read errors while planning and
#   while copying, and above it while copying.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdkit split --version
for f in log retry cacheextents readahead blocksize delay multi-conn error; do
  requires nbdkit --filter=$f null --version
done
requires nbdinfo --version
requires nbdcopy --version
requires qemu-img --version

t=tmp-filter-stack
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t
T="$(pwd)/$t"

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" $t/disk.img \
  --version win10 --layout gpt
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" $t/vw
winvirtio map --drivers=$t/vw -o $t/map $t/disk.img > $t/summary

# multi_conn ARGS...: "true" or "false", what nbdinfo says about
# multi-conn when nbdkit serves ARGS (it exits 0 for yes, 2 for no).
multi_conn ()
{
  local r=0
  run_nbdkit -U - "$@" --run 'nbdinfo --can multi-conn "$uri"' || r=$?
  case $r in
    0) echo true ;;
    2) echo false ;;
    *) fail "nbdinfo --can multi-conn failed (status $r): $*" ;;
  esac
}

# What the plugins themselves advertise, without the filter: the
# checks below rely on it.
[ "$(multi_conn file $t/disk.img)" = true ]
[ "$(multi_conn split $t/disk.img)" = false ]

# Through the filter, the plugin's answer.
[ "$(multi_conn --filter="$filter" file $t/disk.img \
     winvirtio-map=$t/map)" = true ]
[ "$(multi_conn --filter="$filter" split $t/disk.img \
     winvirtio-map=$t/map)" = false ]
# ... also when a filter below changes it, either way.
[ "$(multi_conn --filter="$filter" --filter=multi-conn file $t/disk.img \
     winvirtio-map=$t/map multi-conn-mode=disable)" = false ]
[ "$(multi_conn --filter="$filter" --filter=multi-conn split $t/disk.img \
     winvirtio-map=$t/map multi-conn-mode=unsafe)" = true ]
# ... and the filters of the man page's vddk stack leave it alone.
[ "$(multi_conn --filter="$filter" --filter=cacheextents --filter=blocksize \
     --filter=retry split $t/disk.img winvirtio-map=$t/map \
     minblock=512 maxdata=2M)" = false ]

# Connections.  nbdkit's log filter just above the plugin logs a
# Preconnect for each client connection and a Connect each time the
# plugin is opened.  The first Connect, before any Preconnect, is the
# context the filter opens at startup to check the map.
# opens LOG: "CONNECTIONS OPENS" made by clients.
opens ()
{
  awk '/ Preconnect id=[0-9]+ readonly/ { c++; p = 1 }
       p && / Connect export=/ { o++ }
       END { print c+0, o+0 }' "$1"
}
# copy_opens MODE NBDCOPY-ARGS: nbdcopy through the filter over the
# file plugin with nbdkit's multi-conn filter in MODE below it.
copy_opens ()
{
  local mode=$1
  shift
  rm -f $t/log $t/copy.raw
  run_nbdkit -U - --filter="$filter" --filter=log --filter=multi-conn \
    file $t/disk.img winvirtio-map=$t/map logfile=$t/log \
    multi-conn-mode=$mode --run "nbdcopy $* \"\$uri\" $t/copy.raw"
  opens $t/log
}
# Without multi-conn below: one connection, one open, even when
# nbdcopy is asked for four.  (The split plugin, which has no
# multi-conn of its own, is not used for copies: in nbdkit 1.32 it
# crashes in its extents callback when data runs past the end of the
# request, with or without this filter.)
[ "$(copy_opens disable)" = "1 1" ]
[ "$(copy_opens disable --connections=4 --threads=4)" = "1 1" ]
# With it, nbdcopy opens the four it was asked for (by default four at
# most, and no more than its threads, one per core): the log does
# count them.
[ "$(copy_opens plugin --connections=4 --threads=4)" = "4 4" ]

# The order: the first --filter is the one nearest the client.  The
# log filter listed after this filter is below it and sees the reads
# the filter makes at startup to check the map; listed before it, it
# sees only the client's.
reads_before_client ()
{
  awk '/ Preconnect / { exit } / Read id=/ { n++ } END { print n+0 }' "$1"
}
rm -f $t/log
run_nbdkit -U - --filter="$filter" --filter=log file $t/disk.img \
  winvirtio-map=$t/map logfile=$t/log --run 'nbdinfo "$uri"'
[ "$(reads_before_client $t/log)" -gt 0 ]
rm -f $t/log
run_nbdkit -U - --filter=log --filter="$filter" file $t/disk.img \
  winvirtio-map=$t/map logfile=$t/log --run 'nbdinfo "$uri"'
[ "$(reads_before_client $t/log)" -eq 0 ]
grep -q ' Read id=' $t/log

# The bytes the filter alone serves.
run_nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/map \
  --run "nbdcopy \"\$uri\" $t/ref.raw"
cmp -s $t/disk.img $t/ref.raw && fail "the filter changed nothing"

# stack MULTI COPIER FILTER... [-- PARAM...]: serve the disk over the
# file plugin through the filters as nbdkit lists them, nearest the
# client first (W is this filter; the other names are nbdkit's), with
# the filters' PARAMs.  nbdinfo must say MULTI for multi-conn, and
# COPIER (nbdcopy or qemu-img) must copy the bytes of the filter alone.
stack ()
{
  local multi=$1 copier=$2 filters=() cmd
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    if [ "$1" = W ]; then
      filters+=(--filter="$filter")
    else
      filters+=(--filter="$1")
    fi
    shift
  done
  [ $# -gt 0 ] && shift
  run_nbdkit -U - "${filters[@]}" file $t/disk.img winvirtio-map=$t/map \
    "$@" --run 'nbdinfo "$uri"' > $t/info
  cat $t/info
  grep -qxF "	can_multi_conn: $multi" $t/info ||
    fail "${filters[*]}: can_multi_conn is not $multi"
  case $copier in
    nbdcopy) cmd="nbdcopy \"\$uri\" $t/copy.raw" ;;
    qemu-img) cmd="qemu-img convert -f raw -O raw \"\$uri\" $t/copy.raw" ;;
  esac
  rm -f $t/copy.raw
  run_nbdkit -U - "${filters[@]}" file $t/disk.img winvirtio-map=$t/map \
    "$@" --run "$cmd"
  cmp $t/ref.raw $t/copy.raw ||
    fail "${filters[*]} $*: $copier copied other bytes"
  rm $t/copy.raw
}

# Each filter above and below this one.
stack true nbdcopy retry W -- retry-delay=1
stack true qemu-img W retry -- retry-delay=1
stack true qemu-img cacheextents W
stack true nbdcopy W cacheextents
stack true nbdcopy readahead W
stack true qemu-img W readahead
# maxdata=64K splits the client's reads above, the filter's own
# (planning reads up to 32M at once) below.
stack true nbdcopy blocksize W -- minblock=512 maxdata=64K
stack true qemu-img W blocksize -- minblock=512 maxdata=64K
stack true qemu-img delay W -- delay-read=1ms delay-extents=1ms
stack true nbdcopy W delay -- delay-read=1ms delay-extents=1ms
stack false nbdcopy multi-conn W -- multi-conn-mode=disable
stack false qemu-img W multi-conn -- multi-conn-mode=disable
# virt-v2v's order over vddk (input/input_vddk.ml): retry nearest the
# plugin, blocksize above it, multi-conn-mode=disable nearest the
# client; this filter where virt-v2v has its cow filter.
stack false nbdcopy multi-conn W blocksize retry -- \
  multi-conn-mode=disable minblock=512 maxdata=2M retry-delay=1
# CDI's over vddk (pkg/image/nbdkit.go): retry, then cacheextents.
stack true nbdcopy W retry cacheextents -- retry-delay=1
# The man page's, over a plugin that answers slowly.
stack true nbdcopy W cacheextents blocksize retry delay -- \
  minblock=512 maxdata=2M retry-delay=1 delay-read=2ms delay-extents=2ms

# Retry at work.  nbdkit's error filter fails every read while
# $t/trigger exists; retry waits a second before trying again, and
# the trigger is gone by then.  injected LOG: how many errors LOG
# shows; wait_log LOG N: wait until it shows more than N.
injected ()
{
  grep -c 'injecting EIO error into pread' "$1" || :
}
wait_log ()
{
  local i
  for (( i = 0; i < 600; ++i )); do
    [ "$(injected "$1")" -gt "$2" ] && return 0
    sleep 0.1
  done
  cat "$1"
  fail "$1: no injected read error"
}
# wait_report: wait until the filter has checked the map.
wait_report ()
{
  local i
  for (( i = 0; i < 600; ++i )); do
    [ -e $t/report ] && return 0
    sleep 0.1
  done
  fail "the filter did not check the map"
}
pids=()
cleanup_fn 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done'

# Below the filter: the reads that check the map, and the copy's.
rm -f $t/report
touch $t/trigger
nbdkit_bg $t/below --filter="$filter" --filter=retry --filter=error \
  file $t/disk.img winvirtio-map=$t/map winvirtio-report=$T/report \
  retry-delay=1 error-pread=EIO error-pread-rate=1 error-file=$T/trigger
pids+=($nbdkit_pid)
wait_log $t/below.log 0
rm $t/trigger
wait_report
n=$(injected $t/below.log)
touch $t/trigger
nbdcopy "nbd+unix:///?socket=$T/below.sock" $t/copy.raw &
copy=$!
wait_log $t/below.log $n
rm $t/trigger
wait $copy
cmp $t/ref.raw $t/copy.raw
rm $t/copy.raw
kill $nbdkit_pid
wait $nbdkit_pid || :
cat $t/below.log

# Above it: retry opens this filter again on the same connection.
rm -f $t/report
nbdkit_bg $t/above --filter=retry --filter="$filter" --filter=error \
  file $t/disk.img winvirtio-map=$t/map winvirtio-report=$T/report \
  retry-delay=1 error-pread=EIO error-pread-rate=1 error-file=$T/trigger
pids+=($nbdkit_pid)
wait_report
touch $t/trigger
qemu-img convert -f raw -O raw "nbd+unix:///?socket=$T/above.sock" \
  $t/copy.raw &
copy=$!
wait_log $t/above.log 0
rm $t/trigger
wait $copy
cmp $t/ref.raw $t/copy.raw
kill $nbdkit_pid
wait $nbdkit_pid || :
cat $t/above.log
