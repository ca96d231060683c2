/* winvirtio: the SYSTEM hive edits that make Windows start a VirtIO
 * storage driver at boot.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * What is written follows virt-v2v, which is known to boot in the
 * field: libguestfs-common mlcustomize/inject_virtio_win.ml,
 * add_guestor_to_registry, cdb_regedits and ddb_regedits.
 *
 *  - <ControlSet>\Services\<drv>: Type=1 (kernel driver), Start=0
 *    (boot), ErrorControl=1, Group="SCSI miniport", ImagePath=
 *    system32\drivers\<drv>.sys.  A StartOverride subkey is removed:
 *    Windows uses it to keep a boot driver from starting.
 *  - Before Windows 8 (no DriverDatabase): <ControlSet>\Control\
 *    CriticalDeviceDatabase\PCI#<id> with Service and ClassGUID.
 *  - Windows 8 and later: DriverDatabase\DriverInfFiles\<inf>,
 *    DeviceIds\PCI\<id>, DriverPackages\<pkg> (Version) with its
 *    Configurations and Descriptors, so that PnP binds the device to
 *    the service at boot.
 *
 * Differences from virt-v2v: both viostor and vioscsi are registered
 * (so the guest boots on either bus), each under its own INF name
 * (<drv>.inf) so that the two do not overwrite each other; and the
 * device IDs are registered both with the revision (as virt-v2v does)
 * and without it, which also matches other revisions of the devices.
 *
 * Every value is compared before it is written, so a second run over
 * a converted image changes nothing.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <hivex.h>

#include "cleanup.h"
#include "log.h"
#include "registry.h"

const struct wv_boot_driver wv_boot_drivers[] = {
  { "viostor", "VEN_1AF4&DEV_1001&REV_00", "VEN_1AF4&DEV_1042&REV_01" },
  { "vioscsi", "VEN_1AF4&DEV_1004&REV_00", "VEN_1AF4&DEV_1048&REV_01" },
};
const size_t wv_nr_boot_drivers =
  sizeof wv_boot_drivers / sizeof wv_boot_drivers[0];

#define SCSI_CLASS_GUID "{4D36E97B-E325-11CE-BFC1-08002BE10318}"

/* DriverPackages\...\Version as virt-v2v writes it: a header, the
 * SCSIAdapter class GUID in binary, and zeroes.  Windows-Kernel-Pnp
 * needs it on Windows 10 / Server 2016.
 */
static const uint8_t package_version[] = {
  0x00, 0xff, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x7b, 0xe9, 0x36, 0x4d, 0x25, 0xe3, 0xce, 0x11,
  0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t device_rank[] = { 0x01, 0xff, 0x00, 0x00 };

/* State of one run of edits.  The values set are reported one line
 * per key: "set KEY: Name, Name".
 */
struct edit {
  hive_h *h;
  FILE *log;
  bool changed;
  char key[512];                /* key of the pending line */
  char names[512];              /* values set in it so far */
};

/* Print the pending "set" line. */
static void
flush_log (struct edit *e)
{
  if (e->names[0])
    fprintf (e->log, "set %s: %s\n", e->key, e->names);
  e->key[0] = e->names[0] = '\0';
}

/* Note that value name of key where was set. */
static void
log_value (struct edit *e, const char *where, const char *name)
{
  size_t n;

  if (strcmp (e->key, where) != 0) {
    flush_log (e);
    snprintf (e->key, sizeof e->key, "%s", where);
  }
  n = strlen (e->names);
  snprintf (e->names + n, sizeof e->names - n, "%s%s", n ? ", " : "",
            name[0] ? name : "(default)");
}

/* Encode an ASCII string as UTF-16LE with a final NUL; for
 * REG_MULTI_SZ, strs is a list and a second NUL ends it.
 */
static char *
utf16 (const char *const *strs, size_t n, bool multi, size_t *len_r)
{
  size_t i, total = 0, o = 0;
  const char *p;
  char *buf;

  for (i = 0; i < n; ++i)
    total += strlen (strs[i]) + 1;
  total = (total + (multi ? 1 : 0)) * 2;
  buf = calloc (1, total);
  if (buf == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  for (i = 0; i < n; ++i) {
    for (p = strs[i]; *p; ++p) {
      buf[o++] = *p;
      buf[o++] = 0;
    }
    o += 2;
  }
  *len_r = total;
  return buf;
}

/* Set a value unless it already has this type and these bytes. */
static int
set_value (struct edit *e, hive_node_h node, const char *where,
           const char *key, hive_type t, const void *value, size_t len)
{
  hive_value_h v = hivex_node_get_value (e->h, node, key);
  hive_set_value sv;

  if (v) {
    hive_type ot;
    size_t olen;
    CLEANUP_FREE char *old = hivex_value_value (e->h, v, &ot, &olen);

    if (old && ot == t && olen == len && memcmp (old, value, len) == 0)
      return 0;
  }
  sv.key = (char *) key;
  sv.t = t;
  sv.len = len;
  sv.value = (char *) value;
  if (hivex_node_set_value (e->h, node, &sv, 0) == -1) {
    wv_error ("hivex: cannot set %s\\%s: %m", where, key);
    return -1;
  }
  log_value (e, where, key);
  e->changed = true;
  return 0;
}

static int
set_dword (struct edit *e, hive_node_h node, const char *where,
           const char *key, uint32_t d)
{
  uint8_t le[4] = { d, d >> 8, d >> 16, d >> 24 };

  return set_value (e, node, where, key, hive_t_REG_DWORD, le, 4);
}

static int
set_string (struct edit *e, hive_node_h node, const char *where,
            const char *key, hive_type t, const char *s)
{
  size_t len;
  CLEANUP_FREE char *u = utf16 (&s, 1, false, &len);

  if (u == NULL)
    return -1;
  return set_value (e, node, where, key, t, u, len);
}

static int
set_multi (struct edit *e, hive_node_h node, const char *where,
           const char *key, const char *s)
{
  size_t len;
  CLEANUP_FREE char *u = utf16 (&s, 1, true, &len);

  if (u == NULL)
    return -1;
  return set_value (e, node, where, key, hive_t_REG_MULTI_SZ, u, len);
}

/* Walk a backslash-separated path from root, creating missing keys.
 * Returns the node, or 0 after wv_error.
 */
static hive_node_h
make_path (struct edit *e, const char *path)
{
  CLEANUP_FREE char *copy = strdup (path);
  char *elem, *save = NULL;
  hive_node_h node = hivex_root (e->h), child;

  if (copy == NULL) {
    wv_error ("strdup: %m");
    return 0;
  }
  for (elem = strtok_r (copy, "\\", &save); elem;
       elem = strtok_r (NULL, "\\", &save)) {
    /* The key so far, for messages. */
    int prefix = elem - copy + strlen (elem);

    errno = 0;
    child = hivex_node_get_child (e->h, node, elem);
    if (child == 0) {
      if (errno != 0 && errno != ENOENT) {
        wv_error ("hivex: cannot read the keys under %s: %m", path);
        return 0;
      }
      child = hivex_node_add_child (e->h, node, elem);
      if (child == 0) {
        wv_error ("hivex: cannot create key %.*s: %m", prefix, path);
        return 0;
      }
      flush_log (e);
      fprintf (e->log, "created key %.*s\n", prefix, path);
      e->changed = true;
    }
    node = child;
  }
  return node;
}

/* The service key. */
static int
add_service (struct edit *e, const struct wv_windows *w,
             const struct wv_boot_driver *drv)
{
  CLEANUP_FREE char *where = NULL, *image = NULL;
  hive_node_h svc, so;

  if (asprintf (&where, "%s\\Services\\%s", w->control_set_name,
                drv->name) == -1 ||
      asprintf (&image, "system32\\drivers\\%s.sys", drv->name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  svc = make_path (e, where);
  if (svc == 0 ||
      set_dword (e, svc, where, "Type", 1) == -1 ||
      set_dword (e, svc, where, "Start", 0) == -1 ||
      set_dword (e, svc, where, "ErrorControl", 1) == -1 ||
      set_string (e, svc, where, "Group", hive_t_REG_SZ,
                  "SCSI miniport") == -1 ||
      set_string (e, svc, where, "ImagePath", hive_t_REG_EXPAND_SZ,
                  image) == -1)
    return -1;

  so = hivex_node_get_child (e->h, svc, "StartOverride");
  if (so) {
    if (hivex_node_delete_child (e->h, so) == -1) {
      wv_error ("hivex: cannot delete %s\\StartOverride: %m", where);
      return -1;
    }
    flush_log (e);
    fprintf (e->log, "deleted key %s\\StartOverride\n", where);
    e->changed = true;
  }
  return 0;
}

/* CriticalDeviceDatabase entry for one device ID (before Windows 8). */
static int
add_cdd (struct edit *e, const struct wv_windows *w, const char *drv,
         const char *id)
{
  CLEANUP_FREE char *where = NULL;
  hive_node_h node;

  if (asprintf (&where, "%s\\Control\\CriticalDeviceDatabase\\PCI#%s",
                w->control_set_name, id) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  node = make_path (e, where);
  if (node == 0 ||
      set_string (e, node, where, "Service", hive_t_REG_SZ, drv) == -1 ||
      set_string (e, node, where, "ClassGUID", hive_t_REG_SZ,
                  SCSI_CLASS_GUID) == -1)
    return -1;
  return 0;
}

/* Windows' architecture name in package names. */
static const char *
package_arch (const struct wv_windows *w)
{
  if (strcmp (w->arch, "x86") == 0) return "x86";
  if (strcmp (w->arch, "ARM64") == 0) return "arm64";
  return "amd64";
}

/* The driver package (once per driver). */
static int
add_ddb_package (struct edit *e, const struct wv_windows *w,
                 const char *drv, const char *inf, const char *pkg,
                 const char *conf)
{
  CLEANUP_FREE char *w1 = NULL, *w2 = NULL, *w3 = NULL;
  hive_node_h n;

  if (asprintf (&w1, "DriverDatabase\\DriverInfFiles\\%s", inf) == -1 ||
      asprintf (&w2, "DriverDatabase\\DriverPackages\\%s", pkg) == -1 ||
      asprintf (&w3, "DriverDatabase\\DriverPackages\\%s\\Configurations\\%s",
                pkg, conf) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if ((n = make_path (e, w1)) == 0 ||
      set_multi (e, n, w1, "", pkg) == -1 ||
      set_string (e, n, w1, "Active", hive_t_REG_SZ, pkg) == -1 ||
      set_multi (e, n, w1, "Configurations", conf) == -1)
    return -1;
  if ((n = make_path (e, w2)) == 0 ||
      set_value (e, n, w2, "Version", hive_t_REG_BINARY,
                 package_version, sizeof package_version) == -1)
    return -1;
  if ((n = make_path (e, w3)) == 0 ||
      set_dword (e, n, w3, "ConfigFlags", 0) == -1 ||
      set_string (e, n, w3, "Service", hive_t_REG_SZ, drv) == -1)
    return -1;
  return 0;
}

/* DriverDatabase entries binding one device ID to the package. */
static int
add_ddb_device (struct edit *e, const char *inf, const char *pkg,
                const char *conf, const char *id)
{
  CLEANUP_FREE char *w1 = NULL, *w2 = NULL;
  hive_node_h n;

  if (asprintf (&w1, "DriverDatabase\\DeviceIds\\PCI\\%s", id) == -1 ||
      asprintf (&w2, "DriverDatabase\\DriverPackages\\%s\\Descriptors\\PCI\\%s",
                pkg, id) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if ((n = make_path (e, w1)) == 0 ||
      set_value (e, n, w1, inf, hive_t_REG_BINARY,
                 device_rank, sizeof device_rank) == -1)
    return -1;
  if ((n = make_path (e, w2)) == 0 ||
      set_string (e, n, w2, "Configuration", hive_t_REG_SZ, conf) == -1)
    return -1;
  return 0;
}

/* "VEN_1AF4&DEV_1001&REV_00" -> "VEN_1AF4&DEV_1001" in buf. */
static const char *
without_rev (const char *id, char *buf, size_t len)
{
  const char *rev = strstr (id, "&REV_");
  size_t n = rev ? (size_t) (rev - id) : strlen (id);

  snprintf (buf, len, "%.*s", (int) n, id);
  return buf;
}

int
wv_registry_add_boot_driver (hive_h *h, const struct wv_windows *w,
                             const struct wv_boot_driver *drv,
                             FILE *log, bool *changed_r)
{
  struct edit e = { .h = h, .log = log, .changed = false };
  char a[64], b[64];
  const char *ids[4] = {
    drv->legacy_id, drv->modern_id,
    without_rev (drv->legacy_id, a, sizeof a),
    without_rev (drv->modern_id, b, sizeof b),
  };
  size_t i;

  if (add_service (&e, w, drv) == -1)
    return -1;

  if (!w->has_driver_database) {
    for (i = 0; i < 4; ++i)
      if (add_cdd (&e, w, drv->name, ids[i]) == -1)
        return -1;
  }
  else {
    CLEANUP_FREE char *inf = NULL, *pkg = NULL, *conf = NULL;

    if (asprintf (&inf, "%s.inf", drv->name) == -1 ||
        asprintf (&pkg, "%s.inf_%s_0000000000000000", drv->name,
                  package_arch (w)) == -1 ||
        asprintf (&conf, "%s_inst", drv->name) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    if (add_ddb_package (&e, w, drv->name, inf, pkg, conf) == -1)
      return -1;
    for (i = 0; i < 4; ++i)
      if (add_ddb_device (&e, inf, pkg, conf, ids[i]) == -1)
        return -1;
  }

  flush_log (&e);
  if (e.changed)
    *changed_r = true;
  return 0;
}
