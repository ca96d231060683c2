#!/usr/bin/env bash
# winvirtio tests: run test-hivelog (the log replay against the corpus
# oracles), under valgrind with WINVIRTIO_VALGRIND=1.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires_corpus hives/yarp/NewDirtyHive1/RecoveredHive_Windows10.xz
requires xz --version

$VG ./test-hivelog
