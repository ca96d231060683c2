/* winvirtio: what the planner would find and do, without writing
 * anything (winvirtio inspect).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The steps mirror the planner's (plan.c), read-only:
 *  1. the partition table, and for each partition what it is (NTFS,
 *     BitLocker, LDM, Storage Spaces, ...), its label, whether it
 *     holds Windows, and whether the planner would refuse to change
 *     it (a writable mount's checks, on a private overlay);
 *  2. on the Windows volume, the hives: which Windows, the services
 *     already there, the inbox storage fallbacks, SanPolicy and
 *     AutoReboot, warnings; before Windows 8, whether DevicePath
 *     lists Drivers\VirtIO;
 *  3. the driver source: the file each boot driver would come from;
 *  4. the verdict: the planner run to the end on the source.  Its
 *     block map is thrown away; its summary or its refusal is kept.
 * The messages of refusals are the engine's own (wv_error, captured),
 * and the disk is seen as the planner sees it: the same system roots,
 * partitions that are not volumes (plan/find.h) and hive size limit
 * (plan/plan.h).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include <hivex.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "convert/devicepath.h"
#include "disk/overlay.h"
#include "drivers/drvfile.h"
#include "drivers/drvsrc.h"
#include "drivers/pkg.h"
#include "inspect/inspect-firstboot.h"
#include "plan/arch.h"
#include "inspect/inspect-services.h"
#include "inspect/inspect.h"
#include "map/map.h"
#include "ntfs/check.h"
#include "ntfs/ntfs.h"
#include "plan/find.h"
#include "registry/hive-lookup.h"
#include "registry/hive.h"
#include "registry/hivelog.h"

/* The mount checks of the planner (hibernation, Fast Startup, dirty
 * flag, $LogFile), on an overlay of its own, and on the Windows volume
 * its check of $Bitmap against the MFT: the refusal message, or NULL
 * if the planner would go on.
 */
static char *
mount_refusal (struct wv_source *src, const struct wv_partition *part,
               const char *name, bool windows)
{
  struct wv_overlay *ov = wv_overlay_new (src);
  struct wv_ntfs_claims c;
  struct wv_ntfs *v;

  if (ov == NULL)
    return NULL;
  wv_error_capture_begin ();
  v = wv_ntfs_mount (ov, part->offset, part->length, name, true);
  if (v && windows && wv_ntfs_require_consistent (v, &c) == 0)
    wv_ntfs_claims_free (&c);
  if (v)
    wv_ntfs_umount (v);
  wv_overlay_free (ov);
  return wv_error_capture_end ();
}

/* Step 1 for one partition. */
static int
inspect_volume (struct wv_source *src, struct wv_overlay *ov,
                struct wv_inspect_volume *vol)
{
  const struct wv_partition *part = vol->part;
  enum wv_plan_managed managed;
  const char *what;
  char name[64];
  struct wv_ntfs *v;
  bool bitlocker;
  size_t i;
  int r;

  managed = wv_plan_managed_kind (part, &what);
  if (managed != WV_PLAN_NOT_MANAGED) {
    vol->kind = what;
    if (asprintf (&vol->refusal, "%s: %s", vol->kind,
                  managed == WV_PLAN_MANAGED_LDM ?
                  "a dynamic disk, which winvirtio does not change" :
                  "a pool winvirtio cannot read") == -1)
      vol->refusal = NULL;
    return 0;
  }
  wv_error_capture_begin ();
  r = wv_ntfs_probe (src, part->offset, &bitlocker);
  free (wv_error_capture_end ());
  if (bitlocker) {
    vol->kind = "BitLocker";
    vol->refusal = strdup ("BitLocker-encrypted (-FVE-FS-): winvirtio "
                           "cannot change an encrypted volume");
    return 0;
  }
  if (r <= 0) {
    vol->kind = part->esp ? "EFI system partition" : "not NTFS";
    return 0;
  }
  vol->kind = "NTFS";
  vol->ntfs = true;
  snprintf (name, sizeof name, "partition %u", part->number);
  wv_error_capture_begin ();
  v = wv_ntfs_mount (ov, part->offset, part->length, name, false);
  if (v == NULL) {
    vol->refusal = wv_error_capture_end ();
    return 0;
  }
  free (wv_error_capture_end ());
  snprintf (vol->label, sizeof vol->label, "%s", wv_ntfs_volume_name (v));
  for (i = 0; i < wv_plan_nr_system_roots; ++i) {
    char path[64];

    snprintf (path, sizeof path, "%s\\System32\\config\\SYSTEM",
              wv_plan_system_roots[i]);
    if (wv_ntfs_exists (v, path) == 1) {
      vol->windows = true;
      vol->sysroot = wv_plan_system_roots[i];
      break;
    }
  }
  wv_ntfs_umount (v);
  vol->refusal = mount_refusal (src, part, name, vol->windows);
  return 0;
}

/* A warning, printf-style.  Returns 0 or -1. */
static int wv_inspect_warn (struct wv_inspect *r, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));

static int
wv_inspect_warn (struct wv_inspect *r, const char *fs, ...)
{
  va_list args;
  int ret;

  va_start (args, fs);
  ret = wv_strings_vappend (&r->warnings, &r->nr_warnings,
                            &r->cap_warnings, fs, args);
  va_end (args);
  return ret;
}

/* Warnings from the SOFTWARE and SYSTEM hives, as virt-v2v gives
 * them (Group Policy) and more.
 */
static int
warnings (hive_h *system, hive_h *software, struct wv_inspect *r)
{
  hive_node_h root = hivex_root (software), n;
  char path[128];

  n = wv_hive_lookup (software, root, "Policies\\Microsoft\\Windows\\"
                      "DeviceInstall\\Restrictions");
  if (n) {
    CLEANUP_FREE hive_value_h *values = hivex_node_values (software, n);

    if (values && values[0] &&
        wv_inspect_warn (r, "Group Policy restricts device installation "
                         "(SOFTWARE\\Policies\\Microsoft\\Windows\\"
                         "DeviceInstall\\Restrictions): it can keep "
                         "Windows from using the VirtIO disk (0x7B at "
                         "boot); lift the restriction before the "
                         "migration") == -1)
      return -1;
  }
  n = wv_hive_lookup (software, root,
                      "Microsoft\\Windows\\CurrentVersion\\Group Policy\\"
                      "History");
  if (n) {
    CLEANUP_FREE hive_node_h *children = hivex_node_children (software, n);

    if (children && children[0] &&
        wv_inspect_warn (r, "this guest has Group Policy Objects (Group "
                         "Policy\\History): in some cases Group Policy "
                         "keeps new drivers from working (0x7B at boot); "
                         "if so, disable it before the migration") == -1)
      return -1;
  }
  snprintf (path, sizeof path, "%s\\Services\\VMTools",
            r->win.control_set_name);
  if ((wv_hive_lookup (system, hivex_root (system), path) ||
       wv_hive_lookup (software, root, "VMware, Inc.\\VMware Tools")) &&
      wv_inspect_warn (r, "VMware Tools are installed: they do no harm "
                       "on KVM but are useless there; uninstall them "
                       "after the migration (--vmware-tools=disable "
                       "disables their services in the copy)") == -1)
    return -1;
  return 0;
}

/* Before Windows 8: DevicePath, from software (the hive soft as it
 * is) or, if it is dirty and its logs replay, from the recovered hive,
 * as the planner would see it.  Unreadable: nothing is said.
 */
static void
inspect_devicepath (struct wv_ntfs *v, const char *softpath,
                    const uint8_t *soft, size_t softlen, hive_h *software,
                    struct wv_inspect *r)
{
  struct wv_hive_logs logs = { 0 };
  struct wv_hivelog_result rec = { 0 };
  struct wv_hive recovered = { 0 };
  hive_h *h = software;

  wv_error_capture_begin ();
  if (wv_hive_is_dirty (soft, softlen) &&
      wv_hive_read_logs (v, softpath, WV_PLAN_MAX_HIVE, &logs) == 0 &&
      wv_hive_prepare (soft, softlen, logs.log1, logs.log1len,
                       logs.log2, logs.log2len, logs.single,
                       "SOFTWARE", "SOFTWARE hive", WV_PLAN_MAX_HIVE,
                       &rec) == 0 &&
      rec.data &&
      wv_hive_open (&recovered, rec.data, rec.len, 0, "SOFTWARE hive") == 0)
    h = recovered.h;
  if (wv_devicepath_state (h, &r->devicepath_state, &r->devicepath) == 0)
    r->have_devicepath = true;
  free (wv_error_capture_end ());
  wv_hive_close (&recovered);
  wv_hive_logs_free (&logs);
  free (rec.data);
}

/* The system root and the hives as the volume spells them (the
 * planner's names are looked up ignoring case).  One that cannot be
 * read is left NULL: nothing else depends on them.
 */
static void
real_paths (struct wv_ntfs *v, const char *sysroot, const char *syspath,
            const char *softpath, struct wv_inspect *r)
{
  wv_error_capture_begin ();
  if (wv_ntfs_real_path (v, sysroot, &r->systemroot) == -1)
    r->systemroot = NULL;
  if (wv_ntfs_real_path (v, syspath, &r->system_hive) == -1)
    r->system_hive = NULL;
  if (wv_ntfs_real_path (v, softpath, &r->software_hive) == -1)
    r->software_hive = NULL;
  free (wv_error_capture_end ());
}

/* Step 2: Windows, its services and warnings, on the volume found. */
static int
inspect_windows (struct wv_source *src, struct wv_overlay *ov,
                 struct wv_inspect *r)
{
  const struct wv_inspect_volume *vol = &r->volumes[r->windows_volume];
  CLEANUP_FREE uint8_t *sys = NULL, *soft = NULL;
  struct wv_hive_logs logs = { 0 };
  struct wv_hivelog_result rec = { 0 };
  struct wv_hive system = { 0 }, software = { 0 };
  char name[64], hive[64], softpath[64], sys32[48];
  size_t syslen, softlen;
  bool refused;
  struct wv_ntfs *v;
  int ret = 0;

  snprintf (name, sizeof name, "partition %u", vol->part->number);
  snprintf (hive, sizeof hive, "%s\\System32\\config\\SYSTEM", vol->sysroot);
  snprintf (softpath, sizeof softpath, "%s\\System32\\config\\SOFTWARE",
            vol->sysroot);
  snprintf (sys32, sizeof sys32, "%s\\System32", vol->sysroot);
  wv_error_capture_begin ();
  v = wv_ntfs_mount (ov, vol->part->offset, vol->part->length, name, false);
  if (v == NULL ||
      wv_ntfs_read_file (v, hive, WV_PLAN_MAX_HIVE, &sys, &syslen) == -1 ||
      wv_ntfs_read_file (v, softpath, WV_PLAN_MAX_HIVE,
                         &soft, &softlen) == -1 ||
      wv_hive_read_logs (v, hive, WV_PLAN_MAX_HIVE, &logs) == -1) {
    r->windows_error = wv_error_capture_end ();
    goto out;
  }
  free (wv_error_capture_end ());

  /* The same recovery the planner does: a dirty hive whose logs
   * replay is inspected as recovered; one whose logs do not is the
   * planner's refusal.
   */
  wv_error_capture_begin ();
  refused = wv_hive_prepare (sys, syslen, logs.log1, logs.log1len,
                             logs.log2, logs.log2len, logs.single,
                             "SYSTEM", "SYSTEM hive", WV_PLAN_MAX_HIVE,
                             &rec) == -1;
  r->hive_refusal = wv_error_capture_end ();
  if (!refused) {
    free (r->hive_refusal);
    r->hive_refusal = NULL;
  }
  r->hive_replayed = rec.data ? rec.applied : 0;

  wv_error_capture_begin ();
  if (wv_hive_open (&system, rec.data ? rec.data : sys,
                    rec.data ? rec.len : syslen, 0, "SYSTEM hive") == -1 ||
      wv_hive_open (&software, soft, softlen, 0, "SOFTWARE hive") == -1 ||
      wv_windows_identify (system.h, software.h, &r->win) == -1 ||
      wv_plan_arch_from_cmd (v, sys32, &r->win) == -1) {
    r->windows_error = wv_error_capture_end ();
    goto out;
  }
  free (wv_error_capture_end ());
  r->have_windows = true;
  real_paths (v, vol->sysroot, hive, softpath, r);
  if (!r->win.has_driver_database)
    inspect_devicepath (v, softpath, soft, softlen, software.h, r);
  if (wv_inspect_services (system.h, &r->win, v, vol->sysroot, r) == -1 ||
      wv_inspect_firstboot (system.h, &r->win, v, vol->sysroot, r) == -1 ||
      warnings (system.h, software.h, r) == -1)
    ret = -1;

 out:
  wv_hive_close (&system);
  wv_hive_close (&software);
  wv_hive_logs_free (&logs);
  if (v)
    wv_ntfs_umount (v);
  free (rec.data);
  return ret;
}

/* Check the files of dp as the planner does; note its .sys (named
 * sys) and the first catalog and its signer in pkg.
 */
static int
check_package (const struct wv_drvsrc_pkg *dp, const char *sys,
               const struct wv_windows *w, struct wv_inspect_package *pkg)
{
  size_t i;

  for (i = 0; i < dp->nr_files; ++i) {
    const struct wv_drvsrc_pkg_file *f = &dp->files[i];
    struct wv_catalog_signer s = { 0 };
    CLEANUP_FREE char *path = NULL;

    if (asprintf (&path, "%s/%s", dp->where, f->name) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    if (wv_drvfile_check (path, f->name, f->data, f->len, w, &s) == -1)
      return -1;
    if (s.subject && pkg->catalog == NULL) {
      pkg->signer = s;
      pkg->catalog = path;
      path = NULL;
    }
    else
      wv_catalog_signer_free (&s);
    if (strcasecmp (f->name, sys) == 0) {
      pkg->size = f->len;
      free (pkg->path);
      pkg->path = path;
      path = NULL;
    }
  }
  return 0;
}

/* Where the driver source has drv for this Windows: the .sys file's
 * path and size and the catalog's signer, or why not (not found, or
 * a file that the planner would refuse).
 */
static void
lookup_package (struct wv_drvsrc *src, const struct wv_windows *w,
                struct wv_inspect_package *pkg)
{
  struct wv_drvsrc_pkg *dp = NULL;
  CLEANUP_FREE char *sys = NULL;

  wv_error_capture_begin ();
  if (asprintf (&sys, "%s.sys", pkg->driver) == -1)
    wv_error ("asprintf: %m");
  else if (wv_drvsrc_package (src, pkg->driver, w, &dp) == 0 &&
           check_package (dp, sys, w, pkg) == 0 && pkg->path == NULL)
    wv_error ("%s: %s not found", dp->where, sys);
  pkg->error = wv_error_capture_end ();
  if (pkg->error) {
    free (pkg->path);
    pkg->path = NULL;
  }
  wv_drvsrc_pkg_free (dp);
}

/* Step 3. */
static int
inspect_drivers (const struct wv_plan_options *opts, struct wv_inspect *r)
{
  struct wv_drvsrc *src;
  size_t i;
  int ret = -1;

  wv_error_capture_begin ();
  src = wv_drvsrc_open (opts->drivers);
  r->drivers_error = wv_error_capture_end ();
  if (src == NULL)
    return 0;
  r->drivers = strdup (wv_drvsrc_name (src));
  r->drivers_layout = strdup (wv_drvsrc_layout (src));
  if (r->drivers == NULL || r->drivers_layout == NULL) {
    wv_error ("strdup: %m");
    goto out;
  }
  if (r->have_windows) {
    r->packages = calloc (wv_pkg_nr_boot_drivers, sizeof *r->packages);
    if (r->packages == NULL) {
      wv_error ("calloc: %m");
      goto out;
    }
    r->nr_packages = wv_pkg_nr_boot_drivers;
    for (i = 0; i < wv_pkg_nr_boot_drivers; ++i) {
      r->packages[i].driver = wv_pkg_boot_drivers[i];
      lookup_package (src, &r->win, &r->packages[i]);
    }
  }
  ret = 0;

 out:
  wv_drvsrc_close (src);
  return ret;
}

/* Step 4: the planner itself. */
static void
verdict (struct wv_source *src, const struct wv_plan_options *opts,
         struct wv_inspect *r)
{
  struct wv_map *map;

  wv_error_capture_begin ();
  map = wv_plan (src, opts);
  r->refusal = wv_error_capture_end ();
  if (map == NULL) {
    if (r->refusal == NULL)
      r->refusal = strdup ("the planner failed without saying why");
    return;
  }
  free (r->refusal);
  r->refusal = NULL;
  r->would_patch = true;
  r->map_bytes = wv_map_bytes (map);
  r->map_extents = map->nr_extents;
  r->summary = map->summary;
  map->summary = NULL;
  wv_map_free (map);
}

int
wv_inspect (struct wv_source *src, const struct wv_plan_options *opts,
            struct wv_inspect *r)
{
  struct wv_overlay *ov = NULL;
  unsigned found = 0;
  bool subject = true;
  size_t i;
  int ret = -1;

  memset (r, 0, sizeof *r);
  r->windows_volume = -1;
  /* The refusals shown under the partitions and Windows name the disk,
   * as the planner's do; the driver source's do not (inspect_drivers
   * is about the host, not the disk).
   */
  wv_log_subject_begin (src->name);
  wv_error_capture_begin ();
  if (wv_ptable_read (src, opts->sector_size, &r->pt) == -1) {
    r->pt_error = wv_error_capture_end ();
    goto verdict;
  }
  free (wv_error_capture_end ());
  r->have_pt = true;
  r->volumes = calloc (r->pt.nr_partitions + 1, sizeof *r->volumes);
  ov = wv_overlay_new (src);
  if (r->volumes == NULL || ov == NULL) {
    if (r->volumes == NULL)
      wv_error ("calloc: %m");
    goto out;
  }
  r->nr_volumes = r->pt.nr_partitions;
  for (i = 0; i < r->nr_volumes; ++i) {
    struct wv_inspect_volume *vol = &r->volumes[i];

    vol->part = &r->pt.partitions[i];
    if (opts->partition && vol->part->number != opts->partition) {
      vol->skipped = true;
      vol->kind = "not inspected (--partition)";
      continue;
    }
    if (inspect_volume (src, ov, vol) == -1)
      goto out;
    if (vol->windows && found++ == 0)
      r->windows_volume = i;
  }
  if (found > 1)
    r->windows_volume = -1;
  r->keep_san_policy = opts->keep_san_policy;
  r->keep_autoreboot = opts->keep_autoreboot;
  if (r->windows_volume >= 0 && inspect_windows (src, ov, r) == -1)
    goto out;
  wv_log_subject_end ();
  subject = false;
  if (inspect_drivers (opts, r) == -1)
    goto out;

 verdict:
  if (subject)
    wv_log_subject_end ();
  subject = false;
  verdict (src, opts, r);
  ret = 0;

 out:
  if (subject)
    wv_log_subject_end ();
  wv_overlay_free (ov);
  return ret;
}

void
wv_inspect_free (struct wv_inspect *r)
{
  size_t i;

  for (i = 0; i < r->nr_volumes; ++i)
    free (r->volumes[i].refusal);
  free (r->volumes);
  for (i = 0; i < r->nr_services; ++i) {
    free (r->services[i].bindings);
    free (r->services[i].not_ready);
  }
  free (r->services);
  for (i = 0; i < r->nr_warnings; ++i)
    free (r->warnings[i]);
  free (r->warnings);
  for (i = 0; i < r->nr_packages; ++i) {
    free (r->packages[i].path);
    free (r->packages[i].error);
    free (r->packages[i].catalog);
    wv_catalog_signer_free (&r->packages[i].signer);
  }
  free (r->packages);
  free (r->drivers);
  free (r->drivers_layout);
  free (r->drivers_error);
  free (r->pt_error);
  free (r->windows_error);
  free (r->hive_refusal);
  free (r->systemroot);
  free (r->software_hive);
  free (r->system_hive);
  free (r->devicepath);
  free (r->summary);
  free (r->refusal);
  if (r->have_pt)
    wv_ptable_free (&r->pt);
  memset (r, 0, sizeof *r);
}
