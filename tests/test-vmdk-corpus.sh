#!/usr/bin/env bash
# winvirtio tests: nbdkit-vmdk-plugin on the VMware- and tool-made
# VMDKs of ../shared/corpus/vmdk (skipped without the corpus).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The good files must decode to the raw MD5s published in
# corpus/PROVENANCE.md (those of qemu-img convert -O raw); the broken
# ones must stop nbdkit with a clear message and serve nothing.
source ./functions.sh
set -e
set -x

plugin="$abs_top_builddir/plugin/.libs/nbdkit-vmdk-plugin.so"
requires_corpus vmdk/vmdk-rs/monolithicSparse.vmdk
requires test -f "$plugin"
requires nbdkit --version
requires nbdcopy --version
requires bunzip2 --help

v="$corpus/vmdk"
t=tmp-vmdk-corpus
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

bunzip2 -c "$v/qemu/iotest-version3.vmdk.bz2" > $t/iotest-version3.vmdk
bunzip2 -c "$v/qemu/afl9.vmdk.bz2" > $t/afl9.vmdk

# check_md5 FILE MD5: the plugin's copy of FILE has this MD5.
check_md5 ()
{
  local sum
  sum="$(nbdkit -U - "$plugin" file="$1" --run 'nbdcopy "$uri" -' |
           md5sum | cut -d' ' -f1)"
  test "$sum" = "$2" || fail "$1: MD5 $sum, expected $2"
}

# From PROVENANCE.md: the three vmdk-rs 10 MiB disks hold the same data.
check_md5 "$v/vmdk-rs/monolithicSparse.vmdk" 802645027360247b4cc349b44fd8cca3
check_md5 "$v/vmdk-rs/streamOptimized.vmdk" 802645027360247b4cc349b44fd8cca3
check_md5 "$v/vmdk-rs/twoGbMaxExtentSparse.vmdk" \
  802645027360247b4cc349b44fd8cca3
check_md5 "$v/vmdk-rs/streamOptimizedWithMarkers.vmdk" \
  e1c8160423e47ace3632c1e41ca118a5
check_md5 "$v/vmdk-rs/vmfs_thick.vmdk" 7fbdd409abcad8224d3ac966408cf4c4

# No published MD5: compare with qemu-img convert when it is here
# (qemu-img compare: byte-equal, but reads only the allocated parts
# of the 16 GiB iotest disk).
if qemu-img --version > /dev/null 2>&1; then
  for f in $t/iotest-version3.vmdk "$v/plaso/image.vmdk" \
           "$v/dfvfs/ext2.vmdk"; do
    rm -f $t/qemu.raw $t/nbd.raw
    qemu-img convert -O raw "$f" $t/qemu.raw
    nbdkit -U - "$plugin" file="$f" --run 'nbdcopy "$uri" '$t/nbd.raw
    qemu-img compare -f raw -F raw $t/qemu.raw $t/nbd.raw ||
      fail "$f: plugin and qemu-img differ"
  done
  rm -f $t/qemu.raw $t/nbd.raw
fi

# expect_refused FILE MESSAGE: nbdkit stops with MESSAGE.  (The
# timeout: with --enable-sanitizers, nbdkit under the preloaded ASan
# runtime can deadlock in exit, in libp11-kit's destructor, even with
# nbdkit's own file plugin: it then ignores SIGTERM, hence -k.  The
# message is still checked.)
expect_refused ()
{
  if timeout -k 5 30 nbdkit -U - "$plugin" file="$1" --run 'nbdinfo "$uri"' \
       > $t/log 2>&1; then
    cat $t/log
    fail "$1: expected nbdkit to refuse it"
  fi
  cat $t/log
  grep -qF -- "$2" $t/log || fail "$1: expected message: $2"
  grep -q "export-size" $t/log && fail "$1: an export was served"
  return 0
}

# AFL-made header with a huge capacity (qemu: "L1 size too big").
expect_refused $t/afl9.vmdk \
  "afl9.vmdk: capacity 2233785398448881665 sectors is too large"
# Sparse file whose embedded descriptor is empty.
expect_refused "$v/go-vmdk-parser/vmdk-invalid.img" \
  "vmdk-invalid.img: invalid VMDK descriptor: no createType"
# Descriptor naming 16 extent files that are not there.
expect_refused "$v/vmdk-forensic/ms3-win.vmdk" \
  "vmdk-forensic/disk-s001.vmdk: No such file or directory"
# An extent opened on its own has no descriptor.
expect_refused "$v/vmdk-rs/twoGbMaxExtentSparse-s001.vmdk" \
  "sparse file has no embedded descriptor"
# A flat extent opened on its own is not a VMDK.
expect_refused "$v/vmdk-rs/vmfs_thick-flat.vmdk" \
  "not a VMDK file: no sparse header and no descriptor"
