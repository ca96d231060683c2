/* nbdkit-vmdk-plugin: VMDK descriptor parser.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_DESCRIPTOR_H
#define VMDK_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on what a (hostile) descriptor may ask for. */
#define DESCRIPTOR_MAX_SIZE (1024 * 1024)  /* as qemu's vmdk_read_desc */
#define DESCRIPTOR_MAX_EXTENTS 16384

enum extent_access { ACCESS_RW, ACCESS_RDONLY, ACCESS_NOACCESS };

/* One extent line: ACCESS SECTORS TYPE ["FILENAME" [OFFSET]]. */
struct extent_desc {
  enum extent_access access;
  uint64_t sectors;             /* > 0, checked <= DISK_MAX_SECTORS */
  char type[16];                /* FLAT, SPARSE, VMFS, ZERO, ... */
  char *filename;               /* NULL for ZERO extents */
  uint64_t offset;              /* FLAT: first sector in the file */
  bool has_offset;
};

struct descriptor {
  char *create_type;            /* NULL if absent */
  char *parent_hint;            /* parentFileNameHint, NULL if absent */
  uint32_t cid;                 /* CID (content ID), if has_cid */
  bool has_cid;
  uint32_t parent_cid;          /* parentCID, if has_parent_cid */
  bool has_parent_cid;
  struct extent_desc *extents;
  size_t nr_extents;
};

/* Largest disk or extent, in sectors: keeps byte offsets in int64_t. */
#define DISK_MAX_SECTORS (INT64_MAX / 512)

/* Parse LEN bytes of descriptor TEXT (parsing stops at the first NUL)
 * into *D, which the caller frees with descriptor_free (also after an
 * error).  On error calls nbdkit_error naming the bad line and
 * returns -1.  Does not check createType or the extent types: that is
 * the caller's business.
 */
extern int descriptor_parse (const char *text, size_t len,
                             struct descriptor *d);

/* Free the fields of *D (not D itself). */
extern void descriptor_free (struct descriptor *d);

#endif /* VMDK_DESCRIPTOR_H */
