/* winvirtio: a set of byte ranges, kept sorted and coalesced.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Insertion finds the first range that ends at or after the new start
 * (binary search), swallows every range that touches the new one, and
 * shifts the tail.  The planner's reads are mostly ascending and the
 * set stays small (hundreds to a few thousand ranges), so this is
 * plenty.
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/rangeset.h"

/* Index of the first range whose end is >= offset. */
static size_t
first_touching (const struct wv_rangeset *set, uint64_t offset)
{
  size_t lo = 0, hi = set->len;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct wv_range *r = &set->ranges[mid];

    if (r->offset + r->length < offset)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int
wv_rangeset_add (struct wv_rangeset *set, uint64_t offset, uint64_t length)
{
  uint64_t end = offset + length;
  size_t i, j;

  if (length == 0)
    return 0;
  i = first_touching (set, offset);
  j = i;
  while (j < set->len && set->ranges[j].offset <= end) {
    uint64_t rend = set->ranges[j].offset + set->ranges[j].length;

    if (set->ranges[j].offset < offset)
      offset = set->ranges[j].offset;
    if (rend > end)
      end = rend;
    j++;
  }

  if (i == j) {                 /* Nothing touched: insert at i. */
    if (wv_array_grow (&set->ranges, &set->cap, set->len + 1,
                       sizeof set->ranges[0], 64) == -1)
      return -1;
    memmove (&set->ranges[i + 1], &set->ranges[i],
             (set->len - i) * sizeof set->ranges[0]);
    set->len++;
  }
  else if (j - i > 1) {         /* Several merged into one. */
    memmove (&set->ranges[i + 1], &set->ranges[j],
             (set->len - j) * sizeof set->ranges[0]);
    set->len -= j - i - 1;
  }
  set->ranges[i].offset = offset;
  set->ranges[i].length = end - offset;
  return 0;
}

size_t
wv_rangeset_find (const struct wv_rangeset *set, uint64_t offset)
{
  size_t lo = 0, hi = set->len;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct wv_range *r = &set->ranges[mid];

    if (r->offset + r->length <= offset)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

uint64_t
wv_rangeset_bytes (const struct wv_rangeset *set)
{
  uint64_t total = 0;
  size_t i;

  for (i = 0; i < set->len; ++i)
    total += set->ranges[i].length;
  return total;
}

void
wv_rangeset_reset (struct wv_rangeset *set)
{
  free (set->ranges);
  set->ranges = NULL;
  set->len = set->cap = 0;
}
