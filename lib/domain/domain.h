/* winvirtio: the destination's VM definition (winvirtio domain): what
 * the guest is (guest.c, from winvirtio inspect's findings), the
 * decisions (decide.c) and the three writers (libvirt.c, kubevirt.c,
 * openstack.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The two stages follow the two-phase first boot: "bootstrap" puts
 * the disks on the guest's inbox controller (SATA/AHCI, or IDE before
 * Vista) and an emulated NIC, so Windows boots once with drivers it
 * has always had and installs the VirtIO packages the block map
 * staged; "final" puts them on virtio-blk (viostor) or virtio-scsi
 * (vioscsi) with VirtIO NICs, balloon and the guest agent's channel.
 */

#ifndef WINVIRTIO_DOMAIN_H
#define WINVIRTIO_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "inspect/inspect.h"
#include "vmconfig/vmconfig.h"

enum wv_domain_stage { WV_DOMAIN_BOOTSTRAP, WV_DOMAIN_FINAL };
enum wv_domain_format {
  WV_DOMAIN_LIBVIRT, WV_DOMAIN_KUBEVIRT, WV_DOMAIN_OPENSTACK,
  WV_DOMAIN_OPENSTACK_ARGS,
};
enum wv_domain_bus { WV_DOMAIN_VIRTIO_BLK, WV_DOMAIN_VIRTIO_SCSI };

#define WV_DOMAIN_MAX_CLAIMS WV_VMCONFIG_MAX_DISKS

struct wv_domain_options {
  enum wv_domain_stage stage;
  enum wv_domain_format format;
  enum wv_domain_bus bus;       /* of the final stage */
  const char *name;             /* NULL: the config's */
  const char *disk_dir;         /* libvirt: where the disks are */
  const char *disk_format;      /* "qcow2", "raw" */
  const char *network;          /* libvirt / multus network */
  const char *timezone;         /* KubeVirt, for a local-time RTC */
  /* KubeVirt: each disk's claim, in order (pvc or DataVolume). */
  size_t nr_claims;
  const char *claims[WV_DOMAIN_MAX_CLAIMS];
  bool claim_is_dv[WV_DOMAIN_MAX_CLAIMS];
};

/* What the disk says about the guest. */
struct wv_domain_guest {
  char product[128];
  unsigned major, minor, build;
  bool server;
  char arch[16];                /* virtio-win's: amd64, x86, ARM64 */
  bool uefi;                    /* an EFI system partition */
  bool rtc_utc;
  char rtc_source[64];
  /* The inbox controller of the bootstrap stage: "storahci", "msahci"
   * or "intelide", and whether the guest starts it at boot.
   */
  const char *fallback;
  bool fallback_ready;
  bool would_patch;             /* the planner would make the map */
  const char *refusal;          /* or why not */
  bool from_map;                /* read from a map's summary */
};

/* The decisions, once for every writer. */
struct wv_domain_plan {
  const char *name;
  bool legacy;                  /* XP / 2003: i440fx, transitional */
  const char *machine;          /* "q35", "pc" */
  bool efi, secure_boot, tpm, hyperv;
  const char *clock;            /* "utc", "localtime" */
  const char *disk_bus;         /* libvirt: "sata", "ide", "virtio",
                                   "scsi" */
  const char *nic_model;        /* "e1000e", "e1000", "rtl8139",
                                   "virtio", "virtio-transitional" */
  const char *arch;             /* "x86_64", "i686", "aarch64" */
  unsigned sockets, cores;
  /* libvirt: the source's CD/DVD drives, empty, on cdrom_bus ("sata",
   * or "ide" on pc); none in the other formats.
   */
  unsigned cdroms;
  const char *cdrom_bus;
  size_t nr_warnings, cap_warnings;
  char **warnings;
};

/* guest.c: fill g from r (an inspect of the source disk).  Returns 0,
 * or -1 after wv_error if r found no Windows.
 */
extern int wv_domain_guest_from_inspect (const struct wv_inspect *r,
                                         struct wv_domain_guest *g);

/* guest-map.c: is path a block map file?  Fill g from a map's summary
 * (a map made by winvirtio map for the disk).  Returns 0, or -1 after
 * wv_error if the summary does not say enough.
 */
struct wv_map;
extern bool wv_domain_is_map (const char *path);
extern int wv_domain_guest_from_map (const struct wv_map *map,
                                     struct wv_domain_guest *g);

/* decide.c: the plan, or -1 after wv_error for a definition that
 * could not boot (a final stage on vioscsi for XP / 2003).
 */
extern int wv_domain_decide (const struct wv_vmconfig *cfg,
                             const struct wv_domain_guest *g,
                             const struct wv_domain_options *o,
                             struct wv_domain_plan *p);
extern void wv_domain_plan_free (struct wv_domain_plan *p);

/* The writers.  Return 0 or -1 after wv_error. */
extern int wv_domain_write_libvirt (FILE *fp, const struct wv_vmconfig *cfg,
                                    const struct wv_domain_guest *g,
                                    const struct wv_domain_options *o,
                                    const struct wv_domain_plan *p);
extern int wv_domain_write_kubevirt (FILE *fp,
                                     const struct wv_vmconfig *cfg,
                                     const struct wv_domain_guest *g,
                                     const struct wv_domain_options *o,
                                     const struct wv_domain_plan *p);
/* As JSON, or (args) as the arguments of "openstack image set". */
extern int wv_domain_write_openstack (FILE *fp,
                                      const struct wv_vmconfig *cfg,
                                      const struct wv_domain_guest *g,
                                      const struct wv_domain_options *o,
                                      const struct wv_domain_plan *p,
                                      bool args);

#endif /* WINVIRTIO_DOMAIN_H */
