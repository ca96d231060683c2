/* winvirtio tests: check $Bitmap against the MFT on a volume.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: wv-ntfs-check DISK OFFSET LENGTH
 *
 * Mounts the NTFS volume at [OFFSET, OFFSET+LENGTH) of DISK read-only
 * and runs wv_ntfs_check_claims on it (lib/ntfs/check.h).  Prints
 * "consistent" and the number of clusters the MFT claims, or the
 * problem found, and the bytes and requests the mount and then the
 * check read (for bench/check-cost.sh).  Exit status 0
 * if consistent, 2 if a problem was found, 1 on error.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>

#include "disk/overlay.h"
#include "disk/source.h"
#include "ntfs/check.h"
#include "ntfs/ntfs.h"

int
main (int argc, char *argv[])
{
  struct wv_ntfs_claims c;
  struct wv_source *src;
  struct wv_overlay *ov;
  struct wv_ntfs *v;
  uint64_t off, len, i, n = 0, bytes0, reqs0;
  int status;

  if (argc != 4) {
    fprintf (stderr, "usage: wv-ntfs-check DISK OFFSET LENGTH\n");
    return 1;
  }
  off = strtoull (argv[2], NULL, 0);
  len = strtoull (argv[3], NULL, 0);
  src = wv_source_open (argv[1]);
  if (src == NULL)
    return 1;
  ov = wv_overlay_new (src);
  if (ov == NULL)
    return 1;
  v = wv_ntfs_mount (ov, off, len, "volume", false);
  if (v == NULL)
    return 1;
  bytes0 = src->bytes_read;
  reqs0 = src->requests;
  if (wv_ntfs_check_claims (v, &c) == -1)
    return 1;
  for (i = 0; c.claimed && i < (c.nr_clusters + 7) / 8; ++i)
    n += __builtin_popcount (c.claimed[i]);
  if (c.problem)
    printf ("%s\n", c.problem);
  else
    printf ("consistent: %" PRIu64 " of %" PRIu64 " clusters in use\n",
            n, c.nr_clusters);
  printf ("mount read: %" PRIu64 " bytes in %" PRIu64 " requests\n",
          bytes0, reqs0);
  printf ("check read: %" PRIu64 " bytes in %" PRIu64 " requests\n",
          src->bytes_read - bytes0, src->requests - reqs0);
  status = c.problem ? 2 : 0;
  wv_ntfs_claims_free (&c);
  wv_ntfs_umount (v);
  wv_overlay_free (ov);
  wv_source_close (src);
  return status;
}
