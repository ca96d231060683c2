/* winvirtio: print a block map ("winvirtio dump"), as text or JSON.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_MAPDUMP_H
#define WINVIRTIO_MAPDUMP_H

#include <stdbool.h>
#include <stdio.h>

#include "map/map.h"

/* Print the map: a header, then one extent a line (offset, length,
 * label); or JSON.  Returns 0 or -1.
 */
extern int wv_map_dump (const struct wv_map *map, FILE *fp, bool json);

#endif /* WINVIRTIO_MAPDUMP_H */
