/* winvirtio: the FAT reader's directories: reading one, its long and
 * short names, finding a path, reading a file (see fat.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Long names (VFAT) are taken only when their checksum matches the
 * short entry that follows them, as Windows does.  A path is looked
 * up one component at a time from the root, so a directory that
 * names itself or an ancestor cannot make the walk loop.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>

#include "common/le.h"
#include "common/log.h"
#include "common/utf.h"
#include "esp/fat.h"

/* A directory bigger than this is refused (FAT allows 65536 entries). */
#define MAX_DIR_BYTES (65536 * 32)

/* A directory read whole into memory. */
struct dir_buf {
  uint8_t *data;
  uint64_t len;
  uint64_t *offsets;            /* volume offset of each cluster run */
  uint64_t *run_len;
  size_t nr_runs;
  const struct wv_fat *fat;
};

static int
dir_add_run (void *opaque, uint64_t offset, uint64_t length)
{
  struct dir_buf *d = opaque;
  uint8_t *p;
  uint64_t *o, *l;

  if (d->len + length > MAX_DIR_BYTES) {
    wv_error ("FAT directory larger than %d bytes: damaged", MAX_DIR_BYTES);
    return -1;
  }
  p = realloc (d->data, d->len + length);
  if (p)
    d->data = p;
  o = realloc (d->offsets, (d->nr_runs + 1) * sizeof *o);
  if (o)
    d->offsets = o;
  l = realloc (d->run_len, (d->nr_runs + 1) * sizeof *l);
  if (l)
    d->run_len = l;
  if (p == NULL || o == NULL || l == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  if (d->fat->read (d->fat->opaque, d->data + d->len, length, offset) == -1)
    return -1;
  d->offsets[d->nr_runs] = offset;
  d->run_len[d->nr_runs++] = length;
  d->len += length;
  return 0;
}

static void
dir_free (struct dir_buf *d)
{
  free (d->data);
  free (d->offsets);
  free (d->run_len);
}

/* Read the directory starting at cluster (0: the root). */
static int
dir_read (const struct wv_fat *fat, uint32_t cluster, struct dir_buf *d)
{
  memset (d, 0, sizeof *d);
  d->fat = fat;
  if (cluster == 0 && fat->type != 32)
    return dir_add_run (d, fat->root_offset, fat->root_bytes);
  return wv_fat_chain (fat, cluster ? cluster : fat->root_cluster,
                       dir_add_run, d);
}

/* The volume offset of byte pos of the directory. */
static uint64_t
dir_offset (const struct dir_buf *d, uint64_t pos)
{
  size_t i;

  for (i = 0; i < d->nr_runs; ++i) {
    if (pos < d->run_len[i])
      return d->offsets[i] + pos;
    pos -= d->run_len[i];
  }
  return 0;
}

/* The VFAT checksum of an 11-byte short name. */
static uint8_t
lfn_checksum (const uint8_t *name)
{
  uint8_t sum = 0;
  int i;

  for (i = 0; i < 11; ++i)
    sum = (uint8_t) (((sum & 1) << 7) + (sum >> 1) + name[i]);
  return sum;
}

/* The short name of entry e as text, with the NT case bits. */
static void
short_name (const uint8_t *e, char *out)
{
  size_t i, n = 0;

  for (i = 0; i < 8 && e[i] != ' '; ++i)
    out[n++] = (e[12] & 0x08) && e[i] >= 'A' && e[i] <= 'Z'
      ? e[i] + 32 : (i == 0 && e[0] == 0x05 ? (char) 0xe5 : e[i]);
  if (e[8] != ' ') {
    out[n++] = '.';
    for (i = 8; i < 11 && e[i] != ' '; ++i)
      out[n++] = (e[12] & 0x10) && e[i] >= 'A' && e[i] <= 'Z'
        ? e[i] + 32 : e[i];
  }
  out[n] = '\0';
}

/* Long-name state while walking a directory. */
struct lfn {
  uint16_t u[260];
  unsigned nr_slots;            /* 0: none pending */
  unsigned expect;              /* next sequence number expected */
  uint8_t sum;
};

/* Take one long-name slot e. */
static void
lfn_take (struct lfn *l, const uint8_t *e)
{
  static const int pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
  unsigned seq = e[0] & 0x1f, i;

  if (e[0] & 0x40) {
    memset (l->u, 0, sizeof l->u);
    l->nr_slots = seq;
    l->sum = e[13];
  }
  else if (l->nr_slots == 0 || seq != l->expect || e[13] != l->sum) {
    l->nr_slots = 0;
    return;
  }
  if (seq == 0 || seq > 20) {
    l->nr_slots = 0;
    return;
  }
  for (i = 0; i < 13; ++i)
    l->u[(seq - 1) * 13 + i] = get_le16 (e + pos[i]);
  l->expect = seq - 1;
}

/* The pending long name as UTF-8 into out (256 bytes), if it belongs
 * to short entry e.
 */
static bool
lfn_name (struct lfn *l, const uint8_t *e, char *out)
{
  size_t i, n = 0;

  if (l->nr_slots == 0 || l->expect != 0 || l->sum != lfn_checksum (e)) {
    l->nr_slots = 0;
    return false;
  }
  for (i = 0; i < 260 && l->u[i] != 0 && l->u[i] != 0xffff; ++i) {
    unsigned char b[4];
    uint32_t cp = l->u[i];
    size_t k, len;

    if (cp >= 0xd800 && cp <= 0xdfff)
      cp = 0xfffd;
    len = wv_utf8_encode (cp, b);
    if (n + len >= 256)
      break;
    for (k = 0; k < len; ++k)
      out[n++] = b[k];
  }
  out[n] = '\0';
  l->nr_slots = 0;
  return n > 0;
}

/* Find name in directory d; fill e.  Returns 1, 0 or -1. */
static int
dir_find (const struct dir_buf *d, const char *name, struct wv_fat_entry *e)
{
  struct lfn l = { .nr_slots = 0 };
  uint64_t pos;

  for (pos = 0; pos + 32 <= d->len; pos += 32) {
    const uint8_t *x = d->data + pos;
    char sname[13], lname[256];
    bool have_long;

    if (x[0] == 0x00)
      break;
    if (x[0] == 0xe5) {
      l.nr_slots = 0;
      continue;
    }
    if ((x[11] & 0x3f) == 0x0f) {
      lfn_take (&l, x);
      continue;
    }
    have_long = lfn_name (&l, x, lname);
    if (x[11] & 0x08)
      continue;                 /* volume label */
    short_name (x, sname);
    if (strcmp (sname, ".") == 0 || strcmp (sname, "..") == 0)
      continue;
    if (strcasecmp (sname, name) != 0 &&
        !(have_long && strcasecmp (lname, name) == 0))
      continue;
    memset (e, 0, sizeof *e);
    snprintf (e->name, sizeof e->name, "%s", have_long ? lname : sname);
    e->dir = (x[11] & 0x10) != 0;
    e->cluster = get_le16 (x + 26) |
      (d->fat->type == 32 ? (uint32_t) get_le16 (x + 20) << 16 : 0);
    e->size = get_le32 (x + 28);
    e->mtime = get_le16 (x + 22);
    e->mdate = get_le16 (x + 24);
    e->entry_offset = dir_offset (d, pos);
    return 1;
  }
  return 0;
}

int
wv_fat_lookup (const struct wv_fat *fat, const char *path,
               struct wv_fat_entry *e)
{
  uint32_t cluster = 0;
  const char *p = path;

  for (;;) {
    struct dir_buf d;
    char name[256];
    size_t n;
    int r;

    while (*p == '/' || *p == '\\')
      p++;
    n = strcspn (p, "/\\");
    if (n == 0 || n >= sizeof name) {
      wv_error ("FAT path %s: bad name", path);
      return -1;
    }
    memcpy (name, p, n);
    name[n] = '\0';
    p += n;
    if (dir_read (fat, cluster, &d) == -1) {
      dir_free (&d);            /* what was read before the error */
      return -1;
    }
    r = dir_find (&d, name, e);
    dir_free (&d);
    if (r <= 0)
      return r;
    while (*p == '/' || *p == '\\')
      p++;
    if (*p == '\0')
      return 1;
    if (!e->dir)
      return 0;
    if (e->cluster == 0) {
      wv_error ("FAT directory %s has no cluster: damaged", e->name);
      return -1;
    }
    cluster = e->cluster;
  }
}

/* Reading a file: where we are in it. */
struct file_buf {
  const struct wv_fat *fat;
  uint8_t *data;
  uint64_t size, done;
};

static int
file_add_run (void *opaque, uint64_t offset, uint64_t length)
{
  struct file_buf *f = opaque;

  if (f->done >= f->size) {
    wv_error ("FAT file has more clusters than its size needs: damaged");
    return -1;
  }
  if (length > f->size - f->done)
    length = f->size - f->done;
  if (f->fat->read (f->fat->opaque, f->data + f->done, length, offset) == -1)
    return -1;
  f->done += length;
  return 0;
}

int
wv_fat_read_file (const struct wv_fat *fat, const struct wv_fat_entry *e,
                  size_t max, uint8_t **data_r)
{
  struct file_buf f = { .fat = fat, .size = e->size };

  *data_r = NULL;
  if (e->dir || e->size > max) {
    wv_error ("FAT file %s: %s", e->name,
              e->dir ? "is a directory" : "too large");
    return -1;
  }
  f.data = malloc (e->size ? e->size : 1);
  if (f.data == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  if (e->size > 0 && e->cluster == 0) {
    wv_error ("FAT file %s has a size but no cluster: damaged", e->name);
    free (f.data);
    return -1;
  }
  if (e->size > 0 &&
      wv_fat_chain (fat, e->cluster, file_add_run, &f) == -1) {
    free (f.data);
    return -1;
  }
  if (f.done != f.size) {
    wv_error ("FAT file %s: its chain is shorter than its size: damaged",
              e->name);
    free (f.data);
    return -1;
  }
  *data_r = f.data;
  return 0;
}
