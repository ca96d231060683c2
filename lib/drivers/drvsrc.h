/* winvirtio: driver sources: where the virtio-win drivers come from.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A source is one of three layouts, found out when it is opened:
 *
 *   - the virtio-win ISO image itself, read with libarchive (never
 *     mounted), laid out DRIVER/OS/ARCH/ (viostor/w10/amd64/);
 *   - a directory with the same layout (an unpacked or mounted ISO);
 *   - the installed virtio-win package (/usr/share/virtio-win):
 *     drivers/by-driver/DRIVER/OS/ARCH/ is used when present, else
 *     drivers/by-os/ARCH/OS/ (every driver in one folder, x86 named
 *     i386), where each INF and the files it names form a package.
 *
 * Folder and file names match case-insensitively ("2k8R2" is found
 * for "2k8r2").  A package is one driver folder for one Windows: its
 * files without .pdb symbols and without subfolders.  Left out of
 * everything: sriov (the SR-IOV failover helper, wherever it is) and
 * packages known to break the first boot (smbus on Server 2025).
 */

#ifndef WINVIRTIO_DRVSRC_H
#define WINVIRTIO_DRVSRC_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/inf.h"
#include "registry/windows.h"

struct wv_drvsrc;               /* an open driver source */

/* ---- drvsrc-open.c ---- */

/* Open path (ISO file or directory), or with path NULL the default
 * locations, as virt-v2v: $VIRTIO_WIN if set, else /usr/share/virtio-win;
 * a directory there is tried as DIR/virtio-win.iso, then as DIR
 * (wv_drvsrc_default).
 * Returns NULL after wv_error.
 */
extern struct wv_drvsrc *wv_drvsrc_open (const char *path);

/* The default location as an absolute path: $VIRTIO_WIN if set, else
 * /usr/share/virtio-win, and in a directory its virtio-win.iso if
 * there is one.  Returns a string to free, or NULL after wv_error
 * (which names the variable and the options that give a path).
 */
extern char *wv_drvsrc_default (void);

/* Close a source (NULL is allowed). */
extern void wv_drvsrc_close (struct wv_drvsrc *src);

/* The source for messages: "/usr/share/virtio-win/virtio-win.iso". */
extern const char *wv_drvsrc_name (const struct wv_drvsrc *src);

/* "iso image", "iso layout", "installed package (by-driver)", ... */
extern const char *wv_drvsrc_layout (const struct wv_drvsrc *src);

/* ---- drvsrc-pkgs.c ---- */

struct wv_drvsrc_pkg_file {
  char *name;                   /* as in the source: "viostor.inf" */
  uint8_t *data;
  size_t len;
};

struct wv_drvsrc_pkg {
  char *driver;                 /* lower-case folder name: "viostor" */
  char *where;                  /* "virtio-win.iso:/viostor/w10/amd64" */
  struct wv_drvsrc_pkg_file *files;
  size_t nr_files;
};

/* Every driver package src has for w, sorted by driver, without .pdb
 * files, sriov and packages known to break first boot.  When there is
 * none, the error names the Windows and the folders that exist.
 * Returns 0 or -1 after wv_error.
 */
extern int wv_drvsrc_packages (struct wv_drvsrc *src,
                               const struct wv_windows *w,
                               struct wv_drvsrc_pkg **pkgs_r, size_t *nr_r);

/* One driver's package (driver: folder name "viostor", "NetKVM",
 * "vioserial", or INF name "vioser").  When there is no folder for
 * this Windows, the error names the Windows found and the folders
 * that exist.  Returns 0 or -1 after wv_error.
 */
extern int wv_drvsrc_package (struct wv_drvsrc *src, const char *driver,
                              const struct wv_windows *w,
                              struct wv_drvsrc_pkg **pkg_r);

/* The file of pkg named name (case-insensitive), or NULL. */
extern const struct wv_drvsrc_pkg_file *
wv_drvsrc_pkg_find (const struct wv_drvsrc_pkg *pkg, const char *name);

/* Free one package (NULL is allowed). */
extern void wv_drvsrc_pkg_free (struct wv_drvsrc_pkg *pkg);

/* Free an array of n packages from wv_drvsrc_packages. */
extern void wv_drvsrc_pkgs_free (struct wv_drvsrc_pkg *pkgs, size_t n);

/* Read <driver>.sys of driver's package for w in src (for winvirtio
 * inspect).  *data_r and *path_r ("TREE/viostor/w10/amd64/viostor.sys")
 * are malloc'd.  Returns 0 or -1 after wv_error.
 */
extern int wv_drvsrc_driver_sys (struct wv_drvsrc *src, const char *driver,
                                 const struct wv_windows *w,
                                 uint8_t **data_r, size_t *len_r,
                                 char **path_r);

/* ---- drvsrc-byos.c ---- */

/* The INF target (inf.h) for w: arch "x86", "amd64" or "arm64"
 * (static strings), version, build and product type.
 */
extern void wv_drvsrc_inf_target (const struct wv_windows *w,
                                  struct wv_inf_target *t);

#endif /* WINVIRTIO_DRVSRC_H */
