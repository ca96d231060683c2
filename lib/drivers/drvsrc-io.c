/* winvirtio: listing and reading the files of a driver source.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A directory is walked once.  An ISO image is read with libarchive
 * (no mounting): listed once, and its members read on demand in one
 * sequential pass over the image per request.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <dirent.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/array.h"
#include "common/hostfile.h"
#include "common/log.h"
#include "drivers/drvsrc-io.h"

/* Bounds: the real ISO has about 1,100 files, 5 levels deep. */
#define MAX_FILES 200000
#define MAX_DEPTH 8

static int
add_file (struct wv_drvsrc_list *l, const char *path, uint64_t size)
{
  if (l->nr_files >= MAX_FILES) {
    wv_error ("more than %d files in the driver source: this is not a "
              "virtio-win tree", MAX_FILES);
    return -1;
  }
  if (wv_array_grow (&l->files, &l->cap_files, l->nr_files + 1,
                     sizeof *l->files, 64) == -1)
    return -1;
  l->files[l->nr_files].path = strdup (path);
  if (l->files[l->nr_files].path == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  l->files[l->nr_files].size = size;
  l->nr_files++;
  return 0;
}

/* Bounded like the files: a tree of broken links is not worth more. */
static int
add_skipped (struct wv_drvsrc_list *l, const char *path, int err)
{
  if (l->nr_skipped >= MAX_FILES) {
    wv_error ("more than %d broken links in the driver source: this is "
              "not a virtio-win tree", MAX_FILES);
    return -1;
  }
  if (wv_array_grow (&l->skipped, &l->cap_skipped, l->nr_skipped + 1,
                     sizeof *l->skipped, 8) == -1)
    return -1;
  l->skipped[l->nr_skipped].path = strdup (path);
  if (l->skipped[l->nr_skipped].path == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  l->skipped[l->nr_skipped].err = err;
  l->nr_skipped++;
  return 0;
}

void
wv_drvsrc_list_free (struct wv_drvsrc_list *l)
{
  size_t i;

  for (i = 0; i < l->nr_files; i++)
    free (l->files[i].path);
  free (l->files);
  l->files = NULL;
  l->nr_files = l->cap_files = 0;
  for (i = 0; i < l->nr_skipped; i++)
    free (l->skipped[i].path);
  free (l->skipped);
  l->skipped = NULL;
  l->nr_skipped = l->cap_skipped = 0;
}

/* Walk root/rel (rel "" for the root itself). */
static int
walk (const char *root, const char *rel, int depth, struct wv_drvsrc_list *l)
{
  char dirpath[4096];
  DIR *d;
  struct dirent *ent;
  int r = 0;

  if (snprintf (dirpath, sizeof dirpath, "%s%s%s", root, *rel ? "/" : "",
                rel) >= (int) sizeof dirpath) {
    wv_error ("%s/%s: path too long", root, rel);
    return -1;
  }
  d = opendir (dirpath);
  if (d == NULL) {
    wv_error ("%s: %m", dirpath);
    return -1;
  }
  while (r == 0 && (ent = readdir (d)) != NULL) {
    char sub[4096], full[8192];
    struct stat st, lst;

    if (strcmp (ent->d_name, ".") == 0 || strcmp (ent->d_name, "..") == 0)
      continue;
    snprintf (sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", ent->d_name);
    snprintf (full, sizeof full, "%s/%s", dirpath, ent->d_name);
    if (lstat (full, &lst) == -1)
      continue;                 /* gone since readdir */
    if (stat (full, &st) == -1)
      r = add_skipped (l, sub, errno);  /* a loop, a missing target */
    else if (S_ISREG (st.st_mode))
      r = add_file (l, sub, st.st_size);
    else if (S_ISDIR (st.st_mode) && S_ISLNK (lst.st_mode))
      r = add_skipped (l, sub, 0);
    else if (S_ISDIR (st.st_mode) && depth < MAX_DEPTH)
      r = walk (root, sub, depth + 1, l);
  }
  closedir (d);
  return r;
}

int
wv_drvsrc_list_dir (const char *root, struct wv_drvsrc_list *l)
{
  memset (l, 0, sizeof *l);
  if (walk (root, "", 0, l) == -1) {
    wv_drvsrc_list_free (l);
    return -1;
  }
  return 0;
}

/* The member name without a leading "./" or "/"; NULL for none. */
static const char *
member_name (struct archive_entry *e)
{
  const char *p = archive_entry_pathname (e);

  if (p == NULL)
    return NULL;
  while (p[0] == '.' && p[1] == '/')
    p += 2;
  while (p[0] == '/')
    p++;
  return *p ? p : NULL;
}

static struct archive *
open_iso (const char *iso)
{
  struct archive *a = archive_read_new ();

  if (a == NULL) {
    wv_error ("archive_read_new: %m");
    return NULL;
  }
  if (archive_read_support_format_iso9660 (a) != ARCHIVE_OK ||
      archive_read_open_filename (a, iso, 65536) != ARCHIVE_OK) {
    wv_error ("%s: cannot open as a virtio-win ISO image: %s", iso,
              archive_error_string (a) ? archive_error_string (a)
              : "unknown error");
    archive_read_free (a);
    return NULL;
  }
  return a;
}

int
wv_drvsrc_list_iso (const char *iso, struct wv_drvsrc_list *l)
{
  struct archive *a;
  struct archive_entry *e;
  int r;

  memset (l, 0, sizeof *l);
  a = open_iso (iso);
  if (a == NULL)
    return -1;
  while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK ||
         r == ARCHIVE_WARN) {
    const char *name = member_name (e);

    if (name && archive_entry_filetype (e) == AE_IFREG &&
        add_file (l, name, archive_entry_size (e)) == -1)
      goto err;
  }
  if (r != ARCHIVE_EOF) {
    wv_error ("%s: not a readable ISO image: %s", iso,
              archive_error_string (a) ? archive_error_string (a)
              : "unknown error");
    goto err;
  }
  archive_read_free (a);
  return 0;

 err:
  archive_read_free (a);
  wv_drvsrc_list_free (l);
  return -1;
}

static void
free_datas (uint8_t **datas, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    free (datas[i]);
    datas[i] = NULL;
  }
}

static int
read_dir_files (const char *root, const char *const *paths, size_t n,
                uint8_t **datas, size_t *lens)
{
  size_t i;

  for (i = 0; i < n; i++) {
    char full[8192];

    snprintf (full, sizeof full, "%s/%s", root, paths[i]);
    if (wv_read_host_file (full, WV_DRVSRC_MAX_FILE, &datas[i],
                           &lens[i]) == -1) {
      free_datas (datas, i);
      return -1;
    }
  }
  return 0;
}

/* Read the current member of a into a new buffer. */
static int
read_member (struct archive *a, struct archive_entry *e, const char *iso,
             const char *name, uint8_t **data_r, size_t *len_r)
{
  int64_t size = archive_entry_size (e);
  uint8_t *data;
  la_ssize_t r;
  size_t len = 0;

  if (size < 0 || size > WV_DRVSRC_MAX_FILE) {
    wv_error ("%s:/%s: %" PRIi64 " bytes, larger than any driver file",
              iso, name, size);
    return -1;
  }
  data = malloc (size ? size : 1);
  if (data == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  while (len < (size_t) size &&
         (r = archive_read_data (a, data + len, size - len)) > 0)
    len += r;
  if (len != (size_t) size) {
    wv_error ("%s:/%s: cannot read the file: %s", iso, name,
              archive_error_string (a) ? archive_error_string (a)
              : "short read");
    free (data);
    return -1;
  }
  *data_r = data;
  *len_r = len;
  return 0;
}

int
wv_drvsrc_read (const char *root, bool is_iso, const char *const *paths,
                size_t n, uint8_t **datas, size_t *lens)
{
  struct archive *a;
  struct archive_entry *e;
  size_t i, found = 0;
  int r;

  for (i = 0; i < n; i++)
    datas[i] = NULL;
  if (!is_iso)
    return read_dir_files (root, paths, n, datas, lens);
  if (n == 0)
    return 0;
  a = open_iso (root);
  if (a == NULL)
    return -1;
  while (found < n &&
         ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK ||
          r == ARCHIVE_WARN)) {
    const char *name = member_name (e);

    if (name == NULL || archive_entry_filetype (e) != AE_IFREG)
      continue;
    for (i = 0; i < n; i++) {
      if (datas[i] == NULL && strcmp (paths[i], name) == 0) {
        if (read_member (a, e, root, name, &datas[i], &lens[i]) == -1)
          goto err;
        found++;
        break;
      }
    }
  }
  if (found < n) {
    for (i = 0; i < n && datas[i]; i++)
      ;
    wv_error ("%s:/%s: not found when reading the image again (was it "
              "changed?)", root, i < n ? paths[i] : "?");
    goto err;
  }
  archive_read_free (a);
  return 0;

 err:
  archive_read_free (a);
  free_datas (datas, n);
  return -1;
}
