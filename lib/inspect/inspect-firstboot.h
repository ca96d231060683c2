/* winvirtio: the first-boot settings of a SYSTEM hive (the inbox
 * storage fallbacks, SanPolicy, AutoReboot), for winvirtio inspect.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_INSPECT_FIRSTBOOT_H
#define WINVIRTIO_INSPECT_FIRSTBOOT_H

#include <hivex.h>

#include "inspect/inspect.h"
#include "ntfs/ntfs.h"

/* Fill r's first-boot facts from the SYSTEM hive h and the volume v
 * (sysroot its Windows folder); wv_inspect sets the keep_ fields from
 * the options.  Returns 0 or -1 after wv_error.
 */
extern int wv_inspect_firstboot (hive_h *h, const struct wv_windows *w,
                                 struct wv_ntfs *v, const char *sysroot,
                                 struct wv_inspect *r);

#endif /* WINVIRTIO_INSPECT_FIRSTBOOT_H */
