/* nbdkit-vmdk-plugin: sparse extents (hosted KDMV, ESX COWD, seSparse).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_SPARSE_H
#define VMDK_SPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nbdkit-plugin.h>

#include "io.h"

struct vmdk_disk;

/* The header fields the reader uses, decoded to host order. */
struct sparse_header {
  uint32_t version;
  uint32_t flags;
  uint64_t capacity;            /* sectors */
  uint64_t grain_sectors;
  uint64_t desc_offset;         /* sectors, 0 if no embedded descriptor */
  uint64_t desc_size;           /* sectors */
  uint32_t gtes_per_gt;
  uint64_t gd_offset;           /* sectors */
  uint64_t overhead;            /* sectors */
  uint16_t compress_algorithm;
};

/* Decode and check the 512 byte sparse header in BUF.  Returns 0, or
 * -1 after nbdkit_error (NAME is the file, for the message).
 */
extern int sparse_parse_header (const unsigned char *buf, const char *name,
                                struct sparse_header *h);

/* Read and check the header of the hosted sparse extent in F,
 * following it to the footer when the grain directory is at the end
 * of the file (streamOptimized).  Returns 0 or -1 after nbdkit_error.
 */
extern int sparse_read_header (const struct io_file *f, const char *name,
                               struct sparse_header *h);

/* Read the descriptor embedded in the hosted sparse extent in F.
 * Returns a NUL-terminated string (the caller frees it) and its
 * length in *LEN_R, or NULL after nbdkit_error.
 */
extern char *sparse_read_descriptor (const struct io_file *f,
                                     const char *name,
                                     const struct sparse_header *h,
                                     size_t *len_r);

struct sparse_extent;

/* Open the sparse extent in F (hosted "KDMV", ESX "COWD" or seSparse,
 * told by its magic): read its header and grain directory.  The
 * extent takes F->fd over (sparse_free closes it) only on success.
 * NAME is kept for messages.  Returns NULL after nbdkit_error.
 */
extern struct sparse_extent *sparse_open (const struct io_file *f,
                                          const char *name);

/* The extent's capacity in sectors, from its header. */
extern uint64_t sparse_capacity (const struct sparse_extent *se);

/* Read COUNT bytes at OFFSET (bytes into the extent, within its
 * capacity).  Unallocated grains are read from PARENT (the parent
 * disk of a snapshot delta, or NULL: zeroes) at BASE + their offset,
 * BASE being the extent's offset in the disk.  Safe to call from any
 * number of threads at once.  Returns 0, or -1 after nbdkit_error
 * with errno set.
 */
extern int sparse_pread (struct sparse_extent *se, void *buf,
                         uint32_t count, uint64_t offset,
                         struct vmdk_disk *parent, uint64_t base);

/* Add the extents of [OFFSET, OFFSET+COUNT) (bytes into the extent)
 * to EXTENTS, shifted by BASE (the extent's offset in the disk).
 * Zero grains are holes; unallocated grains are PARENT's extents, or
 * holes without a parent.  Returns 0 or -1 after nbdkit_error.
 */
extern int sparse_extents (struct sparse_extent *se, uint32_t count,
                           uint64_t offset, uint64_t base,
                           struct vmdk_disk *parent,
                           struct nbdkit_extents *extents);

/* Close the extent's file and free it.  NULL is allowed. */
extern void sparse_free (struct sparse_extent *se);

#endif /* VMDK_SPARSE_H */
