#!/usr/bin/env bash
# winvirtio: the fleet benchmark (issue 13), not part of make check.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: bench/fleet.sh [IMAGE]   (default localhost/winvirtio:latest,
#                                   from deploy/build-image.sh)
#
# N (default 8, BENCH_FLEET_N) test disks at once: each is served by a
# local nbdkit standing in for vSphere (file plugin, --filter=delay
# with BENCH_FLEET_DELAY, default 2ms a read, and --filter=stats to
# count the bytes read), and copied by the image's entrypoint, run as
# the pod of an Indexed Job would run it (WV_CONFIG_DIR,
# JOB_COMPLETION_INDEX) in its own container through `buildah run
# --isolation chroot`, into a file standing in for its PVC.  Every
# result is then checked with scripts/check-converted.sh.  Prints the
# wall time, each planner's peak memory (the entrypoint's nbdkit,
# VmHWM), the peak of all their processes together (sampled every
# 0.1 s) and the bytes moved.  BENCH_FLEET_DIRECT=1 runs the
# entrypoint from the tree instead of the image.  Run as root, from
# a built tree (scripts/build.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
image=${1:-localhost/winvirtio:latest}
n=${BENCH_FLEET_N:-8}
delay=${BENCH_FLEET_DELAY:-2ms}
direct=${BENCH_FLEET_DIRECT:-0}
w=$(mktemp -d "${TMPDIR:-/var/tmp}/wv-fleet.XXXXXX")
pids=() ctrs=()
cleanup ()
{
  local p c
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done
  for c in "${ctrs[@]}"; do buildah rm "$c" >/dev/null 2>&1 || :; done
  rm -rf "$w"
}
trap cleanup EXIT
export PATH="$top/tools:$PATH"
# Where the jobs see the work directory.
if [ "$direct" = 1 ]; then d=$w; else d=/data; fi

# The disks: Windows 10 GPT and Windows 7 MBR, 256 MiB each, and 16 MiB
# of data on every other one, so that they differ.
"$top/scripts/make-fake-virtio-win.sh" "$w/vw" >/dev/null
mkdir "$w/disks"
for (( i = 0; i < n; ++i )); do
  if (( i % 2 )); then v=(--version win7 --layout mbr); else v=(--version win10 --layout gpt); fi
  (( i % 4 < 2 )) || v+=(--data 16)
  WV_BUILDDIR="$top" "$top/scripts/make-windows-disk.sh" "$w/disk$i.img" "${v[@]}" >/dev/null
  truncate -s "$(stat -c %s "$w/disk$i.img")" "$w/pvc$i.img"
  nbdkit -r -U "$w/src$i.sock" -P "$w/src$i.pid" \
         --filter=stats --filter=delay file "$w/disk$i.img" \
         delay-read="$delay" statsfile="$w/src$i.stats"
  pids+=("$(cat "$w/src$i.pid")")
  printf 'WV_SOURCE_URI=nbd+unix:///?socket=%s/src%d.sock\nWV_TARGET=%s/pvc%d.img\n' \
    "$d" "$i" "$d" "$i" > "$w/disks/$i.env"
done

# run_one I: the entrypoint for index I.
run_one ()
{
  local env=(WV_CONFIG_DIR=$d/disks JOB_COMPLETION_INDEX=$1 WV_SOURCE=nbd
             WV_TARGET_TYPE=file WV_DRIVERS=$d/vw)
  if [ "$direct" = 1 ]; then
    env "${env[@]}" WV_FILTER="$top/filter/.libs/nbdkit-winvirtio-filter.so" \
        "$top/deploy/winvirtio-entrypoint" stream
  else
    local e=() x
    for x in "${env[@]}"; do e+=(-e "$x"); done
    buildah run --isolation chroot -v "$w:/data" "${e[@]}" "${ctrs[$1]}" -- \
      /usr/bin/winvirtio-entrypoint stream
  fi
}

if [ "$direct" != 1 ]; then
  for (( i = 0; i < n; ++i )); do
    ctrs+=("$(buildah from -q "$image")")
  done
fi

# Sample the resident memory of every nbdkit and nbdcopy the jobs run
# (not the source servers).
( peak=0
  while [ ! -e "$w/done" ]; do
    total=0
    for p in $(pgrep -x 'nbdkit|nbdcopy' || :); do
      case " ${pids[*]} " in *" $p "*) continue ;; esac
      r=$(awk '/^VmRSS:/ { print $2 }' /proc/$p/status 2>/dev/null || :)
      total=$((total + ${r:-0}))
    done
    (( total > peak )) && peak=$total
    echo $peak > "$w/peak"
    sleep 0.1
  done ) &
sampler=$!

t0=$(date +%s.%N)
jobs=()
for (( i = 0; i < n; ++i )); do
  run_one $i > "$w/job$i.out" 2> "$w/job$i.err" &
  jobs+=($!)
done
failed=0
for (( i = 0; i < n; ++i )); do
  wait "${jobs[$i]}" || { failed=1; echo "job $i failed: $(cat "$w/job$i.err")" >&2; }
done
t1=$(date +%s.%N)
touch "$w/done"; wait $sampler
[ $failed = 0 ] || exit 1

# Stop the sources, so that the stats filter writes its counts.
for p in "${pids[@]}"; do kill "$p"; done
for (( i = 0; i < n; ++i )); do
  while kill -0 "${pids[$i]}" 2>/dev/null; do sleep 0.1; done
done
pids=()

echo "checking the $n copies with scripts/check-converted.sh ..."
for (( i = 0; i < n; ++i )); do
  bash "$top/scripts/check-converted.sh" "$w/disk$i.img" "$w/pvc$i.img" "$w/vw" \
    > "$w/check$i.log" 2>&1 || { cat "$w/check$i.log"; echo "copy $i: FAIL" >&2; exit 1; }
done

disk_bytes=0 read_bytes=0
echo "| index | disk (MiB) | read from source (MiB) | job time (s) | planner peak (MiB) |"
echo "|------:|-----------:|-----------------------:|-------------:|-------------------:|"
for (( i = 0; i < n; ++i )); do
  res=$(tail -n 1 "$w/job$i.out")
  b=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' <<<"$res")
  s=$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' <<<"$res")
  k=$(sed -n 's/.*"nbdkit_peak_kib":\([0-9]*\).*/\1/p' <<<"$res")
  # nbdkit-stats-filter: "read: N ops, T s, 15.52 MiB, ..." (no reads: no line).
  r=$(awk -F', ' '/^read:/ { split($3, a, " "); m = 1
        if (a[2] == "KiB") m = 1024; if (a[2] == "MiB") m = 1048576
        if (a[2] == "GiB") m = 1073741824; printf "%d", a[1] * m; exit }' "$w/src$i.stats")
  r=${r:-0}
  disk_bytes=$((disk_bytes + b)) read_bytes=$((read_bytes + r))
  printf '| %d | %d | %.1f | %s | %.1f |\n' $i $((b >> 20)) \
    "$(bc -l <<<"$r / 1048576")" "$s" "$(bc -l <<<"$k / 1024")"
done
printf 'wall time %.2f s for %d disks (%s), all %d checked\n' \
  "$(bc -l <<<"$t1 - $t0")" $n "$([ "$direct" = 1 ] && echo "entrypoint run directly" || echo "in $image, buildah run --isolation chroot")" $n
printf 'disks %d MiB, read from the sources %.1f MiB (the rest is free space, trimmed)\n' \
  $((disk_bytes >> 20)) "$(bc -l <<<"$read_bytes / 1048576")"
printf 'peak resident memory of all the jobs'"'"' nbdkit and nbdcopy together: %.1f MiB\n' \
  "$(bc -l <<<"$(cat "$w/peak") / 1024")"
