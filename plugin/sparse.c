/* nbdkit-vmdk-plugin: hosted sparse extents (KDMV).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design.
 *
 * Three on-disk formats share the same two level table and are read
 * here:
 *
 * - hosted sparse ("KDMV"): VMware's "Virtual Disk Format 1.1",
 *   section "Hosted Sparse Extents", and the stream-optimized variant
 *   of the same header (compressed grains, markers, footer);
 * - ESX sparse ("COWD", the vmfsSparse snapshot delta of ESX): a
 *   header of 32 bit fields, GTs of 4096 32 bit entries in sectors;
 * - space-efficient sparse (seSparse, ESXi 6.5+ snapshot deltas): a
 *   constant header and a volatile header of 64 bit fields, GD and GT
 *   entries of 64 bit whose top nibble says what they are (GD: 1 =
 *   allocated table; GT: 0 = unallocated, 1 = unmapped, 2 = zero,
 *   3 = allocated, with a grain index split into two bit fields).
 *   The format is not published; qemu's reader is the reference, and
 *   we are as strict as it is on the fields it checks.  qemu block/vmdk.c
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
 * no state between calls, into the reply when the request covers the
 * whole grain, else into a buffer owned by the request, from which the
 * grain goes into a small cache (grain-cache.c) for the next request
 * that reads another part of it.
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

#include "common/cleanup.h"
#include "common/le.h"
#include "descriptor.h"
#include "disk.h"
#include "grain-cache.h"
#include "io.h"
#include "sparse.h"

#define SECTOR 512
#define SPARSE_MAGIC 0x564d444b         /* "KDMV" read little endian */
#define COWD_MAGIC 0x44574f43           /* "COWD" read little endian */
#define SE_MAGIC UINT64_C (0xcafebabe)
#define SE_VOLATILE_MAGIC UINT64_C (0xcafecafe)
#define SE_VERSION UINT64_C (0x200000001)
#define COWD_GTES_PER_GT 4096
#define SE_GRAIN_SECTORS 8
#define SE_GT_SECTORS 64
#define GD_AT_END UINT64_C (0xffffffffffffffff)

#define FLAG_ZERO_GRAIN (1 << 2)        /* GTE 1 means a zero grain */
#define FLAG_MARKERS (1 << 17)          /* grains and tables have markers */
#define COMPRESSION_DEFLATE 1

#define MARKER_EOS 0
#define MARKER_FOOTER 3

/* Caps on header fields (qemu has the same ones, except the grain). */
#define MAX_GTES_PER_GT 4096          /* 512 for KDMV, as qemu */
#define MAX_GRAIN_SECTORS 32768         /* 16 MiB */
#define MAX_GD_ENTRIES (32 * 1024 * 1024)

/* Most memory the GT caches of all extents may use. */
#define GT_CACHE_MAX (256 * 1024 * 1024)

/* Bytes of cached GTs over all extents (atomic). */
static uint64_t gt_cache_bytes;

/* The number of the last extent opened (atomic), for grain-cache.c. */
static uint64_t last_id;

enum sparse_kind { KIND_HOSTED, KIND_COWD, KIND_SE };

struct sparse_extent {
  struct io_file f;
  char *name;
  enum sparse_kind kind;
  uint64_t id;                  /* unique, for the grain cache */
  uint64_t capacity;            /* sectors */
  uint64_t grain_bytes;
  uint32_t gtes_per_gt;
  uint32_t gte_size;            /* bytes: 4, or 8 for seSparse */
  uint64_t gd_entries;
  uint64_t *gd;                 /* byte offset of each GT, 0 if none,
                                   GT_INVALID if the entry is bad */
  uint64_t **gt_cache;          /* GT per GD entry, host order, or NULL */
  uint64_t se_grains;           /* seSparse: byte offset of grain 0 */
  bool compressed;
  bool markers;
  bool zero_grain;
};

#define GT_INVALID UINT64_MAX

/* What a grain table entry says about a grain. */
enum grain_state { GRAIN_UNALLOCATED, GRAIN_ZERO, GRAIN_DATA };

/* Decode and check the 512 byte sparse header. */
int
sparse_parse_header (const unsigned char *buf, const char *name,
                     struct sparse_header *h)
{
  uint64_t gt_sectors;

  if (get_le32 (buf) != SPARSE_MAGIC) {
    nbdkit_error ("%s: not a VMDK sparse extent (no KDMV magic)", name);
    return -1;
  }
  h->version = get_le32 (buf + 4);
  h->flags = get_le32 (buf + 8);
  h->capacity = get_le64 (buf + 12);
  h->grain_sectors = get_le64 (buf + 20);
  h->desc_offset = get_le64 (buf + 28);
  h->desc_size = get_le64 (buf + 36);
  h->gtes_per_gt = get_le32 (buf + 44);
  h->gd_offset = get_le64 (buf + 56);
  h->overhead = get_le64 (buf + 64);
  h->compress_algorithm = get_le16 (buf + 77);

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
  if (h->gtes_per_gt == 0 || h->gtes_per_gt > 512) {
    nbdkit_error ("%s: invalid grain table size %" PRIu32 " entries "
                  "(must be 1..512)", name, h->gtes_per_gt);
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
read_footer (const struct io_file *f, const char *name,
             struct sparse_header *h)
{
  unsigned char footer[3 * SECTOR];
  uint64_t end = (f->size + SECTOR - 1) / SECTOR * SECTOR;

  if (end < sizeof footer + SECTOR) {
    nbdkit_error ("%s: file too small for a footer", name);
    return -1;
  }
  if (io_read (f, footer, sizeof footer, end - sizeof footer) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    return -1;
  }
  /* [footer marker][footer: magic + header][end-of-stream marker] */
  if (get_le32 (footer + 8) != 0 || get_le32 (footer + 12) != MARKER_FOOTER ||
      get_le32 (footer + SECTOR) != SPARSE_MAGIC ||
      get_le64 (footer + 2 * SECTOR) != 0 ||
      get_le32 (footer + 2 * SECTOR + 8) != 0 ||
      get_le32 (footer + 2 * SECTOR + 12) != MARKER_EOS) {
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
sparse_read_header (const struct io_file *f, const char *name,
                    struct sparse_header *h)
{
  unsigned char buf[SECTOR];

  if (f->size < SECTOR) {
    nbdkit_error ("%s: file too small for a VMDK sparse header", name);
    return -1;
  }
  if (io_read (f, buf, sizeof buf, 0) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    return -1;
  }
  if (sparse_parse_header (buf, name, h) == -1)
    return -1;
  if (h->gd_offset == GD_AT_END)
    return read_footer (f, name, h);
  return 0;
}

/* Read the embedded descriptor. */
char *
sparse_read_descriptor (const struct io_file *f, const char *name,
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
      h->desc_offset > f->size / SECTOR ||
      h->desc_offset * SECTOR + h->desc_size * SECTOR > f->size) {
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
  if (io_read (f, text, len, h->desc_offset * SECTOR) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    free (text);
    return NULL;
  }
  text[len] = '\0';
  *len_r = len;
  return text;
}

/* Allocate the GD and the GT cache pointers of SE->gd_entries. */
static int
alloc_gd (struct sparse_extent *se)
{
  se->gd = calloc (se->gd_entries, sizeof *se->gd);
  se->gt_cache = calloc (se->gd_entries, sizeof *se->gt_cache);
  if (se->gd == NULL || se->gt_cache == NULL) {
    nbdkit_error ("calloc: %m");
    return -1;
  }
  return 0;
}

/* Read GD_ENTRIES entries of SIZE bytes (4 or 8) at byte OFFSET into
 * SE->gd (allocated here, once the GD is known to lie in the file, so
 * a hostile header cannot make us allocate more than the file's size
 * allows), in host order, unconverted.
 */
static int
read_gd (struct sparse_extent *se, uint64_t offset, uint32_t size)
{
  uint64_t bytes = se->gd_entries * size;
  CLEANUP_FREE unsigned char *raw = NULL;
  uint64_t i;

  if (offset == 0 || offset > se->f.size || bytes > se->f.size - offset) {
    nbdkit_error ("%s: grain directory (byte %" PRIu64 ", %" PRIu64
                  " entries) lies outside the file", se->name,
                  offset, se->gd_entries);
    return -1;
  }
  if (alloc_gd (se) == -1)
    return -1;
  raw = malloc (bytes);
  if (raw == NULL) {
    nbdkit_error ("malloc: %m");
    return -1;
  }
  if (io_read (&se->f, raw, bytes, offset) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  for (i = 0; i < se->gd_entries; i++)
    se->gd[i] = size == 4 ? get_le32 (raw + i * 4) : get_le64 (raw + i * 8);
  return 0;
}

/* Open a hosted sparse (KDMV) extent. */
static int
open_hosted (struct sparse_extent *se)
{
  struct sparse_header h;
  uint64_t gt_sectors, i;

  if (sparse_read_header (&se->f, se->name, &h) == -1)
    return -1;
  if (h.overhead > (se->f.size + SECTOR - 1) / SECTOR) {
    nbdkit_error ("%s: file truncated, expecting at least %" PRIu64
                  " sectors", se->name, h.overhead);
    return -1;
  }
  se->capacity = h.capacity;
  se->grain_bytes = h.grain_sectors * SECTOR;
  se->gtes_per_gt = h.gtes_per_gt;
  se->gte_size = 4;
  se->compressed = h.compress_algorithm == COMPRESSION_DEFLATE;
  se->markers = (h.flags & FLAG_MARKERS) != 0;
  se->zero_grain = (h.flags & FLAG_ZERO_GRAIN) != 0;
  gt_sectors = h.grain_sectors * h.gtes_per_gt;
  se->gd_entries = (h.capacity + gt_sectors - 1) / gt_sectors;
  if (se->gd_entries == 0)
    return 0;
  if (h.gd_offset > UINT64_MAX / SECTOR) {
    nbdkit_error ("%s: grain directory offset %" PRIu64 " is invalid",
                  se->name, h.gd_offset);
    return -1;
  }
  if (read_gd (se, h.gd_offset * SECTOR, 4) == -1)
    return -1;
  for (i = 0; i < se->gd_entries; i++)
    se->gd[i] *= SECTOR;        /* 32 bit sectors: cannot overflow */
  return 0;
}

/* Open an ESX sparse (COWD) extent: the header after the magic is
 * version, flags, capacity, grain size, GD sector, GD entries (all
 * 32 bit), and the GTs have 4096 entries.
 */
static int
open_cowd (struct sparse_extent *se)
{
  unsigned char buf[SECTOR];
  uint64_t capacity, grain, gd_offset, gd_size, gt_sectors, i;

  if (se->f.size < SECTOR) {
    nbdkit_error ("%s: file too small for a COWD header", se->name);
    return -1;
  }
  if (io_read (&se->f, buf, sizeof buf, 0) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  capacity = get_le32 (buf + 12);
  grain = get_le32 (buf + 16);
  gd_offset = get_le32 (buf + 20);
  gd_size = get_le32 (buf + 24);
  if (grain == 0 || grain > MAX_GRAIN_SECTORS) {
    nbdkit_error ("%s: invalid COWD grain size %" PRIu64 " sectors "
                  "(must be 1..%d)", se->name, grain, MAX_GRAIN_SECTORS);
    return -1;
  }
  gt_sectors = grain * COWD_GTES_PER_GT;
  se->capacity = capacity;
  se->grain_bytes = grain * SECTOR;
  se->gtes_per_gt = COWD_GTES_PER_GT;
  se->gte_size = 4;
  se->gd_entries = (capacity + gt_sectors - 1) / gt_sectors;
  if (gd_size < se->gd_entries) {
    nbdkit_error ("%s: COWD grain directory has %" PRIu64 " entries, "
                  "the capacity needs %" PRIu64, se->name, gd_size,
                  se->gd_entries);
    return -1;
  }
  if (se->gd_entries == 0)
    return 0;
  if (read_gd (se, gd_offset * SECTOR, 4) == -1)
    return -1;
  for (i = 0; i < se->gd_entries; i++)
    se->gd[i] *= SECTOR;
  return 0;
}

/* Open a seSparse extent: check the constant header (512 bytes of
 * 64 bit fields) and the volatile header, as strictly as qemu.
 */
static int
open_se (struct sparse_extent *se)
{
  unsigned char buf[SECTOR], vol[SECTOR];
  uint64_t capacity, vol_offset, gd_offset, gd_size, gts_offset;
  uint64_t grains_offset, i;
  const uint64_t gt_bytes = SE_GT_SECTORS * SECTOR;

  if (se->f.size < SECTOR) {
    nbdkit_error ("%s: file too small for a seSparse header", se->name);
    return -1;
  }
  if (io_read (&se->f, buf, sizeof buf, 0) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  if (get_le64 (buf + 8) != SE_VERSION) {
    nbdkit_error ("%s: unsupported seSparse version 0x%" PRIx64,
                  se->name, get_le64 (buf + 8));
    return -1;
  }
  capacity = get_le64 (buf + 16);
  if (get_le64 (buf + 24) != SE_GRAIN_SECTORS ||
      get_le64 (buf + 32) != SE_GT_SECTORS || get_le64 (buf + 40) != 0 ||
      get_le64 (buf + 48) != 0 || get_le64 (buf + 56) != 0 ||
      get_le64 (buf + 64) != 0 || get_le64 (buf + 72) != 0) {
    nbdkit_error ("%s: unsupported seSparse header (grain %" PRIu64
                  " sectors, grain tables %" PRIu64 " sectors, flags 0x%"
                  PRIx64 "): only 8, 64 and 0 are known", se->name,
                  get_le64 (buf + 24), get_le64 (buf + 32), get_le64 (buf + 40));
    return -1;
  }
  vol_offset = get_le64 (buf + 80);
  gd_offset = get_le64 (buf + 128);
  gd_size = get_le64 (buf + 136);
  gts_offset = get_le64 (buf + 144);
  grains_offset = get_le64 (buf + 192);
  if (capacity > DISK_MAX_SECTORS || vol_offset > UINT64_MAX / SECTOR ||
      gd_offset > UINT64_MAX / SECTOR || gd_size > UINT64_MAX / SECTOR ||
      gts_offset > UINT64_MAX / SECTOR ||
      grains_offset > UINT64_MAX / SECTOR) {
    nbdkit_error ("%s: seSparse header field out of range", se->name);
    return -1;
  }

  if (io_read (&se->f, vol, sizeof vol, vol_offset * SECTOR) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  if (get_le64 (vol) != SE_VOLATILE_MAGIC) {
    nbdkit_error ("%s: bad seSparse volatile header magic 0x%" PRIx64,
                  se->name, get_le64 (vol));
    return -1;
  }
  if (get_le64 (vol + 24) != 0) {
    nbdkit_error ("%s: seSparse journal needs replaying (the disk was "
                  "not closed cleanly): power the VM on and off in ESXi, "
                  "or consolidate the snapshot, then retry", se->name);
    return -1;
  }

  se->capacity = capacity;
  se->grain_bytes = SE_GRAIN_SECTORS * SECTOR;
  se->gtes_per_gt = gt_bytes / 8;
  se->gte_size = 8;
  se->se_grains = grains_offset * SECTOR;
  se->gd_entries = (capacity + SE_GRAIN_SECTORS * se->gtes_per_gt - 1) /
    (SE_GRAIN_SECTORS * se->gtes_per_gt);
  if (se->gd_entries > MAX_GD_ENTRIES ||
      gd_size * SECTOR / 8 < se->gd_entries) {
    nbdkit_error ("%s: seSparse grain directory has %" PRIu64 " entries, "
                  "the capacity needs %" PRIu64, se->name,
                  gd_size * SECTOR / 8, se->gd_entries);
    return -1;
  }
  if (se->gd_entries == 0)
    return 0;
  if (read_gd (se, gd_offset * SECTOR, 8) == -1)
    return -1;
  /* GD entry: 0 (no table) or 0x10000000_<GT index>. */
  for (i = 0; i < se->gd_entries; i++) {
    uint64_t v = se->gd[i];

    if (v == 0)
      continue;
    if ((v & UINT64_C (0xffffffff00000000)) != UINT64_C (0x1000000000000000))
      se->gd[i] = GT_INVALID;
    else
      se->gd[i] = gts_offset * SECTOR + (v & 0xffffffff) * gt_bytes;
  }
  return 0;
}

/* Open a sparse extent of any of the three kinds. */
struct sparse_extent *
sparse_open (const struct io_file *f, const char *name)
{
  struct sparse_extent *se;
  unsigned char magic[8];
  int r;

  if (io_read (f, magic, sizeof magic, 0) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    return NULL;
  }
  se = calloc (1, sizeof *se);
  if (se == NULL) {
    nbdkit_error ("calloc: %m");
    return NULL;
  }
  se->f = *f;
  se->id = __atomic_add_fetch (&last_id, 1, __ATOMIC_RELAXED);
  se->name = strdup (name);
  if (se->name == NULL) {
    nbdkit_error ("strdup: %m");
    goto err;
  }
  if (get_le32 (magic) == SPARSE_MAGIC) {
    se->kind = KIND_HOSTED;
    r = open_hosted (se);
  }
  else if (get_le32 (magic) == COWD_MAGIC) {
    se->kind = KIND_COWD;
    r = open_cowd (se);
  }
  else if (get_le64 (magic) == SE_MAGIC) {
    se->kind = KIND_SE;
    r = open_se (se);
  }
  else {
    nbdkit_error ("%s: not a VMDK sparse extent (no KDMV, COWD or "
                  "seSparse magic)", name);
    goto err;
  }
  if (r == -1)
    goto err;
  if (se->capacity > DISK_MAX_SECTORS) {
    nbdkit_error ("%s: capacity %" PRIu64 " sectors is too large",
                  name, se->capacity);
    goto err;
  }

  nbdkit_debug ("vmdk: %s: %s sparse, capacity %" PRIu64
                " sectors, grain %" PRIu64 " bytes, %" PRIu64 " GTs of %"
                PRIu32 "%s%s%s", name,
                se->kind == KIND_HOSTED ? "hosted" :
                se->kind == KIND_COWD ? "COWD" : "se",
                se->capacity, se->grain_bytes, se->gd_entries,
                se->gtes_per_gt,
                se->compressed ? ", compressed" : "",
                se->markers ? ", markers" : "",
                se->zero_grain ? ", zero grains" : "");
  return se;

 err:
  se->f.fd = -1;                /* the caller still owns FD */
  sparse_free (se);
  return NULL;
}

/* The capacity in sectors. */
uint64_t
sparse_capacity (const struct sparse_extent *se)
{
  return se->capacity;
}

/* Decode GT entry I of the raw table RAW. */
static uint64_t
raw_gte (const struct sparse_extent *se, const unsigned char *raw,
         uint32_t i)
{
  return se->gte_size == 4 ? get_le32 (raw + i * 4) : get_le64 (raw + i * 8);
}

/* Return the GT for GD entry I, loading it into the cache, or NULL
 * with *UNCACHED set when the cache is full.  NULL without *UNCACHED
 * is an error (reported).
 */
static const uint64_t *
get_gt (struct sparse_extent *se, uint64_t i, bool *uncached)
{
  uint64_t *gt, *expected = NULL;
  uint64_t raw_bytes = (uint64_t) se->gtes_per_gt * se->gte_size;
  uint64_t bytes = (uint64_t) se->gtes_per_gt * sizeof *gt;
  CLEANUP_FREE unsigned char *raw = NULL;
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
  raw = malloc (raw_bytes);
  if (gt == NULL || raw == NULL) {
    __atomic_sub_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED);
    free (gt);
    nbdkit_error ("malloc: %m");
    return NULL;
  }
  if (io_read (&se->f, raw, raw_bytes, se->gd[i]) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    __atomic_sub_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED);
    free (gt);
    return NULL;
  }
  for (j = 0; j < se->gtes_per_gt; j++)
    gt[j] = raw_gte (se, raw, j);

  /* Publish; if another thread got there first, use its table. */
  if (!__atomic_compare_exchange_n (&se->gt_cache[i], &expected, gt, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    __atomic_sub_fetch (&gt_cache_bytes, bytes, __ATOMIC_RELAXED);
    free (gt);
    gt = expected;
  }
  return gt;
}

/* Look up the raw GTE of GRAIN (0 if there is no GT).  Returns 0 or
 * -1 after nbdkit_error with errno set.
 */
static int
get_gte (struct sparse_extent *se, uint64_t grain, uint64_t *gte_r)
{
  uint64_t i = grain / se->gtes_per_gt;
  uint32_t j = grain % se->gtes_per_gt;
  const uint64_t *gt;
  unsigned char v[8];
  bool uncached;

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
  if (se->gd[i] == GT_INVALID || se->gd[i] > se->f.size ||
      (uint64_t) se->gtes_per_gt * se->gte_size > se->f.size - se->gd[i]) {
    nbdkit_error ("%s: grain table %" PRIu64 " lies outside the file "
                  "or its directory entry is invalid", se->name, i);
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
  if (io_read (&se->f, v, se->gte_size,
               se->gd[i] + (uint64_t) j * se->gte_size) == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  *gte_r = raw_gte (se, v, 0);
  return 0;
}

/* Find what GRAIN is and, for GRAIN_DATA, where: *OFF_R is the byte
 * offset of the grain in the file (for compressed grains, of its
 * marker or stream).  Returns 0 or -1 after nbdkit_error.
 */
static int
lookup (struct sparse_extent *se, uint64_t grain,
        enum grain_state *state_r, uint64_t *off_r)
{
  uint64_t gte, index;

  if (get_gte (se, grain, &gte) == -1)
    return -1;
  *off_r = 0;
  if (se->kind != KIND_SE) {
    if (gte == 0)
      *state_r = GRAIN_UNALLOCATED;
    else if (gte == 1 && se->zero_grain)
      *state_r = GRAIN_ZERO;
    else {
      *state_r = GRAIN_DATA;
      *off_r = gte * SECTOR;    /* 32 bit sectors: cannot overflow */
    }
    return 0;
  }

  switch (gte >> 60) {
  case 0:
    if (gte != 0)
      break;
    *state_r = GRAIN_UNALLOCATED;
    return 0;
  case 1:                       /* unmapped */
  case 2:                       /* zero */
    *state_r = GRAIN_ZERO;
    return 0;
  case 3:
    /* The grain index: bits 48..59 are its low 12 bits, bits 0..47
     * its high ones.
     */
    index = ((gte >> 48) & 0xfff) | ((gte & UINT64_C (0xffffffffffff)) << 12);
    if (index > (UINT64_MAX - se->se_grains) / se->grain_bytes)
      break;
    *state_r = GRAIN_DATA;
    *off_r = se->se_grains + index * se->grain_bytes;
    return 0;
  }
  nbdkit_error ("%s: invalid seSparse grain table entry 0x%016" PRIx64
                " for grain %" PRIu64, se->name, gte, grain);
  errno = EIO;
  return -1;
}

/* Inflate the compressed grain at byte OFF into OUT (grain_bytes
 * long), using CBUF (2 * grain_bytes long) for the compressed data.
 * Sets *OUT_LEN to the inflated length.
 */
static int
read_compressed_grain (struct sparse_extent *se, uint64_t off,
                       unsigned char *out, unsigned char *cbuf,
                       uint64_t *out_len)
{
  uint64_t max = 2 * se->grain_bytes;
  uint64_t len;
  unsigned char marker[12];
  uLongf dlen = se->grain_bytes;
  ssize_t r;
  int zr;

  if (off >= se->f.size) {
    nbdkit_error ("%s: compressed grain at byte %" PRIu64
                  " lies outside the file", se->name, off);
    errno = EIO;
    return -1;
  }
  if (se->markers) {
    /* Grain marker: uint64_t lba, uint32_t size, then the data. */
    if (io_read (&se->f, marker, sizeof marker, off) == -1) {
      nbdkit_error ("pread: %s: %m", se->name);
      return -1;
    }
    len = get_le32 (marker + 8);
    off += sizeof marker;
    if (len == 0 || len > max) {
      nbdkit_error ("%s: compressed grain at byte %" PRIu64
                    " has invalid size %" PRIu64, se->name, off, len);
      errno = EIO;
      return -1;
    }
  }
  else
    len = max;                  /* the stream end tells the length */

  r = io_read (&se->f, cbuf, len, off);
  if (r == -1) {
    nbdkit_error ("pread: %s: %m", se->name);
    return -1;
  }
  if (se->markers && (uint64_t) r < len) {
    nbdkit_error ("%s: compressed grain at byte %" PRIu64
                  " is truncated", se->name, off);
    errno = EIO;
    return -1;
  }
  zr = uncompress (out, &dlen, cbuf, len);
  if (zr != Z_OK) {
    nbdkit_error ("%s: cannot inflate grain at byte %" PRIu64 ": %s",
                  se->name, off, zError (zr));
    errno = EIO;
    return -1;
  }
  *out_len = dlen;
  return 0;
}

/* Read N bytes at IN within the compressed grain GRAIN at byte OFF,
 * into P.  A whole grain is inflated straight into P.  *GRAIN_BUF and
 * *CBUF are the request's buffers, allocated on first use.
 */
static int
read_compressed (struct sparse_extent *se, uint64_t grain, uint64_t off,
                 unsigned char *p, uint64_t in, uint64_t n,
                 unsigned char **grain_buf, unsigned char **cbuf)
{
  bool whole = in == 0 && n == se->grain_bytes;
  uint64_t dlen;

  if (!whole && grain_cache_get (se->id, grain, in, n, p))
    return 0;
  if (*cbuf == NULL) {
    *cbuf = malloc (2 * se->grain_bytes);
    if (*cbuf == NULL) {
      nbdkit_error ("malloc: %m");
      return -1;
    }
  }
  if (!whole && *grain_buf == NULL) {
    *grain_buf = malloc (se->grain_bytes);
    if (*grain_buf == NULL) {
      nbdkit_error ("malloc: %m");
      return -1;
    }
  }
  if (read_compressed_grain (se, off, whole ? p : *grain_buf, *cbuf,
                             &dlen) == -1)
    return -1;
  if (in + n > dlen) {
    nbdkit_error ("%s: grain %" PRIu64 " inflates to only %" PRIu64
                  " bytes", se->name, grain, dlen);
    errno = EIO;
    return -1;
  }
  if (!whole) {
    memcpy (p, *grain_buf + in, n);
    grain_cache_put (se->id, grain, *grain_buf, dlen);
  }
  return 0;
}

/* Read COUNT bytes at OFFSET of the extent. */
int
sparse_pread (struct sparse_extent *se, void *buf,
              uint32_t count, uint64_t offset,
              struct vmdk_disk *parent, uint64_t base)
{
  CLEANUP_FREE unsigned char *grain_buf = NULL;
  CLEANUP_FREE unsigned char *cbuf = NULL;
  unsigned char *p = buf;

  while (count > 0) {
    uint64_t grain = offset / se->grain_bytes;
    uint64_t in = offset % se->grain_bytes;
    uint64_t n = se->grain_bytes - in;
    enum grain_state state, next_state;
    uint64_t off, next_off;

    if (n > count)
      n = count;
    if (lookup (se, grain, &state, &off) == -1)
      return -1;

    if (state == GRAIN_UNALLOCATED) {
      /* The following unallocated grains too, in one read of the
       * parent (vmfsSparse grains are one sector).
       */
      while (n < count &&
             lookup (se, grain + (n + in) / se->grain_bytes,
                     &next_state, &next_off) == 0 &&
             next_state == GRAIN_UNALLOCATED) {
        n += se->grain_bytes;
        if (n > count)
          n = count;
      }
      if (disk_backing_pread (parent, p, n, base + offset) == -1)
        return -1;
    }
    else if (state == GRAIN_ZERO)
      memset (p, 0, n);
    else if (se->compressed) {
      if (read_compressed (se, grain, off, p, in, n,
                           &grain_buf, &cbuf) == -1)
        return -1;
    }
    else {
      /* Coalesce the following grains if they are contiguous in the
       * file, so a long read of a preallocated extent is one pread.
       */
      while (n < count &&
             lookup (se, grain + (n + in) / se->grain_bytes,
                     &next_state, &next_off) == 0 &&
             next_state == GRAIN_DATA && next_off == off + n + in) {
        n += se->grain_bytes;
        if (n > count)
          n = count;
      }
      if (io_read (&se->f, p, n, off + in) == -1) {
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
                struct vmdk_disk *parent,
                struct nbdkit_extents *extents)
{
  uint64_t end = offset + count;
  uint64_t gt_bytes = se->grain_bytes * se->gtes_per_gt;

  while (offset < end) {
    uint64_t grain = offset / se->grain_bytes;
    uint64_t i = grain / se->gtes_per_gt;
    uint64_t n, off;
    enum grain_state state;

    if (i < se->gd_entries && se->gd[i] == 0) {
      /* No grain table: the whole span it would cover is unallocated. */
      n = (i + 1) * gt_bytes - offset;
      state = GRAIN_UNALLOCATED;
    }
    else {
      if (lookup (se, grain, &state, &off) == -1)
        return -1;
      n = (grain + 1) * se->grain_bytes - offset;
    }
    /* Unallocated grains that follow, so the parent is asked once. */
    while (state == GRAIN_UNALLOCATED && offset + n < end) {
      uint64_t next = (offset + n) / se->grain_bytes;
      uint64_t ni = next / se->gtes_per_gt;
      enum grain_state next_state;

      if (ni < se->gd_entries && se->gd[ni] == 0)
        n = (ni + 1) * gt_bytes - offset;
      else if (lookup (se, next, &next_state, &off) == 0 &&
               next_state == GRAIN_UNALLOCATED)
        n += se->grain_bytes;
      else
        break;
    }
    if (n > end - offset)
      n = end - offset;
    if (state == GRAIN_UNALLOCATED) {
      if (disk_backing_extents (parent, n, base + offset, extents) == -1)
        return -1;
    }
    else if (nbdkit_add_extent (extents, base + offset, n,
                                state == GRAIN_ZERO ?
                                NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO :
                                0) == -1)
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
                            (uint64_t) se->gtes_per_gt * sizeof (uint64_t),
                            __ATOMIC_RELAXED);
        free (se->gt_cache[i]);
      }
    }
    free (se->gt_cache);
  }
  free (se->gd);
  if (se->f.fd >= 0)
    close (se->f.fd);
  free (se->name);
  free (se);
}
