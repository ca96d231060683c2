/* winvirtio: the NTFS boot sector's heads field, for Windows XP and
 * Server 2003 (as virt-v2v's fix_ntfs_heads).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_NTFSHEADS_H
#define WINVIRTIO_NTFSHEADS_H

#include <stdint.h>
#include <stdio.h>

#include "disk/overlay.h"
#include "disk/partition.h"

/* The heads value XP's boot code needs on QEMU for a disk of this
 * size: 0x40, 0x80 or 0xff.
 */
extern unsigned wv_ntfs_heads_for (uint64_t disk_size);

/* For Windows before 6.0 (XP, 2003) on a partition: set the heads
 * field of the NTFS boot sector of part (and of its backup, if that
 * is a copy) in the overlay, for a disk of disk_size bytes.
 * windows_major is the Windows version's major number (the major of
 * struct wv_windows); for 6 and later this does nothing.  Writes the
 * overlay directly: call it when no libntfs-3g mount is open on part.
 * One line per change on log.  Returns 0 or -1.
 */
extern int wv_ntfs_fix_heads (struct wv_overlay *ov,
                              const struct wv_partition *part,
                              uint64_t disk_size, unsigned windows_major,
                              FILE *log);

#endif /* WINVIRTIO_NTFSHEADS_H */
