/* winvirtio: a destination disk, opened read-write (winvirtio apply).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The one place where the engine writes a disk.  A local file or
 * block device (a block device opened with O_EXCL, so one that is
 * mounted or held open exclusively elsewhere is refused) or an NBD
 * URI through libnbd.  A read-only destination is refused when it is
 * opened, before anything is read or written.  Reads go through the
 * same handle (dest->src, a wv_source), so what is checked is what is
 * written.
 */

#ifndef WINVIRTIO_DEST_H
#define WINVIRTIO_DEST_H

#include <stddef.h>
#include <stdint.h>

#include "disk/source.h"

struct wv_dest;

/* Open name (a path or an NBD URI) read-write.  Returns NULL after
 * wv_error (read-only, busy, not a disk, unreachable).
 */
extern struct wv_dest *wv_dest_open (const char *name);

/* Reads through the destination's handle; owned by dest. */
extern struct wv_source *wv_dest_source (struct wv_dest *dest);

/* Write exactly count bytes at offset.  Returns 0, or -1 after
 * wv_error.
 */
extern int wv_dest_pwrite (struct wv_dest *dest, const void *buf,
                           size_t count, uint64_t offset);

/* Make every write so far durable (fsync, NBD flush).  Returns 0 or
 * -1 after wv_error.
 */
extern int wv_dest_flush (struct wv_dest *dest);

extern void wv_dest_close (struct wv_dest *dest);

/* Does name look like an NBD URI (what wv_source_open connects to)? */
extern int wv_is_nbd_uri (const char *name);

#endif /* WINVIRTIO_DEST_H */
