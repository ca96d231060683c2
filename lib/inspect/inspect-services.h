/* winvirtio: the storage and VirtIO services already in a SYSTEM hive,
 * for winvirtio inspect (inspect-services.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Internal to lib/inspect/: inspect.c calls it.
 */

#ifndef WINVIRTIO_INSPECT_SERVICES_H
#define WINVIRTIO_INSPECT_SERVICES_H

#include <hivex.h>

#include "inspect/inspect.h"
#include "registry/windows.h"

/* The services of interest in the SYSTEM hive h (already identified
 * as w), with their .sys checked in the mounted volume v (may be
 * NULL) under sysroot: appended to r->services.  Returns 0, or -1
 * after wv_error.
 */
struct wv_ntfs;
extern int wv_inspect_services (hive_h *h, const struct wv_windows *w,
                                struct wv_ntfs *v, const char *sysroot,
                                struct wv_inspect *r);

#endif /* WINVIRTIO_INSPECT_SERVICES_H */
