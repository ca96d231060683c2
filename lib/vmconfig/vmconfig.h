/* winvirtio: the VM's VMware configuration, read from a .vmx
 * (vmx.c), an OVF descriptor (ovf.c) or the descriptor inside an OVA
 * (ova.c), into one model (vmconfig.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Every reader treats its input as hostile: the size is bounded
 * (WV_VMCONFIG_MAX_BYTES), the numbers of NICs and disks too, and
 * each string is cut to its field.  What the model cannot hold or does
 * not know is a warning (cfg->warnings) with a documented default;
 * what makes the configuration meaningless (contradictory keys, a
 * disk with no file, a disk reference that points nowhere) is one
 * wv_error line and -1.
 */

#ifndef WINVIRTIO_VMCONFIG_H
#define WINVIRTIO_VMCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WV_VMCONFIG_MAX_BYTES (4 * 1024 * 1024)
#define WV_VMCONFIG_MAX_NICS 16
#define WV_VMCONFIG_MAX_DISKS 32
#define WV_VMCONFIG_MAX_CDROMS 4

enum wv_vm_firmware { WV_VM_BIOS, WV_VM_EFI };

/* The bus a disk was on in VMware. */
enum wv_vm_bus { WV_VM_SCSI, WV_VM_SATA, WV_VM_NVME, WV_VM_IDE };

struct wv_vm_nic {
  char mac[18];                 /* "00:50:56:aa:bb:cc", "" if none */
  char model[32];               /* VMware's: "vmxnet3", "e1000e", ... */
  char network[128];            /* networkName / Connection */
};

struct wv_vm_disk {
  enum wv_vm_bus bus;
  unsigned controller, unit;
  char controller_model[32];    /* "lsisas1068", "pvscsi", "" */
  char file[512];               /* fileName / the OVF File's href */
  uint64_t capacity;            /* bytes, 0 if unknown (VMX) */
};

struct wv_vmconfig {
  const char *source_kind;      /* "vmx", "ovf", "ova" */
  char name[128];
  char guest_os[64];            /* guestOS / vmw:osType, "" if none */
  unsigned vcpus, cores_per_socket;
  uint64_t memory_mib;
  enum wv_vm_firmware firmware;
  bool secure_boot, vtpm;
  /* rtc.diffFromUTC (seconds), if the config has it. */
  bool have_rtc_diff;
  int64_t rtc_diff;
  int sync_time;                /* tools.syncTime: 1, 0, -1 absent */

  size_t nr_nics;
  struct wv_vm_nic nics[WV_VMCONFIG_MAX_NICS];
  size_t nr_disks;              /* hard disks only, in the source's order */
  struct wv_vm_disk disks[WV_VMCONFIG_MAX_DISKS];
  /* CD/DVD drives (the destination gets them empty: an ISO of the
   * source's datastore is not copied).
   */
  unsigned nr_cdroms;            /* at most WV_VMCONFIG_MAX_CDROMS */
  unsigned more_cdroms;         /* left out beyond it */

  size_t nr_warnings, cap_warnings;
  char **warnings;
};

/* Read path (a .vmx, .ovf or .ova, told apart by their contents) into
 * cfg.  Returns 0, or -1 after one wv_error.
 */
extern int wv_vmconfig_read (const char *path, struct wv_vmconfig *cfg);

/* The readers, on a buffer (for the fuzz harnesses too).  cfg must
 * have been set up with wv_vmconfig_init.
 */
extern int wv_vmx_parse (const char *buf, size_t len,
                         struct wv_vmconfig *cfg);
extern int wv_ovf_parse (const char *buf, size_t len,
                         struct wv_vmconfig *cfg);

/* The .ovf member of an OVA (a tar), read through libarchive into
 * *buf (malloc'd, NUL-terminated).  Returns 0 or -1 after wv_error.
 */
extern int wv_ova_read_ovf (const char *path, char **buf, size_t *len);

/* vmconfig.c: the model's helpers. */
extern void wv_vmconfig_init (struct wv_vmconfig *cfg, const char *kind);
extern void wv_vmconfig_free (struct wv_vmconfig *cfg);
/* One more CD/DVD drive: counted up to WV_VMCONFIG_MAX_CDROMS, then a
 * warning.  Returns 0 or -1.
 */
extern int wv_vmconfig_add_cdrom (struct wv_vmconfig *cfg);

extern int wv_vmconfig_warn (struct wv_vmconfig *cfg, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));
/* Copy a MAC in any case with ':' or '-' as "aa:bb:..." lower case
 * into out[18]; false if s is not a MAC.
 */
extern bool wv_vmconfig_mac (const char *s, char out[18]);
/* Sort the disks into the source's order (bus: SCSI, SATA, NVMe,
 * IDE, then controller, then unit) and check that no two share one
 * address.  Returns 0 or -1 after wv_error.
 */
extern int wv_vmconfig_sort_disks (struct wv_vmconfig *cfg);
/* Does guest_os name Windows?  XP or 2003 (no q35, no vioscsi)? */
extern bool wv_vmconfig_is_windows (const struct wv_vmconfig *cfg);
extern const char *wv_vm_bus_name (enum wv_vm_bus bus);

#endif /* WINVIRTIO_VMCONFIG_H */
