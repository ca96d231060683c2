/* winvirtio: in-memory copy-on-write overlay over the source disk.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design:
 *
 * The overlay holds 4096-byte blocks aligned to the start of the disk
 * (not of the partition), in an array sorted by block number.  On the
 * first write to a block, the block's source bytes are read and kept
 * twice: as the working copy and as the original.  Keeping the
 * original makes the final diff free of further reads and makes "a
 * block written with the bytes it already had" cost nothing in the
 * map.  The planner writes at most a few tens of MiB (the SYSTEM
 * hive, a few drivers and the metadata around them), so memory and
 * the O(n) insertion are not a concern; writes mostly ascend, which
 * makes insertion near the end cheap.
 *
 * Short reads are kept too (clean blocks, data equal to orig), with
 * read-ahead: see fill_blocks.
 *
 * The diff works in 512-byte sectors, the smallest unit a disk can
 * have, so the map holds no unchanged sector.
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "common/array.h"
#include "common/log.h"
#include "common/rangeset.h"
#include "disk/overlay.h"

#define BLKSIZE 4096
#define SECTOR 512
#define READAHEAD 16            /* blocks: 64 KiB */

struct block {
  uint64_t blkno;
  uint8_t *data;                /* current bytes */
  uint8_t *orig;                /* source bytes */
};

struct wv_overlay {
  struct wv_source *src;
  struct block *blocks;         /* sorted by blkno */
  size_t len, cap;
};

struct wv_overlay *
wv_overlay_new (struct wv_source *src)
{
  struct wv_overlay *ov = calloc (1, sizeof *ov);

  if (ov == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  ov->src = src;
  return ov;
}

void
wv_overlay_free (struct wv_overlay *ov)
{
  size_t i;

  if (ov == NULL)
    return;
  for (i = 0; i < ov->len; ++i) {
    free (ov->blocks[i].data);
    free (ov->blocks[i].orig);
  }
  free (ov->blocks);
  free (ov);
}

struct wv_source *
wv_overlay_source (const struct wv_overlay *ov)
{
  return ov->src;
}

size_t
wv_overlay_blocks (const struct wv_overlay *ov)
{
  return ov->len;
}

/* Index of the first block with blkno >= n. */
static size_t
lower_bound (const struct wv_overlay *ov, uint64_t n)
{
  size_t lo = 0, hi = ov->len;

  /* Fast path: appending. */
  if (hi > 0 && ov->blocks[hi - 1].blkno < n)
    return hi;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (ov->blocks[mid].blkno < n)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Bytes of block n that lie inside the disk (the last block of a disk
 * whose size is not a multiple of 4096 is short).
 */
static size_t
block_len (const struct wv_overlay *ov, uint64_t n)
{
  uint64_t start = n * BLKSIZE;
  uint64_t left = ov->src->size - start;

  return left < BLKSIZE ? left : BLKSIZE;
}

/* Add what the planner used to the source's read set (if recording):
 * the ranges libntfs-3g read, and the whole of each block it wrote,
 * not what was read ahead and never used.
 */
static int
record (struct wv_overlay *ov, uint64_t offset, uint64_t len)
{
  if (ov->src->record &&
      wv_rangeset_add (ov->src->record, offset, len) == -1)
    return -1;
  return 0;
}

/* Read the source's blocks n, n+1, ... in one request, at most
 * READAHEAD of them and not past the next block held (index i) or the
 * end of the disk, and insert them at index i.  libntfs-3g reads
 * metadata a record or a cluster at a time, again and again: keeping
 * what was read, with some read-ahead, turns those into a few
 * requests, which is what matters over a distant source (VDDK, a WAN
 * link).  The read is not added to the read set: the callers add
 * what was used (record), so bytes read ahead do not make a map depend
 * on them.
 */
static int
fill_blocks (struct wv_overlay *ov, size_t i, uint64_t n)
{
  uint64_t last = (ov->src->size - 1) / BLKSIZE;
  uint64_t k = READAHEAD, j;
  uint8_t *buf = NULL;
  size_t len;
  int r = -1;

  if (k > last - n + 1)
    k = last - n + 1;
  if (i < ov->len && ov->blocks[i].blkno - n < k)
    k = ov->blocks[i].blkno - n;

  if (wv_array_grow (&ov->blocks, &ov->cap, ov->len + k,
                     sizeof ov->blocks[0], 256) == -1)
    return -1;

  len = (k - 1) * BLKSIZE + block_len (ov, n + k - 1);
  buf = calloc (k, BLKSIZE);
  if (buf == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  {
    struct wv_rangeset *saved = ov->src->record;
    int e;

    ov->src->record = NULL;
    e = wv_source_pread (ov->src, buf, len, n * BLKSIZE);
    ov->src->record = saved;
    if (e == -1)
      goto out;
  }

  memmove (&ov->blocks[i + k], &ov->blocks[i],
           (ov->len - i) * sizeof ov->blocks[0]);
  for (j = 0; j < k; ++j) {
    struct block *b = &ov->blocks[i + j];

    b->blkno = n + j;
    b->data = malloc (BLKSIZE);
    b->orig = malloc (BLKSIZE);
    if (b->data == NULL || b->orig == NULL) {
      /* Keep the array consistent: drop the blocks not filled. */
      free (b->data);
      free (b->orig);
      memmove (&ov->blocks[i + j], &ov->blocks[i + k],
               (ov->len - i) * sizeof ov->blocks[0]);
      ov->len += j;
      wv_error ("malloc: %m");
      goto out;
    }
    memcpy (b->data, buf + j * BLKSIZE, BLKSIZE);
    memcpy (b->orig, buf + j * BLKSIZE, BLKSIZE);
  }
  ov->len += k;
  r = 0;

 out:
  free (buf);
  return r;
}

/* Find block n, reading it (and some after it) from the source if
 * absent.
 */
static struct block *
get_block (struct wv_overlay *ov, uint64_t n)
{
  size_t i = lower_bound (ov, n);

  if (i < ov->len && ov->blocks[i].blkno == n)
    return &ov->blocks[i];
  if (fill_blocks (ov, i, n) == -1)
    return NULL;
  return &ov->blocks[i];
}

/* Check a request against the size of the disk. */
static int
check_bounds (struct wv_overlay *ov, size_t count, uint64_t offset,
              const char *what)
{
  if (offset > ov->src->size || count > ov->src->size - offset) {
    wv_error ("%s of %zu bytes at offset %" PRIu64 " is beyond the end of "
              "the disk (%" PRIu64 " bytes): the volume is larger than its "
              "partition, or its metadata is corrupt",
              what, count, offset, ov->src->size);
    return -1;
  }
  return 0;
}

int
wv_overlay_pread (struct wv_overlay *ov, void *buf, size_t count,
                  uint64_t offset)
{
  uint8_t *p = buf;

  if (check_bounds (ov, count, offset, "read") == -1)
    return -1;

  while (count > 0) {
    uint64_t n = offset / BLKSIZE;
    size_t i = lower_bound (ov, n);
    uint64_t next_held;
    size_t len;

    if (i < ov->len && ov->blocks[i].blkno == n) {
      size_t boff = offset % BLKSIZE;

      len = BLKSIZE - boff;
      if (len > count)
        len = count;
      memcpy (p, ov->blocks[i].data + boff, len);
      if (record (ov, offset, len) == -1)
        return -1;
    }
    else {
      /* A short read (metadata) is kept, with read-ahead; a long one
       * (the hive's data) is read from the source up to the next block
       * we hold, in one request, and not kept.
       */
      next_held = i < ov->len ? ov->blocks[i].blkno * BLKSIZE : UINT64_MAX;
      len = count;
      if (next_held - offset < len)
        len = next_held - offset;
      if (len <= READAHEAD * BLKSIZE) {
        if (fill_blocks (ov, i, n) == -1)
          return -1;
        continue;
      }
      if (wv_source_pread (ov->src, p, len, offset) == -1)
        return -1;
    }
    p += len;
    offset += len;
    count -= len;
  }
  return 0;
}

int
wv_overlay_pwrite (struct wv_overlay *ov, const void *buf, size_t count,
                   uint64_t offset)
{
  const uint8_t *p = buf;

  if (check_bounds (ov, count, offset, "write") == -1)
    return -1;

  while (count > 0) {
    struct block *b = get_block (ov, offset / BLKSIZE);
    size_t boff = offset % BLKSIZE;
    size_t len = BLKSIZE - boff;

    if (b == NULL ||
        record (ov, b->blkno * BLKSIZE, block_len (ov, b->blkno)) == -1)
      return -1;
    if (len > count)
      len = count;
    memcpy (b->data + boff, p, len);
    p += len;
    offset += len;
    count -= len;
  }
  return 0;
}

int
wv_overlay_diff (struct wv_overlay *ov, wv_overlay_run_fn fn, void *opaque)
{
  /* A run can span blocks, so collect it in a growing buffer. */
  uint8_t *run = NULL;
  size_t run_len = 0, run_cap = 0;
  uint64_t run_start = 0;
  size_t i, s;
  int r = -1;

  for (i = 0; i < ov->len; ++i) {
    const struct block *b = &ov->blocks[i];
    size_t blen = block_len (ov, b->blkno);

    for (s = 0; s < blen; s += SECTOR) {
      uint64_t off = b->blkno * BLKSIZE + s;
      size_t slen = blen - s < SECTOR ? blen - s : SECTOR;

      if (memcmp (b->data + s, b->orig + s, slen) == 0)
        continue;
      /* Flush a run that does not continue here. */
      if (run_len > 0 && run_start + run_len != off) {
        if (fn (opaque, run_start, run_len, run) == -1)
          goto out;
        run_len = 0;
      }
      if (run_len == 0)
        run_start = off;
      if (wv_array_grow (&run, &run_cap, run_len + slen, 1, 65536) == -1)
        goto out;
      memcpy (run + run_len, b->data + s, slen);
      run_len += slen;
      /* Extents are 32 bit; split very long runs. */
      if (run_len >= 64 * 1024 * 1024) {
        if (fn (opaque, run_start, run_len, run) == -1)
          goto out;
        run_len = 0;
      }
    }
  }
  if (run_len > 0 && fn (opaque, run_start, run_len, run) == -1)
    goto out;
  r = 0;

 out:
  free (run);
  return r;
}
