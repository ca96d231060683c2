/* winvirtio: OpenStack image properties for the patched disk, as JSON
 * or as the arguments of "openstack image set".
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The names and values are those of virt-v2v's
 * output/openstack_image_properties.ml (architecture, hypervisor_type,
 * vm_mode, hw_disk_bus, hw_vif_model, hw_video_model, hw_machine_type,
 * os_type, os_distro, hw_cpu_sockets/cores/threads, os_version,
 * hw_rng_model, hw_firmware_type) and of Glance's documented list
 * (python-glanceclient's property-keys page; nova's image metadata):
 * hw_scsi_model for virtio-scsi, os_secure_boot, hw_tpm_version and
 * hw_tpm_model, hw_qemu_guest_agent, hw_pointer_model.  Nova gives a
 * Windows guest (os_type=windows) a local-time RTC: a guest that keeps
 * it in UTC gets a warning.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "domain/domain.h"
#include "domain/text.h"

#define MAX_PROPS 32

struct prop {
  const char *key;
  char value[32];
};

static size_t
add (struct prop *props, size_t n, const char *key, const char *value)
{
  if (n < MAX_PROPS) {
    props[n].key = key;
    snprintf (props[n].value, sizeof props[n].value, "%s", value);
    n++;
  }
  return n;
}

int
wv_domain_write_openstack (FILE *fp, const struct wv_vmconfig *cfg,
                           const struct wv_domain_guest *g,
                           const struct wv_domain_options *o,
                           const struct wv_domain_plan *p, bool args)
{
  struct prop props[MAX_PROPS];
  bool final = o->stage == WV_DOMAIN_FINAL;
  char buf[32];
  size_t n = 0, i;

  (void) cfg;
  n = add (props, n, "architecture", p->arch);
  n = add (props, n, "hypervisor_type", "kvm");
  n = add (props, n, "vm_mode", "hvm");
  n = add (props, n, "hw_disk_bus", p->disk_bus);
  if (strcmp (p->disk_bus, "scsi") == 0)
    n = add (props, n, "hw_scsi_model", "virtio-scsi");
  n = add (props, n, "hw_vif_model",
           strncmp (p->nic_model, "virtio", 6) == 0 ? "virtio" :
           p->nic_model);
  n = add (props, n, "hw_video_model", "vga");
  n = add (props, n, "hw_pointer_model", "usbtablet");
  n = add (props, n, "hw_machine_type", p->machine);
  n = add (props, n, "hw_firmware_type", p->efi ? "uefi" : "bios");
  if (p->secure_boot)
    n = add (props, n, "os_secure_boot", "required");
  if (p->tpm) {
    n = add (props, n, "hw_tpm_version", "2.0");
    n = add (props, n, "hw_tpm_model", "tpm-crb");
  }
  n = add (props, n, "os_type", "windows");
  n = add (props, n, "os_distro", "windows");
  if (g->minor)
    snprintf (buf, sizeof buf, "%u.%u", g->major, g->minor);
  else
    snprintf (buf, sizeof buf, "%u", g->major);
  n = add (props, n, "os_version", buf);
  snprintf (buf, sizeof buf, "%u", p->sockets);
  n = add (props, n, "hw_cpu_sockets", buf);
  snprintf (buf, sizeof buf, "%u", p->cores);
  n = add (props, n, "hw_cpu_cores", buf);
  n = add (props, n, "hw_cpu_threads", "1");
  if (final) {
    n = add (props, n, "hw_rng_model", "virtio");
    n = add (props, n, "hw_qemu_guest_agent", "yes");
  }

  if (args) {
    for (i = 0; i < n; ++i) {
      fprintf (fp, "%s--property ", i ? " " : "");
      snprintf (buf, sizeof buf, "%s=", props[i].key);
      fputs (buf, fp);
      wv_text_shell (fp, props[i].value);
    }
    fprintf (fp, "\n");
  }
  else {
    fprintf (fp, "{\n");
    for (i = 0; i < n; ++i) {
      fprintf (fp, "  ");
      wv_text_json (fp, props[i].key);
      fprintf (fp, ": ");
      wv_text_json (fp, props[i].value);
      fprintf (fp, "%s\n", i + 1 < n ? "," : "");
    }
    fprintf (fp, "}\n");
  }
  if (ferror (fp)) {
    wv_error ("writing the properties: %m");
    return -1;
  }
  return 0;
}
