/* winvirtio: the inbox storage drivers a guest can fall back on (the
 * SATA path of a two-phase first boot), their state, and making the
 * SATA one boot start.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_FALLBACK_H
#define WINVIRTIO_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

#include "ntfs/ntfs.h"
#include "registry/windows.h"

/* The inbox fallbacks reported, in this order: storahci, stornvme,
 * msahci, intelide, pciide.
 */
#define WV_NR_FALLBACKS 5
extern const char *const wv_fallback_names[WV_NR_FALLBACKS];

/* One inbox driver's state in the current control set. */
struct wv_fallback {
  const char *name;             /* from wv_fallback_names */
  bool present;                 /* Services\<name> exists */
  int64_t start;                /* -1 if absent */
  bool start_override;          /* has a StartOverride subkey */
  int file_exists;              /* System32\drivers\<name>.sys: 1, 0, -1 */
  bool boot_ready;              /* present, Start=0, no override, file */
};

/* The SATA (AHCI) driver winvirtio makes boot start for this Windows:
 * "storahci" from Windows 8 on, "msahci" on Windows 7 and Server 2008
 * R2, NULL before (Vista and older have no inbox driver winvirtio
 * knows to be safe to force).
 */
extern const char *wv_fallback_sata (const struct wv_windows *w);

/* Read name's state from the SYSTEM hive h and (if v is not NULL) its
 * file under sysroot in the volume v.  Returns 0 or -1.
 */
extern int wv_fallback_read (struct hive_h *h, const struct wv_windows *w,
                             struct wv_ntfs *v, const char *sysroot,
                             const char *name, struct wv_fallback *f);

/* Make the SATA driver of this Windows boot start (Start=0, no
 * StartOverride) in the current control set, if its service key and
 * its .sys file are there; say on log what was done, or why not.
 * Returns 0 or -1.
 */
extern int wv_fallback_make_sata_ready (struct hive_h *h,
                                        const struct wv_windows *w,
                                        struct wv_ntfs *v,
                                        const char *sysroot, FILE *log,
                                        bool *changed_r);

#endif /* WINVIRTIO_FALLBACK_H */
