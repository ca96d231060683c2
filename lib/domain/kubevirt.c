/* winvirtio: a KubeVirt VirtualMachine manifest (kubevirt.io/v1) of
 * one stage, as YAML.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Fields as KubeVirt's API defines them (v1.VirtualMachine in its
 * OpenAPI definitions): the same decisions as the libvirt XML, in
 * KubeVirt's words.  Each disk is a volume on the claim the user
 * names (--pvc, --datavolume; by default a PVC "<name>-disk<N>"),
 * each NIC a bridge on a Multus network (--network).  KubeVirt runs
 * q35 only: an XP / 2003 guest gets the transitional VirtIO devices
 * and a warning.  KubeVirt has no "localtime" offset: a guest whose RTC
 * is in local time needs its time zone (--timezone), else the clock
 * is UTC with a warning.  Strings are written as JSON strings, which
 * YAML reads as they are.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "domain/domain.h"
#include "domain/text.h"

static const char *
kv_bus (const struct wv_domain_plan *p)
{
  if (strcmp (p->disk_bus, "virtio") == 0 || strcmp (p->disk_bus, "scsi") == 0)
    return p->disk_bus;
  return "sata";                /* KubeVirt has no IDE */
}

static void
write_domain (FILE *fp, const struct wv_vmconfig *cfg,
              const struct wv_domain_options *o,
              const struct wv_domain_plan *p)
{
  size_t i;

  fprintf (fp, "      domain:\n");
  fprintf (fp, "        machine:\n          type: q35\n");
  fprintf (fp, "        cpu:\n          sockets: %u\n          cores: %u\n"
           "          threads: 1\n", p->sockets, p->cores);
  fprintf (fp, "        memory:\n          guest: \"%lluMi\"\n",
           (unsigned long long) cfg->memory_mib);
  fprintf (fp, "        resources:\n          requests:\n"
           "            memory: \"%lluMi\"\n",
           (unsigned long long) cfg->memory_mib);
  fprintf (fp, "        firmware:\n          bootloader:\n");
  if (p->efi)
    fprintf (fp, "            efi:\n              secureBoot: %s\n",
             p->secure_boot ? "true" : "false");
  else
    fprintf (fp, "            bios: {}\n");
  fprintf (fp, "        features:\n          acpi: {}\n          apic: {}\n");
  if (p->secure_boot)
    fprintf (fp, "          smm:\n            enabled: true\n");
  if (p->hyperv)
    fprintf (fp, "          hyperv:\n            relaxed: {}\n"
             "            vapic: {}\n            spinlocks:\n"
             "              spinlocks: 8191\n");
  fprintf (fp, "        clock:\n");
  if (strcmp (p->clock, "localtime") == 0 && o->timezone) {
    fprintf (fp, "          timezone: ");
    wv_text_json (fp, o->timezone);
    fprintf (fp, "\n");
  }
  else
    fprintf (fp, "          utc: {}\n");
  fprintf (fp, "          timer:\n            hpet:\n              present: "
           "false\n            pit:\n              tickPolicy: delay\n"
           "            rtc:\n              tickPolicy: catchup\n");
  if (p->hyperv)
    fprintf (fp, "            hyperv: {}\n");
  fprintf (fp, "        devices:\n");
  if (p->legacy)
    fprintf (fp, "          useVirtioTransitional: true\n");
  if (o->stage == WV_DOMAIN_BOOTSTRAP)
    fprintf (fp, "          autoattachMemBalloon: false\n");
  if (p->tpm)
    fprintf (fp, "          tpm: {}\n");
  fprintf (fp, "          disks:\n");
  for (i = 0; i < cfg->nr_disks; ++i) {
    fprintf (fp, "          - name: disk%zu\n", i);
    if (i == 0)
      fprintf (fp, "            bootOrder: 1\n");
    fprintf (fp, "            disk:\n              bus: %s\n", kv_bus (p));
  }
  fprintf (fp, "          interfaces:%s\n", cfg->nr_nics ? "" : " []");
  for (i = 0; i < cfg->nr_nics; ++i) {
    fprintf (fp, "          - name: nic%zu\n            bridge: {}\n"
             "            model: %s\n", i,
             strncmp (p->nic_model, "virtio", 6) == 0 ? "virtio" :
             p->nic_model);
    if (cfg->nics[i].mac[0])
      fprintf (fp, "            macAddress: \"%s\"\n", cfg->nics[i].mac);
  }
}

int
wv_domain_write_kubevirt (FILE *fp, const struct wv_vmconfig *cfg,
                          const struct wv_domain_guest *g,
                          const struct wv_domain_options *o,
                          const struct wv_domain_plan *p)
{
  char name[64];
  size_t i;

  (void) g;
  wv_text_k8s_name (p->name, name);
  fprintf (fp, "# winvirtio domain, stage %s, from the %s configuration\n",
           o->stage == WV_DOMAIN_FINAL ? "final" : "bootstrap",
           cfg->source_kind);
  fprintf (fp, "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\n");
  fprintf (fp, "metadata:\n  name: %s\n", name);
  fprintf (fp, "  labels:\n    app.kubernetes.io/managed-by: winvirtio\n");
  fprintf (fp, "spec:\n  runStrategy: Halted\n  template:\n");
  fprintf (fp, "    metadata:\n      labels:\n        kubevirt.io/domain: "
           "%s\n", name);
  fprintf (fp, "    spec:\n");
  write_domain (fp, cfg, o, p);
  fprintf (fp, "      networks:%s\n", cfg->nr_nics ? "" : " []");
  for (i = 0; i < cfg->nr_nics; ++i) {
    fprintf (fp, "      - name: nic%zu\n        multus:\n"
             "          networkName: ", i);
    wv_text_json (fp, o->network);
    fprintf (fp, "\n");
  }
  fprintf (fp, "      volumes:\n");
  for (i = 0; i < cfg->nr_disks; ++i) {
    char claim[96];
    bool dv = i < o->nr_claims && o->claim_is_dv[i];

    if (i < o->nr_claims)
      snprintf (claim, sizeof claim, "%s", o->claims[i]);
    else
      snprintf (claim, sizeof claim, "%s-disk%zu", name, i);
    fprintf (fp, "      - name: disk%zu\n", i);
    if (dv)
      fprintf (fp, "        dataVolume:\n          name: ");
    else
      fprintf (fp, "        persistentVolumeClaim:\n          claimName: ");
    wv_text_json (fp, claim);
    fprintf (fp, "\n");
  }
  if (ferror (fp)) {
    wv_error ("writing the manifest: %m");
    return -1;
  }
  return 0;
}
