#!/usr/bin/env bash
# winvirtio tests: the catalog's signer in the summary, in inspect and
# in the DriverDatabase (SignerName, SignerScore).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# A copy of the fake virtio-win tree gets other catalogs:
#   viostor.cat  signed by a fake "Microsoft Windows Hardware
#                Compatibility Publisher" certificate with the WHQL EKU,
#                issued by a fake "Microsoft Windows Third Party
#                Component CA 2014" (both made here by certtool; the
#                chain is not verified, so the names decide):
#                WHQL, 0x0D000005
#   vioscsi.cat  the same with the attestation EKU: attestation,
#                0x0D000004; and vioscsi.sys signed by osslsigncode
#                (an Authenticode signature appended to our PE image,
#                which must still pass)
#   netkvm.cat   a real Authenticode signature from Debian: the one of
#                /usr/lib/shim/fbx64.efi.signed (shim-helpers-amd64-
#                signed), its PKCS#7 taken out of the PE: Authenticode,
#                0x0F000000
# the others keep the tree's own "winvirtio fake driver signer (test
# only)": Authenticode, 0x0F000000.  The expected names come from
# openssl, the hive's values from hivexget on the SYSTEM hive that
# sleuthkit reads from the disk the filter served.
source ./functions.sh
set -e
set -x
requires command -v certtool
requires command -v openssl
requires command -v osslsigncode
requires command -v hivexget
requires command -v icat
requires command -v ifind
requires test -f /usr/lib/shim/fbx64.efi.signed
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win10.img" --version win10 --layout gpt
d="$(pwd)/$t/vw-signed"
cp -a "$vw" "$d"
a=w10/amd64

# certify NAME CN ISSUER-NAME TEMPLATE-LINES: key and certificate.
certify ()
{
  local name=$1 cn=$2 issuer=$3
  certtool --generate-privkey --key-type rsa --bits 2048 --no-text \
    --outfile "$t/$name.key" 2>/dev/null
  { echo "cn = \"$cn\""; echo "serial = $RANDOM"; echo "expiration_days = 30"
    printf '%s\n' "${@:4}"; } > "$t/$name.tmpl"
  if [ "$issuer" = self ]; then
    certtool --generate-self-signed --load-privkey "$t/$name.key" \
      --template "$t/$name.tmpl" --no-text --outfile "$t/$name.pem" 2>/dev/null
  else
    certtool --generate-certificate --load-privkey "$t/$name.key" \
      --load-ca-certificate "$t/$issuer.pem" \
      --load-ca-privkey "$t/$issuer.key" \
      --template "$t/$name.tmpl" --no-text --outfile "$t/$name.pem" 2>/dev/null
  fi
}
ms="Microsoft Windows Hardware Compatibility Publisher"
ca="Microsoft Windows Third Party Component CA 2014"
certify ca "$ca" self ca cert_signing_key
certify whql "$ms" ca signing_key code_signing_key \
  "key_purpose_oid = 1.3.6.1.4.1.311.10.3.5"
certify attested "$ms" ca signing_key code_signing_key \
  "key_purpose_oid = 1.3.6.1.4.1.311.10.3.5" \
  "key_purpose_oid = 1.3.6.1.4.1.311.10.3.5.1"

# sign NAME CATALOG: a SignedData of a line, with the CA's certificate.
sign ()
{
  printf 'WINVIRTIO TEST CATALOG %s\n' "$1" > "$t/$1.txt"
  openssl cms -sign -binary -nodetach -md sha256 -outform DER \
    -signer "$t/$1.pem" -inkey "$t/$1.key" -certfile "$t/ca.pem" \
    -in "$t/$1.txt" -out "$2"
}
sign whql "$d/viostor/$a/viostor.cat"
sign attested "$d/vioscsi/$a/vioscsi.cat"
rm -f "$d/vioscsi/$a/vioscsi.sys"
osslsigncode sign -certs "$t/attested.pem" -key "$t/attested.key" \
  -n "winvirtio test" -in "$vw/vioscsi/$a/vioscsi.sys" \
  -out "$d/vioscsi/$a/vioscsi.sys"
cmp -s "$vw/vioscsi/$a/vioscsi.sys" "$d/vioscsi/$a/vioscsi.sys" &&
  fail "osslsigncode did not sign vioscsi.sys"
rm -f "$d/NetKVM/$a/netkvm.cat"
# The PKCS#7 of fbx64.efi.signed's certificate table (its WIN_CERTIFICATE
# without the 8-byte header).  Not osslsigncode extract-signature: 2.5
# (Debian 12) writes the header too, 2.9 (backports) does not.
python3 - /usr/lib/shim/fbx64.efi.signed "$d/NetKVM/$a/netkvm.cat" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", b, 0x3c)[0]
assert b[pe:pe + 4] == b"PE\0\0", "not a PE file"
opt = pe + 24
dirs = opt + (96 if struct.unpack_from("<H", b, opt)[0] == 0x10b else 112)
off, size = struct.unpack_from("<II", b, dirs + 4 * 8)
length, rev, kind = struct.unpack_from("<IHH", b, off)
assert kind == 2 and b[off + 8] == 0x30, "no PKCS#7 in the certificate table"
n = b[off + 9]
if n & 0x80:
    n = 2 + (n & 0x7f) + int.from_bytes(b[off + 10:off + 10 + (n & 0x7f)], "big")
else:
    n += 2
open(sys.argv[2], "wb").write(b[off + 8:off + 8 + n])
PY

# cn WHAT DER: the subject or issuer CN of the one certificate of a
# SignedData's (openssl).
cn ()
{
  openssl pkcs7 -inform DER -in "$2" -print_certs -noout |
    sed -n "s/^$1=\(.*, \)\{0,1\}CN = \([^,]*\).*/\2/p" | head -1
}
deb=$(cn subject "$d/NetKVM/$a/netkvm.cat")
deb_issuer=$(cn issuer "$d/NetKVM/$a/netkvm.cat")
[ -n "$deb" ] && [ -n "$deb_issuer" ] ||
  fail "openssl found no CN in Debian's signature"
fake="winvirtio fake driver signer (test only)"

# The summary of winvirtio map.
$VG winvirtio map --drivers="$d" -o "$t/map" "$t/win10.img" > "$t/summary"
cat "$t/summary"
tail="the chain is not verified)"
while IFS='|' read -r inf signer issuer kind; do
  line="driver: $inf.inf: $inf.cat signed by \"$signer\", issued by \"$issuer\" ($kind; $tail"
  grep -qFx "$line" "$t/summary" || fail "the summary does not say: $line"
done <<EOF
viostor|$ms|$ca|WHQL, SignerScore 0x0d000005
vioscsi|$ms|$ca|attestation, SignerScore 0x0d000004
netkvm|$deb|$deb_issuer|Authenticode, SignerScore 0x0f000000
balloon|$fake|$fake|Authenticode, SignerScore 0x0f000000
EOF

# winvirtio inspect, text and JSON.
$VG winvirtio inspect --drivers="$d" "$t/win10.img" > "$t/inspect"
cat "$t/inspect"
for x in "viostor|WHQL" "vioscsi|attestation"; do
  drv=${x%|*}
  line="    catalog: $d/$drv/$a/$drv.cat, signed by \"$ms\", issued by \"$ca\" (${x#*|}; $tail"
  grep -qFx "$line" "$t/inspect" || fail "inspect does not say: $line"
done
$VG winvirtio inspect --json --drivers="$d" "$t/win10.img" > "$t/inspect.json"
/usr/bin/python3 - "$t/inspect.json" "$ms" "$ca" "$d/viostor/$a/viostor.cat" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
f = {p["driver"]: p for p in r["driver_files"]}
assert f["viostor"]["catalog"] == sys.argv[4], f["viostor"]
for drv, kind in (("viostor", "WHQL"), ("vioscsi", "attestation")):
    p = f[drv]
    assert (p["signer"], p["signer_issuer"], p["signer_kind"]) == \
        (sys.argv[2], sys.argv[3], kind), p
assert "SignerScore 0x0d000005" in r["verdict"]["changes"]
EOF

# The served disk's SYSTEM hive (sleuthkit, hivexget).
run_nbdkit -U - --filter="$filter" file "$t/win10.img" \
  winvirtio-map="$t/map" --run 'qemu-img convert -O raw "$uri" '"$t/out.raw"
sect=$(( $(part_start "$t/out.raw" 3) / 512 ))
inode=$(ifind -o "$sect" -n /Windows/System32/config/SYSTEM "$t/out.raw")
icat -o "$sect" "$t/out.raw" "$inode" > "$t/SYSTEM"
while IFS='|' read -r inf signer score; do
  oem=$(sed -n "s/^package: $inf\.inf (.*) as \(oem[0-9]*\.inf\)$/\1/p" \
    "$t/summary")
  [ -n "$oem" ] || fail "no package line for $inf.inf in the summary"
  pkg=$(hivexget "$t/SYSTEM" "\\DriverDatabase\\DriverInfFiles\\$oem" Active)
  key="\\DriverDatabase\\DriverPackages\\$pkg"
  got=$(hivexget "$t/SYSTEM" "$key" SignerName)
  [ "$got" = "$signer" ] || fail "$key\\SignerName is '$got', not '$signer'"
  got=$(hivexget "$t/SYSTEM" "$key" SignerScore)
  [ "$((got))" = "$((score))" ] ||
    fail "$key\\SignerScore is '$got', not $score"
done <<EOF
viostor|$ms|0x0d000005
vioscsi|$ms|0x0d000004
netkvm|$deb|0x0f000000
balloon|$fake|0x0f000000
EOF
