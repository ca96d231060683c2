/* winvirtio: the disk that winvirtio serves, read through a block map:
 * the bytes of a read and the block status of a range.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The served disk is the source with the map's extents laid over it
 * and its zero ranges (free-space trim) read as zeroes.  The filter's
 * .pread and .extents callbacks are these functions with the plugin
 * behind the callback, so the unit tests and the fuzzers reach the
 * same code without nbdkit.
 */

#ifndef WINVIRTIO_MAPREAD_H
#define WINVIRTIO_MAPREAD_H

#include <stdint.h>

#include "map/map.h"

/* Copy the patched bytes that fall in [offset, offset+count) over buf,
 * which holds the source's bytes for that range.
 */
extern void wv_map_apply (const struct wv_map *map, void *buf,
                          uint32_t count, uint64_t offset);

/* What a piece of a read is made of. */
enum wv_map_piece {
  WV_MAP_PIECE_SOURCE,          /* the source's bytes, then patched */
  WV_MAP_PIECE_PATCHED,         /* inside one extent: its bytes only */
  WV_MAP_PIECE_ZERO,            /* inside a zero range: zeroes */
};

/* Called by wv_map_read for each piece, in order, with buf pointing
 * at the piece's count bytes in the caller's buffer.  For
 * WV_MAP_PIECE_SOURCE the callback must read the source's bytes at
 * [offset, offset+count) into buf; wv_map_read then lays the extents
 * over them.  For the other kinds buf already holds the piece's bytes
 * and the source is not to be read.  Returns 0, or -1 to fail the
 * read.
 */
typedef int (*wv_map_piece_fn) (void *opaque, enum wv_map_piece kind,
                                void *buf, uint32_t count,
                                uint64_t offset);

/* Fill buf with the served disk's bytes at [offset, offset+count),
 * calling fn for each piece.  The read is cut at the edges of the
 * zero ranges: each part inside a zero range is a WV_MAP_PIECE_ZERO
 * piece; each part between them is one WV_MAP_PIECE_PATCHED piece if
 * it lies entirely inside one extent, else one WV_MAP_PIECE_SOURCE
 * piece (one read of the source however many extents it crosses).
 * Returns 0, or -1 as soon as fn does.
 */
extern int wv_map_read (const struct wv_map *map, void *buf,
                        uint32_t count, uint64_t offset,
                        wv_map_piece_fn fn, void *opaque);

/* Block status types, the NBD protocol's (NBD_STATE_HOLE,
 * NBD_STATE_ZERO), as nbdkit's NBDKIT_EXTENT_HOLE and _ZERO.
 */
#define WV_MAP_EXTENT_HOLE 1
#define WV_MAP_EXTENT_ZERO 2

/* Called by wv_map_split_extent for each run, in order.  Returns 0,
 * or -1 to stop.
 */
typedef int (*wv_map_extent_fn) (void *opaque, uint64_t offset,
                                 uint64_t length, uint32_t type);

/* Split one extent of the source's block status, [offset,
 * offset+length) of type source_type, into the runs that the served
 * disk reports, and call fn for each: every zero range as a hole that
 * reads as zeroes (WV_MAP_EXTENT_HOLE | WV_MAP_EXTENT_ZERO); every
 * patched extent as data (type 0), one run each, since a hole or zero
 * there would make qemu-img or nbdcopy skip bytes that the map
 * changed; and the rest as source_type.  The runs cover the extent
 * exactly.  Returns 0, or -1 as soon as fn does.
 */
extern int wv_map_split_extent (const struct wv_map *map, uint64_t offset,
                                uint64_t length, uint32_t source_type,
                                wv_map_extent_fn fn, void *opaque);

#endif /* WINVIRTIO_MAPREAD_H */
