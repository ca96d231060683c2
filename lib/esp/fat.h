/* winvirtio: a small read-only FAT12/16/32 reader, enough to find the
 * files of an EFI system partition and the bytes that hold them.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * It never writes: changes to a FAT volume are made by mtools
 * (esp/mtools.c).  Everything comes through one read callback, so the
 * same code runs on the overlay, on a scratch file or on a fuzzer's
 * buffer.  Every on-disk value is checked before it is used: the boot
 * sector's geometry, every cluster number, chains that loop or run
 * past the volume.  Errors are one wv_error line and -1.
 */

#ifndef WINVIRTIO_ESP_FAT_H
#define WINVIRTIO_ESP_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read count bytes at offset (from the start of the volume).  Returns
 * 0 or -1 after wv_error.
 */
typedef int (*wv_fat_read_fn) (void *opaque, void *buf, size_t count,
                               uint64_t offset);

struct wv_fat {
  wv_fat_read_fn read;
  void *opaque;
  uint64_t size;                /* bytes in the volume */
  unsigned type;                /* 12, 16 or 32 */
  uint32_t bps;                 /* bytes per sector: 512 to 4096 */
  uint32_t cluster_bytes;
  uint32_t nr_fats;
  uint64_t fat_offset, fat_bytes;       /* the first FAT, one copy */
  uint64_t root_offset, root_bytes;     /* FAT12/16 root directory */
  uint32_t root_cluster;                /* FAT32 root directory */
  uint64_t data_offset;                 /* cluster 2 */
  uint32_t nr_clusters;                 /* data clusters (2..n+1) */
  uint8_t *fat;                         /* the first FAT, whole */
};

/* A directory entry found by wv_fat_lookup. */
struct wv_fat_entry {
  char name[256];               /* its name as stored (long if any), UTF-8 */
  bool dir;
  uint32_t cluster;             /* first cluster, 0 if empty */
  uint32_t size;                /* file size */
  uint16_t mdate, mtime;        /* FAT modification date and time */
  uint64_t entry_offset;        /* where its short entry is */
};

/* Read and check the boot sector, and the first FAT (all of it: every
 * copy is read and must agree).  Returns 0 or -1 after wv_error.
 */
extern int wv_fat_open (struct wv_fat *fat, wv_fat_read_fn read,
                        void *opaque, uint64_t size);
extern void wv_fat_close (struct wv_fat *fat);

/* Does the sector look like a FAT boot sector at all (jump, signature,
 * a file system type FAT understands)?  Used to tell "not FAT" from
 * "damaged FAT".
 */
extern bool wv_fat_probe (const uint8_t *sector, size_t len);

/* Follow the chain from cluster first; call fn for each run of
 * consecutive clusters (byte offset and length in the volume).  A
 * chain that loops, leaves the volume or ends on a free or bad
 * cluster is an error.  Returns 0 or -1.
 */
typedef int (*wv_fat_run_fn) (void *opaque, uint64_t offset,
                              uint64_t length);
extern int wv_fat_chain (const struct wv_fat *fat, uint32_t first,
                         wv_fat_run_fn fn, void *opaque);

/* Find the /- or \-separated path from the root (names compared
 * without regard to case, long and short names both).  Returns 1 and
 * fills *e if found, 0 if some part of it does not exist, -1 on error.
 */
extern int wv_fat_lookup (const struct wv_fat *fat, const char *path,
                          struct wv_fat_entry *e);

/* Read the whole of a file found by wv_fat_lookup (at most max bytes,
 * else an error): *data_r is malloc'd.  Returns 0 or -1.
 */
extern int wv_fat_read_file (const struct wv_fat *fat,
                             const struct wv_fat_entry *e, size_t max,
                             uint8_t **data_r);

#endif /* WINVIRTIO_ESP_FAT_H */
