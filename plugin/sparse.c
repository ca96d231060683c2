/* nbdkit-vmdk-plugin: hosted sparse extents (KDMV).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design.
 *
 * The format is VMware's "Virtual Disk Format 1.1", section "Hosted
 * Sparse Extents", and the stream-optimized variant of the same
 * header (compressed grains, markers, footer).  qemu block/vmdk.c
 * (vmdk_open_vmdk4, vmdk_read_extent) is the reference the tests
 * compare against, and where the spec is silent we do what it does:
 * the footer replaces the header when gdOffset is GD_AT_END, a GTE of
 * 1 is a zero grain only when the header has the zeroed-grain flag,
 * bytes past the end of the file read as zeroes, and the redundant
 * grain directory is ignored.
 *
 * The extent is a two level table: the grain directory (GD, read at
 * open) holds the sector of each grain table (GT), and each GT entry
 * (GTE) the sector of one grain.  GTs are loaded on first use and
 * published with an atomic compare-and-swap, so the data path takes no
 * lock: after open, the only shared state that changes is the GT
 * cache, whose slots only ever go from NULL to a table that is never
 * modified again.  The cache is capped (GT_CACHE_MAX bytes over all
 * extents: a hostile GD can point every entry at the same table); past
 * the cap single GTEs are read from the file each time.
 *
 * Compressed grains are inflated with zlib's uncompress, which keeps
 * no state between calls, into buffers owned by the calling request.
 *
 * Everything read from the file is hostile: the header fields are
 * capped (GTs of at most 512 entries, grains of at most 16 MiB, at
 * most 32M GD entries, as qemu), every table must lie inside the file,
 * and byte offsets are computed in uint64_t from 32 bit sector numbers,
 * which cannot overflow.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <endian.h>
#include <unistd.h>

#include <zlib.h>

#include <nbdkit-plugin.h>

#include "cleanup.h"
#include "descriptor.h"
#include "io.h"
#include "sparse.h"

#define SECTOR 512
#define SPARSE_MAGIC 0x564d444b         /* "KDMV" read little endian */
#define GD_AT_END UINT64_C (0xffffffffffffffff)

#define FLAG_ZERO_GRAIN (1 << 2)        /* GTE 1 means a zero grain */
#define FLAG_MARKERS (1 << 17)          /* grains and tables have markers */
#define COMPRESSION_DEFLATE 1

#define MARKER_EOS 0
#define MARKER_FOOTER 3

/* Caps on header fields (qemu has the same ones, except the grain). */
#define MAX_GTES_PER_GT 512
#define MAX_GRAIN_SECTORS 32768         /* 16 MiB */
#define MAX_GD_ENTRIES (32 * 1024 * 1024)

/* Most memory the GT caches of all extents may use. */
#define GT_CACHE_MAX (256 * 1024 * 1024)

/* Bytes of cached GTs over all extents (atomic). */
static uint64_t gt_cache_bytes;

struct sparse_extent {
  int fd;
  char *name;
  uint64_t file_size;
  uint64_t capacity;            /* sectors */
  uint64_t grain_bytes;
  uint32_t gtes_per_gt;
  uint64_t gd_entries;
  uint32_t *gd;                 /* sector of each GT, host order */
  uint32_t **gt_cache;          /* GT per GD entry, host order, or NULL */
  bool compressed;
  bool markers;
  bool zero_grain;
};

/* Little-endian loads from unaligned on-disk bytes. */
static uint16_t
get16 (const unsigned char *p)
{
  uint16_t v;
  memcpy (&v, p, sizeof v);
  return le16toh (v);
}

static uint32_t
get32 (const unsigned char *p)
{
  uint32_t v;
  memcpy (&v, p, sizeof v);
  return le32toh (v);
}

static uint64_t
get64 (const unsigned char *p)
{
  uint64_t v;
  memcpy (&v, p, sizeof v);
  return le64toh (v);
}

/* Decode and check the 512 byte sparse header. */
int
sparse_parse_header (const unsigned char *buf, const char *name,
                     struct sparse_header *h)
{
  uint64_t gt_sectors;

  if (get32 (buf) != SPARSE_MAGIC) {
    nbdkit_error ("%s: not a VMDK sparse extent (no KDMV magic)", name);
    return -1;
  }
  h->version = get32 (buf + 4);
  h->flags = get32 (buf + 8);
  h->capacity = get64 (buf + 12);
  h->grain_sectors = get64 (buf + 20);
  h->desc_offset = get64 (buf + 28);
  h->desc_size = get64 (buf + 36);
  h->gtes_per_gt = get32 (buf + 44);
  h->gd_offset = get64 (buf + 56);
  h->overhead = get64 (buf + 64);
  h->compress_algorithm = get16 (buf + 77);

  if (h->version < 1 || h->version > 3) {
    nbdkit_error ("%s: unsupported VMDK sparse version %" PRIu32,
                  name, h->version);
    return -1;
  }
  if (h->compress_algorithm > COMPRESSION_DEFLATE) {
    nbdkit_error ("%s: unsupported compression algorithm %" PRIu16,
                  name, h->compress_algorithm);
    return -1;
  }
  if (h->capacity > DISK_MAX_SECTORS) {
    nbdkit_error ("%s: capacity %" PRIu64 " sectors is too large",
                  name, h->capacity);
    return -1;
  }
  if (h->grain_sectors == 0 || h->grain_sectors > MAX_GRAIN_SECTORS) {
    nbdkit_error ("%s: invalid grain size %" PRIu64 " sectors "
                  "(must be 1..%d)", name, h->grain_sectors,
                  MAX_GRAIN_SECTORS);
    return -1;
  }
  if (h->gtes_per_gt == 0 || h->gtes_per_gt > MAX_GTES_PER_GT) {
    nbdkit_error ("%s: invalid grain table size %" PRIu32 " entries "
                  "(must be 1..%d)", name, h->gtes_per_gt, MAX_GTES_PER_GT);
    return -1;
  }
  /* Both factors are capped above, so this cannot overflow. */
  gt_sectors = h->grain_sectors * h->gtes_per_gt;
  if (h->capacity / gt_sectors >= MAX_GD_ENTRIES) {
    nbdkit_error ("%s: grain directory too large (capacity %" PRIu64
                  " sectors)", name, h->capacity);
    return -1;
  }
  return 0;
}

/* Replace *H by the header in the footer at the end of the file. */
static int
read_footer (int fd, const char *name, uint64_t file_size,
             struct sparse_header *h)
{
  unsigned char footer[3 * SECTOR];
  uint64_t end = (file_size + SECTOR - 1) / SECTOR * SECTOR;

  if (end < sizeof footer + SECTOR) {
    nbdkit_error ("%s: file too small for a footer", name);
    return -1;
  }
  if (io_pread (fd, footer, sizeof footer, end - sizeof footer) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    return -1;
  }
  /* [footer marker][footer: magic + header][end-of-stream marker] */
  if (get32 (footer + 8) != 0 || get32 (footer + 12) != MARKER_FOOTER ||
      get32 (footer + SECTOR) != SPARSE_MAGIC ||
      get64 (footer + 2 * SECTOR) != 0 ||
      get32 (footer + 2 * SECTOR + 8) != 0 ||
      get32 (footer + 2 * SECTOR + 12) != MARKER_EOS) {
    nbdkit_error ("%s: grain directory is at the end of the file "
                  "but the footer is invalid", name);
    return -1;
  }
  if (sparse_parse_header (footer + SECTOR, name, h) == -1)
    return -1;
  if (h->gd_offset == GD_AT_END) {
    nbdkit_error ("%s: footer does not locate the grain directory", name);
    return -1;
  }
  return 0;
}

/* Read the header, or the footer when it takes precedence. */
int
sparse_read_header (int fd, const char *name, uint64_t file_size,
                    struct sparse_header *h)
{
  unsigned char buf[SECTOR];

  if (file_size < SECTOR) {
    nbdkit_error ("%s: file too small for a VMDK sparse header", name);
    return -1;
  }
  if (io_pread (fd, buf, sizeof buf, 0) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    return -1;
  }
  if (sparse_parse_header (buf, name, h) == -1)
    return -1;
  if (h->gd_offset == GD_AT_END)
    return read_footer (fd, name, file_size, h);
  return 0;
}

/* Read the embedded descriptor. */
char *
sparse_read_descriptor (int fd, const char *name, uint64_t file_size,
                        const struct sparse_header *h, size_t *len_r)
{
  uint64_t len;
  char *text;

  if (h->desc_offset == 0 || h->desc_size == 0) {
    nbdkit_error ("%s: sparse file has no embedded descriptor "
                  "(is it an extent of another VMDK?)", name);
    return NULL;
  }
  if (h->desc_size > DESCRIPTOR_MAX_SIZE / SECTOR ||
      h->desc_offset > file_size / SECTOR ||
      h->desc_offset * SECTOR + h->desc_size * SECTOR > file_size) {
    nbdkit_error ("%s: embedded descriptor (sector %" PRIu64 ", %" PRIu64
                  " sectors) lies outside the file", name,
                  h->desc_offset, h->desc_size);
    return NULL;
  }
  len = h->desc_size * SECTOR;
  text = malloc (len + 1);
  if (text == NULL) {
    nbdkit_error ("malloc: %m");
    return NULL;
  }
  if (io_pread (fd, text, len, h->desc_offset * SECTOR) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    free (text);
    return NULL;
  }
  text[len] = '\0';
  *len_r = len;
  return text;
}

/* Check the header against the file and load the grain directory. */
static int
load_gd (struct sparse_extent *se, const struct sparse_header *h)
{
  uint64_t gt_sectors = h->grain_sectors * h->gtes_per_gt;
  uint64_t file_sectors = (se->file_size + SECTOR - 1) / SECTOR;
  uint64_t i, gd_bytes;

  if (h->overhead > file_sectors) {
    nbdkit_error ("%s: file truncated, expecting at least %" PRIu64
                  " sectors", se->name, h->overhead);
    return -1;
  }
  se->gd_entries = (h->capacity + gt_sectors - 1) / gt_sectors;
  if (se->gd_entries == 0)
    return 0;
  gd_bytes = se->gd_entries * sizeof (uint32_t);
  if (h->gd_offset == 0 || h->gd_offset > se->file_size / SECTOR ||
      h->gd_offset * SECTOR + gd_bytes > se->file_size) {
    nbdkit_error ("%s: grain directory (sector %" PRIu64 ", %" PRIu64
                  " entries) lies outside the file", se->name,
                  h->gd_offset, se->gd_entries);
    return -1;
  }
  se->gd = malloc (gd_bytes);
  se->gt_cache = calloc (se->gd_entries, sizeof (uint32_t *));
  if (se->gd == NULL || se->gt_cache == NULL) {
    nbdkit_error ("malloc: %m");
    return -1;
  }
  if (io_pread (se->fd, se->gd, gd_bytes, h->gd_offset * SECTOR) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  for (i = 0; i < se->gd_entries; i++)
    se->gd[i] = le32toh (se->gd[i]);
  return 0;
}

/* Open a hosted sparse extent. */
struct sparse_extent *
sparse_open (int fd, const char *name)
{
  struct sparse_extent *se;
  struct sparse_header h;
  int64_t size;

  size = io_file_size (fd, name);
  if (size == -1)
    return NULL;
  if (sparse_read_header (fd, name, size, &h) == -1)
    return NULL;

  se = calloc (1, sizeof *se);
  if (se == NULL) {
    nbdkit_error ("calloc: %m");
    return NULL;
  }
  se->fd = -1;
  se->name = strdup (name);
  if (se->name == NULL) {
    nbdkit_error ("strdup: %m");
    goto err;
  }
  se->file_size = size;
  se->capacity = h.capacity;
  se->grain_bytes = h.grain_sectors * SECTOR;
  se->gtes_per_gt = h.gtes_per_gt;
  se->compressed = h.compress_algorithm == COMPRESSION_DEFLATE;
  se->markers = (h.flags & FLAG_MARKERS) != 0;
  se->zero_grain = (h.flags & FLAG_ZERO_GRAIN) != 0;
  se->fd = fd;
  if (load_gd (se, &h) == -1)
    goto err;

  nbdkit_debug ("vmdk: %s: sparse v%" PRIu32 ", capacity %" PRIu64
                " sectors, grain %" PRIu64 " bytes, %" PRIu64 " GTs of %"
                PRIu32 "%s%s%s", name, h.version, se->capacity,
                se->grain_bytes, se->gd_entries, se->gtes_per_gt,
                se->compressed ? ", compressed" : "",
                se->markers ? ", markers" : "",
                se->zero_grain ? ", zero grains" : "");
  return se;

 err:
  se->fd = -1;                  /* the caller still owns FD */
  sparse_free (se);
  return NULL;
}

/* The capacity in sectors. */
uint64_t
sparse_capacity (const struct sparse_extent *se)
{
  return se->capacity;
}

/* Return the GT for GD entry I, loading it into the cache, or NULL
 * with *UNCACHED set when the cache is full.  NULL without *UNCACHED
 * is an error (reported).
 */
static const uint32_t *
get_gt (struct sparse_extent *se, uint64_t i, bool *uncached)
{
  uint32_t *gt, *expected = NULL;
  uint64_t bytes = (uint64_t) se->gtes_per_gt * sizeof (uint32_t);
  uint32_t j;

  *uncached = false;
  gt = __atomic_load_n (&se->gt_cache[i], __ATOMIC_ACQUIRE);
  if (gt)
    return gt;

  if (__atomic_add_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED)
      > GT_CACHE_MAX) {
    __atomic_sub_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED);
    *uncached = true;
    return NULL;
  }
  gt = malloc (bytes);
  if (gt == NULL) {
    __atomic_sub_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED);
    nbdkit_error ("malloc: %m");
    return NULL;
  }
  if (io_pread (se->fd, gt, bytes, (uint64_t) se->gd[i] * SECTOR) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    __atomic_sub_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED);
    free (gt);
    return NULL;
  }
  for (j = 0; j < se->gtes_per_gt; j++)
    gt[j] = le32toh (gt[j]);

  /* Publish; if another thread got there first, use its table. */
  if (!__atomic_compare_exchange_n (&se->gt_cache[i], &expected, gt, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    __atomic_sub_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED);
    free (gt);
    gt = expected;
  }
  return gt;
}

/* Look up the GTE of GRAIN (0 = unallocated).  Returns 0 or -1. */
static int
get_gte (struct sparse_extent *se, uint64_t grain, uint32_t *gte_r)
{
  uint64_t i = grain / se->gtes_per_gt;
  uint32_t j = grain % se->gtes_per_gt;
  const uint32_t *gt;
  bool uncached;
  uint32_t v;

  if (i >= se->gd_entries) {
    nbdkit_error ("%s: grain %" PRIu64 " outside the grain directory",
                  se->name, grain);
    errno = EIO;
    return -1;
  }
  if (se->gd[i] == 0) {
    *gte_r = 0;
    return 0;
  }
  if ((uint64_t) se->gd[i] * SECTOR +
      (uint64_t) se->gtes_per_gt * sizeof (uint32_t) > se->file_size) {
    nbdkit_error ("%s: grain table %" PRIu64 " (sector %" PRIu32
                  ") lies outside the file", se->name, i, se->gd[i]);
    errno = EIO;
    return -1;
  }
  gt = get_gt (se, i, &uncached);
  if (gt) {
    *gte_r = gt[j];
    return 0;
  }
  if (!uncached) {
    errno = EIO;
    return -1;
  }
  if (io_pread (se->fd, &v, sizeof v,
                (uint64_t) se->gd[i] * SECTOR + j * sizeof v) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  *gte_r = le32toh (v);
  return 0;
}

/* True if the GTE means "read as zeroes" (unallocated or zero grain). */
static bool
gte_is_zero (const struct sparse_extent *se, uint32_t gte)
{
  return gte == 0 || (gte == 1 && se->zero_grain);
}

/* Inflate the compressed grain at sector GTE into OUT (grain_bytes
 * long), using CBUF (2 * grain_bytes long) for the compressed data.
 * Sets *OUT_LEN to the inflated length.
 */
static int
read_compressed_grain (struct sparse_extent *se, uint32_t gte,
                       unsigned char *out, unsigned char *cbuf,
                       uint64_t *out_len)
{
  uint64_t off = (uint64_t) gte * SECTOR;
  uint64_t max = 2 * se->grain_bytes;
  uint64_t len;
  unsigned char marker[12];
  uLongf dlen = se->grain_bytes;
  ssize_t r;
  int zr;

  if (off >= se->file_size) {
    nbdkit_error ("%s: compressed grain at sector %" PRIu32
                  " lies outside the file", se->name, gte);
    errno = EIO;
    return -1;
  }
  if (se->markers) {
    /* Grain marker: uint64_t lba, uint32_t size, then the data. */
    if (io_pread (se->fd, marker, sizeof marker, off) == -1) {
      nbdkit_error ("pread: %s: %m", se->name);
      return -1;
    }
    len = get32 (marker + 8);
    off += sizeof marker;
    if (len == 0 || len > max) {
      nbdkit_error ("%s: compressed grain at sector %" PRIu32
                    " has invalid size %" PRIu64, se->name, gte, len);
      errno = EIO;
      return -1;
    }
  }
  else
    len = max;                  /* the stream end tells the length */

  r = io_pread (se->fd, cbuf, len, off);
  if (r == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  if (se->markers && (uint64_t) r < len) {
    nbdkit_error ("%s: compressed grain at sector %" PRIu32
                  " is truncated", se->name, gte);
    errno = EIO;
    return -1;
  }
  zr = uncompress (out, &dlen, cbuf, len);
  if (zr != Z_OK) {
    nbdkit_error ("%s: cannot inflate grain at sector %" PRIu32 ": %s",
                  se->name, gte, zError (zr));
    errno = EIO;
    return -1;
  }
  *out_len = dlen;
  return 0;
}

/* Read COUNT bytes at OFFSET of the extent. */
int
sparse_pread (struct sparse_extent *se, void *buf,
              uint32_t count, uint64_t offset)
{
  CLEANUP_FREE unsigned char *grain_buf = NULL;
  CLEANUP_FREE unsigned char *cbuf = NULL;
  unsigned char *p = buf;

  while (count > 0) {
    uint64_t grain = offset / se->grain_bytes;
    uint64_t in = offset % se->grain_bytes;
    uint64_t n = se->grain_bytes - in;
    uint32_t gte, next;

    if (n > count)
      n = count;
    if (get_gte (se, grain, &gte) == -1)
      return -1;

    if (gte_is_zero (se, gte))
      memset (p, 0, n);
    else if (se->compressed) {
      uint64_t dlen;

      if (grain_buf == NULL) {
        grain_buf = malloc (se->grain_bytes);
        cbuf = malloc (2 * se->grain_bytes);
        if (grain_buf == NULL || cbuf == NULL) {
          nbdkit_error ("malloc: %m");
          return -1;
        }
      }
      if (read_compressed_grain (se, gte, grain_buf, cbuf, &dlen) == -1)
        return -1;
      if (in + n > dlen) {
        nbdkit_error ("%s: grain %" PRIu64 " inflates to only %" PRIu64
                      " bytes", se->name, grain, dlen);
        errno = EIO;
        return -1;
      }
      memcpy (p, grain_buf + in, n);
    }
    else {
      /* Coalesce the following grains if they are contiguous in the
       * file, so a long read of a preallocated extent is one pread.
       */
      while (n < count &&
             (uint64_t) gte + (n + in) / SECTOR <= UINT32_MAX &&
             get_gte (se, grain + (n + in) / se->grain_bytes, &next) == 0 &&
             next == gte + (n + in) / SECTOR && !gte_is_zero (se, next)) {
        n += se->grain_bytes;
        if (n > count)
          n = count;
      }
      if (io_pread (se->fd, p, n, (uint64_t) gte * SECTOR + in) == -1) {
        nbdkit_error ("pread: %s: %m", se->name);
        return -1;
      }
    }
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

/* Add the extents of [OFFSET, OFFSET+COUNT). */
int
sparse_extents (struct sparse_extent *se, uint32_t count,
                uint64_t offset, uint64_t base,
                struct nbdkit_extents *extents)
{
  uint64_t end = offset + count;
  uint64_t gt_bytes = se->grain_bytes * se->gtes_per_gt;

  while (offset < end) {
    uint64_t grain = offset / se->grain_bytes;
    uint64_t i = grain / se->gtes_per_gt;
    uint64_t n;
    uint32_t type, gte;

    if (i < se->gd_entries && se->gd[i] == 0) {
      /* No grain table: the whole span it would cover is a hole. */
      n = (i + 1) * gt_bytes - offset;
      type = NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO;
    }
    else {
      if (get_gte (se, grain, &gte) == -1)
        return -1;
      n = (grain + 1) * se->grain_bytes - offset;
      type = gte_is_zero (se, gte) ?
        NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO : 0;
    }
    if (n > end - offset)
      n = end - offset;
    if (nbdkit_add_extent (extents, base + offset, n, type) == -1)
      return -1;
    offset += n;
  }
  return 0;
}

/* Close and free the extent. */
void
sparse_free (struct sparse_extent *se)
{
  uint64_t i;

  if (se == NULL)
    return;
  if (se->gt_cache) {
    for (i = 0; i < se->gd_entries; i++) {
      if (se->gt_cache[i]) {
        __atomic_sub_fetch (&gt_cache_bytes,
                            (uint64_t) se->gtes_per_gt * sizeof (uint32_t),
                            __ATOMIC_RELAXED);
        free (se->gt_cache[i]);
      }
    }
    free (se->gt_cache);
  }
  free (se->gd);
  if (se->fd >= 0)
    close (se->fd);
  free (se->name);
  free (se);
}
