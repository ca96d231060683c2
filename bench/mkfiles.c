/* winvirtio benchmark helper: an NTFS volume with many MFT records.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: mkfiles VOLUME N
 *
 * Creates N files in VOLUME (an NTFS image made by mkntfs), a thousand
 * to a directory (\bench\dNNNN\fNNN), every eighth with 8 KiB of data
 * (non-resident: runs to account for) and the others empty, so that
 * the MFT holds about N + N/1000 more records.  For bench/check-cost.sh,
 * which measures the $Bitmap-against-MFT check on such volumes.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

static ntfs_inode *
create (ntfs_inode *dir, const char *name, mode_t type)
{
  ntfschar *uname = NULL;
  int len = ntfs_mbstoucs (name, &uname);
  ntfs_inode *ni;

  if (len < 0) {
    perror ("ntfs_mbstoucs");
    exit (1);
  }
  ni = ntfs_create (dir, const_cpu_to_le32 (0), uname, len, type);
  free (uname);
  if (ni == NULL) {
    perror (name);
    exit (1);
  }
  return ni;
}

int
main (int argc, char *argv[])
{
  static char data[8192];
  ntfs_volume *vol;
  ntfs_inode *root, *top, *dir = NULL;
  long n, i;
  char name[32];

  if (argc != 3) {
    fprintf (stderr, "usage: mkfiles VOLUME N\n");
    return 1;
  }
  n = atol (argv[2]);
  memset (data, 0x5a, sizeof data);
  vol = ntfs_mount (argv[1], 0);
  if (vol == NULL) {
    perror (argv[1]);
    return 1;
  }
  root = ntfs_inode_open (vol, FILE_root);
  top = create (root, "bench", S_IFDIR);
  for (i = 0; i < n; ++i) {
    ntfs_inode *ni;

    if (i % 1000 == 0) {
      if (dir)
        ntfs_inode_close (dir);
      snprintf (name, sizeof name, "d%04ld", i / 1000);
      dir = create (top, name, S_IFDIR);
    }
    snprintf (name, sizeof name, "f%03ld", i % 1000);
    ni = create (dir, name, S_IFREG);
    if (i % 8 == 0) {
      ntfs_attr *na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);

      if (na == NULL || ntfs_attr_pwrite (na, 0, sizeof data, data) !=
          (s64) sizeof data) {
        perror ("write");
        return 1;
      }
      ntfs_attr_close (na);
    }
    ntfs_inode_close (ni);
  }
  if (dir)
    ntfs_inode_close (dir);
  ntfs_inode_close (top);
  ntfs_inode_close (root);
  if (ntfs_umount (vol, FALSE) == -1) {
    perror ("ntfs_umount");
    return 1;
  }
  return 0;
}
