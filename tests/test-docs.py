#!/usr/bin/env python3
# winvirtio tests: the options of the code, --help, the man pages and
# the README say the same thing.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# nbdkit tests its documentation the same way.  Checked:
#  - winvirtio: each subcommand's long options (the getopt_long table
#    of tools/SUBCOMMAND.c) against the usage of "winvirtio --help",
#    the subcommand's own usage line, winvirtio(1)'s SYNOPSIS and its
#    =item entries, both ways;
#  - the filter: the keys its config callback accepts against its
#    config_help, nbdkit-winvirtio-filter(1)'s =item entries, and
#    every winvirtio-KEY= the README and the man pages use;
#  - the VMDK plugin: the same for its keys;
#  - every "winvirtio SUBCOMMAND --option" in the README's and the man
#    pages' examples is an option of that subcommand.

import os
import re
import subprocess
import sys

srcdir = os.environ.get("abs_top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
builddir = os.environ.get("abs_top_builddir") or srcdir
failed = []


def read(*path):
    return open(os.path.join(srcdir, *path), encoding="utf-8").read()


def check(ok, what):
    if not ok:
        failed.append(what)


# Options each subcommand takes, from its getopt_long table.
SUBCOMMANDS = {"map": "map.c", "inspect": "inspect.c", "dump": "dump.c",
               "domain": "domain.c", "apply": "apply.c"}
# Taken by every subcommand, documented once under the global options.
GLOBAL = {"verbose", "help", "version"}
table = {}
letters = {}                    # short option letter -> long name
for sub, f in SUBCOMMANDS.items():
    entries = re.findall(r'\{\s*"([a-z-]+)",\s*(?:no|required|optional)'
                         r"_argument,\s*NULL,\s*'(.)'", read("tools", f))
    check(entries, "tools/%s has no getopt_long table" % f)
    table[sub] = {name for name, _ in entries} - GLOBAL
    letters[sub] = {letter: name for name, letter in entries}


def long_opts(text, sub=None):
    """The long options text names; with sub, a short one (-o) counts
    as its long name in that subcommand's table."""
    got = set(re.findall(r"--([a-z][a-z-]*)", text))
    if sub:
        for letter in re.findall(r"(?:^|[\s\[])-([A-Za-z])\b", text):
            if letter in letters[sub]:
                got.add(letters[sub][letter])
    return got


# winvirtio --help: one usage entry a subcommand.
helptext = subprocess.run([os.path.join(builddir, "tools", "winvirtio"),
                           "--help"], capture_output=True, text=True,
                          check=True).stdout
usage = helptext.split("SOURCE is")[0]
for sub in SUBCOMMANDS:
    # A subcommand may have several usage entries (apply, apply --undo).
    m = re.findall(r"winvirtio %s (.*?)(?=\n  winvirtio |\n\n)" % sub,
                   usage, re.S)
    check(m, "winvirtio --help has no usage for %s" % sub)
    if m:
        got = long_opts(" ".join(m), sub) - GLOBAL
        check(got == table[sub], "winvirtio --help: %s takes %s, the code "
              "%s" % (sub, sorted(got), sorted(table[sub])))
    # The subcommand's own usage line (printed for a bad option).
    r = subprocess.run([os.path.join(builddir, "tools", "winvirtio"), sub,
                        "--no-such-option"], capture_output=True, text=True)
    m = re.findall(r"(?:usage: |^       )winvirtio %s (.*)" % sub, r.stderr,
                   re.M)
    check(m and r.returncode != 0,
          "winvirtio %s: no usage line for a bad option" % sub)
    if m:
        got = long_opts(" ".join(m), sub) - GLOBAL
        check(got == table[sub], "winvirtio %s's usage: %s, the code %s" %
              (sub, sorted(got), sorted(table[sub])))

# winvirtio(1): SYNOPSIS per subcommand, and =item entries.
pod = read("tools", "winvirtio.pod")
synopsis = pod.split("=head1 SYNOPSIS")[1].split("=head1")[0]
for sub in SUBCOMMANDS:
    m = re.findall(r"winvirtio (?:\[-v\] )?%s (.*?)(?=\n\n)" % sub,
                   synopsis, re.S)
    check(m, "winvirtio(1) SYNOPSIS has no %s" % sub)
    if m:
        got = long_opts(" ".join(m), sub) - GLOBAL
        check(got == table[sub], "winvirtio(1) SYNOPSIS: %s takes %s, the "
              "code %s" % (sub, sorted(got), sorted(table[sub])))
items = set(re.findall(r"^=item B<--([a-z][a-z-]*)", pod, re.M))
every = set().union(*table.values())
check(items - GLOBAL == every, "winvirtio(1) documents %s, the code takes "
      "%s" % (sorted(items - GLOBAL), sorted(every)))

# Examples: "winvirtio SUB ... --opt" in the README and the man pages.
docs = {"README.md": read("README.md"), "winvirtio.pod": pod,
        "nbdkit-winvirtio-filter.pod": read("filter",
                                            "nbdkit-winvirtio-filter.pod"),
        "winvirtio-map.pod": read("docs", "winvirtio-map.pod")}
for name, text in docs.items():
    for sub, args in re.findall(r"winvirtio (map|inspect|dump|domain|apply)((?: +-[^\s`]*"
                                r"| +[A-Za-z0-9_./:$=\"'{}-]+)*)", text):
        for opt in long_opts(args):
            check(opt in table[sub] or opt in GLOBAL,
                  "%s: winvirtio %s --%s is not an option" % (name, sub, opt))


# A plugin's or filter's keys, help and man page.
def keys_check(what, code, help_key, pod_text, prefix):
    keys = set(re.findall(r'strcmp \(key, "(%s[a-z-]*)"\)' % prefix, code))
    check(keys, "%s: no config keys found" % what)
    helpm = re.search(r"#define %s(.*?)\n\n" % help_key, code, re.S)
    check(helpm, "%s: no config_help" % what)
    if helpm:
        got = set(re.findall(r'"(%s[a-z-]*)=' % prefix, helpm.group(1)))
        check(got == keys, "%s: config_help lists %s, the code takes %s" %
              (what, sorted(got), sorted(keys)))
    got = set(re.findall(r"^=item B<(%s[a-z-]*)=>" % prefix, pod_text, re.M))
    check(got == keys, "%s: the man page documents %s, the code takes %s" %
          (what, sorted(got), sorted(keys)))
    return keys


fkeys = keys_check("the filter", read("filter", "winvirtio.c"),
                   "winvirtio_config_help",
                   docs["nbdkit-winvirtio-filter.pod"], "winvirtio-")
for name, text in docs.items():
    for key in set(re.findall(r"\b(winvirtio-[a-z]+(?:-[a-z]+)*)=", text)):
        check(key in fkeys, "%s: %s= is not a filter key" % (name, key))
keys_check("the VMDK plugin", read("plugin", "vmdk.c"), "vmdk_config_help",
           read("plugin", "nbdkit-vmdk-plugin.pod"), "")

for f in failed:
    print("FAIL: " + f)
print("%d subcommands, %d filter keys checked; %d problems" %
      (len(SUBCOMMANDS), len(fkeys), len(failed)))
sys.exit(1 if failed else 0)
