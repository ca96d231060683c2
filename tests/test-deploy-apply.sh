#!/usr/bin/env bash
# winvirtio: the entrypoint's apply mode (winvirtio apply, in place).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# A raw copy of a test disk (what Forklift's raw copy or CDI's own
# VDDK import leaves in the PVC) is patched in place by the entrypoint
# in apply mode, with an undo file, and checked by
# scripts/check-converted.sh; a second Job on the same target and a
# target that is not a block device are refused with nothing written.
# Skipped while winvirtio has no apply command (it is built on another
# branch).
source ./functions.sh
set -euo pipefail

requires test -x "$MKNTFS"
requires flock --version
requires which hivexregedit
requires which reglookup
requires fls -V
# Not skip (): WINVIRTIO_NO_SKIP=1 must not fail the suite before the
# apply branch is merged.
winvirtio --help 2>&1 | grep -qE '^ +winvirtio apply' || {
  echo "$0: test skipped because winvirtio --help lists no apply command (not merged yet)"
  exit 77
}

E="$abs_top_srcdir/deploy/winvirtio-entrypoint"
t=tmp-deploy-apply
rm -rf "$t"; mkdir "$t"
cleanup_fn rm -rf "$t"
WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/disk.img" \
  --version win10 --layout gpt >/dev/null
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw" >/dev/null
cp "$t/disk.img" "$t/pvc"

last_json ()
{
  /usr/bin/python3 -c 'import json,sys
print(json.loads(open(sys.argv[1]).read().splitlines()[-1]).get(sys.argv[2], ""))' "$1" "$2"
}

A=(WV_DRIVERS="$t/vw" WV_TARGET="$t/pvc" WV_TARGET_TYPE=file)

# Refused first, the target untouched: not a block device; locked.
sum=$(sha256sum < "$t/pvc")
rc=0; env WV_DRIVERS="$t/vw" WV_TARGET="$t/pvc" "$E" apply >"$t/o" 2>"$t/e" || rc=$?
[ $rc = 4 ] && [ "$(last_json "$t/o" cause)" = target-not-block ] ||
  fail "a file target without WV_TARGET_TYPE=file: exit $rc, $(cat "$t/o")"
flock -o "$t/pvc" sleep 30 &  # -o: the lock dies with flock, not with sleep
locker=$!
cleanup_fn "kill $locker 2>/dev/null"
sleep 0.5
rc=0; env "${A[@]}" "$E" apply >"$t/o" 2>"$t/e" || rc=$?
[ $rc = 4 ] && [ "$(last_json "$t/o" cause)" = target-busy ] ||
  fail "a locked target: exit $rc, $(cat "$t/o")"
kill $locker; wait $locker 2>/dev/null || :
[ "$(sha256sum < "$t/pvc")" = "$sum" ] || fail "a refused apply wrote to the target"

env "${A[@]}" WV_UNDO_FILE="$PWD/$t/undo" "$E" apply >"$t/o" 2>"$t/e" ||
  fail "apply failed: $(cat "$t/e")"
[ "$(last_json "$t/o" result)" = ok ] || fail "apply result: $(cat "$t/o")"
test -s "$t/undo" || fail "no undo file"
bash "$abs_top_srcdir/scripts/check-converted.sh" "$t/disk.img" "$t/pvc" "$t/vw"
