/* winvirtio: the libosinfo short id of a Windows, from the version,
 * build and client or server that its SOFTWARE hive says
 * (registry/windows.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The ids are osinfo-db's (data/os/microsoft.com/win-*.xml.in,
 * <short-id>), which virt-v2v-inspector reports as <osinfo> and
 * KubeVirt Forklift maps to its own guest ids.  The Windows 10-era
 * releases all say 10.0: the build tells them apart (Windows 11 from
 * 22000; Server 2019 from 17763, 2022 from 20348, 2025 from 26100).
 */

#include <config.h>

#include <string.h>

#include "inspect/osinfo.h"
#include "registry/windows.h"

/* Windows 10.0: client or server, by build. */
static const char *
osinfo_10 (const struct wv_windows *w)
{
  if (!w->server)
    return w->build >= 22000 ? "win11" : "win10";
  if (w->build >= 26100)
    return "win2k25";
  if (w->build >= 20348)
    return "win2k22";
  if (w->build >= 17763)
    return "win2k19";
  return "win2k16";
}

const char *
wv_osinfo_windows (const struct wv_windows *w)
{
  if (w->minor > 9)             /* (so that 5.11 is not taken for 6.1) */
    return NULL;
  switch (w->major * 10 + w->minor) {
  case 51:
    return "winxp";
  case 52:                      /* XP x64 or Server 2003 (R2) */
    if (!w->server)
      return "winxp";
    return strstr (w->product_name, "R2") ? "win2k3r2" : "win2k3";
  case 60:
    return w->server ? "win2k8" : "winvista";
  case 61:
    return w->server ? "win2k8r2" : "win7";
  case 62:
    return w->server ? "win2k12" : "win8";
  case 63:
    return w->server ? "win2k12r2" : "win8.1";
  case 100:
    return osinfo_10 (w);
  default:
    return NULL;
  }
}
