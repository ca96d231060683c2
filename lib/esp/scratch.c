/* winvirtio: an ESP's scratch copy (see scratch.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Design note: the files are filled in 4 KiB pieces, aligned in the
 * ESP, so a piece is never half source bytes and half hole (a hole
 * reads as zeroes, which would look like a change).  Sectors that
 * mtools allocated outside what was filled may share a file system
 * block with sectors it did not touch; that is why the caller says
 * which ranges were allocated (the chains of what was written, read
 * back from "work") rather than trusting SEEK_DATA alone, and
 * SEEK_DATA serves as the check that nothing else changed.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/tempfile.h"
#include "esp/scratch.h"

#define PIECE 4096
#define SECTOR 512

int
wv_esp_scratch_open (struct wv_esp_scratch *s, struct wv_overlay *ov,
                     uint64_t base, uint64_t size)
{
  memset (s, 0, sizeof *s);
  s->ov = ov;
  s->base = base;
  s->size = size;
  s->orig_fd = wv_temp_file ("esp", NULL);
  s->work_fd = s->orig_fd == -1 ? -1 : wv_temp_file ("esp", &s->work_path);
  if (s->work_fd == -1 ||
      ftruncate (s->orig_fd, size) == -1 ||
      ftruncate (s->work_fd, size) == -1) {
    if (s->work_fd != -1)
      wv_error ("ftruncate: %m");
    wv_esp_scratch_close (s);
    return -1;
  }
  return 0;
}

void
wv_esp_scratch_close (struct wv_esp_scratch *s)
{
  if (s->orig_fd >= 0)
    close (s->orig_fd);
  if (s->work_fd >= 0)
    close (s->work_fd);
  s->orig_fd = s->work_fd = -1;
  wv_temp_file_remove (s->work_path);
  s->work_path = NULL;
  wv_rangeset_reset (&s->filled);
}

/* Write len bytes of buf at offset of fd, whole. */
static int
put (int fd, const uint8_t *buf, size_t len, uint64_t offset)
{
  while (len > 0) {
    ssize_t r = pwrite (fd, buf, len, offset);

    if (r <= 0) {
      wv_error ("pwrite: scratch file: %m");
      return -1;
    }
    buf += r;
    len -= r;
    offset += r;
  }
  return 0;
}

/* Read len bytes at offset of fd, whole (holes read as zeroes). */
static int
get (int fd, uint8_t *buf, size_t len, uint64_t offset)
{
  while (len > 0) {
    ssize_t r = pread (fd, buf, len, offset);

    if (r <= 0) {
      wv_error ("pread: scratch file: %m");
      return -1;
    }
    buf += r;
    len -= r;
    offset += r;
  }
  return 0;
}

/* Fill [start, end) from the source into both files. */
static int
fill (struct wv_esp_scratch *s, uint64_t start, uint64_t end)
{
  CLEANUP_FREE uint8_t *buf = malloc (end - start);

  if (buf == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  if (wv_overlay_pread (s->ov, buf, end - start, s->base + start) == -1 ||
      put (s->orig_fd, buf, end - start, start) == -1 ||
      put (s->work_fd, buf, end - start, start) == -1)
    return -1;
  return wv_rangeset_add (&s->filled, start, end - start);
}

int
wv_esp_scratch_read (void *opaque, void *buf, size_t count, uint64_t offset)
{
  struct wv_esp_scratch *s = opaque;
  uint64_t start, end, pos;

  if (offset > s->size || count > s->size - offset) {
    wv_error ("FAT read beyond the end of the partition");
    return -1;
  }
  start = offset / PIECE * PIECE;
  end = (offset + count + PIECE - 1) / PIECE * PIECE;
  if (end > s->size)
    end = s->size;
  for (pos = start; pos < end; ) {
    size_t i = wv_rangeset_find (&s->filled, pos);
    const struct wv_range *r = i < s->filled.len ? &s->filled.ranges[i] : NULL;
    uint64_t gap_end;

    if (r && r->offset <= pos) {
      pos = r->offset + r->length;
      continue;
    }
    gap_end = r && r->offset < end ? r->offset : end;
    if (fill (s, pos, gap_end) == -1)
      return -1;
    pos = gap_end;
  }
  return get (s->orig_fd, buf, count, offset);
}

int
wv_esp_scratch_read_work (void *opaque, void *buf, size_t count,
                          uint64_t offset)
{
  struct wv_esp_scratch *s = opaque;

  if (offset > s->size || count > s->size - offset) {
    wv_error ("FAT read beyond the end of the partition");
    return -1;
  }
  return get (s->work_fd, buf, count, offset);
}

/* Is [offset, offset+len) wholly inside set? */
static bool
covered (const struct wv_rangeset *set, uint64_t offset, uint64_t len)
{
  size_t i = wv_rangeset_find (set, offset);

  return i < set->len && set->ranges[i].offset <= offset &&
    set->ranges[i].offset + set->ranges[i].length >= offset + len;
}

/* Is the sector at offset of "work" all zero? */
static int
sector_zero (struct wv_esp_scratch *s, uint64_t offset, bool *zero_r)
{
  uint8_t buf[SECTOR];
  size_t i;

  if (get (s->work_fd, buf, SECTOR, offset) == -1)
    return -1;
  for (i = 0; i < SECTOR && buf[i] == 0; ++i)
    ;
  *zero_r = i == SECTOR;
  return 0;
}

/* Check that every non-zero sector of "work" is filled or allocated. */
static int
check_elsewhere (struct wv_esp_scratch *s, const struct wv_rangeset *alloc)
{
  off_t pos = 0;

  for (;;) {
    off_t data = lseek (s->work_fd, pos, SEEK_DATA), hole;
    uint64_t o;

    if (data == -1 && errno == ENXIO)
      return 0;
    if (data == -1) {
      wv_error ("lseek: scratch file: %m");
      return -1;
    }
    hole = lseek (s->work_fd, data, SEEK_HOLE);
    if (hole == -1) {
      wv_error ("lseek: scratch file: %m");
      return -1;
    }
    for (o = data / SECTOR * SECTOR; o < (uint64_t) hole; o += SECTOR) {
      bool zero;

      if (covered (&s->filled, o, SECTOR) || covered (alloc, o, SECTOR))
        continue;
      if (sector_zero (s, o, &zero) == -1)
        return -1;
      if (!zero) {
        wv_error ("mtools wrote at byte %" PRIu64 " of the ESP, outside "
                  "what winvirtio read or mtools allocated: nothing "
                  "changed", o);
        return -1;
      }
    }
    pos = hole;
  }
}

/* Copy [offset, offset+len) of "work" into the overlay. */
static int
copy_out (struct wv_esp_scratch *s, uint64_t offset, uint64_t len,
          uint64_t *changed_r)
{
  CLEANUP_FREE uint8_t *buf = malloc (len);

  if (buf == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  if (get (s->work_fd, buf, len, offset) == -1 ||
      wv_overlay_pwrite (s->ov, buf, len, s->base + offset) == -1)
    return -1;
  *changed_r += len;
  return 0;
}

/* The sectors of filled range r that changed. */
static int
commit_filled (struct wv_esp_scratch *s, const struct wv_range *r,
               uint64_t *changed_r)
{
  uint8_t a[SECTOR], b[SECTOR];
  uint64_t o;

  for (o = r->offset; o < r->offset + r->length; o += SECTOR) {
    size_t n = r->offset + r->length - o < SECTOR
      ? r->offset + r->length - o : SECTOR;

    if (get (s->orig_fd, a, n, o) == -1 || get (s->work_fd, b, n, o) == -1)
      return -1;
    if (memcmp (a, b, n) != 0 && copy_out (s, o, n, changed_r) == -1)
      return -1;
  }
  return 0;
}

/* The parts of allocated range r that were not filled. */
static int
commit_allocated (struct wv_esp_scratch *s, const struct wv_range *r,
                  uint64_t *changed_r)
{
  uint64_t o;

  for (o = r->offset; o < r->offset + r->length; o += SECTOR) {
    size_t n = r->offset + r->length - o < SECTOR
      ? r->offset + r->length - o : SECTOR;

    if (!covered (&s->filled, o, n) && copy_out (s, o, n, changed_r) == -1)
      return -1;
  }
  return 0;
}

int
wv_esp_scratch_commit (struct wv_esp_scratch *s,
                       const struct wv_rangeset *allocated,
                       uint64_t *changed_r)
{
  size_t i;

  *changed_r = 0;
  if (check_elsewhere (s, allocated) == -1)
    return -1;
  for (i = 0; i < s->filled.len; ++i)
    if (commit_filled (s, &s->filled.ranges[i], changed_r) == -1)
      return -1;
  for (i = 0; i < allocated->len; ++i)
    if (commit_allocated (s, &allocated->ranges[i], changed_r) == -1)
      return -1;
  return 0;
}
