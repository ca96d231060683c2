/* nbdkit-vmdk-plugin: flat extents (FLAT, VMFS).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A flat extent is a plain file (monolithicFlat's -flat.vmdk,
 * twoGbMaxExtentFlat's -fNNN.vmdk, an ESXi datastore's -flat.vmdk),
 * read from a start sector given in the descriptor.  As in qemu, bytes
 * past the end of the file read as zeroes.  Extents come from the
 * file system's SEEK_DATA/SEEK_HOLE.  lseek moves the shared file
 * offset, but nothing here depends on it: all reads are preads.
 */

#include <config.h>

#include <stdlib.h>
#include <stdint.h>
#include <errno.h>
#include <unistd.h>

#include <nbdkit-plugin.h>

#include "flat.h"
#include "io.h"

/* Read from the flat file. */
int
flat_pread (const struct flat_extent *fe, void *buf,
            uint32_t count, uint64_t offset)
{
  if (io_pread (fe->fd, buf, count, fe->start + offset) == -1) {
    nbdkit_error ("pread: %s: %m", fe->name);
    return -1;
  }
  return 0;
}

/* Add extents from SEEK_DATA/SEEK_HOLE. */
int
flat_extents (const struct flat_extent *fe, uint32_t count,
              uint64_t offset, uint64_t base,
              struct nbdkit_extents *extents)
{
  uint64_t pos = fe->start + offset;
  uint64_t end = pos + count;

  while (pos < end) {
    off_t data, hole;
    uint64_t n;

    data = lseek (fe->fd, pos, SEEK_DATA);
    if (data == -1 && errno == ENXIO)
      data = end;               /* only a hole (or EOF) follows */
    else if (data == -1) {
      /* No SEEK_DATA here: say it is all data. */
      return nbdkit_add_extent (extents, base + pos - fe->start,
                                end - pos, 0);
    }
    if ((uint64_t) data > pos) {
      n = ((uint64_t) data < end ? (uint64_t) data : end) - pos;
      if (nbdkit_add_extent (extents, base + pos - fe->start, n,
                             NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO) == -1)
        return -1;
      pos += n;
      continue;
    }
    hole = lseek (fe->fd, pos, SEEK_HOLE);
    if (hole == -1 || (uint64_t) hole <= pos)
      hole = end;
    n = ((uint64_t) hole < end ? (uint64_t) hole : end) - pos;
    if (nbdkit_add_extent (extents, base + pos - fe->start, n, 0) == -1)
      return -1;
    pos += n;
  }
  return 0;
}
