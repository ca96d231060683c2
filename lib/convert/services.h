/* winvirtio: a driver's service key and, before Windows 8, its
 * CriticalDeviceDatabase entries.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_SERVICES_H
#define WINVIRTIO_SERVICES_H

#include <stdbool.h>
#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

#include "drivers/pkg.h"
#include "registry/windows.h"

/* The package's service key in the current control set: Type, Start
 * (boot start if boot is set, whatever the INF says), ErrorControl,
 * Group, ImagePath, DisplayName, Owners (oem_inf, or info's own INF
 * name before Windows 8), and the service AddReg; a StartOverride key
 * is removed when boot is set; Services\EventLog\System\<svc> with
 * the event log section's AddReg.  Before Windows 8, also CriticalDeviceDatabase
 * entries for each ID.  Returns 0 or -1.
 */
extern int wv_services_add (struct hive_h *h,
                            const struct wv_windows *w,
                            const struct wv_pkg_info *info,
                            const char *oem_inf, bool boot,
                            FILE *log, bool *changed_r);

/* Make an existing service boot start: Start=0, no StartOverride.
 * For a newer driver already installed, which is kept.
 */
extern int wv_services_make_boot_start (struct hive_h *h,
                                        const struct wv_windows *w,
                                        const char *service, FILE *log,
                                        bool *changed_r);

#endif /* WINVIRTIO_SERVICES_H */
