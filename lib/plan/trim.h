/* winvirtio: free-space trim, the NTFS free clusters served as zeroes.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_TRIM_H
#define WINVIRTIO_TRIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "disk/source.h"
#include "map/map.h"
#include "ntfs/check.h"
#include "ntfs/ntfs.h"

/* One NTFS volume whose free clusters may be trimmed. */
struct wv_trim_volume {
  unsigned partnum;
  uint64_t offset;              /* of the partition, bytes */
  uint32_t cluster_size;
  uint64_t nr_clusters;
  struct wv_rangeset bitmap;    /* where its $Bitmap is, in bitmap order */
  uint8_t *claimed;             /* clusters its MFT uses (ntfs/check.h) */
};

struct wv_trim {
  struct wv_trim_volume *v;
  size_t len, cap;
};

/* Note a mounted volume for trim, if it is clean, its $Bitmap agrees
 * with its MFT and can be located for sure; otherwise log why it will
 * not be trimmed (with a warning line if $Bitmap and the MFT
 * disagree).  For the Windows volume, whose writable mount refuses an
 * unclean volume and whose claims the planner has checked (and
 * refused if they disagree), claims is what the check found: its
 * claimed bitmap is taken over.  For the other volumes claims is NULL
 * and both are checked here.  Returns 0 or -1.
 */
extern int wv_trim_note (struct wv_trim *t, struct wv_ntfs *v,
                         unsigned partnum, uint64_t offset, uint64_t length,
                         struct wv_ntfs_claims *claims, FILE *log);

/* Has partition partnum been noted (or skipped)? */
extern bool wv_trim_seen (const struct wv_trim *t, unsigned partnum);

/* Read the noted volumes' bitmaps from src (one request per run of
 * the bitmap) and add to map's zero ranges every cluster that is free
 * in the source's bitmap, in the bitmap as the map serves it and in
 * the source's MFT.  The map's extents must be complete.  Returns 0
 * or -1.
 */
extern int wv_trim_apply (struct wv_trim *t, struct wv_source *src,
                          struct wv_map *map, FILE *log);

extern void wv_trim_free (struct wv_trim *t);

#endif /* WINVIRTIO_TRIM_H */
