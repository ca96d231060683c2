/* winvirtio: the files of a driver package are checked before they
 * are used: each .sys a kernel-mode PE image for this Windows, each
 * .dll and .exe a PE image for it, each .cat a signed catalog.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_DRVFILE_H
#define WINVIRTIO_DRVFILE_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/catalog.h"
#include "drivers/pkg.h"
#include "registry/windows.h"

/* Check one file of a package by the extension of its name (.sys,
 * .dll, .exe, .cat; any case; other files pass) for Windows w.  path
 * is the file as the driver source shows it, for the message.  For a
 * catalog, *signer is filled when signer is not NULL (free it with
 * wv_catalog_signer_free).  Returns 0, or -1 after wv_error (one line: "PATH
 * is not a driver: 0 bytes; use an intact virtio-win release").
 */
extern int wv_drvfile_check (const char *path, const char *name,
                             const uint8_t *data, size_t len,
                             const struct wv_windows *w,
                             struct wv_catalog_signer *signer);

/* Check every file of info for w, and set info's signer from its
 * catalog (the INF's CatalogFile, else the first .cat; none: no
 * signer, SignerScore Authenticode).  Returns 0 or -1 after wv_error.
 */
extern int wv_drvfile_check_pkg (struct wv_pkg_info *info,
                                 const struct wv_windows *w);

#endif /* WINVIRTIO_DRVFILE_H */
