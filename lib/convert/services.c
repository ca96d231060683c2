/* winvirtio: a driver's service key and, before Windows 8, its
 * CriticalDeviceDatabase entries.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * virt-v2v (libguestfs-common mlcustomize/inject_virtio_win.ml,
 * add_guestor_to_registry) writes constants for viostor only.  Here
 * every value comes from the driver's INF (wv_pkg_info), with one
 * override: a boot storage driver gets Start=0 (SERVICE_BOOT_START)
 * whatever the INF's StartType says, as virt-v2v does, because the
 * guest must load it before it can read its disk; and a StartOverride
 * key, which Windows uses to keep an unused boot driver from loading
 * (LSI_SAS has StartOverride\0=3 on a real Windows 10), is removed.
 *
 *  - <ControlSet>\Services\<svc>: Type, Start, ErrorControl, Group,
 *    ImagePath, DisplayName, and the service install section's AddReg;
 *    <ControlSet>\Services\EventLog\System\<svc> with the AddService
 *    event log section's AddReg.  ImagePath
 *    is "System32\drivers\<file>" as Windows writes it for a
 *    ServiceBinary in %12% (vmci and LSI_SAS on a real Windows 10:
 *    the boot loader reads it from there, and the file is put there
 *    too), or the DriverStore folder for %13%.  From Windows 8 on,
 *    Owners lists the published oem<N>.inf, as Windows does.
 *  - Before Windows 8: Control\CriticalDeviceDatabase\<ID with '#'
 *    for '\'> with Service and ClassGUID, for every ID of the models
 *    lines, as virt-v2v does.
 *
 * Every value is compared before it is written (regedit.c), so a
 * second run over a converted image changes nothing.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "convert/driverstore.h"
#include "convert/services.h"
#include "registry/regedit.h"

#define SERVICE_BOOT_START 0
#define FLG_ADDREG_NOCLOBBER 0x2
#define FLG_ADDREG_DELVAL 0x4
#define FLG_ADDREG_KEYONLY 0x10

/* AddReg lines (n of them) with HKR = the key hkr. */
static int
addreg_lines (struct wv_edit *e, const char *hkr,
              const struct wv_pkg_addreg *lines, size_t n)
{
  size_t i;

  for (i = 0; i < n; ++i) {
    const struct wv_pkg_addreg *a = &lines[i];
    CLEANUP_FREE char *where = NULL;
    hive_node_h node;

    if (a->flags & FLG_ADDREG_DELVAL)
      continue;
    if (asprintf (&where, "%s%s%s", hkr, a->subkey[0] ? "\\" : "",
                  a->subkey) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    node = wv_edit_path (e, where);
    if (node == 0)
      return -1;
    if (a->name == NULL || (a->flags & FLG_ADDREG_KEYONLY))
      continue;
    if ((a->flags & FLG_ADDREG_NOCLOBBER) &&
        hivex_node_get_value (e->h, node, a->name) != 0)
      continue;
    if (wv_edit_value (e, node, where, a->name, a->type,
                       a->data, a->len) == -1)
      return -1;
  }
  return 0;
}

/* DisplayName as Windows' installer writes it: from Windows 8 on, for
 * a string of the published INF, "@oem<N>.inf,%key%;text" (vmci on a
 * real Windows 10: "@oem2.inf,%loc.vmciServiceDisplayName%;VMware
 * VMCI Bus Driver"); before, or for a name written out in the INF,
 * the text (vmci on a real Windows 7).
 */
static int
display_name (struct wv_edit *e, const struct wv_windows *w, hive_node_h svc,
              const char *where, const struct wv_pkg_info *info,
              const char *oem_inf)
{
  CLEANUP_FREE char *s = NULL;

  if (info->svc_display == NULL)
    return 0;
  if (w->has_driver_database && oem_inf && info->svc_display_key) {
    if (asprintf (&s, "@%s,%%%s%%;%s", oem_inf, info->svc_display_key,
                  info->svc_display) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
  }
  return wv_edit_string (e, svc, where, "DisplayName", hive_t_REG_SZ,
                         s ? s : info->svc_display);
}

/* The AddService event log install section: its AddReg with HKR =
 * Services\EventLog\System\<svc> (the default log and source name),
 * as Windows makes it (EventLog\System\vmci on a real Windows 10:
 * EventMessageFile, TypesSupported).
 */
static int
eventlog (struct wv_edit *e, const struct wv_windows *w,
          const struct wv_pkg_info *info)
{
  CLEANUP_FREE char *key = NULL;

  if (info->nr_svc_eventlog == 0)
    return 0;
  if (asprintf (&key, "%s\\Services\\EventLog\\System\\%s",
                w->control_set_name, info->service) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (wv_edit_path (e, key) == 0)
    return -1;
  return addreg_lines (e, key, info->svc_eventlog, info->nr_svc_eventlog);
}

/* Owners: add oem_inf to the list unless it is there. */
static int
add_owner (struct wv_edit *e, hive_node_h svc, const char *where,
           const char *oem_inf)
{
  hive_value_h v = hivex_node_get_value (e->h, svc, "Owners");
  char **old = NULL;
  const char **l;
  size_t n = 0, i;
  int r;

  if (v) {
    hive_type t;
    size_t len;

    if (hivex_value_type (e->h, v, &t, &len) == 0 &&
        t == hive_t_REG_MULTI_SZ)
      old = hivex_value_multiple_strings (e->h, v);
  }
  for (i = 0; old && old[i]; ++i)
    if (strcasecmp (old[i], oem_inf) == 0) {
      for (i = 0; old[i]; ++i)
        free (old[i]);
      free (old);
      return 0;
    }
  for (n = 0; old && old[n]; ++n)
    ;
  l = calloc (n + 1, sizeof *l);
  if (l == NULL) {
    wv_error ("calloc: %m");
    r = -1;
  }
  else {
    for (i = 0; i < n; ++i)
      l[i] = old[i];
    l[n] = oem_inf;
    r = wv_edit_multi (e, svc, where, "Owners", l, n + 1);
  }
  free (l);
  for (i = 0; i < n; ++i)
    free (old[i]);
  free (old);
  return r;
}

/* CriticalDeviceDatabase entry for one device ID (before Windows 8). */
static int
add_cdd (struct wv_edit *e, const struct wv_windows *w,
         const struct wv_pkg_info *info, const char *id)
{
  CLEANUP_FREE char *where = NULL;
  hive_node_h node;
  char *p;

  if (asprintf (&where, "%s\\Control\\CriticalDeviceDatabase\\%s",
                w->control_set_name, id) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  /* PCI\VEN_... -> PCI#VEN_... (only in the last element). */
  for (p = where + strlen (w->control_set_name) +
         strlen ("\\Control\\CriticalDeviceDatabase\\"); *p; ++p)
    if (*p == '\\')
      *p = '#';
  node = wv_edit_path (e, where);
  if (node == 0 ||
      wv_edit_string (e, node, where, "Service", hive_t_REG_SZ,
                      info->service) == -1 ||
      wv_edit_string (e, node, where, "ClassGUID", hive_t_REG_SZ,
                      info->class_guid) == -1)
    return -1;
  return 0;
}

int
wv_services_add (hive_h *h, const struct wv_windows *w,
                 const struct wv_pkg_info *info, const char *oem_inf,
                 bool boot, FILE *log, bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  CLEANUP_FREE char *where = NULL, *image = NULL;
  char folder[256];
  hive_node_h svc;
  size_t i;

  if (info->service == NULL) {
    wv_error ("%s: the INF adds no service", info->inf_name);
    return -1;
  }
  if (info->svc_in_store) {
    if (wv_driverstore_folder_name (info, w, folder, sizeof folder) == -1)
      return -1;
    if (asprintf (&image,
                  "\\SystemRoot\\System32\\DriverStore\\FileRepository\\%s\\%s",
                  folder, info->svc_binary) == -1)
      image = NULL;
  }
  else if (asprintf (&image, "System32\\drivers\\%s",
                     info->svc_binary) == -1)
    image = NULL;
  if (image == NULL ||
      asprintf (&where, "%s\\Services\\%s", w->control_set_name,
                info->service) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  svc = wv_edit_path (&e, where);
  if (svc == 0 ||
      wv_edit_dword (&e, svc, where, "Type", info->svc_type) == -1 ||
      wv_edit_dword (&e, svc, where, "Start",
                     boot ? SERVICE_BOOT_START : info->svc_start) == -1 ||
      wv_edit_dword (&e, svc, where, "ErrorControl", info->svc_error) == -1 ||
      (info->svc_group &&
       wv_edit_string (&e, svc, where, "Group", hive_t_REG_SZ,
                       info->svc_group) == -1) ||
      wv_edit_string (&e, svc, where, "ImagePath", hive_t_REG_EXPAND_SZ,
                      image) == -1 ||
      (w->has_driver_database && oem_inf &&
       add_owner (&e, svc, where, oem_inf) == -1) ||
      display_name (&e, w, svc, where, info, oem_inf) == -1 ||
      addreg_lines (&e, where, info->svc_addreg, info->nr_svc_addreg) == -1 ||
      (boot && wv_edit_delete_key (&e, svc, where, "StartOverride") == -1) ||
      eventlog (&e, w, info) == -1)
    return -1;

  if (!w->has_driver_database)
    for (i = 0; i < info->nr_ids; ++i)
      if (add_cdd (&e, w, info, info->ids[i].id) == -1)
        return -1;

  wv_edit_flush (&e);
  if (e.changed)
    *changed_r = true;
  return 0;
}

int
wv_services_make_boot_start (hive_h *h, const struct wv_windows *w,
                             const char *service, FILE *log, bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  CLEANUP_FREE char *where = NULL;
  hive_node_h svc;

  if (asprintf (&where, "%s\\Services\\%s", w->control_set_name,
                service) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  svc = wv_edit_path (&e, where);
  if (svc == 0 ||
      wv_edit_dword (&e, svc, where, "Start", SERVICE_BOOT_START) == -1 ||
      wv_edit_delete_key (&e, svc, where, "StartOverride") == -1)
    return -1;
  wv_edit_flush (&e);
  if (e.changed)
    *changed_r = true;
  return 0;
}
