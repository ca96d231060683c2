/* winvirtio: the SYSTEM hive edits that make Windows start a VirtIO
 * storage driver at boot.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_REGISTRY_H
#define WINVIRTIO_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include <hivex.h>

#include "windows.h"

/* A boot storage driver and the PCI devices it drives. */
struct wv_boot_driver {
  const char *name;             /* service and file name: "viostor" */
  const char *legacy_id;        /* "VEN_1AF4&DEV_1001&REV_00" */
  const char *modern_id;        /* "VEN_1AF4&DEV_1042&REV_01" */
};

/* viostor and vioscsi. */
extern const struct wv_boot_driver wv_boot_drivers[];
extern const size_t wv_nr_boot_drivers;

/* Make drv a boot-start service bound to its PCI IDs, in the current
 * control set of the SYSTEM hive h.  Each change is described on log,
 * one line each.  *changed_r is set if anything changed.  Returns 0
 * or -1.
 */
extern int wv_registry_add_boot_driver (hive_h *h, const struct wv_windows *w,
                                        const struct wv_boot_driver *drv,
                                        FILE *log, bool *changed_r);

#endif /* WINVIRTIO_REGISTRY_H */
