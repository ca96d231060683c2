#!/usr/bin/env bash
# winvirtio benchmark: end to end, a VMDK to a VirtIO-ready qcow2, and
# virt-v2v on the same disk.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The demo disk (scripts/make-windows-disk.sh --version win10 --layout
# gpt, as scripts/demo.sh makes it; --size to make it larger, with
# --data of pseudo-random files) plus a fake \Windows\System32\cmd.exe
# (libguestfs' inspection looks for it) and a FAT32 EFI system
# partition with an empty \EFI\Microsoft\Boot\BCD hive (virt-v2v
# opens it; made with mtools if installed), converted to a VMDK
# (monolithicSparse) by qemu-img.  Interleaved rounds of, all to qcow2:
#   qemu-img          qemu-img convert -f vmdk (no NBD, no filter)
#   qemu-nbd          qemu-nbd -r -f vmdk -> qemu-img convert
#   qemu-nbd+filter   qemu-nbd -> nbdkit nbd + winvirtio -> qemu-img
#   nbdkit-vmdk       nbdkit vmdk (plugin/) -> qemu-img convert
#   vmdk+filter       nbdkit vmdk + winvirtio -> qemu-img convert
# (the filter plans at startup: winvirtio-drivers=).  Then one run of
# Debian's virt-v2v -i disk VMDK -o local -of qcow2, with its appliance
# under TCG (LIBGUESTFS_BACKEND=direct
# LIBGUESTFS_BACKEND_SETTINGS=force_tcg), timed phase by phase from
# its -v -x output: appliance boot (launch), inspection (inspect_os),
# the rest; and how far it got.  virt-v2v is a benchmark-only
# dependency (apt-get install virt-v2v), not in install-deps.sh.
#
# Usage: bench/e2e.sh [--quick] [--size SIZE] [--data MIB] [--no-v2v]
source "$(dirname "$0")/lib.sh"

size=256M data=0 runs=5 v2v=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) runs=1; shift ;;
    --size) size=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --no-v2v) v2v=; shift ;;
    *) echo "usage: $0 [--quick] [--size SIZE] [--data MIB] [--no-v2v]" >&2
       exit 1 ;;
  esac
done
vmdkplugin="$build/plugin/.libs/nbdkit-vmdk-plugin.so"
[ -f "$vmdkplugin" ] || { echo "$0: $vmdkplugin missing: build first" >&2;
                          exit 1; }

fake_drivers
disk="$work/e2e.img"
vmdk="$work/e2e.vmdk"
if [ ! -f "$vmdk" ] || [ "$(cat "$vmdk.params" 2>/dev/null)" != "$size $data pe esp bcd" ]
then
  WV_BUILDDIR="$build" "$top/scripts/make-windows-disk.sh" "$disk" \
    --version win10 --layout gpt --size "$size" --data "$data"
  # The Windows partition (GPT layout: from 117 MiB to 1 MiB before
  # the end) gets a fake cmd.exe.
  len=$(( $(stat -c %s "$disk") / 1048576 - 118 ))
  dd if="$disk" of="$work/e2e-part.img" bs=1M skip=117 count=$len status=none
  # Headers only, enough for file(1) to say "PE32+ executable
  # (console) x86-64": libguestfs takes the architecture from it.
  /usr/bin/python3 - "$work/cmd.exe" <<'PY'
import struct, sys
dos = bytearray(64)
dos[0:2] = b"MZ"
struct.pack_into("<I", dos, 0x3c, 64)
coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x8664, 0, 0, 0, 0, 0xf0, 0x22)
opt = bytearray(0xf0)
struct.pack_into("<H", opt, 0, 0x20b)          # PE32+
struct.pack_into("<H", opt, 68, 3)             # console subsystem
struct.pack_into("<I", opt, 108, 16)           # NumberOfRvaAndSizes
open(sys.argv[1], "wb").write(bytes(dos) + coff + bytes(opt) +
    b"WINVIRTIO FAKE FILE - NOT A REAL cmd.exe\n")
PY
  file "$work/cmd.exe"
  "$build/tests/wv-ntfs-put" "$work/e2e-part.img" \
    "$work/cmd.exe:/Windows/System32/cmd.exe"
  dd if="$work/e2e-part.img" of="$disk" bs=1M seek=117 conv=notrunc \
    status=none
  rm -f "$work/e2e-part.img"
  # The demo leaves the EFI system partition unformatted; virt-v2v
  # mounts it to look at the boot loader: a FAT32 file system there.
  if command -v mkfs.fat > /dev/null || [ -x /usr/sbin/mkfs.fat ]; then
    PATH="$PATH:/usr/sbin" mkfs.fat -F 32 -s 1 -n ESP --offset 2048 "$disk" \
      102400 > /dev/null 2>&1
    # And an (empty) boot configuration store, which virt-v2v opens.
    if command -v mcopy > /dev/null; then
      rm -f "$work/BCD"
      "$build/tests/wv-mkhive" "$work/BCD" NewStoreRoot
      mmd -i "$disk@@1048576" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot
      mcopy -i "$disk@@1048576" "$work/BCD" ::/EFI/Microsoft/Boot/BCD
    fi
  fi
  qemu-img convert -f raw -O vmdk "$disk" "$vmdk"
  echo "$size $data pe esp bcd" > "$vmdk.params"
fi
echo "VMDK: $(stat -c %s "$vmdk") bytes, of a $size disk"

out="$work/e2e-out.qcow2"
sock="$work/e2e-qnbd.sock"
# qemu-nbd in the background for the length of one command.
qnbd="qemu-nbd -r -f vmdk -t -k $sock --fork --pid-file=$sock.pid $vmdk"
qnbd_stop="kill \$(cat $sock.pid); rm -f $sock $sock.pid"
filt="--filter=$filter"
conv="qemu-img convert -O qcow2 \\\"\\\$uri\\\" $out"

cat "$vmdk" > /dev/null
echo "VMDK -> qcow2, $runs interleaved rounds:"
interleave $runs \
  qemu-img "qemu-img convert -f vmdk -O qcow2 $vmdk $out" \
  qemu-nbd "$qnbd && qemu-img convert -O qcow2 nbd+unix:///?socket=$sock $out; $qnbd_stop" \
  qemu-nbd+filter "$qnbd && nbdkit -U - $filt nbd socket=$sock winvirtio-drivers=$work/vw --run \"$conv\"; $qnbd_stop" \
  nbdkit-vmdk "nbdkit -U - $vmdkplugin file=$vmdk --run \"$conv\"" \
  vmdk+filter "nbdkit -U - $filt $vmdkplugin file=$vmdk winvirtio-drivers=$work/vw --run \"$conv\""

# The planning alone, for the phase ratio: winvirtio map over the VMDK.
t0=$(date +%s.%N)
nbdkit -U - "$vmdkplugin" file="$vmdk" \
  --run "$winvirtio map --drivers=$work/vw \"\$uri\"" > "$work/e2e-plan.txt"
t1=$(date +%s.%N)
plan=$(bc -l <<< "$t1 - $t0")
printf 'winvirtio map over nbdkit vmdk (the conversion phase): %.2f s\n' "$plan"

[ -n "$v2v" ] || exit 0
command -v virt-v2v > /dev/null ||
  { echo "virt-v2v not installed (apt-get install virt-v2v): skipped"; exit 0; }
rm -rf "$work/v2v-out"
mkdir "$work/v2v-out"
echo "virt-v2v -i disk $vmdk -o local -of qcow2 (appliance under TCG):"
set +e
LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg \
  virt-v2v -v -x -i disk "$vmdk" -o local -os "$work/v2v-out" -of qcow2 2>&1 |
  /usr/bin/python3 -u -c '
import sys, time
t0 = time.time()
for line in sys.stdin:
    sys.stdout.write("%9.3f %s" % (time.time() - t0, line))
' > "$work/v2v.log"
rc=${PIPESTATUS[0]}
set -e
/usr/bin/python3 - "$work/v2v.log" "$rc" "$plan" <<'PY'
import re, sys
log, rc, plan = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
lines = [l.rstrip("\n") for l in open(log, errors="replace")]
def t(pattern):
    for l in lines:
        if re.search(pattern, l):
            return float(l.split()[0])
    return None
end = float(lines[-1].split()[0]) if lines else 0.0
launch0, launch1 = t(r"trace: v2v: launch$"), t(r"trace: v2v: launch = ")
insp0, insp1 = t(r"trace: v2v: inspect_os$"), t(r"trace: v2v: inspect_os = ")
def show(name, a, b):
    if a is not None and b is not None:
        print("  %-28s %8.2f s" % (name, b - a))
    else:
        print("  %-28s %8s" % (name, "not reached"))
print("  exit status %d after %.2f s" % (rc, end))
show("appliance boot (launch)", launch0, launch1)
show("inspection (inspect_os)", insp0, insp1)
errors = [l.split(None, 1)[1] for l in lines if "virt-v2v: error:" in l]
if errors:
    print("  stopped at: %s" % errors[0])
for phase in ("Opening the source", "Inspecting the source",
              "Checking for sufficient free disk space",
              "Converting", "Mapping filesystem data", "Closing the overlay",
              "Assigning disks", "Copying disk", "Creating output metadata",
              "Finishing off"):
    v = t(re.escape(phase))
    if v is not None:
        print("  phase %-32s started at %8.2f s" % (repr(phase), v))
if launch0 is not None:
    conv_end = t(r"Copying disk") or end
    print("  virt-v2v before its copy: %.2f s; winvirtio's planning: %.2f s;"
          " ratio %.0f" % (conv_end, plan, conv_end / plan if plan else 0))
PY
