#!/usr/bin/env bash
# winvirtio: deploy/winvirtio-entrypoint, run directly.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# A test disk is streamed by the entrypoint from a file source and
# from tests/fake-vsphere.sh standing in for nbdkit-vddk (the stack
# with the credentials, thumbprint, moref and disk path), into files
# standing in for PVCs; the first result is checked by
# scripts/check-converted.sh, the second must be the same bytes.  Map
# and inspect modes give their JSON results.  Then every bad input of
# issue 13: one line on stderr, the exit status, a JSON result naming
# the cause, and the target's bytes unchanged.
source ./functions.sh
set -euo pipefail

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdcopy --version
requires nbdinfo --version
requires flock --version
requires test -f /usr/lib/x86_64-linux-gnu/nbdkit/plugins/nbdkit-sh-plugin.so
requires which hivexregedit
requires which reglookup
requires fls -V

E="$abs_top_srcdir/deploy/winvirtio-entrypoint"
t=tmp-deploy-entrypoint
rm -rf "$t"; mkdir "$t"
cleanup_fn rm -rf "$t"

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/disk.img" \
  --version win10 --layout gpt >/dev/null
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw" >/dev/null
mkdir "$t/empty" "$t/sec"
echo admin > "$t/sec/accessKeyId"
printf 's3cret' > "$t/sec/secretKey"
TP=$(printf 'AB:%.0s' {1..19})AB
size=$(stat -c %s "$t/disk.img")

export WV_FILTER="$filter"
export FAKE_VSPHERE_THUMBPRINT=$TP FAKE_VSPHERE_USER=admin \
       FAKE_VSPHERE_PASSWORD=s3cret \
       FAKE_VSPHERE_VMS="vm-42|[ds1] win/win.vmdk|$PWD/$t/disk.img"
# The environment of a vddk Job.
vddk=(WV_VDDK_PLUGIN_SCRIPT="$abs_top_srcdir/tests/fake-vsphere.sh"
      WV_SECRET_DIR="$t/sec" WV_VCENTER_URL=https://vc.example.com/sdk
      WV_THUMBPRINT=$TP WV_VM_MOREF=vm-42 WV_DISK_PATH='[ds1] win/win.vmdk'
      WV_DRIVERS="$t/vw")
filesrc=(WV_SOURCE=file WV_SOURCE_FILE="$t/disk.img" WV_DRIVERS="$t/vw")

# last_json FILE KEY: KEY of the last line of FILE, a JSON object.
last_json ()
{
  /usr/bin/python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(r.get(sys.argv[2], ""))' "$1" "$2"
}

# ok NAME ENV... -- ARGS: the entrypoint succeeds.
ok ()
{
  local name=$1; shift
  env "$@" >"$t/$name.out" 2>"$t/$name.err" ||
    fail "$name: exit status $? ($(cat "$t/$name.err"))"
  [ "$(last_json "$t/$name.out" result)" = ok ] || fail "$name: no ok result"
  [ ! -s "$t/$name.err" ] || fail "$name: stderr: $(cat "$t/$name.err")"
  echo "ok: $name: $(tail -n 1 "$t/$name.out")"
}

# Stream from a file into a file standing in for a PVC.
truncate -s "$size" "$t/pvc1"
ok stream-file "${filesrc[@]}" WV_TARGET="$t/pvc1" WV_TARGET_TYPE=file "$E" stream
grep -q '^{"event":"progress","percent":100}$' "$t/stream-file.out" ||
  fail "no progress line for 100%"
[ "$(last_json "$t/stream-file.out" bytes)" = "$size" ] || fail "bytes"
[[ $(last_json "$t/stream-file.out" windows) == "Windows 10 "* ]] ||
  fail "the result does not name the Windows found"
[ "$(last_json "$t/stream-file.out" packages)" -ge 2 ] || fail "packages"
bash "$abs_top_srcdir/scripts/check-converted.sh" "$t/disk.img" "$t/pvc1" "$t/vw"

# Through the VDDK-safe stack, vSphere faked.
truncate -s "$size" "$t/pvc2"
ok stream-vddk "${vddk[@]}" WV_TARGET="$t/pvc2" WV_TARGET_TYPE=file "$E" stream
cmp "$t/pvc1" "$t/pvc2" || fail "the vddk stack copied other bytes"
grep -q '"connections":1' "$t/stream-vddk.out" ||
  fail "not one connection over vddk"

# Map, then stream with it; inspect.
ok map "${filesrc[@]}" WV_MAP="$PWD/$t/map" "$E" map
test -s "$t/map" || fail "no map written"
truncate -s "$size" "$t/pvc3"
ok stream-map "${filesrc[@]}" WV_MAP="$PWD/$t/map" WV_TARGET="$t/pvc3" \
   WV_TARGET_TYPE=file "$E" stream
cmp "$t/pvc1" "$t/pvc3" || fail "streaming with the map copied other bytes"
env "${filesrc[@]}" "$E" inspect >"$t/inspect.out" 2>"$t/inspect.err" ||
  fail "inspect failed"
[ "$(last_json "$t/inspect.out" result)" = ok ] || fail "inspect result"
grep -qi windows "$t/inspect.err" || fail "inspect printed no report"

# bad NAME STATUS CAUSE TARGET ENV...: refused as issue 13 asks.
bad ()
{
  local name=$1 status=$2 cause=$3 tgt=$4 rc=0 before
  shift 4
  before=$(sha256sum < "$tgt")
  env "$@" >"$t/$name.out" 2>"$t/$name.err" || rc=$?
  [ $rc = "$status" ] || fail "$name: exit status $rc, expected $status"
  [ "$(wc -l < "$t/$name.err")" = 1 ] ||
    fail "$name: stderr is not one line: $(cat "$t/$name.err")"
  [ "$(wc -l < "$t/$name.out")" = 1 ] || fail "$name: stdout is not one line"
  [ "$(last_json "$t/$name.out" result)" = error ] || fail "$name: result"
  [ "$(last_json "$t/$name.out" cause)" = "$cause" ] ||
    fail "$name: cause $(last_json "$t/$name.out" cause), expected $cause"
  [ "$(sha256sum < "$tgt")" = "$before" ] || fail "$name: the target was written"
  echo "ok: $name refused: $(cat "$t/$name.err")"
}

# The PVC stand-in holds other bytes: none may be touched.  (Small,
# so that the checksums are quick: each refusal comes before the size
# check, or is the size check.)
head -c 4194304 /dev/urandom > "$t/pvc"
T=(WV_TARGET="$t/pvc" WV_TARGET_TYPE=file)
bad no-mode 2 config "$t/pvc" "${filesrc[@]}" "${T[@]}" "$E"
bad unknown-mode 2 config "$t/pvc" "${filesrc[@]}" "${T[@]}" "$E" copy
bad no-source 2 config "$t/pvc" "${T[@]}" "$E" stream
bad bad-source 2 config "$t/pvc" WV_SOURCE=s3 "${T[@]}" "$E" stream
bad no-target 2 config "$t/pvc" "${filesrc[@]}" "$E" stream
bad bad-url 2 config "$t/pvc" "${vddk[@]}" WV_VCENTER_URL=vc.example.com "${T[@]}" "$E" stream
bad bad-thumbprint-format 2 config "$t/pvc" "${vddk[@]}" WV_THUMBPRINT=AB:CD "${T[@]}" "$E" stream
bad bad-moref 2 config "$t/pvc" "${vddk[@]}" WV_VM_MOREF=42 "${T[@]}" "$E" stream
bad bad-disk-path 2 config "$t/pvc" "${vddk[@]}" WV_DISK_PATH=win.vmdk "${T[@]}" "$E" stream
bad no-credentials 2 config "$t/pvc" "${vddk[@]}" WV_SECRET_DIR="$t/empty" "${T[@]}" "$E" stream
bad two-connections 2 config "$t/pvc" "${vddk[@]}" WV_CONNECTIONS=4 "${T[@]}" "$E" stream
bad no-vddk 2 vddk-missing "$t/pvc" "${vddk[@]}" WV_VDDK_PLUGIN_SCRIPT= WV_VDDK_LIBDIR="$t/empty" "${T[@]}" "$E" stream
bad bad-target-type 2 config "$t/pvc" "${filesrc[@]}" WV_TARGET="$t/pvc" WV_TARGET_TYPE=disk "$E" stream
bad wrong-thumbprint 3 source-thumbprint "$t/pvc" "${vddk[@]}" WV_THUMBPRINT="${TP/AB/CD}" "${T[@]}" "$E" stream
bad wrong-password 3 source-auth "$t/pvc" "${vddk[@]}" FAKE_VSPHERE_PASSWORD=other "${T[@]}" "$E" stream
bad no-such-moref 3 source-not-found "$t/pvc" "${vddk[@]}" WV_VM_MOREF=vm-43 "${T[@]}" "$E" stream
bad no-such-file 3 source-not-found "$t/pvc" "${filesrc[@]}" WV_SOURCE_FILE="$t/none.img" "${T[@]}" "$E" stream
bad refused 1 refused "$t/pvc" "${filesrc[@]}" WV_DRIVERS="$t/empty" "${T[@]}" "$E" stream
bad not-block 4 target-not-block "$t/pvc" "${filesrc[@]}" WV_TARGET="$t/pvc" "$E" stream
head -c $((size - 1048576)) /dev/urandom > "$t/small"
bad too-small-by-1m 4 target-too-small "$t/small" "${filesrc[@]}" WV_TARGET="$t/small" WV_TARGET_TYPE=file "$E" stream
# A second Job on the same PVC: the first holds the lock.
flock "$t/pvc" sleep 30 &
locker=$!
cleanup_fn "kill $locker 2>/dev/null"
sleep 0.5
bad second-job 4 target-busy "$t/pvc" "${filesrc[@]}" "${T[@]}" "$E" stream
kill $locker

# An Indexed Job's pod: its settings from WV_CONFIG_DIR/INDEX.env.
mkdir "$t/disks"
printf '# disk 3\nWV_SOURCE_FILE=%s\nWV_TARGET=%s\n' "$t/disk.img" "$t/pvc4" > "$t/disks/3.env"
truncate -s "$size" "$t/pvc4"
ok indexed WV_CONFIG_DIR="$t/disks" JOB_COMPLETION_INDEX=3 WV_SOURCE=file \
   WV_DRIVERS="$t/vw" WV_TARGET_TYPE=file "$E" stream
cmp "$t/pvc1" "$t/pvc4" || fail "the indexed copy has other bytes"
C=(WV_CONFIG_DIR="$t/disks" WV_SOURCE=file WV_DRIVERS="$t/vw" WV_TARGET_TYPE=file)
bad no-index 2 config "$t/pvc" "${C[@]}" "$E" stream
bad no-such-index 2 config "$t/pvc" "${C[@]}" JOB_COMPLETION_INDEX=4 "$E" stream
printf 'WV_TARGET=%s\nrm -rf /\n' "$t/pvc" > "$t/disks/5.env"
bad bad-line 2 config "$t/pvc" "${C[@]}" JOB_COMPLETION_INDEX=5 "$E" stream
printf 'WV_TARGET=%s\nWV_FILTER=/tmp/evil.so\n' "$t/pvc" > "$t/disks/6.env"
bad filter-per-index 2 config "$t/pvc" "${C[@]}" JOB_COMPLETION_INDEX=6 "$E" stream
printf 'WV_TARGET=%s\nWV_SOURCE_FILE=$(reboot)\n' "$t/pvc" > "$t/disks/7.env"
bad literal-values 3 source-not-found "$t/pvc" "${C[@]}" JOB_COMPLETION_INDEX=7 "$E" stream
printf 'WV_SOURCE_FILE=%s\nWV_TARGET=%s\n' "$t/disk.img" "$t/pvc" > "$t/disks/8.env"
bad env-conflict 2 config "$t/pvc" "${C[@]}" JOB_COMPLETION_INDEX=8 WV_TARGET="$t/pvc1" "$E" stream

# Started by Forklift as its conversion pod: test-deploy-forklift.sh.
