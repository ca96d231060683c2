/* winvirtio: read access to the source disk behind one callback.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "common/log.h"
#include "disk/source.h"

struct wv_source *
wv_source_new (const char *name, uint64_t size,
               wv_pread_fn pread, wv_close_fn close, void *opaque)
{
  struct wv_source *src = calloc (1, sizeof *src);

  if (src == NULL || (src->name = strdup (name)) == NULL) {
    wv_error ("malloc: %m");
    free (src);
    return NULL;
  }
  src->size = size;
  src->pread = pread;
  src->close = close;
  src->opaque = opaque;
  return src;
}

/* Open a path, or an NBD server when it looks like a URI. */
struct wv_source *
wv_source_open (const char *name)
{
  if (strncmp (name, "nbd://", 6) == 0 ||
      strncmp (name, "nbds://", 7) == 0 ||
      strncmp (name, "nbd+unix://", 11) == 0 ||
      strncmp (name, "nbds+unix://", 12) == 0 ||
      strncmp (name, "nbd+vsock://", 12) == 0)
    return wv_source_open_nbd (name);
  return wv_source_open_file (name);
}

int
wv_source_pread (struct wv_source *src, void *buf, size_t count,
                 uint64_t offset)
{
  char *msg;
  int r;

  if (count == 0)
    return 0;
  if (offset > src->size || count > src->size - offset) {
    wv_error ("%s: read of %zu bytes at offset %" PRIu64 " is beyond the "
              "end of the disk (%" PRIu64 " bytes): the image is truncated "
              "or its metadata is corrupt",
              src->name, count, offset, src->size);
    return -1;
  }
  /* Fail-stop: after one failed read, every later read fails too.  A
   * source that fails once and then succeeds (a flaky link) would let
   * libntfs-3g see part of an operation fail and the rest succeed, and
   * its error paths are not safe for that (a double close in
   * ntfs_set_ntfs_dos_name was seen); the plan is refused anyway.
   */
  if (src->read_errors > 0) {
    src->read_errors++;
    wv_debug ("%s: read of %zu bytes at offset %" PRIu64 " not tried: an "
              "earlier read failed", src->name, count, offset);
    errno = EIO;
    return -1;
  }
  /* The back end's message is kept (the planner quotes the first in
   * its one-line refusal) and passed on.
   */
  wv_error_capture_begin ();
  r = src->pread (src->opaque, buf, count, offset);
  msg = wv_error_capture_end ();
  if (r == -1) {
    src->read_errors++;
    if (msg == NULL && asprintf (&msg, "%s: read of %zu bytes at offset "
                                 "%" PRIu64 " failed", src->name, count,
                                 offset) == -1)
      msg = NULL;
    if (msg)
      wv_error ("%s", msg);
    if (src->first_error == NULL)
      src->first_error = msg;
    else
      free (msg);
    errno = EIO;
    return -1;
  }
  free (msg);
  src->bytes_read += count;
  src->requests++;
  if (src->record && wv_rangeset_add (src->record, offset, count) == -1)
    return -1;
  return 0;
}

void
wv_source_close (struct wv_source *src)
{
  if (src == NULL)
    return;
  if (src->close)
    src->close (src->opaque);
  free (src->first_error);
  free (src->name);
  free (src);
}
