/* winvirtio: the balloon package's user-mode service, blnsvr.exe.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * virtio-win's Balloon INF installs only the driver (balloon.sys); the
 * service that reports the guest's memory statistics to the host is
 * blnsvr.exe, which registers itself when run as "blnsvr -i"
 * (kvm-guest-drivers-windows, Balloon/app/utils.cpp, InstallService):
 * CreateService ("BalloonService", display name "Balloon Service",
 * SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
 * its own path in quotes, no account, so LocalSystem).  virt-v2v
 * (inject_blnsvr) copies blnsvr.exe into Windows\Drivers\VirtIO and
 * runs that command from a first-boot script.  Here the service key is
 * written offline with the values the service control manager writes
 * for that call: Type, Start, ErrorControl, ImagePath (REG_EXPAND_SZ,
 * through %SystemRoot%, as no drive letter is known offline),
 * DisplayName and ObjectName; the file is the one packages.c copies to
 * Windows\Drivers\VirtIO.
 *
 * A guest that has a BalloonService already (virtio-win's guest tools
 * installed it) is left as it is.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "convert/blnsvr.h"
#include "convert/devicepath.h"
#include "registry/hive-lookup.h"
#include "registry/regedit.h"

#define SERVICE_WIN32_OWN_PROCESS 0x10
#define SERVICE_AUTO_START 2
#define SERVICE_ERROR_NORMAL 1

const struct wv_pkg_info *
wv_blnsvr_package (const struct wv_pkg_info *pkgs, size_t n)
{
  size_t i, j;

  for (i = 0; i < n; ++i) {
    if (strcasecmp (pkgs[i].driver, "Balloon") != 0)
      continue;
    for (j = 0; j < pkgs[i].nr_files; ++j)
      if (strcasecmp (pkgs[i].files[j].name, WV_BLNSVR_FILE) == 0)
        return &pkgs[i];
  }
  return NULL;
}

int
wv_blnsvr_register (hive_h *h, const struct wv_windows *w,
                    const struct wv_pkg_info *pkgs, size_t n, FILE *log,
                    bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  CLEANUP_FREE char *where = NULL;
  hive_node_h svc;

  if (wv_blnsvr_package (pkgs, n) == NULL) {
    fprintf (log, "balloon service: no Balloon package with %s for this "
             "Windows, not registered\n", WV_BLNSVR_FILE);
    return 0;
  }
  if (asprintf (&where, "%s\\Services\\%s", w->control_set_name,
                WV_BLNSVR_SERVICE) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (wv_hive_lookup (h, hivex_root (h), where) != 0) {
    fprintf (log, "balloon service: %s already registered, left as it "
             "is\n", WV_BLNSVR_SERVICE);
    return 0;
  }
  svc = wv_edit_path (&e, where);
  if (svc == 0 ||
      wv_edit_dword (&e, svc, where, "Type", SERVICE_WIN32_OWN_PROCESS) == -1 ||
      wv_edit_dword (&e, svc, where, "Start", SERVICE_AUTO_START) == -1 ||
      wv_edit_dword (&e, svc, where, "ErrorControl",
                     SERVICE_ERROR_NORMAL) == -1 ||
      wv_edit_string (&e, svc, where, "ImagePath", hive_t_REG_EXPAND_SZ,
                      "\"" WV_DEVICEPATH_VIRTIO "\\" WV_BLNSVR_FILE
                      "\"") == -1 ||
      wv_edit_string (&e, svc, where, "DisplayName", hive_t_REG_SZ,
                      "Balloon Service") == -1 ||
      wv_edit_string (&e, svc, where, "ObjectName", hive_t_REG_SZ,
                      "LocalSystem") == -1)
    return -1;
  wv_edit_flush (&e);
  fprintf (log, "balloon service: %s registered (automatic start, "
           "%s\\%s), as \"blnsvr -i\" registers it\n", WV_BLNSVR_SERVICE,
           WV_DEVICEPATH_VIRTIO, WV_BLNSVR_FILE);
  if (e.changed)
    *changed_r = true;
  return 0;
}
