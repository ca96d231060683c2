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

# The suite built with ASan and UBSan (configure --enable-sanitizers),
# from a copy of the source since the tree is configured in place.
# By default the whole suite (about as long again as the plain run);
# WV_CHECK_SANITIZERS=quick runs a subset that still goes through every
# part of the code (the unit tests, each parser, planning and streaming
# on the main layouts, faults, load, trim, packages and their file
# checks, dirty hives, VMDK chains); 0 skips it.
san_tests="test-partition.sh test-blockmap test-hivelog.sh test-inf
  test-fuzz-regress test-drivers.sh test-drivers-signer.sh
  test-refuse-drvfiles.sh test-vmdk-chain.sh test-vmdk-ova.sh
  test-dirty-hive.sh test-pkg-existing.sh test-trim.sh test-refuse-map.sh
  test-refuse-hibernation.sh test-load.sh test-filter.sh
  test-e2e-win10-gpt.sh test-e2e-win7-mbr.sh test-firstboot.sh
  test-windows-arch.sh"
case "${WV_CHECK_SANITIZERS:-1}" in
  quick) san_make=(make check TESTS="$(echo $san_tests)") ;;
  *) san_make=(make check) ;;
esac
if [ "${WV_CHECK_SANITIZERS:-1}" != 0 ]; then
  san=build-sanitizers
  corpus="${WINVIRTIO_CORPUS:-$PWD/../shared/corpus}"
  scripts/copy-source.sh "$san/src"
  sanstatus=0
  (
    cd "$san/src" &&
    { [ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi; } &&
    mkdir -p ../build && cd ../build &&
    { [ -f config.status ] && ./config.status --quiet ||
        ../src/configure --enable-sanitizers --enable-werror; } &&
    make -j"$(nproc)" &&
    WINVIRTIO_NO_SKIP=1 WINVIRTIO_CORPUS="$corpus" "${san_make[@]}" -j"$(nproc)"
  ) || sanstatus=$?
  log="$san/build/tests/test-suite.log"
  if [ -f "$log" ]; then
    [ $sanstatus -eq 0 ] || cat "$log" >&2
    pass=$(count PASS); fail=$(count FAIL); skip=$(count SKIP)
    xpass=$(count XPASS); error=$(count ERROR)
    echo "sanitizers (ASan + UBSan): ${pass:-0} passed," \
         "$(( ${fail:-0} + ${xpass:-0} + ${error:-0} )) failed, ${skip:-0} skipped"
  fi
  [ $sanstatus -eq 0 ] || { echo "sanitizer build: FAILED" >&2; status=1; }
fi

# Fuzzing, 15 seconds a harness (fuzzing/README.md), if clang's libFuzzer
# runtime is installed.  WV_CHECK_FUZZ_SECONDS=0 skips it.
fuzz_seconds="${WV_CHECK_FUZZ_SECONDS:-15}"
if [ "$fuzz_seconds" -gt 0 ]; then
  fuzzstatus=0
  FUZZ_BUILDDIR=fuzz-build fuzzing/run.sh "$fuzz_seconds" || fuzzstatus=$?
  case $fuzzstatus in
    0) ;;
    77) echo "fuzzing: skipped (no libFuzzer runtime: apt-get install libclang-rt-14-dev)" ;;
    *) echo "fuzzing: FAILED" >&2; status=1 ;;
  esac
fi
exit $status
