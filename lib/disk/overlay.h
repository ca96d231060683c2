/* winvirtio: in-memory copy-on-write overlay over the source disk.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Every write the planner makes (through libntfs-3g) lands here; reads
 * see the overlay first and the source underneath.  The source is
 * never written.  At the end, the blocks that differ from the source
 * become the block map.
 */

#ifndef WINVIRTIO_OVERLAY_H
#define WINVIRTIO_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#include "disk/source.h"

struct wv_overlay;

extern struct wv_overlay *wv_overlay_new (struct wv_source *src);
extern void wv_overlay_free (struct wv_overlay *ov);

extern int wv_overlay_pread (struct wv_overlay *ov, void *buf, size_t count,
                             uint64_t offset);
extern int wv_overlay_pwrite (struct wv_overlay *ov, const void *buf,
                              size_t count, uint64_t offset);

/* Called for each maximal run of bytes that differ from the source,
 * in ascending order, at 512-byte granularity.  Return 0 or -1.
 */
typedef int (*wv_overlay_run_fn) (void *opaque, uint64_t offset,
                                  uint32_t length, const uint8_t *data);

/* Walk the differences.  A block that was written with the bytes it
 * already had contributes nothing.
 */
extern int wv_overlay_diff (struct wv_overlay *ov, wv_overlay_run_fn fn,
                            void *opaque);

/* The source under the overlay. */
extern struct wv_source *wv_overlay_source (const struct wv_overlay *ov);

/* Number of blocks held (written at least once). */
extern size_t wv_overlay_blocks (const struct wv_overlay *ov);

#endif /* WINVIRTIO_OVERLAY_H */
