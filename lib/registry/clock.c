/* winvirtio: whether Windows keeps the real-time clock in UTC or in
 * local time, from the SYSTEM hive.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Windows reads the RTC as local time unless
 * <ControlSet>\Control\TimeZoneInformation\RealTimeIsUniversal is a
 * non-zero REG_DWORD (or REG_QWORD, which some tools write and
 * Windows also honours).  The destination's VM definition needs it:
 * libvirt's <clock offset='localtime'/> or 'utc'.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include <hivex.h>

#include "registry/hive-lookup.h"
#include "registry/windows.h"

void
wv_windows_clock (hive_h *system, struct wv_windows *w)
{
  char path[128];
  hive_node_h tz;
  hive_value_h v;
  hive_type t;
  size_t len;

  w->rtc_utc = false;
  snprintf (w->rtc_source, sizeof w->rtc_source,
            "RealTimeIsUniversal absent");
  snprintf (path, sizeof path, "%s\\Control\\TimeZoneInformation",
            w->control_set_name);
  tz = wv_hive_lookup (system, hivex_root (system), path);
  if (tz == 0) {
    snprintf (w->rtc_source, sizeof w->rtc_source,
              "no TimeZoneInformation key");
    return;
  }
  v = hivex_node_get_value (system, tz, "RealTimeIsUniversal");
  if (v == 0 || hivex_value_type (system, v, &t, &len) == -1)
    return;
  if (t == hive_t_REG_DWORD && len == 4)
    w->rtc_utc = hivex_value_dword (system, v) != 0;
  else if (t == hive_t_REG_QWORD && len == 8)
    w->rtc_utc = hivex_value_qword (system, v) != 0;
  else {
    snprintf (w->rtc_source, sizeof w->rtc_source,
              "RealTimeIsUniversal of an unexpected type, ignored");
    return;
  }
  snprintf (w->rtc_source, sizeof w->rtc_source,
            "RealTimeIsUniversal = %d", w->rtc_utc ? 1 : 0);
}
