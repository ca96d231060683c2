#!/usr/bin/env bash
# winvirtio: install dependencies, build, run the test suite.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
status=0
WINVIRTIO_NO_SKIP=1 make check -j"$(nproc)" || status=$?

# One closing line with the totals of automake's harness.
log=tests/test-suite.log
count () { sed -n "s/^# $1: *//p" "$log" 2>/dev/null | head -1; }
if [ -f "$log" ]; then
  [ $status -eq 0 ] || cat "$log" >&2
  pass=$(count PASS); fail=$(count FAIL); skip=$(count SKIP)
  xfail=$(count XFAIL); xpass=$(count XPASS); error=$(count ERROR)
  echo "${pass:-0} passed, $(( ${fail:-0} + ${xpass:-0} + ${error:-0} )) failed, ${skip:-0} skipped"
fi
exit $status
