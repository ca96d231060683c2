#!/usr/bin/env python3
# winvirtio tests: is the served disk no worse than its source?
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: no-worse.py SOURCE OUTPUT SUMMARY
#
# SOURCE is a disk image (possibly damaged: tests/ntfs-mutate.py),
# OUTPUT the whole disk as the filter served it, SUMMARY what
# "winvirtio map" printed for it.  Only tools nobody here wrote judge
# it: sleuthkit (mmls, fsstat, fls, icat), ntfsresize, hivexregedit.
# For each NTFS partition, whatever worked on the source must work on
# the output:
#  - mmls gives the same partition table; fsstat works;
#  - fls -r -p -u works, and lists every path it listed in the source
#    (at the same inode, $OrphanFiles aside);
#  - every file (and named stream) icat read from the source reads
#    the same from the output, except those the plan changed on
#    purpose: the "file: ... created/replaced" and "hive:" lines of
#    SUMMARY, and $MFT, $MFTMirr and $Bitmap, which change whenever a
#    file is added (their consistency is checked instead: $MFTMirr
#    still mirrors $MFT, and ntfsresize accounts every cluster against
#    $Bitmap).  $LogFile, $Secure, $UpCase, $Boot, $Volume and the
#    other system files are compared: the plan does not change them
#    (but on Windows XP and 2003 it changes $Boot's heads field, and
#    the summary's "ntfs heads: boot sector" line excuses it).  Holes
#    of sparse files are left out (icat -h).  Directories are not
#    compared byte for byte (their indexes gain entries), but every
#    entry they had must still be listed;
#  - ntfsresize --info --force --no-action succeeds (it checks that
#    $Bitmap agrees with the clusters the files use);
#  - the SYSTEM and SOFTWARE hives open with hivexregedit --export.
# A partition served byte for byte as it is (cmp) passes at once.
# Prints what got worse and exits 1, or prints a one-line count and
# exits 0.

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

METADATA = {"$mft", "$mftmirr", "$bitmap"}
HIVES = ("windows/system32/config/system", "windows/system32/config/software")
FLS_LINE = re.compile(r"^(\S+)/(\S+) (?:\* )?([0-9]+(?:-[0-9]+-[0-9]+)?)"
                      r"(?:\(realloc\))?:\t(.*)$")


def run(*args):
    """(exit status, stdout) of a command, stderr dropped."""
    p = subprocess.run(args, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    return p.returncode, p.stdout


def ntfs_partitions(disk):
    """The mmls text, (start, length) in sectors of each partition
    that fsstat -t calls NTFS, and the sector size."""
    rc, out = run("mmls", disk)
    text = out.decode("utf-8", "replace")
    m = re.search(r"Units are in (\d+)-byte sectors", text)
    if rc or not m:
        return None, [], 512
    parts = [(int(a), int(b)) for a, b in
             re.findall(r"^\d+:\s+\d+(?::\d+)?\s+(\d+)\s+\d+\s+(\d+)", text,
                        re.M)]
    ntfs = [(a, b) for a, b in parts
            if run("fsstat", "-t", "-o", str(a), disk)[1].strip() == b"ntfs"]
    return text, ntfs, int(m.group(1))


def listing(disk, start):
    """fls -r -p -u: (exit status, {path: (meta type, inode)})."""
    rc, out = run("fls", "-r", "-p", "-u", "-o", str(start), disk)
    files = {}
    for line in out.decode("utf-8", "replace").splitlines():
        m = FLS_LINE.match(line)
        if m and m.group(1) != "V":
            files[m.group(4)] = (m.group(2), m.group(3))
    return rc, files


def icat(disk, start, inode):
    """(exit status, sha256 and length) of a file's contents."""
    p = subprocess.Popen(["icat", "-h", "-o", str(start), disk, inode],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    h, n = hashlib.sha256(), 0
    for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
        h.update(chunk)
        n += len(chunk)
    return p.wait(), (h.hexdigest(), n)


def icat_bytes(disk, start, inode):
    rc, out = run("icat", "-h", "-o", str(start), disk, inode)
    return out if rc == 0 else None


def planned(summary):
    """Lower-case paths the plan changed on purpose, and whether it
    changed the boot sector (XP and 2003)."""
    paths, boot = set(), False
    with open(summary, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^file: \\(.*) (created|replaced) \(", line) or \
                re.match(r"^hive: \\(.*?) \(\d+ -> \d+ bytes\)", line) or \
                re.match(r"^hive: \\(.*?) was dirty", line)
            if m:
                paths.add(m.group(1).replace("\\", "/").lower())
            boot |= line.startswith("ntfs heads: boot sector")
    return paths, boot


def extract(disk, start, length, ss, path):
    subprocess.run(["dd", "if=" + disk, "of=" + path, "bs=%d" % ss,
                    "skip=%d" % start, "count=%d" % length, "conv=sparse",
                    "status=none"], check=True)


def ntfsresize_ok(disk, start, length, ss, tmp):
    part = os.path.join(tmp, "part.img")
    extract(disk, start, length, ss, part)
    rc, _ = run("ntfsresize", "--info", "--force", "--no-action",
                "--no-progress-bar", part)
    os.unlink(part)
    return rc == 0


def hive_ok(disk, start, inode, tmp):
    data = icat_bytes(disk, start, inode)
    if data is None:
        return False
    path = os.path.join(tmp, "hive")
    with open(path, "wb") as f:
        f.write(data)
    rc, _ = run("hivexregedit", "--export", path, "\\")
    os.unlink(path)
    return rc == 0


def mirror_ok(disk, start):
    mft, mirr = icat_bytes(disk, start, "0"), icat_bytes(disk, start, "1")
    return bool(mft and mirr) and mft[:len(mirr)] == mirr


def check_partition(src, out, start, length, ss, excused, boot, tmp):
    """What got worse on the partition at sector start, and how many
    files were compared."""
    worse, compared, todo = [], 0, []
    where = "partition at sector %d: " % start
    for tool in ("fsstat",):
        if run(tool, "-o", str(start), src)[0] == 0 and \
           run(tool, "-o", str(start), out)[0] != 0:
            worse.append(where + tool + " fails on the output")
    rc_s, files_s = listing(src, start)
    rc_o, files_o = listing(out, start)
    if rc_s == 0 and rc_o != 0:
        worse.append(where + "fls -r fails on the output")
    for path, (meta, inode) in sorted(files_s.items()):
        lower = path.lower()
        if not lower.startswith("$orphanfiles/"):
            if path not in files_o:
                worse.append(where + "%s (inode %s) is gone" % (path, inode))
                continue
            if files_o[path][1] != inode and lower not in excused:
                worse.append(where + "%s moved from inode %s to %s" %
                             (path, inode, files_o[path][1]))
        if meta == "r" and lower not in excused and \
           lower not in METADATA and not (boot and lower == "$boot"):
            todo.append((path, inode))
    # icat is mostly process start-up: run a few at once.
    with ThreadPoolExecutor(4) as pool:
        results = pool.map(lambda f: (f, icat(src, start, f[1]),
                                      icat(out, start, f[1])), todo)
        for (path, inode), (rc, got), (rc_out, served) in results:
            if rc != 0:
                continue
            compared += 1
            if rc_out != 0:
                worse.append(where + "%s (inode %s): icat fails on the "
                             "output" % (path, inode))
            elif served != got:
                worse.append(where + "%s (inode %s) differs: %d bytes, "
                             "sha256 %s in the source; %d bytes, sha256 %s "
                             "served" % (path, inode, got[1], got[0][:16],
                                         served[1], served[0][:16]))
    if mirror_ok(src, start) and not mirror_ok(out, start):
        worse.append(where + "$MFTMirr no longer mirrors $MFT")
    if ntfsresize_ok(src, start, length, ss, tmp) and \
       not ntfsresize_ok(out, start, length, ss, tmp):
        worse.append(where + "ntfsresize --info fails on the output")
    for path, (meta, inode) in files_s.items():
        if path.lower() in HIVES and hive_ok(src, start, inode, tmp):
            o = files_o.get(path)
            if not o or not hive_ok(out, start, o[1], tmp):
                worse.append(where + "%s no longer opens with hivexregedit" %
                             path)
    return worse, compared


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: no-worse.py SOURCE OUTPUT SUMMARY")
    src, out, summary = sys.argv[1:]
    excused, boot = planned(summary)
    text_s, parts, ss = ntfs_partitions(src)
    text_o, _, _ = ntfs_partitions(out)
    worse, compared, identical = [], 0, 0
    if text_s is not None and text_o != text_s:
        worse.append("mmls shows another partition table")
    with tempfile.TemporaryDirectory(prefix="no-worse-") as tmp:
        for start, length in parts:
            # A partition served byte for byte passes every check: cmp
            # says so faster than the tools would.
            if run("cmp", "-s", "-i", str(start * ss), "-n",
                   str(length * ss), src, out)[0] == 0:
                identical += 1
                continue
            w, n = check_partition(src, out, start, length, ss, excused,
                                   boot, tmp)
            worse += w
            compared += n
    for w in worse:
        print("WORSE: " + w)
    if worse:
        return 1
    print("no worse: %d files compared on %d NTFS partitions (%d more "
          "served as they are), %d changed on purpose" %
          (compared, len(parts) - identical, identical, len(excused)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
