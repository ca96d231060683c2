/* winvirtio: the inbox storage drivers a guest can fall back on, and
 * the SATA one made boot start.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The proven migration path boots once on SATA before switching to
 * VirtIO.  A VMware guest never booted from AHCI, so Windows left its
 * inbox AHCI driver demand start (storahci Start=3, often with a
 * StartOverride\0=3 that keeps it from loading at boot): that first
 * boot stops at 0x7B.  Microsoft's own procedure for switching a
 * Windows to AHCI is the one done here: Start=0 and StartOverride
 * removed, in the current control set.
 *
 * Only an inbox driver that is there is changed: its service key must
 * exist (winvirtio has no INF for it to make one from) and its .sys
 * must be in System32\drivers (a boot-start driver whose file is
 * missing stops the boot loader, as storahci's ErrorControl is 3).
 * The other fallbacks (stornvme, intelide, pciide) are only reported.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hivex.h>

#include "common/log.h"
#include "convert/fallback.h"
#include "convert/services.h"
#include "registry/hive-lookup.h"

const char *const wv_fallback_names[WV_NR_FALLBACKS] = {
  "storahci", "stornvme", "msahci", "intelide", "pciide",
};

const char *
wv_fallback_sata (const struct wv_windows *w)
{
  unsigned v = w->major * 10 + w->minor;

  if (v >= 62)
    return "storahci";
  if (v == 61)
    return "msahci";
  return NULL;
}

int
wv_fallback_read (hive_h *h, const struct wv_windows *w, struct wv_ntfs *v,
                  const char *sysroot, const char *name,
                  struct wv_fallback *f)
{
  char path[128];
  hive_node_h svc;

  memset (f, 0, sizeof *f);
  f->name = name;
  f->start = -1;
  f->file_exists = -1;
  snprintf (path, sizeof path, "%s\\Services\\%s", w->control_set_name,
            name);
  svc = wv_hive_lookup (h, hivex_root (h), path);
  if (svc == 0)
    return 0;
  f->present = true;
  f->start = wv_hive_get_dword (h, svc, "Start");
  f->start_override = hivex_node_get_child (h, svc, "StartOverride") != 0;
  if (v) {
    snprintf (path, sizeof path, "%s\\System32\\drivers\\%s.sys", sysroot,
              name);
    f->file_exists = wv_ntfs_exists (v, path);
    if (f->file_exists == -1)
      return -1;
  }
  f->boot_ready = f->start == 0 && !f->start_override && f->file_exists != 0;
  return 0;
}

int
wv_fallback_make_sata_ready (hive_h *h, const struct wv_windows *w,
                             struct wv_ntfs *v, const char *sysroot,
                             FILE *log, bool *changed_r)
{
  const char *name = wv_fallback_sata (w);
  struct wv_fallback f;
  bool changed = false;

  if (name == NULL) {
    fprintf (log, "sata fallback: none for this Windows (storahci from "
             "Windows 8, msahci on Windows 7 and Server 2008 R2)\n");
    return 0;
  }
  if (wv_fallback_read (h, w, v, sysroot, name, &f) == -1)
    return -1;
  if (!f.present) {
    fprintf (log, "sata fallback: %s: no Services\\%s key in %s, left "
             "alone\n", name, name, w->control_set_name);
    return 0;
  }
  if (f.file_exists == 0) {
    fprintf (log, "sata fallback: %s: \\%s\\System32\\drivers\\%s.sys is "
             "missing, left alone (a boot-start driver without its file "
             "stops the boot)\n", name, sysroot, name);
    return 0;
  }
  if (f.boot_ready) {
    fprintf (log, "sata fallback: %s already boot start\n", name);
    return 0;
  }
  if (wv_services_make_boot_start (h, w, name, log, &changed) == -1)
    return -1;
  if (f.start != 0)
    fprintf (log, "sata fallback: %s made boot start (Start was %lld)%s\n",
             name, (long long) f.start,
             f.start_override ? ", StartOverride removed" : "");
  else
    fprintf (log, "sata fallback: %s: StartOverride removed\n", name);
  if (changed)
    *changed_r = true;
  return 0;
}
