/* winvirtio: what the VM definition needs from the guest, taken from
 * winvirtio inspect's findings on the source disk.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The bootstrap stage boots on the inbox controller Windows has had
 * since it was installed: storahci from Windows 8 on, msahci on Vista,
 * 7 and 2008 (R2), the IDE drivers (intelide, pciide) before.  The
 * first two are usually not boot-start on a VMware guest (it booted
 * from LSI or pvscsi): the report's services say whether they are
 * (inspect-services.c lists every boot-start SCSI miniport, and both
 * are in that group).  The IDE drivers of XP and 2003 are boot-start
 * in a default installation and are not checked.  The block map makes
 * the SATA fallback boot start where its service and file are there
 * (convert/fallback.c): inspect names it in r->sata, and then the
 * patched disk has it boot-ready even when the source does not.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "domain/domain.h"

int
wv_domain_guest_from_inspect (const struct wv_inspect *r,
                              struct wv_domain_guest *g)
{
  const struct wv_windows *w = &r->win;
  unsigned v;
  size_t i;

  memset (g, 0, sizeof *g);
  if (!r->have_windows) {
    wv_error ("no Windows found on the disk: %s", r->windows_error ?
              r->windows_error : "no volume holds \\Windows\\System32\\"
              "config\\SYSTEM");
    return -1;
  }
  snprintf (g->product, sizeof g->product, "%s", w->product_name);
  g->major = w->major;
  g->minor = w->minor;
  g->build = w->build;
  g->server = w->server;
  snprintf (g->arch, sizeof g->arch, "%s", w->arch);
  g->rtc_utc = w->rtc_utc;
  snprintf (g->rtc_source, sizeof g->rtc_source, "%s", w->rtc_source);
  for (i = 0; r->have_pt && i < r->pt.nr_partitions; ++i)
    if (r->pt.partitions[i].esp)
      g->uefi = true;
  v = w->major * 10 + w->minor;
  g->fallback = v >= 62 ? "storahci" : v >= 60 ? "msahci" : "intelide";
  g->fallback_ready = v < 60;
  for (i = 0; i < r->nr_services; ++i) {
    const struct wv_inspect_service *s = &r->services[i];

    if (strcasecmp (s->name, g->fallback) == 0)
      g->fallback_ready = s->start == 0 && !s->start_override &&
        s->file_exists != 0;
  }
  if (r->have_firstboot && r->would_patch && r->sata &&
      strcasecmp (r->sata, g->fallback) == 0)
    for (i = 0; i < WV_NR_FALLBACKS; ++i)
      if (r->fallbacks[i].name &&
          strcasecmp (r->fallbacks[i].name, g->fallback) == 0 &&
          r->fallbacks[i].present && r->fallbacks[i].file_exists == 1)
        g->fallback_ready = true;
  g->would_patch = r->would_patch;
  g->refusal = r->refusal;
  return 0;
}
