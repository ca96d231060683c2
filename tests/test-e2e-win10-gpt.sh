#!/usr/bin/env bash
# winvirtio tests: end to end on a win10 disk, gpt layout, 512-byte sectors,
# served from a streamOptimized VMDK by nbdkit-vmdk-plugin (the other
# end-to-end tests serve raw files).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
source "$abs_top_srcdir/tests/e2e.sh"
set -e
set -x
requires test -f "$abs_top_builddir/plugin/.libs/nbdkit-vmdk-plugin.so"
E2E_SOURCE=vmdk e2e e2e-win10-gpt win10 gpt 512 w10
