/* winvirtio: the planner's times and labels: the time of our changes
 * given to what we changed, the NTFS structures we touched labelled
 * (step 5), and the overlay's runs split at label edges into the map
 * (step 6).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "map/map.h"
#include "ntfs/ntfs.h"
#include "plan/planner.h"

/* The time of our changes: the last time Windows wrote the SYSTEM
 * hive or the drivers directory, whichever is later.  Both are on the
 * source, so planning the same source twice gives the same bytes.
 */
int
plan_get_when (struct planner *p)
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
int
plan_set_times (struct planner *p)
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
int
plan_label (struct planner *p)
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
int
plan_add_run (void *opaque, uint64_t offset, uint32_t length,
              const uint8_t *data)
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
