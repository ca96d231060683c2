/* winvirtio: the planner, from a source disk to a block map: wv_plan,
 * which runs the steps in order.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The steps, and the file of lib/plan/ that carries each out (they
 * share the planner's state, struct planner, through planner.h):
 *  1. find.c: read the partition table; refuse a dynamic disk (LDM);
 *     find the one NTFS volume that holds
 *     \Windows\System32\config\SYSTEM, or say why there is none
 *     (BitLocker, Storage Spaces, ...).
 *  2. plan.c: mount it with libntfs-3g on the copy-on-write overlay;
 *     check that it is clean, and that its $Bitmap agrees with its MFT
 *     (ntfs/check.c) before anything is allocated there.
 *  3. hives.c: read the SYSTEM and SOFTWARE hives; identify Windows;
 *     check the SYSTEM hive is clean; edit it with hivex; write back
 *     the pages that changed.  Before Windows 8, the same for the
 *     SOFTWARE hive's DevicePath (devicepath.c).
 *  4. packages.c: install the driver packages: the files of each in
 *     DriverStore\FileRepository, INF\oem<N>.inf (Windows 8 and
 *     later), the boot drivers in System32\drivers, and the whole set
 *     in Windows\Drivers\VirtIO.
 *  5. times-labels.c: label the NTFS structures involved; then plan.c
 *     unmounts (libntfs-3g writes its last changes to the overlay).
 *     For XP and 2003, fix the boot sector's heads field (ntfsheads.c).
 *     Then every EFI system partition's fallback loader and BCD
 *     (lib/esp/, through mtools, into the same overlay).
 *  6. times-labels.c: the overlay's differences from the source, split
 *     at label edges, are the block map.
 *  7. plan.c, trim.c: free-space trim (unless turned off): the free
 *     clusters of every clean NTFS volume on the disk become the map's
 *     zero ranges.  Every read of the source is recorded; the map's
 *     fingerprint is the SHA-256 of those bytes.
 * Any failure anywhere returns no map at all.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>

#include "common/log.h"
#include "convert/ntfsheads.h"
#include "disk/overlay.h"
#include "esp/esp.h"
#include "ntfs/check.h"
#include "ntfs/ntfs.h"
#include "plan/find.h"
#include "plan/plan.h"
#include "plan/planner.h"
#include "plan/trim.h"

/* Derive the paths we use from the system root found. */
static void
set_paths (struct planner *p)
{
  snprintf (p->system32, sizeof p->system32, "%s\\System32", p->sysroot);
  snprintf (p->config, sizeof p->config, "%s\\config", p->system32);
  snprintf (p->hive, sizeof p->hive, "%s\\SYSTEM", p->config);
  snprintf (p->software, sizeof p->software, "%s\\SOFTWARE", p->config);
  snprintf (p->drivers, sizeof p->drivers, "%s\\drivers", p->system32);
}

/* Step 5b: the fallback loader and the BCD of every EFI system
 * partition (esp/esp.c), in the same overlay.
 */
static int
fix_esps (struct planner *p)
{
  size_t i;

  for (i = 0; i < p->pt.nr_partitions; ++i)
    if (p->pt.partitions[i].esp &&
        wv_esp_fix (p->ov, &p->pt.partitions[i], p->win.arch, p->src->name,
                    &p->labels, p->log) == -1)
      return -1;
  return 0;
}

/* Step 7: trim the free space of every NTFS volume.  patch_volume
 * noted the Windows volume; check and note the others.
 */
static int
trim_free_space (struct planner *p)
{
  size_t i;

  if (p->opts->no_trim) {
    fprintf (p->log, "trim: off (free space is copied as it is)\n");
    return 0;
  }
  for (i = 0; i < p->pt.nr_partitions; ++i) {
    const struct wv_partition *part = &p->pt.partitions[i];
    const char *what;
    char name[64];
    struct wv_ntfs *v;
    bool bitlocker;
    int r;

    if (wv_trim_seen (&p->trim, part->number) ||
        wv_plan_managed_kind (part, &what) != WV_PLAN_NOT_MANAGED)
      continue;
    r = wv_ntfs_probe (p->src, part->offset, &bitlocker);
    if (r == -1)
      return -1;
    if (r == 0)
      continue;
    snprintf (name, sizeof name, "partition %u", part->number);
    v = wv_ntfs_mount (p->ov, part->offset, part->length, name, false);
    if (v == NULL)
      return -1;
    r = wv_trim_note (&p->trim, v, part->number, part->offset, part->length,
                      NULL, p->log);
    if (wv_ntfs_umount (v) == -1 || r == -1)
      return -1;
  }
  return wv_trim_apply (&p->trim, p->src, p->map, p->log);
}

/* Step 2: before libntfs-3g allocates anything on the Windows volume
 * (or trim trusts its free space), check that its $Bitmap calls free
 * only what no file uses; refuse the volume if not.
 */
static int
check_claims (struct planner *p)
{
  struct wv_ntfs_claims c;
  int r = 0;

  if (wv_ntfs_require_consistent (p->v, &c) == -1)
    return -1;
  if (!p->opts->no_trim)
    r = wv_trim_note (&p->trim, p->v, p->part->number, p->part->offset,
                      p->part->length, &c, p->log);
  wv_ntfs_claims_free (&c);
  return r;
}

/* Steps 2-5 on the chosen volume. */
static int
patch_volume (struct planner *p)
{
  char name[64];
  int r;

  snprintf (name, sizeof name, "partition %u", p->part->number);
  p->v = wv_ntfs_mount (p->ov, p->part->offset, p->part->length, name, true);
  if (p->v == NULL)
    return -1;
  r = check_claims (p);
  if (r == 0)
    r = plan_get_when (p);
  if (r == 0)
    r = plan_patch_registry (p);
  if (r == 0)
    r = plan_write_packages (p);
  if (r == 0)
    r = plan_set_times (p);
  if (r == 0)
    r = plan_label (p);
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
  uint64_t errors0 = src->read_errors;
  char *why = NULL;
  int r = -1;

  /* One refusal, one line (see out): what fails is kept, not shown. */
  wv_log_subject_begin (src->name);
  wv_error_capture_begin ();
  p.log = open_memstream (&p.summary, &p.summary_len);
  p.map = wv_map_new (src->size);
  p.ov = wv_overlay_new (src);
  if (p.log == NULL || p.map == NULL || p.ov == NULL) {
    if (p.log == NULL)
      wv_error ("open_memstream: %m");
    goto out;
  }
  src->record = &p.map->read_set;

  if (plan_find_windows (&p) == -1)
    goto out;
  set_paths (&p);
  if (patch_volume (&p) == -1 ||
      wv_ntfs_fix_heads (p.ov, p.part, src->size, p.win.major, p.log) == -1 ||
      fix_esps (&p) == -1 ||
      wv_overlay_diff (p.ov, plan_add_run, &p) == -1 ||
      trim_free_space (&p) == -1)
    goto out;
  /* libntfs-3g can take a failed read for a missing record and go
   * on: a plan made without those bytes is not used (see out).
   */
  if (src->read_errors != errors0)
    goto out;

  src->record = NULL;
  fprintf (p.log, "block map: %zu extents, %" PRIu64 " bytes\n",
           p.map->nr_extents, wv_map_bytes (p.map));
  if (!opts->no_trim)
    fprintf (p.log, "free space served as zeroes: %" PRIu64 " bytes in %zu "
             "ranges\n", wv_rangeset_bytes (&p.map->zeros),
             p.map->zeros.len);
  fprintf (p.log, "planner read: %" PRIu64 " bytes in %" PRIu64
           " requests\n", src->bytes_read - bytes0, src->requests - reqs0);
  if (wv_map_fingerprint (src, &p.map->read_set, p.map->fingerprint) == -1)
    goto out;
  r = 0;

 out:
  src->record = NULL;
  why = wv_error_capture_end ();
  /* A failed read explains everything that failed after it (it is the
   * first thing said, and libntfs-3g's errors follow from it).
   */
  if (src->read_errors != errors0)
    wv_error ("%s; %" PRIu64 " read(s) of the source failed while "
              "planning, and winvirtio does not use a plan made without "
              "those bytes: check the source, then try again",
              src->first_error ? src->first_error : src->name,
              src->read_errors - errors0);
  else if (r == -1)
    wv_error ("%s", why ? why : "planning failed");
  if (p.log)
    fclose (p.log);
  if (r == 0 && src->read_errors == errors0) {
    p.map->summary = p.summary;
    p.summary = NULL;
    map = p.map;
    p.map = NULL;
  }
  free (p.summary);
  wv_map_free (p.map);
  wv_overlay_free (p.ov);
  wv_labels_free (&p.labels);
  wv_trim_free (&p.trim);
  wv_ptable_free (&p.pt);
  plan_free_packages (&p);
  free (why);
  wv_log_subject_end ();
  return map;
}
