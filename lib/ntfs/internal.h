/* winvirtio: what the NTFS files share inside the engine (not for
 * other domains: they use ntfs.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_NTFS_INTERNAL_H
#define WINVIRTIO_NTFS_INTERNAL_H

#include <stdint.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/volume.h>

#include "disk/source.h"

struct wv_ntfs {
  ntfs_volume *vol;
  void *devpriv;                /* freed after ntfs_umount */
  uint64_t offset;              /* of the partition */
  char *name;                   /* for messages */
  struct wv_source *src;        /* under the overlay */
  uint64_t read_errors;         /* src->read_errors at the last clear */
};

/* reason.c */

/* Install libntfs-3g's log handler (once per process). */
extern void wv_ntfs_init_logging (void);

/* Before a libntfs-3g call that may fail: forget what libntfs-3g
 * said last, and note the source's read errors so far.
 */
extern void wv_ntfs_clear_reason (struct wv_ntfs *v);

/* The first error libntfs-3g logged since wv_ntfs_clear_reason (its
 * first line, in words a user knows), or if_none if there is none.
 */
extern const char *wv_ntfs_last_error (const char *if_none);

/* Why the libntfs-3g call failed, for the end of a message: the first
 * line of what libntfs-3g said (or strerror (errno)).  When the
 * source read fine and libntfs-3g found something it could not make
 * sense of (EIO, EINVAL, ERANGE, EOVERFLOW), the volume is damaged
 * and the text says so and what to do: "the NTFS volume is damaged
 * (REASON): run chkdsk /f ...".  Call right after the failure (it
 * reads errno).
 */
extern const char *wv_ntfs_why (struct wv_ntfs *v);

/* files.c */

/* Open path; NULL with errno ENOENT if absent (no message), or NULL
 * after wv_error.
 */
extern ntfs_inode *wv_ntfs_open_path (struct wv_ntfs *v, const char *path);

#endif /* WINVIRTIO_NTFS_INTERNAL_H */
