/* winvirtio: a driver's service key and, before Windows 8, its
 * CriticalDeviceDatabase entries.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The functions are declared in driverstore.h (wv_pkg_add_service,
 * wv_pkg_make_boot_start); this header names the boot drivers.
 */

#ifndef WINVIRTIO_REGISTRY_H
#define WINVIRTIO_REGISTRY_H

#include <stddef.h>

/* The boot storage drivers made boot-ready in every image, by their
 * virtio-win folder name: viostor and vioscsi.
 */
extern const char *const wv_boot_drivers[];
extern const size_t wv_nr_boot_drivers;

#endif /* WINVIRTIO_REGISTRY_H */
