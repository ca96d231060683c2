/* winvirtio: what the partition table readers share: partition.c (the
 * entry point and the table model), partition-mbr.c and
 * partition-gpt.c.  Not for other files: they use partition.h.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PARTITION_INTERNAL_H
#define WINVIRTIO_PARTITION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/partition.h"
#include "disk/source.h"

/* The MBR and each EBR: four 16-byte entries at 446, 0x55AA at 510.
 * They live in the first 512 bytes of their sector whatever the
 * sector size.
 */
#define MBR_SIZE 512
#define MBR_ENTRIES 446
#define MBR_SIGNATURE 510

/* One attempt at reading a table with one sector size. */
struct ctx {
  struct wv_source *src;
  uint32_t ss;                  /* sector size of this attempt */
  uint64_t nr_sectors;          /* whole sectors on the disk */
  bool probing;                 /* MBR sector size probe: be strict */
  bool saw_gpt_signature;       /* found "EFI PART" where expected */
  bool reported;                /* wv_error was already called */
  char why[768];                /* the first problem found */
};

/* An entry of the MBR or of an EBR. */
struct mbr_entry {
  uint8_t status;               /* boot indicator, 0x00 or 0x80 */
  uint8_t type;
  uint32_t start;               /* sectors */
  uint32_t count;               /* sectors */
};

/* partition.c */

/* Start an attempt with sector size ss. */
extern void wv_ptable_ctx_init (struct ctx *c, struct wv_source *src,
                                uint32_t ss);

/* Record why the attempt failed (the first reason wins); return -1. */
extern int wv_ptable_fail (struct ctx *c, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));

/* Read count bytes at offset, checking first that they are on the
 * disk.  what names the structure for the message.
 */
extern int wv_ptable_read_at (struct ctx *c, void *buf, size_t count,
                              uint64_t offset, const char *what);

/* Append a zeroed partition to pt, or return NULL after wv_error. */
extern struct wv_partition *wv_ptable_add_partition (struct ctx *c,
                                                     struct wv_ptable *pt,
                                                     unsigned number,
                                                     uint64_t offset,
                                                     uint64_t length);

/* Drop the partitions collected by a failed attempt. */
extern void wv_ptable_clear_partitions (struct wv_ptable *pt);

/* Does s (512 bytes) end in the 0x55AA boot signature? */
extern bool wv_ptable_has_boot_signature (const uint8_t *s);

/* Does s (512 bytes) look like the first sector of a volume? */
extern bool wv_ptable_looks_like_boot_sector (const uint8_t *s);

/* Check that no two partitions overlap, except an extended partition
 * and the logical partitions inside it.
 */
extern int wv_ptable_check_overlaps (struct ctx *c,
                                     const struct wv_ptable *pt);

/* partition-mbr.c */

/* Decode the four entries of an MBR or an EBR. */
extern void wv_ptable_mbr_decode (const uint8_t *sector,
                                  struct mbr_entry e[4]);

/* Is p an MBR extended partition (which holds the logical ones)? */
extern bool wv_ptable_mbr_is_container (const struct wv_partition *p);

/* Read an MBR table with sector size ss (0: guess). */
extern int wv_ptable_read_mbr (struct wv_source *src, uint32_t ss,
                               const uint8_t *sector0, struct wv_ptable *pt);

/* partition-gpt.c */

/* Read a GPT with sector size ss, or if ss is 0 with 512 and then
 * 4096: the size for which a header (primary or backup) checks out.
 */
extern int wv_ptable_read_gpt (struct wv_source *src, uint32_t ss,
                               struct wv_ptable *pt);

#endif /* WINVIRTIO_PARTITION_INTERNAL_H */
