/* nbdkit-vmdk-plugin: a VMDK disk as a list of extents.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_DISK_H
#define VMDK_DISK_H

#include <stdint.h>

#include <nbdkit-plugin.h>

struct vmdk_disk;

/* Open the VMDK whose descriptor (or monolithic sparse file, or OVA
 * archive) is FILENAME, an absolute path, every extent it names, and
 * for a snapshot delta its parents.  OVA_DISK (or NULL) chooses the
 * disk in an OVA.  Returns NULL after nbdkit_error when the file is
 * not a VMDK, is malformed, names missing extents or parents or uses
 * a feature not supported.  Free with disk_close.
 */
extern struct vmdk_disk *disk_open (const char *filename,
                                    const char *ova_disk);

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

/* Read COUNT bytes at OFFSET of PARENT, the parent disk of a delta,
 * for the grains the delta does not have: zeroes past PARENT's end,
 * or everywhere if PARENT is NULL.  Returns 0 or -1.
 */
extern int disk_backing_pread (struct vmdk_disk *parent, void *buf,
                               uint32_t count, uint64_t offset);

/* Add the extents of PARENT for [OFFSET, OFFSET+COUNT) (a hole past
 * its end, or everywhere if PARENT is NULL).  Returns 0 or -1.
 */
extern int disk_backing_extents (struct vmdk_disk *parent, uint32_t count,
                                 uint64_t offset,
                                 struct nbdkit_extents *extents);

/* Close every extent file and free DISK.  NULL is allowed. */
extern void disk_close (struct vmdk_disk *disk);

#endif /* VMDK_DISK_H */
