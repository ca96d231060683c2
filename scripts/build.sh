#!/usr/bin/env bash
# winvirtio: configure and build in the source tree (idempotent).
# Extra configure options may be given as arguments.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  autoreconf -fi
fi
if [ ! -f config.status ] || [ $# -gt 0 ]; then
  ./configure --enable-werror "$@"
fi
make -j"$(nproc)"
