/* winvirtio: driver packages registered offline the way Windows'
 * own installer leaves them (DriverStore, INF\oem<N>.inf,
 * DriverDatabase), and the driver's service key.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_DRIVERSTORE_H
#define WINVIRTIO_DRIVERSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hivex.h>

#include "registry/windows.h"

/* One file of a package, in memory. */
struct wv_pkg_file {
  char *name;                   /* "viostor.sys" */
  char *from;                   /* where it was read, for messages */
  uint8_t *data;
  size_t len;
};

/* One HKR AddReg line of an INF: the key below HKR ("" for HKR
 * itself), the value name (NULL for a key-only line), the INF flags
 * (FLG_ADDREG_*, which carry the type) and the value's data as it is
 * stored in the registry.
 */
struct wv_pkg_addreg {
  char *subkey;
  char *name;
  uint32_t flags;
  uint32_t type;                /* REG_* type from flags */
  uint8_t *data;
  size_t len;
};

/* A hardware ID the package's models section lists for this Windows,
 * its position on the models line (1: the hardware ID, 2 and more:
 * the compatible IDs), and the device description token.
 */
struct wv_pkg_id {
  char *id;                     /* "PCI\VEN_1AF4&DEV_1001&..." */
  unsigned rank;
  char *desc;                   /* "%viostor.devicedesc%" or NULL */
};

/* What is registered for one driver package, from its INF. */
struct wv_pkg_info {
  bool boot;                    /* viostor or vioscsi */
  char *driver;                 /* virtio-win folder name: "viostor" */
  char *inf_name;               /* lower case: "viostor.inf" */
  char *class_guid;             /* "{4D36E97B-E325-11CE-BFC1-08002BE10318}" */
  char *provider;               /* strings substituted */
  char *catalog;                /* CatalogFile, or NULL */
  char *manufacturer;           /* "%vendor%" token, or NULL */
  uint64_t date;                /* DriverVer date, NTFS time */
  uint64_t version;             /* DriverVer a.b.c.d as a 64-bit quad */
  char *conf;                   /* install section of the models lines */

  /* Who signed the package's catalog (drvcheck.h), or NULL if it has
   * none; the SignerScore for DriverPackages (catalog.c).
   */
  char *signer;                 /* "Microsoft Windows Hardware ..." */
  char *signer_issuer;
  const char *signer_kind;      /* "WHQL", "attestation", "Authenticode" */
  uint32_t signer_score;

  struct wv_pkg_id *ids;
  size_t nr_ids;

  /* The service (AddService with the 0x2 flag). */
  char *service;                /* NULL if the package adds none */
  uint32_t svc_type, svc_start, svc_error;
  char *svc_group;              /* or NULL */
  char *svc_binary;             /* file name of the ServiceBinary */
  bool svc_in_store;            /* ServiceBinary is in %13% */
  struct wv_pkg_addreg *svc_addreg;
  size_t nr_svc_addreg;

  /* The install section's .HW AddReg (the device key). */
  struct wv_pkg_addreg *hw_addreg;
  size_t nr_hw_addreg;

  /* [Strings] entries referred to by the descriptors, lower-case
   * keys, for DriverPackages\<pkg>\Strings.
   */
  char **string_keys, **string_values;
  size_t nr_strings;

  /* The package's files: inf first, then the others (sys, cat, dll). */
  struct wv_pkg_file *files;
  size_t nr_files;
};

extern void wv_pkg_info_free (struct wv_pkg_info *info);

/* "viostor.inf_amd64_<16 hex digits>": the DriverStore folder name of
 * the package, a stable hash of its files (see driverstore.c).
 */
extern int wv_pkg_folder_name (const struct wv_pkg_info *info,
                               const struct wv_windows *w,
                               char *buf, size_t len);

/* What the DriverDatabase already holds for a package with this INF
 * name.
 */
struct wv_pkg_state {
  char oem_inf[32];             /* "oem7.inf": the package's published name */
  char installed[128];          /* folder name of the newest installed one */
  char installed_oem[32];       /* and its published name */
  uint64_t installed_date, installed_version;
  bool same;                    /* installed[] is this very package */
  bool newer;                   /* an installed one is newer than ours */
};

/* Look in h's DriverDatabase for packages whose InfName is info's,
 * fill *st, and when this package is not there yet pick the next free
 * oem<N>.inf: the first N used neither by DriverInfFiles, nor
 * OemInfMap, nor a file in the volume's INF folder (inf_names, a
 * NULL-terminated list of lower-case names).  Returns 0 or -1.
 */
extern int wv_pkg_lookup (hive_h *h, const struct wv_windows *w,
                          const struct wv_pkg_info *info,
                          const char *folder, char *const *inf_names,
                          struct wv_pkg_state *st);

/* Write the DriverDatabase entries of a package published as oem_inf
 * in folder: DriverInfFiles, DriverPackages (Version, Provider,
 * Configurations, Descriptors, Strings), DeviceIds, OemInfMap.
 * when is the ImportDate (NTFS time).  Changes are logged on log,
 * *changed_r set if any.  Returns 0 or -1.
 */
extern int wv_pkg_register (hive_h *h, const struct wv_windows *w,
                            const struct wv_pkg_info *info,
                            const char *folder, const char *oem_inf,
                            uint64_t when, FILE *log, bool *changed_r);

/* The package's service key in the current control set: Type, Start
 * (boot start if boot is set, whatever the INF says), ErrorControl,
 * Group, ImagePath, Owners (oem_inf, or info's own INF name before
 * Windows 8), and the service AddReg; a StartOverride key is removed
 * when boot is set.  Before Windows 8, also CriticalDeviceDatabase
 * entries for each ID.  Returns 0 or -1.
 */
extern int wv_pkg_add_service (hive_h *h, const struct wv_windows *w,
                               const struct wv_pkg_info *info,
                               const char *oem_inf, bool boot,
                               FILE *log, bool *changed_r);

/* Make an existing service boot start: Start=0, no StartOverride.
 * For a newer driver already installed, which is kept.
 */
extern int wv_pkg_make_boot_start (hive_h *h, const struct wv_windows *w,
                                   const char *service, FILE *log,
                                   bool *changed_r);

#endif /* WINVIRTIO_DRIVERSTORE_H */
