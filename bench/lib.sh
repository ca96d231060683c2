# winvirtio benchmarks: shared helpers, sourced by the bench scripts.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.

set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${WV_BUILDDIR:-$top}"
filter="$build/filter/.libs/nbdkit-winvirtio-filter.so"
winvirtio="$build/tools/winvirtio"
work="${BENCH_DIR:-${TMPDIR:-/var/tmp}/winvirtio-bench}"
mkdir -p "$work"

for f in "$filter" "$winvirtio" "$build/tests/wv-mkhive" \
         "$build/tests/wv-ntfs-put"; do
  [ -e "$f" ] || { echo "$0: $f missing: build first (scripts/build.sh)" >&2;
                   exit 1; }
done

# make_hive OUT SIZE_MB VERSION: a SYSTEM hive from the test sources,
# padded with REG_BINARY filler (through python3-hivex) to about
# SIZE_MB.
make_hive ()
{
  local out=$1 mb=$2 version=$3
  "$build/tests/wv-mkhive" "$out"
  hivexregedit --merge "$out" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
    "$top/tests/data/$version-system.reg"
  /usr/bin/python3 - "$out" "$mb" <<'PY'
import hivex, sys, os
path, mb = sys.argv[1], int(sys.argv[2])
h = hivex.Hivex(path, write=True)
node = h.node_add_child(h.root(), "WinvirtioBenchFiller")
chunk = 256 * 1024
i = 0
while os.path.getsize(path) + i * chunk < mb * 1024 * 1024:
    k = h.node_add_child(node, "k%05d" % i)
    h.node_set_value(k, {"key": "v", "t": 3, "value": os.urandom(chunk)})
    i += 1
h.commit(None)
PY
}

# make_volume OUT SIZE HIVE VERSION: a sparse NTFS volume of SIZE
# holding a Windows-like tree, made without mounting.
make_volume ()
{
  local out=$1 size=$2 hive=$3 version=$4 soft="$work/SOFTWARE-$4"
  if [ ! -f "$soft" ]; then
    "$build/tests/wv-mkhive" "$soft"
    hivexregedit --merge "$soft" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
      "$top/tests/data/$version-software.reg"
  fi
  head -c 20000 /dev/urandom > "$work/disk.sys"
  rm -f "$out"
  truncate -s "$size" "$out"
  mkntfs -q -F -f -s 512 -p 2048 -H 255 -S 63 -L Windows "$out" \
    >/dev/null 2>&1
  "$build/tests/wv-ntfs-put" "$out" \
    --mkdir /Windows/System32/config --mkdir /Windows/System32/drivers \
    "$hive:/Windows/System32/config/SYSTEM" \
    "$soft:/Windows/System32/config/SOFTWARE" \
    "$work/disk.sys:/Windows/System32/drivers/disk.sys"
}

# A fake driver tree, once.
fake_drivers ()
{
  [ -d "$work/vw" ] || "$top/scripts/make-fake-virtio-win.sh" "$work/vw"
}

# serve SOCK ARGS...: nbdkit in the background on a Unix socket; the
# pid is in SOCK.pid.
serve ()
{
  local sock=$1
  shift
  rm -f "$sock" "$sock.pid"
  nbdkit -U "$sock" -P "$sock.pid" "$@"
  for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.1; done
  echo "$0: nbdkit did not start" >&2
  exit 1
}
unserve ()
{
  [ -f "$1.pid" ] && kill "$(cat "$1.pid")" 2>/dev/null || :
  rm -f "$1" "$1.pid"
}

# interleave ROUNDS NAME CMD [NAME CMD]...: run every variant once per
# round, in turn, so that the machine's noise falls on all of them
# alike; print each variant's median wall time and its ratio to the
# first variant's.
interleave ()
{
  local rounds=$1 i j n
  shift
  local names=() cmds=()
  while [ $# -gt 0 ]; do names+=("$1"); cmds+=("$2"); shift 2; done
  n=${#names[@]}
  : > "$work/times"
  for (( i = 0; i <= rounds; ++i )); do
    for (( j = 0; j < n; ++j )); do
      local t0 t1
      t0=$(date +%s.%N)
      bash -c "${cmds[j]}" > /dev/null 2>&1 ||
        { echo "$0: ${names[j]} failed: ${cmds[j]}" >&2; exit 1; }
      t1=$(date +%s.%N)
      # Round 0 is a warm-up.
      [ $i -gt 0 ] && echo "$j $(echo "$t1 - $t0" | bc -l)" >> "$work/times"
    done
  done
  /usr/bin/python3 - "$work/times" "${names[@]}" <<'PY'
import statistics, sys
names = sys.argv[2:]
t = {}
for line in open(sys.argv[1]):
    j, s = line.split()
    t.setdefault(int(j), []).append(float(s))
base = statistics.median(t[0])
for j, name in enumerate(names):
    m = statistics.median(t[j])
    print("  %-26s median %7.3f s (min %.3f, max %.3f, n=%d)  ratio %.3f"
          % (name, m, min(t[j]), max(t[j]), len(t[j]), m / base))
PY
}
