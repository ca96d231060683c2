#!/usr/bin/env bash
# winvirtio: do two builds plan and serve the same bytes?
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: scripts/compare-builds.sh BUILD_A BUILD_B [WORKDIR]
#
# For a change that must not change behaviour (a refactoring): builds
# the test disks once (every version and layout of the test suite, 512
# and 4096-byte sectors, and the demo's disk), then for each of them
# and each build: "winvirtio map" with and without trim, the map's
# dump, "winvirtio inspect --json", and the whole disk streamed through
# the filter (its SHA-256).  Prints one line per disk and exits 1 if
# anything differs between the builds.  BUILD_A and BUILD_B are built
# trees (scripts/build.sh), e.g. a git worktree of the commit before.
set -euo pipefail

a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
work="${3:-${TMPDIR:-/var/tmp}/winvirtio-compare}"
top="$(cd "$(dirname "$0")/.." && pwd)"
rm -rf "$work"
mkdir -p "$work"
"$top/scripts/make-fake-virtio-win.sh" "$work/vw" > /dev/null

disks=(
  "xp-mbr:--version xp --layout mbr"
  "2k3-mbr:--version 2k3 --layout mbr --size 3G"
  "win7-mbr:--version win7 --layout mbr"
  "win7-gpt-4k:--version win7 --layout gpt --sector-size 4096"
  "win10-gpt:--version win10 --layout gpt"
  "win10-gpt-4k:--version win10 --layout gpt --sector-size 4096"
  "win10-frag:--version win10 --layout gpt --fragment 64 --data 16"
)
for d in "${disks[@]}"; do
  name=${d%%:*}
  # shellcheck disable=SC2086
  WV_BUILDDIR="$a" "$top/scripts/make-windows-disk.sh" "$work/$name.img" \
    ${d#*:} > /dev/null
done

# run BUILD NAME LABEL: the outputs of one build on one disk, in
# $work/NAME.LABEL.
run ()
{
  local build=$1 name=$2 out="$work/$2.$3" ss=512
  local disk="$work/$name.img"
  [[ $name == *-4k ]] && ss=4096
  mkdir -p "$out"
  "$build/tools/winvirtio" map --drivers="$work/vw" --sector-size=$ss \
    -o "$out/map" "$disk" | grep -v '^saved: ' > "$out/summary"
  "$build/tools/winvirtio" map --drivers="$work/vw" --sector-size=$ss \
    --no-trim -o "$out/map-no-trim" "$disk" > /dev/null
  "$build/tools/winvirtio" dump "$out/map" > "$out/dump"
  "$build/tools/winvirtio" inspect --json --drivers="$work/vw" \
    --sector-size=$ss "$disk" > "$out/inspect.json" || :
  nbdkit -U - --filter="$build/filter/.libs/nbdkit-winvirtio-filter.so" \
    file "$disk" winvirtio-drivers="$work/vw" \
    --run 'nbdcopy "$uri" '"$out/served.raw"
  sha256sum < "$out/served.raw" > "$out/served.sha256"
  rm -f "$out/served.raw"
}

status=0
for d in "${disks[@]}"; do
  name=${d%%:*}
  run "$a" "$name" A
  run "$b" "$name" B
  diffs=
  for f in map map-no-trim dump summary inspect.json served.sha256; do
    cmp -s "$work/$name.A/$f" "$work/$name.B/$f" || diffs="$diffs $f"
  done
  if [ -n "$diffs" ]; then
    echo "$name: DIFFERENT:$diffs"
    status=1
  else
    echo "$name: same maps ($(stat -c %s "$work/$name.A/map") bytes)," \
         "dump, summary, inspect, served bytes" \
         "($(cut -c1-16 "$work/$name.A/served.sha256"))"
  fi
done
exit $status
