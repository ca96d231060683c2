/* winvirtio: what the NTFS files share inside the engine (not for
 * other domains: they use ntfsvol.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_NTFSVOL_INTERNAL_H
#define WINVIRTIO_NTFSVOL_INTERNAL_H

#include <stdint.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/volume.h>

struct wv_ntfs {
  ntfs_volume *vol;
  void *devpriv;                /* freed after ntfs_umount */
  uint64_t offset;              /* of the partition */
  char *name;                   /* for messages */
};

/* Forget what libntfs-3g said last (before a call that may fail). */
extern void wv_ntfs_clear_reason (void);

/* The first line of what libntfs-3g said last, or strerror (errno). */
extern const char *wv_ntfs_reason (void);

#endif /* WINVIRTIO_NTFSVOL_INTERNAL_H */
