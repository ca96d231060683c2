#!/usr/bin/env bash
# winvirtio: run commands from a fresh clone on a clean Debian 12 root.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: scripts/clean-root.sh [VAR=VALUE ...] -- COMMAND [COMMAND ...]
#
# Proves that the README's quick-start commands work where nothing was
# installed by hand: builds a minimal Debian 12 root with debootstrap
# (--variant=minbase, from the Debian mirror), clones this repository's
# HEAD into it with ../shared beside it (as on a developer's machine),
# bind-mounts /proc, /sys and /dev (with /dev/pts and /dev/shm) and
# nothing else, then runs each COMMAND there, as root, from the clone,
# with an environment as bare as a login shell's (plus the VAR=VALUE
# pairs given).  Stops at the first command that fails, with its exit
# status.  The root is removed afterwards (WV_ROOT_KEEP=1 keeps it).
#
# Only debootstrap's downloaded packages are cached between runs
# (WV_ROOT_CACHE, default /var/cache/winvirtio-root): nothing that was
# ever installed is reused.  Needs root, debootstrap and git on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

envs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    *=*) envs+=("$1"); shift ;;
    *) echo "$0: expected VAR=VALUE or --, got: $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 1 ] || { echo "usage: $0 [VAR=VALUE ...] -- COMMAND ..." >&2; exit 2; }
shift

if [ "$(id -u)" -ne 0 ]; then
  echo "$0: must run as root (debootstrap, chroot, mount)" >&2
  exit 1
fi
for cmd in debootstrap git; do
  command -v $cmd >/dev/null || {
    echo "$0: $cmd is not installed (apt-get install $cmd)" >&2; exit 1; }
done

mirror="${WV_ROOT_MIRROR:-http://deb.debian.org/debian}"
cache="${WV_ROOT_CACHE:-/var/cache/winvirtio-root}"
base="${WV_ROOT_DIR:-/var/tmp}"
mkdir -p "$cache" "$base"
root=$(mktemp -d "$base/winvirtio-root.XXXXXX")

# Unmount everything under the root, deepest first; remove it only when
# nothing is mounted there any more (never follow a bind mount into the
# host's /dev).
cleanup ()
{
  local m
  for m in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' \
               /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  if awk -v r="$root/" 'index($2, r) == 1 { f = 1 } END { exit !f }' \
       /proc/self/mounts; then
    echo "$0: $root still has mounts; not removing it" >&2
    return
  fi
  if [ "${WV_ROOT_KEEP:-0}" = 1 ]; then
    echo "$0: kept $root"
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT

stamp () { echo "clean-root: $(date -u +%H:%M:%S) $*"; }

start=$SECONDS
stamp "debootstrap --variant=minbase bookworm $root"
debootstrap --variant=minbase --cache-dir="$cache" bookworm "$root" \
  "$mirror" > "$root.debootstrap.log" 2>&1 || {
  cat "$root.debootstrap.log" >&2; rm -f "$root.debootstrap.log"; exit 1; }
rm -f "$root.debootstrap.log"
# The package sources of a Debian 12 installation.
cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
stamp "root ready ($(( SECONDS - start )) s)"

git clone --quiet --no-hardlinks "$top" "$root/srv/winvirtio"
if [ -d "$top/../shared" ]; then
  cp -a "$top/../shared" "$root/srv/shared"
fi

mount --bind /proc "$root/proc"
mount --bind /sys "$root/sys"
mount --rbind /dev "$root/dev"

for command in "$@"; do
  stamp "running: $command"
  t=$SECONDS
  rc=0
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "${envs[@]}" \
    /bin/bash -c 'cd /srv/winvirtio && eval "$1"' bash "$command" || rc=$?
  stamp "exit status $rc after $(( SECONDS - t )) s: $command"
  [ $rc -eq 0 ] || exit $rc
done
stamp "all commands passed ($(( SECONDS - start )) s in all)"
