/* winvirtio: the first-boot settings of a SYSTEM hive, for winvirtio
 * inspect.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The facts are read by the same functions the planner decides with
 * (convert/fallback.c, convert/firstboot.c), so what inspect says
 * would change is what the planner changes.
 */

#include <config.h>

#include <stddef.h>

#include "convert/fallback.h"
#include "convert/firstboot.h"
#include "inspect/inspect-firstboot.h"

int
wv_inspect_firstboot (hive_h *h, const struct wv_windows *w,
                      struct wv_ntfs *v, const char *sysroot,
                      struct wv_inspect *r)
{
  size_t i;

  for (i = 0; i < WV_NR_FALLBACKS; ++i)
    if (wv_fallback_read (h, w, v, sysroot, wv_fallback_names[i],
                          &r->fallbacks[i]) == -1)
      return -1;
  r->sata = wv_fallback_sata (w);
  wv_san_policy_read (h, w, &r->san_policy);
  wv_autoreboot_read (h, w, &r->autoreboot);
  r->have_firstboot = true;
  return 0;
}
