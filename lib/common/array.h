/* winvirtio: making room in a growable array.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The engine's arrays that grow as they are filled keep a pointer, a
 * count and a capacity; wv_array_grow is the one place that reallocates
 * them, so the capacity doubles and the size is checked for overflow
 * everywhere the same way.
 */

#ifndef WINVIRTIO_ARRAY_H
#define WINVIRTIO_ARRAY_H

#include <stdarg.h>
#include <stddef.h>

/* Make room for at least NEED elements of SIZE bytes in the array
 * *PTRP (a pointer to the array pointer) whose capacity is *CAP
 * elements: the capacity doubles (starting at MIN) until it holds NEED.
 * Returns 0, or -1 with wv_error ("realloc: ...") on overflow or out of
 * memory; on failure *PTRP and *CAP are unchanged.
 */
extern int wv_array_grow (void *ptrp, size_t *cap, size_t need, size_t size,
                          size_t min);

/* Append a new string, formatted as vprintf would, to the array of
 * strings *LIST of *NR elements and capacity *CAP (grown with
 * wv_array_grow).  Returns 0, or -1 after wv_error; on failure the
 * array is unchanged.
 */
extern int wv_strings_vappend (char ***list, size_t *nr, size_t *cap,
                               const char *fs, va_list args)
  __attribute__ ((format (printf, 4, 0)));

#endif /* WINVIRTIO_ARRAY_H */
