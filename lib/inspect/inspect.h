/* winvirtio: what the planner would find and do, without writing
 * anything (winvirtio inspect): wv_inspect and wv_inspect_free
 * (inspect.c), and the report they fill.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Every fact is read-only: the volumes are mounted on a private
 * overlay that is thrown away, the hives are opened read-only, and the
 * verdict is the planner itself run to the end (its block map is
 * discarded), so a refusal here is word for word the refusal of
 * "winvirtio map" and of the filter.
 */

#ifndef WINVIRTIO_INSPECT_H
#define WINVIRTIO_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convert/devicepath.h"
#include "convert/fallback.h"
#include "convert/firstboot.h"
#include "disk/partition.h"
#include "disk/source.h"
#include "drivers/catalog.h"
#include "plan/plan.h"
#include "registry/windows.h"

/* One partition (or the bare volume). */
struct wv_inspect_volume {
  const struct wv_partition *part; /* in wv_inspect.pt */
  const char *kind;             /* "NTFS", "BitLocker", "LDM data", ... */
  bool ntfs;
  char label[128];              /* NTFS volume label */
  bool windows;                 /* holds <root>\System32\config\SYSTEM */
  bool skipped;                 /* not looked at (--partition) */
  const char *sysroot;          /* "Windows" or "WINNT" */
  char *refusal;                /* why the planner would not change it */
};

/* A service of interest in the SYSTEM hive: a VirtIO driver, or a
 * boot-start storage driver.
 */
struct wv_inspect_service {
  char name[64];
  int64_t type, start, error_control; /* -1 if absent */
  bool start_override;          /* has a StartOverride subkey */
  char group[64];
  char image_path[256];
  char file[256];               /* the .sys in the volume, checked */
  int file_exists;              /* 1, 0, or -1 if unknown */
  char *bindings;               /* "CriticalDeviceDatabase\PCI#..., ...",
                                   malloc'd, "" if none */
  /* viostor and vioscsi: would Windows start it at boot and bind the
   * VirtIO disk to it?  If not, why (malloc'd, "; "-separated).
   */
  bool boot_driver, boot_ready;
  char *not_ready;
};

/* One boot driver looked up in the driver source, its files checked
 * as the planner checks them (drivers/drvfile.h).
 */
struct wv_inspect_package {
  const char *driver;           /* "viostor" */
  char *path;                   /* found file, malloc'd, or NULL */
  size_t size;
  char *error;                  /* why not found or refused, malloc'd,
                                   or NULL */
  char *catalog;                /* its catalog's path, or NULL */
  struct wv_catalog_signer signer;      /* and who signed it (subject NULL if
                                   the package has no catalog) */
};

struct wv_inspect {
  struct wv_ptable pt;
  bool have_pt;
  char *pt_error;               /* partition table unreadable */
  size_t nr_volumes;
  struct wv_inspect_volume *volumes; /* one per partition */

  /* The Windows volume, if exactly one was found (else -1). */
  int windows_volume;
  bool have_windows;
  struct wv_windows win;
  char *windows_error;          /* hives unreadable or not Windows */
  char *hive_refusal;           /* SYSTEM hive dirty, logs unusable */
  unsigned hive_replayed;       /* dirty, recovered: entries or pages
                                   replayed from its logs */

  /* The system root and the two hives as the Windows volume spells
   * them, '/'-separated from its root ("/WINDOWS",
   * "/WINDOWS/system32/config/software" on XP): libguestfs' names,
   * for inspect --xml.  Each malloc'd, or NULL if not found.
   */
  char *systemroot, *software_hive, *system_hive;

  /* Before Windows 8 only (have_devicepath): what the SOFTWARE hive's
   * DevicePath says about Drivers\VirtIO (devicepath.h), read from
   * the hive as the planner would edit it (a dirty one recovered from
   * its logs, if they replay); its value (malloc'd) or NULL.
   */
  bool have_devicepath;
  enum wv_devicepath_state devicepath_state;
  char *devicepath;

  size_t nr_services, cap_services;
  struct wv_inspect_service *services;

  /* First-boot settings (inspect-firstboot.c), read as the planner
   * reads them: each inbox storage fallback, in wv_fallback_names
   * order, and the SATA one the planner makes boot start (NULL:
   * none for this Windows); the SAN policy and AutoReboot, and
   * whether the options keep them (san-policy=keep, autoreboot=keep).
   */
  bool have_firstboot;
  struct wv_fallback fallbacks[WV_NR_FALLBACKS];
  const char *sata;
  struct wv_san_policy san_policy;
  struct wv_autoreboot autoreboot;
  bool keep_san_policy, keep_autoreboot;

  /* Warnings about the guest (VMware Tools, Group Policy, ...). */
  size_t nr_warnings, cap_warnings;
  char **warnings;

  /* The driver source (the one given, or the default one found) and
   * its layout, or why there is none; then the boot drivers in it.
   */
  char *drivers;
  char *drivers_layout;
  char *drivers_error;
  size_t nr_packages;
  struct wv_inspect_package *packages;

  /* The verdict: the planner's summary and map size, or its refusal. */
  bool would_patch;
  uint64_t map_bytes;
  size_t map_extents;
  char *summary;
  char *refusal;
};

/* Fill r.  Returns 0 (the report may still say "refused"), or -1
 * after wv_error only if the report itself could not be made (out of
 * memory).
 */
extern int wv_inspect (struct wv_source *src,
                       const struct wv_plan_options *opts,
                       struct wv_inspect *r);

extern void wv_inspect_free (struct wv_inspect *r);

#endif /* WINVIRTIO_INSPECT_H */
