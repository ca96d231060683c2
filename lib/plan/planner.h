/* winvirtio: the planner's state, shared by the files of lib/plan/
 * that carry out its steps (plan.c says which file does which).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Internal to lib/plan/: other folders use plan.h (and find.h).
 */

#ifndef WINVIRTIO_PLANNER_H
#define WINVIRTIO_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

#include "convert/driverstore.h"
#include "disk/overlay.h"
#include "disk/partition.h"
#include "disk/source.h"
#include "map/map.h"
#include "ntfs/labels.h"
#include "ntfs/ntfs.h"
#include "plan/plan.h"
#include "plan/trim.h"
#include "registry/windows.h"

/* What is done with one driver package. */
struct pkg_plan {
  bool boot;                    /* viostor, vioscsi */
  char folder[160];             /* DriverStore folder name */
  struct wv_driverstore_state st;       /* what the DriverDatabase has */
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
  char **inf_names;             /* NULL-terminated */
  size_t cap_inf_names;
  struct touched *touched;
  size_t nr_touched, cap_touched;

  /* The summary, built as we go. */
  char *summary;
  size_t summary_len;
  FILE *log;
};

/* Each step returns 0, or -1 after wv_error. */

/* find.c, step 1: read the partition table and pick the Windows
 * volume (p->part, p->sysroot), or say why there is none.
 */
extern int plan_find_windows (struct planner *p);

/* packages.c, the driver packages.  plan_load_packages reads them from
 * the driver source for p->win; plan_register_packages makes their
 * registry side in the SYSTEM hive h (*changed_r set if it changed);
 * plan_write_packages (step 4) puts their files in the volume;
 * plan_free_packages frees what the other three made.
 */
extern int plan_load_packages (struct planner *p);
extern int plan_register_packages (struct planner *p, struct hive_h *h,
                                   bool *changed_r);
extern int plan_write_packages (struct planner *p);
extern void plan_free_packages (struct planner *p);

/* hives.c, step 3: identify Windows (p->win) and edit the SYSTEM
 * hive, and before Windows 8 the SOFTWARE hive.
 */
extern int plan_patch_registry (struct planner *p);

/* times-labels.c.  plan_get_when sets p->when, the time of our
 * changes; plan_set_times gives it to what we changed; plan_label
 * (step 5) labels what we touched; plan_add_run (step 6) is the
 * wv_overlay_diff callback that adds a run to the map, split at label
 * edges.
 */
extern int plan_get_when (struct planner *p);
extern int plan_set_times (struct planner *p);
extern int plan_label (struct planner *p);
extern int plan_add_run (void *opaque, uint64_t offset, uint32_t length,
                         const uint8_t *data);

#endif /* WINVIRTIO_PLANNER_H */
