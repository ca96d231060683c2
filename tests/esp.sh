# winvirtio tests: shared helpers of test-esp*.sh, sourced after
# functions.sh.  The ESP of make-windows-disk.sh's gpt layout is at
# 1 MiB, ESP_MIB (100) MiB long.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdcopy --version
requires which mkfs.vfat
requires which fsck.fat
requires which mtype
requires which hivexregedit
requires_corpus hives/regipy/BCD.xz

export MTOOLSRC=/dev/null
BOOTMGR='{9dea862c-5cdd-4e70-acc1-f32b344d4795}'

# bcd_with_46 IN OUT: the BCD hive IN (.xz) with element 16000046
# added to its default entry (made with hivexregedit --merge).
bcd_with_46 ()
{
  local in=$1 out=$2 def
  xz -dc "$in" > "$out"
  def=$(hivexregedit --export "$out" "\\Objects\\$BOOTMGR\\Elements\\23000003" |
        sed -n 's/^"Element"=hex(1):\(.*\)$/\1/p' |
        python3 -c 'import sys; b=bytes.fromhex(sys.stdin.read().strip().replace(",","")); print(b.decode("utf-16-le").rstrip("\0"))')
  printf '[\\Objects\\%s\\Elements\\16000046]\n"Element"=hex(3):01\n' "$def" \
    > "$out.reg"
  hivexregedit --merge "$out" "$out.reg"
  hivexregedit --export "$out" '\' | grep -q '16000046\]'
}

# esp_of DISK OUT: the ESP of DISK, alone (ESP_MIB long).
ESP_MIB=100
esp_of ()
{
  dd if="$1" of="$2" bs=1M skip=1 count="$ESP_MIB" status=none
}

# serve IN OUT MAP: plan IN (map MAP, summary MAP.summary) and copy
# it through the filter with that map into OUT.
serve ()
{
  $VG winvirtio map --details --drivers="$vw" -o "$3" "$1" > "$3.summary"
  cat "$3.summary"
  run_nbdkit -U - --filter="$filter" file "$1" winvirtio-map="$3" \
    --run 'nbdcopy "$uri" '"$2"
}

# check_esp OUT LOADER: the ESP of disk OUT passes fsck.fat -n and its
# \EFI\BOOT\LOADER is bootmgfw.efi byte for byte (mtools reads them).
check_esp ()
{
  esp_of "$1" "$1.esp"
  fsck.fat -n "$1.esp" > "$1.fsck" 2>&1 || { cat "$1.fsck"; fail "fsck.fat -n"; }
  # Its version and "N files, N/N clusters", nothing else.
  if [ -n "$(sed -e 1d -e '/: [0-9]* files, [0-9]*\/[0-9]* clusters$/d' \
             "$1.fsck")" ]; then
    cat "$1.fsck"; fail "fsck.fat found problems"
  fi
  mtype -i "$1.esp" "::/EFI/Microsoft/Boot/bootmgfw.efi" > "$1.mgr"
  mtype -i "$1.esp" "::/EFI/BOOT/$2" > "$1.loader"
  cmp "$1.mgr" "$1.loader"
}

# bcd_export DISK OUT: the BCD of DISK, exported by hivexregedit.
bcd_export ()
{
  esp_of "$1" "$1.esp2"
  mtype -i "$1.esp2" ::/EFI/Microsoft/Boot/BCD > "$2.hive"
  hivexregedit --export "$2.hive" '\' > "$2"
  rm -f "$1.esp2"
}

# esp_case NAME FAT SECTOR BCD(.xz) ADD46 LOADER [PUT...]: build a
# win10 gpt disk whose ESP is FAT16 or 32 with BCD (16000046 added if
# ADD46 is yes) and the loader missing or stale (PUT: SRC:DST files
# for its ESP); plan and serve it; check the result and a second pass.
esp_case ()
{
  local n=$1 fat=$2 ss=$3 bcd=$4 add=$5 loader=$6 d="$t/$1"
  shift 6
  if [ "$add" = yes ]; then
    bcd_with_46 "$bcd" "$d.bcd"
  else
    xz -dc "$bcd" > "$d.bcd"
  fi
  local puts=()
  for p in "$@"; do puts+=(--esp-put "$p"); done
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$d.img" \
    --version win10 --layout gpt --sector-size "$ss" --esp "$fat" \
    --esp-bcd "$d.bcd" --esp-size "${ESP_MIB}M" --size $(( ESP_MIB + 160 ))M \
    "${puts[@]}"
  local sum
  sum=$(sha256sum < "$d.img")
  serve "$d.img" "$d.out" "$d.map"
  [ "$(sha256sum < "$d.img")" = "$sum" ]
  case "$loader" in
    missing) grep -q '^EFI system partition 1: \\EFI\\BOOT\\BOOTX64.EFI made a copy of .*(it was missing)$' "$d.map.summary" ;;
    stale) grep -q '^EFI system partition 1: \\EFI\\BOOT\\bootx64.efi made a copy of .*(it differed)$' "$d.map.summary" ;;
  esac
  check_esp "$d.out" BOOTX64.EFI
  # The BCD: only the element removed.
  bcd_export "$d.img" "$d.before"
  bcd_export "$d.out" "$d.after"
  diff "$d.before" "$d.after" > "$d.diff" || true
  cat "$d.diff"
  if [ "$add" = yes ]; then
    grep -q 'element 16000046 (graphicsmodedisabled) removed' "$d.map.summary"
    # Exactly: the key line, its value, the blank line after it.
    [ "$(grep -c '^<' "$d.diff")" = 3 ]
    [ "$(grep -c '^>' "$d.diff")" = 0 ]
    grep -q '^< \[.*\\Elements\\16000046\]$' "$d.diff"
    grep -q '^< "Element"=hex(3):01$' "$d.diff"
  else
    grep -q 'has no element 16000046 (left as it is)' "$d.map.summary"
    [ ! -s "$d.diff" ]
  fi
  # Labels in the dump.
  winvirtio dump "$d.map" > "$d.dump"
  grep -q ' ESP 1 FAT'"$fat"' table$' "$d.dump"
  grep -qi ' ESP 1 \\EFI\\BOOT\\BOOTX64.EFI$' "$d.dump"
  # A second pass: nothing to change on the ESP.
  $VG winvirtio map --drivers="$vw" -o "$d.map2" "$d.out" > "$d.summary2"
  grep -q 'is already a copy of bootmgfw.efi$' "$d.summary2"
  grep -q 'has no element 16000046 (left as it is)$' "$d.summary2"
  winvirtio dump "$d.map2" > "$d.dump2"
  if grep -q ' ESP 1 ' "$d.dump2"; then
    fail "second pass changes the ESP"
  fi
  # The same source gives the same map.
  $VG winvirtio map --drivers="$vw" -o "$d.map3" "$d.img" > /dev/null
  cmp "$d.map" "$d.map3"
  rm -f "$d".out* "$d.img"
}
