#!/usr/bin/env python3
# winvirtio tests: compare a SYSTEM hive before and after winvirtio.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: corpus-hive-diff.py ORIG.reg PATCHED.reg SUMMARY
#
# ORIG.reg and PATCHED.reg are full exports of the hive before and
# after ("hivexregedit --export --unsafe-printable-strings HIVE '\'"),
# SUMMARY the output of "winvirtio map".  The summary reports every
# edit, one line each:
#   created key PATH
#   set PATH: Name, Name, ...       ("(default)" is the unnamed value)
#   deleted key PATH
# Checks (keys compared case-insensitively, as Windows does):
#  - every key of ORIG is in PATCHED, except under a deleted key;
#  - every key of PATCHED that is not in ORIG was reported created,
#    and every key reported created is new;
#  - every value of ORIG is byte-for-byte the same in PATCHED unless
#    the summary reports it set, and no value appears or disappears
#    elsewhere;
#  - every value reported set exists in PATCHED.
# Prints one line of counts; exits 1 with the differences otherwise.

import re
import sys


# A value line: "Name"=str(N):"...", dword:..., hex:... or hex(N):...
# Anything else is the rest of a string with a line break in it.
VALUE = re.compile(r'"((?:[^"\\]|\\.)*)"=(?:str\(|dword:|hex)')


def parse(path):
    """Return {lowercased key: (key, {lowercased name: line})}."""
    keys = {}
    cur = None
    last = None
    prev = ""
    with open(path, encoding="utf-8", errors="surrogateescape",
              newline="") as f:
        text = f.read().replace("\r\n", "\n")
    for line in text.split("\n"):
        blank_before, prev = prev == "", line
        if blank_before and line.startswith("[") and line.endswith("]"):
            name = line[1:-1]
            if name.startswith("\\"):
                name = name[1:]
            if name.lower() in keys:
                sys.exit("%s: key [%s] twice" % (path, name))
            cur = {}
            keys[name.lower()] = (name, cur)
            last = None
        elif cur is None or line.startswith("Windows Registry Editor"):
            continue
        elif re.match(r"@=(?:str\(|dword:|hex)", line):
            last = ""
            cur[last] = line
        elif VALUE.match(line):
            last = re.sub(r"\\(.)", r"\1", VALUE.match(line).group(1))
            last = last.lower()
            if last in cur:
                sys.exit("%s: value %r twice in [%s]" % (path, last, name))
            cur[last] = line
        elif line == "":
            continue
        elif last is not None:
            # A string with a line break in it (--unsafe-printable-strings).
            cur[last] += "\n" + line
        else:
            sys.exit("%s: cannot parse line: %r" % (path, line))
    return keys


def summary_edits(path):
    created, deleted, sets = set(), set(), {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("created key "):
                created.add(line[len("created key "):].lower())
            elif line.startswith("deleted key "):
                deleted.add(line[len("deleted key "):].lower())
            elif line.startswith("set "):
                key, _, names = line[4:].rpartition(": ")
                s = sets.setdefault(key.lower(), set())
                for n in names.split(", "):
                    s.add("" if n == "(default)" else n.lower())
    return created, deleted, sets


def under(key, tops):
    return any(key == t or key.startswith(t + "\\") for t in tops)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: corpus-hive-diff.py ORIG.reg PATCHED.reg SUMMARY")
    orig = parse(sys.argv[1])
    new = parse(sys.argv[2])
    created, deleted, sets = summary_edits(sys.argv[3])
    errors = []
    changed_values = added_values = 0

    for k, (name, vals) in orig.items():
        if under(k, deleted):
            if k in new:
                errors.append("key %s was reported deleted but is still "
                              "there" % name)
            continue
        if k not in new:
            errors.append("key %s is missing after winvirtio" % name)
            continue
        if k in created:
            errors.append("key %s was reported created but existed "
                          "before" % name)
        nvals = new[k][1]
        setnames = sets.get(k, set())
        for v, line in vals.items():
            if v in setnames:
                if v not in nvals:
                    errors.append("value %s\\%s was reported set but is "
                                  "missing" % (name, v))
                elif nvals[v] != line:
                    changed_values += 1
            elif nvals.get(v) != line:
                errors.append("value %s\\%s changed, not reported:\n"
                              "  - %s\n  + %s" % (name, v, line,
                                                  nvals.get(v)))
        for v in nvals:
            if v not in vals:
                if v in setnames:
                    added_values += 1
                else:
                    errors.append("value %s\\%s appeared, not reported: "
                                  "%s" % (name, v, nvals[v]))

    for k, (name, nvals) in new.items():
        if k in orig:
            continue
        if k not in created:
            errors.append("key %s appeared, not reported created" % name)
        setnames = sets.get(k, set())
        for v in nvals:
            if v in setnames:
                added_values += 1
            else:
                errors.append("value %s\\%s appeared, not reported: %s"
                              % (name, v, nvals[v]))
        for v in setnames - set(nvals):
            errors.append("value %s\\%s was reported set but is missing"
                          % (name, v))
    for k in created:
        if k not in new:
            errors.append("key %s was reported created but is missing" % k)
    for k in sets:
        if k not in new:
            errors.append("key %s was reported set but is missing" % k)

    if errors:
        for e in errors[:20]:
            print("corpus-hive-diff.py: " + e, file=sys.stderr)
        if len(errors) > 20:
            print("corpus-hive-diff.py: ... and %d more differences"
                  % (len(errors) - 20), file=sys.stderr)
        sys.exit(1)
    print("keys %d -> %d; values: %d changed, %d added, all others "
          "unchanged" % (len(orig), len(new), changed_values, added_values))


main()
