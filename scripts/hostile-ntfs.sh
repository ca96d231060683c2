#!/usr/bin/env bash
# winvirtio: a hostile-input campaign on damaged NTFS volumes.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: hostile-ntfs.sh N [-j JOBS] [--start S] [--kinds K1,K2...]
#                          [--dir DIR] [--keep-images]
#
# Builds the Windows 10 GPT and Windows 7 MBR test disks
# (scripts/make-windows-disk.sh, small) and the fake virtio-win tree
# once, then makes and judges N mutants with tests/hostile-one.sh
# (tests/ntfs-mutate.py, winvirtio map, the filter, tests/no-worse.py),
# JOBS at a time (default 1).  Mutant i (from S, default 0, to S+N-1)
# is kind number i modulo the number of kinds, on the Windows 10 disk
# when i / kinds is even and on the Windows 7 disk when it is odd,
# with seed i: so "--start S" with the same --kinds continues a
# campaign, and one mutant is remade with
#   tests/hostile-one.sh DIR/win10.img KIND SEED DIR/vw DIR/runs
# (WV_KEEP_IMAGES=1 keeps its images).
#
# Prints a table of outcomes by kind, the time per mutant, and every
# mutant that did not end patched-ok or refused-one-line, with what
# was done to it and what happened.  All the verdicts are in
# DIR/results.tsv (default DIR: ./hostile-ntfs).  Exit status 0 if
# every mutant is patched-ok or refused-one-line, else 1.
#
# Uses the tree it is in, built (scripts/build.sh).  Nothing is
# mounted; about 40 MiB of disk per job while it runs.

set -euo pipefail

prog=hostile-ntfs.sh
top="$(cd "$(dirname "$0")/.." && pwd)"

usage ()
{
  echo "usage: $prog N [-j JOBS] [--start S] [--kinds K1,K2...] [--dir DIR] [--keep-images]"
}

n=
jobs=1
first=0
kinds="$(python3 "$top/tests/ntfs-mutate.py" --kinds | paste -sd,)"
dir=./hostile-ntfs
while [ $# -gt 0 ]; do
  case "$1" in
    -j) jobs="${2:?}"; shift 2 ;;
    -j*) jobs="${1#-j}"; shift ;;
    --start) first="${2:?}"; shift 2 ;;
    --kinds) kinds="${2:?}"; shift 2 ;;
    --dir) dir="${2:?}"; shift 2 ;;
    --keep-images) export WV_KEEP_IMAGES=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; exit 1 ;;
    *) [ -z "$n" ] || { usage >&2; exit 1; }; n="$1"; shift ;;
  esac
done
[[ "$n" =~ ^[0-9]+$ ]] || { usage >&2; exit 1; }
[ -x "$top/tools/winvirtio" ] ||
  { echo "$prog: build the tree first (scripts/build.sh)" >&2; exit 1; }
export PATH="$top/tools:$PATH"
IFS=, read -r -a kind_list <<< "$kinds"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
if [ ! -f "$dir/win10.img" ] || [ ! -f "$dir/win7.img" ] ||
   [ ! -d "$dir/vw" ]; then
  echo "$prog: making the test disks in $dir"
  WV_BUILDDIR="$top" "$top/scripts/make-windows-disk.sh" "$dir/win10.img" \
    --version win10 --layout gpt --size 160M
  WV_BUILDDIR="$top" "$top/scripts/make-windows-disk.sh" "$dir/win7.img" \
    --version win7 --layout mbr --size 150M
  rm -rf "$dir/vw"
  "$top/scripts/make-fake-virtio-win.sh" "$dir/vw"
fi

# The jobs: DISK KIND SEED DRIVERS RUNDIR, one a line.
nk=${#kind_list[@]}
mkdir -p "$dir/runs"
for (( i = first; i < first + n; i++ )); do
  if (( i / nk % 2 == 0 )); then disk="$dir/win10.img"
  else disk="$dir/win7.img"; fi
  echo "$disk ${kind_list[i % nk]} $i $dir/vw $dir/runs"
done > "$dir/jobs"

echo "$prog: $n mutants ($kinds), $jobs at a time, in $dir"
t0=$(date +%s)
# Each verdict is one short line, written at once: lines from parallel
# jobs do not mix.
xargs -P "$jobs" -L 1 "$top/tests/hostile-one.sh" < "$dir/jobs" |
  sort -t "$(printf '\t')" -k2,2n > "$dir/results.tsv" || true
t1=$(date +%s)
got=$(wc -l < "$dir/results.tsv")
[ "$got" = "$n" ] ||
  echo "$prog: $(( n - got )) mutants gave no verdict (hostile-one.sh failed)"

echo
echo "Outcomes by kind ($n mutants, $(( t1 - t0 )) s with $jobs jobs):"
awk -F'\t' -v kinds="$kinds" '
  { o[$4]; c[$1, $4]++; t[$1] += $5; m[$1]++; tot[$4]++ }
  END {
    split("patched-ok refused-one-line WORSE multi-line bad-message " \
          "crash hang stream-failed source-changed no-mutant", order, " ")
    nk = split(kinds, kind, ",")
    printf "%-17s", "kind"
    for (i = 1; i in order; i++) if (order[i] in o) printf " %s", order[i]
    printf " total s/mutant\n"
    for (j = 1; j <= nk; j++) {
      if (!m[kind[j]]) continue
      printf "%-17s", kind[j]
      for (i = 1; i in order; i++) if (order[i] in o)
        printf " %" length(order[i]) "d", c[kind[j], order[i]]
      printf " %5d %8.1f\n", m[kind[j]], t[kind[j]] / m[kind[j]]
      all += m[kind[j]]; secs += t[kind[j]]
    }
    printf "%-17s", "all"
    for (i = 1; i in order; i++) if (order[i] in o)
      printf " %" length(order[i]) "d", tot[order[i]]
    printf " %5d %8.1f\n", all, all ? secs / all : 0
  }' "$dir/results.tsv"

bad=$(awk -F'\t' '$4 != "patched-ok" && $4 != "refused-one-line" &&
                  $4 != "no-mutant"' "$dir/results.tsv")
if [ -n "$bad" ] || [ "$got" != "$n" ]; then
  echo
  echo "Not patched-ok or refused-one-line (kind, seed, disk, outcome, s, what was mutated, what happened):"
  echo "$bad"
  exit 1
fi
