/* winvirtio: the libosinfo short id of a Windows ("win10", "win2k19"),
 * for winvirtio inspect --xml (osinfo.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_OSINFO_H
#define WINVIRTIO_OSINFO_H

#include "registry/windows.h"

/* The short id osinfo-db gives this Windows (its version, build,
 * whether it is a server, and for Server 2003 whether it is R2), or
 * NULL if it is none winvirtio knows.
 */
extern const char *wv_osinfo_windows (const struct wv_windows *w);

#endif /* WINVIRTIO_OSINFO_H */
