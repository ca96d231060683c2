/* winvirtio: the balloon package's user-mode service (blnsvr.exe),
 * registered as "blnsvr -i" registers it.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_BLNSVR_H
#define WINVIRTIO_BLNSVR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

#include "drivers/pkg.h"
#include "registry/windows.h"

/* The service name and the file, as virtio-win's blnsvr names them. */
#define WV_BLNSVR_SERVICE "BalloonService"
#define WV_BLNSVR_FILE "blnsvr.exe"

/* The Balloon package among pkgs (n of them) if it has blnsvr.exe,
 * else NULL.
 */
extern const struct wv_pkg_info *wv_blnsvr_package
  (const struct wv_pkg_info *pkgs, size_t n);

/* Register BalloonService in the current control set of the SYSTEM
 * hive h, running blnsvr.exe from Windows\Drivers\VirtIO (where every
 * package's files are copied), if the Balloon package with blnsvr.exe
 * is among pkgs and the guest has no BalloonService yet; say on log
 * what was done or why not.  Returns 0 or -1.
 */
extern int wv_blnsvr_register (struct hive_h *h, const struct wv_windows *w,
                               const struct wv_pkg_info *pkgs, size_t n,
                               FILE *log, bool *changed_r);

#endif /* WINVIRTIO_BLNSVR_H */
