/* winvirtio: the storage and VirtIO services already in a SYSTEM hive,
 * for winvirtio inspect.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A service is reported if it is a VirtIO driver (by its name, as
 * virtio-win names them) or a boot-start SCSI miniport (the driver
 * Windows boots from today: LSI_SAS, pvscsi, ...).  For each: its
 * start settings, whether Windows would skip it (StartOverride),
 * whether its .sys is in the volume, and which device IDs are bound
 * to it (CriticalDeviceDatabase before Windows 8, DriverDatabase from
 * Windows 8 on).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>

#include <hivex.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "drivers/pkg.h"
#include "inspect/inspect-services.h"
#include "inspect/inspect.h"
#include "ntfs/ntfs.h"
#include "registry/hive-lookup.h"

/* virtio-win's service names. */
static const char *const virtio_services[] = {
  "viostor", "vioscsi", "netkvm", "balloon", "vioser", "viorng",
  "pvpanic", "fwcfg", "viofs", "vioinput", "viogpudo", "viosock",
  "qemupciserial", "ivshmem",
};

static bool
is_virtio (const char *name)
{
  size_t i;

  for (i = 0; i < sizeof virtio_services / sizeof virtio_services[0]; ++i)
    if (strcasecmp (name, virtio_services[i]) == 0)
      return true;
  return false;
}

/* Skip a case-insensitive prefix. */
static const char *
skip_prefix (const char *s, const char *prefix)
{
  size_t n = strlen (prefix);

  return strncasecmp (s, prefix, n) == 0 ? s + n : NULL;
}

/* Where the service's .sys is in the volume: ImagePath as Windows
 * reads it (relative to the system root, or \SystemRoot\..., or
 * \??\C:\...), or System32\drivers\<name>.sys when it has none.
 */
static void
sys_file (const struct wv_inspect_service *s, const char *sysroot,
          char *buf, size_t len)
{
  const char *p = s->image_path, *q;
  int n;

  if (p[0] == '\0')
    n = snprintf (buf, len, "%s\\System32\\drivers\\%s.sys", sysroot,
                  s->name);
  else if ((q = skip_prefix (p, "\\SystemRoot\\")) != NULL ||
           (q = skip_prefix (p, "%SystemRoot%\\")) != NULL)
    n = snprintf (buf, len, "%s\\%s", sysroot, q);
  else if ((q = skip_prefix (p, "\\??\\")) != NULL && q[0] && q[1] == ':')
    n = snprintf (buf, len, "%s", q[2] == '\\' ? q + 3 : q + 2);
  else
    n = snprintf (buf, len, "%s\\%s", sysroot, p[0] == '\\' ? p + 1 : p);
  if (n < 0 || (size_t) n >= len)
    buf[0] = '\0';             /* too long to be a real path */
}

/* Append ", text" to the malloc'd list *s. */
static int
append (char **s, const char *text)
{
  char *n;

  if (asprintf (&n, "%s%s%s", *s ? *s : "", *s && **s ? ", " : "",
                text) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  free (*s);
  *s = n;
  return 0;
}

/* CriticalDeviceDatabase entries whose Service is this service. */
static int
cdd_bindings (hive_h *h, const struct wv_windows *w,
              struct wv_inspect_service *s)
{
  char path[128], svc[64];
  hive_node_h cdd, *children;
  size_t i;
  int r = 0;

  snprintf (path, sizeof path, "%s\\Control\\CriticalDeviceDatabase",
            w->control_set_name);
  cdd = wv_hive_lookup (h, hivex_root (h), path);
  if (cdd == 0)
    return 0;
  children = hivex_node_children (h, cdd);
  for (i = 0; children && children[i] && r == 0; ++i) {
    CLEANUP_FREE char *name = NULL, *text = NULL;

    wv_hive_get_string (h, children[i], "Service", svc, sizeof svc);
    if (strcasecmp (svc, s->name) != 0)
      continue;
    name = hivex_node_name (h, children[i]);
    if (name == NULL ||
        asprintf (&text, "CriticalDeviceDatabase\\%s", name) == -1) {
      wv_error ("hivex: %m");
      r = -1;
      break;
    }
    r = append (&s->bindings, text);
  }
  free (children);
  return r;
}

/* DriverDatabase\DriverPackages\<pkg> whose Configurations have
 * this Service: the driver packages Windows has for it.
 */
static int
ddb_packages (hive_h *h, struct wv_inspect_service *s)
{
  hive_node_h pkgs, *children;
  size_t i, j;
  int r = 0;

  pkgs = wv_hive_lookup (h, hivex_root (h), "DriverDatabase\\DriverPackages");
  if (pkgs == 0)
    return 0;
  children = hivex_node_children (h, pkgs);
  for (i = 0; children && children[i] && r == 0; ++i) {
    hive_node_h conf = hivex_node_get_child (h, children[i],
                                             "Configurations");
    CLEANUP_FREE hive_node_h *confs = conf ? hivex_node_children (h, conf)
      : NULL;
    char svc[64];

    for (j = 0; confs && confs[j]; ++j) {
      wv_hive_get_string (h, confs[j], "Service", svc, sizeof svc);
      if (strcasecmp (svc, s->name) == 0) {
        CLEANUP_FREE char *name = hivex_node_name (h, children[i]);
        CLEANUP_FREE char *text = NULL;

        if (name == NULL ||
            asprintf (&text, "DriverDatabase\\DriverPackages\\%s",
                      name) == -1) {
          wv_error ("hivex: %m");
          r = -1;
        }
        else
          r = append (&s->bindings, text);
        break;
      }
    }
  }
  free (children);
  return r;
}

/* The VirtIO PCI devices each boot driver drives (legacy and modern
 * device numbers): only to tell the user what is bound, the planner
 * takes the IDs from the INF.
 */
static const char *
boot_driver_devices (const char *name)
{
  if (strcasecmp (name, "viostor") == 0)
    return "VEN_1AF4&DEV_1001 VEN_1AF4&DEV_1042";
  if (strcasecmp (name, "vioscsi") == 0)
    return "VEN_1AF4&DEV_1004 VEN_1AF4&DEV_1048";
  return NULL;
}

/* DriverDatabase\DeviceIds\PCI\<id> for every ID of a boot driver's
 * devices (with or without SUBSYS and REV), and the INF names bound
 * there.
 */
static int
ddb_bindings (hive_h *h, struct wv_inspect_service *s)
{
  const char *devices = boot_driver_devices (s->name);
  CLEANUP_FREE hive_node_h *children = NULL;
  hive_node_h pci;
  size_t i, j, k;

  if (devices == NULL)
    return 0;
  pci = wv_hive_lookup (h, hivex_root (h), "DriverDatabase\\DeviceIds\\PCI");
  if (pci == 0)
    return 0;
  children = hivex_node_children (h, pci);
  for (i = 0; children && children[i]; ++i) {
    CLEANUP_FREE char *id = hivex_node_name (h, children[i]);
    char dev[18], *text = NULL;
    hive_value_h *values;
    int r;

    /* "VEN_1AF4&DEV_1001" and what may follow it. */
    if (id == NULL || strlen (id) < 17)
      continue;
    memcpy (dev, id, 17);
    dev[17] = '\0';
    if ((id[17] != '\0' && id[17] != '&') ||
        strcasestr (devices, dev) == NULL)
      continue;
    values = hivex_node_values (h, children[i]);
    if (asprintf (&text, "DriverDatabase\\DeviceIds\\PCI\\%s (", id) == -1) {
      wv_error ("asprintf: %m");
      free (values);
      return -1;
    }
    for (j = 0, k = 0; values && values[j]; ++j) {
      CLEANUP_FREE char *vn = hivex_value_key (h, values[j]);
      char *t2;

      if (vn == NULL || vn[0] == '\0')
        continue;
      if (asprintf (&t2, "%s%s%s", text, k++ ? " " : "", vn) == -1) {
        free (text);
        free (values);
        wv_error ("asprintf: %m");
        return -1;
      }
      free (text);
      text = t2;
    }
    free (values);
    {
      CLEANUP_FREE char *closed = NULL;

      if (asprintf (&closed, "%s)", text) == -1) {
        wv_error ("asprintf: %m");
        free (text);
        return -1;
      }
      r = append (&s->bindings, closed);
    }
    free (text);
    if (r == -1)
      return -1;
  }
  return 0;
}

/* For viostor and vioscsi: boot-ready means boot start, no
 * StartOverride, the file present and the device bound.
 */
static int
check_ready (struct wv_inspect_service *s)
{
  size_t i;
  char *why = NULL;
  int r = 0;

  for (i = 0; i < wv_pkg_nr_boot_drivers; ++i)
    if (strcasecmp (wv_pkg_boot_drivers[i], s->name) == 0)
      s->boot_driver = true;
  if (!s->boot_driver)
    return 0;
  if (s->start != 0) {
    char text[64];

    snprintf (text, sizeof text, "Start is %" PRId64 ", not 0 (boot)",
              s->start);
    r = append (&why, text);
  }
  if (r == 0 && s->start_override)
    r = append (&why, "a StartOverride key keeps it from starting");
  if (r == 0 && s->file_exists != 1)
    r = append (&why, "its .sys file is missing");
  if (r == 0 && s->bindings[0] == '\0')
    r = append (&why, "no device is bound to it");
  if (r == -1) {
    free (why);
    return -1;
  }
  s->boot_ready = why == NULL;
  s->not_ready = why;
  return 0;
}

int
wv_inspect_services (hive_h *h, const struct wv_windows *w,
                     struct wv_ntfs *v, const char *sysroot,
                     struct wv_inspect *r)
{
  char path[64];
  hive_node_h services, *children;
  size_t i;
  int ret = 0;

  snprintf (path, sizeof path, "%s\\Services", w->control_set_name);
  services = wv_hive_lookup (h, hivex_root (h), path);
  if (services == 0)
    return 0;
  children = hivex_node_children (h, services);
  for (i = 0; children && children[i]; ++i) {
    CLEANUP_FREE char *name = hivex_node_name (h, children[i]);
    struct wv_inspect_service s = { .bindings = NULL };
    char group[64];
    int64_t start;

    if (name == NULL)
      continue;
    start = wv_hive_get_dword (h, children[i], "Start");
    wv_hive_get_string (h, children[i], "Group", group, sizeof group);
    if (!is_virtio (name) &&
        !(start == 0 && strcasecmp (group, "SCSI miniport") == 0))
      continue;

    snprintf (s.name, sizeof s.name, "%s", name);
    s.start = start;
    s.type = wv_hive_get_dword (h, children[i], "Type");
    s.error_control = wv_hive_get_dword (h, children[i], "ErrorControl");
    snprintf (s.group, sizeof s.group, "%s", group);
    wv_hive_get_string (h, children[i], "ImagePath", s.image_path,
                        sizeof s.image_path);
    s.start_override =
      hivex_node_get_child (h, children[i], "StartOverride") != 0;
    sys_file (&s, sysroot, s.file, sizeof s.file);
    s.file_exists = v ? wv_ntfs_exists (v, s.file) : -1;
    if ((s.bindings = strdup ("")) == NULL) {
      wv_error ("strdup: %m");
      ret = -1;
      break;
    }
    if (cdd_bindings (h, w, &s) == -1 || ddb_packages (h, &s) == -1 ||
        ddb_bindings (h, &s) == -1 || check_ready (&s) == -1) {
      free (s.bindings);
      ret = -1;
      break;
    }
    if (wv_array_grow (&r->services, &r->cap_services, r->nr_services + 1,
                       sizeof *r->services, 8) == -1) {
      free (s.bindings);
      free (s.not_ready);
      ret = -1;
      break;
    }
    r->services[r->nr_services++] = s;
  }
  free (children);
  return ret;
}
