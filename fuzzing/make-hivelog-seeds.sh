#!/usr/bin/env bash
# winvirtio fuzzing: seeds for fuzz-hivelog from the corpus's dirty
# hives and their logs.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: make-hivelog-seeds.sh CORPUS OUTDIR
# CORPUS is ../shared/corpus.  Each seed is le32 HIVELEN, le32 LOG1LEN,
# FLAGS, HIVE, LOG1, LOG2 (fuzz-hivelog.c), twice: with FLAGS 0 and 1.  Only the small sets are used, to
# keep the seeds under libFuzzer's -max_len.
set -euo pipefail

corpus=$1 out=$2
mkdir -p "$out"

le32 ()
{
  printf "\\x$(printf %02x $(( $1 & 255 )))\\x$(printf %02x $(( $1 >> 8 & 255 )))\\x$(printf %02x $(( $1 >> 16 & 255 )))\\x$(printf %02x $(( $1 >> 24 & 255 )))"
}

# seed NAME DIR BASE
seed ()
{
  local tmp h l1 l2
  tmp=$(mktemp -d)
  h="$tmp/h" l1="$tmp/l1" l2="$tmp/l2"
  # The hive without the preallocated space after its hive bins.
  xz -dc "$corpus/hives/$2/$3.xz" > "$h"
  truncate -s $(( 4096 + $(od -An -tu4 -j40 -N4 "$h") )) "$h"
  xz -dc "$corpus/hives/$2/$3.LOG1.xz" > "$l1"
  xz -dc "$corpus/hives/$2/$3.LOG2.xz" > "$l2"
  { le32 "$(stat -c %s "$h")"; le32 "$(stat -c %s "$l1")"; printf '\x00'
    cat "$h" "$l1" "$l2"; } > "$out/$1"
  { le32 "$(stat -c %s "$h")"; le32 "$(stat -c %s "$l1")"; printf '\x01'
    cat "$h" "$l1" "$l2"; } > "$out/$1-fix"
  rm -rf "$tmp"
}

seed new1 yarp/NewDirtyHive1 NewDirtyHive
seed new2 yarp/NewDirtyHive2 NewDirtyHive
seed old yarp/OldDirtyHive OldDirtyHive
seed badlog1 yarp/BadLogHive1 BadLogHive
seed badlog2 yarp/BadLogHive2 BadLogHive
seed badlog3 yarp/BadLogHive3 BadLogHive
seed security11 dfir-artifact-museum/Win11 SECURITY
