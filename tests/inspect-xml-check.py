#!/usr/bin/env python3
# winvirtio tests: check one "winvirtio inspect --xml" document
# against the disk, read with other tools.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: inspect-xml-check.py XML DISK STATUS VERSION
#
# STATUS is inspect's exit status (0: would convert), VERSION
# winvirtio's.  The document is parsed with ElementTree as KubeVirt
# Forklift's controller reads virt-v2v-inspector's (the root
# v2v-inspection, operatingsystem's name, distro, osinfo and arch),
# and every element is compared with what this script finds itself:
#  - the partitions with sfdisk --json (fdisk for a GPT of 4096-byte
#    sectors): Linux's numbers, the EFI system partition's type;
#  - the Windows volume and the real case of its system root and hives
#    with sleuthkit's fls, the hives taken out with icat;
#  - the version, build, InstallationType and ProductName from the
#    SOFTWARE hive, the control set and PROCESSOR_ARCHITECTURE from the
#    SYSTEM hive, with hivexget;
#  - the osinfo id from those values and osinfo-db's short ids (the
#    table below, written from osinfo-db's data/os/microsoft.com, not
#    from winvirtio's code).
# With STATUS other than 0 the document must have no operatingsystem.

import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

xml_path, disk, status, version = sys.argv[1:5]
status = int(status)

ESP_GPT = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
CV = "\\Microsoft\\Windows NT\\CurrentVersion"
# The order virt-v2v-inspector writes them in.
OS_ORDER = ["name", "distro", "osinfo", "arch", "major_version",
            "minor_version", "product_name", "product_variant",
            "windows_systemroot", "windows_software_hive",
            "windows_system_hive", "windows_current_control_set", "root",
            "mountpoints"]


def fail(msg):
    print("inspect-xml-check: %s: FAIL: %s" % (xml_path, msg))
    sys.exit(1)


def expect(what, got, want):
    if got != want:
        fail("%s is %r, expected %r" % (what, got, want))


def hivexget(hive, key, value):
    """A value as hivexget prints it, or None if absent."""
    r = subprocess.run(["hivexget", hive, key, value], capture_output=True)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8").rstrip("\n")


def gpt_4k():
    """The partitions of a GPT with 4096-byte sectors, from fdisk (sfdisk
    reads a file with 512-byte sectors and has no option to change
    it)."""
    r = subprocess.run(["fdisk", "-b", "4096", "-l", "-o",
                        "Device,Start,Type-UUID", disk],
                       capture_output=True, text=True, check=True)
    return [(int(m.group(1)), int(m.group(2)) * 4096, m.group(3).upper())
            for m in re.finditer(r"^\S*?(\d+) +(\d+) +(\S+)$", r.stdout,
                                 re.M)]


def partitions():
    """(Linux partition number, offset in bytes, type) of each, or []
    for a disk with no partition table (a bare volume)."""
    r = subprocess.run(["sfdisk", "--json", disk], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return []
    pt = json.loads(r.stdout)["partitiontable"]
    parts = [(int(re.search(r"(\d+)$", p["node"]).group(1)),
              p["start"] * pt.get("sectorsize", 512), p["type"].upper())
             for p in pt.get("partitions", [])]
    # With 512-byte sectors, a GPT of 4096-byte sectors is only its
    # protective MBR.
    if pt["label"] == "dos" and [t for _, _, t in parts] == ["EE"]:
        return gpt_4k()
    return parts


def windows_files(offset):
    """{lower-case path: (real-case path, inode)} of the hives of the
    NTFS volume at offset, from fls."""
    r = subprocess.run(["fls", "-r", "-p", "-o", str(offset // 512), disk],
                       capture_output=True, text=True, errors="replace")
    found = {}
    for line in r.stdout.splitlines():
        # (Not deleted entries, "r/r * 68-128-2:".)
        m = re.match(r"^\S+ (\d+)-\S*:\t(.*)$", line)
        if m and re.fullmatch(r"(windows|winnt)/system32/config/"
                              r"(software|system)", m.group(2).lower()):
            found[m.group(2).split("/")[-1].lower()] = (m.group(2),
                                                        m.group(1))
    return found


def icat(offset, inode, out):
    with open(out, "wb") as f:
        subprocess.run(["icat", "-o", str(offset // 512), disk, inode],
                       stdout=f, check=True)


def expected_osinfo(major, minor, build, server, product):
    """osinfo-db's short id (data/os/microsoft.com/win-*.xml.in)."""
    if (major, minor) == (10, 0):
        if not server:
            return "win11" if build >= 22000 else "win10"
        for first, short_id in ((26100, "win2k25"), (20348, "win2k22"),
                                (17763, "win2k19")):
            if build >= first:
                return short_id
        return "win2k16"
    if (major, minor) == (5, 2) and server:
        return "win2k3r2" if "R2" in product else "win2k3"
    clients = {(5, 1): "winxp", (5, 2): "winxp", (6, 0): "winvista",
               (6, 1): "win7", (6, 2): "win8", (6, 3): "win8.1"}
    servers = {(5, 1): "winxp", (6, 0): "win2k8", (6, 1): "win2k8r2",
               (6, 2): "win2k12", (6, 3): "win2k12r2"}
    return (servers if server else clients).get((major, minor))


def xml_chars(s):
    """s without what XML 1.0 cannot hold (as the document must)."""
    return "".join(c for c in s if c in "\t\n" or ord(c) >= 0x20)


def expected_os(tmp):
    """The operatingsystem elements expected, in order, or None."""
    for number, offset, ptype in partitions() or [(0, 0, "")]:
        files = windows_files(offset)
        if "software" in files and "system" in files:
            break
    else:
        return None
    soft, system = os.path.join(tmp, "SOFTWARE"), os.path.join(tmp, "SYSTEM")
    icat(offset, files["software"][1], soft)
    icat(offset, files["system"][1], system)

    cv = {k: hivexget(soft, CV, k) for k in
          ("CurrentVersion", "CurrentMajorVersionNumber",
           "CurrentMinorVersionNumber", "CurrentBuild",
           "CurrentBuildNumber", "InstallationType", "ProductName")}
    if cv["CurrentMajorVersionNumber"] is not None:
        major = int(cv["CurrentMajorVersionNumber"])
        minor = int(cv["CurrentMinorVersionNumber"] or 0)
    else:
        major, minor = (int(x) for x in cv["CurrentVersion"].split(".")[:2])
    build = int(cv["CurrentBuild"] or cv["CurrentBuildNumber"] or 0)
    itype = cv["InstallationType"] or ""
    product = cv["ProductName"] or ""
    server = (itype.lower().startswith("server") or
              "server" in product.lower())

    current = int(hivexget(system, "\\Select", "Current"))
    ccs = "ControlSet%03d" % current
    arch = hivexget(system, "\\%s\\Control\\Session Manager\\Environment" %
                    ccs, "PROCESSOR_ARCHITECTURE")
    if arch is None:
        fail("the SYSTEM hive has no PROCESSOR_ARCHITECTURE (not checked "
             "here)")
    arch = {"AMD64": "x86_64", "X86": "i386",
            "ARM64": "aarch64"}[arch.upper()]

    real_soft = files["software"][0]
    root = "/dev/sda%s" % (number or "")
    want = [("name", "windows"), ("distro", "windows"),
            ("osinfo", expected_osinfo(major, minor, build, server,
                                       product)),
            ("arch", arch), ("major_version", str(major)),
            ("minor_version", str(minor)),
            ("product_name", xml_chars(product)),
            ("product_variant", xml_chars(itype)),
            ("windows_systemroot", "/" + real_soft.split("/")[0]),
            ("windows_software_hive", "/" + real_soft),
            ("windows_system_hive", "/" + files["system"][0]),
            ("windows_current_control_set", ccs),
            ("root", root)]
    # Unknown or empty: left out.
    return [(k, v) for k, v in want if v], root, cv


def check_os(osel, tmp):
    got = expected_os(tmp)
    if got is None:
        fail("exit status 0 but no Windows found with fls")
    want, root, cv = got
    tags = [child.tag for child in osel]
    expect("the elements of operatingsystem", tags,
           [k for k, _ in want] + ["mountpoints"])
    for k, v in want:
        expect("operatingsystem/" + k, osel.findtext(k), v)
    mps = osel.find("mountpoints")
    expect("mountpoints", [(m.tag, m.attrib, m.text) for m in mps],
           [("mountpoint", {"dev": root}, "/")])
    print("%s: %s" % (xml_path, ", ".join("%s=%s" % kv for kv in want)))
    print("  from hivexget: %s" % cv)


def main():
    # What Forklift's controller reads.
    doc = ET.parse(xml_path)
    top = doc.getroot()
    expect("the root element", top.tag, "v2v-inspection")
    expect("program", top.findtext("program"), "winvirtio")
    expect("package", top.findtext("package"), "winvirtio")
    expect("version", top.findtext("version"), version)
    disks = top.findall("disks/disk")
    expect("disks", [(d.attrib, d.findtext("virtual-size")) for d in disks],
           [({"index": "0"}, str(os.path.getsize(disk)))])
    parts = partitions()
    fw = top.find("firmware")
    if parts:
        uefi = any(t in (ESP_GPT, "EF") for _, _, t in parts)
        expect("firmware", fw is not None and fw.attrib,
               {"type": "uefi" if uefi else "bios"})
    osel = top.find("operatingsystem")
    if status != 0:
        expect("operatingsystem (exit status %d)" % status, osel, None)
        print("%s: exit status %d, no operatingsystem" % (xml_path, status))
        return
    if osel is None:
        fail("exit status 0 and no operatingsystem")
    for k in ("name", "distro", "osinfo", "arch"):
        if not osel.findtext(k):
            fail("no operatingsystem/%s" % k)
    for child in osel:
        if child.tag != "mountpoints" and not child.text:
            fail("empty element %s" % child.tag)
    if [t for t in (c.tag for c in osel) if t not in OS_ORDER]:
        fail("unknown elements in operatingsystem")
    with tempfile.TemporaryDirectory() as tmp:
        check_os(osel, tmp)


main()
