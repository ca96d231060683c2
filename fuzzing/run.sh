#!/usr/bin/env bash
# winvirtio fuzzing: build, seed and run the libFuzzer harnesses.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: fuzzing/run.sh [SECONDS [NAME...]]
#
# Runs each harness fuzz-NAME (default: every fuzzing/fuzz-*.c) for
# SECONDS (default 600), one after the other, and prints per harness
# the executions, the coverage (libFuzzer's cov and ft) and the
# findings.  $FUZZ_BUILDDIR (default ./fuzz-build) holds the build, the
# seeds, the growing corpus (corpus/NAME, kept between runs), the logs
# (logs/NAME.log) and the findings (findings/NAME-crash-*, -timeout-*,
# -oom-*, -leak-*).  Exits 1 if any harness found something, 77 if
# clang's libFuzzer runtime is missing.  $FUZZ_ARGS adds libFuzzer
# options (e.g. FUZZ_ARGS=-jobs=2).
set -euo pipefail

srcdir="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-600}"
[ $# -gt 0 ] && shift
build="${FUZZ_BUILDDIR:-fuzz-build}"

r=0
"$srcdir/fuzzing/build.sh" "$build" || r=$?
[ $r -eq 0 ] || exit $r
build="$(cd "$build" && pwd)"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for h in "$build"/fuzz-*; do
    [ -x "$h" ] && names+=("${h##*/fuzz-}")
  done
fi
"$srcdir/fuzzing/seeds.sh" "$build" "${names[@]}"

# The engine stages hives in $TMPDIR: use memory if there is some.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
export WV_FUZZ_DRIVERS="$build/virtio-win"
export WV_FUZZ_SOFTWARE="$build/software.hive"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

mkdir -p "$build/logs" "$build/findings"
status=0
printf '%-12s %12s %8s %8s %8s  %s\n' harness executions exec/s cov ft findings
for name in "${names[@]}"; do
  corpus="$build/corpus/$name"
  log="$build/logs/$name.log"
  mkdir -p "$corpus"
  rc=0
  # Inputs may be as large as the largest seed (libFuzzer's default, 1
  # MiB, would cut the NTFS and hive seeds).
  maxlen="$(find "$build/seeds/$name" "$corpus" -type f -printf '%s\n' |
            sort -n | tail -1)"
  [ "${maxlen:-0}" -ge 4096 ] || maxlen=4096
  # -timeout: an input that takes 30 s is a hang.  -rss_limit_mb: the
  # planner holds the disk's changed blocks and a hive in memory.
  "$build/fuzz-$name" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=2560 -max_len="$maxlen" -print_final_stats=1 \
    -artifact_prefix="$build/findings/$name-" ${FUZZ_ARGS:-} \
    "$corpus" "$build/seeds/$name" > "$log" 2>&1 || rc=$?
  runs="$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
  secs="$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  if [ -z "$runs" ]; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    secs="$seconds"
  fi
  rate=$(( ${runs:-0} / ( ${secs:-1} > 0 ? ${secs:-1} : 1 ) ))
  found="$(cd "$build/findings" && ls "$name"-* 2>/dev/null | tr '\n' ' ' || true)"
  printf '%-12s %12s %8s %8s %8s  %s\n' "$name" "${runs:-?}" "$rate" \
    "${cov:-?}" "${ft:-?}" "${found:-none}"
  if [ $rc -ne 0 ] || [ -n "$found" ]; then
    status=1
    echo "fuzz-$name: exit status $rc; see $log:" >&2
    grep -A30 -m1 '^==[0-9]*==ERROR\|^SUMMARY\|runtime error\|ALARM\|out-of-memory' "$log" >&2 || tail -30 "$log" >&2
  fi
done
exit $status
