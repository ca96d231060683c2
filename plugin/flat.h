/* nbdkit-vmdk-plugin: flat extents (FLAT, VMFS).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_FLAT_H
#define VMDK_FLAT_H

#include <stdint.h>

#include <nbdkit-plugin.h>

/* A flat extent: the disk bytes stored as they are in a file, from
 * START (bytes) on.  FD is read only with pread, so it is shared by
 * all threads.
 */
struct flat_extent {
  int fd;
  const char *name;             /* owned by the disk */
  uint64_t start;
};

/* Read COUNT bytes at OFFSET (bytes into the extent).  Returns 0, or
 * -1 after nbdkit_error with errno set.
 */
extern int flat_pread (const struct flat_extent *fe, void *buf,
                       uint32_t count, uint64_t offset);

/* Add the extents of [OFFSET, OFFSET+COUNT) (bytes into the extent)
 * to EXTENTS, shifted by BASE, using SEEK_DATA/SEEK_HOLE so that
 * holes in a sparse flat file are reported.  Returns 0 or -1 after
 * nbdkit_error.
 */
extern int flat_extents (const struct flat_extent *fe, uint32_t count,
                         uint64_t offset, uint64_t base,
                         struct nbdkit_extents *extents);

#endif /* VMDK_FLAT_H */
