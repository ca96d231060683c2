#!/usr/bin/env bash
# winvirtio tests: the first-boot settings in the SYSTEM hive: the SATA
# fallback, SanPolicy and AutoReboot, with their options.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# And VMware Tools' services, disabled only on request (E).
# And the balloon service (Services\BalloonService), registered as
# "blnsvr -i" registers it, unless the guest has one.
# And what the INF asks for, written as Windows' installer writes it
# (compared with a real Windows 10 hive's vmci: DisplayName
# "@oem2.inf,%loc.vmciServiceDisplayName%;VMware VMCI Bus Driver",
# EventLog\System\vmci): viostor's and vioscsi's DisplayName, their
# EventLog\System keys, and DriverDatabase\UpdateDate.
# Each case builds a disk, converts it through the filter and compares
# the SYSTEM hive of the result with the source's, both read with
# sleuthkit (icat) and exported by hivexregedit, in the keys of
# storahci, msahci, partmgr\Parameters and CrashControl only
# (reg-diff.py); the rest of the hive is check-converted.sh's job
# (test-e2e-*.sh).  reglookup reads every output hive.
#  A. Windows 10, storahci Start=3 with StartOverride, SanPolicy=2
#     (OfflineShared), AutoReboot=1: storahci boot start, override
#     removed, SanPolicy 1, AutoReboot 0, BalloonService created with
#     the values of blnsvr's CreateService call; inspect (text and JSON) says
#     so before, and says boot-ready/left alone after; a second pass
#     gives an empty map.
#  B. The same with winvirtio-san-policy=keep winvirtio-autoreboot=keep
#     (the filter) and --san-policy=keep --autoreboot=keep (inspect):
#     only storahci changes.
#  C. Windows Server 2016 with no SanPolicy (its default is
#     OfflineShared), no CrashControl key and the guest tools'
#     BalloonService: SanPolicy 1 is written, no CrashControl key is
#     made, BalloonService is left as it is.
#  D. Windows 7 with msahci's key but not its file, SanPolicy=1: nothing
#     of these changes but AutoReboot, and the summary says why.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires test -f "$filter"
requires nbdkit --version
requires qemu-img --version
requires which hivexregedit
requires which reglookup
requires fls -V
requires icat -V
requires python3 --version

t=tmp-firstboot
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"

"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$t/vw"
keys='\\services\\(storahci|msahci)(\\|$)|\\partmgr\\parameters$|\\control\\crashcontrol$'

# disk NAME VERSION LAYOUT [ARGS...]: a test disk.
disk ()
{
  local n=$1 v=$2 l=$3
  shift 3
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$t/$n.img" \
    --version "$v" --layout "$l" "$@"
}

# system_reg IMG SECTOR OUT: the SYSTEM hive of the Windows volume
# starting at SECTOR (512-byte units), read by sleuthkit, exported by
# hivexregedit; reglookup must read it whole.
system_reg ()
{
  local ino
  ino=$(fls -r -p -o "$2" "$1" | awk -F'\t' '
    tolower($2) == "windows/system32/config/system" {
      n = split($1, a, " "); split(a[n], b, "-"); sub(/:$/, "", b[1]);
      print b[1]; exit }')
  [ -n "$ino" ] || fail "sleuthkit finds no SYSTEM hive in $1"
  icat -o "$2" "$1" "$ino" > "$3.hive"
  reglookup "$3.hive" > /dev/null
  hivexregedit --export --unsafe-printable-strings "$3.hive" '\' > "$3"
}

# convert NAME SECTOR [FILTER ARGS...]: NAME.img through the filter
# (planning at startup) into NAME.out; NAME.diff is the difference in
# the keys above, NAME.balloon in BalloonService, NAME.report the
# filter's report.
convert ()
{
  local n=$1 s=$2
  shift 2
  nbdkit -U - --filter="$filter" file "$t/$n.img" \
    winvirtio-drivers="$t/vw" winvirtio-report="$t/$n.report" "$@" \
    --run 'qemu-img convert -O raw "$uri" '"$t/$n.out"
  cat "$t/$n.report"
  system_reg "$t/$n.img" "$s" "$t/$n.src.reg"
  system_reg "$t/$n.out" "$s" "$t/$n.out.reg"
  python3 "$abs_top_srcdir/tests/reg-diff.py" "$t/$n.src.reg" \
    "$t/$n.out.reg" "$keys" > "$t/$n.diff"
  python3 "$abs_top_srcdir/tests/reg-diff.py" "$t/$n.src.reg" \
    "$t/$n.out.reg" '\\services\\balloonservice$' > "$t/$n.balloon"
  cat "$t/$n.diff" "$t/$n.balloon"
}

# expect_diff NAME: NAME.diff is stdin, exactly.
expect_diff ()
{
  diff -u - "$t/$1.diff" || fail "$1: the SYSTEM hive changed otherwise"
}

gpt=$((117 * 2048)) mbr=$((51 * 2048))

# A.
cat > "$t/a.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\partmgr\Parameters]
"SanPolicy"=dword:00000002
REG
disk a win10 gpt --system-reg "$t/a.reg"
$VG winvirtio inspect --drivers="$t/vw" "$t/a.img" > "$t/a.inspect"
cat "$t/a.inspect"
grep -qFx '  storahci: boot-ready: no (Start=3 manual, StartOverride present, file present): winvirtio makes it boot start (the SATA fallback)' "$t/a.inspect"
grep -qFx '  stornvme: absent' "$t/a.inspect"
grep -qFx 'disks online: SanPolicy 2 (OfflineShared): disks stay offline, winvirtio sets 1 (OnlineAll)' "$t/a.inspect"
grep -qFx 'crash: AutoReboot is 1 (reboot after a stop error): winvirtio sets 0' "$t/a.inspect"
$VG winvirtio inspect --json --drivers="$t/vw" "$t/a.img" |
  python3 -c 'import json, sys
d = json.load(sys.stdin)
f = {x["service"]: x for x in d["inbox_fallbacks"]}
assert f["storahci"] == {"service": "storahci", "present": True, "start": 3,
    "start_override": True, "file_exists": True, "boot_ready": False,
    "sata_fallback": True}, f["storahci"]
assert not f["msahci"]["present"] and f["msahci"]["start"] is None
assert d["san_policy"] == {"applies": True, "value": 2,
    "leaves_disks_offline": True, "why": "OfflineShared", "keep": False}
assert d["autoreboot"] == {"crash_control_key": True, "value": 1,
    "keep": False}, d["autoreboot"]'
convert a $gpt
grep -qFx 'sata fallback: storahci made boot start (Start was 3), StartOverride removed' "$t/a.report"
grep -qFx 'disks online: SanPolicy set to 1 (OnlineAll; it was 2, OfflineShared)' "$t/a.report"
grep -qFx 'crash: AutoReboot set to 0 (it was 1), so a stop error stays on the screen' "$t/a.report"
expect_diff a <<'EOF2'
-[\controlset002\services\storahci\startoverride]
[\controlset002\control\crashcontrol] "autoreboot": dword:00000001 -> dword:00000000
[\controlset002\services\partmgr\parameters] "sanpolicy": dword:00000002 -> dword:00000001
[\controlset002\services\storahci\startoverride] "0": dword:00000003 -> absent
[\controlset002\services\storahci] "start": dword:00000003 -> dword:00000000
EOF2
grep -qFx 'balloon service: BalloonService registered (automatic start, %SystemRoot%\Drivers\VirtIO\blnsvr.exe), as "blnsvr -i" registers it' "$t/a.report"
diff -u - "$t/a.balloon" <<'EOF2'
+[\controlset002\services\balloonservice]
[\controlset002\services\balloonservice] "displayname": absent -> str(1):"Balloon Service"
[\controlset002\services\balloonservice] "errorcontrol": absent -> dword:00000001
[\controlset002\services\balloonservice] "imagepath": absent -> str(2):"\"%SystemRoot%\Drivers\VirtIO\blnsvr.exe\""
[\controlset002\services\balloonservice] "objectname": absent -> str(1):"LocalSystem"
[\controlset002\services\balloonservice] "start": absent -> dword:00000002
[\controlset002\services\balloonservice] "type": absent -> dword:00000010
EOF2
# The INF's DisplayName (Windows 8 on: "@oem<N>.inf,%key%;text"), its
# event log section, UpdateDate = the new packages' ImportDate.
for d in viostor:1:"SCSI controller" vioscsi:2:"SCSI pass-through controller"; do
  IFS=: read -r drv n text <<< "$d"
  python3 "$abs_top_srcdir/tests/reg-diff.py" "$t/a.src.reg" "$t/a.out.reg" \
    "^\\\\controlset002\\\\services\\\\(eventlog\\\\system\\\\)?$drv\$" |
    grep -i 'displayname\|eventlog' > "$t/a.$drv" || true
  diff -u - "$t/a.$drv" <<EOF2
+[\\controlset002\\services\\eventlog\\system\\$drv]
[\\controlset002\\services\\eventlog\\system\\$drv] "eventmessagefile": absent -> str(2):"%SystemRoot%\\System32\\IoLogMsg.dll"
[\\controlset002\\services\\eventlog\\system\\$drv] "typessupported": absent -> dword:00000007
[\\controlset002\\services\\$drv] "displayname": absent -> str(1):"@oem$n.inf,%$drv.SVCDESC%;FAKE Red Hat VirtIO $text Service"
EOF2
done
reglookup -H -p /DriverDatabase "$t/a.out.reg.hive" > "$t/a.ddb"
reglookup -H -p /DriverDatabase "$t/a.src.reg.hive" > "$t/a.ddb-src"
new=$(awk -F, '$1 ~ /^\/DriverDatabase\/DriverPackages\/viostor\.inf_amd64_[0-9a-f]+\/ImportDate$/ { print $3 }' "$t/a.ddb")
upd=$(awk -F, '$1 == "/DriverDatabase/UpdateDate" { print $2 "," $3 }' "$t/a.ddb")
old=$(awk -F, '$1 == "/DriverDatabase/UpdateDate" { print $2 "," $3 }' "$t/a.ddb-src")
[ -n "$new" ] && [ "$upd" = "BINARY,$new" ] && [ "$upd" != "$old" ] ||
  fail "UpdateDate is '$upd' (was '$old'), not the ImportDate '$new'"
# After: boot-ready, nothing left to do, an empty second pass.
$VG winvirtio inspect --drivers="$t/vw" "$t/a.out" > "$t/a.inspect2"
grep -qFx '  storahci: boot-ready: yes (Start=0 boot, file present)' "$t/a.inspect2"
grep -qFx 'disks online: SanPolicy 1 (OnlineAll): disks come online, left alone' "$t/a.inspect2"
grep -qFx 'crash: AutoReboot is 0: a stop error stays on the screen' "$t/a.inspect2"
$VG winvirtio map --drivers="$t/vw" "$t/a.out" > "$t/a.summary2"
cat "$t/a.summary2"
grep -q '^block map: 0 extents, 0 bytes' "$t/a.summary2"
grep -qFx 'sata fallback: storahci already boot start' "$t/a.summary2"
grep -qFx 'disks online: SanPolicy is 1 (OnlineAll), left alone' "$t/a.summary2"
grep -qFx 'crash: AutoReboot is 0 already' "$t/a.summary2"
grep -qFx 'balloon service: BalloonService already registered, left as it is' "$t/a.summary2"

# B.
$VG winvirtio inspect --san-policy=keep --autoreboot=keep \
  --drivers="$t/vw" "$t/a.img" > "$t/b.inspect"
grep -qFx 'disks online: SanPolicy 2 (OfflineShared): disks stay offline, kept (--san-policy=keep)' "$t/b.inspect"
grep -qFx 'crash: AutoReboot is 1 (reboot after a stop error): kept (--autoreboot=keep)' "$t/b.inspect"
cp "$t/a.img" "$t/b.img"
convert b $gpt winvirtio-san-policy=keep winvirtio-autoreboot=keep
grep -qF 'disks online: SanPolicy kept (san-policy=keep)' "$t/b.report"
grep -qFx 'crash: AutoReboot kept (autoreboot=keep)' "$t/b.report"
expect_diff b <<'EOF2'
-[\controlset002\services\storahci\startoverride]
[\controlset002\services\storahci\startoverride] "0": dword:00000003 -> absent
[\controlset002\services\storahci] "start": dword:00000003 -> dword:00000000
EOF2
# A bad value is one clear error.
if winvirtio map --san-policy=offline --drivers="$t/vw" "$t/a.img" \
    2> "$t/b.err"; then
  fail "--san-policy=offline was accepted"
fi
grep -qFx 'winvirtio: --san-policy must be online or keep' "$t/b.err"

# C.  (A Server 2016 SOFTWARE hive: the Windows 10 one, retitled.)
./wv-mkhive "$t/c.SOFTWARE"
hivexregedit --merge "$t/c.SOFTWARE" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$abs_top_srcdir/tests/data/win10-software.reg"
cat > "$t/c-soft.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]
"InstallationType"="Server"
"ProductName"="Windows Server 2016 Standard"
"EditionID"="ServerStandard"
"CurrentBuild"="14393"
"CurrentBuildNumber"="14393"
REG
hivexregedit --merge "$t/c.SOFTWARE" --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$t/c-soft.reg"
cat > "$t/c.reg" <<'REG'
Windows Registry Editor Version 5.00

[-HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\CrashControl]

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\BalloonService]
"ImagePath"="C:\\Program Files\\Virtio-Win\\Balloon\\blnsvr.exe"
"Start"=dword:00000002
REG
disk c win10 gpt --software-hive "$t/c.SOFTWARE" --system-reg "$t/c.reg"
$VG winvirtio inspect --drivers="$t/vw" "$t/c.img" > "$t/c.inspect"
grep -qFx "disks online: SanPolicy absent: Windows Server's default is OfflineShared: disks stay offline, winvirtio sets 1 (OnlineAll)" "$t/c.inspect"
grep -qFx 'crash: no Control\CrashControl key: left alone' "$t/c.inspect"
convert c $gpt
grep -qFx "disks online: SanPolicy set to 1 (OnlineAll; it was absent: Windows Server's default is OfflineShared)" "$t/c.report"
grep -qFx 'crash: no Control\CrashControl key, left alone' "$t/c.report"
grep -qFx 'balloon service: BalloonService already registered, left as it is' "$t/c.report"
[ ! -s "$t/c.balloon" ] || fail "the guest's BalloonService was changed"
expect_diff c <<'EOF2'
+[\controlset002\services\partmgr\parameters]
-[\controlset002\services\storahci\startoverride]
[\controlset002\services\partmgr\parameters] "sanpolicy": absent -> dword:00000001
[\controlset002\services\storahci\startoverride] "0": dword:00000003 -> absent
[\controlset002\services\storahci] "start": dword:00000003 -> dword:00000000
EOF2

# D.
cat > "$t/d.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\partmgr\Parameters]
"SanPolicy"=dword:00000001
REG
disk d win7 mbr --system-reg "$t/d.reg" --no-driver msahci
$VG winvirtio inspect --drivers="$t/vw" "$t/d.img" > "$t/d.inspect"
grep -qFx '  msahci: boot-ready: no (Start=3 manual, file MISSING): left alone, its file is missing' "$t/d.inspect"
convert d $mbr
grep -qFx 'sata fallback: msahci: \Windows\System32\drivers\msahci.sys is missing, left alone (a boot-start driver without its file stops the boot)' "$t/d.report"
grep -qFx 'disks online: SanPolicy is 1 (OnlineAll), left alone' "$t/d.report"
expect_diff d <<'EOF2'
[\controlset001\control\crashcontrol] "autoreboot": dword:00000001 -> dword:00000000
EOF2
# Before Windows 8 the DisplayName is the INF's text.
grep -qFx '"DisplayName"=str(1):"FAKE Red Hat VirtIO SCSI controller Service"' \
  <(sed -n '/^\[\\ControlSet001\\Services\\viostor\]$/,/^$/p' "$t/d.out.reg" | tr -d '\r')

# E. VMware Tools, opt-in: by default nothing of theirs changes; with
#    winvirtio-vmware-tools=disable, VMTools, vmvss and VMMemCtl get
#    Start=4, VGAuthService is left (another service depends on it),
#    and vmci, vsock, vmmouse, pvscsi and a non-VMware "VMTools"-like
#    service are not touched.
cat > "$t/e.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\VMTools]
"DisplayName"="VMware Tools"
"ImagePath"="\"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe\""
"Start"=dword:00000002
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\VGAuthService]
"DisplayName"="VMware Alias Manager and Ticket Service"
"ImagePath"="\"C:\\Program Files\\VMware\\VMware Tools\\VMware VGAuth\\VGAuthService.exe\""
"Start"=dword:00000002
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\vmvss]
"DisplayName"="VMware Snapshot Provider"
"ImagePath"="C:\\Windows\\system32\\dllhost.exe /Processid:{00000000-0000-0000-0000-000000000000}"
"Start"=dword:00000003
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\VMMemCtl]
"DisplayName"="Memory Control Driver"
"ImagePath"="\\??\\C:\\Program Files\\VMware\\VMware Tools\\Drivers\\memctl\\vmmemctl.sys"
"Start"=dword:00000002
"Type"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\vm3dservice]
"DisplayName"="Some helper"
"ImagePath"="C:\\Windows\\system32\\helper.exe"
"Start"=dword:00000002
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\vmci]
"DisplayName"="VMware VMCI Bus Driver"
"Start"=dword:00000000
"Type"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\vsock]
"DisplayName"="vSockets Virtual Machine Communication Interface Sockets driver"
"DependOnService"=hex(7):76,00,6d,00,63,00,69,00,00,00,00,00
"Start"=dword:00000000
"Type"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\vmmouse]
"DisplayName"="VMware Pointing Device"
"Start"=dword:00000003
"Type"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\Monitor]
"DisplayName"="A monitoring agent"
"DependOnService"=hex(7):56,00,47,00,41,00,75,00,74,00,68,00,53,00,65,00,72,\
  00,76,00,69,00,63,00,65,00,00,00,00,00
"Start"=dword:00000002
"Type"=dword:00000010
REG
disk e win10 gpt --system-reg "$t/e.reg"
vmkeys='\\services\\(vmtools|vgauthservice|vmvss|vmmemctl|vm3dservice|vmci|vsock|vmmouse|pvscsi|monitor)$'
convert e $gpt
grep -qFx 'vmware tools: 4 of their services left as they are (vmware-tools=disable disables them)' "$t/e.report"
python3 "$abs_top_srcdir/tests/reg-diff.py" "$t/e.src.reg" "$t/e.out.reg" \
  "$vmkeys" > "$t/e.vm"
[ ! -s "$t/e.vm" ] || fail "VMware Tools changed without vmware-tools=disable"
cp "$t/e.img" "$t/f.img"
convert f $gpt winvirtio-vmware-tools=disable
grep -qFx 'vmware tools: VMTools disabled (Start was 2)' "$t/f.report"
grep -qFx 'vmware tools: VGAuthService left alone: Monitor depends on it' "$t/f.report"
python3 "$abs_top_srcdir/tests/reg-diff.py" "$t/f.src.reg" "$t/f.out.reg" \
  "$vmkeys" > "$t/f.vm"
diff -u - "$t/f.vm" <<'EOF2'
[\controlset002\services\vmmemctl] "start": dword:00000002 -> dword:00000004
[\controlset002\services\vmtools] "start": dword:00000002 -> dword:00000004
[\controlset002\services\vmvss] "start": dword:00000003 -> dword:00000004
EOF2
# A second pass with the option changes nothing.
$VG winvirtio map --vmware-tools=disable --drivers="$t/vw" "$t/f.out" \
  > "$t/f.summary2"
grep -q '^block map: 0 extents, 0 bytes' "$t/f.summary2"
grep -qFx 'vmware tools: VMTools is disabled already' "$t/f.summary2"
