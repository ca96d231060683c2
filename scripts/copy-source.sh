#!/usr/bin/env bash
# winvirtio: copy the source tree (tracked and new files, not what
# .gitignore ignores) to DEST, for a second build beside an in-tree one.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: scripts/copy-source.sh DEST
#
# An in-tree build (scripts/build.sh) makes configure refuse any other
# build directory ("source directory already configured"), so the
# sanitizer build (scripts/check.sh) and the fuzzing build
# (fuzzing/build.sh) configure a copy.  Modification times are kept, so
# copying again rebuilds only what changed.  Run autoreconf in DEST.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="$1"
mkdir -p "$dest"
git ls-files -co --exclude-standard -z |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null |
  tar -C "$dest" -xf -
