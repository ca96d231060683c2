/* winvirtio: the planner, from a source disk to a block map.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PLAN_H
#define WINVIRTIO_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "disk/source.h"
#include "map/map.h"

/* Hives larger than this are refused (real SYSTEM hives are 10-100
 * MiB).  winvirtio inspect reads them with the same limit.
 */
#define WV_PLAN_MAX_HIVE (512 * 1024 * 1024)

struct wv_plan_options {
  const char *drivers;          /* virtio-win tree (ISO layout) */
  unsigned partition;           /* 0: find the Windows volume */
  uint32_t sector_size;         /* 0: detect */
  bool no_trim;                 /* keep free space (default: trim it) */
  bool keep_san_policy;         /* san-policy=keep (default: online) */
  bool keep_autoreboot;         /* autoreboot=keep (default: off) */
  bool disable_vmware_tools;    /* vmware-tools=disable (default: leave) */
};

/* Compute the block map that makes the Windows on src bootable on
 * VirtIO.  Reads src, never writes it.  Returns NULL after wv_error
 * if anything is unsupported or unexpected: no map is better than a
 * half-patched disk.
 */
extern struct wv_map *wv_plan (struct wv_source *src,
                               const struct wv_plan_options *opts);

#endif /* WINVIRTIO_PLAN_H */
