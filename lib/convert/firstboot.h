/* winvirtio: first-boot settings in the SYSTEM hive: the SAN policy
 * that decides whether new disks come online, and whether Windows
 * reboots by itself after a stop error.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_FIRSTBOOT_H
#define WINVIRTIO_FIRSTBOOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

#include "registry/windows.h"

#define WV_SAN_ONLINE_ALL 1

/* Services\partmgr\Parameters\SanPolicy in the current control set. */
struct wv_san_policy {
  int64_t value;                /* -1 if absent */
  bool applies;                 /* Windows has a SAN policy (Vista on) */
  bool offline;                 /* it would leave the disks offline */
  const char *why;              /* the reason, for the summary */
};

/* Read the SAN policy and decide: 2 (OfflineShared), 3 (OfflineAll)
 * and 4 (OfflineInternal) leave new disks offline, and so does an
 * absent value on a Server edition (its default is OfflineShared);
 * absent on a client (default OnlineAll), 1 or an unknown value does
 * not.  Windows XP and 2003 have no SAN policy.
 */
extern void wv_san_policy_read (struct hive_h *h, const struct wv_windows *w,
                                struct wv_san_policy *s);

/* Set SanPolicy to 1 (OnlineAll) if it would leave disks offline,
 * unless keep; say so on log.  Returns 0 or -1.
 */
extern int wv_san_policy_fix (struct hive_h *h, const struct wv_windows *w,
                              bool keep, FILE *log, bool *changed_r);

/* Control\CrashControl in the current control set. */
struct wv_autoreboot {
  bool key;                     /* CrashControl exists */
  int64_t value;                /* AutoReboot, -1 if absent (= 1) */
};

extern void wv_autoreboot_read (struct hive_h *h, const struct wv_windows *w,
                                struct wv_autoreboot *a);

/* Set AutoReboot to 0 where the CrashControl key exists, unless keep,
 * as virt-v2v does; say so on log.  Returns 0 or -1.
 */
extern int wv_autoreboot_fix (struct hive_h *h, const struct wv_windows *w,
                              bool keep, FILE *log, bool *changed_r);

#endif /* WINVIRTIO_FIRSTBOOT_H */
