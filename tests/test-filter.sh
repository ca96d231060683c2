#!/usr/bin/env bash
# winvirtio tests: the filter in the nbdkit on PATH: parameters,
# refusals (exact messages), read errors, read-only, extents.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires nbdinfo --version
requires nbdsh --version
requires qemu-img --version
requires python3 --version

t=tmp-filter
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

# expect_fail LOG MESSAGE CMD...: CMD must fail and LOG must hold MESSAGE.
expect_fail ()
{
  local log=$1 msg=$2
  shift 2
  if "$@" > "$log" 2>&1; then
    cat "$log"
    fail "expected failure: $*"
  fi
  cat "$log"
  grep -qF -- "$msg" "$log" || fail "expected message: $msg"
}

# The built filter loads into the nbdkit on PATH (the ABI is tied to
# one nbdkit version), and every parameter in --help is documented.
nbdkit --filter="$filter" null --help > $t/help
grep -q '^winvirtio-drivers=PATH' $t/help
for key in $(sed -n 's/^\(winvirtio-[a-z]*\)=.*/\1/p' $t/help); do
  grep -q "^=item B<$key=>" "$abs_top_srcdir/filter/nbdkit-winvirtio-filter.pod" ||
    fail "$key is in --help but not in nbdkit-winvirtio-filter.pod"
done

# At most one of winvirtio-drivers and winvirtio-map.
touch $t/some.map
expect_fail $t/log "give at most one of winvirtio-drivers=PATH" \
  nbdkit -U - --filter="$filter" null 1M winvirtio-drivers=$t \
  winvirtio-map=$t/some.map --run true
# With neither, the default location, which must exist at startup.
VIRTIO_WIN=$t/nonexistent expect_fail $t/log \
  "no virtio-win drivers: $t/nonexistent does not exist" \
  nbdkit -U - --filter="$filter" null 1M --run 'nbdinfo "$uri"'
grep -q "export-size" $t/log && fail "an export was served"

WV_BUILDDIR="$abs_top_builddir" \
  "$abs_top_srcdir/scripts/make-windows-disk.sh" $t/disk.img \
  --version win10 --layout gpt
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" $t/vw
winvirtio map --drivers=$t/vw -o $t/map $t/disk.img > $t/summary
grep -qFx "driver source: $PWD/$t/vw (ISO layout)" $t/summary

# Without --drivers, $VIRTIO_WIN (both made absolute): the same map,
# byte for byte, and the filter computes the same too.
VIRTIO_WIN=$t/vw winvirtio map -o $t/default.map $t/disk.img > $t/log
grep -qFx "driver source: $PWD/$t/vw (ISO layout)" $t/log
cmp $t/map $t/default.map
nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/map \
  --run "nbdcopy \"\$uri\" $t/with-map.raw"
VIRTIO_WIN=$t/vw nbdkit -U - --filter="$filter" file $t/disk.img \
  --run "nbdcopy \"\$uri\" $t/with-default.raw"
cmp $t/with-map.raw $t/with-default.raw
rm $t/with-map.raw $t/with-default.raw

# A disk with no Windows on it: nbdkit stops, nothing is served.
truncate -s 64M $t/empty.img
"$MKNTFS" -q -F -f $t/empty.img > /dev/null
expect_fail $t/log "no Windows found: no NTFS volume on this disk holds" \
  nbdkit -U - --filter="$filter" file $t/empty.img winvirtio-drivers=$t/vw \
  --run 'nbdinfo "$uri"'
grep -q "export-size" $t/log && fail "an export was served"
# ... and without --run, nbdkit itself exits with the error.
expect_fail $t/log "no Windows found: no NTFS volume on this disk holds" \
  nbdkit -f -U $t/sock --filter="$filter" file $t/empty.img \
  winvirtio-drivers=$t/vw

# A map applied to another disk of another size.
expect_fail $t/log "this block map was made for a disk of" \
  nbdkit -U - --filter="$filter" file $t/empty.img winvirtio-map=$t/map \
  --run 'nbdinfo "$uri"'

# A map applied to the same disk after a byte the planner read
# changed: the volume serial number in the Windows partition's NTFS
# boot sector (offset 0x48), as if the disk had been touched since.
cp --sparse=always $t/disk.img $t/changed.img
part=$(sed -n 's/^partition: .*offset \([0-9]*\),.*/\1/p' $t/summary)
test -n "$part"
flip_byte $t/changed.img $((part + 0x48))
expect_fail $t/log "the source has changed since this block map was made" \
  nbdkit -U - --filter="$filter" file $t/changed.img winvirtio-map=$t/map \
  --run 'nbdinfo "$uri"'

# A damaged map file.
cp $t/map $t/bad.map
flip_byte $t/bad.map 200
expect_fail $t/log "bad.map" \
  nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/bad.map \
  --run 'nbdinfo "$uri"'

# Read errors while planning: nbdkit stops with the error.
expect_fail $t/log "read error from the plugin" \
  nbdkit -U - --filter="$filter" --filter=error file $t/disk.img \
  winvirtio-drivers=$t/vw error-pread=EIO error-pread-rate=1 \
  --run 'nbdinfo "$uri"'

# Read errors while streaming reach the client: the map check's reads
# succeed, then the trigger file turns errors on.  nbdkit starts the
# --run command before the filter checks the map (.after_fork): the
# command waits for the report, written once the check is done, else
# the check itself could fail and every connection be refused with
# that error (which has "Input/output error" in it too).
rm -f $t/trigger $t/report
expect_fail $t/log "Input/output error" \
  nbdkit -U - --filter="$filter" --filter=error file $t/disk.img \
  winvirtio-map=$t/map error-pread=EIO error-pread-rate=1 \
  error-file=$t/trigger winvirtio-report=$t/report \
  --run "for i in \$(seq 1200); do [ -e $t/report ] && break; sleep 0.1; done
         touch $t/trigger; qemu-img convert -O raw \"\$uri\" $t/out.raw"
[ -e $t/report ] || fail "the filter did not check the map"
grep -q "not serving this disk" $t/log && fail "the map check failed"

# Read-only, multi-conn (the file plugin has it), and a write is refused.
nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/map \
  --run 'nbdinfo --json "$uri"' > $t/info.json
python3 - $t/info.json <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["exports"][0]
assert e["is_read_only"] is True, e
assert e["can_multi_conn"] is True, e
PY
nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/map \
  --run '/usr/bin/python3 -m nbd -u "$uri" -c "
try:
    h.pwrite(b\"x\" * 512, 0)
    raise SystemExit(\"write succeeded\")
except nbd.Error as ex:
    print(\"write refused:\", ex.string)
"'

# Extents: every patched range is reported as data, never as a hole
# or zero (the source file is sparse, and the new drivers land in
# clusters that were holes).
winvirtio dump --json $t/map > $t/map.json
nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/map \
  --run 'nbdinfo --map --json "$uri"' > $t/extents.json
python3 - $t/map.json $t/extents.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["extents"]
ext = json.load(open(sys.argv[2]))
assert m, "empty map"
holes = [(e["offset"], e["offset"] + e["length"]) for e in ext
         if e["type"] != 0]
assert holes, "the sparse disk shows no holes at all"
for x in m:
    s, e = x["offset"], x["offset"] + x["length"]
    for hs, he in holes:
        assert e <= hs or s >= he, ("patched %r reported as hole/zero %r"
                                    % (x, (hs, he)))
print("%d patched extents, all reported as data" % len(m))
PY

# Reads of any size at any offset give the patched bytes: compare
# odd-sized, unaligned reads across every extent edge with the
# whole-disk copy.
nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/map \
  --run "qemu-img convert -O raw \"\$uri\" $t/whole.raw"
nbdkit -U - --filter="$filter" file $t/disk.img winvirtio-map=$t/map \
  --run '/usr/bin/python3 -m nbd -u "$uri" -c "
import json
whole = open(\"'$t/whole.raw'\", \"rb\")
n = 0
for x in json.load(open(\"'$t/map.json'\"))[\"extents\"]:
    for edge in (x[\"offset\"], x[\"offset\"] + x[\"length\"]):
        for before, after in ((1, 1), (511, 3), (4097, 4099), (0, 7)):
            off = max(edge - before, 0)
            whole.seek(off)
            assert h.pread(before + after, off) == whole.read(before + after)
            n += 1
print(n, \"unaligned reads match\")
"'
