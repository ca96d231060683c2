#!/usr/bin/env python3
# winvirtio tests: the engine's layering rule (docs/architecture.md).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# lib/ is in folders by concern, in this order:
#
#   common < disk < map < ntfs < registry < drivers < convert < esp
#          < plan < inspect < apply < vmconfig < domain
#
# A file may include headers of its own folder and of folders before
# it, never of a folder after it; every include of the engine's own
# headers names its folder ("map/map.h").  <hivex.h> is included
# only by the folders that edit or read hives (registry and above),
# <libxml/...> only by vmconfig/ (the OVF reader),
# <ntfs-3g/...> only by ntfs/ (everything else goes through it), and
# neither reaches the filter or the command, even through the engine's
# headers.  Fails with the offending lines.

import os
import re
import sys

ORDER = ["common", "disk", "map", "ntfs", "registry", "drivers", "convert",
         "esp", "plan", "inspect", "apply", "vmconfig", "domain"]
# System headers that only some folders may include.
ONLY = {
    "hivex.h": set(ORDER[ORDER.index("registry"):]),
    "ntfs-3g/": {"ntfs"},
    "libxml/": {"vmconfig"},
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

# The front ends: no hivex, no libntfs-3g, not even through the
# engine's headers.
def system_headers(path, seen):
    """The <...> headers path includes, following "..." includes that
    are the engine's or the front end's own."""
    if path in seen or not os.path.exists(path):
        return set()
    seen.add(path)
    got = set()
    for line in open(path, encoding="utf-8"):
        m = include.match(line)
        if not m:
            continue
        kind, header = m.groups()
        if kind == "<":
            got.add(header)
        else:
            for base in (os.path.dirname(path), lib):
                if os.path.exists(os.path.join(base, header)):
                    got |= system_headers(os.path.join(base, header), seen)
                    break
    return got


for front in ("filter", "tools"):
    for name in sorted(os.listdir(os.path.join(srcdir, front))):
        if not name.endswith((".c", ".h")):
            continue
        got = system_headers(os.path.join(srcdir, front, name), set())
        for header in sorted(got):
            if header.startswith(("hivex.h", "ntfs-3g/")):
                bad.append("%s/%s: <%s> reaches it (front ends use the "
                           "engine, not its libraries)" %
                           (front, name, header))

for b in bad:
    print("FAIL: " + b)
print("%d files in %d folders checked, %d problems" %
      (files, len(ORDER), len(bad)))
sys.exit(1 if bad or files < 40 else 0)
