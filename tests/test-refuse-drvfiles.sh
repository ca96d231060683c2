#!/usr/bin/env bash
# winvirtio tests: driver files that are not what they claim to be.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The fake virtio-win tree (scripts/make-fake-virtio-win.sh, valid PE
# images and signed catalogs) is copied and one file of the copy is
# spoiled: a viostor.sys of 0 bytes, of 5 bytes of text, cut short, the
# x86 one in the amd64 folder, a program (console subsystem) in its
# place, Debian's signed shim helper (a real PE, of the EFI subsystem);
# an x86 viorngum.dll in amd64 (a package other than the boot
# drivers); a viostor.cat that is empty, text, DER that is not
# SignedData, a SignedData without a signer.  Each is refused with its
# exact message by winvirtio map, inspect (verdict and the package's
# line) and the filter (refuse.sh), and nothing is written.
source ./functions.sh
set -e
set -x
requires command -v openssl
requires test -f /usr/lib/shim/fbx64.efi.signed
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win10.img" --version win10 --layout gpt

# tree NAME: a copy of the driver tree; prints its (absolute) name.
tree ()
{
  local d="$(pwd)/$t/$1"
  cp -a "$vw" "$d"
  echo "$d"
}

use="use an intact virtio-win release"
sys=viostor/w10/amd64/viostor.sys
cat=viostor/w10/amd64/viostor.cat

# refused_file NAME MSG: refused, and inspect's viostor line says so.
refused_file ()
{
  refused "$1" "$t/win10.img" "@SRC@: $2" "" "$d"
  grep -qFx "  viostor: not usable: $2" "$t/$1/inspect" ||
    fail "$1: winvirtio inspect's viostor line is not: $2"
}

d=$(tree vw-empty)
: > "$d/$sys"
refused_file sys-empty "$d/$sys is not a driver: 0 bytes; $use"

d=$(tree vw-text)
printf 'hello' > "$d/$sys"
refused_file sys-text "$d/$sys is not a driver: no MZ header (5 bytes); $use"

d=$(tree vw-cut)
size=$(stat -c %s "$d/$sys")
truncate -s 4000 "$d/$sys"
refused_file sys-truncated "$d/$sys is not a driver: truncated: section 1 (.text) has its data at 1024-$size, beyond the end of the file (4000 bytes); $use"

d=$(tree vw-x86)
cp "$vw/viostor/w10/x86/viostor.sys" "$d/$sys"
refused_file sys-i386 "$d/$sys is a PE image for i386, not for this amd64 Windows; $use"

d=$(tree vw-program)
cp "$vw/Balloon/w10/amd64/blnsvr.exe" "$d/$sys"
refused_file sys-console "$d/$sys is not a driver: its subsystem is 3 (Windows console), not native (1): it is not a kernel-mode driver; $use"

# A real PE image from Debian: an AMD64 EFI application.
d=$(tree vw-efi)
cp /usr/lib/shim/fbx64.efi.signed "$d/$sys"
refused_file sys-efi "$d/$sys is not a driver: its subsystem is 10 (EFI application), not native (1): it is not a kernel-mode driver; $use"

# Not a boot driver: the x86 DLL of viorng in its amd64 folder.
d=$(tree vw-dll)
dll=viorng/w10/amd64/viorngum.dll
cp "$vw/viorng/w10/x86/viorngum.dll" "$d/$dll"
refused dll-i386 "$t/win10.img" "@SRC@: $d/$dll is a PE image for i386, not for this amd64 Windows; $use" "" "$d"

# A DLL that is not a PE image at all.
d=$(tree vw-dll-text)
printf 'hello' > "$d/$dll"
refused dll-text "$t/win10.img" "@SRC@: $d/$dll is not a PE image: no MZ header (5 bytes); $use" "" "$d"

d=$(tree vw-cat-empty)
: > "$d/$cat"
refused_file cat-empty "$d/$cat is not a signed catalog (PKCS#7 SignedData): 0 bytes; $use"

d=$(tree vw-cat-text)
printf 'WINVIRTIO TEST: not a catalog\n' > "$d/$cat"
refused_file cat-text "$d/$cat is not a signed catalog (PKCS#7 SignedData): GnuTLS: ASN1 parser: Error in TAG; $use"

# DER, but a certificate (openssl's), not SignedData.
d=$(tree vw-cat-der)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$t/key.pem" \
  -subj "/CN=winvirtio test (not a catalog)" -days 1 -outform DER \
  -out "$d/$cat" 2>/dev/null
refused_file cat-der "$d/$cat is not a signed catalog (PKCS#7 SignedData): GnuTLS: ASN1 parser: Error in TAG; $use"

# SignedData with a certificate and no signer (openssl crl2pkcs7).
d=$(tree vw-cat-nosigner)
openssl req -x509 -key "$t/key.pem" -subj "/CN=winvirtio test" -days 1 \
  -out "$t/cert.pem" 2>/dev/null
openssl crl2pkcs7 -nocrl -certfile "$t/cert.pem" -outform DER \
  -out "$d/$cat"
refused_file cat-nosigner "$d/$cat is not a signed catalog (PKCS#7 SignedData): it has no signer; $use"

# The untouched tree is still accepted.
accepted fake-tree "$t/win10.img" 3
