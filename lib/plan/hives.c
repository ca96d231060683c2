/* winvirtio: the planner's step 3, the SYSTEM and SOFTWARE hives.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Read the SYSTEM and SOFTWARE hives; identify Windows; recover a
 * dirty SYSTEM hive from its logs (or refuse it); register the driver
 * packages (packages.c) with hivex; make the SATA fallback boot start
 * (fallback.c), bring disks online and keep stop errors on the screen
 * (firstboot.c), register the balloon service (blnsvr.c), on request
 * disable VMware Tools' services (vmtools.c); write back the pages
 * that changed.  Before Windows 8, the same for the SOFTWARE hive's
 * DevicePath (devicepath.c).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "convert/blnsvr.h"
#include "convert/devicepath.h"
#include "convert/fallback.h"
#include "convert/firstboot.h"
#include "convert/vmtools.h"
#include "ntfs/ntfs.h"
#include "plan/arch.h"
#include "plan/planner.h"
#include "registry/hive.h"
#include "registry/windows.h"

/* Commit hivex's changes to hive and write the pages that differ from
 * old (the hive file at path as it was read) back into NTFS.
 */
static int
write_hive (struct planner *p, const char *path, struct wv_hive *hive,
            const uint8_t *old, size_t oldlen)
{
  CLEANUP_FREE uint8_t *data = NULL;
  size_t len;

  if (wv_hive_commit (hive, &data, &len) == -1 ||
      wv_ntfs_update_file (p->v, path, old, oldlen, data, len) == -1)
    return -1;
  fprintf (p->log, "hive: \\%s (%zu -> %zu bytes)\n", path, oldlen, len);
  return 0;
}

/* Say that a dirty hive was recovered from its logs. */
static void
log_replay (struct planner *p, const char *hive,
            const struct wv_hive_logs *logs,
            const struct wv_hivelog_result *rec)
{
  if (rec->data)
    fprintf (p->log, "hive: \\%s was dirty: replayed %u %s from %s%s%s\n",
             hive, rec->applied,
             rec->new_format ? "log entries" : "dirty pages",
             logs->single ? "LOG" : rec->logs_used & 1 ? "LOG1" : "",
             rec->logs_used == 3 ? " and " : "",
             rec->logs_used & 2 ? "LOG2" : "");
}

/* Step 3, before Windows 8: the VirtIO folder in the SOFTWARE hive's
 * DevicePath, so that Windows finds the drivers other than the boot
 * drivers (which only get copied to Drivers\VirtIO) at first boot.
 * The SOFTWARE hive is read whole already (soft); a dirty one is
 * recovered from its logs as the SYSTEM hive is, and they are read
 * only then.
 *
 * From Windows 8 on, the SOFTWARE hive is left alone, not even
 * recovered: every package is staged in the DriverStore and listed in
 * the SYSTEM hive's DriverDatabase, where Plug and Play looks first,
 * so DevicePath adds nothing (and Windows replays a dirty hive's logs
 * itself at boot).
 */
static int
patch_software (struct planner *p, const uint8_t *soft, size_t softlen)
{
  struct wv_hive_logs logs = { 0 };
  struct wv_hivelog_result rec = { 0 };
  struct wv_hive software = { 0 };
  enum wv_devicepath_state state;
  bool changed;
  uint64_t t;
  int r = -1;

  if (p->win.has_driver_database)
    return 0;
  if (wv_hive_is_dirty (soft, softlen) &&
      wv_hive_read_logs (p->v, p->software, WV_PLAN_MAX_HIVE, &logs) == -1)
    return -1;
  if (wv_hive_prepare (soft, softlen, logs.log1, logs.log1len,
                       logs.log2, logs.log2len, logs.single, "SOFTWARE",
                       "SOFTWARE hive", WV_PLAN_MAX_HIVE, &rec) == -1 ||
      wv_hive_open (&software, rec.data ? rec.data : soft,
                    rec.data ? rec.len : softlen, 1, "SOFTWARE hive") == -1)
    goto out;
  if (wv_devicepath_add (software.h, p->log, &state) == -1)
    goto out;
  changed = state == WV_DEVICEPATH_WITHOUT;
  log_replay (p, p->software, &logs, &rec);
  if (changed || rec.data) {
    if (wv_ntfs_get_mtime (p->v, p->software, &t) == -1 ||
        write_hive (p, p->software, &software, soft, softlen) == -1)
      goto out;
    p->software_changed = true;
    p->software_when = t > p->when ? t : p->when;
  }
  else if (state == WV_DEVICEPATH_WITH)
    fprintf (p->log, "hive: \\%s: DevicePath already lists %s\n",
             p->software, WV_DEVICEPATH_VIRTIO);
  else
    fprintf (p->log, "hive: \\%s unchanged\n", p->software);
  r = 0;

 out:
  wv_hive_close (&software);
  wv_hive_logs_free (&logs);
  free (rec.data);
  return r;
}

/* Step 3: identify Windows and edit the SYSTEM hive. */
int
plan_patch_registry (struct planner *p)
{
  CLEANUP_FREE uint8_t *sys = NULL, *soft = NULL;
  struct wv_hive_logs logs = { 0 };
  struct wv_hivelog_result rec = { 0 };
  size_t syslen, softlen;
  struct wv_hive system = { 0 }, software = { 0 };
  char desc[256];
  bool changed = false;
  int r = -1;

  if (wv_ntfs_read_file (p->v, p->hive, WV_PLAN_MAX_HIVE,
                         &sys, &syslen) == -1 ||
      wv_ntfs_read_file (p->v, p->software, WV_PLAN_MAX_HIVE,
                         &soft, &softlen) == -1 ||
      wv_hive_read_logs (p->v, p->hive, WV_PLAN_MAX_HIVE, &logs) == -1 ||
      wv_hive_prepare (sys, syslen, logs.log1, logs.log1len,
                       logs.log2, logs.log2len, logs.single,
                       "SYSTEM", "SYSTEM hive", WV_PLAN_MAX_HIVE,
                       &rec) == -1 ||
      wv_hive_open (&system, rec.data ? rec.data : sys,
                    rec.data ? rec.len : syslen, 1, "SYSTEM hive") == -1 ||
      wv_hive_open (&software, soft, softlen, 0, "SOFTWARE hive") == -1 ||
      wv_windows_identify (system.h, software.h, &p->win) == -1 ||
      wv_plan_arch_from_cmd (p->v, p->system32, &p->win) == -1)
    goto out;

  wv_windows_describe (&p->win, desc, sizeof desc);
  fprintf (p->log, "windows: %s\n", desc);
  fprintf (p->log, "architecture: %s (from %s)\n", p->win.arch,
           p->win.arch_source);
  fprintf (p->log, "control set: %s (Select\\Current)\n",
           p->win.control_set_name);
  fprintf (p->log, "driver binding: %s\n", wv_windows_binding (&p->win));
  fprintf (p->log, "clock: RTC in %s (%s)\n",
           p->win.rtc_utc ? "UTC" : "local time", p->win.rtc_source);

  if (plan_load_packages (p) == -1 ||
      plan_register_packages (p, system.h, &changed) == -1 ||
      wv_fallback_make_sata_ready (system.h, &p->win, p->v, p->sysroot,
                                   p->log, &changed) == -1 ||
      wv_san_policy_fix (system.h, &p->win, p->opts->keep_san_policy,
                         p->log, &changed) == -1 ||
      wv_autoreboot_fix (system.h, &p->win, p->opts->keep_autoreboot,
                         p->log, &changed) == -1 ||
      wv_blnsvr_register (system.h, &p->win, p->pkgs, p->nr_pkgs, p->log,
                          &changed) == -1 ||
      wv_vmtools_fix (system.h, &p->win, p->opts->disable_vmware_tools,
                      p->log, &changed) == -1)
    goto out;
  log_replay (p, p->hive, &logs, &rec);
  if (changed || rec.data) {
    if (write_hive (p, p->hive, &system, sys, syslen) == -1)
      goto out;
    p->hive_changed = true;
  }
  else
    fprintf (p->log, "hive: \\%s already has every entry\n", p->hive);
  /* (The read-only copy is not needed any more.) */
  wv_hive_close (&software);
  r = patch_software (p, soft, softlen);

 out:
  wv_hive_close (&system);
  wv_hive_close (&software);
  wv_hive_logs_free (&logs);
  free (rec.data);
  return r;
}
