#!/usr/bin/env python3
# winvirtio tests: the differences between two hives' exports made by
# hivexregedit --export, in the keys whose path matches a pattern.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# reg-diff.py OLD.reg NEW.reg REGEX
#
# Prints one sorted line per difference, key paths and value names
# lower-cased (Windows matches them case-insensitively):
#   +[key]               a key only in NEW
#   -[key]               a key only in OLD
#   [key] "name": A -> B a value changed (A or B "absent")
# REGEX is matched (case-insensitively, re.search) against the key
# path without the brackets.  Nothing else is read: this is a parser of
# hivexregedit's output, not of hives.
import re
import sys


def parse(path):
    keys = {}
    cur = None
    text = open(path, encoding="utf-8", errors="replace").read()
    text = text.replace("\r", "").replace("\\\n  ", "")
    for line in text.split("\n"):
        if line.startswith("[") and line.endswith("]"):
            cur = keys.setdefault(line[1:-1].lower(), {})
        elif cur is not None and line.startswith(('"', "@")):
            m = re.match(r'^(@|"(?:[^"\\]|\\.)*")=(.*)$', line)
            if m:
                cur[m.group(1).lower()] = m.group(2)
    return keys


old, new = parse(sys.argv[1]), parse(sys.argv[2])
pat = re.compile(sys.argv[3], re.I)
out = []
for k in set(old) | set(new):
    if not pat.search(k):
        continue
    if k not in old:
        out.append("+[%s]" % k)
    elif k not in new:
        out.append("-[%s]" % k)
    for n in set(old.get(k, {})) | set(new.get(k, {})):
        a = old.get(k, {}).get(n, "absent")
        b = new.get(k, {}).get(n, "absent")
        if a != b:
            out.append("[%s] %s: %s -> %s" % (k, n, a, b))
for line in sorted(out):
    print(line)
