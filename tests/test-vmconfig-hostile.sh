#!/usr/bin/env bash
# winvirtio tests: hostile and odd VM configurations, made here: each
# gets one clear error line (exit 1) or a documented default with a
# warning, never a crash.  .vmx: contradictory and repeated keys,
# unknown virtualDev values, a disk with no file, a MAC in neither
# form, no disk, Secure Boot on BIOS, a NUL byte, a 10 MB file, a
# line with no "=".  OVF: an external entity and a "billion laughs"
# (refused at the DOCTYPE, at once, nothing fetched), not XML, a disk
# reference that points nowhere, a File that References lacks.  OVA:
# no descriptor in it.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires python3 --version
requires tar --version

t=tmp-vmconfig-hostile
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"

# A minimal valid .vmx, then variants of it.
base ()
{
  echo '.encoding = "UTF-8"'
  echo 'displayName = "w"'
  echo 'guestOS = "windows9-64"'
  echo 'numvcpus = "4"'
  echo 'cpuid.coresPerSocket = "2"'
  echo 'memSize = "2048"'
  echo 'scsi0.present = "TRUE"'
  echo 'scsi0.virtualDev = "lsisas1068"'
  echo 'scsi0:0.present = "TRUE"'
  echo 'scsi0:0.fileName = "w-000003.vmdk"'
  echo 'ethernet0.present = "TRUE"'
  echo 'ethernet0.virtualDev = "vmxnet3"'
  echo 'ethernet0.addressType = "static"'
  echo 'ethernet0.address = "00:50:56:AA:BB:CC"'
}

# refused NAME MESSAGE: wv-vmconfig on $t/NAME exits 1 with MESSAGE
# (one line, on stderr).
refused ()
{
  local r=0
  $VG ./wv-vmconfig "$t/$1" > "$t/out" 2> "$t/err" || r=$?
  cat "$t/err"
  test $r = 1
  test "$(wc -l < "$t/err")" = 1
  grep -qF -- "$2" "$t/err"
}

# warned NAME WARNING: read, with WARNING among the warnings.
warned ()
{
  $VG ./wv-vmconfig "$t/$1" > "$t/out"
  cat "$t/out"
  grep -qF -- "warning $2" "$t/out"
}

base > "$t/ok.vmx"
./wv-vmconfig "$t/ok.vmx" > "$t/out"
grep -qx "nic 0 00:50:56:aa:bb:cc vmxnet3 " "$t/out"
grep -qx "disk 0 scsi0:0 lsisas1068 w-000003.vmdk" "$t/out"
grep -qx "cores_per_socket 2" "$t/out"
! grep -q '^warning' "$t/out"

{ base; echo 'MEMSIZE = "4096"'; } > "$t/contra.vmx"
refused contra.vmx \
  'memsize is given twice with two values (line 6: "2048", line 15: "4096")'
{ base; echo 'memsize = "2048"'; } > "$t/dup.vmx"
warned dup.vmx 'memsize is given twice (lines 6 and 15), with the same value'
{ base | sed 's/vmxnet3/vmxnet9/; s/lsisas1068/megaraid/'; } > "$t/unknown.vmx"
warned unknown.vmx \
  'ethernet0.virtualDev = "vmxnet9" is unknown: the NIC is kept with the destination'"'"'s model'
warned unknown.vmx \
  'scsi0.virtualDev = "megaraid" is unknown: the destination'"'"'s bus is used'
{ base | grep -v fileName; echo 'scsi0:0.deviceType = "scsi-hardDisk"'; } \
  > "$t/nofile.vmx"
refused nofile.vmx 'scsi0:0: a hard disk with no fileName'
: > "$t/empty.vmx"
refused empty.vmx 'no hard disk (no <bus>N:M.present with a .vmdk fileName)'
{ base | grep -v '^scsi0:0'; } > "$t/nodisk.vmx"
refused nodisk.vmx 'no hard disk (no <bus>N:M.present with a .vmdk fileName)'
{ base | grep -v 'ethernet0.address ='; } > "$t/nomac.vmx"
warned nomac.vmx 'ethernet0: no MAC address (addressType "static"): the destination will make up a MAC'
{ base | sed 's/00:50:56:AA:BB:CC/00:50:56:zz/'; } > "$t/badmac.vmx"
warned badmac.vmx 'ethernet0: the MAC "00:50:56:zz" is not a MAC'
{ base; echo 'uefi.secureBoot.enabled = "TRUE"'; } > "$t/sbbios.vmx"
refused sbbios.vmx 'uefi.secureBoot.enabled = "TRUE" but the firmware is BIOS: contradictory'
{ base; echo 'numvcpus = "4"'; echo 'cpuid.coresPerSocket = "2"'; } > /dev/null
{ base | sed 's/"4"/"3"/'; } > "$t/cores.vmx"
warned cores.vmx 'cpuid.coresPerSocket = 2 does not divide numvcpus = 3: one core a socket'
{ base | sed 's/"2048"/"lots"/'; } > "$t/mem.vmx"
refused mem.vmx 'memsize = "lots": not a number from 4 to 25165824'
{ base | grep -v memSize; } > "$t/nomem.vmx"
warned nomem.vmx "no memSize: 1024 MiB, VMware's default for Windows"
{ base; echo 'firmware = "coreboot"'; } > "$t/fw.vmx"
warned fw.vmx "firmware = \"coreboot\" is unknown: BIOS, VMware's default"
{ base; printf 'a = "\0"\n'; } > "$t/nul.vmx"
refused nul.vmx 'the .vmx has a NUL byte: not a text file'
{ base; echo 'just some words'; } > "$t/noeq.vmx"
refused noeq.vmx 'line 15: not key = "value"'
{ base; echo 'x = "unterminated'; } > "$t/quote.vmx"
refused quote.vmx 'line 15: x: the value'"'"'s closing quote is missing'
# CD/DVD drives: counted to 4, then one warning.
{ base; for u in 0 1; do
    echo "ide$u:0.present = \"TRUE\""; echo "ide$u:0.deviceType = \"cdrom-image\""
    echo "ide$u:0.fileName = \"/vmfs/volumes/ds/win$u.iso\""
  done
  for u in 0 1 2 3; do
    echo "sata0:$u.present = \"TRUE\""; echo "sata0:$u.fileName = \"tools$u.iso\""
  done; } > "$t/cd.vmx"
warned cd.vmx 'more than 4 CD/DVD drives: the rest left out'
grep -qx 'cdroms 4' "$t/out"
[ $(grep -c '^warning' "$t/out") = 1 ]
grep -qx 'cdroms 0' <(./wv-vmconfig "$t/ok.vmx")
# 10 MB: refused by its size, before it is read.
{ base; head -c 10485760 /dev/zero | tr '\0' '#'; } > "$t/big.vmx"
refused big.vmx 'bytes, more than the 4194304 bytes winvirtio accepts for it'
# 20000 lines of keys: read, in bounded time.
{ base; for i in $(seq 20000); do echo "k$i = \"v\""; done; } > "$t/many.vmx"
timeout 20 ./wv-vmconfig "$t/many.vmx" > /dev/null

# OVF.  A valid one first.
ovf ()
{
  local head=$1 diskref=${2:-vmdisk1} fileref=${3:-file1}
  cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
$head
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References><File ovf:id="$fileref" ovf:href="w-disk1.vmdk"/></References>
  <DiskSection><Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="1"/></DiskSection>
  <VirtualSystem ovf:id="w">
    <Name>w &amp; co</Name>
    <OperatingSystemSection ovf:id="1" vmw:osType="windows9_64Guest"/>
    <VirtualHardwareSection>
      <Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>3</rasd:VirtualQuantity></Item>
      <Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>VirtualSCSI</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard disk 1</rasd:ElementName><rasd:HostResource>ovf:/disk/$diskref</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
      <Item><rasd:Address>00-50-56-01-02-03</rasd:Address><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
XML
}
ovf "" > "$t/ok.ovf"
./wv-vmconfig "$t/ok.ovf" > "$t/out"
cat "$t/out"
grep -qx "name w & co" "$t/out"
grep -qx "memory_mib 3072" "$t/out"
grep -qx "firmware efi" "$t/out"
grep -qx "nic 0 00:50:56:01:02:03 VmxNet3 " "$t/out"
grep -qx "disk 0 scsi0:0 pvscsi w-disk1.vmdk" "$t/out"
python3 -c 'import xml.etree.ElementTree as E, sys; E.parse(sys.argv[1])' "$t/ok.ovf"

# An external entity: refused at the DOCTYPE, the file is not read.
echo SECRET > "$t/secret"
ovf "<!DOCTYPE Envelope [<!ENTITY x SYSTEM \"file://$PWD/$t/secret\">]>" |
  sed 's/<Name>w &amp; co/<Name>\&x;/' > "$t/xxe.ovf"
refused xxe.ovf 'the OVF descriptor has a DOCTYPE: refused (an OVF needs none, and its entities are not expanded)'
! grep -q SECRET "$t/out" "$t/err"
ovf '<!DOCTYPE Envelope SYSTEM "http://127.0.0.1:9/x.dtd">' > "$t/dtd.ovf"
refused dtd.ovf 'the OVF descriptor has a DOCTYPE: refused'
# Billion laughs: refused, and at once.
{
  echo '<!DOCTYPE Envelope ['
  echo '<!ENTITY l0 "lol">'
  for i in $(seq 1 9); do
    echo "<!ENTITY l$i \"$(for j in $(seq 10); do printf '&l%d;' $((i - 1)); done)\">"
  done
  echo ']>'
} > "$t/laughs.dtd"
ovf "$(cat "$t/laughs.dtd")" | sed 's/<Name>w &amp; co/<Name>\&l9;/' > "$t/laughs.ovf"
timeout 10 ./wv-vmconfig "$t/laughs.ovf" 2> "$t/err" && false
grep -qF 'has a DOCTYPE: refused' "$t/err"
printf '<Envelope><unclosed></Envelope>' > "$t/bad.ovf"
refused bad.ovf 'the OVF descriptor is not well-formed XML: line 1:'
printf '<Other/>' > "$t/other.ovf"
refused other.ovf 'not an OVF descriptor: the root element is not Envelope'
ovf "" vmdisk9 > "$t/nowhere.ovf"
refused nowhere.ovf 'Hard disk 1: HostResource "ovf:/disk/vmdisk9" points to no Disk of the DiskSection'
ovf "" vmdisk1 file7 > "$t/nofile.ovf"
refused nofile.ovf 'Hard disk 1: Disk "vmdisk1" refers to file "file1", which References does not list'

# An OVA with no descriptor.
head -c 4096 /dev/zero > "$t/disk.vmdk"
tar -C "$t" --format=ustar -cf "$t/empty.ova" disk.vmdk
refused empty.ova 'an OVA with no .ovf descriptor'
