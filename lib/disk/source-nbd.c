/* winvirtio: source back end for an NBD server, through libnbd.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdlib.h>
#include <stdint.h>
#include <inttypes.h>

#include <libnbd.h>

#include "common/log.h"
#include "disk/source.h"

/* The largest request most servers accept. */
#define MAX_REQUEST (32 * 1024 * 1024)

static int
nbd_source_pread (void *opaque, void *buf, size_t count, uint64_t offset)
{
  struct nbd_handle *nbd = opaque;
  char *p = buf;

  while (count > 0) {
    size_t n = count > MAX_REQUEST ? MAX_REQUEST : count;

    if (nbd_pread (nbd, p, n, offset, 0) == -1) {
      wv_error ("NBD read at offset %" PRIu64 ": %s",
                offset, nbd_get_error ());
      return -1;
    }
    p += n;
    count -= n;
    offset += n;
  }
  return 0;
}

static void
nbd_source_close (void *opaque)
{
  nbd_close (opaque);
}

struct wv_source *
wv_source_open_nbd (const char *uri)
{
  struct nbd_handle *nbd;
  struct wv_source *src;
  int64_t size;

  nbd = nbd_create ();
  if (nbd == NULL) {
    wv_error ("nbd_create: %s", nbd_get_error ());
    return NULL;
  }
  if (nbd_connect_uri (nbd, uri) == -1) {
    wv_error ("%s: %s", uri, nbd_get_error ());
    goto err;
  }
  size = nbd_get_size (nbd);
  if (size == -1) {
    wv_error ("%s: %s", uri, nbd_get_error ());
    goto err;
  }
  src = wv_source_new (uri, size, nbd_source_pread, nbd_source_close, nbd);
  if (src == NULL)
    goto err;
  return src;

 err:
  nbd_close (nbd);
  return NULL;
}
