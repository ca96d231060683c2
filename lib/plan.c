/* winvirtio: the planner, from a source disk to a block map.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The steps:
 *  1. Read the partition table; find the one NTFS volume that holds
 *     \Windows\System32\config\SYSTEM.
 *  2. Mount it with libntfs-3g on the copy-on-write overlay; check
 *     that it is clean.
 *  3. Read the SYSTEM and SOFTWARE hives; identify Windows; check the
 *     SYSTEM hive is clean; edit it with hivex; write back the pages
 *     that changed.
 *  4. Copy viostor.sys and vioscsi.sys into System32\drivers.
 *  5. Label the NTFS structures involved, unmount (libntfs-3g writes
 *     its last changes to the overlay).
 *  6. The overlay's differences from the source, split at label edges,
 *     are the block map.  Every read of the source is recorded; the
 *     map's fingerprint is the SHA-256 of those bytes.
 * Any failure anywhere returns no map at all.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "cleanup.h"
#include "drivers.h"
#include "hive.h"
#include "log.h"
#include "ntfsvol.h"
#include "overlay.h"
#include "partition.h"
#include "plan.h"
#include "registry.h"
#include "windows.h"

/* Hives larger than this are refused (real SYSTEM hives are 10-100
 * MiB).
 */
#define MAX_HIVE (512 * 1024 * 1024)

/* Where Windows lives in the volume, tried in order. */
static const char *const system_roots[] = { "Windows", "WINNT" };

struct planner {
  struct wv_source *src;
  const struct wv_plan_options *opts;
  struct wv_ptable pt;
  const struct wv_partition *part;
  const char *sysroot;
  struct wv_overlay *ov;
  struct wv_ntfs *v;
  struct wv_labels labels;
  struct wv_windows win;
  struct wv_map *map;

  /* The time given to everything we change (NTFS time), taken from
   * the source so that the same source gives the same map; and what
   * we changed.
   */
  uint64_t when;
  bool hive_changed;
  bool created[8], changed[8];

  /* The summary, built as we go. */
  char *summary;
  size_t summary_len;
  FILE *log;
};

/* Does this partition hold Windows?  Sets *root_r.  1, 0 or -1. */
static int
has_windows (struct planner *p, const struct wv_partition *part,
             const char **root_r, bool *bitlocker_r)
{
  char name[64], path[64];
  struct wv_ntfs *v;
  size_t i;
  int r;

  r = wv_ntfs_probe (p->src, part->offset, bitlocker_r);
  if (r <= 0)
    return r;
  snprintf (name, sizeof name, "partition %u", part->number);
  v = wv_ntfs_mount (p->ov, part->offset, part->length, name, false);
  if (v == NULL)
    return -1;
  r = 0;
  for (i = 0; i < sizeof system_roots / sizeof system_roots[0]; ++i) {
    snprintf (path, sizeof path, "%s\\System32\\config\\SYSTEM",
              system_roots[i]);
    r = wv_ntfs_exists (v, path);
    if (r != 0) {
      *root_r = system_roots[i];
      break;
    }
  }
  if (wv_ntfs_umount (v) == -1)
    return -1;
  return r;
}

/* Step 1: pick the Windows volume. */
static int
find_windows (struct planner *p)
{
  const char *root = NULL;
  unsigned found = 0, bitlocker = 0;
  size_t i;

  if (wv_ptable_read (p->src, p->opts->sector_size, &p->pt) == -1)
    return -1;
  for (i = 0; i < p->pt.nr_partitions; ++i) {
    const struct wv_partition *part = &p->pt.partitions[i];
    bool bl = false;
    int r;

    if (p->opts->partition && part->number != p->opts->partition)
      continue;
    r = has_windows (p, part, &root, &bl);
    if (r == -1)
      return -1;
    if (bl)
      bitlocker++;
    if (r == 1) {
      if (found++ == 0) {
        p->part = part;
        p->sysroot = root;
      }
      else {
        wv_error ("%s: Windows found on more than one partition (%u and "
                  "%u): choose one with the partition option",
                  p->src->name, p->part->number, part->number);
        return -1;
      }
    }
  }
  if (found == 0) {
    if (bitlocker)
      wv_error ("%s: the disk has a BitLocker-encrypted volume and no "
                "unencrypted Windows volume: winvirtio cannot change an "
                "encrypted volume; decrypt it in Windows (manage-bde "
                "-off C:, and wait until it is fully decrypted) before the "
                "copy",
                p->src->name);
    else if (p->opts->partition)
      wv_error ("%s: partition %u does not hold Windows "
                "(no \\Windows\\System32\\config\\SYSTEM on NTFS)",
                p->src->name, p->opts->partition);
    else
      wv_error ("%s: no Windows found: no NTFS volume on this disk holds "
                "\\Windows\\System32\\config\\SYSTEM (%s partition "
                "table, %zu partitions)", p->src->name,
                wv_ptable_type_name (p->pt.type), p->pt.nr_partitions);
    return -1;
  }
  fprintf (p->log, "partition: %u (%s, offset %" PRIu64 ", %" PRIu64
           " bytes, %" PRIu32 "-byte sectors)\n", p->part->number,
           wv_ptable_type_name (p->pt.type), p->part->offset,
           p->part->length, p->pt.sector_size);
  return 0;
}

/* Step 3: identify Windows and edit the SYSTEM hive. */
static int
patch_registry (struct planner *p)
{
  CLEANUP_FREE uint8_t *sys = NULL, *soft = NULL, *newsys = NULL;
  CLEANUP_FREE char *syspath = NULL, *softpath = NULL;
  size_t syslen, softlen, newlen, i;
  struct wv_hive system = { 0 }, software = { 0 };
  char desc[256];
  bool changed = false;
  int r = -1;

  if (asprintf (&syspath, "%s\\System32\\config\\SYSTEM", p->sysroot) == -1 ||
      asprintf (&softpath, "%s\\System32\\config\\SOFTWARE", p->sysroot) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (wv_ntfs_read_file (p->v, syspath, MAX_HIVE, &sys, &syslen) == -1 ||
      wv_ntfs_read_file (p->v, softpath, MAX_HIVE, &soft, &softlen) == -1 ||
      wv_hive_check (sys, syslen, "SYSTEM hive") == -1 ||
      wv_hive_open (&system, sys, syslen, 1, "SYSTEM hive") == -1 ||
      wv_hive_open (&software, soft, softlen, 0, "SOFTWARE hive") == -1 ||
      wv_windows_identify (system.h, software.h, &p->win) == -1)
    goto out;

  wv_windows_describe (&p->win, desc, sizeof desc);
  fprintf (p->log, "windows: %s\n", desc);
  fprintf (p->log, "control set: %s (Select\\Current)\n",
           p->win.control_set_name);
  fprintf (p->log, "driver binding: %s\n", p->win.has_driver_database ?
           "DriverDatabase (Windows 8 and later)" :
           "CriticalDeviceDatabase (before Windows 8)");

  for (i = 0; i < wv_nr_boot_drivers; ++i)
    if (wv_registry_add_boot_driver (system.h, &p->win, &wv_boot_drivers[i],
                                     p->log, &changed) == -1)
      goto out;
  if (changed) {
    if (wv_hive_commit (&system, &newsys, &newlen) == -1 ||
        wv_ntfs_update_file (p->v, syspath, sys, syslen,
                             newsys, newlen) == -1)
      goto out;
    fprintf (p->log, "hive: \\%s (%zu -> %zu bytes)\n", syspath,
             syslen, newlen);
    p->hive_changed = true;
  }
  else
    fprintf (p->log, "hive: \\%s already has every entry\n", syspath);
  r = 0;

 out:
  wv_hive_close (&system);
  wv_hive_close (&software);
  return r;
}

/* Step 4: copy the drivers. */
static int
copy_drivers (struct planner *p)
{
  CLEANUP_FREE char *dir = NULL;
  size_t i;

  if (asprintf (&dir, "%s\\System32\\drivers", p->sysroot) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  for (i = 0; i < wv_nr_boot_drivers; ++i) {
    const char *drv = wv_boot_drivers[i].name;
    CLEANUP_FREE uint8_t *data = NULL;
    CLEANUP_FREE char *from = NULL, *name = NULL;
    size_t len;
    bool created, changed;

    if (asprintf (&name, "%s.sys", drv) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    if (wv_driver_read (p->opts->drivers, drv, &p->win,
                        &data, &len, &from) == -1 ||
        wv_ntfs_put_file (p->v, dir, name, data, len,
                          &created, &changed) == -1)
      return -1;
    p->created[i] = created;
    p->changed[i] = changed;
    fprintf (p->log, "file: \\%s\\%s %s (%zu bytes, from %s)\n", dir, name,
             created ? "created" : changed ? "replaced" : "already present",
             len, from);
  }
  return 0;
}

/* The time of our changes: the last time Windows wrote the SYSTEM
 * hive or the drivers directory, whichever is later.  Both are on the
 * source, so planning the same source twice gives the same bytes.
 */
static int
get_when (struct planner *p)
{
  char path[128];
  uint64_t t;

  snprintf (path, sizeof path, "%s\\System32\\config\\SYSTEM", p->sysroot);
  if (wv_ntfs_get_mtime (p->v, path, &p->when) == -1)
    return -1;
  snprintf (path, sizeof path, "%s\\System32\\drivers", p->sysroot);
  if (wv_ntfs_get_mtime (p->v, path, &t) == -1)
    return -1;
  if (t > p->when)
    p->when = t;
  return 0;
}

/* Replace the times libntfs-3g stamped (the time of planning) with
 * p->when, on what we changed, and only on that: a second pass over a
 * converted disk must change nothing.
 */
static int
set_times (struct planner *p)
{
  char path[128];
  bool any_created = false;
  size_t i;

  snprintf (path, sizeof path, "%s\\System32\\config\\SYSTEM", p->sysroot);
  if (p->hive_changed &&
      wv_ntfs_set_times (p->v, path, p->when, false) == -1)
    return -1;
  for (i = 0; i < wv_nr_boot_drivers; ++i) {
    snprintf (path, sizeof path, "%s\\System32\\drivers\\%s.sys",
              p->sysroot, wv_boot_drivers[i].name);
    if (p->changed[i] &&
        wv_ntfs_set_times (p->v, path, p->when, p->created[i]) == -1)
      return -1;
    any_created |= p->created[i];
  }
  snprintf (path, sizeof path, "%s\\System32\\drivers", p->sysroot);
  if (any_created &&
      wv_ntfs_set_times (p->v, path, p->when, false) == -1)
    return -1;
  return 0;
}

/* Step 5: label what we touched, for the map's dump. */
static int
label (struct planner *p)
{
  char path[128];
  size_t i;

  if (wv_ntfs_label_system (p->v, p->part->number, &p->labels) == -1)
    return -1;
  snprintf (path, sizeof path, "%s\\System32\\config\\SYSTEM", p->sysroot);
  if (wv_ntfs_label_path (p->v, path, "SYSTEM hive", &p->labels) == -1)
    return -1;
  snprintf (path, sizeof path, "%s\\System32\\config", p->sysroot);
  if (wv_ntfs_label_path (p->v, path, "config directory", &p->labels) == -1)
    return -1;
  snprintf (path, sizeof path, "%s\\System32\\drivers", p->sysroot);
  if (wv_ntfs_label_path (p->v, path, "drivers directory", &p->labels) == -1)
    return -1;
  /* Its entry in System32's index carries its times. */
  snprintf (path, sizeof path, "%s\\System32", p->sysroot);
  if (wv_ntfs_label_path (p->v, path, "System32 directory", &p->labels) == -1)
    return -1;
  for (i = 0; i < wv_nr_boot_drivers; ++i) {
    char what[32];

    snprintf (path, sizeof path, "%s\\System32\\drivers\\%s.sys", p->sysroot,
              wv_boot_drivers[i].name);
    snprintf (what, sizeof what, "%s.sys", wv_boot_drivers[i].name);
    if (wv_ntfs_label_path (p->v, path, what, &p->labels) == -1)
      return -1;
  }
  return 0;
}

/* Step 6: one run of changed bytes, split at label edges. */
static int
add_run (void *opaque, uint64_t offset, uint32_t length, const uint8_t *data)
{
  struct planner *p = opaque;

  while (length > 0) {
    const char *text = wv_labels_find (&p->labels, offset);
    uint64_t edge = wv_labels_next_edge (&p->labels, offset);
    uint32_t n = length;

    if (edge - offset < n)
      n = edge - offset;
    if (wv_map_add_extent (p->map, offset, n, data,
                           text ? text : "outside any NTFS volume") == -1)
      return -1;
    offset += n;
    data += n;
    length -= n;
  }
  return 0;
}

/* Steps 2-5 on the chosen volume. */
static int
patch_volume (struct planner *p)
{
  char name[64];
  int r;

  snprintf (name, sizeof name, "%s: partition %u", p->src->name,
            p->part->number);
  p->v = wv_ntfs_mount (p->ov, p->part->offset, p->part->length, name, true);
  if (p->v == NULL)
    return -1;
  r = get_when (p);
  if (r == 0)
    r = patch_registry (p);
  if (r == 0)
    r = copy_drivers (p);
  if (r == 0)
    r = set_times (p);
  if (r == 0)
    r = label (p);
  if (wv_ntfs_umount (p->v) == -1)
    r = -1;
  p->v = NULL;
  return r;
}

struct wv_map *
wv_plan (struct wv_source *src, const struct wv_plan_options *opts)
{
  struct planner p = { .src = src, .opts = opts };
  struct wv_map *map = NULL;
  uint64_t bytes0 = src->bytes_read, reqs0 = src->requests;
  int r = -1;

  if (opts->drivers == NULL) {
    wv_error ("no virtio-win driver tree given");
    return NULL;
  }
  p.log = open_memstream (&p.summary, &p.summary_len);
  p.map = wv_map_new (src->size);
  p.ov = wv_overlay_new (src);
  if (p.log == NULL || p.map == NULL || p.ov == NULL) {
    if (p.log == NULL)
      wv_error ("open_memstream: %m");
    goto out;
  }
  src->record = &p.map->read_set;

  if (find_windows (&p) == -1 ||
      patch_volume (&p) == -1 ||
      wv_overlay_diff (p.ov, add_run, &p) == -1)
    goto out;

  src->record = NULL;
  fprintf (p.log, "block map: %zu extents, %" PRIu64 " bytes\n",
           p.map->nr_extents, wv_map_bytes (p.map));
  fprintf (p.log, "planner read: %" PRIu64 " bytes in %" PRIu64
           " requests\n", src->bytes_read - bytes0, src->requests - reqs0);
  if (wv_fingerprint (src, &p.map->read_set, p.map->fingerprint) == -1)
    goto out;
  r = 0;

 out:
  src->record = NULL;
  if (p.log)
    fclose (p.log);
  if (r == 0) {
    p.map->summary = p.summary;
    p.summary = NULL;
    map = p.map;
    p.map = NULL;
  }
  free (p.summary);
  wv_map_free (p.map);
  wv_overlay_free (p.ov);
  wv_labels_free (&p.labels);
  wv_ptable_free (&p.pt);
  return map;
}
