/* winvirtio: a libntfs-3g device over the copy-on-write overlay.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_NTFS_DEVICE_H
#define WINVIRTIO_NTFS_DEVICE_H

#include <stdint.h>

#include "disk/overlay.h"

struct ntfs_device;

/* Make an ntfs_device whose bytes are [offset, offset+length) of the
 * overlay (reads fall through to the source, writes stay in the
 * overlay).  name is only used in libntfs-3g's messages.  The device
 * does not own the overlay.  libntfs-3g's ntfs_device_free (also
 * called by ntfs_umount) frees the device but not dev->d_private:
 * the caller saves that pointer and free()s it afterwards.  Returns
 * NULL after wv_error.
 */
extern struct ntfs_device *wv_ntfsdev_new (struct wv_overlay *ov,
                                           uint64_t offset, uint64_t length,
                                           const char *name);

#endif /* WINVIRTIO_NTFS_DEVICE_H */
