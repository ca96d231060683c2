#!/usr/bin/env bash
# winvirtio tests: winvirtio domain, the destination's VM definition.
# For every real configuration in ../shared/corpus/vmconfig/ and a
# synthetic UEFI + Secure Boot + vTPM one, on a Windows 10 GPT disk
# (UEFI) and a Windows 7 MBR disk (BIOS): both libvirt stages pass
# virt-xml-validate and virsh's test driver (define), and have the
# source's memory, vCPUs, topology, MACs, the disk's firmware and the
# guest's clock (vmconfig_check.py); the KubeVirt manifest validates
# against KubeVirt's own v1.VirtualMachine schema (jsonschema), the
# OpenStack properties use only Glance's documented names and values.
# A guest with RealTimeIsUniversal=1 gets clock utc (hivexget says
# so too); XP gets i440fx, the IDE bootstrap, the transitional VirtIO
# devices and the refusal of a final stage on virtio-scsi.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires virt-xml-validate --version
requires virsh -c test:///default version
requires python3 -c 'import jsonschema, yaml'
requires which hivexget
requires tar --version
requires_corpus vmconfig/vmx
requires_corpus k8s-schemas/kubevirt/swagger.json

t=tmp-domain
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
check="$abs_top_srcdir/tests/vmconfig_check.py"
schema="$corpus/k8s-schemas/kubevirt/swagger.json"

"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"
mk ()
{
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/$1.img" "${@:2}"
}
mk w10 --version win10 --layout gpt
mk w7 --version win7 --layout mbr
mk xp --version xp --layout mbr
# The same Windows 10, keeping its RTC in UTC.
cs=$(winvirtio inspect --drivers="$t/vw" "$t/w10.img" |
     sed -n 's/^  control set: \(ControlSet00[0-9]\) .*/\1/p' | head -1)
{
  echo 'Windows Registry Editor Version 5.00'
  echo
  echo "[HKEY_LOCAL_MACHINE\\SYSTEM\\$cs\\Control\\TimeZoneInformation]"
  echo '"RealTimeIsUniversal"=dword:00000001'
} > "$t/utc.reg"
mk w10utc --version win10 --layout gpt --system-reg "$t/utc.reg"
# And one whose storahci is boot-start (Start=0, its .sys there).
{
  echo 'Windows Registry Editor Version 5.00'
  echo
  echo "[HKEY_LOCAL_MACHINE\\SYSTEM\\$cs\\Services\\storahci]"
  echo '"Type"=dword:00000001'
  echo '"Start"=dword:00000000'
  echo '"ErrorControl"=dword:00000003'
  echo '"Group"="SCSI miniport"'
  echo '"ImagePath"="System32\\drivers\\storahci.sys"'
} > "$t/ahci.reg"
head -c 4096 /dev/urandom > "$t/storahci.sys"
mk w10ahci --version win10 --layout gpt --system-reg "$t/ahci.reg" \
  --put "$t/storahci.sys:/Windows/System32/drivers/storahci.sys"
# And one without storahci.sys, which the block map cannot make boot
# start (the test disks' storahci has a StartOverride, as on VMware).
mk w10noahci --version win10 --layout gpt --no-driver storahci

# The clock, as inspect reports it and as hivexget reads the hive.
winvirtio inspect --drivers="$t/vw" "$t/w10.img" > "$t/i10" || true
grep -qx '  clock: RTC in local time (no TimeZoneInformation key)' "$t/i10"
grep -qx 'clock: RTC in local time (no TimeZoneInformation key)' <(sed 's/^  //' "$t/i10")
winvirtio inspect --drivers="$t/vw" "$t/w10utc.img" > "$t/iu" || true
grep -qx '  clock: RTC in UTC (RealTimeIsUniversal = 1)' "$t/iu"
winvirtio inspect --json --drivers="$t/vw" "$t/w10utc.img" > "$t/iu.json" || true
python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["windows"]; assert w["rtc"] == "utc", w' "$t/iu.json"
winvirtio map --drivers="$t/vw" "$t/w10utc.img" | grep -qx 'clock: RTC in UTC (RealTimeIsUniversal = 1)'
# hivexget on the hive in the image (icat from sleuthkit when there).
if icat -V >/dev/null 2>&1 && mmls -V >/dev/null 2>&1; then
  off=$(mmls "$t/w10utc.img" | awk '$6 ~ /Basic|data/ {print $3; exit}')
  if [ -n "$off" ]; then
    inode=$(ifind -o "$off" -n Windows/System32/config/SYSTEM "$t/w10utc.img")
    icat -o "$off" "$t/w10utc.img" "$inode" > "$t/SYSTEM"
    test "$(hivexget "$t/SYSTEM" "$cs\\Control\\TimeZoneInformation" RealTimeIsUniversal)" = 1
  fi
fi

# A synthetic VMX: UEFI, Secure Boot, a vTPM, 2 sockets x 3 cores,
# three NICs (generated, static, none), disks on SCSI, SATA and NVMe.
{
  echo '.encoding = "UTF-8"'
  echo 'displayName = "syn <&> vm"'
  echo 'guestOS = "windows2019srvNext-64"'
  echo 'numvcpus = "6"'
  echo 'cpuid.coresPerSocket = "3"'
  echo 'memSize = "6144"'
  echo 'firmware = "efi"'
  echo 'uefi.secureBoot.enabled = "TRUE"'
  echo 'vtpm.present = "TRUE"'
  echo 'scsi0.virtualDev = "pvscsi"'
  echo 'scsi0:0.present = "TRUE"'
  echo 'scsi0:0.fileName = "syn-000002.vmdk"'
  echo 'sata0:1.present = "TRUE"'
  echo 'sata0:1.fileName = "syn_1.vmdk"'
  echo 'nvme0:0.present = "TRUE"'
  echo 'nvme0:0.fileName = "syn_2.vmdk"'
  for n in 0 1 2; do
    echo "ethernet$n.present = \"TRUE\""
    echo "ethernet$n.virtualDev = \"vmxnet3\""
  done
  echo 'ethernet0.generatedAddress = "00:0c:29:01:02:03"'
  echo 'ethernet1.addressType = "static"'
  echo 'ethernet1.address = "00:50:56:3f:00:01"'
} > "$t/syn.vmx"

# stage CONFIG DISK STAGE CLOCK FIRMWARE [OPTIONS]: the libvirt XML,
# validated now; defined and checked against the source at the end,
# all at once.
i=0
mkdir "$t/x"
: > "$t/libvirt.list"
stage ()
{
  local cfg=$1 disk=$2 st=$3 clock=$4 fw=$5 x="$t/x/$i.xml"
  shift 5
  i=$((i + 1))
  $VG winvirtio domain --drivers="$t/vw" --vm-config="$cfg" --stage="$st" \
    --name="t$i" \
    "$@" -o "$x" "$t/$disk.img" 2> "$t/warn"
  cat "$t/warn"
  virt-xml-validate "$x"
  echo "$cfg $x $st $clock $fw" >> "$t/libvirt.list"
  cp "$x" "$t/out.xml"
}
# define_all: every XML so far, into one virsh test driver.
define_all ()
{
  local cmds="" x
  set +x
  for x in "$t"/x/*.xml; do
    cmds="$cmds define $x;"
  done
  set -x
  virsh -c test:///default "$cmds" > "$t/virsh.out"
  test "$(grep -c "defined from" "$t/virsh.out")" = "$(ls "$t"/x | wc -l)"
  python3 "$check" libvirt "$t/libvirt.list"
}

n=0
for f in "$corpus"/vmconfig/vmx/*.vmx "$corpus"/vmconfig/ovf/*.ovf "$t/syn.vmx"; do
  b=$(basename "$f")
  for st in bootstrap final; do
    stage "$f" w10 $st localtime efi
    stage "$f" w7 $st localtime bios --bus=virtio-scsi
  done
  winvirtio domain --drivers="$t/vw" --vm-config="$f" --format=kubevirt \
    "$t/w10.img" > "$t/$b-1.yaml"
  winvirtio domain --drivers="$t/vw" --vm-config="$f" --stage=bootstrap \
    --format=kubevirt --timezone=Europe/Paris --pvc=sys \
    --datavolume=data "$t/w7.img" > "$t/$b-2.yaml"
  winvirtio domain --drivers="$t/vw" --vm-config="$f" --format=openstack \
    "$t/w10.img" > "$t/$b.os.json"
  n=$((n + 1))
done
test $n -ge 17
# The UTC guest, with a few of them.
for f in "$t/syn.vmx" "$corpus"/vmconfig/ovf/govmomi-win19-efi-vtpm.ovf \
    "$corpus"/vmconfig/vmx/libvirt-esx-in-the-wild-8-rhel7-10nic-static-mac.vmx; do
  stage "$f" w10utc bootstrap utc efi
  stage "$f" w10utc final utc efi
done
python3 "$check" kubevirt "$schema" "$t"/*.yaml
python3 "$check" openstack "$t"/*.os.json

# An OVA (the vTPM OVF and a disk, tar'd here): as the OVF itself.
mkdir "$t/ova"
cp "$corpus/vmconfig/ovf/govmomi-win19-efi-vtpm.ovf" "$t/ova/win19.ovf"
head -c 65536 /dev/zero > "$t/ova/win19-1.vmdk"
tar -C "$t/ova" --format=ustar -cf "$t/win19.ova" win19.ovf win19-1.vmdk
for st in bootstrap final; do
  winvirtio domain --drivers="$t/vw" --vm-config="$t/ova/win19.ovf" \
    --stage=$st "$t/w10.img" 2> /dev/null | sed 's/ovf configuration/X/' > "$t/a"
  winvirtio domain --drivers="$t/vw" --vm-config="$t/win19.ova" \
    --stage=$st "$t/w10.img" 2> /dev/null | sed 's/ova configuration/X/' > "$t/b"
  diff -u "$t/a" "$t/b"
  grep -qF "<tpm model='tpm-crb'>" "$t/b"
done

# The synthetic VM, spelled out.
winvirtio domain --drivers="$t/vw" --vm-config="$t/syn.vmx" -o "$t/f.xml" \
  "$t/w10.img" 2> "$t/warn"
cat "$t/warn" "$t/f.xml"
grep -qF "warning: the source has a vTPM: the destination gets a new, empty TPM" "$t/warn"
grep -qF "BitLocker" "$t/warn"
grep -qF "<name>syn &lt;&amp;&gt; vm</name>" "$t/f.xml"
grep -qF "<source file='/var/lib/libvirt/images/syn.qcow2'/>" "$t/f.xml"
grep -qF "<target dev='vdc' bus='virtio'/>" "$t/f.xml"
grep -qF "<loader secure='yes'/>" "$t/f.xml"
grep -qF "<hyperv mode='custom'>" "$t/f.xml"
grep -qF "<tpm model='tpm-crb'>" "$t/f.xml"
test "$(grep -c '<interface ' "$t/f.xml")" = 3
test "$(grep -c '<mac ' "$t/f.xml")" = 2
grep -qF "ethernet2: no MAC address" "$t/warn"
# The bootstrap stage warns that storahci will not be boot-start in the
# patched guest: not when its file is missing; not when the source has
# it boot-start (w10ahci), nor when the block map makes it so (w10).
winvirtio domain --drivers="$t/vw" --vm-config="$t/syn.vmx" \
  --stage=bootstrap "$t/w10noahci.img" 2> "$t/warn" > /dev/null
grep -qF "warning: the bootstrap stage boots from sata through storahci, which this guest does not start at boot" "$t/warn"
winvirtio domain --drivers="$t/vw" --vm-config="$t/syn.vmx" \
  --stage=bootstrap "$t/w10.img" 2> "$t/warn" > /dev/null
grep -qF "storahci" "$t/warn" && false
winvirtio inspect --drivers="$t/vw" "$t/w10ahci.img" | grep -q '^  storahci: Start=0 (boot)'
winvirtio domain --drivers="$t/vw" --vm-config="$t/syn.vmx" \
  --stage=bootstrap "$t/w10ahci.img" 2> "$t/warn" > /dev/null
cat "$t/warn"
grep -qF "storahci" "$t/warn" && false
winvirtio domain --drivers="$t/vw" --vm-config="$t/syn.vmx" \
  --format=openstack-args "$t/w10.img" > "$t/args"
grep -qF -- "--property hw_firmware_type='uefi'" "$t/args"
grep -qF -- "--property os_secure_boot='required'" "$t/args"
grep -qF -- "--property hw_tpm_version='2.0'" "$t/args"
eval "set -- $(cat "$t/args")"
test "$1" = --property
set -x

# SOURCE a block map: its summary gives the same definition as the
# disk (Windows, firmware from the partition table, clock); the
# bootstrap stage warns that the inbox driver's state is not known.
for d in w10 w10utc w7; do
  winvirtio map --drivers="$t/vw" -o "$t/$d.map" "$t/$d.img" > /dev/null
  for st in bootstrap final; do
    winvirtio domain --drivers="$t/vw" --vm-config="$t/syn.vmx" \
      --stage=$st "$t/$d.img" > "$t/from-disk.xml" 2> /dev/null
    $VG winvirtio domain --vm-config="$t/syn.vmx" --stage=$st \
      "$t/$d.map" > "$t/from-map.xml" 2> "$t/warn"
    cat "$t/warn"
    cmp "$t/from-disk.xml" "$t/from-map.xml"
  done
  grep -qF "warning: from a block map the guest's" "$t/warn" && false
done
grep -qF "offset='utc'" "$t/from-map.xml" && false
winvirtio domain --vm-config="$t/syn.vmx" --stage=bootstrap \
  "$t/w10utc.map" 2> "$t/warn" | grep -qF "<clock offset='utc'>"
grep -qF "warning: from a block map the guest's storahci is not known" "$t/warn"

# Windows XP: i440fx, IDE bootstrap, transitional VirtIO, no Hyper-V,
# and no final stage on virtio-scsi.
xpvmx="$corpus/vmconfig/vmx/libvirt-fusion-in-the-wild-1-winxp-2nic.vmx"
stage "$xpvmx" xp bootstrap localtime bios
grep -qF "machine='pc'" "$t/out.xml"
grep -qF "bus='ide'" "$t/out.xml"
grep -qF "<model type='rtl8139'/>" "$t/out.xml"
! grep -q hyperv "$t/out.xml"
# Its CD-ROM (ide0:0, atapi-cdrom) stays, empty, after the IDE disk.
grep -A2 "device='cdrom'" "$t/out.xml" | grep -qF "<target dev='hdb' bus='ide'/>"
stage "$xpvmx" xp final localtime bios
grep -qF "model='virtio-transitional'" "$t/out.xml"
grep -A2 "device='cdrom'" "$t/out.xml" | grep -qF "<target dev='hda' bus='ide'/>"
# The source's CD/DVD drives: in most of the corpus's definitions
# (vmconfig_check.py counts them in each, independently).
[ $(grep -l "device='cdrom'" "$t"/x/*.xml | wc -l) -ge 20 ]
define_all
# KubeVirt: left out, with a warning.
winvirtio domain --drivers="$t/vw" --vm-config="$xpvmx" --format=kubevirt \
  "$t/w10.img" 2>&1 > /dev/null |
  grep -qFx "winvirtio: warning: the source's 1 CD/DVD drive is left out: KubeVirt attaches an ISO image as a volume of its own"
r=0
winvirtio domain --drivers="$t/vw" --vm-config="$xpvmx" --bus=virtio-scsi \
  "$t/xp.img" > /dev/null 2> "$t/err" || r=$?
cat "$t/err"
test $r = 1
grep -qxF "winvirtio: a final stage on virtio-scsi for Microsoft Windows XP is refused: virtio-win has no vioscsi for Windows XP or 2003; use --bus=virtio-blk (viostor)" "$t/err"

# Bad usage and bad input: one line, exit 1.
r=0
winvirtio domain --drivers="$t/vw" "$t/w10.img" 2> "$t/err" || r=$?
test $r = 1
grep -q '^usage: winvirtio domain' "$t/err"
r=0
winvirtio domain --vm-config="$t/syn.vmx" --stage=second "$t/w10.img" \
  2> "$t/err" || r=$?
test $r = 1
grep -qF 'winvirtio: --stage: unknown value "second"' "$t/err"
r=0
winvirtio domain --vm-config="$t/nonexistent.vmx" "$t/w10.img" \
  2> "$t/err" || r=$?
test $r = 1
grep -qF "cannot open the VM configuration" "$t/err"
