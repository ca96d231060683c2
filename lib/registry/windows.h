/* winvirtio: which Windows is this, from its SYSTEM and SOFTWARE
 * hives.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_WINDOWS_H
#define WINVIRTIO_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* From <hivex.h>, which only the registry code needs. */
struct hive_h;

struct wv_windows {
  /* From SOFTWARE\Microsoft\Windows NT\CurrentVersion. */
  char product_name[128];
  char edition_id[64];
  char installation_type[32];   /* "Client", "Server", "Server Core" */
  unsigned major, minor, build;
  bool server;

  /* From SYSTEM.  arch is "" when PROCESSOR_ARCHITECTURE is absent:
   * the planner then takes it from System32\cmd.exe's PE header
   * (plan/arch.h); arch_source says where it came from.
   */
  char arch[16];                /* virtio-win name: amd64, x86, ARM64 */
  char arch_source[128];
  unsigned control_set;         /* Select\Current */
  char control_set_name[16];    /* "ControlSet001" */
  bool has_driver_database;     /* Windows 8 and later */

  /* The RTC: UTC or local time (clock.c), and what said so. */
  bool rtc_utc;
  char rtc_source[64];

  /* virtio-win folder for this Windows ("w10", "2k19", ...), or NULL
   * if winvirtio does not know this version.
   */
  const char *osdir;
};

/* Fill w from the two hives.  Returns 0 or -1 (after wv_error); an
 * absent PROCESSOR_ARCHITECTURE is not an error (w->arch is ""), an
 * unknown one is.
 */
extern int wv_windows_identify (struct hive_h *system,
                                struct hive_h *software,
                                struct wv_windows *w);

/* clock.c: set w->rtc_utc and w->rtc_source from the SYSTEM hive
 * (w->control_set_name already set).  Never fails: a missing or odd
 * value means local time, Windows' own default.
 */
extern void wv_windows_clock (struct hive_h *system, struct wv_windows *w);

/* How drivers are bound, for the summary and inspect:
 * "DriverDatabase (Windows 8 and later)", "CriticalDeviceDatabase
 * (before Windows 8)", or for a Windows 8 or later whose hive has no
 * DriverDatabase, "CriticalDeviceDatabase (the SYSTEM hive has no
 * DriverDatabase)".
 */
extern const char *wv_windows_binding (const struct wv_windows *w);

/* "Windows 10 Pro (10.0 build 19045, amd64)" into buf. */
extern void wv_windows_describe (const struct wv_windows *w, char *buf,
                                 size_t len);

#endif /* WINVIRTIO_WINDOWS_H */
