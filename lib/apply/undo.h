/* winvirtio: the undo file of winvirtio apply, in memory and on disk.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Before apply writes anything to a destination it saves, for every
 * extent of the map, the destination's bytes there now (old) and the
 * bytes it will write (new), with the destination's size and name and
 * the map's fingerprint.  With it, an interrupted apply can be
 * finished (write every new) or undone (write every old) without
 * planning again on a half-patched disk.  The layout is in
 * docs/winvirtio-map.pod, "THE UNDO FILE".
 */

#ifndef WINVIRTIO_UNDO_H
#define WINVIRTIO_UNDO_H

#include <stddef.h>
#include <stdint.h>

#include "map/map.h"

#define WV_UNDO_MAGIC "WVUNDO1\n"
#define WV_UNDO_PENDING "PENDING\n"   /* writing has started or may have */
#define WV_UNDO_COMPLETE "COMPLETE"   /* every extent written and flushed */
#define WV_UNDO_HEADER 72             /* bytes before the name */
#define WV_UNDO_STATE_OFFSET 8
#define WV_UNDO_NAME_MAX 4096

struct wv_undo_extent {
  uint64_t offset;
  uint32_t length;
  uint8_t *old;                 /* length bytes, owned */
  uint8_t *new;                 /* length bytes, owned */
};

struct wv_undo {
  int complete;                 /* the state word says COMPLETE */
  uint64_t dest_size;
  uint8_t fingerprint[WV_MAP_FINGERPRINT_LEN];
  char *dest_name;              /* as the user gave it; for messages */
  struct wv_undo_extent *extents;
  size_t nr_extents, cap_extents;
};

extern void wv_undo_free (struct wv_undo *undo);

/* Parse an undo file held in buf (undo-read.c).  Checks the magic,
 * the state word, the version, every length against the file, the
 * extents' order and bounds and the checksum.  Returns NULL after
 * wv_error naming path on any problem.
 */
extern struct wv_undo *wv_undo_parse (const uint8_t *buf, size_t len,
                                      const char *path);

/* Read and parse an undo file.  Returns NULL after wv_error. */
extern struct wv_undo *wv_undo_load (const char *path);

/* Write undo to path, state PENDING (undo-write.c): into a temporary
 * file beside it, fsynced, renamed over path, and the folder fsynced,
 * so that path is either absent or whole.  Returns 0 or -1.
 */
extern int wv_undo_save (const struct wv_undo *undo, const char *path);

/* Rewrite the state word of the undo file at path (WV_UNDO_PENDING or
 * WV_UNDO_COMPLETE) and fsync it.  Returns 0 or -1.
 */
extern int wv_undo_mark (const char *path, const char *state);

/* Remove the undo file and fsync its folder.  Returns 0 or -1. */
extern int wv_undo_remove (const char *path);

#endif /* WINVIRTIO_UNDO_H */
