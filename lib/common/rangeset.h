/* winvirtio: a set of byte ranges, kept sorted and coalesced.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Used to record which bytes of the source the planner read (the
 * block map's fingerprint covers exactly those bytes).
 */

#ifndef WINVIRTIO_RANGESET_H
#define WINVIRTIO_RANGESET_H

#include <stddef.h>
#include <stdint.h>

struct wv_range {
  uint64_t offset;
  uint64_t length;
};

struct wv_rangeset {
  struct wv_range *ranges;      /* sorted by offset, never touching */
  size_t len, cap;
};

/* Add [offset, offset+length); merges with neighbours.  Returns 0 or
 * -1 (out of memory, reported with wv_error).
 */
extern int wv_rangeset_add (struct wv_rangeset *set,
                            uint64_t offset, uint64_t length);

/* Index of the first range that ends after offset (len if none). */
extern size_t wv_rangeset_find (const struct wv_rangeset *set,
                                uint64_t offset);

/* Total number of bytes in the set. */
extern uint64_t wv_rangeset_bytes (const struct wv_rangeset *set);

extern void wv_rangeset_reset (struct wv_rangeset *set);

#endif /* WINVIRTIO_RANGESET_H */
