/* winvirtio: which Windows is this, from its SYSTEM and SOFTWARE
 * hives.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The folder names are virtio-win's (viostor/<osdir>/<arch>/), and
 * the version table follows virt-v2v's
 * libguestfs-common/mlcustomize/inject_virtio_win.ml
 * (virtio_iso_path_matches_guest_os) and Microsoft's build numbers for
 * the Windows 10-era releases, which all report version 10.0.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "registry/hive-lookup.h"
#include "registry/windows.h"

/* virtio-win's folder for this version, or NULL. */
static const char *
osdir_of (const struct wv_windows *w)
{
  unsigned v = w->major * 10 + w->minor;

  switch (v) {
  case 51: return "xp";
  case 52: return w->server ? "2k3" : "xp";
  case 60: return "2k8";                /* Vista and 2008 */
  case 61: return w->server ? "2k8r2" : "w7";
  case 62: return w->server ? "2k12" : "w8";
  case 63: return w->server ? "2k12r2" : "w8.1";
  case 100:
    if (!w->server)
      return w->build >= 22000 ? "w11" : "w10";
    if (w->build >= 26100) return "2k25";
    if (w->build >= 20348) return "2k22";
    if (w->build >= 17763) return "2k19";
    return "2k16";
  default: return NULL;
  }
}

/* Read the SOFTWARE hive's CurrentVersion key. */
static int
identify_version (hive_h *software, struct wv_windows *w)
{
  hive_node_h cv;
  char buf[32];
  int64_t d;

  cv = wv_hive_lookup (software, hivex_root (software),
                       "Microsoft\\Windows NT\\CurrentVersion");
  if (cv == 0) {
    wv_error ("the SOFTWARE hive has no Microsoft\\Windows NT\\"
              "CurrentVersion key: this does not look like Windows");
    return -1;
  }
  wv_hive_get_string (software, cv, "ProductName", w->product_name,
                      sizeof w->product_name);
  wv_hive_get_string (software, cv, "EditionID", w->edition_id,
                      sizeof w->edition_id);
  wv_hive_get_string (software, cv, "InstallationType", w->installation_type,
                      sizeof w->installation_type);

  /* Windows 10 and later keep "6.3" in CurrentVersion for old
   * programs; the real version is in CurrentMajor/MinorVersionNumber.
   */
  d = wv_hive_get_dword (software, cv, "CurrentMajorVersionNumber");
  if (d >= 0) {
    w->major = d;
    d = wv_hive_get_dword (software, cv, "CurrentMinorVersionNumber");
    w->minor = d >= 0 ? d : 0;
  }
  else {
    wv_hive_get_string (software, cv, "CurrentVersion", buf, sizeof buf);
    if (sscanf (buf, "%u.%u", &w->major, &w->minor) != 2) {
      wv_error ("the SOFTWARE hive has no Windows version "
                "(CurrentVersion is \"%s\")", buf);
      return -1;
    }
  }
  wv_hive_get_string (software, cv, "CurrentBuildNumber", buf, sizeof buf);
  if (buf[0] == '\0')
    wv_hive_get_string (software, cv, "CurrentBuild", buf, sizeof buf);
  w->build = strtoul (buf, NULL, 10);

  w->server = strncasecmp (w->installation_type, "Server", 6) == 0 ||
    strcasestr (w->product_name, "Server") != NULL;
  return 0;
}

/* Read the SYSTEM hive: control set, architecture, DriverDatabase. */
static int
identify_system (hive_h *system, struct wv_windows *w)
{
  hive_node_h root = hivex_root (system), sel, env;
  char path[128], arch[32];
  int64_t cur;

  sel = hivex_node_get_child (system, root, "Select");
  cur = sel ? wv_hive_get_dword (system, sel, "Current") : -1;
  if (cur <= 0 || cur > 999) {
    wv_error ("the SYSTEM hive has no valid Select\\Current value, so the "
              "current control set is unknown");
    return -1;
  }
  w->control_set = cur;
  snprintf (w->control_set_name, sizeof w->control_set_name,
            "ControlSet%03u", w->control_set);
  if (hivex_node_get_child (system, root, w->control_set_name) == 0) {
    wv_error ("the SYSTEM hive's Select\\Current names %s, which does "
              "not exist", w->control_set_name);
    return -1;
  }

  snprintf (path, sizeof path,
            "%s\\Control\\Session Manager\\Environment",
            w->control_set_name);
  env = wv_hive_lookup (system, root, path);
  arch[0] = '\0';
  if (env)
    wv_hive_get_string (system, env, "PROCESSOR_ARCHITECTURE", arch,
                        sizeof arch);
  snprintf (w->arch_source, sizeof w->arch_source,
            "PROCESSOR_ARCHITECTURE");
  /* Absent (virt-v2v's own test guests lack it): the caller reads the
   * machine from cmd.exe, as libguestfs' inspection does.
   */
  if (arch[0] == '\0')
    w->arch_source[0] = '\0';
  else if (strcasecmp (arch, "AMD64") == 0)
    strcpy (w->arch, "amd64");
  else if (strcasecmp (arch, "x86") == 0)
    strcpy (w->arch, "x86");
  else if (strcasecmp (arch, "ARM64") == 0)
    strcpy (w->arch, "ARM64");
  else {
    wv_error ("the SYSTEM hive's PROCESSOR_ARCHITECTURE is the unknown "
              "value \"%s\" (expected AMD64, x86 or ARM64): "
              "virtio-win has no drivers for it, so this Windows cannot be "
              "converted (if it is in fact one of those, please report "
              "it)", arch);
    return -1;
  }

  w->has_driver_database =
    hivex_node_get_child (system, root, "DriverDatabase") != 0;
  return 0;
}

int
wv_windows_identify (hive_h *system, hive_h *software, struct wv_windows *w)
{
  memset (w, 0, sizeof *w);
  if (identify_version (software, w) == -1 ||
      identify_system (system, w) == -1)
    return -1;
  w->osdir = osdir_of (w);
  wv_windows_clock (system, w);
  return 0;
}

const char *
wv_windows_binding (const struct wv_windows *w)
{
  if (w->has_driver_database)
    return "DriverDatabase (Windows 8 and later)";
  if (w->major * 10 + w->minor >= 62)
    return "CriticalDeviceDatabase (the SYSTEM hive has no DriverDatabase)";
  return "CriticalDeviceDatabase (before Windows 8)";
}

void
wv_windows_describe (const struct wv_windows *w, char *buf, size_t len)
{
  snprintf (buf, len, "%s (%u.%u build %u, %s%s)",
            w->product_name[0] ? w->product_name : "Windows",
            w->major, w->minor, w->build, w->arch,
            w->server ? ", server" : "");
}
