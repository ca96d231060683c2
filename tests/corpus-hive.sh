# winvirtio tests: reading a hive out of a disk, and with every tool.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Sourced by test-corpus-hives.sh, test-corpus-dirty.sh and
# test-dirty-hive.sh (after functions.sh: uses fail, run_nbdkit and
# valgrind_clean, and $filter).

# serve_planned DIR DRIVERS: stream DIR/disk.img through the filter,
# planning at startup with DRIVERS, to DIR/out.raw; the filter's report
# must be DIR/summary (what winvirtio map printed) but for the "saved:"
# line and the source paths of the files.
serve_planned ()
{
  run_nbdkit -U - --filter="$filter" file "$1/disk.img" \
    winvirtio-drivers="$2" winvirtio-report="$1/report" \
    --run 'qemu-img convert -O raw "$uri" '"$1/out.raw" \
    2> "$1/nbdkit.err" || { cat "$1/nbdkit.err"; fail "nbdkit failed"; }
  cat "$1/nbdkit.err"
  valgrind_clean "$1/nbdkit.err"
  diff -u <(grep -v '^saved:' "$1/summary" | sed 's/, from .*)$/)/') \
          <(sed 's/, from .*)$/)/' "$1/report")
}

# hive_tools HIVE OUT: read HIVE with each tool, failing on any error;
# leave the exports and counts in OUT.*.
hive_tools ()
{
  local hive=$1 out=$2

  hivexregedit --export "$hive" '\' > "$out.reg" 2> "$out.hivex-err" ||
    fail "hivexregedit --export $hive: $(cat "$out.hivex-err")"
  [ ! -s "$out.hivex-err" ] ||
    fail "hivexregedit --export $hive: $(cat "$out.hivex-err")"
  # --unsafe-printable-strings makes perl warn "Wide character in
  # printf" for non-ASCII strings; nothing else may appear.
  hivexregedit --export --unsafe-printable-strings "$hive" '\' \
    > "$out.ureg" 2> "$out.uhivex-err"
  if grep -v '^Wide character in printf at ' "$out.uhivex-err"; then
    fail "hivexregedit --export --unsafe-printable-strings $hive"
  fi
  # reglookup warns about data it cannot interpret (the same warnings
  # before and after, compared by the caller) but prints no ERROR.
  reglookup "$hive" > "$out.reglookup" 2> "$out.reglookup-err" ||
    fail "reglookup $hive: $(head "$out.reglookup-err")"
  if grep -v '^WARN: ' "$out.reglookup-err"; then
    fail "reglookup $hive reported errors"
  fi
  regfinfo "$hive" > "$out.regfinfo" 2> "$out.regfinfo-err" ||
    fail "regfinfo $hive: $(cat "$out.regfinfo-err")"
  [ ! -s "$out.regfinfo-err" ] ||
    fail "regfinfo $hive: $(cat "$out.regfinfo-err")"
  grep -q '^Key hierarchy$' "$out.regfinfo"

  # Keys, counted by each tool.
  grep -c '^\[' "$out.reg" > "$out.keys-hivex"
  awk -F, '$2 == "KEY"' "$out.reglookup" | wc -l > "$out.keys-reglookup"
  grep -c '^ *(key:) ' "$out.regfinfo" > "$out.keys-regfinfo"
}

# icat_hive RAW OFFSET OUT [NAME]: extract Windows\System32\config\NAME
# (default SYSTEM) from the NTFS volume at byte OFFSET of RAW, with
# sleuthkit.
icat_hive ()
{
  local ino o512=$(( $2 / 512 )) name=${4:-SYSTEM}

  ino=$(fls -r -p -o $o512 "$1" |
    awk -F'\t' -v path="windows/system32/config/$name" '
      tolower($2) == tolower(path) {
        n = split($1, a, " "); split(a[n], b, "-"); sub(/:$/, "", b[1]);
        print b[1]; exit }')
  [ -n "$ino" ] || fail "fls finds no Windows/System32/config/$name in $1"
  icat -o $o512 "$1" "$ino" > "$3"
}
