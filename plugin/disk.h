/* nbdkit-vmdk-plugin: a VMDK disk as a list of extents.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_DISK_H
#define VMDK_DISK_H

#include <stdint.h>

#include <nbdkit-plugin.h>

struct vmdk_disk;

/* Open the VMDK whose descriptor (or monolithic sparse file) is
 * FILENAME, an absolute path, and every extent it names.  Returns
 * NULL after nbdkit_error when the file is not a VMDK, is malformed,
 * names missing extents or uses a feature not supported.  Free with
 * disk_close.
 */
extern struct vmdk_disk *disk_open (const char *filename);

/* The virtual size in bytes. */
extern uint64_t disk_size (const struct vmdk_disk *disk);

/* Read COUNT bytes at OFFSET (within disk_size).  Thread safe.
 * Returns 0 or -1 after nbdkit_error with errno set.
 */
extern int disk_pread (struct vmdk_disk *disk, void *buf,
                       uint32_t count, uint64_t offset);

/* Add the extents of [OFFSET, OFFSET+COUNT) to EXTENTS; with REQ_ONE
 * only those of the first VMDK extent touched.  Thread safe.  Returns
 * 0 or -1 after nbdkit_error.
 */
extern int disk_extents (struct vmdk_disk *disk, uint32_t count,
                         uint64_t offset, int req_one,
                         struct nbdkit_extents *extents);

/* Close every extent file and free DISK.  NULL is allowed. */
extern void disk_close (struct vmdk_disk *disk);

#endif /* VMDK_DISK_H */
