#!/usr/bin/env bash
# winvirtio benchmark: the load test (tests/test-load.sh), bigger.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Runs tests/test-load.sh from the build tree with a 1 GiB random
# source, a map of 50000 extents and 16 parallel clients (half nbdcopy
# --connections=4 --requests=64, half qemu-img convert -W -m 16, plus
# an nbdsh client with 64 reads in flight): every copy must have the
# expected checksum, and nbdkit's peak memory is printed.  Needs about
# 18 GiB free in the build tree (the copies are written at once).
# Not part of "make check", which runs the same test at 32 MiB, 5000
# extents and 8 clients.
#
# Usage: bench/load.sh [SIZE_MiB [EXTENTS [CLIENTS]]]
source "$(dirname "$0")/lib.sh"

[ -x "$build/tests/wv-mkmap-many" ] || {
  echo "$0: run 'make check' (or make -C tests wv-mkmap-many) first" >&2
  exit 1
}
cd "$build/tests"
LOAD_SIZE=${1:-1024} LOAD_EXTENTS=${2:-50000} LOAD_CLIENTS=${3:-16} \
  abs_top_srcdir="$top" abs_top_builddir="$build" \
  PATH="$build/tools:$build/tests:$PATH" \
  bash "$top/tests/test-load.sh" > "$work/load.log" 2>&1 || {
  tail -40 "$work/load.log"
  echo "$0: FAILED, the whole log is $work/load.log" >&2
  exit 1
}
grep -E '^(nbdkit VmHWM|nbdsh:|[0-9]+ extents)' "$work/load.log"
