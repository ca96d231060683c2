/* winvirtio: write a block map to its file.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_MAPSAVE_H
#define WINVIRTIO_MAPSAVE_H

#include "map/map.h"

/* Write the map to path (atomically: temp file then rename). */
extern int wv_map_save (const struct wv_map *map, const char *path);

#endif /* WINVIRTIO_MAPSAVE_H */
