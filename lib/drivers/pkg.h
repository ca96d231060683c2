/* winvirtio: the driver-package model: what is registered for one
 * driver package, read from its files and described from its INF
 * (pkg-load.c), then checked (drvfile.c) and written into the guest
 * (lib/convert/).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PKG_H
#define WINVIRTIO_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

  /* Who signed the package's catalog (drvfile.h), or NULL if it has
   * none; the SignerScore for DriverPackages (catalog.c).
   */
  char *signer;                 /* "Microsoft Windows Hardware ..." */
  char *signer_issuer;
  const char *signer_kind;      /* "WHQL", "attestation", "Authenticode" */
  uint32_t signer_score;

  struct wv_pkg_id *ids;
  size_t nr_ids, cap_ids;

  /* The service (AddService with the 0x2 flag). */
  char *service;                /* NULL if the package adds none */
  uint32_t svc_type, svc_start, svc_error;
  char *svc_group;              /* or NULL */
  char *svc_binary;             /* file name of the ServiceBinary */
  bool svc_in_store;            /* ServiceBinary is in %13% */
  struct wv_pkg_addreg *svc_addreg;
  size_t nr_svc_addreg, cap_svc_addreg;
  /* The service install section's DisplayName (strings substituted)
   * and the [Strings] key it came from (NULL if it was written out
   * in the INF, or absent); the event log install section's AddReg
   * (HKR = Services\EventLog\System\<service>).
   */
  char *svc_display;
  char *svc_display_key;
  struct wv_pkg_addreg *svc_eventlog;
  size_t nr_svc_eventlog, cap_svc_eventlog;

  /* The install section's .HW AddReg (the device key). */
  struct wv_pkg_addreg *hw_addreg;
  size_t nr_hw_addreg, cap_hw_addreg;

  /* [Strings] entries referred to by the descriptors, lower-case
   * keys, for DriverPackages\<pkg>\Strings.
   */
  char **string_keys, **string_values;
  size_t nr_strings;

  /* The package's files: inf first, then the others (sys, cat, dll). */
  struct wv_pkg_file *files;
  size_t nr_files;
};

/* Free what info holds (not info itself) and zero it. */
extern void wv_pkg_info_free (struct wv_pkg_info *info);

/* The boot storage drivers made boot-ready in every image, by their
 * virtio-win folder name: viostor and vioscsi.
 */
extern const char *const wv_pkg_boot_drivers[];
extern const size_t wv_pkg_nr_boot_drivers;

#endif /* WINVIRTIO_PKG_H */
