#!/usr/bin/env python3
# winvirtio tests: the engine's layering rule (docs/architecture.md).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# lib/ is in folders by concern, in this order:
#
#   common < disk < map < ntfs < registry < drivers < convert < plan
#          < inspect
#
# A file may include headers of its own folder and of folders before
# it, never of a folder after it; every include of the engine's own
# headers names its folder ("map/blockmap.h").  <hivex.h> is included
# only by the folders that edit or read hives (registry and above),
# <ntfs-3g/...> only by ntfs/ (everything else goes through it), and
# the filter and the command include neither.  Fails with the
# offending lines.

import os
import re
import sys

ORDER = ["common", "disk", "map", "ntfs", "registry", "drivers", "convert",
         "plan", "inspect"]
# System headers that only some folders may include.
ONLY = {
    "hivex.h": set(ORDER[ORDER.index("registry"):]),
    "ntfs-3g/": {"ntfs"},
}

srcdir = os.environ.get("abs_top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
lib = os.path.join(srcdir, "lib")
include = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]')
bad = []
files = 0

for folder in sorted(os.listdir(lib)):
    path = os.path.join(lib, folder)
    if not os.path.isdir(path) or folder.startswith("."):
        continue
    if folder not in ORDER:
        bad.append("lib/%s/: a folder the layering does not know" % folder)
        continue
    rank = ORDER.index(folder)
    for name in sorted(os.listdir(path)):
        if not name.endswith((".c", ".h")):
            continue
        files += 1
        rel = "lib/%s/%s" % (folder, name)
        for n, line in enumerate(open(os.path.join(path, name),
                                      encoding="utf-8"), 1):
            m = include.match(line)
            if not m:
                continue
            kind, header = m.groups()
            where = "%s:%d: %s" % (rel, n, line.strip())
            if kind == '"':
                if header == "config.h":
                    continue
                if "/" not in header:
                    bad.append(where + "  (name the folder)")
                    continue
                other = header.split("/")[0]
                if other not in ORDER:
                    bad.append(where + "  (not an engine folder)")
                elif ORDER.index(other) > rank:
                    bad.append(where + "  (%s/ is above %s/)" %
                               (other, folder))
            else:
                for prefix, allowed in ONLY.items():
                    if header.startswith(prefix) and folder not in allowed:
                        bad.append(where + "  (only %s)" %
                                   ", ".join(sorted(allowed)))

# The front ends: no hivex, no libntfs-3g.
for front in ("filter", "tools"):
    for name in sorted(os.listdir(os.path.join(srcdir, front))):
        if not name.endswith((".c", ".h")):
            continue
        for n, line in enumerate(open(os.path.join(srcdir, front, name),
                                      encoding="utf-8"), 1):
            m = include.match(line)
            if m and m.group(2).startswith(("hivex.h", "ntfs-3g/")):
                bad.append("%s/%s:%d: %s  (front ends use the engine)" %
                           (front, name, n, line.strip()))

for b in bad:
    print("FAIL: " + b)
print("%d files in %d folders checked, %d problems" %
      (files, len(ORDER), len(bad)))
sys.exit(1 if bad or files < 40 else 0)
