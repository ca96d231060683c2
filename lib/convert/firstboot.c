/* winvirtio: first-boot settings in the SYSTEM hive: SanPolicy and
 * AutoReboot.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Disks online.  After the bus change every disk is new to Windows,
 * and partmgr applies the SAN policy to new disks: the boot disk
 * always comes online, the others may stay offline (virt-v2v brings
 * them online with a first-boot PowerShell script,
 * configure_online_disks).  The policy is the REG_DWORD
 * Services\partmgr\Parameters\SanPolicy (VDS_SAN_POLICY: 1 OnlineAll,
 * 2 OfflineShared, 3 OfflineAll, 4 OfflineInternal); when it is
 * absent Windows uses its edition's default, OfflineShared on Windows
 * Server (which takes disks on shared buses, SCSI and SAS, as VirtIO
 * SCSI is, offline) and OnlineAll on client Windows.  So it is set to
 * 1 when it is 2, 3 or 4, or absent on a Server edition; nothing else
 * is touched (an unknown value is reported and left).
 *
 * Crash visibility.  With AutoReboot=1 (Windows' default) a stop
 * error at the first boot on KVM shows for an instant and the VM
 * reboots in a loop; virt-v2v's disable_autoreboot sets it to 0 where
 * Control\CrashControl exists, and so does this.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "convert/firstboot.h"
#include "registry/hive-lookup.h"
#include "registry/regedit.h"

/* The name of a SanPolicy value. */
static const char *
san_name (int64_t v)
{
  switch (v) {
  case 1: return "OnlineAll";
  case 2: return "OfflineShared";
  case 3: return "OfflineAll";
  case 4: return "OfflineInternal";
  default: return "unknown";
  }
}

void
wv_san_policy_read (hive_h *h, const struct wv_windows *w,
                    struct wv_san_policy *s)
{
  char path[128];
  hive_node_h node;

  s->value = -1;
  s->applies = w->major >= 6;
  s->offline = false;
  if (!s->applies) {
    s->why = "Windows before Vista has no SAN policy";
    return;
  }
  snprintf (path, sizeof path, "%s\\Services\\partmgr\\Parameters",
            w->control_set_name);
  node = wv_hive_lookup (h, hivex_root (h), path);
  if (node)
    s->value = wv_hive_get_dword (h, node, "SanPolicy");
  if (s->value == -1) {
    s->offline = w->server;
    s->why = w->server ?
      "absent: Windows Server's default is OfflineShared" :
      "absent: client Windows' default is OnlineAll";
  }
  else if (s->value >= 2 && s->value <= 4) {
    s->offline = true;
    s->why = san_name (s->value);
  }
  else
    s->why = san_name (s->value);
}

int
wv_san_policy_fix (hive_h *h, const struct wv_windows *w, bool keep,
                   FILE *log, bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  CLEANUP_FREE char *where = NULL;
  struct wv_san_policy s;
  hive_node_h node;

  wv_san_policy_read (h, w, &s);
  if (!s.applies) {
    fprintf (log, "disks online: %s\n", s.why);
    return 0;
  }
  if (!s.offline) {
    if (s.value == -1)
      fprintf (log, "disks online: SanPolicy %s, left alone\n", s.why);
    else
      fprintf (log, "disks online: SanPolicy is %lld (%s), left alone\n",
               (long long) s.value, s.why);
    return 0;
  }
  if (keep) {
    fprintf (log, "disks online: SanPolicy kept (san-policy=keep): "
             "%s leaves the disks other than the boot disk offline\n",
             s.why);
    return 0;
  }
  if (asprintf (&where, "%s\\Services\\partmgr\\Parameters",
                w->control_set_name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  node = wv_edit_path (&e, where);
  if (node == 0 ||
      wv_edit_dword (&e, node, where, "SanPolicy", WV_SAN_ONLINE_ALL) == -1)
    return -1;
  wv_edit_flush (&e);
  if (s.value == -1)
    fprintf (log, "disks online: SanPolicy set to 1 (OnlineAll; it was "
             "%s)\n", s.why);
  else
    fprintf (log, "disks online: SanPolicy set to 1 (OnlineAll; it was "
             "%lld, %s)\n", (long long) s.value, s.why);
  if (e.changed)
    *changed_r = true;
  return 0;
}

void
wv_autoreboot_read (hive_h *h, const struct wv_windows *w,
                    struct wv_autoreboot *a)
{
  char path[128];
  hive_node_h node;

  snprintf (path, sizeof path, "%s\\Control\\CrashControl",
            w->control_set_name);
  node = wv_hive_lookup (h, hivex_root (h), path);
  a->key = node != 0;
  a->value = node ? wv_hive_get_dword (h, node, "AutoReboot") : -1;
}

int
wv_autoreboot_fix (hive_h *h, const struct wv_windows *w, bool keep,
                   FILE *log, bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  CLEANUP_FREE char *where = NULL;
  struct wv_autoreboot a;
  hive_node_h node;

  wv_autoreboot_read (h, w, &a);
  if (!a.key) {
    fprintf (log, "crash: no Control\\CrashControl key, left alone\n");
    return 0;
  }
  if (a.value == 0) {
    fprintf (log, "crash: AutoReboot is 0 already\n");
    return 0;
  }
  if (keep) {
    fprintf (log, "crash: AutoReboot kept (autoreboot=keep)\n");
    return 0;
  }
  if (asprintf (&where, "%s\\Control\\CrashControl",
                w->control_set_name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  node = wv_edit_path (&e, where);
  if (node == 0 || wv_edit_dword (&e, node, where, "AutoReboot", 0) == -1)
    return -1;
  wv_edit_flush (&e);
  if (a.value == -1)
    fprintf (log, "crash: AutoReboot set to 0 (it was absent: reboot), "
             "so a stop error stays on the screen\n");
  else
    fprintf (log, "crash: AutoReboot set to 0 (it was %lld), so a stop "
             "error stays on the screen\n", (long long) a.value);
  if (e.changed)
    *changed_r = true;
  return 0;
}
