/* winvirtio: the driver packages to install, read from the driver
 * source and described from their INFs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PKGINFO_H
#define WINVIRTIO_PKGINFO_H

#include <stddef.h>

#include "driverstore.h"
#include "windows.h"

/* The package of driver (a virtio-win folder name: "viostor") for
 * this Windows, with its files, described from its INF.  Returns 0
 * or -1 after wv_error.
 */
extern int wv_pkg_load (const char *tree, const char *driver,
                        const struct wv_windows *w,
                        struct wv_pkg_info *info);

/* Every other package the source has for this Windows (not the boot
 * drivers).  *pkgs_r is malloc'd, each entry to be freed with
 * wv_pkg_info_free.  Returns 0 or -1.
 */
extern int wv_pkg_load_others (const char *tree, const struct wv_windows *w,
                               struct wv_pkg_info **pkgs_r, size_t *n_r);

#endif /* WINVIRTIO_PKGINFO_H */
