#!/usr/bin/env bash
# winvirtio tests: an nbdkit-sh-plugin script standing in for
# nbdkit-vddk-plugin and vSphere (VDDK cannot be redistributed).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# It takes the vddk plugin's parameters and checks them as vCenter
# would: FAKE_VSPHERE_THUMBPRINT is the server's thumbprint,
# FAKE_VSPHERE_USER and FAKE_VSPHERE_PASSWORD the account,
# FAKE_VSPHERE_VMS lines "MOREF|DISKPATH|IMAGE": the VMs, their disks
# and the local raw images served for them.  The error messages name
# what failed, as VDDK's do.
case "$1" in
  config)
    case "$2" in
      libdir|server|port|user|password|thumbprint|vm|file|snapshot) ;;
      minblock|maxdata) ;;
      *) echo "unknown parameter $2" >&2; exit 1 ;;
    esac
    printf '%s' "$3" > "$tmpdir/$2" ;;
  config_complete)
    tp=$(cat "$tmpdir/thumbprint")
    if [ "${tp^^}" != "${FAKE_VSPHERE_THUMBPRINT^^}" ]; then
      echo "VixDiskLib_ConnectEx: the server's SSL thumbprint $FAKE_VSPHERE_THUMBPRINT does not match the thumbprint given" >&2
      exit 1
    fi
    pw=$(cat "$tmpdir/password")
    if [ "$(cat "$tmpdir/user")" != "$FAKE_VSPHERE_USER" ] ||
       [ "${pw#+}" = "$pw" ] || [ "$(cat "${pw#+}")" != "$FAKE_VSPHERE_PASSWORD" ]; then
      echo "VixDiskLib_ConnectEx: Cannot complete login due to an incorrect user name or password" >&2
      exit 1
    fi
    vm=$(cat "$tmpdir/vm") disk=$(cat "$tmpdir/file")
    while IFS='|' read -r m d i; do
      if [ "moref=$m" = "$vm" ] && [ "$d" = "$disk" ]; then
        printf '%s' "$i" > "$tmpdir/image"
        exit 0
      fi
    done <<<"$FAKE_VSPHERE_VMS"
    echo "VixDiskLib_Open: VM $vm or its disk $disk not found" >&2
    exit 1 ;;
  thread_model) echo parallel ;;
  open) echo handle ;;
  get_size) stat -L -c %s "$(cat "$tmpdir/image")" ;;
  pread)
    dd if="$(cat "$tmpdir/image")" iflag=skip_bytes,count_bytes \
       skip="$4" count="$3" bs=1M status=none ;;
  can_write|can_extents|can_multi_conn) exit 3 ;;
  *) exit 2 ;;
esac
