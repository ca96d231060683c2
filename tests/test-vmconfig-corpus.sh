#!/usr/bin/env bash
# winvirtio tests: the VM configuration readers (lib/vmconfig/) on
# every real VMware-written file in ../shared/corpus/vmconfig/ (.vmx
# and .ovf) and on the same .ovf packed in an OVA made here with tar:
# what winvirtio reads (CPUs, cores, memory, firmware, Secure Boot,
# vTPM, MACs, disks in order) equals an independent reading
# (vmconfig_check.py: plain Python, ElementTree for the XML).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires python3 --version
requires tar --version
requires_corpus vmconfig/vmx
requires_corpus vmconfig/ovf

t=tmp-vmconfig-corpus
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"

n=0
for f in "$corpus"/vmconfig/vmx/*.vmx "$corpus"/vmconfig/ovf/*.ovf; do
  $VG ./wv-vmconfig "$f" > "$t/model"
  cat "$t/model"
  grep -qx "kind ${f##*.}" "$t/model"
  python3 "$abs_top_srcdir/tests/vmconfig_check.py" model "$f" "$t/model"
  n=$((n + 1))
done
test $n -ge 16

# An OVA (a tar whose first member is the descriptor, then a disk) of
# each .ovf: the same model, read through libarchive.
for f in "$corpus"/vmconfig/ovf/*.ovf; do
  rm -rf "$t/ova"
  mkdir "$t/ova"
  cp "$f" "$t/ova/vm.ovf"
  head -c 65536 /dev/zero > "$t/ova/disk1.vmdk"
  tar -C "$t/ova" --format=ustar -cf "$t/vm.ova" vm.ovf disk1.vmdk
  ./wv-vmconfig "$f" | sed 1d > "$t/want"
  $VG ./wv-vmconfig "$t/vm.ova" > "$t/got"
  grep -qx "kind ova" "$t/got"
  sed 1d "$t/got" | diff -u "$t/want" -
done

# The facts a reader must not miss, spelled out for three files.
c="$corpus/vmconfig"
./wv-vmconfig "$c/vmx/virt-v2v-test-i-vmx-7-win2019-efi-secureboot.vmx" \
  > "$t/m7"
grep -qx "firmware efi" "$t/m7"
grep -qx "secure_boot 1" "$t/m7"
grep -qx "disk 1 sata0:3 - win2019_1.vmdk" "$t/m7"
./wv-vmconfig "$c/ovf/govmomi-win19-efi-vtpm.ovf" > "$t/mt"
grep -qx "vtpm 1" "$t/mt"
grep -qx "secure_boot 1" "$t/mt"
./wv-vmconfig "$c/ovf/govmomi-vcd-OVF_PCI_IDs-3nic-mac.ovf" > "$t/mv"
grep -qx "nic 0 00:50:56:0e:01:4d E1000 Automation" "$t/mv"
grep -qx "disk 1 ide0:0 - OVF_PCI_IDs-disk1.vmdk" "$t/mv"
