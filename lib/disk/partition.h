/* winvirtio: partition tables (MBR with logical partitions, GPT) and
 * bare volumes.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PARTITION_H
#define WINVIRTIO_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/source.h"

enum wv_ptable_type {
  WV_PT_NONE,                   /* bare volume: one pseudo-partition 0 */
  WV_PT_MBR,
  WV_PT_GPT,
};

struct wv_partition {
  /* Numbered as Linux does: MBR primaries 1-4, logicals from 5 in
   * chain order; GPT entry index + 1; 0 for a bare volume.
   */
  unsigned number;
  uint64_t offset;              /* bytes from the start of the disk */
  uint64_t length;              /* bytes */
  uint8_t mbr_type;             /* MBR only, else 0 */
  char gpt_type[37];            /* GPT only: type GUID, upper case text */
  char gpt_name[72];            /* GPT only: partition name, UTF-8 */
  bool esp;                     /* EFI system partition (GPT or MBR 0xef) */
};

struct wv_ptable {
  enum wv_ptable_type type;
  uint32_t sector_size;         /* 512 or 4096 */
  bool gpt_backup_used;         /* primary GPT was bad, backup used */
  size_t nr_partitions, cap_partitions;
  struct wv_partition *partitions; /* sorted by number */
};

/* Read the partition table of src.  sector_size is 0 to detect it
 * (512 or 4096), or forces one.  Returns 0 or -1 (after wv_error).
 * A disk with no table whose sector 0 is an NTFS boot sector is
 * returned as WV_PT_NONE with one partition covering the disk.  Every
 * partition lies inside the disk; anything out of bounds, overlapping
 * in the GPT entry array, or looping in the EBR chain is an error.
 */
extern int wv_ptable_read (struct wv_source *src, uint32_t sector_size,
                           struct wv_ptable *pt);

extern void wv_ptable_free (struct wv_ptable *pt);

/* Short text such as "GPT", "MBR", "none". */
extern const char *wv_ptable_type_name (enum wv_ptable_type type);

#endif /* WINVIRTIO_PARTITION_H */
