/* winvirtio: the libvirt domain XML of one stage.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Elements as libvirt's domain format documents them
 * (https://libvirt.org/formatdomain.html) and as virt-v2v's
 * output/create_libvirt_xml.ml lays a converted guest out (read, not
 * copied): memory and vCPUs from the source, host-passthrough CPU
 * with the source's sockets and cores, firmware autoselection
 * (<os firmware='efi'>) with Secure Boot and SMM when the source had
 * it, a TPM 2.0 (CRB, emulated) when the source had a vTPM, the
 * disks in the source's order, the NICs with their MACs, VGA and VNC,
 * a USB tablet.  For Windows from Vista on, the Hyper-V
 * enlightenments libvirt documents for Windows guests (relaxed,
 * vapic, spinlocks 8191, the hypervclock timer) and the timers
 * virt-manager gives them (rtc catchup, pit delay, no hpet).  The
 * final stage adds the balloon and the guest agent's channel.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "domain/domain.h"
#include "domain/text.h"

/* "vda", "vdb", ..., "vdz", "vdaa", as libvirt names drives. */
static void
drive_name (const char *prefix, size_t i, char *buf, size_t len)
{
  if (i < 26)
    snprintf (buf, len, "%s%c", prefix, (char) ('a' + i));
  else
    snprintf (buf, len, "%s%c%c", prefix, (char) ('a' + i / 26 - 1),
              (char) ('a' + i % 26));
}

/* The destination file of VMware disk file: the name without its
 * folder, its snapshot suffix ("-000004") and ".vmdk", in dir, with
 * the format as its extension.
 */
static void
disk_path (const struct wv_domain_options *o, const char *file,
           char *buf, size_t len)
{
  const char *base = strrchr (file, '/');
  char name[256];
  size_t n;

  base = base ? base + 1 : file;
  snprintf (name, sizeof name, "%s", base);
  n = strlen (name);
  if (n > 5 && strcasecmp (name + n - 5, ".vmdk") == 0)
    name[n -= 5] = '\0';
  if (n > 7 && name[n - 7] == '-' &&
      strspn (name + n - 6, "0123456789") == 6)
    name[n -= 7] = '\0';
  if (n == 0)
    snprintf (name, sizeof name, "disk");
  snprintf (buf, len, "%s/%s.%s", o->disk_dir, name, o->disk_format);
}

/* s in an XML comment, which may not hold "--" nor end in "-". */
static void
comment_text (FILE *fp, const char *s)
{
  for (; *s; ++s) {
    unsigned char c = *s;

    if (c == '-' && (s[1] == '-' || s[1] == '\0'))
      continue;
    fputc (c < 0x20 ? '?' : c, fp);
  }
}

static void
write_os (FILE *fp, const struct wv_domain_plan *p)
{
  fprintf (fp, "  <os%s>\n", p->efi ? " firmware='efi'" : "");
  fprintf (fp, "    <type arch='%s' machine='%s'>hvm</type>\n", p->arch,
           p->machine);
  if (p->efi) {
    fprintf (fp, "    <firmware>\n");
    fprintf (fp, "      <feature enabled='%s' name='secure-boot'/>\n",
             p->secure_boot ? "yes" : "no");
    fprintf (fp, "      <feature enabled='%s' name='enrolled-keys'/>\n",
             p->secure_boot ? "yes" : "no");
    fprintf (fp, "    </firmware>\n");
    if (p->secure_boot)
      fprintf (fp, "    <loader secure='yes'/>\n");
  }
  fprintf (fp, "  </os>\n");
  fprintf (fp, "  <features>\n    <acpi/>\n    <apic/>\n");
  if (p->legacy)
    fprintf (fp, "    <pae/>\n");
  if (p->hyperv)
    fprintf (fp, "    <hyperv mode='custom'>\n"
             "      <relaxed state='on'/>\n"
             "      <vapic state='on'/>\n"
             "      <spinlocks state='on' retries='8191'/>\n"
             "    </hyperv>\n");
  if (p->secure_boot)
    fprintf (fp, "    <smm state='on'/>\n");
  fprintf (fp, "  </features>\n");
  fprintf (fp, "  <cpu mode='host-passthrough'>\n"
           "    <topology sockets='%u' dies='1' cores='%u' threads='1'/>\n"
           "  </cpu>\n", p->sockets, p->cores);
  fprintf (fp, "  <clock offset='%s'>\n", p->clock);
  fprintf (fp, "    <timer name='rtc' tickpolicy='catchup'/>\n"
           "    <timer name='pit' tickpolicy='delay'/>\n"
           "    <timer name='hpet' present='no'/>\n");
  if (p->hyperv)
    fprintf (fp, "    <timer name='hypervclock' present='yes'/>\n");
  fprintf (fp, "  </clock>\n");
}

/* The source's CD/DVD drives, empty, after the disks.  Target names
 * are unique in a domain: where the disks' names have the same prefix
 * (sdX for SATA and SCSI, hdX for IDE), the drives' go on from them.
 */
static void
write_cdroms (FILE *fp, const struct wv_domain_plan *p,
              const char *disk_prefix, size_t nr_disks)
{
  const char *prefix;
  size_t first, i;

  if (p->cdroms == 0)
    return;
  prefix = strcmp (p->cdrom_bus, "ide") == 0 ? "hd" : "sd";
  first = strcmp (prefix, disk_prefix) == 0 ? nr_disks : 0;
  for (i = 0; i < p->cdroms; ++i) {
    char dev[16];

    drive_name (prefix, first + i, dev, sizeof dev);
    fprintf (fp, "    <!-- CD/DVD drive %zu of the source, empty -->\n"
             "    <disk type='file' device='cdrom'>\n"
             "      <driver name='qemu' type='raw'/>\n"
             "      <target dev='%s' bus='%s'/>\n"
             "      <readonly/>\n"
             "    </disk>\n", i + 1, dev, p->cdrom_bus);
  }
}

static void
write_disks (FILE *fp, const struct wv_vmconfig *cfg,
             const struct wv_domain_options *o,
             const struct wv_domain_plan *p)
{
  const char *prefix = strcmp (p->disk_bus, "virtio") == 0 ? "vd" :
    strcmp (p->disk_bus, "ide") == 0 ? "hd" : "sd";
  bool transitional = p->legacy && strcmp (p->disk_bus, "virtio") == 0;
  size_t i;

  if (strcmp (p->disk_bus, "scsi") == 0)
    fprintf (fp, "    <controller type='scsi' index='0' "
             "model='virtio-scsi'/>\n");
  for (i = 0; i < cfg->nr_disks; ++i) {
    const struct wv_vm_disk *d = &cfg->disks[i];
    char dev[16], path[1024];

    drive_name (prefix, i, dev, sizeof dev);
    disk_path (o, d->file, path, sizeof path);
    fprintf (fp, "    <!-- disk %zu: VMware %s%u:%u, ", i + 1,
             wv_vm_bus_name (d->bus), d->controller, d->unit);
    comment_text (fp, d->file);
    fprintf (fp, "%s -->\n", i == 0 ? " (the system disk)" : "");
    fprintf (fp, "    <disk type='file' device='disk'%s>\n",
             transitional ? " model='virtio-transitional'" : "");
    fprintf (fp, "      <driver name='qemu' type='%s'/>\n", o->disk_format);
    fprintf (fp, "      <source file='");
    wv_text_xml (fp, path);
    fprintf (fp, "'/>\n      <target dev='%s' bus='%s'/>\n", dev,
             p->disk_bus);
    if (i == 0)
      fprintf (fp, "      <boot order='1'/>\n");
    fprintf (fp, "    </disk>\n");
  }
  write_cdroms (fp, p, prefix, cfg->nr_disks);
}

static void
write_nics (FILE *fp, const struct wv_vmconfig *cfg,
            const struct wv_domain_options *o,
            const struct wv_domain_plan *p)
{
  size_t i;

  for (i = 0; i < cfg->nr_nics; ++i) {
    const struct wv_vm_nic *n = &cfg->nics[i];

    fprintf (fp, "    <interface type='network'>\n");
    if (n->mac[0])
      fprintf (fp, "      <mac address='%s'/>\n", n->mac);
    fprintf (fp, "      <source network='");
    wv_text_xml (fp, o->network);
    fprintf (fp, "'/>\n      <model type='%s'/>\n    </interface>\n",
             p->nic_model);
  }
}

int
wv_domain_write_libvirt (FILE *fp, const struct wv_vmconfig *cfg,
                         const struct wv_domain_guest *g,
                         const struct wv_domain_options *o,
                         const struct wv_domain_plan *p)
{
  bool final = o->stage == WV_DOMAIN_FINAL;

  fprintf (fp, "<domain type='kvm'>\n");
  fprintf (fp, "  <!-- winvirtio domain, stage %s: %s, from the %s "
           "configuration -->\n", final ? "final" : "bootstrap",
           final ? "VirtIO disks and NICs" :
           "the inbox controller and an emulated NIC, for one first boot",
           cfg->source_kind);
  fprintf (fp, "  <name>");
  wv_text_xml (fp, p->name);
  fprintf (fp, "</name>\n");
  fprintf (fp, "  <memory unit='MiB'>%llu</memory>\n",
           (unsigned long long) cfg->memory_mib);
  fprintf (fp, "  <currentMemory unit='MiB'>%llu</currentMemory>\n",
           (unsigned long long) cfg->memory_mib);
  fprintf (fp, "  <vcpu>%u</vcpu>\n", cfg->vcpus);
  write_os (fp, p);
  fprintf (fp, "  <on_poweroff>destroy</on_poweroff>\n"
           "  <on_reboot>restart</on_reboot>\n"
           "  <on_crash>destroy</on_crash>\n");
  fprintf (fp, "  <devices>\n");
  write_disks (fp, cfg, o, p);
  write_nics (fp, cfg, o, p);
  if (p->tpm)
    fprintf (fp, "    <tpm model='tpm-crb'>\n"
             "      <backend type='emulator' version='2.0'/>\n"
             "    </tpm>\n");
  fprintf (fp, "    <input type='tablet' bus='usb'/>\n");
  fprintf (fp, "    <graphics type='vnc' autoport='yes'/>\n");
  fprintf (fp, "    <video>\n      <model type='vga' vram='16384' "
           "heads='1'/>\n    </video>\n");
  if (final) {
    fprintf (fp, "    <channel type='unix'>\n"
             "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
             "    </channel>\n");
    fprintf (fp, "    <memballoon model='%s'/>\n",
             p->legacy ? "virtio-transitional" : "virtio");
  }
  else
    fprintf (fp, "    <memballoon model='none'/>\n");
  fprintf (fp, "  </devices>\n</domain>\n");
  (void) g;
  if (ferror (fp)) {
    wv_error ("writing the domain XML: %m");
    return -1;
  }
  return 0;
}
