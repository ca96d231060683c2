/* winvirtio fuzzing: what fuzz-vmx and fuzz-ovf share: the VM
 * definitions written from an accepted configuration.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Header-only (build.sh links each harness with fuzz-common.c only).
 */

#ifndef WINVIRTIO_FUZZ_VMCONFIG_H
#define WINVIRTIO_FUZZ_VMCONFIG_H

#include <stdio.h>
#include <string.h>

#include "domain/domain.h"
#include "vmconfig/vmconfig.h"

/* Every format of both stages, for a Windows 10 (UEFI, UTC) and an
 * XP (BIOS, local time) guest, into /dev/null.
 */
static inline void
wv_fuzz_write_definitions (const struct wv_vmconfig *cfg)
{
  static const struct wv_domain_guest guests[] = {
    { .product = "Windows 10 Pro", .major = 10, .build = 19045,
      .arch = "amd64", .uefi = true, .rtc_utc = true,
      .fallback = "storahci", .would_patch = true },
    { .product = "Windows XP", .major = 5, .minor = 1, .arch = "x86",
      .fallback = "intelide", .fallback_ready = true },
  };
  FILE *fp = fopen ("/dev/null", "w");
  size_t g, s, f;

  if (fp == NULL)
    return;
  for (g = 0; g < 2; ++g)
    for (s = 0; s < 2; ++s)
      for (f = 0; f < 4; ++f) {
        struct wv_domain_options o = {
          .stage = s, .format = f, .bus = WV_DOMAIN_VIRTIO_BLK,
          .disk_dir = "/d", .disk_format = "qcow2", .network = "n",
        };
        struct wv_domain_plan p;

        if (wv_domain_decide (cfg, &guests[g], &o, &p) == -1)
          continue;
        if (f == WV_DOMAIN_LIBVIRT)
          wv_domain_write_libvirt (fp, cfg, &guests[g], &o, &p);
        else if (f == WV_DOMAIN_KUBEVIRT)
          wv_domain_write_kubevirt (fp, cfg, &guests[g], &o, &p);
        else
          wv_domain_write_openstack (fp, cfg, &guests[g], &o, &p,
                                     f == WV_DOMAIN_OPENSTACK_ARGS);
        wv_domain_plan_free (&p);
      }
  fclose (fp);
}

#endif /* WINVIRTIO_FUZZ_VMCONFIG_H */
