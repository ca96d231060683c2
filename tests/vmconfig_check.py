#!/usr/bin/env python3
# winvirtio tests: an independent reading of a .vmx or OVF (plain
# Python, ElementTree for the XML), to check what winvirtio read
# (tests/wv-vmconfig) and the VM definitions it wrote from it.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
#   vmconfig_check.py model CONFIG MODEL
#       MODEL (wv-vmconfig's output) has CONFIG's CPUs, memory,
#       firmware, Secure Boot, vTPM, NIC MACs, disk files and CD/DVD
#       drives (at most 4).
#   vmconfig_check.py libvirt LIST
#       each line of LIST is "CONFIG XML STAGE CLOCK FIRMWARE": the
#       domain XML has CONFIG's memory, vCPUs, topology and MACs, the
#       clock CLOCK (utc|localtime), the firmware FIRMWARE (efi|bios,
#       the disk's), the stage's buses and models, and the source's
#       CD/DVD drives, empty (SATA on q35, IDE on pc where there is
#       room), with every target name unique.
#   vmconfig_check.py kubevirt SCHEMA YAML...
#       each manifest validates against KubeVirt's v1.VirtualMachine.
#   vmconfig_check.py openstack JSON...
#       every property is one of Glance's documented names, with a
#       documented value.
# Fails with the first difference.

import json
import re
import sys
import xml.etree.ElementTree as ET


def vmx(path):
    d = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r'\s*([^=\s]+)\s*=\s*"(.*)"\s*$', line)
        if m:
            d[m.group(1).lower()] = m.group(2)
    cpus = int(d.get("numvcpus", "1"))
    cores = int(d.get("cpuid.corespersocket", "1"))
    nics = []
    for n in range(100):
        p = "ethernet%d." % n
        if d.get(p + "present", "").lower() != "true":
            continue
        if d.get(p + "addresstype", "generated").lower() == "static":
            mac = d.get(p + "address")
        else:
            mac = d.get(p + "generatedaddress")
        nics.append(mac.lower() if mac else None)
    disks = []
    cdroms = 0
    for k, v in d.items():
        m = re.match(r"(scsi|sata|nvme|ide)(\d+):(\d+)\.present$", k)
        if not m or v.lower() != "true":
            continue
        b, c, u = m.groups()
        f = d.get("%s%s:%s.filename" % (b, c, u), "")
        t = d.get("%s%s:%s.devicetype" % (b, c, u), "")
        if "cdrom" in t.lower() or (not t and f.lower().endswith(".iso")):
            cdroms += 1
            continue
        if not f.lower().endswith(".vmdk"):
            continue
        disks.append((["scsi", "sata", "nvme", "ide"].index(b), int(c),
                      int(u), f))
    return {
        "vcpus": cpus, "cores": cores,
        "memory": int(d.get("memsize", "1024")),
        "efi": d.get("firmware", "bios").lower() == "efi",
        "secure_boot": d.get("uefi.secureboot.enabled", "").lower() == "true",
        "vtpm": d.get("vtpm.present", "").lower() == "true",
        "macs": nics,
        "disks": [f for *_, f in sorted(disks)],
        "cdroms": min(cdroms, 4),
    }


def local(tag):
    return tag.rsplit("}", 1)[-1]


def ovf(path):
    root = ET.parse(path).getroot()
    q = {}
    files = {}
    disks = {}
    for e in root.iter():
        if local(e.tag) == "File":
            a = {local(k): v for k, v in e.attrib.items()}
            files[a["id"]] = a["href"]
        elif local(e.tag) == "Disk":
            a = {local(k): v for k, v in e.attrib.items()}
            disks[a["diskId"]] = a["fileRef"]
    items = []
    efi = sb = vtpm = False
    for e in root.iter():
        if local(e.tag) == "Item":
            items.append({local(c.tag): (c.text or "").strip() for c in e})
        elif local(e.tag) == "Config":
            a = {local(k): v for k, v in e.attrib.items()}
            if a.get("key") == "firmware":
                efi = a.get("value") == "efi"
            if a.get("key") == "bootOptions.efiSecureBootEnabled":
                sb = a.get("value") == "true"
    byid = {i.get("InstanceID"): i for i in items}
    cpus, cores, mem, macs, dl, cdroms = 1, 1, 1024, [], [], 0
    nics = []
    for i in items:
        t = i.get("ResourceType")
        if t == "3":
            cpus = int(i["VirtualQuantity"])
            cores = int(i.get("CoresPerSocket", "1"))
        elif t == "4":
            units = i.get("AllocationUnits", "byte * 2^20")
            m = re.match(r"byte \* 2\^(\d+)", units)
            mem = int(i["VirtualQuantity"]) << int(m.group(1)) >> 20
        elif t == "10":
            a = i.get("Address", "")
            nics.append((int(i.get("AddressOnParent", "1000")),
                         a.lower() if re.match(r"^([0-9a-fA-F]{2}:){5}"
                                               r"[0-9a-fA-F]{2}$", a)
                         else None))
        elif t == "17":
            c = byid[i["Parent"]]
            bus = {"5": 3, "6": 0, "20": 1}[c["ResourceType"]]
            ref = i["HostResource"].split("/")[-1]
            dl.append((bus, int(c.get("Address") or 0),
                       int(i.get("AddressOnParent") or 0),
                       files[disks[ref]]))
        elif t in ("15", "16"):
            cdroms += 1
        elif t == "1" and i.get("ResourceSubType") == "vmware.vtpm":
            vtpm = True
    macs = [m for _, m in sorted(nics, key=lambda x: x[0])]
    return {"vcpus": cpus, "cores": cores, "memory": mem, "efi": efi,
            "secure_boot": sb, "vtpm": vtpm, "macs": macs,
            "disks": [f for *_, f in sorted(dl)], "cdroms": min(cdroms, 4)}


def config(path):
    return ovf(path) if path.endswith(".ovf") else vmx(path)


WHAT = []


def fail(msg):
    sys.exit("FAIL: %s: %s" % (" ".join(WHAT or sys.argv[1:3]), msg))


def check(what, got, want):
    if got != want:
        fail("%s: got %r, expected %r" % (what, got, want))


def model(cfgpath, modelpath):
    c = config(cfgpath)
    m = {}
    macs, disks = [], []
    for line in open(modelpath):
        k, _, v = line.rstrip("\n").partition(" ")
        if k == "nic":
            mac = v.split(" ")[1]
            macs.append(None if mac == "-" else mac)
        elif k == "disk":
            disks.append(v.split(" ", 3)[3])
        else:
            m[k] = v
    check("vcpus", int(m["vcpus"]), c["vcpus"])
    check("cores", int(m["cores_per_socket"]), c["cores"])
    check("memory", int(m["memory_mib"]), c["memory"])
    check("firmware", m["firmware"], "efi" if c["efi"] else "bios")
    check("secure boot", m["secure_boot"] == "1", c["secure_boot"])
    check("vtpm", m["vtpm"] == "1", c["vtpm"])
    check("MACs", macs, c["macs"])
    check("disks", disks, c["disks"])
    check("CD/DVD drives", int(m["cdroms"]), c["cdroms"])


def libvirt(cfgpath, xmlpath, stage, clock, firmware):
    c = config(cfgpath)
    d = ET.parse(xmlpath).getroot()
    check("memory", (d.find("memory").text, d.find("memory").get("unit")),
          (str(c["memory"]), "MiB"))
    check("vcpu", int(d.find("vcpu").text), c["vcpus"])
    topo = d.find("cpu/topology")
    check("topology", (int(topo.get("sockets")), int(topo.get("cores"))),
          (c["vcpus"] // c["cores"], c["cores"]))
    check("clock", d.find("clock").get("offset"), clock)
    os_ = d.find("os")
    check("firmware", os_.get("firmware", "bios"), firmware)
    sb = os_.find("firmware/feature[@name='secure-boot']")
    want_sb = firmware == "efi" and c["secure_boot"]
    check("secure boot", sb is not None and sb.get("enabled") == "yes",
          want_sb)
    check("smm", d.find("features/smm") is not None, want_sb)
    check("tpm", d.find("devices/tpm") is not None,
          c["vtpm"] and os_.find("type").get("machine") == "q35")
    macs = [i.find("mac").get("address") if i.find("mac") is not None
            else None for i in d.findall("devices/interface")]
    check("MACs", macs, c["macs"])
    models = {i.find("model").get("type")
              for i in d.findall("devices/interface")}
    buses = [x.find("target").get("bus")
             for x in d.findall("devices/disk[@device='disk']")]
    check("disks", len(buses), len(c["disks"]))
    targets = [x.find("target").get("dev") for x in d.findall("devices/disk")]
    check("unique target names", len(set(targets)), len(targets))
    pc = os_.find("type").get("machine") == "pc"
    cds = d.findall("devices/disk[@device='cdrom']")
    want = c["cdroms"]
    if pc:
        room = 4 - len(buses) if set(buses) == {"ide"} else 4
        want = min(want, max(room, 0))
    check("CD/DVD drives", len(cds), want)
    for x in cds:
        check("CD/DVD bus", x.find("target").get("bus"),
              "ide" if pc else "sata")
        check("CD/DVD empty", x.find("source"), None)
        check("CD/DVD read-only", x.find("readonly") is not None, True)
    if stage == "bootstrap":
        if not (set(buses) <= {"sata", "ide"} and len(set(buses)) <= 1):
            fail("bootstrap buses %r" % buses)
        if not models <= {"e1000e", "e1000", "rtl8139"}:
            fail("bootstrap NIC models %r" % models)
        check("balloon", d.find("devices/memballoon").get("model"), "none")
    else:
        if not (set(buses) <= {"virtio", "scsi"} and len(set(buses)) <= 1):
            fail("final buses %r" % buses)
        if not models <= {"virtio", "virtio-transitional"}:
            fail("final NIC models %r" % models)
        ch = d.find("devices/channel/target")
        check("guest agent", ch.get("name"), "org.qemu.guest_agent.0")


def kubevirt(schema, paths):
    import yaml
    from jsonschema import Draft4Validator
    defs = json.load(open(schema))["definitions"]
    s = {"$ref": "#/definitions/v1.VirtualMachine", "definitions": defs}
    v = Draft4Validator(s)
    for yamlpath in paths:
        WHAT[:] = [yamlpath]
        doc = yaml.safe_load(open(yamlpath))
        errors = list(v.iter_errors(doc))
        if errors:
            fail("; ".join("%s: %s" % ("/".join(map(str, e.path)),
                                       e.message) for e in errors[:5]))
        check("kind", (doc["apiVersion"], doc["kind"]),
              ("kubevirt.io/v1", "VirtualMachine"))


# Glance's documented image properties (python-glanceclient's
# property-keys page, nova's image metadata) and their values.
OPENSTACK = {
    "architecture": {"x86_64", "i686"},
    "hypervisor_type": {"kvm"},
    "vm_mode": {"hvm"},
    "hw_disk_bus": {"virtio", "scsi", "sata", "ide"},
    "hw_scsi_model": {"virtio-scsi"},
    "hw_vif_model": {"virtio", "e1000", "e1000e", "rtl8139"},
    "hw_video_model": {"vga", "qxl", "cirrus", "virtio"},
    "hw_pointer_model": {"usbtablet"},
    "hw_machine_type": {"q35", "pc"},
    "hw_firmware_type": {"uefi", "bios"},
    "os_secure_boot": {"required", "disabled", "optional"},
    "hw_tpm_version": {"1.2", "2.0"},
    "hw_tpm_model": {"tpm-tis", "tpm-crb"},
    "os_type": {"windows", "linux"},
    "os_distro": {"windows"},
    "os_version": None,
    "hw_cpu_sockets": None, "hw_cpu_cores": None, "hw_cpu_threads": None,
    "hw_rng_model": {"virtio"},
    "hw_qemu_guest_agent": {"yes", "no"},
}


def openstack(path):
    props = json.load(open(path))
    for k, v in props.items():
        if k not in OPENSTACK:
            fail("undocumented property %s" % k)
        if OPENSTACK[k] is not None and v not in OPENSTACK[k]:
            fail("%s=%s is not a documented value" % (k, v))
        if OPENSTACK[k] is None and not re.match(r"^\d+(\.\d+)?$", v):
            fail("%s=%s is not a number" % (k, v))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "model":
        model(sys.argv[2], sys.argv[3])
    elif cmd == "libvirt":
        n = 0
        for line in open(sys.argv[2]):
            WHAT[:] = line.split()[:3]
            libvirt(*line.split())
            n += 1
        print("%d domain XMLs checked" % n)
    elif cmd == "kubevirt":
        kubevirt(sys.argv[2], sys.argv[3:])
    elif cmd == "openstack":
        for path in sys.argv[2:]:
            WHAT[:] = [path]
            openstack(path)
    else:
        sys.exit("usage: see the header")
