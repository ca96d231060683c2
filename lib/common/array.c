/* winvirtio: making room in a growable array.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The array pointer is read and written through memcpy of a void *,
 * so that callers pass &ptr for any element type without a cast of
 * T ** to void **.
 */

#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/log.h"

int
wv_array_grow (void *ptrp, size_t *cap, size_t need, size_t size,
               size_t min)
{
  size_t ncap;
  void *p;

  if (need <= *cap)
    return 0;
  ncap = *cap ? *cap : min ? min : 1;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) {
      ncap = need;
      break;
    }
    ncap *= 2;
  }
  if (size == 0 || ncap > SIZE_MAX / size) {
    wv_error ("realloc: %zu elements of %zu bytes do not fit in memory",
              need, size);
    return -1;
  }
  memcpy (&p, ptrp, sizeof p);
  p = realloc (p, ncap * size);
  if (p == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  memcpy (ptrp, &p, sizeof p);
  *cap = ncap;
  return 0;
}

int
wv_strings_vappend (char ***list, size_t *nr, size_t *cap, const char *fs,
                    va_list args)
{
  char *msg;

  if (vasprintf (&msg, fs, args) == -1) {
    wv_error ("malloc: %m");
    return -1;
  }
  if (wv_array_grow (list, cap, *nr + 1, sizeof **list, 8) == -1) {
    free (msg);
    return -1;
  }
  (*list)[(*nr)++] = msg;
  return 0;
}
