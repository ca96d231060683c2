/* winvirtio: driver packages registered offline the way Windows'
 * own installer leaves them (DriverStore, INF\oem<N>.inf,
 * DriverDatabase).  The package model is drivers/pkg.h; the driver's
 * service key is registry.h.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_DRIVERSTORE_H
#define WINVIRTIO_DRIVERSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

#include "drivers/pkg.h"
#include "registry/windows.h"

/* "viostor.inf_amd64_<16 hex digits>": the DriverStore folder name of
 * the package, a stable hash of its files (see driverstore.c).
 */
extern int wv_driverstore_folder_name (const struct wv_pkg_info *info,
                                       const struct wv_windows *w,
                                       char *buf, size_t len);

/* What the DriverDatabase already holds for a package with this INF
 * name.
 */
struct wv_driverstore_state {
  char oem_inf[32];             /* "oem7.inf": the package's published name */
  char installed[128];          /* folder name of the newest installed one */
  char installed_oem[32];       /* and its published name */
  uint64_t installed_date, installed_version;
  bool same;                    /* installed[] is this very package */
  bool newer;                   /* an installed one is newer than ours */
};

/* Look in h's DriverDatabase for packages whose InfName is info's,
 * fill *st, and when this package is not there yet pick the next free
 * oem<N>.inf: the first N used neither by DriverInfFiles, nor
 * OemInfMap, nor a file in the volume's INF folder (inf_names, a
 * NULL-terminated list of lower-case names).  Returns 0 or -1.
 */
extern int wv_driverstore_lookup (struct hive_h *h,
                                  const struct wv_windows *w,
                                  const struct wv_pkg_info *info,
                                  const char *folder, char *const *inf_names,
                                  struct wv_driverstore_state *st);

/* Write the DriverDatabase entries of a package published as oem_inf
 * in folder: DriverInfFiles, DriverPackages (Version, Provider,
 * Configurations, Descriptors, Strings), DeviceIds, OemInfMap.
 * when is the ImportDate (NTFS time).  Changes are logged on log,
 * *changed_r set if any.  Returns 0 or -1.
 */
extern int wv_driverstore_register (struct hive_h *h,
                                    const struct wv_windows *w,
                                    const struct wv_pkg_info *info,
                                    const char *folder, const char *oem_inf,
                                    uint64_t when, FILE *log, bool *changed_r);

/* DriverDatabase\UpdateDate (BINARY 8, a FILETIME, as on a real
 * Windows 10) set to when (NTFS time): call it after a package was
 * registered, so that it says when the database last changed.
 * Returns 0 or -1.
 */
extern int wv_driverstore_set_update_date (struct hive_h *h, uint64_t when,
                                           FILE *log, bool *changed_r);

#endif /* WINVIRTIO_DRIVERSTORE_H */
