/* winvirtio: the decisions of the VM definition, once for every
 * writer: machine type, firmware, Secure Boot, TPM, clock, Hyper-V
 * enlightenments, the disks' bus and the NICs' model of the stage,
 * the CPU topology; and the refusals and warnings that keep the
 * definition consistent with what the block map made boot-ready.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The disk has the last word on the firmware (a disk with an EFI
 * system partition boots only with UEFI, one without only with BIOS);
 * the configuration adds Secure Boot and the vTPM.  Windows before
 * Vista (XP, 2003) gets i440fx ("pc"), no Hyper-V enlightenments and
 * the transitional VirtIO devices, as virt-v2v gives old guests; the
 * others q35.  The clock follows the guest's RealTimeIsUniversal.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "common/array.h"
#include "common/log.h"
#include "domain/domain.h"

static int warn (struct wv_domain_plan *p, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));

static int
warn (struct wv_domain_plan *p, const char *fs, ...)
{
  va_list args;
  int r;

  va_start (args, fs);
  r = wv_strings_vappend (&p->warnings, &p->nr_warnings, &p->cap_warnings,
                          fs, args);
  va_end (args);
  return r;
}

void
wv_domain_plan_free (struct wv_domain_plan *p)
{
  size_t i;

  for (i = 0; i < p->nr_warnings; ++i)
    free (p->warnings[i]);
  free (p->warnings);
  memset (p, 0, sizeof *p);
}

static int
firmware (const struct wv_vmconfig *cfg, const struct wv_domain_guest *g,
          struct wv_domain_plan *p)
{
  bool cfg_efi = cfg->firmware == WV_VM_EFI;

  p->efi = g->uefi;
  if (cfg_efi != g->uefi &&
      warn (p, "the configuration says %s but the disk %s: %s, as the "
            "disk can only boot so", cfg_efi ? "EFI" : "BIOS",
            g->uefi ? "has an EFI system partition" :
            "has no EFI system partition", g->uefi ? "UEFI" : "BIOS") == -1)
    return -1;
  p->secure_boot = p->efi && cfg->secure_boot;
  if (cfg->secure_boot && !p->efi &&
      warn (p, "Secure Boot is enabled in the configuration but the "
            "disk boots with BIOS: no Secure Boot") == -1)
    return -1;
  p->tpm = cfg->vtpm && !p->legacy;
  if (cfg->vtpm &&
      warn (p, "the source has a vTPM: the destination gets a new, empty "
            "TPM, as a TPM's keys do not move; a guest whose BitLocker "
            "(or other software) seals keys to the TPM will ask for its "
            "recovery key at first boot: have it at hand") == -1)
    return -1;
  return 0;
}

static int
buses (const struct wv_domain_guest *g, const struct wv_domain_options *o,
       struct wv_domain_plan *p)
{
  unsigned v = g->major * 10 + g->minor;

  if (o->stage == WV_DOMAIN_BOOTSTRAP) {
    p->disk_bus = p->legacy ? "ide" : "sata";
    p->nic_model = p->legacy ? "rtl8139" : v >= 62 ? "e1000e" : "e1000";
    if (g->from_map && !p->legacy &&
        warn (p, "from a block map the guest's %s is not known: the "
              "bootstrap stage needs it boot-start (winvirtio inspect on "
              "the disk says whether it is)", g->fallback) == -1)
      return -1;
    if (!g->fallback_ready &&
        warn (p, "the bootstrap stage boots from %s through %s, which this "
              "guest does not start at boot (not boot-start, or a "
              "StartOverride): Windows would stop at 0x7B unless the "
              "block map makes it boot-ready; use --stage=final, or make "
              "%s boot-start first", p->disk_bus, g->fallback,
              g->fallback) == -1)
      return -1;
    return 0;
  }
  if (o->bus == WV_DOMAIN_VIRTIO_SCSI && p->legacy) {
    wv_error ("a final stage on virtio-scsi for %s is refused: virtio-win "
              "has no vioscsi for Windows XP or 2003; use "
              "--bus=virtio-blk (viostor)", g->product[0] ? g->product :
              "this Windows");
    return -1;
  }
  p->disk_bus = o->bus == WV_DOMAIN_VIRTIO_SCSI ? "scsi" : "virtio";
  p->nic_model = p->legacy ? "virtio-transitional" : "virtio";
  if (!g->would_patch &&
      warn (p, "the planner refuses this disk (%s): without its block map "
            "the final stage's VirtIO disk is not boot-ready",
            g->refusal ? g->refusal : "?") == -1)
    return -1;
  return 0;
}

/* The source's CD/DVD drives: empty ones in a libvirt domain (where an
 * ISO is attached later, as virt-v2v keeps them); the other formats
 * attach ISO images as volumes, so they are left out there.
 */
static int
cdroms (const struct wv_vmconfig *cfg, const struct wv_domain_options *o,
        struct wv_domain_plan *p)
{
  unsigned n = cfg->nr_cdroms, room;

  if (n == 0)
    return 0;
  if (o->format != WV_DOMAIN_LIBVIRT)
    return warn (p, "the source's %u CD/DVD drive%s left out: %s attaches "
                 "an ISO image as a volume of its own", n,
                 n == 1 ? " is" : "s are",
                 o->format == WV_DOMAIN_KUBEVIRT ? "KubeVirt" : "OpenStack");
  p->cdrom_bus = p->legacy ? "ide" : "sata";
  /* IDE has four places, shared with the disks there. */
  room = 4;
  if (strcmp (p->disk_bus, "ide") == 0)
    room = cfg->nr_disks >= 4 ? 0 : 4 - cfg->nr_disks;
  p->cdroms = n;
  if (p->legacy && n > room) {
    p->cdroms = room;
    return warn (p, "%u of the source's %u CD/DVD drives left out: the "
                 "IDE bus has no room for them", n - room, n);
  }
  return 0;
}

int
wv_domain_decide (const struct wv_vmconfig *cfg,
                  const struct wv_domain_guest *g,
                  const struct wv_domain_options *o,
                  struct wv_domain_plan *p)
{
  memset (p, 0, sizeof *p);
  p->name = o->name ? o->name : cfg->name[0] ? cfg->name : "windows";
  p->legacy = g->major < 6;
  p->machine = p->legacy ? "pc" : "q35";
  p->hyperv = !p->legacy;
  p->clock = g->rtc_utc ? "utc" : "localtime";
  p->arch = strcmp (g->arch, "x86") == 0 ? "i686" :
    strcmp (g->arch, "ARM64") == 0 ? "aarch64" : "x86_64";
  p->cores = cfg->cores_per_socket;
  p->sockets = cfg->vcpus / cfg->cores_per_socket;
  if (strcmp (p->arch, "aarch64") == 0) {
    wv_error ("Windows on ARM64: winvirtio writes VM definitions for x86 "
              "guests only");
    goto fail;
  }
  if (firmware (cfg, g, p) == -1 || buses (g, o, p) == -1 ||
      cdroms (cfg, o, p) == -1)
    goto fail;
  if (g->from_map && strcmp (g->rtc_source, "from the map") != 0 &&
      warn (p, "the block map does not record the guest's clock (it was "
            "made before winvirtio reported it): local time, Windows' "
            "default") == -1)
    goto fail;
  if (cfg->have_rtc_diff && cfg->rtc_diff != 0 &&
      warn (p, "the configuration has rtc.diffFromUTC = %lld: the "
            "destination's clock follows the guest's registry (%s, %s) "
            "and does not add that offset", (long long) cfg->rtc_diff,
            p->clock, g->rtc_source) == -1)
    goto fail;
  if (o->format == WV_DOMAIN_KUBEVIRT && p->legacy &&
      warn (p, "KubeVirt runs q35 machines only, with no IDE: Windows XP "
            "/ 2003 may not boot there (the transitional VirtIO devices "
            "are used)") == -1)
    goto fail;
  if (o->format == WV_DOMAIN_KUBEVIRT && !g->rtc_utc && o->timezone == NULL &&
      warn (p, "the guest keeps its RTC in local time, which KubeVirt "
            "gives only with the guest's time zone: pass --timezone=ZONE; "
            "the clock is UTC, so the guest's time is off by its zone's "
            "offset until it syncs") == -1)
    goto fail;
  if ((o->format == WV_DOMAIN_OPENSTACK ||
       o->format == WV_DOMAIN_OPENSTACK_ARGS) && g->rtc_utc &&
      warn (p, "the guest keeps its RTC in UTC, but nova gives "
            "os_type=windows a local-time RTC: its clock is off by its "
            "zone's offset until it syncs") == -1)
    goto fail;
  if (p->legacy && p->efi) {
    wv_error ("%s on UEFI: Windows before Vista never boots with UEFI, "
              "the disk is not what it seems", g->product);
    goto fail;
  }
  return 0;

 fail:
  wv_domain_plan_free (p);
  return -1;
}
