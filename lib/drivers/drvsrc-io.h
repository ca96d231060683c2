/* winvirtio: listing and reading the files of a driver source (a
 * directory tree or an ISO image read with libarchive).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Private to drvsrc-*.c.  Paths are relative to the root, with "/"
 * between elements and the case the source has.
 */

#ifndef WINVIRTIO_DRVSRC_IO_H
#define WINVIRTIO_DRVSRC_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest file read from a driver source. */
#define WV_DRVSRC_MAX_FILE (64 * 1024 * 1024)

struct wv_drvsrc_entry {
  char *path;
  uint64_t size;
};

/* An entry of a directory tree that is not listed: a symbolic link
 * that cannot be followed (err is stat's errno: a loop, a missing
 * target), or one to a folder, which is never followed (err 0).  The
 * messages that say a folder is missing name these instead.
 */
struct wv_drvsrc_skipped {
  char *path;
  int err;
};

struct wv_drvsrc_list {
  struct wv_drvsrc_entry *files;
  size_t nr_files, cap_files;
  struct wv_drvsrc_skipped *skipped;
  size_t nr_skipped, cap_skipped;
};

/* List the regular files below directory root (not following
 * symlinked folders; those and broken links are in l->skipped).
 * Returns 0 or -1 after wv_error.
 */
extern int wv_drvsrc_list_dir (const char *root, struct wv_drvsrc_list *l);

/* List the regular files of the ISO image iso.  Returns 0 or -1 after
 * wv_error (which says the file is not an ISO image if so).
 */
extern int wv_drvsrc_list_iso (const char *iso, struct wv_drvsrc_list *l);

/* Free the list (not l itself). */
extern void wv_drvsrc_list_free (struct wv_drvsrc_list *l);

/* Read the files paths[0..n-1] (each must be in the list) of a source:
 * a directory if !is_iso, else the ISO file root, in one pass.
 * datas[i] and lens[i] are filled (malloc'd).  Returns 0 or -1 after
 * wv_error, with nothing left allocated.
 */
extern int wv_drvsrc_read (const char *root, bool is_iso,
                           const char *const *paths, size_t n,
                           uint8_t **datas, size_t *lens);

#endif /* WINVIRTIO_DRVSRC_IO_H */
