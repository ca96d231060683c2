#!/usr/bin/env bash
# winvirtio: build a FAKE virtio-win driver tree for tests and the demo.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: make-fake-virtio-win.sh [--layout=iso|installed] [--iso=FILE] DIR
#
# --layout=iso (the default) lays out DIR like the virtio-win ISO
# (folder names and case as in the real ISO's file list, see
# ../shared/corpus/inf/virtio-win/layout/virtio-win-iso-list.txt):
#
#   DRIVER/OS/ARCH/FILES    e.g. viostor/w10/amd64/viostor.{inf,cat,sys,pdb}
#   README.txt
#
#   DRIVER  viostor vioscsi NetKVM Balloon vioserial viorng pvpanic
#           fwcfg vioinput qemupciserial, sriov (vioprot, to be left
#           out), and smbus in 2k25 only (to be left out: it breaks
#           the first boot of Server 2025)
#   OS      xp 2k3 (viostor only) w7 2k8R2 w8 2k12 w8.1 2k12R2 w10 2k16 2k19 w11 2k22 2k25
#   ARCH    amd64 everywhere but xp, x86 for xp 2k3 w7 w10, ARM64 for w11
#           (storage and network only)
#
# Besides DRIVER.{inf,cat,sys,pdb} some folders have the extra files
# of the real ones (blnsvr.exe, viorngum.dll, viohidkmdf.sys,
# netkvmco.exe); qemupciserial has no .sys (it uses Windows' own
# serial.sys); the NetKVM folders also have an sriov/ subfolder (left
# out too).
#
# --layout=installed lays DIR out as the Fedora/RHEL virtio-win RPM
# installs it in /usr/share/virtio-win (see virtio-win-drivers-list.txt
# in the corpus):
#
#   drivers/by-driver/DRIVER/OS/ARCH/FILES   (as the ISO, with .pdb)
#   drivers/by-os/ARCH/OS/FILES              (all drivers of one OS in
#                                             one folder, no .pdb; x86
#                                             is "i386" there)
#   README.txt
#
# --iso=FILE also writes FILE, an ISO 9660 image (Rock Ridge and
# Joliet) of the ISO layout, with xorriso or genisoimage.
#
# Nothing here is a real driver.  Each .sys, .dll and .exe is a
# minimal PE image that passes winvirtio's checks (lib/drivers/pecheck.c): the
# machine of its folder (i386 for x86, AMD64, ARM64), the native
# subsystem for a .sys, console for an .exe, GUI for a .dll; its MS-DOS
# stub names it ("WINVIRTIO FAKE DRIVER - NOT A REAL DRIVER: viostor
# w10 amd64") and its one section holds 24-40 KiB (4-8 for programs) of
# pseudo-random bytes seeded by that name, so every file differs and
# every run gives the same bytes.  Each .cat is a real DER PKCS#7
# SignedData (its content a line naming it, content type szOID_CTL as
# in a real catalog) signed by a throwaway certificate "winvirtio fake
# driver signer (test only)", made here with a 2048-bit RSA key that
# certtool derives from a fixed seed (--provable --seed), fixed dates
# and serial, and signed by openssl cms without signed attributes
# (PKCS#1 v1.5 signatures are deterministic): the same bytes on every
# run, for any tree this script makes.  .pdb files start like an MSF
# file.  The .inf files are UTF-16LE with a
# BOM and CRLF line ends, like the real ones, and are shaped like
# them: [Version], [Manufacturer] with the per-OS TargetOSVersion
# decoration (NTamd64.10.0...17763, NTx86.6.1, NTarm64.10.0...22000),
# Models with the real PCI IDs, AddService with the real service
# settings (boot start for storage, demand start for the others).
#
# DIR must not exist, be empty, or be a tree this script made (which
# is then replaced).  Needs bash, perl, certtool (gnutls-bin), openssl
# and, for --iso, xorriso or genisoimage.

set -euo pipefail

prog=make-fake-virtio-win.sh
marker="WINVIRTIO FAKE VIRTIO-WIN TREE"

die ()
{
  echo "$prog: $*" >&2
  exit 1
}
usage ()
{
  echo "usage: $prog [--layout=iso|installed] [--iso=FILE] DIR" >&2
  exit 1
}

layout=iso
iso=
dir=
for arg; do
  case "$arg" in
    --layout=iso|--layout=installed) layout="${arg#--layout=}" ;;
    --iso=?*) iso="${arg#--iso=}" ;;
    -*) usage ;;
    *) [ -z "$dir" ] || usage; dir="${arg%/}" ;;
  esac
done
[ -n "$dir" ] || usage
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ] &&
    ! grep -qs "$marker" "$dir/README.txt"; then
  die "$dir exists and is not a fake virtio-win tree made by this script"
fi
if [ -n "$iso" ]; then
  if command -v xorriso >/dev/null; then
    mkiso=(xorriso -as mkisofs)
  elif command -v genisoimage >/dev/null; then
    mkiso=(genisoimage)
  else
    die "--iso needs xorriso or genisoimage (apt-get install xorriso)"
  fi
fi

for tool in certtool openssl; do
  command -v $tool >/dev/null ||
    die "$tool is missing (apt-get install gnutls-bin openssl)"
done

tmp="$dir.tmp"
cleanup ()
{
  rm -rf "$tmp" "$tmp.iso"
}
trap cleanup EXIT
rm -rf "$tmp" "$tmp.iso"
mkdir -p "$tmp/iso" "$tmp/signer"

# The throwaway signer: the same key and certificate on every run.
signer_cn="winvirtio fake driver signer (test only)"
seed=$(printf '%s' "$signer_cn" | sha256sum | cut -c1-56)
certtool --generate-privkey --key-type rsa --bits 2048 --provable \
  --seed="$seed" --no-text --outfile "$tmp/signer/key.pem" 2>/dev/null
cat > "$tmp/signer/template" <<EOF
cn = "$signer_cn"
serial = 1
activation_date = "2026-01-01 00:00:00 UTC"
expiration_date = "2046-01-01 00:00:00 UTC"
signing_key
code_signing_key
EOF
certtool --generate-self-signed --load-privkey "$tmp/signer/key.pem" \
  --template "$tmp/signer/template" --no-text \
  --outfile "$tmp/signer/cert.pem" 2>/dev/null

# Write the whole ISO layout into $tmp/iso in one perl run.
perl - "$tmp/iso" "$prog" "$tmp/catalogs" <<'PERL'
use strict;
use warnings;
use Digest::MD5 qw(md5);
use File::Path qw(make_path);

my ($top, $prog, $catalogs) = @ARGV;
open my $catlist, ">", $catalogs or die "$catalogs: $!";

my @oses = qw(xp 2k3 w7 2k8R2 w8 2k12 w8.1 2k12R2 w10 2k16 2k19 w11 2k22 2k25);
# TargetOSVersion (after NT<arch>) and driver version of each OS.
my %deco = (
  xp => "5.1", "2k3" => "5.2", w7 => "6.1", "2k8R2" => "6.1", w8 => "6.2", "2k12" => "6.2",
  "w8.1" => "6.3", "2k12R2" => "6.3", w10 => "10.0", "2k16" => "10.0",
  "2k19" => "10.0...17763", w11 => "10.0...22000",
  "2k22" => "10.0...20348", "2k25" => "10.0...26100",
);
sub driverver { my ($os) = @_; $deco{$os} =~ /^[56]/ ?
  "09/05/2024,61.95.104.26200" : "09/05/2024,100.95.104.26200" }

# folder, inf name, class, class GUID, description, service,
# start type, load order group, [hardware ID, compatible ID]...,
# extra files (listed: named in [SourceDisksFiles]).
my %guid = (
  SCSIAdapter => "{4D36E97B-E325-11CE-BFC1-08002BE10318}",
  Net => "{4D36E972-E325-11CE-BFC1-08002BE10318}",
  System => "{4D36E97D-E325-11CE-BFC1-08002BE10318}",
  HIDClass => "{745A17A0-74D3-11D0-B6FE-00A0C90F57DA}",
  Ports => "{4D36E978-E325-11CE-BFC1-08002BE10318}",
  NetTrans => "{4D36E975-E325-11CE-BFC1-08002BE10318}",
);
my @drivers = (
  { dir => "viostor", inf => "viostor", class => "SCSIAdapter",
    desc => "Red Hat VirtIO SCSI controller", svc => "viostor",
    start => 0, group => "SCSI miniport", bustype => "0x00000001",
    ids => [ [ "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00", "PCI\\VEN_1AF4&DEV_1001" ],
             [ "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1042" ] ],
    arm => 1 },
  { dir => "vioscsi", inf => "vioscsi", class => "SCSIAdapter",
    desc => "Red Hat VirtIO SCSI pass-through controller", svc => "vioscsi",
    start => 0, group => "SCSI miniport", bustype => "0x0000000A",
    ids => [ [ "PCI\\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00", "PCI\\VEN_1AF4&DEV_1004" ],
             [ "PCI\\VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1048" ] ],
    arm => 1 },
  { dir => "NetKVM", inf => "netkvm", class => "Net",
    desc => "Red Hat VirtIO Ethernet Adapter", svc => "netkvm",
    start => 3, group => "NDIS",
    ids => [ [ "PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00", "PCI\\VEN_1AF4&DEV_1000" ],
             [ "PCI\\VEN_1AF4&DEV_1041&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1041" ] ],
    extra => [ "netkvmco.exe" ], arm => 1 },
  { dir => "Balloon", inf => "balloon", class => "System",
    desc => "VirtIO Balloon Driver", svc => "BALLOON", start => 3,
    ids => [ [ "PCI\\VEN_1AF4&DEV_1002&SUBSYS_00051AF4&REV_00", "PCI\\VEN_1AF4&DEV_1002" ],
             [ "PCI\\VEN_1AF4&DEV_1045&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1045" ] ],
    extra => [ "blnsvr.exe" ] },
  { dir => "vioserial", inf => "vioser", class => "System",
    desc => "VirtIO Serial Driver", svc => "VirtioSerial", start => 3,
    ids => [ [ "PCI\\VEN_1AF4&DEV_1003&SUBSYS_00031AF4&REV_00", "PCI\\VEN_1AF4&DEV_1003" ],
             [ "PCI\\VEN_1AF4&DEV_1043&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1043" ] ] },
  { dir => "viorng", inf => "viorng", class => "System",
    desc => "VirtIO RNG Device", svc => "VirtRng", start => 3,
    ids => [ [ "PCI\\VEN_1AF4&DEV_1005&SUBSYS_00041AF4&REV_00", "PCI\\VEN_1AF4&DEV_1005" ],
             [ "PCI\\VEN_1AF4&DEV_1044&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1044" ] ],
    listed => [ "viorngum.dll" ] },
  { dir => "pvpanic", inf => "pvpanic", class => "System",
    desc => "QEMU PVPanic Device", svc => "pvpanic", start => 3,
    ids => [ [ "ACPI\\QEMU0001" ] ] },
  { dir => "fwcfg", inf => "fwcfg", class => "System",
    desc => "QEMU FwCfg Device", svc => "FwCfg", start => 3,
    ids => [ [ "ACPI\\VEN_QEMU&DEV_0002" ], [ "ACPI\\QEMU0002" ] ] },
  { dir => "vioinput", inf => "vioinput", class => "HIDClass",
    desc => "VirtIO Input Driver", svc => "vioinput", start => 3,
    ids => [ [ "PCI\\VEN_1AF4&DEV_1052&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1052" ] ],
    listed => [ "viohidkmdf.sys" ] },
  { dir => "qemupciserial", inf => "qemupciserial", class => "Ports",
    desc => "QEMU Serial PCI Card", svc => "Serial", start => 3,
    group => "Extended base", binary => "serial.sys", nosys => 1,
    ids => [ [ "PCI\\VEN_1B36&DEV_0002&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1B36&DEV_0002" ] ] },
  { dir => "sriov", inf => "vioprot", class => "NetTrans",
    desc => "VirtIO protocol for SR-IOV failover", svc => "vioprot", start => 3,
    group => "PNP_TDI", ids => [ [ "VIOPROT" ] ] },
  { dir => "smbus", inf => "smbus", class => "System",
    desc => "QEMU ICH9 SMBus controller", svc => "smbus", start => 3,
    ids => [ [ "PCI\\VEN_8086&DEV_2930&SUBSYS_11001AF4&REV_02", "PCI\\VEN_8086&DEV_2930" ] ],
    only => "2k25" },
);

# Pseudo-random bytes after magic and text, size MIN-MAX KiB, all
# determined by text; text repeated at the end.
sub blob {
  my ($file, $magic, $text, $min, $max) = @_;
  my $state = unpack ("N", md5 ($text)) || 1;
  my $size = 1024 * ($min + $state % ($max - $min + 1));
  my $head = $magic . $text . "\n";
  my $tail = "\n" . $text . "\n";
  my @words;
  my $n = int (($size - length ($head) - length ($tail)) / 4) + 1;
  for (1 .. $n) {
    # xorshift32
    $state ^= ($state << 13) & 0xffffffff;
    $state ^= $state >> 17;
    $state ^= ($state << 5) & 0xffffffff;
    push @words, $state;
  }
  my $body = substr (pack ("V*", @words), 0,
                     $size - length ($head) - length ($tail));
  open my $fh, ">:raw", $file or die "$file: $!";
  print $fh $head, $body, $tail;
  close $fh;
}

sub inf_text {
  my ($d, $os, $arch) = @_;
  my $plat = "NT" . ($arch eq "ARM64" ? "arm64" : $arch);
  my $deco = "$plat.$deco{$os}";
  my $inf = $d->{inf};
  my $sys = $d->{binary} // "$inf.sys";
  my $models = join ("", map {
    "%$inf.DeviceDesc% = $inf\_inst, " . join (", ", @$_) . "\n" } @{$d->{ids}});
  my $group = $d->{group} ? "LoadOrderGroup = $d->{group}\n" : "";
  my $copy = $d->{nosys} ? "" : "CopyFiles      = $inf\_Files_Driver\n";
  my $files = $d->{nosys} ? "" : "[$inf\_Files_Driver]\n$inf.sys,,,2\n\n";
  my $srcfiles = join ("", map { "$_ = 1,,\n" }
                       ($d->{nosys} ? () : ("$inf.sys")),
                       @{$d->{listed} // []});
  my $start = $d->{start} == 0 ? "%SERVICE_BOOT_START%" : "%SERVICE_DEMAND_START%";
  my $storage = $d->{class} eq "SCSIAdapter";
  my $svcreg = $storage ? "AddReg         = pnpsafe_pci_addreg\n" : "";
  my $hw = $storage ? "[$inf\_inst.HW]\nAddReg         = pnpsafe_pci_addreg_msix\n\n" : "";
  my $storage_regs = !$storage ? "" : <<EOF;
[pnpsafe_pci_addreg]
HKR, "Parameters\\PnpInterface", "5", %REG_DWORD%, 0x00000001
HKR, "Parameters", "BusType", %REG_DWORD%, $d->{bustype}

[pnpsafe_pci_addreg_msix]
HKR, "Interrupt Management",, 0x00000010
HKR, "Interrupt Management\\MessageSignaledInterruptProperties",, 0x00000010
HKR, "Interrupt Management\\MessageSignaledInterruptProperties", MSISupported, 0x00010001, 1
HKR, "Interrupt Management\\MessageSignaledInterruptProperties", MessageNumberLimit, 0x00010001, 256

EOF
  return <<EOF;
;/*++
; $inf.inf - WINVIRTIO FAKE DRIVER - NOT A REAL DRIVER: $inf $os $arch
; Generated by winvirtio's scripts/$prog for tests.
; Shaped like the virtio-win INF, but installs nothing real.
;--*/

[Version]
Signature="\$WINDOWS NT\$"
Class=$d->{class}
ClassGuid=$guid{$d->{class}}
Provider=%VENDOR%
DriverVer = @{[driverver ($os)]}
CatalogFile=$inf.cat
DriverPackageType = PlugAndPlay
DriverPackageDisplayName = %$inf.DeviceDesc%
PnpLockdown=1

[DestinationDirs]
DefaultDestDir = 12
$inf\_Files_Driver = 12

[SourceDisksNames]
1 = %DiskId1%,,,""

[SourceDisksFiles]
$srcfiles
[Manufacturer]
%VENDOR% = $inf,$deco

[$inf.$deco]
$models
$files\[$inf\_inst]
$copy
$hw\[$inf\_inst.Services]
AddService = $d->{svc}, %SPSVCINST_ASSOCSERVICE%, $inf\_Service_Inst, $inf\_EventLog_Inst

[$inf\_Service_Inst]
DisplayName    = %$inf.SVCDESC%
ServiceType    = %SERVICE_KERNEL_DRIVER%
StartType      = $start
ErrorControl   = %SERVICE_ERROR_NORMAL%
ServiceBinary  = %12%\\$sys
$group$svcreg
[$inf\_EventLog_Inst]
AddReg = $inf\_EventLog_AddReg

[$inf\_EventLog_AddReg]
HKR,,EventMessageFile,%REG_EXPAND_SZ%,"%%SystemRoot%%\\System32\\IoLogMsg.dll"
HKR,,TypesSupported,%REG_DWORD%,7

$storage_regs\[Strings]
VENDOR = "winvirtio FAKE (not Red Hat)"
$inf.DeviceDesc = "FAKE $d->{desc}"
$inf.SVCDESC = "FAKE $d->{desc} Service"
DiskId1 = "FAKE $d->{desc} Installation Disk ($os)"
SPSVCINST_ASSOCSERVICE = 0x00000002
REG_EXPAND_SZ  = 0x00020000
REG_DWORD      = 0x00010001
SERVICE_KERNEL_DRIVER  = 1
SERVICE_BOOT_START     = 0
SERVICE_DEMAND_START   = 3
SERVICE_ERROR_NORMAL   = 1
EOF
}

sub write_inf {
  my ($file, $text) = @_;
  $text =~ s/\n/\r\n/g;
  open my $fh, ">:raw", $file or die "$file: $!";
  print $fh "\xff\xfe";
  print $fh pack ("v*", unpack ("U*", $text));
  close $fh;
}

# A minimal PE image for $arch: MS-DOS header and stub (text), PE
# header, PE32 or PE32+ optional header with subsystem $subsys, one
# .text section of pseudo-random bytes seeded by text (the file MIN-MAX
# KiB), and the image checksum.
sub pe {
  my ($file, $arch, $subsys, $dll, $text, $min, $max) = @_;
  my %machine = (amd64 => 0x8664, x86 => 0x14c, ARM64 => 0xaa64);
  my $machine = $machine{$arch} // die "$arch: no PE machine";
  my $plus = $machine != 0x14c;
  my $state = unpack ("N", md5 ($text)) || 1;
  my $raw = 1024 * ($min + $state % ($max - $min + 1)) - 0x400;
  my @words;
  for (1 .. $raw / 4) {
    $state ^= ($state << 13) & 0xffffffff;
    $state ^= $state >> 17;
    $state ^= ($state << 5) & 0xffffffff;
    push @words, $state;
  }
  my $body = substr ($text . "\n" . pack ("V*", @words), 0, $raw);
  my $lfanew = 0x100;
  my $dos = "MZ" . ("\0" x 0x3a) . pack ("V", $lfanew) . $text . "\r\n\$";
  $dos .= "\0" x ($lfanew - length ($dos));
  my $chars = 0x0002 | ($plus ? 0x0020 : 0x0102) | ($dll ? 0x2000 : 0);
  my $optsize = $plus ? 240 : 224;
  my $coff = "PE\0\0" . pack ("vvVVVvv", $machine, 1, 0, 0, 0, $optsize, $chars);
  my $image = 0x1000 + (($raw + 0xfff) & ~0xfff);
  my $opt = pack ("vCCVVVVV", $plus ? 0x20b : 0x10b, 14, 0, $raw, 0, 0,
                  0x1000, 0x1000);
  $opt .= $plus ? pack ("VV", 0x40000000, 1) : pack ("VV", 0x1000, 0x10000);
  $opt .= pack ("VVvvvvvvVVVVvv", 0x1000, 0x200, 6, 1, 0, 0, 6, 1, 0,
                $image, 0x400, 0, $subsys, 0x0140);
  $opt .= $plus ? pack ("Q<4", 0x100000, 0x1000, 0x100000, 0x1000)
                : pack ("V4", 0x100000, 0x1000, 0x100000, 0x1000);
  $opt .= pack ("VV", 0, 16) . ("\0" x 128);
  my $sec = pack ("a8VVVVVVvvV", ".text", $raw, 0x1000, $raw, 0x400, 0, 0,
                  0, 0, 0x60000020);
  my $head = $dos . $coff . $opt . $sec;
  my $data = $head . ("\0" x (0x400 - length ($head))) . $body;
  # The PE checksum (its field, at optional header + 64, counted as 0).
  my $sum = 0;
  $sum = ($sum & 0xffff) + ($sum >> 16) + $_ for unpack ("v*", $data);
  $sum = ($sum & 0xffff) + ($sum >> 16);
  substr ($data, $lfanew + 24 + 64, 4) = pack ("V", $sum + length ($data));
  open my $fh, ">:raw", $file or die "$file: $!";
  print $fh $data;
  close $fh;
}

# A catalog's content, signed after this script (see the top).
sub catalog {
  my ($file, $text) = @_;
  open my $fh, ">:raw", $file or die "$file: $!";
  print $fh "$text\n";
  close $fh;
  print $catlist "$file\n";
}

sub make_package {
  my ($d, $os, $arch, $path) = @_;
  my $inf = $d->{inf};
  my $what = "$inf $os $arch";
  make_path ($path);
  write_inf ("$path/$inf.inf", inf_text ($d, $os, $arch));
  catalog ("$path/$inf.cat", "WINVIRTIO FAKE CATALOG - NOT A REAL CATALOG: $what");
  return if $d->{nosys};
  pe ("$path/$inf.sys", $arch, 1, 0,
      "WINVIRTIO FAKE DRIVER - NOT A REAL DRIVER: $what", 24, 40);
  blob ("$path/$inf.pdb", "Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00",
        "WINVIRTIO FAKE SYMBOLS - NOT REAL: $what", 2, 4);
  for my $x (@{$d->{extra} // []}, @{$d->{listed} // []}) {
    my $sys = $x =~ /\.sys$/ ? 1 : 0;
    my $dll = $x =~ /\.dll$/ ? 1 : 0;
    pe ("$path/$x", $arch, $sys ? 1 : $dll ? 2 : 3, $dll,
        "WINVIRTIO FAKE PROGRAM - NOT REAL: $x $os $arch", 4, 8);
  }
}

for my $d (@drivers) {
  for my $os (@oses) {
    next if $d->{only} && $d->{only} ne $os;
    # Windows XP and Server 2003: viostor only, as in virtio-win
    # (xp/x86, 2k3/x86, 2k3/amd64).
    my $old = $os eq "xp" || $os eq "2k3";
    next if $old && $d->{dir} ne "viostor";
    my @arches = $os eq "xp" ? () : ("amd64");
    push @arches, "x86" if $old;
    push @arches, "x86" if $os eq "w7" || $os eq "w10";
    push @arches, "ARM64" if $os eq "w11" && $d->{arm};
    for my $arch (@arches) {
      my $path = "$top/$d->{dir}/$os/$arch";
      make_package ($d, $os, $arch, $path);
      # The SR-IOV helper that ships beside NetKVM: left out.
      if ($d->{dir} eq "NetKVM") {
        make_package ($drivers[-2], $os, $arch, "$path/sriov");
      }
    }
  }
}
PERL

# Sign each catalog's content: DER SignedData, eContentType szOID_CTL.
while read -r cat; do
  openssl cms -sign -binary -nodetach -noattr -md sha256 \
    -econtent_type 1.3.6.1.4.1.311.10.1 -outform DER \
    -signer "$tmp/signer/cert.pem" -inkey "$tmp/signer/key.pem" \
    -in "$cat" -out "$cat.der"
  mv "$cat.der" "$cat"
done < "$tmp/catalogs"

readme ()
{
  cat <<EOF
$marker

Everything in this directory is FAKE.  It was generated by winvirtio's
scripts/$prog for tests and demos, and only has the layout of
$1.  The .sys files are PE images of
pseudo-random bytes, not drivers: a Windows guest given them will not
boot.  The catalogs are signed by a throwaway test certificate.  Get the real
drivers from https://github.com/virtio-win/virtio-win-pkg-scripts.
EOF
}

readme "the virtio-win ISO (DRIVER/OS/ARCH/FILES)" > "$tmp/iso/README.txt"

if [ -n "$iso" ]; then
  "${mkiso[@]}" -quiet -J -R -V VIRTIO_WIN_FAKE -o "$tmp.iso" "$tmp/iso" \
    2>/dev/null || "${mkiso[@]}" -J -R -V VIRTIO_WIN_FAKE -o "$tmp.iso" \
    "$tmp/iso" >/dev/null
fi

case "$layout" in
  iso) mv "$tmp/iso" "$tmp/out" ;;
  installed)
    mkdir -p "$tmp/out/drivers"
    mv "$tmp/iso" "$tmp/out/drivers/by-driver"
    rm -f "$tmp/out/drivers/by-driver/README.txt"
    rm -rf "$tmp"/out/drivers/by-driver/NetKVM/*/*/sriov
    # by-os: every driver of one OS in one folder, without .pdb.
    perl -MFile::Copy -MFile::Path=make_path -e '
      my $top = shift;
      for my $f (glob ("$top/by-driver/*/*/*/*")) {
        next unless -f $f && $f !~ /\.pdb$/;
        my (undef, $os, $arch, $name) =
          split m{/}, substr ($f, length ("$top/by-driver/"));
        $arch = "i386" if $arch eq "x86";
        make_path ("$top/by-os/$arch/$os");
        copy ($f, "$top/by-os/$arch/$os/$name") or die "$f: $!";
      }' "$tmp/out/drivers"
    readme "the installed virtio-win package (drivers/by-driver, drivers/by-os)" \
      > "$tmp/out/README.txt"
    ;;
esac

rm -rf "$dir"
mv "$tmp/out" "$dir"
if [ -n "$iso" ]; then
  mv "$tmp.iso" "$iso"
fi
