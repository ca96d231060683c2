#!/usr/bin/env bash
# winvirtio benchmark: what the EFI system partition adds to planning.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The same win10 gpt disk (scripts/make-windows-disk.sh) three ways:
# its ESP unformatted (skipped: the baseline), a 100 MiB FAT32 ESP
# whose fallback loader is missing, and the same with a stale 1.5 MiB
# BOOTX64.EFI and the regipy BCD with 16000046 (when the corpus is
# there).  For each: bytes read and read requests of "winvirtio map"
# over NBD, and its wall time at 0, 2 and 10 ms per read
# (nbdkit-delay-filter).  The ESP's cost is the difference from the
# baseline.
#
# Usage: bench/esp-cost.sh
source "$(dirname "$0")/lib.sh"

corpus="${WINVIRTIO_CORPUS:-$top/../shared/corpus}"
fake_drivers
mk ()
{
  local out=$1
  shift
  [ -f "$out" ] || WV_BUILDDIR="$build" "$top/scripts/make-windows-disk.sh" \
    "$out" --version win10 --layout gpt "$@"
}
mk "$work/esp-none.img"
mk "$work/esp-missing.img" --esp 32
extra=()
if [ -f "$corpus/hives/regipy/BCD.xz" ]; then
  xz -dc "$corpus/hives/regipy/BCD.xz" > "$work/BCD"
  printf '%s\n' \
    '[\Objects\{733b62e5-f608-11eb-825c-c112f60133ab}\Elements\16000046]' \
    '"Element"=hex(3):01' > "$work/46.reg"
  hivexregedit --merge "$work/BCD" "$work/46.reg"
  extra=(--esp-bcd "$work/BCD")
fi
head -c 1572864 /dev/urandom > "$work/stale.efi"
mk "$work/esp-stale.img" --esp 32 --esp-put "$work/stale.efi:EFI/BOOT/BOOTX64.EFI" \
  "${extra[@]}"

printf '%-12s %-6s %9s %12s %9s\n' disk delay "time(s)" "bytes read" requests
for disk in none missing stale; do
  for d in 0 2 10; do
    sock="$work/esp.sock"
    if [ "$d" = 0 ]; then
      serve "$sock" file "$work/esp-$disk.img"
    else
      serve "$sock" --filter=delay file "$work/esp-$disk.img" rdelay=${d}ms
    fi
    /usr/bin/time -f "%e" -o "$work/time" \
      "$winvirtio" map --drivers="$work/vw" "nbd+unix:///?socket=$sock" \
      > "$work/summary"
    unserve "$sock"
    read -r secs < "$work/time"
    read -r bytes reqs < <(sed -n \
      's/^planner read: \([0-9]*\) bytes in \([0-9]*\) requests$/\1 \2/p' \
      "$work/summary")
    printf '%-12s %-6s %9.2f %12d %9d\n' "$disk" "${d}ms" "$secs" "$bytes" \
      "$reqs"
  done
  grep '^EFI system partition' "$work/summary" | sed 's/^/    /'
done
