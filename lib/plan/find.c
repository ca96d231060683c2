/* winvirtio: the planner's step 1, which volume holds Windows.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Read the partition table; refuse a dynamic disk (LDM); find the one
 * NTFS volume that holds \Windows\System32\config\SYSTEM, or say
 * why there is none (BitLocker, Storage Spaces, a --partition that
 * does not hold it, ...), as precisely as we can.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "disk/partition.h"
#include "ntfs/ntfs.h"
#include "plan/find.h"
#include "plan/planner.h"

/* Where Windows lives in the volume, tried in order. */
const char *const wv_plan_system_roots[] = { "Windows", "WINNT" };
const size_t wv_plan_nr_system_roots =
  sizeof wv_plan_system_roots / sizeof wv_plan_system_roots[0];

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
  for (i = 0; i < wv_plan_nr_system_roots; ++i) {
    snprintf (path, sizeof path, "%s\\System32\\config\\SYSTEM",
              wv_plan_system_roots[i]);
    r = wv_ntfs_exists (v, path);
    if (r != 0) {
      *root_r = wv_plan_system_roots[i];
      break;
    }
  }
  if (wv_ntfs_umount (v) == -1)
    return -1;
  return r;
}

/* How the user picks one partition, in messages (the engine does not
 * know which front end runs it).
 */
#define PARTITION_OPTION \
  "--partition=N (winvirtio map) or winvirtio-partition=N (the filter)"

/* What to do about BitLocker. */
#define DECRYPT \
  "decrypt it in Windows (manage-bde -off C:, and wait until it is " \
  "fully decrypted) before the copy"

#define SPACES_GUID "E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D"

/* The GPT types of partitions that are not volumes (find.h). */
static const struct {
  const char *guid;
  enum wv_plan_managed kind;
  const char *what;
} managed_gpt_types[] = {
  { "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", WV_PLAN_MANAGED_LDM,
    "LDM metadata" },
  { "AF9B60A0-1431-4F62-BC68-3311714A69AD", WV_PLAN_MANAGED_LDM,
    "LDM data" },
  { SPACES_GUID, WV_PLAN_MANAGED_SPACES, "Storage Spaces" },
};

/* Is part an LDM or Storage Spaces partition?  *what_r describes it
 * for messages.  MBR type 0x42 is LDM (Linux block/partitions/ldm.c
 * looks for it too); Storage Spaces only exists on GPT disks.
 */
enum wv_plan_managed
wv_plan_managed_kind (const struct wv_partition *part, const char **what_r)
{
  size_t i;

  if (part->mbr_type == 0x42) {
    *what_r = "LDM (MBR type 0x42)";
    return WV_PLAN_MANAGED_LDM;
  }
  for (i = 0; i < sizeof managed_gpt_types / sizeof managed_gpt_types[0];
       ++i)
    if (strcmp (part->gpt_type, managed_gpt_types[i].guid) == 0) {
      *what_r = managed_gpt_types[i].what;
      return managed_gpt_types[i].kind;
    }
  return WV_PLAN_NOT_MANAGED;
}

/* Partition numbers as "2", "2 and 3", "1, 2 and 5": the partitions
 * of pt for which pick (pt, i, data) is true.  malloc'd, or NULL
 * after wv_error.  *n_r is how many.
 */
static char *
partition_list (const struct wv_ptable *pt,
                bool (*pick) (const struct wv_ptable *, size_t,
                              const void *),
                const void *data, size_t *n_r)
{
  char *buf = NULL;
  size_t len = 0, i, n = 0, done = 0;
  FILE *fp;

  for (i = 0; i < pt->nr_partitions; ++i)
    n += pick (pt, i, data);
  fp = open_memstream (&buf, &len);
  if (fp == NULL) {
    wv_error ("open_memstream: %m");
    return NULL;
  }
  for (i = 0; i < pt->nr_partitions; ++i) {
    if (!pick (pt, i, data))
      continue;
    fprintf (fp, "%s%u", done == 0 ? "" : done == n - 1 ? " and " : ", ",
             pt->partitions[i].number);
    done++;
  }
  fclose (fp);
  if (n_r)
    *n_r = n;
  return buf;
}

/* partition_list pickers. */
static bool
pick_all (const struct wv_ptable *pt, size_t i, const void *data)
{
  return true;
}

static bool
pick_flagged (const struct wv_ptable *pt, size_t i, const void *data)
{
  const bool *flags = data;

  return flags[i];
}

/* data is the "what" text of wv_plan_managed_kind. */
static bool
pick_what (const struct wv_ptable *pt, size_t i, const void *data)
{
  const char *what;

  return wv_plan_managed_kind (&pt->partitions[i], &what) !=
    WV_PLAN_NOT_MANAGED && what == data;
}

/* "partitions 1 and 2 are LDM (MBR type 0x42)", "partition 3 is LDM
 * data and partition 4 is LDM metadata": the LDM partitions, grouped
 * by what they are.  malloc'd, or NULL after wv_error.
 */
static char *
describe_ldm (const struct wv_ptable *pt)
{
  char *buf = NULL;
  size_t len = 0, i, j;
  const char *what, *prev;
  bool first = true;
  FILE *fp;

  fp = open_memstream (&buf, &len);
  if (fp == NULL) {
    wv_error ("open_memstream: %m");
    return NULL;
  }
  for (i = 0; i < pt->nr_partitions; ++i) {
    CLEANUP_FREE char *list = NULL;
    size_t n;

    if (wv_plan_managed_kind (&pt->partitions[i], &what) !=
        WV_PLAN_MANAGED_LDM)
      continue;
    /* Each "what" once, where it first appears. */
    for (j = 0; j < i; ++j)
      if (wv_plan_managed_kind (&pt->partitions[j], &prev) ==
          WV_PLAN_MANAGED_LDM && prev == what)
        break;
    if (j < i)
      continue;
    list = partition_list (pt, pick_what, what, &n);
    if (list == NULL) {
      fclose (fp);
      free (buf);
      return NULL;
    }
    fprintf (fp, "%s%s %s %s %s", first ? "" : " and ",
             n > 1 ? "partitions" : "partition", list,
             n > 1 ? "are" : "is", what);
    first = false;
  }
  fclose (fp);
  return buf;
}

/* Refuse a dynamic disk.
 *
 * Decision: a disk with any LDM partition is refused, even when an
 * NTFS volume with Windows is visible in the partition table.  For
 * Windows a disk is either basic or dynamic; on a dynamic disk every
 * volume is described by the LDM database (which winvirtio does not
 * read), and the partition table entries that remain are only a view
 * kept for booting.  The volume found there may be one plex of a
 * mirror (a common way to mirror the boot volume) or part of a
 * spanned or striped volume on other disks: patching this copy alone
 * would leave the other halves stale, and Windows would resynchronise
 * them either way.  Refusing is the only answer that cannot corrupt.
 */
static int
refuse_ldm (struct planner *p)
{
  CLEANUP_FREE char *desc = NULL;
  const char *what;
  size_t i;

  for (i = 0; i < p->pt.nr_partitions; ++i)
    if (wv_plan_managed_kind (&p->pt.partitions[i], &what) ==
        WV_PLAN_MANAGED_LDM)
      break;
  if (i == p->pt.nr_partitions)
    return 0;
  desc = describe_ldm (&p->pt);
  if (desc == NULL)
    return -1;
  wv_error ("%s: this is a Windows dynamic disk (%s): winvirtio does not "
            "change dynamic (LDM) volumes, which can span or mirror "
            "several disks; convert the disk to a basic disk in Windows "
            "before the migration, then try again", p->src->name, desc);
  return -1;
}

/* No usable Windows volume was found: say why, as precisely as we
 * can.  bitlocker[i] is set for each encrypted partition, spaces[i]
 * for each Storage Spaces partition.
 */
static void
no_windows_error (struct planner *p, const bool *bitlocker,
                  const bool *spaces)
{
  CLEANUP_FREE char *list = NULL;
  const char *name = p->src->name;
  size_t n, i;

  list = partition_list (&p->pt, pick_flagged, bitlocker, &n);
  if (list == NULL)
    return;
  if (n > 0) {
    if (p->pt.type == WV_PT_NONE)
      wv_error ("%s: the volume is BitLocker-encrypted (-FVE-FS-): "
                "winvirtio cannot change an encrypted volume; " DECRYPT,
                name);
    else if (p->opts->partition)
      wv_error ("%s: partition %s is BitLocker-encrypted (-FVE-FS-): "
                "winvirtio cannot change an encrypted volume; " DECRYPT,
                name, list);
    else
      wv_error ("%s: %s %s %s BitLocker-encrypted (-FVE-FS-) and no "
                "unencrypted partition holds Windows: winvirtio cannot "
                "change an encrypted volume; " DECRYPT, name,
                n > 1 ? "partitions" : "partition", list,
                n > 1 ? "are" : "is");
    return;
  }
  free (list);
  list = partition_list (&p->pt, pick_flagged, spaces, &n);
  if (list == NULL)
    return;
  if (n > 0) {
    wv_error ("%s: no Windows found: this disk is in a Storage Spaces "
              "pool (%s %s, GPT type " SPACES_GUID "), whose volumes "
              "winvirtio cannot read and from which Windows cannot boot; "
              "give winvirtio the VM's system disk, and copy this one "
              "without winvirtio", name,
              n > 1 ? "partitions" : "partition", list);
    return;
  }
  if (p->opts->partition) {
    for (i = 0; i < p->pt.nr_partitions; ++i)
      if (p->pt.partitions[i].number == p->opts->partition)
        break;
    if (i == p->pt.nr_partitions) {
      free (list);
      list = partition_list (&p->pt, pick_all, NULL, &n);
      if (list == NULL)
        return;
      wv_error ("%s: there is no partition %u (%s partition table, "
                "partitions: %s): give the partition that holds Windows "
                "with " PARTITION_OPTION ", or leave it out to search them "
                "all", name, p->opts->partition,
                wv_ptable_type_name (p->pt.type), n > 0 ? list : "none");
    }
    else
      wv_error ("%s: partition %u does not hold Windows "
                "(no \\Windows\\System32\\config\\SYSTEM on NTFS): give the "
                "partition that holds Windows with " PARTITION_OPTION
                ", or leave it out to search them all",
                name, p->opts->partition);
    return;
  }
  wv_error ("%s: no Windows found: no NTFS volume on this disk holds "
            "\\Windows\\System32\\config\\SYSTEM (%s partition table, "
            "%zu partition%s): check that this is the VM's system disk; "
            "its other disks need no change", name,
            wv_ptable_type_name (p->pt.type), p->pt.nr_partitions,
            p->pt.nr_partitions == 1 ? "" : "s");
}

/* Step 1: pick the Windows volume. */
int
plan_find_windows (struct planner *p)
{
  CLEANUP_FREE bool *windows = NULL, *bitlocker = NULL, *spaces = NULL;
  CLEANUP_FREE char *list = NULL;
  unsigned found = 0;
  size_t i;

  if (wv_ptable_read (p->src, p->opts->sector_size, &p->pt) == -1 ||
      refuse_ldm (p) == -1)
    return -1;
  windows = calloc (p->pt.nr_partitions + 1, sizeof *windows);
  bitlocker = calloc (p->pt.nr_partitions + 1, sizeof *bitlocker);
  spaces = calloc (p->pt.nr_partitions + 1, sizeof *spaces);
  if (windows == NULL || bitlocker == NULL || spaces == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (i = 0; i < p->pt.nr_partitions; ++i) {
    const struct wv_partition *part = &p->pt.partitions[i];
    const char *root = NULL, *what;
    int r;

    if (p->opts->partition && part->number != p->opts->partition)
      continue;
    /* A Storage Spaces partition holds the pool's own metadata and
     * slabs, not a volume: never look for Windows in it.
     */
    if (wv_plan_managed_kind (part, &what) == WV_PLAN_MANAGED_SPACES) {
      spaces[i] = true;
      continue;
    }
    r = has_windows (p, part, &root, &bitlocker[i]);
    if (r == -1)
      return -1;
    if (r == 1) {
      windows[i] = true;
      if (found++ == 0) {
        p->part = part;
        p->sysroot = root;
      }
    }
  }
  /* Decision: Windows on an unencrypted volume is used even if another
   * volume is BitLocker-encrypted (a data volume, which we do not
   * touch), and even if another partition is in a Storage Spaces pool
   * (Windows cannot boot from one, and we do not touch it either).
   * Only when no usable Windows is found do they explain why.
   */
  if (found == 0) {
    no_windows_error (p, bitlocker, spaces);
    return -1;
  }
  if (found > 1) {
    list = partition_list (&p->pt, pick_flagged, windows, NULL);
    if (list)
      wv_error ("%s: Windows found on more than one partition (%s): "
                "choose one with " PARTITION_OPTION, p->src->name, list);
    return -1;
  }
  fprintf (p->log, "partition: %u (%s, offset %" PRIu64 ", %" PRIu64
           " bytes, %" PRIu32 "-byte sectors)\n", p->part->number,
           wv_ptable_type_name (p->pt.type), p->part->offset,
           p->part->length, p->pt.sector_size);
  return 0;
}
