#!/usr/bin/env bash
# winvirtio tests: end to end on a win10 disk, gpt layout, 512-byte sectors.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
source "$abs_top_srcdir/tests/e2e.sh"
set -e
set -x
e2e e2e-win10-gpt win10 gpt 512 w10
