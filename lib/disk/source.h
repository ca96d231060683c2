/* winvirtio: read access to the source disk behind one callback.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The engine reads the source only through wv_source_pread.  Three
 * back ends fill in the callback: a local file (source-file.c), an NBD
 * URI through libnbd (source-nbd.c) and, in the filter, nbdkit's next
 * backend (filter/winvirtio.c).  The engine never writes the source:
 * there is no write callback.
 */

#ifndef WINVIRTIO_SOURCE_H
#define WINVIRTIO_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/rangeset.h"

/* Read exactly count bytes at offset into buf.  Return 0, or -1 after
 * reporting the error with wv_error.  Reads beyond the end of the
 * source are never asked for.
 */
typedef int (*wv_pread_fn) (void *opaque, void *buf, size_t count,
                            uint64_t offset);
typedef void (*wv_close_fn) (void *opaque);

struct wv_source {
  char *name;                   /* for messages */
  uint64_t size;                /* virtual size in bytes */
  wv_pread_fn pread;
  wv_close_fn close;            /* may be NULL */
  void *opaque;

  /* Accounting, for the summary and the benchmarks. */
  uint64_t bytes_read;
  uint64_t requests;

  /* Reads that failed.  A caller may go on after a failed read
   * (libntfs-3g sometimes does), so the planner checks this count
   * and never uses a plan made while a read failed.  After the first
   * failure every read fails (fail-stop, see source.c).
   */
  uint64_t read_errors;
  char *first_error;            /* the first failed read's message */

  /* If not NULL, every read is added to this set. */
  struct wv_rangeset *record;
};

/* Wrap a callback.  name is copied.  Returns NULL on error. */
extern struct wv_source *wv_source_new (const char *name, uint64_t size,
                                        wv_pread_fn pread,
                                        wv_close_fn close, void *opaque);

/* Open a local file or block device read-only. */
extern struct wv_source *wv_source_open_file (const char *path);

/* Connect to an NBD URI (nbd://, nbd+unix://, ...) read-only. */
extern struct wv_source *wv_source_open_nbd (const char *uri);

/* Open a local path or, if it looks like a URI, an NBD server. */
extern struct wv_source *wv_source_open (const char *name);

/* Read through the callback, checking bounds and accounting. */
extern int wv_source_pread (struct wv_source *src, void *buf, size_t count,
                            uint64_t offset);

extern void wv_source_close (struct wv_source *src);

#endif /* WINVIRTIO_SOURCE_H */
