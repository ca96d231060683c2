/* winvirtio: what the planner knows about where Windows lives on a
 * disk (step 1, find.c), shared with winvirtio inspect (lib/inspect/),
 * which must see the disk as the planner does.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_FIND_H
#define WINVIRTIO_FIND_H

#include <stddef.h>

#include "disk/partition.h"

/* Where Windows lives in an NTFS volume ("Windows", then "WINNT"),
 * tried in order: the first with System32\config\SYSTEM is it.
 */
extern const char *const wv_plan_system_roots[];
extern const size_t wv_plan_nr_system_roots;

/* Partitions whose contents are not a volume but space that Windows
 * manages itself: dynamic disks (LDM) and Storage Spaces.
 */
enum wv_plan_managed {
  WV_PLAN_NOT_MANAGED,
  WV_PLAN_MANAGED_LDM,
  WV_PLAN_MANAGED_SPACES,
};

/* Is part an LDM or Storage Spaces partition?  If so, *what_r
 * describes it for messages ("LDM data", "Storage Spaces", ...; a
 * constant string, the same pointer for the same kind of partition).
 */
extern enum wv_plan_managed
wv_plan_managed_kind (const struct wv_partition *part, const char **what_r);

#endif /* WINVIRTIO_FIND_H */
