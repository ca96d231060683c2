/* winvirtio: the planner, from a source disk to a block map.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The steps:
 *  1. Read the partition table; refuse a dynamic disk (LDM); find
 *     the one NTFS volume that holds \Windows\System32\config\SYSTEM,
 *     or say why there is none (BitLocker, Storage Spaces, ...).
 *  2. Mount it with libntfs-3g on the copy-on-write overlay; check
 *     that it is clean, and that its $Bitmap agrees with its MFT
 *     (ntfscheck.c) before anything is allocated there.
 *  3. Read the SYSTEM and SOFTWARE hives; identify Windows; check the
 *     SYSTEM hive is clean; edit it with hivex; write back the pages
 *     that changed.  Before Windows 8, the same for the SOFTWARE
 *     hive's DevicePath (devicepath.c).
 *  4. Install the driver packages (pkgplan functions below): the
 *     files of each in DriverStore\FileRepository, INF\oem<N>.inf
 *     (Windows 8 and later), the boot drivers in System32\drivers,
 *     and the whole set in Windows\Drivers\VirtIO.
 *  5. Label the NTFS structures involved, unmount (libntfs-3g writes
 *     its last changes to the overlay).  For XP and 2003, fix the
 *     boot sector's heads field (ntfsheads.c).
 *  6. The overlay's differences from the source, split at label edges,
 *     are the block map.
 *  7. Free-space trim (unless turned off): the free clusters of every
 *     clean NTFS volume on the disk become the map's zero ranges
 *     (trim.c).  Every read of the source is recorded; the map's
 *     fingerprint is the SHA-256 of those bytes.
 * Any failure anywhere returns no map at all.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <inttypes.h>
#include <time.h>

#include "common/cleanup.h"
#include "convert/devicepath.h"
#include "drivers/drvsrc.h"
#include "convert/driverstore.h"
#include "registry/hive.h"
#include "common/log.h"
#include "ntfs/ntfscheck.h"
#include "convert/ntfsheads.h"
#include "ntfs/ntfsvol.h"
#include "disk/overlay.h"
#include "disk/partition.h"
#include "drivers/pkg-load.h"
#include "plan/plan.h"
#include "convert/registry.h"
#include "plan/trim.h"
#include "registry/windows.h"

/* Hives larger than this are refused (real SYSTEM hives are 10-100
 * MiB).
 */
#define MAX_HIVE (512 * 1024 * 1024)

/* Where Windows lives in the volume, tried in order. */
static const char *const system_roots[] = { "Windows", "WINNT" };

/* What is done with one driver package. */
struct pkg_plan {
  bool boot;                    /* viostor, vioscsi */
  char folder[160];             /* DriverStore folder name */
  struct wv_pkg_state st;       /* what the DriverDatabase has */
  bool keep_theirs;             /* a newer one is installed: keep it */
};

/* A path in the volume that we created or changed. */
struct touched {
  char *path;
  bool created, changed, dir;
};

struct planner {
  struct wv_source *src;
  const struct wv_plan_options *opts;
  struct wv_ptable pt;
  const struct wv_partition *part;
  const char *sysroot;

  /* Paths in the Windows volume, derived from sysroot (set_paths). */
  char system32[32];            /* Windows\System32 */
  char config[48];              /* ...\config */
  char hive[64];                /* ...\config\SYSTEM */
  char software[64];            /* ...\config\SOFTWARE */
  char drivers[48];             /* ...\drivers */

  struct wv_overlay *ov;
  struct wv_ntfs *v;
  struct wv_labels labels;
  struct wv_windows win;
  struct wv_map *map;
  struct wv_trim trim;

  /* The time given to everything we change (NTFS time), taken from
   * the source so that the same source gives the same map; and what
   * we changed.
   */
  uint64_t when;
  bool hive_changed;
  /* Before Windows 8, the SOFTWARE hive (DevicePath) too, with its
   * own time: p->when, or its own later one.
   */
  bool software_changed;
  uint64_t software_when;

  /* The driver packages (the boot drivers first) and what we do with
   * each; the names in Windows\INF; the paths we created or changed.
   */
  struct wv_pkg_info *pkgs;
  struct pkg_plan *pp;
  size_t nr_pkgs;
  char **inf_names;
  struct touched *touched;
  size_t nr_touched;

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

/* How the user picks one partition, in messages (the engine does not
 * know which front end runs it).
 */
#define PARTITION_OPTION \
  "--partition=N (winvirtio map) or winvirtio-partition=N (the filter)"

/* What to do about BitLocker. */
#define DECRYPT \
  "decrypt it in Windows (manage-bde -off C:, and wait until it is " \
  "fully decrypted) before the copy"

/* Partitions whose contents are not a volume but space that Windows
 * manages itself: dynamic disks (LDM) and Storage Spaces.
 */
enum managed { NOT_MANAGED, MANAGED_LDM, MANAGED_SPACES };

#define SPACES_GUID "E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D"

static const struct {
  const char *guid;
  enum managed kind;
  const char *what;
} managed_gpt_types[] = {
  { "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", MANAGED_LDM, "LDM metadata" },
  { "AF9B60A0-1431-4F62-BC68-3311714A69AD", MANAGED_LDM, "LDM data" },
  { SPACES_GUID, MANAGED_SPACES, "Storage Spaces" },
};

/* Is part an LDM or Storage Spaces partition?  *what_r describes it
 * for messages.  MBR type 0x42 is LDM (Linux block/partitions/ldm.c
 * looks for it too); Storage Spaces only exists on GPT disks.
 */
static enum managed
managed_kind (const struct wv_partition *part, const char **what_r)
{
  size_t i;

  if (part->mbr_type == 0x42) {
    *what_r = "LDM (MBR type 0x42)";
    return MANAGED_LDM;
  }
  for (i = 0; i < sizeof managed_gpt_types / sizeof managed_gpt_types[0];
       ++i)
    if (strcmp (part->gpt_type, managed_gpt_types[i].guid) == 0) {
      *what_r = managed_gpt_types[i].what;
      return managed_gpt_types[i].kind;
    }
  return NOT_MANAGED;
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

/* data is the "what" text of managed_kind. */
static bool
pick_what (const struct wv_ptable *pt, size_t i, const void *data)
{
  const char *what;

  return managed_kind (&pt->partitions[i], &what) != NOT_MANAGED &&
    what == data;
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

    if (managed_kind (&pt->partitions[i], &what) != MANAGED_LDM)
      continue;
    /* Each "what" once, where it first appears. */
    for (j = 0; j < i; ++j)
      if (managed_kind (&pt->partitions[j], &prev) == MANAGED_LDM &&
          prev == what)
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
    if (managed_kind (&p->pt.partitions[i], &what) == MANAGED_LDM)
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
static int
find_windows (struct planner *p)
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
    if (managed_kind (part, &what) == MANAGED_SPACES) {
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

/* Driver packages (step 4, planned in step 3).
 *
 * Which packages: viostor and vioscsi always (both boot-ready, so
 * the guest boots on whichever bus it gets), then every other package
 * the driver source has for this Windows.  For each, from Windows 8
 * on, the DriverDatabase says whether it is there already (a second
 * run), whether a newer one is installed (kept: never downgrade), or
 * which oem<N>.inf it gets.
 */

static void
free_packages (struct planner *p)
{
  size_t i;

  for (i = 0; i < p->nr_pkgs; ++i)
    wv_pkg_info_free (&p->pkgs[i]);
  free (p->pkgs);
  free (p->pp);
  for (i = 0; p->inf_names && p->inf_names[i]; ++i)
    free (p->inf_names[i]);
  free (p->inf_names);
  for (i = 0; i < p->nr_touched; ++i)
    free (p->touched[i].path);
  free (p->touched);
}

/* wv_ntfs_list_dir callback: collect lower-case names. */
static int
add_inf_name (void *opaque, const char *name, bool is_dir)
{
  struct planner *p = opaque;
  size_t n = 0, i;
  char **l, *c;

  while (p->inf_names && p->inf_names[n])
    n++;
  l = realloc (p->inf_names, (n + 2) * sizeof *l);
  c = strdup (name);
  if (l == NULL || c == NULL) {
    wv_error ("out of memory");
    if (l)
      p->inf_names = l;
    free (c);
    return -1;
  }
  for (i = 0; c[i]; ++i)
    c[i] = tolower ((unsigned char) c[i]);
  p->inf_names = l;
  l[n] = c;
  l[n + 1] = NULL;
  return 0;
}

static int
load_packages (struct planner *p)
{
  size_t i;

  if (wv_pkg_load_all (p->opts->drivers, &p->win, p->log, &p->pkgs,
                       &p->nr_pkgs) == -1)
    return -1;
  p->pp = calloc (p->nr_pkgs, sizeof *p->pp);
  if (p->pp == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (i = 0; i < p->nr_pkgs; ++i) {
    p->pp[i].boot = p->pkgs[i].boot;
    if (wv_pkg_folder_name (&p->pkgs[i], &p->win, p->pp[i].folder,
                            sizeof p->pp[i].folder) == -1)
      return -1;
  }
  if (p->win.has_driver_database) {
    char infdir[64];
    int r;

    /* (A Windows without an INF folder gets one in write_packages.) */
    snprintf (infdir, sizeof infdir, "%s\\INF", p->sysroot);
    r = wv_ntfs_exists (p->v, infdir);
    if (r == -1 ||
        (r == 1 && wv_ntfs_list_dir (p->v, infdir, add_inf_name, p) == -1))
      return -1;
  }
  return 0;
}

/* "a.b.c.d, yyyy-mm-dd" of a DriverVer, into buf. */
static const char *
driver_ver (uint64_t date, uint64_t version, char *buf, size_t len)
{
  time_t t = (time_t) (date / 10000000 - UINT64_C (11644473600));
  struct tm tm;

  gmtime_r (&t, &tm);
  snprintf (buf, len, "%u.%u.%u.%u, %04d-%02d-%02d",
            (unsigned) (version >> 48), (unsigned) (version >> 32) & 0xffff,
            (unsigned) (version >> 16) & 0xffff, (unsigned) version & 0xffff,
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

/* The registry side of every package. */
static int
register_packages (struct planner *p, hive_h *h, bool *changed_r)
{
  size_t i;

  for (i = 0; i < p->nr_pkgs; ++i) {
    const struct wv_pkg_info *info = &p->pkgs[i];
    struct pkg_plan *pp = &p->pp[i];
    char ours[64], theirs[64];

    if (!p->win.has_driver_database) {
      /* Before Windows 8: the service and CriticalDeviceDatabase for
       * the boot drivers; the others are only copied to
       * Drivers\VirtIO.
       */
      if (pp->boot &&
          wv_pkg_add_service (h, &p->win, info, NULL, true, p->log,
                              changed_r) == -1)
        return -1;
      continue;
    }
    if (wv_pkg_lookup (h, &p->win, info, pp->folder, p->inf_names,
                       &pp->st) == -1)
      return -1;
    if (pp->st.newer && !pp->st.same) {
      pp->keep_theirs = true;
      fprintf (p->log, "package: %s: keeping the installed %s (%s, %s): "
               "it is newer than ours (%s)\n", info->inf_name,
               pp->st.installed, pp->st.installed_oem,
               driver_ver (pp->st.installed_date, pp->st.installed_version,
                           theirs, sizeof theirs),
               driver_ver (info->date, info->version, ours, sizeof ours));
      if (pp->boot &&
          wv_pkg_add_service (h, &p->win, info, pp->st.installed_oem, true,
                              p->log, changed_r) == -1)
        return -1;
      continue;
    }
    fprintf (p->log, "package: %s (%s) as %s%s\n", info->inf_name,
             driver_ver (info->date, info->version, ours, sizeof ours),
             pp->st.oem_inf, pp->st.same ? ", already installed" : "");
    if (wv_pkg_register (h, &p->win, info, pp->folder, pp->st.oem_inf,
                         p->when, p->log, changed_r) == -1)
      return -1;
    if (pp->boot &&
        wv_pkg_add_service (h, &p->win, info, pp->st.oem_inf, true,
                            p->log, changed_r) == -1)
      return -1;
  }
  return 0;
}

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
      wv_hive_read_logs (p->v, p->software, MAX_HIVE, &logs) == -1)
    return -1;
  if (wv_hive_prepare (soft, softlen, logs.log1, logs.log1len,
                       logs.log2, logs.log2len, logs.single, "SOFTWARE",
                       "SOFTWARE hive", MAX_HIVE, &rec) == -1 ||
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
static int
patch_registry (struct planner *p)
{
  CLEANUP_FREE uint8_t *sys = NULL, *soft = NULL;
  struct wv_hive_logs logs = { 0 };
  struct wv_hivelog_result rec = { 0 };
  size_t syslen, softlen;
  struct wv_hive system = { 0 }, software = { 0 };
  char desc[256];
  bool changed = false;
  int r = -1;

  if (wv_ntfs_read_file (p->v, p->hive, MAX_HIVE, &sys, &syslen) == -1 ||
      wv_ntfs_read_file (p->v, p->software, MAX_HIVE, &soft, &softlen) == -1 ||
      wv_hive_read_logs (p->v, p->hive, MAX_HIVE, &logs) == -1 ||
      wv_hive_prepare (sys, syslen, logs.log1, logs.log1len,
                       logs.log2, logs.log2len, logs.single,
                       "SYSTEM", "SYSTEM hive", MAX_HIVE, &rec) == -1 ||
      wv_hive_open (&system, rec.data ? rec.data : sys,
                    rec.data ? rec.len : syslen, 1, "SYSTEM hive") == -1 ||
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

  if (load_packages (p) == -1 ||
      register_packages (p, system.h, &changed) == -1)
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

/* Remember a path we created or changed (for its times and labels). */
static int
note (struct planner *p, const char *path, bool created, bool changed,
      bool dir)
{
  struct touched *t;

  if (!created && !changed && !dir)
    return 0;
  t = realloc (p->touched, (p->nr_touched + 1) * sizeof *t);
  if (t == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  p->touched = t;
  t = &p->touched[p->nr_touched];
  t->path = strdup (path);
  if (t->path == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  t->created = created;
  t->changed = changed;
  t->dir = dir;
  p->nr_touched++;
  return 0;
}

/* mkdir -p below the volume root, noting what was created. */
static int
ensure_dir (struct planner *p, const char *path)
{
  CLEANUP_FREE char *copy = strdup (path);
  char *sep;

  if (copy == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  for (sep = strchr (copy, '\\'); ; sep = strchr (sep + 1, '\\')) {
    char *parent = copy, *name;
    bool created;

    if (sep)
      *sep = '\0';
    name = strrchr (copy, '\\');
    if (name) {
      *name = '\0';
      name++;
    }
    else {
      parent = (char *) "\\";
      name = copy;
    }
    if (wv_ntfs_mkdir (p->v, parent, name, &created) == -1)
      return -1;
    if (name != copy)
      name[-1] = '\\';
    if (created) {
      fprintf (p->log, "directory: \\%s created\n", copy);
      if (note (p, copy, true, true, true) == -1 ||
          wv_ntfs_set_times (p->v, copy, p->when, true) == -1)
        return -1;
    }
    if (sep == NULL)
      break;
    *sep = '\\';
  }
  return 0;
}

/* Put one file, log it and note it. */
static int
put (struct planner *p, const char *dir, const char *name,
     const uint8_t *data, size_t len, const char *from)
{
  CLEANUP_FREE char *path = NULL;
  bool created, changed;

  if (asprintf (&path, "%s\\%s", dir, name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (wv_ntfs_put_file (p->v, dir, name, data, len, &created,
                        &changed) == -1)
    return -1;
  fprintf (p->log, "file: \\%s %s (%zu bytes%s%s)\n", path,
           created ? "created" : changed ? "replaced" : "already present",
           len, from ? ", from " : "", from ? from : "");
  /* Its times now, before its entry in dir's index can be copied
   * elsewhere: when the index root overflows, libntfs-3g moves the
   * entries to an index block and leaves the old ones in the unused
   * end of the MFT record, so they must not carry the time of
   * planning.
   */
  if (changed && wv_ntfs_set_times (p->v, path, p->when, created) == -1)
    return -1;
  return note (p, path, created, changed, false);
}

/* The file of info named name (case-insensitively), or NULL. */
static const struct wv_pkg_file *
pkg_file (const struct wv_pkg_info *info, const char *name)
{
  size_t i;

  for (i = 0; i < info->nr_files; ++i)
    if (strcasecmp (info->files[i].name, name) == 0)
      return &info->files[i];
  return NULL;
}

/* A kept (newer) boot driver must be in System32\drivers, where its
 * ImagePath points: a staged package that was never bound may have
 * it only in its DriverStore folder.
 */
static int
boot_file_from_store (struct planner *p, const struct wv_pkg_info *info,
                      const struct pkg_plan *pp)
{
  CLEANUP_FREE char *path = NULL, *from = NULL;
  CLEANUP_FREE uint8_t *data = NULL;
  size_t len;
  int r;

  if (asprintf (&path, "%s\\%s", p->drivers, info->svc_binary) == -1 ||
      asprintf (&from, "%s\\DriverStore\\FileRepository\\%s\\%s",
                p->system32, pp->st.installed, info->svc_binary) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  r = wv_ntfs_exists (p->v, path);
  if (r != 0)
    return r == 1 ? 0 : -1;
  if (wv_ntfs_read_file (p->v, from, 256 * 1024 * 1024, &data, &len) == -1)
    return -1;
  return put (p, p->drivers, info->svc_binary, data, len, from);
}

/* Step 4: the files of every package. */
static int
write_packages (struct planner *p)
{
  char store[96], infdir[64], virtio[64], folder[256];
  size_t i, j;

  snprintf (store, sizeof store, "%s\\DriverStore\\FileRepository",
            p->system32);
  snprintf (infdir, sizeof infdir, "%s\\INF", p->sysroot);
  snprintf (virtio, sizeof virtio, "%s\\Drivers\\VirtIO", p->sysroot);
  if (ensure_dir (p, virtio) == -1 ||
      (p->win.has_driver_database && ensure_dir (p, infdir) == -1))
    return -1;

  for (i = 0; i < p->nr_pkgs; ++i) {
    const struct wv_pkg_info *info = &p->pkgs[i];
    const struct pkg_plan *pp = &p->pp[i];
    const struct wv_pkg_file *f;

    /* The whole set in Drivers\VirtIO, as virt-v2v does. */
    for (j = 0; j < info->nr_files; ++j)
      if (put (p, virtio, info->files[j].name, info->files[j].data,
               info->files[j].len, info->files[j].from) == -1)
        return -1;

    if (pp->keep_theirs) {
      if (pp->boot && boot_file_from_store (p, info, pp) == -1)
        return -1;
      continue;
    }
    if (pp->boot) {
      f = pkg_file (info, info->svc_binary);
      if (f == NULL) {
        wv_error ("%s: the package has no %s", info->inf_name,
                  info->svc_binary);
        return -1;
      }
      if (put (p, p->drivers, f->name, f->data, f->len, f->from) == -1)
        return -1;
    }
    if (!p->win.has_driver_database)
      continue;

    snprintf (folder, sizeof folder, "%s\\%s", store, pp->folder);
    if (ensure_dir (p, folder) == -1)
      return -1;
    for (j = 0; j < info->nr_files; ++j)
      if (put (p, folder, info->files[j].name, info->files[j].data,
               info->files[j].len, info->files[j].from) == -1)
        return -1;
    f = pkg_file (info, info->inf_name);
    if (f == NULL) {
      wv_error ("%s: the package has no INF", info->inf_name);
      return -1;
    }
    if (put (p, infdir, pp->st.oem_inf, f->data, f->len, f->from) == -1)
      return -1;
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
  uint64_t t;

  if (wv_ntfs_get_mtime (p->v, p->hive, &p->when) == -1 ||
      wv_ntfs_get_mtime (p->v, p->drivers, &t) == -1)
    return -1;
  if (t > p->when)
    p->when = t;
  return 0;
}

/* The parent of path (in buf), or false for a top-level one. */
static bool
parent_of (const char *path, char *buf, size_t len)
{
  const char *sep = strrchr (path, '\\');

  if (sep == NULL)
    return false;
  snprintf (buf, len, "%.*s", (int) (sep - path), path);
  return true;
}

/* Replace the times libntfs-3g stamped (the time of planning) with
 * p->when, on what we changed, and only on that: a second pass over a
 * converted disk must change nothing.  Files and directories we made
 * got theirs when they were made (put, ensure_dir); here the
 * directories whose contents changed since, deepest first, then the
 * existing directories in which something was created.
 */
static int
set_times (struct planner *p)
{
  char parent[256];
  size_t i, j;

  if (p->hive_changed &&
      wv_ntfs_set_times (p->v, p->hive, p->when, false) == -1)
    return -1;
  if (p->software_changed &&
      wv_ntfs_set_times (p->v, p->software, p->software_when, false) == -1)
    return -1;
  for (i = p->nr_touched; i-- > 0; ) {
    const struct touched *t = &p->touched[i];

    if (t->dir && wv_ntfs_set_times (p->v, t->path, p->when, true) == -1)
      return -1;
  }
  for (i = 0; i < p->nr_touched; ++i) {
    if (!p->touched[i].created ||
        !parent_of (p->touched[i].path, parent, sizeof parent))
      continue;
    for (j = 0; j < p->nr_touched; ++j)
      if (p->touched[j].dir && strcasecmp (p->touched[j].path, parent) == 0)
        break;
    if (j < p->nr_touched)
      continue;             /* created by us, done above */
    if (wv_ntfs_set_times (p->v, parent, p->when, false) == -1)
      return -1;
  }
  return 0;
}

/* Step 5: label what we touched, for the map's dump. */
static int
label (struct planner *p)
{
  char parent[256];
  size_t i;

  if (wv_ntfs_label_system (p->v, p->part->number, &p->labels) == -1)
    return -1;
  if (p->software_changed &&
      wv_ntfs_label_path (p->v, p->software, "SOFTWARE hive",
                          &p->labels) == -1)
    return -1;
  if (wv_ntfs_label_path (p->v, p->hive, "SYSTEM hive", &p->labels) == -1 ||
      wv_ntfs_label_path (p->v, p->config, "config directory",
                          &p->labels) == -1 ||
      wv_ntfs_label_path (p->v, p->drivers, "drivers directory",
                          &p->labels) == -1 ||
      /* Its entry in System32's index carries its times. */
      wv_ntfs_label_path (p->v, p->system32, "System32 directory",
                          &p->labels) == -1)
    return -1;
  for (i = 0; i < p->nr_touched; ++i) {
    const char *path = p->touched[i].path;
    const char *base = strrchr (path, '\\');

    if (wv_ntfs_label_path (p->v, path, base ? base + 1 : path,
                            &p->labels) == -1)
      return -1;
    if (parent_of (path, parent, sizeof parent)) {
      const char *pb = strrchr (parent, '\\');
      char what[WV_MAP_LABEL_MAX];

      snprintf (what, sizeof what, "%.60s directory", pb ? pb + 1 : parent);
      if (wv_ntfs_label_path (p->v, parent, what, &p->labels) == -1)
        return -1;
    }
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
        managed_kind (part, &what) != NOT_MANAGED)
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
    r = get_when (p);
  if (r == 0)
    r = patch_registry (p);
  if (r == 0)
    r = write_packages (p);
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

  if (find_windows (&p) == -1)
    goto out;
  set_paths (&p);
  if (patch_volume (&p) == -1 ||
      wv_ntfs_fix_heads (p.ov, p.part, src->size, &p.win, p.log) == -1 ||
      wv_overlay_diff (p.ov, add_run, &p) == -1 ||
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
  if (wv_fingerprint (src, &p.map->read_set, p.map->fingerprint) == -1)
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
  free_packages (&p);
  free (why);
  wv_log_subject_end ();
  return map;
}
