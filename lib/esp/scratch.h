/* winvirtio: an ESP's scratch copy, where mtools makes its changes.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Two sparse files the size of the ESP ($TMPDIR, default /var/tmp):
 * "orig" and "work".  The FAT reader reads through
 * wv_esp_scratch_read, which fills both with the source's bytes at
 * their offsets (in aligned 4 KiB pieces) the first time they are
 * read; nothing else of the ESP is ever read.  mtools then changes
 * "work" (its path is wv_esp_scratch_path).  wv_esp_scratch_commit
 * writes into the overlay the sectors of "work" that differ from
 * "orig", plus the ranges mtools allocated (given by the caller),
 * after checking that mtools wrote nothing anywhere else.
 */

#ifndef WINVIRTIO_ESP_SCRATCH_H
#define WINVIRTIO_ESP_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/rangeset.h"
#include "disk/overlay.h"

struct wv_esp_scratch {
  struct wv_overlay *ov;
  uint64_t base, size;          /* the ESP on the disk */
  int orig_fd, work_fd;
  char *work_path;              /* removed by wv_esp_scratch_close */
  struct wv_rangeset filled;    /* what was read, offsets in the ESP */
};

/* Make the two files.  Returns 0 or -1 after wv_error. */
extern int wv_esp_scratch_open (struct wv_esp_scratch *s,
                                struct wv_overlay *ov, uint64_t base,
                                uint64_t size);
extern void wv_esp_scratch_close (struct wv_esp_scratch *s);

/* A wv_fat_read_fn on the source (opaque is the scratch): fills. */
extern int wv_esp_scratch_read (void *opaque, void *buf, size_t count,
                                uint64_t offset);

/* A wv_fat_read_fn on "work" (opaque is the scratch): after mtools. */
extern int wv_esp_scratch_read_work (void *opaque, void *buf, size_t count,
                                     uint64_t offset);

/* Put mtools' changes into the overlay: the sectors of what was
 * filled that changed, and the allocated ranges (ESP offsets) that
 * were not filled.  Refuses, writing nothing, if "work" has non-zero
 * bytes anywhere else.  *changed_r is the number of bytes written.
 */
extern int wv_esp_scratch_commit (struct wv_esp_scratch *s,
                                  const struct wv_rangeset *allocated,
                                  uint64_t *changed_r);

#endif /* WINVIRTIO_ESP_SCRATCH_H */
