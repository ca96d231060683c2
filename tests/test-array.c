/* winvirtio tests: the growable array (common/array.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The capacities expected are worked out by hand from the rule (double
 * from MIN until NEED fits), not computed by the code under test.
 */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/log.h"

struct elem {
  uint64_t a;
  char b[24];
};

static int failed;

static void
check (const char *what, int ok)
{
  if (!ok) {
    printf ("FAIL: %s\n", what);
    failed++;
  }
}

/* Grow and check the result and the capacity. */
static void
grow (const char *what, struct elem **v, size_t *cap, size_t need,
      size_t min, size_t want_cap)
{
  int r = wv_array_grow (v, cap, need, sizeof **v, min);

  if (r != 0 || *cap != want_cap || *v == NULL) {
    printf ("FAIL: %s: returned %d, capacity %zu (want %zu)\n", what, r,
            *cap, want_cap);
    failed++;
  }
}

/* Fill elements [from, to) with their index. */
static void
fill (struct elem *v, size_t from, size_t to)
{
  size_t i;

  for (i = from; i < to; ++i) {
    v[i].a = i;
    snprintf (v[i].b, sizeof v[i].b, "element %zu", i);
  }
}

/* Whether elements [0, n) still hold their index. */
static int
kept (const struct elem *v, size_t n)
{
  char b[24];
  size_t i;

  for (i = 0; i < n; ++i) {
    snprintf (b, sizeof b, "element %zu", i);
    if (v[i].a != i || strcmp (v[i].b, b) != 0)
      return 0;
  }
  return 1;
}

int
main (void)
{
  struct elem *v = NULL, *before;
  size_t cap = 0;
  unsigned char *bytes = NULL;
  size_t bytes_cap = 0;
  char *msg;
  int r;

  /* The first growth allocates MIN elements, whatever NEED below it. */
  grow ("first, need 1, min 4", &v, &cap, 1, 4, 4);
  fill (v, 0, 4);

  /* Room already there: nothing moves. */
  before = v;
  grow ("need 4, capacity 4", &v, &cap, 4, 4, 4);
  check ("need within capacity keeps the pointer", v == before);
  grow ("need 0", &v, &cap, 0, 4, 4);

  /* One more doubles; the elements are kept. */
  grow ("need 5, capacity 4", &v, &cap, 5, 4, 8);
  check ("elements kept after doubling", kept (v, 4));
  fill (v, 4, 8);

  /* MIN only counts for an empty array. */
  grow ("need 9, capacity 8, min 64", &v, &cap, 9, 64, 16);
  check ("elements kept after the second doubling", kept (v, 8));

  /* NEED larger than double: doubles until it fits. */
  grow ("need 100, capacity 16", &v, &cap, 100, 4, 128);
  check ("elements kept after growing eightfold", kept (v, 8));
  fill (v, 8, 100);

  /* An empty array with NEED above MIN: MIN doubled until it fits. */
  r = wv_array_grow (&bytes, &bytes_cap, 1000, 1, 64);
  check ("bytes: need 1000 from empty, min 64", r == 0 &&
         bytes_cap == 1024 && bytes != NULL);
  /* MIN 0 is taken as 1. */
  free (bytes);
  bytes = NULL;
  bytes_cap = 0;
  r = wv_array_grow (&bytes, &bytes_cap, 3, 1, 0);
  check ("bytes: need 3 from empty, min 0", r == 0 && bytes_cap == 4 &&
         bytes != NULL);
  free (bytes);

  /* Overflow of the size: refused, the array left as it was. */
  before = v;
  wv_error_capture_begin ();
  r = wv_array_grow (&v, &cap, SIZE_MAX / sizeof *v + 1, sizeof *v, 4);
  msg = wv_error_capture_end ();
  check ("overflow refused", r == -1);
  check ("overflow leaves the pointer", v == before);
  check ("overflow leaves the capacity", cap == 128);
  check ("overflow leaves the elements", kept (v, 100));
  check ("overflow says realloc", msg && strncmp (msg, "realloc: ", 9) == 0);
  free (msg);

  /* Doubling that would overflow the capacity itself: refused too. */
  wv_error_capture_begin ();
  r = wv_array_grow (&v, &cap, SIZE_MAX, sizeof *v, 4);
  msg = wv_error_capture_end ();
  check ("capacity overflow refused", r == -1 && v == before && cap == 128);
  check ("capacity overflow says realloc",
         msg && strncmp (msg, "realloc: ", 9) == 0);
  free (msg);
  check ("elements kept after the refusals", kept (v, 100));

  free (v);
  printf ("%s\n", failed ? "FAILED" : "ok");
  return failed ? 1 : 0;
}
