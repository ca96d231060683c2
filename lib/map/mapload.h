/* winvirtio: read and validate a block map file.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_MAPLOAD_H
#define WINVIRTIO_MAPLOAD_H

#include "map/map.h"

/* Read and validate a map file: magic, version, sizes, order, bounds,
 * checksum.  Returns NULL after wv_error on any problem.
 */
extern struct wv_map *wv_map_load (const char *path);

#endif /* WINVIRTIO_MAPLOAD_H */
