/* winvirtio: the volume's $Bitmap, for free-space trim: is what it
 * calls free really free, and where is it on the disk?
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_NTFS_CHECK_H
#define WINVIRTIO_NTFS_CHECK_H

#include <stdint.h>

#include "common/rangeset.h"
#include "ntfs/ntfs.h"

/* What the MFT says of the volume's clusters. */
struct wv_ntfs_claims {
  uint64_t nr_clusters;
  uint8_t *claimed;             /* a bit per cluster: used by the MFT */
  char *problem;                /* NULL if $Bitmap and the MFT agree */
};

/* Account for every cluster of the volume the way ntfsresize and
 * ntfsck do, reading the whole MFT (in large sequential requests) and
 * $Bitmap: every cluster claimed by a non-resident attribute of an
 * in-use MFT record must lie inside the volume, be claimed once only
 * and be marked in use in $Bitmap; every in-use record must be a valid
 * FILE record and be marked in use in $MFT's own bitmap.  Only then
 * may trim serve what $Bitmap calls free as zeroes, and libntfs-3g
 * allocate from it.
 *
 * On return c->claimed has a bit set for every cluster the MFT
 * claims, and c->problem is NULL, or (malloc'd, one line, without the
 * volume's name) what disagrees and where, e.g. "the NTFS volume is
 * inconsistent: $Bitmap marks 803 clusters used by
 * \Windows\System32\config\SYSTEM as free".  Call before changing the
 * volume.  Returns 0, or -1 after wv_error (a read error, out of
 * memory).
 */
extern int wv_ntfs_check_claims (struct wv_ntfs *v, struct wv_ntfs_claims *c);

/* For a volume winvirtio is to change: wv_ntfs_check_claims, and if
 * $Bitmap and the MFT disagree, the refusal (wv_error, naming the
 * volume and what to do) and -1, with nothing left in c to free.
 */
extern int wv_ntfs_require_consistent (struct wv_ntfs *v,
                                       struct wv_ntfs_claims *c);

extern void wv_ntfs_claims_free (struct wv_ntfs_claims *c);

/* Where the volume's $Bitmap is on the disk (for free-space trim):
 * its data as ranges in bitmap order, cut to the bits of the
 * *nr_clusters_r clusters.  Returns 1; 0 with *reason set if the
 * bitmap cannot be located for sure; -1 after wv_error.
 */
extern int wv_ntfs_bitmap_runs (struct wv_ntfs *v, struct wv_rangeset *runs,
                                uint64_t *nr_clusters_r,
                                const char **reason);

#endif /* WINVIRTIO_NTFS_CHECK_H */
