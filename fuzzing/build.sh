#!/usr/bin/env bash
# winvirtio fuzzing: build every fuzzing/fuzz-*.c as a libFuzzer
# harness, with ASan and UBSan, in BUILDDIR (default ./fuzz-build).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: fuzzing/build.sh [BUILDDIR]
#
# The engine (whatever lib/Makefile.am lists) is configured and built
# by the ordinary autotools build, from a copy of the source in
# BUILDDIR/src (scripts/copy-source.sh) into BUILDDIR/engine, with
# CC=clang and the fuzzer and sanitizer flags; each harness is then
# linked from fuzz-NAME.c, fuzz-common.c and lib/.libs/libwinvirtio.a
# into BUILDDIR/fuzz-NAME.  hivex and libntfs-3g are Debian's shared
# libraries: not instrumented (a bug inside them shows as a SEGV, not
# as an ASan report).  Exits 77 if clang's libFuzzer runtime is
# missing (Debian: apt-get install clang-14 libclang-rt-14-dev).
set -euo pipefail

srcdir="$(cd "$(dirname "$0")/.." && pwd)"
build="$(mkdir -p "${1:-fuzz-build}" && cd "${1:-fuzz-build}" && pwd)"
CC="${CC:-}"
if [ -z "$CC" ]; then
  for c in clang clang-14; do
    command -v "$c" >/dev/null && { CC="$c"; break; }
  done
fi
[ -n "$CC" ] || { echo "$0: clang not found (apt-get install clang-14)" >&2; exit 77; }

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san -fsanitize=fuzzer-no-link"

# Is libFuzzer's runtime there?
probe="$(mktemp "$build/probe.XXXXXX")"
printf 'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n)\n{ (void) d; (void) n; return 0; }\n' > "$probe.c"
if ! "$CC" $san -fsanitize=fuzzer "$probe.c" -o "$probe" 2>"$probe.log"; then
  cat "$probe.log" >&2
  echo "$0: $CC cannot link -fsanitize=fuzzer: install libclang-rt-14-dev" >&2
  exit 77
fi
rm -f "$probe" "$probe.c" "$probe.log"

# The engine, through autotools, in a copy of the source (the source
# tree may be configured in place, which forbids other build dirs).
"$srcdir/scripts/copy-source.sh" "$build/src"
if [ ! -x "$build/src/configure" ] ||
     [ "$build/src/configure.ac" -nt "$build/src/configure" ]; then
  (cd "$build/src" && autoreconf -fi >/dev/null 2>&1)
fi
mkdir -p "$build/engine"
cd "$build/engine"
if [ ! -f config.status ] || [ ../src/configure -nt config.status ]; then
  ../src/configure -q CC="$CC" CFLAGS="$cflags" >configure.log 2>&1 ||
    { cat configure.log >&2; exit 1; }
fi
make -s -C lib >/dev/null
lib="$build/engine/lib/.libs/libwinvirtio.a"
libs="$(pkg-config --libs libnbd hivex libntfs-3g nettle zlib libarchive gnutls libxml-2.0) -lpthread"
incs="-I$build/engine -I$build/src/lib -I$srcdir/fuzzing
      $(pkg-config --cflags libnbd hivex libntfs-3g nettle zlib libarchive gnutls libxml-2.0)"
# fuzz-vmdk drives the plugin's own parsers (plugin/), not lib/.
vmdk_srcs="descriptor disk flat grain-cache io ova sparse"

# Every harness.  Adding one is adding fuzzing/fuzz-NAME.c.
cd "$build"
for h in "$srcdir"/fuzzing/fuzz-*.c; do
  name="$(basename "$h" .c)"
  [ "$name" = fuzz-common ] && continue
  if [ ! -x "$name" ] || [ "$h" -nt "$name" ] || [ "$lib" -nt "$name" ] ||
       [ "$srcdir/fuzzing/fuzz-common.c" -nt "$name" ] ||
       [ "$srcdir/fuzzing/fuzz-common.h" -nt "$name" ] ||
       [ "$srcdir/fuzzing/fuzz-vmconfig.h" -nt "$name" ]; then
    echo "  CCLD   $name"
    extra=()
    if [ "$name" = fuzz-vmdk ]; then
      for f in $vmdk_srcs; do extra+=("$build/src/plugin/$f.c"); done
      extra+=("-I$build/src/plugin")
    fi
    "$CC" $cflags -fsanitize=fuzzer -Wall -Wextra $incs \
      "$h" "$srcdir/fuzzing/fuzz-common.c" "${extra[@]}" "$lib" $libs \
      -o "$name"
  fi
done
