/* winvirtio: the files of a mounted NTFS volume, read and changed
 * through libntfs-3g: look-up, reading, changing in place, new files
 * (with a sibling's security descriptor and a short name as Windows
 * gives them), new directories, listing, and times.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/types.h>

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

#define PAGE 4096

/* libntfs-3g wants '/' separators. */
static char *
unix_path (const char *path)
{
  char *p = strdup (path), *q;

  if (p == NULL) {
    wv_error ("strdup: %m");
    return NULL;
  }
  for (q = p; *q; ++q)
    if (*q == '\\')
      *q = '/';
  return p;
}

ntfs_inode *
wv_ntfs_open_path (struct wv_ntfs *v, const char *path)
{
  CLEANUP_FREE char *p = unix_path (path);
  ntfs_inode *ni;

  if (p == NULL)
    return NULL;
  wv_ntfs_clear_reason (v);
  ni = ntfs_pathname_to_inode (v->vol, NULL, p);
  if (ni == NULL && errno != ENOENT)
    wv_error ("%s: %s: %s", v->name, path, wv_ntfs_why (v));
  return ni;
}

int
wv_ntfs_exists (struct wv_ntfs *v, const char *path)
{
  ntfs_inode *ni = wv_ntfs_open_path (v, path);

  if (ni == NULL)
    return errno == ENOENT ? 0 : -1;
  ntfs_inode_close (ni);
  return 1;
}

/* Open the unnamed $DATA of a regular file. */
static ntfs_attr *
open_data (struct wv_ntfs *v, ntfs_inode *ni, const char *path)
{
  ntfs_attr *na;

  if (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) {
    wv_error ("%s: %s is a directory, expected a file", v->name, path);
    return NULL;
  }
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    wv_error ("%s: %s: cannot open its data: %s", v->name, path,
              wv_ntfs_why (v));
    return NULL;
  }
  if (na->data_flags & (ATTR_COMPRESSION_MASK | ATTR_IS_ENCRYPTED)) {
    wv_error ("%s: %s is %s, which winvirtio does not change: "
              "decompress or decrypt it in Windows first", v->name, path,
              (na->data_flags & ATTR_IS_ENCRYPTED) ? "encrypted" :
              "compressed");
    ntfs_attr_close (na);
    return NULL;
  }
  return na;
}

/* Read all of na into a new buffer. */
static int
read_attr (struct wv_ntfs *v, ntfs_attr *na, const char *path,
           size_t max_size, uint8_t **data_r, size_t *len_r)
{
  uint8_t *data;
  s64 size = na->data_size, done = 0;

  if (size < 0 || (uint64_t) size > max_size) {
    wv_error ("%s: %s is %" PRIi64 " bytes, more than the %zu bytes "
              "winvirtio accepts for it", v->name, path, (int64_t) size,
              max_size);
    return -1;
  }
  data = malloc (size > 0 ? size : 1);
  if (data == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  while (done < size) {
    s64 r = ntfs_attr_pread (na, done, size - done, data + done);

    if (r <= 0) {
      wv_error ("%s: %s: read error at offset %" PRIi64 ": %s", v->name,
                path, (int64_t) done, r == 0 ? "short read" : wv_ntfs_why (v));
      free (data);
      return -1;
    }
    done += r;
  }
  *data_r = data;
  *len_r = size;
  return 0;
}

int
wv_ntfs_read_file (struct wv_ntfs *v, const char *path, size_t max_size,
                   uint8_t **data_r, size_t *len_r)
{
  ntfs_inode *ni = wv_ntfs_open_path (v, path);
  ntfs_attr *na;
  int r;

  if (ni == NULL) {
    if (errno == ENOENT)
      wv_error ("%s: %s not found", v->name, path);
    return -1;
  }
  na = open_data (v, ni, path);
  if (na == NULL) {
    ntfs_inode_close (ni);
    return -1;
  }
  r = read_attr (v, na, path, max_size, data_r, len_r);
  ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return r;
}

/* Write [off, off+len) of data to na. */
static int
write_attr (struct wv_ntfs *v, ntfs_attr *na, const char *path,
            const uint8_t *data, s64 off, s64 len)
{
  while (len > 0) {
    s64 r = ntfs_attr_pwrite (na, off, len, data + off);

    if (r <= 0) {
      wv_error ("%s: %s: write error at offset %" PRIi64 ": %s", v->name,
                path, (int64_t) off, r == 0 ? "short write" : wv_ntfs_why (v));
      return -1;
    }
    off += r;
    len -= r;
  }
  return 0;
}

/* Resize na to len if needed. */
static int
resize_attr (struct wv_ntfs *v, ntfs_attr *na, const char *path, s64 len)
{
  if (na->data_size == len)
    return 0;
  if (ntfs_attr_truncate (na, len) == -1) {
    wv_error ("%s: %s: cannot resize to %" PRIi64 " bytes: %s", v->name,
              path, (int64_t) len, wv_ntfs_why (v));
    return -1;
  }
  return 0;
}

/* Close an inode we changed, reporting libntfs-3g's failure. */
static int
close_inode (struct wv_ntfs *v, ntfs_inode *ni, const char *path)
{
  if (ntfs_inode_close (ni) == -1) {
    wv_error ("%s: %s: cannot write its metadata: %s", v->name, path,
              wv_ntfs_why (v));
    return -1;
  }
  return 0;
}

int
wv_ntfs_update_file (struct wv_ntfs *v, const char *path,
                     const uint8_t *old, size_t oldlen,
                     const uint8_t *data, size_t len)
{
  ntfs_inode *ni = wv_ntfs_open_path (v, path);
  ntfs_attr *na;
  size_t off;
  int r = -1;

  if (ni == NULL) {
    if (errno == ENOENT)
      wv_error ("%s: %s not found", v->name, path);
    return -1;
  }
  na = open_data (v, ni, path);
  if (na == NULL) {
    ntfs_inode_close (ni);
    return -1;
  }
  if ((uint64_t) na->data_size != oldlen) {
    wv_error ("%s: %s changed size while winvirtio was working on it",
              v->name, path);
    goto out;
  }
  if (resize_attr (v, na, path, len) == -1)
    goto out;
  for (off = 0; off < len; off += PAGE) {
    size_t n = len - off < PAGE ? len - off : PAGE;

    if (off + n <= oldlen && memcmp (old + off, data + off, n) == 0)
      continue;
    if (write_attr (v, na, path, data, off, n) == -1)
      goto out;
  }
  ntfs_inode_update_times (ni, NTFS_UPDATE_MCTIME);
  r = 0;

 out:
  ntfs_attr_close (na);
  if (close_inode (v, ni, path) == -1)
    r = -1;
  return r;
}

/* ntfs_readdir callback: remember the first regular file. */
static int
find_sibling (void *opaque, const ntfschar *name, const int name_len,
              const int name_type, const s64 pos, const MFT_REF mref,
              const unsigned dt_type)
{
  MFT_REF *found = opaque;

  if (dt_type == NTFS_DT_REG && name_type != FILE_NAME_DOS &&
      MREF (mref) >= FILE_first_user) {
    *found = mref;
    return 1;                   /* stop */
  }
  return 0;
}

/* The security id of a regular file in dir_ni, or dir_ni's own if
 * it has none.
 */
static le32
sibling_security_id (struct wv_ntfs *v, ntfs_inode *dir_ni)
{
  MFT_REF mref = 0;
  s64 pos = 0;
  ntfs_inode *ni;
  le32 id;

  ntfs_readdir (dir_ni, &pos, &mref, find_sibling);
  /* In a directory with no file yet (one we just made), the
   * directory's own descriptor, which it took from its parent.
   */
  if (mref == 0)
    return dir_ni->security_id;
  ni = ntfs_inode_open (v->vol, MREF (mref));
  if (ni == NULL)
    return const_cpu_to_le32 (0);
  id = ni->security_id;
  wv_debug ("%s: new files take security id %" PRIu32 " from inode %"
            PRIu64, v->name, le32_to_cpu (id), (uint64_t) ni->mft_no);
  ntfs_inode_close (ni);
  return id;
}

/* If name is a valid 8.3 name, its upper-case form in *dos (12 bytes),
 * else return false.
 */
static bool
dos_name (const char *name, char dos[13])
{
  const char *dot = strchr (name, '.');
  size_t base = dot ? (size_t) (dot - name) : strlen (name);
  size_t ext = dot ? strlen (dot + 1) : 0;
  size_t i;

  if (base == 0 || base > 8 || ext > 3 || (dot && strchr (dot + 1, '.')))
    return false;
  for (i = 0; name[i]; ++i) {
    unsigned char c = name[i];

    if (c == '.')
      dos[i] = c;
    else if (isalnum (c) || c == '_' || c == '-' || c == '$' || c == '~')
      dos[i] = toupper (c);
    else
      return false;
  }
  dos[i] = '\0';
  return true;
}

/* Replace the contents of an existing file; set *changed_r. */
static int
replace_contents (struct wv_ntfs *v, ntfs_inode *ni, const char *path,
                  const uint8_t *data, size_t len, bool *changed_r)
{
  CLEANUP_FREE uint8_t *old = NULL;
  size_t oldlen;
  ntfs_attr *na = open_data (v, ni, path);
  int r = -1;

  if (na == NULL)
    return -1;
  if (read_attr (v, na, path, SIZE_MAX, &old, &oldlen) == -1)
    goto out;
  *changed_r = oldlen != len || memcmp (old, data, len) != 0;
  if (*changed_r) {
    if (resize_attr (v, na, path, len) == -1 ||
        write_attr (v, na, path, data, 0, len) == -1)
      goto out;
    ntfs_inode_update_times (ni, NTFS_UPDATE_MCTIME);
  }
  r = 0;
 out:
  ntfs_attr_close (na);
  return r;
}

/* Open directory dir and look name up in it: *dir_ni_r is then open,
 * *uname_r (name in UTF-16, to free) set, and *mref_r the entry's MFT
 * reference or (u64) -1 if there is none.  what ("file", "directory")
 * is for messages.  Returns 0 or -1 (nothing left open).
 */
static int
lookup_in_dir (struct wv_ntfs *v, const char *dir, const char *name,
               const char *what, ntfs_inode **dir_ni_r,
               ntfschar **uname_r, int *ulen_r, u64 *mref_r)
{
  *dir_ni_r = wv_ntfs_open_path (v, dir);
  if (*dir_ni_r == NULL) {
    if (errno == ENOENT)
      wv_error ("%s: directory %s not found", v->name, dir);
    return -1;
  }
  *uname_r = NULL;
  *ulen_r = ntfs_mbstoucs (name, uname_r);
  if (*ulen_r <= 0) {
    wv_error ("%s: invalid %s name %s", v->name, what, name);
    ntfs_inode_close (*dir_ni_r);
    return -1;
  }
  *mref_r = ntfs_inode_lookup_by_name (*dir_ni_r, *uname_r, *ulen_r);
  return 0;
}

/* Create name in dir_ni with data.  Consumes dir_ni (closes it). */
static int
create_file (struct wv_ntfs *v, ntfs_inode *dir_ni, const char *path,
             const char *name, const ntfschar *uname, int ulen,
             const uint8_t *data, size_t len)
{
  le32 securid = sibling_security_id (v, dir_ni);
  ntfs_inode *ni;
  ntfs_attr *na;
  char dos[13];
  int r = 0;

  wv_ntfs_clear_reason (v);
  ni = ntfs_create (dir_ni, securid, (ntfschar *) uname, ulen, S_IFREG);
  if (ni == NULL) {
    wv_error ("%s: cannot create %s: %s", v->name, path, wv_ntfs_why (v));
    ntfs_inode_close (dir_ni);
    return -1;
  }
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    wv_error ("%s: %s: cannot open its data: %s", v->name, path,
              wv_ntfs_why (v));
    r = -1;
  }
  else {
    if (write_attr (v, na, path, data, 0, len) == -1)
      r = -1;
    ntfs_attr_close (na);
  }

  /* Windows gives a file whose name is a valid 8.3 name a single
   * WIN32_AND_DOS name; ntfs_create made a POSIX one.
   * ntfs_set_ntfs_dos_name closes both inodes.
   */
  if (r == 0 && dos_name (name, dos)) {
    if (ntfs_set_ntfs_dos_name (ni, dir_ni, dos, strlen (dos), 0) == -1) {
      wv_error ("%s: %s: cannot set its DOS name: %s", v->name, path,
                wv_ntfs_why (v));
      return -1;
    }
    return 0;
  }
  /* The new file's size changed after ntfs_create, so closing it
   * updates its entry in dir_ni's index: that must be done through
   * dir_ni, which holds the entry, not through a fresh copy of the
   * directory read from disk (ntfs_inode_close would open one, fail
   * to find the entry, and lose the file).
   */
  wv_ntfs_clear_reason (v);
  if (ntfs_inode_close_in_dir (ni, dir_ni) == -1) {
    wv_error ("%s: %s: cannot write its metadata: %s", v->name, path,
              wv_ntfs_why (v));
    r = -1;
  }
  if (close_inode (v, dir_ni, path) == -1)
    r = -1;
  return r;
}

int
wv_ntfs_put_file (struct wv_ntfs *v, const char *dir, const char *name,
                  const uint8_t *data, size_t len,
                  bool *created_r, bool *changed_r)
{
  CLEANUP_FREE char *path = NULL;
  ntfschar *uname = NULL;
  ntfs_inode *dir_ni, *ni;
  int ulen, r;
  u64 mref;

  if (asprintf (&path, "%s\\%s", dir, name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (lookup_in_dir (v, dir, name, "file", &dir_ni, &uname, &ulen,
                     &mref) == -1)
    return -1;
  if (mref != (u64) -1) {
    *created_r = false;
    ni = ntfs_inode_open (v->vol, MREF (mref));
    if (ni == NULL) {
      wv_error ("%s: cannot open %s: %s", v->name, path, wv_ntfs_why (v));
      r = -1;
    }
    else {
      r = replace_contents (v, ni, path, data, len, changed_r);
      if (close_inode (v, ni, path) == -1)
        r = -1;
    }
    if (close_inode (v, dir_ni, dir) == -1)
      r = -1;
  }
  else {
    *created_r = *changed_r = true;
    r = create_file (v, dir_ni, path, name, uname, ulen, data, len);
  }
  free (uname);
  return r;
}

int
wv_ntfs_mkdir (struct wv_ntfs *v, const char *dir, const char *name,
               bool *created_r)
{
  CLEANUP_FREE char *path = NULL;
  ntfschar *uname = NULL;
  ntfs_inode *dir_ni, *ni;
  int ulen, r = 0;
  u64 mref;

  *created_r = false;
  if (asprintf (&path, "%s\\%s", dir, name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (lookup_in_dir (v, dir, name, "directory", &dir_ni, &uname, &ulen,
                     &mref) == -1)
    return -1;
  if (mref != (u64) -1) {
    ni = ntfs_inode_open (v->vol, MREF (mref));
    if (ni == NULL) {
      wv_error ("%s: cannot open %s: %s", v->name, path, wv_ntfs_why (v));
      r = -1;
    }
    else {
      if (!(ni->mrec->flags & MFT_RECORD_IS_DIRECTORY)) {
        wv_error ("%s: %s exists and is not a directory", v->name, path);
        r = -1;
      }
      ntfs_inode_close (ni);
    }
    ntfs_inode_close (dir_ni);
    free (uname);
    return r;
  }

  /* Windows gives a new directory the descriptor inherited from its
   * parent; the parent's own is the nearest we have.
   */
  wv_ntfs_clear_reason (v);
  ni = ntfs_create (dir_ni, dir_ni->security_id, uname, ulen, S_IFDIR);
  free (uname);
  if (ni == NULL) {
    wv_error ("%s: cannot create directory %s: %s", v->name, path,
              wv_ntfs_why (v));
    ntfs_inode_close (dir_ni);
    return -1;
  }
  *created_r = true;
  if (close_inode (v, ni, path) == -1)
    r = -1;
  if (close_inode (v, dir_ni, dir) == -1)
    r = -1;
  return r;
}

/* ntfs_readdir callback state for wv_ntfs_list_dir. */
struct list_state {
  struct wv_ntfs *v;
  int (*fn) (void *opaque, const char *name, bool is_dir);
  void *opaque;
  int r;
};

static int
list_one (void *opaque, const ntfschar *name, const int name_len,
          const int name_type, const s64 pos, const MFT_REF mref,
          const unsigned dt_type)
{
  struct list_state *st = opaque;
  char *mb = NULL;

  if (name_type == FILE_NAME_DOS || MREF (mref) < FILE_first_user)
    return 0;
  if (ntfs_ucstombs (name, name_len, &mb, 0) < 0) {
    wv_error ("%s: a file name cannot be converted: %m", st->v->name);
    st->r = -1;
    return 1;
  }
  if (strcmp (mb, ".") != 0 && strcmp (mb, "..") != 0 &&
      st->fn (st->opaque, mb, dt_type == NTFS_DT_DIR) == -1)
    st->r = -1;
  free (mb);
  return st->r == -1;
}

int
wv_ntfs_list_dir (struct wv_ntfs *v, const char *dir,
                  int (*fn) (void *opaque, const char *name, bool is_dir),
                  void *opaque)
{
  struct list_state st = { .v = v, .fn = fn, .opaque = opaque, .r = 0 };
  ntfs_inode *ni = wv_ntfs_open_path (v, dir);
  s64 pos = 0;

  if (ni == NULL) {
    if (errno == ENOENT)
      wv_error ("%s: directory %s not found", v->name, dir);
    return -1;
  }
  if (ntfs_readdir (ni, &pos, &st, list_one) == -1 && st.r == 0) {
    wv_error ("%s: cannot list %s: %s", v->name, dir, wv_ntfs_why (v));
    st.r = -1;
  }
  ntfs_inode_close (ni);
  return st.r;
}

int
wv_ntfs_get_mtime (struct wv_ntfs *v, const char *path, uint64_t *t)
{
  ntfs_inode *ni = wv_ntfs_open_path (v, path);

  if (ni == NULL) {
    if (errno == ENOENT)
      wv_error ("%s: %s not found", v->name, path);
    return -1;
  }
  *t = sle64_to_cpu (ni->last_data_change_time);
  ntfs_inode_close (ni);
  return 0;
}

/* Set the times of every $FILE_NAME attribute in ni's record. */
static int
set_file_name_times (struct wv_ntfs *v, ntfs_inode *ni, sle64 t,
                     const char *path)
{
  ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx (ni, NULL);

  if (ctx == NULL) {
    wv_error ("%s: %s: %s", v->name, path, wv_ntfs_why (v));
    return -1;
  }
  while (ntfs_attr_lookup (AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE,
                           0, NULL, 0, ctx) == 0) {
    FILE_NAME_ATTR *fn =
      (FILE_NAME_ATTR *) ((u8 *) ctx->attr +
                          le16_to_cpu (ctx->attr->value_offset));

    fn->creation_time = fn->last_data_change_time = t;
    fn->last_mft_change_time = fn->last_access_time = t;
    ntfs_inode_mark_dirty (ctx->ntfs_ino);
  }
  ntfs_attr_put_search_ctx (ctx);
  return 0;
}

int
wv_ntfs_set_times (struct wv_ntfs *v, const char *path, uint64_t t,
                   bool created)
{
  ntfs_inode *ni = wv_ntfs_open_path (v, path);
  sle64 nt = cpu_to_sle64 (t);
  int r = 0;

  if (ni == NULL) {
    if (errno == ENOENT)
      wv_error ("%s: %s not found", v->name, path);
    return -1;
  }
  if (created) {
    ni->creation_time = nt;
    if (set_file_name_times (v, ni, nt, path) == -1)
      r = -1;
  }
  ni->last_data_change_time = ni->last_mft_change_time = nt;
  ni->last_access_time = nt;
  /* Write $STANDARD_INFORMATION from these fields, and the parent's
   * index entries too, when the inode is closed.
   */
  NInoSetDirty (ni);
  NInoFileNameSetDirty (ni);
  if (close_inode (v, ni, path) == -1)
    r = -1;
  return r;
}
