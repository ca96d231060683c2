#!/usr/bin/env bash
# winvirtio: the image as Forklift's conversion pod (virtV2vImage).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The entrypoint is started as Forklift starts its conversion pod: no
# arguments, the V2V_* variables, the disks Forklift copied as
# /mnt/disks/diskN/disk.img files or /dev/blockN devices (moved under
# the test folder).  It must patch the Windows disk in place (byte for
# byte what the filter streams) and nothing else, then answer as
# Forklift's controller expects (pkg/controller/plan/kubevirt.go):
# GET /vm 204, GET /inspection a virt-v2v-inspector document whose
# operatingsystem the controller maps, GET /warnings a JSON list of
# {reason, message} or 204, POST /shutdown 204 and the pod exits 0.
# Everything it cannot do exits 1 with one line, the disks unchanged.
source ./functions.sh
set -euo pipefail
source "$abs_top_srcdir/tests/refuse.sh"

requires socat -V
requires curl --version
requires cmp --version

E="$abs_top_srcdir/deploy/winvirtio-entrypoint"
T="$(pwd)/$t"

make_disk "$t/win10.img" --version win10 --layout gpt
truncate -s 64M "$t/blank.img"

# The reference: the disk streamed through the filter, untrimmed.
run_nbdkit -U - --filter="$filter" file "$t/win10.img" \
  winvirtio-drivers="$vw" winvirtio-trim=false \
  --run 'nbdcopy "$uri" '"$t/ref.img"
cmp -s "$t/ref.img" "$t/win10.img" && fail "the filter changed nothing"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# pod DISK0 DISK1 ...: a fresh pod folder with these disks as files
# (a name: copied; "-": no disk at that index).
pod ()
{
  local n=0 d
  rm -rf "$t/pod"
  mkdir -p "$t/pod/mnt/disks" "$t/pod/dev" "$t/pod/v2v"
  for d in "$@"; do
    if [ "$d" != - ]; then
      mkdir "$t/pod/mnt/disks/disk$n"
      cp "$t/$d" "$t/pod/mnt/disks/disk$n/disk.img"
    fi
    n=$((n + 1))
  done
}
disk () { echo "$T/pod/mnt/disks/disk$1/disk.img"; }

F=(V2V_source=vSphere V2V_vmName=win10-vm
   WV_FORKLIFT_FS_DIR="$T/pod/mnt/disks" WV_FORKLIFT_BLOCK_DIR="$T/pod/dev"
   WV_FORKLIFT_WORKDIR="$T/pod/v2v" WV_FORKLIFT_PORT="$port" WV_DRIVERS="$vw")

# code METHOD PATH: the HTTP status the pod answers.
code ()
{
  curl -s -o "$t/body" -w '%{http_code}' -X "$1" "$base$2" || :
}

# serve ENV...: start the pod; wait until it serves (or has exited).
serve ()
{
  env -u LOCAL_MIGRATION "${F[@]}" "$@" "$E" >"$t/out" 2>"$t/err" &
  pod_pid=$!
  for (( i = 0; i < 1200; ++i )); do
    [ "$(code GET /vm)" = 204 ] && return 0
    kill -0 $pod_pid 2>/dev/null || break
    sleep 0.1
  done
  cat "$t/out" "$t/err"
  fail "the pod did not serve :$port"
}

# done_ok NAME ENV...: run the pod with LOCAL_MIGRATION=false; exit 0.
done_ok ()
{
  local name=$1; shift
  env "${F[@]}" LOCAL_MIGRATION=false "$@" "$E" >"$t/out" 2>"$t/err" || {
    cat "$t/out" "$t/err"; fail "$name: the pod failed"; }
}

# inspection OSINFO: /inspection read as the controller reads it.
inspection ()
{
  [ "$(code GET /inspection)" = 200 ] || fail "/inspection did not answer 200"
  python3 - "$t/body" "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "v2v-inspection", root.tag
os = root.find("operatingsystem")
assert os is not None, "no operatingsystem"
got = {k: os.findtext(k) for k in ("name", "distro", "osinfo", "arch")}
want = {"name": "windows", "distro": "windows", "osinfo": sys.argv[2], "arch": "x86_64"}
assert got == want, (got, want)
# The controller: an osinfo containing "win" is Windows; win10 is
# VMware's windows9_64Guest in its table.
assert "win" in got["osinfo"].lower()
EOF
}

### A file PVC: Windows on disk 0, a data disk 1

pod win10.img blank.img
blank_sum=$(sha256sum < "$(disk 1)")
serve V2V_inPlace=1 V2V_staticIPs='00:50:56:83:25:47:ip:172.29.3.193,172.29.3.1,16,8.8.8.8'
cmp "$(disk 0)" "$t/ref.img" || fail "the patched disk 0 differs from the filter's stream"
[ "$(sha256sum < "$(disk 1)")" = "$blank_sum" ] || fail "disk 1 (no Windows) was written"
[ -f "$(disk 0).wvundo" ] || fail "no undo file beside the file disk"
grep -q "patched: [0-9]* extents" "$t/out" || fail "the pod did not say what apply wrote"
inspection win10
cmp "$t/body" "$T/pod/v2v/inspection.xml" || fail "/inspection is not the work folder's inspection.xml"
[ "$(code GET /warnings)" = 200 ] || fail "/warnings did not answer 200 with a warning"
python3 - "$t/body" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))
assert isinstance(w, list) and all(set(x) == {"reason", "message"} for x in w), w
assert [x["reason"] for x in w] == ["StaticIPsNotPreserved"], w
assert "172.29.3.193" in w[0]["message"], w
EOF
[ "$(code GET /nothing)" = 404 ] || fail "an unknown path is not 404"
printf 'HELLO\r\n\r\n' | socat -t 5 - TCP:127.0.0.1:"$port" > "$t/bad" || :
head -n 1 "$t/bad" | grep -q '^HTTP/1.1 400 ' || fail "a malformed request is not 400: $(head -c 100 "$t/bad")"
# Hostile clients: random bytes, a 1 MB request line, a header that
# never ends, a connection closed at once; the server keeps serving.
for (( i = 0; i < 20; ++i )); do
  head -c $(( RANDOM % 4096 + 1 )) /dev/urandom | socat -t 0.3 - TCP:127.0.0.1:"$port" >/dev/null 2>&1 || :
done
{ printf 'GET /'; head -c 1048576 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\n\r\n'; } |
  socat -t 0.3 - TCP:127.0.0.1:"$port" >/dev/null 2>&1 || :
{ printf 'GET /vm HTTP/1.1\r\n'; head -c 1048576 /dev/zero | tr '\0' h; } |
  socat -t 0.3 - TCP:127.0.0.1:"$port" >/dev/null 2>&1 || :
socat -t 0 /dev/null TCP:127.0.0.1:"$port" >/dev/null 2>&1 || :
[ "$(code GET /vm)" = 204 ] || fail "the server stopped answering after hostile requests"
kill -0 $pod_pid 2>/dev/null || fail "the pod ended before /shutdown"
[ "$(code POST /shutdown)" = 204 ] || fail "/shutdown did not answer 204"
for (( i = 0; i < 100; ++i )); do kill -0 $pod_pid 2>/dev/null || break; sleep 0.1; done
rc=0; wait $pod_pid || rc=$?
[ $rc = 0 ] || { cat "$t/out" "$t/err"; fail "the pod exited $rc after /shutdown"; }
[ "$(code GET /vm)" = 000 ] || fail "the server is still up after the pod ended"
ls -A "$T/pod/v2v" | grep -q '^\.winvirtio' && fail "the pod left its state folder behind"

# The pod again on the same disks (a retried migration): nothing new.
sum=$(sha256sum < "$(disk 0)")
done_ok again V2V_inPlace=true
grep -q 'already patched' "$t/out" || fail "a second pod did not find the disk patched"
[ "$(sha256sum < "$(disk 0)")" = "$sum" ] || fail "a second pod changed the disk"

### The root named (V2V_RootDisk), or found on the second disk

cp "$t/win10.img" "$t/tools.img"
winvirtio apply --drivers="$vw" --vmware-tools=disable --undo-file="$T/tools.undo" "$t/tools.img" >/dev/null
pod blank.img win10.img
done_ok rootdisk V2V_inPlace=1 V2V_RootDisk=/dev/sdb V2V_vsphereVmwareDriverRemoval=true
cmp "$(disk 1)" "$t/tools.img" || fail "/dev/sdb with VMware driver removal is not apply --vmware-tools=disable"
[ "$(sha256sum < "$(disk 0)")" = "$blank_sum" ] || fail "/dev/sdb: disk 0 was written"
pod blank.img - win10.img
done_ok first V2V_inPlace=1
cmp "$(disk 2)" "$t/ref.img" || fail "first: the Windows on disk 2 was not patched"
grep -q "root: $(disk 2) (sdc)" "$t/out" || fail "first: the pod did not name the root it found"

### A block PVC: /dev/block0, its undo file in the work folder

cp "$t/win10.img" "$t/blockdisk"
if loop=$(PATH="$PATH:/sbin:/usr/sbin" losetup -f --show "$t/blockdisk" 2>/dev/null); then
  cleanup_fn "PATH=\"\$PATH:/sbin:/usr/sbin\" losetup -d $loop"
  pod
  ln -s "$loop" "$t/pod/dev/block0"
  done_ok block V2V_inPlace=1
  sync
  cmp "$t/blockdisk" "$t/ref.img" || fail "the block PVC differs from the filter's stream"
  [ -f "$T/pod/v2v/block0.wvundo" ] || fail "the block PVC's undo file is not in the work folder"
else
  echo "$0: no loop device here: the block PVC case is not run"
fi

### Refused: exit 1, one line, the disks unchanged, nothing served

disks_sum () { { cat "$t"/pod/mnt/disks/*/disk.img 2>/dev/null || :; } | sha256sum; }

# bad NAME MESSAGE ENV...: the pod (set up before) exits 1 with MESSAGE.
bad ()
{
  local name=$1 msg=$2 before after rc=0
  shift 2
  before=$(disks_sum)
  timeout 120 env -u LOCAL_MIGRATION "${F[@]}" "$@" "$E" >"$t/out" 2>"$t/err" || rc=$?
  [ $rc = 1 ] || { cat "$t/out" "$t/err"; fail "$name: exit $rc, expected 1"; }
  [ "$(wc -l < "$t/err")" = 1 ] || { cat "$t/err"; fail "$name: not one line on stderr"; }
  grep -qF -- "$msg" "$t/err" || { cat "$t/err"; fail "$name: expected '$msg'"; }
  tail -n 1 "$t/out" | grep -qF -- "$msg" || fail "$name: the message is not the last line of stdout"
  after=$(disks_sum)
  [ "$before" = "$after" ] || fail "$name: a disk was written"
  [ "$(code GET /vm)" = 000 ] || fail "$name: something serves :$port"
}

pod win10.img blank.img
bad copy "V2V_inPlace is not set" V2V_libvirtURL='vpx://u@vc/dc/host?no_verify=1'
bad remote-inspection "remote inspection" V2V_remoteInspection=true V2V_inPlace=1
bad local-migration "LOCAL_MIGRATION is 'maybe'" V2V_inPlace=1 LOCAL_MIGRATION=maybe
bad no-driver-source "the driver source $T/none does not exist" V2V_inPlace=1 WV_DRIVERS="$T/none"
bad root-absent "the pod has no disk sdc" V2V_inPlace=1 V2V_RootDisk=/dev/sdc
bad root-ask "V2V_RootDisk 'ask' is not supported" V2V_inPlace=1 V2V_RootDisk=ask
bad root-blank "winvirtio apply refused $(disk 1)" V2V_inPlace=1 V2V_RootDisk=/dev/sdb
mkdir "$t/empty"
bad refused "winvirtio apply refused $(disk 0)" V2V_inPlace=1 WV_DRIVERS="$T/empty"
pod win10.img win10.img
bad single "Windows is on more than one disk" V2V_inPlace=1 V2V_RootDisk=single
pod blank.img blank.img
bad no-windows "no Windows was found on the disks" V2V_inPlace=1
pod
bad no-disks "no disks" V2V_inPlace=1
mkdir "$t/pod/mnt/disks/disk0"
bad no-disk-img "has no disk.img" V2V_inPlace=1

echo "$0: OK"
