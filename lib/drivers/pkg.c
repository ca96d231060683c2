/* winvirtio: the driver-package model: freeing a package's
 * description, and the boot drivers.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "drivers/pkg.h"

const char *const wv_pkg_boot_drivers[] = { "viostor", "vioscsi" };
const size_t wv_pkg_nr_boot_drivers =
  sizeof wv_pkg_boot_drivers / sizeof wv_pkg_boot_drivers[0];

static void
free_addreg (struct wv_pkg_addreg *a, size_t n)
{
  size_t i;

  for (i = 0; i < n; ++i) {
    free (a[i].subkey);
    free (a[i].name);
    free (a[i].data);
  }
  free (a);
}

void
wv_pkg_info_free (struct wv_pkg_info *info)
{
  size_t i;

  free (info->driver);
  free (info->inf_name);
  free (info->class_guid);
  free (info->provider);
  free (info->catalog);
  free (info->manufacturer);
  free (info->conf);
  free (info->signer);
  free (info->signer_issuer);
  for (i = 0; i < info->nr_ids; ++i) {
    free (info->ids[i].id);
    free (info->ids[i].desc);
  }
  free (info->ids);
  free (info->service);
  free (info->svc_group);
  free (info->svc_binary);
  free_addreg (info->svc_addreg, info->nr_svc_addreg);
  free (info->svc_display);
  free (info->svc_display_key);
  free_addreg (info->svc_eventlog, info->nr_svc_eventlog);
  free_addreg (info->hw_addreg, info->nr_hw_addreg);
  for (i = 0; i < info->nr_strings; ++i) {
    free (info->string_keys[i]);
    free (info->string_values[i]);
  }
  free (info->string_keys);
  free (info->string_values);
  for (i = 0; i < info->nr_files; ++i) {
    free (info->files[i].name);
    free (info->files[i].from);
    free (info->files[i].data);
  }
  free (info->files);
  memset (info, 0, sizeof *info);
}
