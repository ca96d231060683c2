#!/usr/bin/env bash
# winvirtio tests: one hostile NTFS mutant, from the mutation to the
# verdict.  Used by tests/test-hostile-ntfs.sh and
# scripts/hostile-ntfs.sh.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: hostile-one.sh DISK KIND SEED DRIVERS DIR
#
# Makes the mutant KIND SEED of DISK (tests/ntfs-mutate.py) in DIR,
# plans it with "winvirtio map --drivers=DRIVERS", and if a map was
# made, streams the whole disk through the filter with that map
# (nbdkit file MUTANT winvirtio-map=MAP, nbdcopy) and judges the copy
# with tests/no-worse.py.  Prints one tab-separated line:
#
#   KIND SEED DISKNAME OUTCOME SECONDS WHAT-WAS-MUTATED DETAIL
#
# OUTCOME is one of
#   patched-ok        planned, served, and nothing got worse
#   refused-one-line  exit status 1 and exactly one line of error,
#                     "winvirtio: mutant.img: ...", with no I/O error or
#                     internal function name in it; no map written
#   WORSE             served, but no-worse.py found something worse
#                     (DETAIL: its first finding, and how many)
#   multi-line        refused with more than one line of error
#   bad-message       refused in one line, but without the disk's
#                     name, or naming a read error, "Input/output
#                     error", an errno text that means nothing to the
#                     user ("Illegal seek", "Bad address", "Success")
#                     or an internal name (ntfs_*, wv_*, hivex_*,
#                     NTFS_*, FILE_*), or with an exit status other
#                     than 1, or with a map left behind (DETAIL: the
#                     reasons, then the message)
#   crash             exit status 128 or more, or a sanitizer report
#   hang              killed after $WV_MAP_TIMEOUT s (map, default
#                     60) or $WV_STREAM_TIMEOUT s (streaming, 120)
#   stream-failed     planned, but the filter did not serve the map
#   source-changed    the mutant's SHA-256 changed
#   no-mutant         this disk offers nothing for KIND to change
# Only patched-ok and refused-one-line are good.
#
# The filter is $WV_FILTER (default: the one built in this tree) and
# the command $WINVIRTIO (default: winvirtio from PATH).  DIR/KIND-SEED-DISKNAME keeps
# the messages of every mutant that is not good (its images too with
# WV_KEEP_IMAGES=1) and is removed otherwise.  Nothing is mounted; the
# mutant is a sparse copy (cp --reflink=auto --sparse=always).

set -u

if [ $# -ne 5 ]; then
  echo "usage: hostile-one.sh DISK KIND SEED DRIVERS DIR" >&2
  exit 2
fi
disk=$1 kind=$2 seed=$3 drivers=$(realpath "$4") dir=$5
here="$(cd "$(dirname "$0")" && pwd)"
filter="${WV_FILTER:-$here/../filter/.libs/nbdkit-winvirtio-filter.so}"
wv="${WINVIRTIO:-winvirtio}"
command -v "$wv" > /dev/null || { echo "$0: $wv not found" >&2; exit 1; }
[ -f "$filter" ] || { echo "$0: $filter not found" >&2; exit 1; }
name="$(basename "$disk" .img)"
d="$dir/$kind-$seed-$name"
mut="$d/mutant.img"
start=$(date +%s.%N)

rm -rf "$d"
mkdir -p "$d"

# verdict OUTCOME DETAIL: print the line, clean up, exit.
verdict ()
{
  local secs
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  printf '%s\t%s\t%s\t%s\t%.1f\t%s\t%s\n' "$kind" "$seed" "$name" "$1" \
    "$secs" "$(sed 's/\t/ /g' "$d/what" 2>/dev/null)" "$2" |
    tee "$d/verdict"
  case "$1" in
    patched-ok|refused-one-line|no-mutant) rm -rf "$d" ;;
    *) [ "${WV_KEEP_IMAGES:-0}" = 1 ] || rm -f "$d"/*.img ;;
  esac
  exit 0
}

# sanitizer FILE...: the first sanitizer report line in FILE, if any.
sanitizer ()
{
  grep -h -m1 -E 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$@" 2>/dev/null | head -1
}

# sum FILE: SHA-256 of FILE's data extents (SEEK_DATA/SEEK_HOLE), with
# their offsets and the size: any write changes it, and a sparse
# 200 MiB disk is read in a few milliseconds.
sum ()
{
  python3 -c '
import hashlib, os, sys
h, fd = hashlib.sha256(), os.open(sys.argv[1], os.O_RDONLY)
size, pos = os.fstat(fd).st_size, 0
while pos < size:
    try:
        pos = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError:
        break
    end = os.lseek(fd, pos, os.SEEK_HOLE)
    h.update(b"%d-%d:" % (pos, end))
    while pos < end:
        b = os.pread(fd, min(end - pos, 1 << 20), pos)
        h.update(b)
        pos += len(b)
print(h.hexdigest(), size)' "$1"
}

# oneline FILE: the lines of FILE joined with " | ", at most 400 bytes.
oneline ()
{
  sed ':a;N;$!ba;s/\n/ | /g' "$1" | cut -c1-400
}

r=0
python3 "$here/ntfs-mutate.py" "$disk" "$mut" "$kind" "$seed" \
  > "$d/what" 2> "$d/mutate.err" || r=$?
sed -i "s/^$kind $seed: //" "$d/what"
[ $r = 2 ] && verdict no-mutant ""
[ $r = 0 ] || { cat "$d/mutate.err" >&2; echo "$0: ntfs-mutate.py failed" >&2
                exit 1; }
sum=$(sum "$mut")

# Planned from inside DIR/..., so that the disk's name in the messages
# is short ("mutant.img"): the planner cuts a long one short.
r=0
( cd "$d" && timeout -k 5 "${WV_MAP_TIMEOUT:-60}" "$wv" map \
    --drivers="$drivers" -o map mutant.img > summary 2> map.err ) || r=$?
[ "$(sum "$mut")" = "$sum" ] || verdict source-changed "after map"
[ $r = 124 ] || [ $r = 137 ] && verdict hang "winvirtio map"
s=$(sanitizer "$d/map.err")
[ -n "$s" ] && verdict crash "winvirtio map: $s"
[ $r -ge 128 ] && verdict crash "winvirtio map exited with $r: $(oneline "$d/map.err")"

if [ $r != 0 ]; then
  msg=$(oneline "$d/map.err")
  [ "$(wc -l < "$d/map.err")" = 1 ] ||
    verdict multi-line "$(wc -l < "$d/map.err") lines: $msg"
  why=()
  [ $r = 1 ] || why+=("exit status $r")
  [ ! -e "$d/map" ] || why+=("a map was left")
  case "$msg" in
    "winvirtio: mutant.img: "*) msg=${msg#"winvirtio: mutant.img: "} ;;
    *) why+=("not named") ;;
  esac
  grep -qiE 'read error|input/output error' <<< "$msg" &&
    why+=("an I/O error")
  # errno texts that tell the user nothing here.
  grep -qE 'Illegal seek|Bad address|: Success($|[^a-z])' <<< "$msg" &&
    why+=("an errno text")
  grep -qiE '(^|[^a-z])(ntfs|wv|hivex)_[a-z0-9_]+|FILE_[A-Z][a-z]' \
    <<< "$msg" && why+=("an internal name")
  if [ ${#why[@]} -gt 0 ]; then
    verdict bad-message "$(IFS=,; echo "${why[*]}" | sed 's/,/, /g'): $msg"
  fi
  verdict refused-one-line "$msg"
fi

# Planned: serve the whole disk with the map, then judge the copy.
r=0
timeout -k 5 "${WV_STREAM_TIMEOUT:-120}" nbdkit -U - --filter="$filter" \
  file "$mut" winvirtio-map="$d/map" \
  --run 'nbdcopy "$uri" '"$d/out.img" > "$d/stream.err" 2>&1 || r=$?
[ "$(sum "$mut")" = "$sum" ] || verdict source-changed "after streaming"
[ $r = 124 ] || [ $r = 137 ] && verdict hang "streaming"
s=$(sanitizer "$d/stream.err")
[ -n "$s" ] && verdict crash "nbdkit: $s"
[ $r = 0 ] || verdict stream-failed "exit status $r: $(oneline "$d/stream.err")"

warn=""
[ -s "$d/map.err" ] && warn=" (winvirtio map printed: $(oneline "$d/map.err"))"
if python3 "$here/no-worse.py" "$mut" "$d/out.img" "$d/summary" \
     > "$d/check" 2>&1; then
  verdict patched-ok "$(tail -1 "$d/check")$warn"
fi
verdict WORSE "$(head -1 "$d/check" | sed 's/^WORSE: //') ($(grep -c '^WORSE' "$d/check") findings)$warn"
