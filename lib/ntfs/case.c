/* winvirtio: a path of a mounted NTFS volume as the volume spells it
 * ("/WINDOWS/system32/config/software" for "\Windows\System32\config\
 * SOFTWARE" on Windows XP), for inspect's libguestfs-style names.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Each component is looked up in its directory as every other path
 * (ignoring case, mount.c), and its name is then read from the
 * inode's own $FILE_NAME attributes: the one in that directory that
 * is the name asked for, else the one that is it ignoring case (the
 * volume's $UpCase); never a DOS 8.3 name.  (Not from ntfs_readdir,
 * which gives the names in lower case on a volume that ignores case.)
 * This is the case libguestfs' case_sensitive_path gives, and so
 * virt-v2v's inspection.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "ntfs/internal.h"
#include "ntfs/ntfs.h"

/* The $FILE_NAME value of the attribute ctx found, or NULL if its
 * lengths do not hold together.
 */
static const FILE_NAME_ATTR *
file_name_of (const ntfs_attr_search_ctx *ctx)
{
  const ATTR_RECORD *a = ctx->attr;
  uint32_t off = le16_to_cpu (a->value_offset);
  uint32_t len = le32_to_cpu (a->value_length);
  const FILE_NAME_ATTR *fn;

  if (a->non_resident || len < sizeof *fn ||
      (uint64_t) off + len > le32_to_cpu (a->length))
    return NULL;
  fn = (const FILE_NAME_ATTR *) ((const u8 *) a + off);
  if (sizeof *fn + fn->file_name_length * sizeof (ntfschar) > len)
    return NULL;
  return fn;
}

/* Of ni's names in the directory parent, want itself, else want
 * ignoring case, into *name_r (malloc'd UTF-8).  Returns 0 (*name_r
 * NULL if there is none) or -1 (after wv_error).
 */
static int
name_in (struct wv_ntfs *v, ntfs_inode *ni, uint64_t parent,
         const ntfschar *want, int want_len, const char *path,
         char **name_r)
{
  ntfs_volume *vol = v->vol;
  ntfs_attr_search_ctx *ctx;
  bool exact = false;
  int r = 0;

  *name_r = NULL;
  wv_ntfs_clear_reason (v);
  ctx = ntfs_attr_get_search_ctx (ni, NULL);
  if (ctx == NULL) {
    wv_error ("%s: %s: %s", v->name, path, wv_ntfs_why (v));
    return -1;
  }
  while (!exact &&
         ntfs_attr_lookup (AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE,
                           0, NULL, 0, ctx) == 0) {
    const FILE_NAME_ATTR *fn = file_name_of (ctx);
    ntfschar name[255];         /* (aligned: fn is packed) */
    char *mb = NULL;
    int len;

    if (fn == NULL || fn->file_name_type == FILE_NAME_DOS ||
        MREF_LE (fn->parent_directory) != parent)
      continue;
    len = fn->file_name_length;
    memcpy (name, (const u8 *) fn + sizeof *fn, len * sizeof *name);
    if (!ntfs_names_are_equal (name, len, want, want_len, IGNORE_CASE,
                               vol->upcase, vol->upcase_len))
      continue;
    exact = ntfs_names_are_equal (name, len, want, want_len,
                                  CASE_SENSITIVE, vol->upcase,
                                  vol->upcase_len);
    if (*name_r && !exact)
      continue;                 /* keep the first that ignores case */
    if (ntfs_ucstombs (name, len, &mb, 0) < 0) {
      wv_error ("%s: %s: a file name cannot be converted: %m", v->name,
                path);
      r = -1;
      break;
    }
    free (*name_r);
    *name_r = mb;
  }
  ntfs_attr_put_search_ctx (ctx);
  if (r == -1) {
    free (*name_r);
    *name_r = NULL;
  }
  return r;
}

/* The component comp of path, in the directory *dir: its name as the
 * volume spells it (malloc'd) in *name_r, and *dir replaced by it.
 * Returns 0 or -1 (after wv_error).
 */
static int
step (struct wv_ntfs *v, ntfs_inode **dir, const char *comp,
      const char *path, char **name_r)
{
  CLEANUP_FREE ntfschar *want = NULL;
  int want_len = ntfs_mbstoucs (comp, &want);
  ntfs_inode *ni;

  if (want_len < 0) {
    wv_error ("%s: %s: a file name cannot be converted: %m", v->name, path);
    return -1;
  }
  wv_ntfs_clear_reason (v);
  ni = ntfs_pathname_to_inode (v->vol, *dir, comp);
  if (ni == NULL) {
    wv_error ("%s: %s: %s", v->name, path, wv_ntfs_why (v));
    return -1;
  }
  if (name_in (v, ni, (*dir)->mft_no, want, want_len, path, name_r) == -1) {
    ntfs_inode_close (ni);
    return -1;
  }
  ntfs_inode_close (*dir);
  *dir = ni;
  if (*name_r == NULL) {
    wv_error ("%s: %s: no name of inode %llu in its directory is %s",
              v->name, path, (unsigned long long) ni->mft_no, comp);
    return -1;
  }
  return 0;
}

int
wv_ntfs_real_path (struct wv_ntfs *v, const char *path, char **real_r)
{
  CLEANUP_FREE char *copy = strdup (path);
  char *out = NULL, *comp, *save = NULL;
  size_t outlen = 0, n = 0;
  ntfs_inode *dir;
  FILE *fp;

  if (copy == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  fp = open_memstream (&out, &outlen);
  if (fp == NULL) {
    wv_error ("open_memstream: %m");
    return -1;
  }
  wv_ntfs_clear_reason (v);
  dir = ntfs_inode_open (v->vol, FILE_root);
  if (dir == NULL) {
    wv_error ("%s: the root directory: %s", v->name, wv_ntfs_why (v));
    goto err;
  }
  for (comp = strtok_r (copy, "/\\", &save); comp;
       comp = strtok_r (NULL, "/\\", &save)) {
    CLEANUP_FREE char *name = NULL;

    if (step (v, &dir, comp, path, &name) == -1)
      goto err;
    fprintf (fp, "/%s", name);
    n++;
  }
  ntfs_inode_close (dir);
  if (n == 0)
    fputc ('/', fp);
  if (fclose (fp) == EOF) {
    wv_error ("%s: %s: %m", v->name, path);
    free (out);
    return -1;
  }
  *real_r = out;
  return 0;

 err:
  if (dir)
    ntfs_inode_close (dir);
  fclose (fp);
  free (out);
  return -1;
}
