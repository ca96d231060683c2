#!/usr/bin/env python3
# winvirtio tests: every message in the README's refusal table is
# checked by a test.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The README's "What it refuses" table says how each refusal starts.
# The refusal tests check each message exactly, against what winvirtio
# prints; this test closes the loop: every quoted start in the table
# (in pieces, around the placeholders N, M, DIR, SOURCE, OSDIR, ARCH,
# "..." and paths) must appear in the expected messages of some test, so a
# message changed in the code and the tests but not in the README, or
# a README row no test checks, fails here.

import os
import re
import sys

srcdir = os.environ.get("abs_top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
readme = open(os.path.join(srcdir, "README.md"), encoding="utf-8").read()

start = readme.index("**What it refuses**")
end = readme.index("**How it is tested**")
rows = [l for l in readme[start:end].splitlines()
        if l.startswith("| ") and not l.startswith("| ---")][1:]
if len(rows) < 20:
    sys.exit("FAIL: the refusal table has only %d rows" % len(rows))

tests = ""
tdir = os.path.join(srcdir, "tests")
for name in sorted(os.listdir(tdir)):
    if name.endswith(".sh") or name.endswith(".py"):
        if name == os.path.basename(__file__):
            continue
        tests += open(os.path.join(tdir, name), encoding="utf-8").read()
# Undo the shell's quoting of $ and \ in the expected messages.
tests = tests.replace("\\$", "$").replace("\\\\", "\\")

# Placeholders: the README's capitals, "...", and paths (a word with
# a slash: SOURCE/.../viostor.sys stands for the test's own path).
placeholder = re.compile(
    r"\b(?:N|M|DIR|SOURCE|OSDIR|ARCH|DISK)\b|\.\.\.|\S*/\S*")
failed = 0
checked = 0
for row in rows:
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    if len(cells) != 2:
        sys.exit("FAIL: a row without two cells: %s" % row)
    for quoted in re.findall(r"`([^`]+)`", cells[1]):
        for piece in placeholder.split(quoted):
            piece = piece.strip(" :(),")
            if len(piece) < 6 or piece.startswith("--") or "=" in piece:
                continue
            checked += 1
            if piece not in tests:
                print("FAIL: no test checks the README's %r (from %r)"
                      % (piece, quoted))
                failed += 1
print("%d pieces of %d rows checked, %d not found" %
      (checked, len(rows), failed))
sys.exit(1 if failed else 0)
