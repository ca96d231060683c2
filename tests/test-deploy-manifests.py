#!/usr/bin/python3
# winvirtio tests: deploy/k8s's manifests against the stored schemas.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Every file of deploy/k8s, as it stands (placeholders only in string
# values) and as deploy/k8s/render.py fills it in for a fleet of three
# disks, is validated with python3-jsonschema against the schemas of
# ../shared/corpus/k8s-schemas (Kubernetes 1.32 strict Job, PVC,
# Secret, ConfigMap; KubeVirt's VirtualMachine; CDI's DataVolume;
# Forklift's Plan).  Also checked: the Indexed Job has one index, one
# device and one volume a disk and the given parallelism; each
# ConfigMap entry is what the entrypoint accepts; every WV_* variable
# the manifests set is one the entrypoint reads; memory requests cover
# the planner's measured peak (bench/RESULTS.md); render.py refuses a
# missing value; and a manifest with a typo fails validation (so that
# this test can fail).
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
    from jsonschema import Draft4Validator
except ImportError as e:
    print(f"{sys.argv[0]}: test skipped because {e}")
    sys.exit(77)

srcdir = os.environ.get("abs_top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
corpus = os.environ.get("WINVIRTIO_CORPUS") or os.path.join(srcdir, "..", "shared", "corpus")
S = os.path.join(corpus, "k8s-schemas")
if not os.path.isdir(S):
    print(f"{sys.argv[0]}: test skipped because {S} is absent")
    sys.exit(77)
K8S = os.path.join(srcdir, "deploy", "k8s")
failed = []


def swagger(path, name):
    with open(os.path.join(S, path)) as f:
        return {"$ref": "#/definitions/" + name, "definitions": json.load(f)["definitions"]}


def strict(name):
    with open(os.path.join(S, "kubernetes", "v1.32.2-standalone-strict", name)) as f:
        return json.load(f)


def crd(path, version):
    with open(os.path.join(S, path)) as f:
        vs = yaml.safe_load(f)["spec"]["versions"]
    return next(v for v in vs if v["name"] == version)["schema"]["openAPIV3Schema"]


SCHEMA = {
    ("batch/v1", "Job"): strict("job-batch-v1.json"),
    ("v1", "PersistentVolumeClaim"): strict("persistentvolumeclaim-v1.json"),
    ("v1", "Secret"): strict("secret-v1.json"),
    ("v1", "ConfigMap"): strict("configmap-v1.json"),
    ("kubevirt.io/v1", "VirtualMachine"): swagger("kubevirt/swagger.json", "v1.VirtualMachine"),
    ("cdi.kubevirt.io/v1beta1", "DataVolume"): swagger("cdi/swagger.json", "v1beta1.DataVolume"),
    ("forklift.konveyor.io/v1beta1", "Plan"): crd("forklift/forklift.konveyor.io_plans.yaml", "v1beta1"),
}


def errors(doc):
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in SCHEMA:
        return [f"no schema for {key}"]
    v = Draft4Validator(SCHEMA[key])
    return ["/".join(map(str, e.path)) + ": " + e.message[:120] for e in v.iter_errors(doc)]


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failed.append(what)


def validate(where, doc):
    errs = errors(doc)
    check(not errs, f"{where}: {doc['kind']} {doc['metadata']['name']} valid"
          + ("" if not errs else ": " + "; ".join(errs[:5])))


files = sorted(f for f in os.listdir(K8S) if f.endswith(".yaml"))
check(len(files) >= 9, f"deploy/k8s has the manifests ({len(files)} files)")
for f in files:
    with open(os.path.join(K8S, f)) as fh:
        for doc in yaml.safe_load_all(fh):
            validate(f + " as it stands", doc)

# Render for a fleet of three disks.
values = dict(NAMESPACE="migrations", VCENTER_USER="administrator@vsphere.local",
              VCENTER_PASSWORD="secret", STORAGE_CLASS="ceph-block",
              VDDK_IMAGE="registry.example.com/vddk:8.0.3",
              IMAGE="registry.example.com/winvirtio:1", VCENTER_URL="https://vc.example.com/sdk",
              THUMBPRINT=":".join(["AB"] * 20), NODE="worker-1", MEMORY="4Gi",
              PLAN="wave1", FORKLIFT_NAMESPACE="openshift-mtv", SOURCE_PROVIDER="vcenter",
              NETWORK_MAP="wave1-net", STORAGE_MAP="wave1-storage")
tmp = tempfile.mkdtemp()
fleet = os.path.join(tmp, "fleet.txt")
with open(fleet, "w") as fh:
    fh.write("# VM|MOREF|DISK|SIZE\n"
             "web1|vm-101|[ds1] web1/web1.vmdk|40Gi\n"
             "db1|vm-102|[ds1] db1/db1.vmdk|80Gi\n"
             "app1|vm-103|[ds2] app 1/app1.vmdk|60Gi\n")
render = [sys.executable, os.path.join(K8S, "render.py"), "--fleet", fleet, "--parallelism", "2"]
for k, v in values.items():
    render += ["--set", f"{k}={v}"]
r = subprocess.run(render + [os.path.join(K8S, f) for f in files],
                   capture_output=True, text=True)
check(r.returncode == 0, "render.py renders the fleet" + (": " + r.stderr if r.returncode else ""))
docs = list(yaml.safe_load_all(r.stdout)) if r.returncode == 0 else []
check(r.stdout and not re.search(r"@[A-Z][A-Z0-9_]*@", r.stdout), "no placeholder is left")
for doc in docs:
    validate("rendered", doc)
kinds = [d["kind"] for d in docs]
check(kinds.count("DataVolume") == 3 and kinds.count("VirtualMachine") == 3,
      "one DataVolume and one VirtualMachine a disk")

entrypoint = open(os.path.join(srcdir, "deploy", "winvirtio-entrypoint")).read()
known = set(re.findall(r"\b((?:WV|IMPORTER)_[A-Z0-9_]+)\b", entrypoint))
for doc in docs:
    if doc["kind"] == "Job":
        pod = doc["spec"]["template"]["spec"]
        ctr = next(c for c in pod["containers"] if c["name"] == "winvirtio")
        names = {e["name"] for e in ctr.get("env", [])}
        check(names <= known, f"{doc['metadata']['name']}: the entrypoint reads every variable set"
              + ("" if names <= known else f" (not {sorted(names - known)})"))
        mem = ctr["resources"]["requests"]["memory"]
        m = re.match(r"^([0-9]+)Mi$", mem)
        # The planner's peak, 195 MiB for a 60 MB SYSTEM hive, plus
        # nbdkit's and nbdcopy's buffers.
        check(m and int(m.group(1)) >= 235, f"{doc['metadata']['name']}: requests {mem} >= 235Mi")
        if doc["spec"].get("completionMode") == "Indexed":
            check(doc["spec"]["completions"] == 3 and doc["spec"]["parallelism"] == 2,
                  "the Indexed Job: completions 3, parallelism 2")
            devs = [d["devicePath"] for d in ctr["volumeDevices"]]
            claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]
                      if v["name"].startswith("disk-")]
            check(devs == [f"/dev/wv-disk-{i}" for i in range(3)]
                  and claims == ["web1-disk0", "db1-disk0", "app1-disk0"],
                  "the Indexed Job: one device and one PVC a disk, in order")
    if doc["kind"] == "Plan":
        check([v["id"] for v in doc["spec"]["vms"]] == ["vm-101", "vm-102", "vm-103"],
              "the Plan lists every VM")
        spec = doc["spec"]
        if "virtV2vImage" in spec:
            # Forklift's conversion pod is this image; it converts in
            # place only (CDI copies: warm, or cold without shared
            # disks) and does no preflight inspection over VDDK.
            check(spec["virtV2vImage"] == values["IMAGE"]
                  and not spec.get("skipGuestConversion", False)
                  and (spec.get("type") in ("warm", "conversion") or spec.get("migrateSharedDisks") is False)
                  and spec.get("runPreflightInspection") is False,
                  "the conversion-image Plan: winvirtio's image, in place, no preflight inspection")
        else:
            check(spec.get("skipGuestConversion") is True and spec.get("targetPowerState") == "off",
                  "the raw-copy Plan: no guest conversion, the VM left off for the apply Job")
    if doc["kind"] == "ConfigMap":
        data = doc["data"]
        check(sorted(data) == ["0.env", "1.env", "2.env"], "the ConfigMap: one entry an index")
        ok = all(re.match(r"^(WV|IMPORTER)_[A-Z0-9_]+=", line) and line.split("=")[0] in known
                 for v in data.values() for line in v.splitlines())
        check(ok, "the ConfigMap's entries are lines the entrypoint accepts")
        check("WV_DISK_PATH=[ds2] app 1/app1.vmdk" in data["2.env"], "a disk path with a blank")

# Refusals of render.py: one line, exit 1, nothing printed.
r = subprocess.run([sys.executable, os.path.join(K8S, "render.py"),
                    os.path.join(K8S, "job-stream.yaml")], capture_output=True, text=True)
check(r.returncode == 1 and r.stdout == "" and len(r.stderr.splitlines()) == 1,
      "render.py refuses a placeholder with no value: " + r.stderr.strip())
with open(os.path.join(tmp, "bad-fleet.txt"), "w") as fh:
    fh.write("web1|42|[ds1] web1.vmdk|40Gi\n")
r = subprocess.run([sys.executable, os.path.join(K8S, "render.py"), "--fleet",
                    os.path.join(tmp, "bad-fleet.txt"), os.path.join(K8S, "datavolume-blank.yaml")],
                   capture_output=True, text=True)
check(r.returncode == 1 and r.stdout == "", "render.py refuses a bad moref: " + r.stderr.strip())

# A typo must fail: the checks are not vacuous.
with open(os.path.join(K8S, "job-stream.yaml")) as fh:
    bad = yaml.safe_load(fh)
bad["spec"]["tempalte"] = bad["spec"].pop("template")
check(errors(bad) != [], "a Job with 'tempalte' is invalid")
with open(os.path.join(K8S, "virtualmachine.yaml")) as fh:
    bad = yaml.safe_load(fh)
bad["spec"]["template"]["spec"]["domain"]["devices"]["disks"] = "disk0"
check(errors(bad) != [], "a VirtualMachine with disks as a string is invalid")

if failed:
    print(f"{len(failed)} check(s) failed", file=sys.stderr)
    sys.exit(1)
