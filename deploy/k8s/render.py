#!/usr/bin/python3
# winvirtio: fill in the manifests of deploy/k8s for a fleet.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: render.py [--set KEY=VALUE]... [--fleet FILE] [--parallelism N]
#                  MANIFEST...
#
# Replaces every @KEY@ placeholder with the value given by --set and
# prints the manifests, as YAML documents, on stdout.  With --fleet,
# FILE lists one system disk a line, "VM|MOREF|DISK_PATH|DISK_SIZE"
# ('#' starts a comment): the per-disk manifests (datavolume-blank,
# pvc-block, job-stream, job-apply, virtualmachine) are written once a
# disk, and job-indexed.yaml and configmap-disks.yaml get one index a
# disk (completions, one device and one volume a disk), parallelism N
# (default 4), and plan-forklift.yaml and plan-forklift-convert.yaml
# list every VM.  A placeholder left without a value, an unknown --set
# key or a malformed value is an error (one line, exit 1): nothing is
# printed.  Needs python3-yaml.
import argparse
import re
import sys

import yaml

PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")
PER_DISK = ("datavolume-blank.yaml", "pvc-block.yaml", "job-stream.yaml",
            "job-apply.yaml", "virtualmachine.yaml")


class RenderError(Exception):
    pass


def substitute(text, values, where):
    def one(m):
        if m.group(1) not in values:
            raise RenderError(f"{where}: no value for @{m.group(1)}@ (--set {m.group(1)}=...)")
        return values[m.group(1)]
    return PLACEHOLDER.sub(one, text)


def check_value(key, value):
    if "\n" in value or '"' in value or "\\" in value:
        raise RenderError(f"--set {key}: the value may not hold a newline, '\"' or '\\'")
    if key in ("VM", "NAMESPACE", "PLAN") and not DNS_LABEL.match(value):
        raise RenderError(f"--set {key}={value}: not a DNS label of at most 40 characters")


def read_fleet(path):
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 4:
                raise RenderError(f"{path} line {n}: expected VM|MOREF|DISK_PATH|DISK_SIZE")
            vm, moref, disk, size = parts
            if not DNS_LABEL.match(vm):
                raise RenderError(f"{path} line {n}: VM name {vm!r} is not a DNS label")
            if not re.match(r"^vm-[0-9]+$", moref):
                raise RenderError(f"{path} line {n}: {moref!r} is not a moref (vm-NNN)")
            if not re.match(r"^\[[^]]+\] [^|\n]+\.vmdk$", disk):
                raise RenderError(f"{path} line {n}: {disk!r} is not '[DATASTORE] DIR/NAME.vmdk'")
            if not re.match(r"^[0-9]+(Ki|Mi|Gi|Ti)$", size):
                raise RenderError(f"{path} line {n}: size {size!r} is not like 40Gi")
            if any(r[0] == vm for r in rows):
                raise RenderError(f"{path} line {n}: VM {vm} is listed twice (one system disk each)")
            rows.append((vm, moref, disk, size))
    if not rows:
        raise RenderError(f"{path}: no disk listed")
    return rows


def expand_indexed(doc, rows, parallelism):
    """job-indexed.yaml: one index, device and volume a disk."""
    spec = doc["spec"]
    spec["completions"] = len(rows)
    spec["parallelism"] = parallelism
    pod = spec["template"]["spec"]
    ctr = pod["containers"][0]
    others = [v for v in pod["volumes"] if not v["name"].startswith("disk-")]
    ctr["volumeDevices"] = [{"name": f"disk-{i}", "devicePath": f"/dev/wv-disk-{i}"}
                            for i in range(len(rows))]
    pod["volumes"] = [{"name": f"disk-{i}",
                       "persistentVolumeClaim": {"claimName": f"{r[0]}-disk0"}}
                      for i, r in enumerate(rows)] + others


def expand_configmap(doc, rows):
    doc["data"] = {f"{i}.env": f"WV_VM_MOREF={r[1]}\nWV_DISK_PATH={r[2]}\n"
                               f"WV_TARGET=/dev/wv-disk-{i}\n"
                   for i, r in enumerate(rows)}


def render(args):
    values = {}
    for kv in args.set:
        if "=" not in kv:
            raise RenderError(f"--set {kv}: expected KEY=VALUE")
        k, v = kv.split("=", 1)
        if not re.match(r"^[A-Z][A-Z0-9_]*$", k):
            raise RenderError(f"--set {k}: not a placeholder name")
        check_value(k, v)
        values[k] = v
    rows = read_fleet(args.fleet) if args.fleet else None
    used = set()
    docs = []
    for path in args.manifests:
        text = open(path).read()
        name = path.rsplit("/", 1)[-1]
        found = set(PLACEHOLDER.findall(text))
        if rows and name in PER_DISK:
            for vm, moref, disk, size in rows:
                v = dict(values, VM=vm, MOREF=moref, DISK_PATH=disk, DISK_SIZE=size, DISK="0")
                docs.append(yaml.safe_load(substitute(text, v, path)))
            used |= found - {"VM", "MOREF", "DISK_PATH", "DISK_SIZE", "DISK"}
            continue
        if rows and name in ("plan-forklift.yaml", "plan-forklift-convert.yaml"):
            doc = yaml.safe_load(substitute(text, dict(values, MOREF="x"), path))
            doc["spec"]["vms"] = [{"id": r[1]} for r in rows]
            docs.append(doc)
            used |= found - {"MOREF"}
            continue
        if rows and name in ("job-indexed.yaml", "configmap-disks.yaml"):
            # The per-index placeholders go with the lists they fill.
            drop = {k for k in found if re.match(r"^(VM|MOREF|DISK_PATH)_[0-9]+$", k)}
            v = dict(values, **{k: "x" for k in drop})
            doc = yaml.safe_load(substitute(text, v, path))
            if name == "job-indexed.yaml":
                expand_indexed(doc, rows, args.parallelism)
            else:
                expand_configmap(doc, rows)
            docs.append(doc)
            used |= found - drop
            continue
        docs.append(yaml.safe_load(substitute(text, values, path)))
        used |= found
    unused = set(values) - used
    if unused:
        raise RenderError(f"--set {sorted(unused)[0]}: no manifest has this placeholder")
    return docs


def main():
    ap = argparse.ArgumentParser(description="Fill in winvirtio's Kubernetes manifests.")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--fleet", metavar="FILE")
    ap.add_argument("--parallelism", type=int, default=4)
    ap.add_argument("manifests", nargs="+")
    args = ap.parse_args()
    try:
        if args.parallelism < 1:
            raise RenderError("--parallelism must be at least 1")
        docs = render(args)
    except (RenderError, OSError, yaml.YAMLError) as e:
        print(f"render.py: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(yaml.safe_dump_all(docs, sort_keys=False, explicit_start=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
