/* winvirtio: labelled disk ranges, which NTFS structure a byte belongs
 * to (the block map's labels).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_NTFS_LABELS_H
#define WINVIRTIO_NTFS_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "map/map.h"

struct wv_ntfs;

/* Labelled disk ranges: which NTFS structure a byte belongs to. */
struct wv_label {
  uint64_t offset, length;
  char text[WV_MAP_LABEL_MAX];
};
struct wv_labels {
  struct wv_label *v;
  size_t len, cap;
};

/* Add the label printf (fs, ...) for [offset, offset+length); nothing
 * if length is 0.  Returns 0 or -1 after wv_error.
 */
extern int wv_labels_add (struct wv_labels *labels, uint64_t offset,
                          uint64_t length, const char *fs, ...)
  __attribute__ ((format (printf, 4, 5)));

/* Free the labels (not labels itself), leaving it empty. */
extern void wv_labels_free (struct wv_labels *labels);

/* The most specific label covering offset, or NULL. */
extern const char *wv_labels_find (const struct wv_labels *labels,
                                   uint64_t offset);

/* The next label boundary strictly after offset (UINT64_MAX if none). */
extern uint64_t wv_labels_next_edge (const struct wv_labels *labels,
                                     uint64_t offset);

/* Add labels for path: its MFT record, its $DATA runs or, for a
 * directory, its index runs.  what is the label text.
 */
extern int wv_ntfs_label_path (struct wv_ntfs *v, const char *path,
                               const char *what, struct wv_labels *labels);

/* Add labels for the volume's own metadata ($MFT, $MFTMirr, $Bitmap,
 * boot sectors, $LogFile) and the volume as a whole.
 */
extern int wv_ntfs_label_system (struct wv_ntfs *v, unsigned partnum,
                                 struct wv_labels *labels);

#endif /* WINVIRTIO_NTFS_LABELS_H */
