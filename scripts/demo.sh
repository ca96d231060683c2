#!/usr/bin/env bash
# winvirtio demo: install, build, make a Windows-like disk, stream it
# through the filter into a qcow2, and check the result with tools
# that winvirtio did not write.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The disk is a small Windows 10-like GPT disk (built without
# mounting anything), converted to a VMware streamOptimized VMDK as an
# export would give it, and served by nbdkit-vmdk-plugin; the drivers
# come from a FAKE virtio-win tree: the demo shows the pipeline, it
# does not make a bootable Windows.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"

scripts/install-deps.sh
scripts/build.sh >/dev/null

demo="$top/demo"
rm -rf "$demo"
mkdir -p "$demo"
export WV_BUILDDIR="$top"

echo "== making a demo Windows 10 disk (GPT/UEFI) and a FAKE virtio-win tree"
scripts/make-fake-virtio-win.sh "$demo/virtio-win" >/dev/null
scripts/make-windows-disk.sh "$demo/windows.img" --version win10 --layout gpt \
  >/dev/null
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized \
  "$demo/windows.img" "$demo/windows.vmdk"
sha_before=$(sha256sum < "$demo/windows.vmdk")

echo "== what winvirtio will find and do, before the copy (winvirtio inspect)"
tools/winvirtio inspect --drivers="$demo/virtio-win" "$demo/windows.img" |
  sed 's/^/  /'

echo
echo "== streaming the VMDK through nbdkit --filter=winvirtio vmdk into a qcow2"
nbdkit -U - --filter="$top/filter/.libs/nbdkit-winvirtio-filter.so" \
  "$top/plugin/.libs/nbdkit-vmdk-plugin.so" file="$demo/windows.vmdk" \
  winvirtio-drivers="$demo/virtio-win" \
  winvirtio-report="$demo/report.txt" \
  --run 'qemu-img convert -p -O qcow2 "$uri" '"$demo/windows-virtio.qcow2"

echo
echo "== what winvirtio patched (the registry keys one by one: $demo/report.txt)"
awk '/^(created key|set|deleted key) / { n[$1]++; next }
     n["created"] + n["set"] + n["deleted"] && !done {
       printf "  registry: %d keys created, values set in %d keys, %d keys deleted\n",
         n["created"], n["set"], n["deleted"]; done = 1 }
     { print "  " $0 }' "$demo/report.txt"

echo
echo "== checking the result with independent tools"
"$top/scripts/check-converted.sh" "$demo/windows.img" \
  "$demo/windows-virtio.qcow2" "$demo/virtio-win"
[ "$(sha256sum < "$demo/windows.vmdk")" = "$sha_before" ] ||
  { echo "FAIL: the source disk changed" >&2; exit 1; }
echo "  source disk unchanged (sha256)"

echo
echo "== the VM definition for the copy: the two libvirt stages (winvirtio domain)"
# A small VMX as VMware would write it for this VM (made here, as the
# disk is): UEFI, 2 vCPUs, 4 GiB, one NIC; its disk named as the copy.
cat > "$demo/windows.vmx" <<'VMX'
.encoding = "UTF-8"
config.version = "8"
displayName = "windows-demo"
guestOS = "windows9-64"
numvcpus = "2"
cpuid.coresPerSocket = "2"
memSize = "4096"
firmware = "efi"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsisas1068"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "windows-virtio.vmdk"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:0c:29:12:34:56"
VMX
for stage in bootstrap final; do
  echo "-- stage $stage ($demo/windows-$stage.xml):"
  tools/winvirtio domain --drivers="$demo/virtio-win" \
    --vm-config="$demo/windows.vmx" --stage=$stage --disk-dir="$demo" \
    -o "$demo/windows-$stage.xml" "$demo/windows.img" 2>&1 | sed 's/^/  /'
  sed 's/^/  /' "$demo/windows-$stage.xml"
  virt-xml-validate "$demo/windows-$stage.xml" | sed 's/^/  /'
  virsh -q -c test:///default define "$demo/windows-$stage.xml" | sed 's/^/  /'
done
echo
echo "Demo OK: $demo/windows-virtio.qcow2"
