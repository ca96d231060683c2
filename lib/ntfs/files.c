/* winvirtio: the NTFS changes, through libntfs-3g on the overlay.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design:
 *
 * Every NTFS change is made by libntfs-3g, mounted on a device whose
 * writes land in the overlay (device.c).  We never write NTFS
 * structures ourselves.
 *
 * A writable mount uses NTFS_MNT_FORENSIC.  libntfs-3g's normal
 * read-write mount "resets" $LogFile (fills all of it with 0xff, up
 * to 64 MiB on a Windows volume) and fixes $TXF_DATA; with
 * NTFS_MNT_FORENSIC the mount itself writes nothing, so the block map
 * holds only our changes.  NTFS_MNT_FORENSIC also skips the two
 * checks that make a read-write mount safe, so we do them ourselves
 * before changing anything (check_clean): Windows not hibernated
 * (hiberfil.sys, which Fast Startup also writes), $LogFile clean and
 * not at version 2.0 (metadata kept in memory by Windows 8 and later),
 * and the volume's dirty flag clear.  On a clean volume Windows runs no
 * log replay at boot, so it never replays old records over our
 * changes.
 *
 * libntfs-3g keeps global state (its log handler), and the planner
 * runs once per process, single-threaded, so nothing here locks.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logfile.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "ntfs/device.h"
#include "ntfs/ntfs.h"
#include "ntfs/internal.h"

#define PAGE 4096

/* libntfs-3g reads this much of hiberfil.sys (NTFS_HIBERFILE_HEADER_SIZE
 * in libntfs-3g/volume.c).
 */
#define HIBERFILE_HEADER 4096

/* The first error libntfs-3g logged since wv_ntfs_clear_reason, to
 * explain a failure: its first line only, without the name of the
 * libntfs-3g function that logged it.
 */
static char ntfs_last_error[512];

/* libntfs-3g's own names in its messages, and what a user knows them
 * as.
 */
static const struct {
  const char *internal, *user;
} names[] = {
  { "ntfs_mapping_pairs_decompress() failed", "a runlist cannot be decoded" },
  { "ntfs_pread failed", "a run points outside the volume" },
  { "NTFS_BLOCK_SIZE", "512" },
  { "FILE_MFTMirr", "$MFTMirr" }, { "FILE_MFT", "$MFT" },
  { "FILE_LogFile", "$LogFile" }, { "FILE_Volume", "$Volume" },
  { "FILE_AttrDef", "$AttrDef" }, { "FILE_root", "the root directory" },
  { "FILE_Bitmap", "$Bitmap" }, { "FILE_Boot", "$Boot" },
  { "FILE_BadClus", "$BadClus" }, { "FILE_Secure", "$Secure" },
  { "FILE_UpCase", "$UpCase" }, { "FILE_Extend", "$Extend" },
};

/* Does s still name something of libntfs-3g's (ntfs_*, NTFS_*, an
 * identifier_with_underscores)?
 */
static bool
names_internal (const char *s)
{
  const char *p = s;

  while (*p) {
    const char *q = p;
    bool under = false;

    while (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
           || (*q >= '0' && *q <= '9')) {
      if (*q == '_' && q > p && q[1] && q[1] != ' ')
        under = true;
      q++;
    }
    if (under)
      return true;
    p = q > p ? q : p + 1;
  }
  return false;
}

/* Keep the first line of an error message, without a leading
 * "function_name: " (libntfs-3g's ntfs_log_perror ("%s: ...",
 * __FUNCTION__) and the like), in ntfs_last_error, in words a user
 * knows (names); a message that still names libntfs-3g's internals is
 * not kept.
 */
static void
keep_reason (const char *msg)
{
  const char *p = msg, *q;
  size_t n, i;

  for (;;) {
    q = p;
    while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
           *q == '_')
      q++;
    if (q > p && q[0] == ':' && q[1] == ' ' && memchr (p, '_', q - p))
      p = q + 2;
    else
      break;
  }
  n = strcspn (p, "\n");
  if (n >= sizeof ntfs_last_error)
    n = sizeof ntfs_last_error - 1;
  memcpy (ntfs_last_error, p, n);
  ntfs_last_error[n] = '\0';
  for (i = 0; i < sizeof names / sizeof names[0]; ++i) {
    char *at = strstr (ntfs_last_error, names[i].internal);
    size_t ilen = strlen (names[i].internal), ulen = strlen (names[i].user);

    if (at == NULL || strlen (ntfs_last_error) - ilen + ulen >=
        sizeof ntfs_last_error)
      continue;
    memmove (at + ulen, at + ilen, strlen (at + ilen) + 1);
    memcpy (at, names[i].user, ulen);
  }
  if (names_internal (ntfs_last_error))
    ntfs_last_error[0] = '\0';
}

/* libntfs-3g log handler: everything goes to the debug log, errors
 * are also kept for the error message.
 */
static int
log_handler (const char *function, const char *file, int line, u32 level,
             void *data, const char *format, va_list args)
{
  int saved_errno = errno;
  char buf[512];
  size_t n;

  vsnprintf (buf, sizeof buf, format, args);
  n = strlen (buf);
  while (n > 0 && (buf[n-1] == '\n' || buf[n-1] == ' '))
    buf[--n] = '\0';
  /* The reason is kept without the errno text of a PERROR message:
   * wv_ntfs_why adds it only where it means something.
   */
  if ((level & (NTFS_LOG_LEVEL_ERROR | NTFS_LOG_LEVEL_PERROR |
                NTFS_LOG_LEVEL_CRITICAL)) && ntfs_last_error[0] == '\0')
    keep_reason (buf);
  if (level & NTFS_LOG_LEVEL_PERROR)
    snprintf (buf + n, sizeof buf - n, ": %s", strerror (saved_errno));
  wv_debug ("ntfs-3g: %s: %s", function, buf);
  errno = saved_errno;
  return 0;
}

static void
init_logging (void)
{
  static int done = 0;

  if (done)
    return;
  ntfs_log_set_handler (log_handler);
  ntfs_log_set_levels (NTFS_LOG_LEVEL_ERROR | NTFS_LOG_LEVEL_PERROR |
                       NTFS_LOG_LEVEL_CRITICAL | NTFS_LOG_LEVEL_WARNING |
                       NTFS_LOG_LEVEL_INFO | NTFS_LOG_LEVEL_VERBOSE);
  done = 1;
}

void
wv_ntfs_clear_reason (struct wv_ntfs *v)
{
  ntfs_last_error[0] = '\0';
  v->read_errors = v->src->read_errors;
}

const char *
wv_ntfs_why (struct wv_ntfs *v)
{
  static char why[sizeof ntfs_last_error + 160];
  int e = errno;
  bool damaged;

  /* What libntfs-3g fails with when the volume is not at fault. */
  switch (e) {
  case ENOMEM: case ENOSPC: case EROFS: case EPERM: case EACCES:
  case EOPNOTSUPP: case EEXIST: case ENAMETOOLONG: case EFBIG:
    damaged = false;
    break;
  default:
    damaged = v->src->read_errors == v->read_errors;
  }
  if (damaged)
    snprintf (why, sizeof why, "the NTFS volume is damaged (%s): "
              "run chkdsk /f on it in the guest, then take a new "
              "snapshot or copy",
              ntfs_last_error[0] ? ntfs_last_error :
              "libntfs-3g cannot make sense of its metadata there");
  else if (ntfs_last_error[0])
    snprintf (why, sizeof why, "%s: %s", ntfs_last_error, strerror (e));
  else
    snprintf (why, sizeof why, "%s", strerror (e));
  return why;
}

int
wv_ntfs_probe (struct wv_source *src, uint64_t offset, bool *bitlocker_r)
{
  uint8_t sector[512];

  *bitlocker_r = false;
  if (offset > src->size || src->size - offset < sizeof sector)
    return 0;
  if (wv_source_pread (src, sector, sizeof sector, offset) == -1)
    return -1;
  if (memcmp (&sector[3], "-FVE-FS-", 8) == 0) {
    *bitlocker_r = true;
    return 0;
  }
  return memcmp (&sector[3], "NTFS    ", 8) == 0;
}

/* Read the first bytes of \hiberfil.sys into buf (up to size), for
 * the message.  Returns the number of bytes read, or -1.
 */
static ssize_t
read_hiberfile_head (ntfs_volume *vol, char *buf, size_t size)
{
  ntfschar *uname = NULL;
  ntfs_inode *root, *ni = NULL;
  ntfs_attr *na = NULL;
  ssize_t r = -1;
  u64 mref;
  int len;

  root = ntfs_inode_open (vol, FILE_root);
  if (root == NULL)
    return -1;
  len = ntfs_mbstoucs ("hiberfil.sys", &uname);
  if (len > 0) {
    /* Case-insensitive for a Win32 name, as ntfs_hiberfile_open. */
    mref = ntfs_inode_lookup_by_name (root, uname, len);
    if (mref != (u64) -1)
      ni = ntfs_inode_open (vol, MREF (mref));
  }
  if (ni)
    na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na)
    r = ntfs_attr_pread (na, 0, size, buf);
  if (na)
    ntfs_attr_close (na);
  if (ni)
    ntfs_inode_close (ni);
  ntfs_inode_close (root);
  free (uname);
  return r;
}

/* Windows is hibernated, or kept the volume for Fast Startup:
 * libntfs-3g's ntfs_volume_check_hiberfile refuses \hiberfil.sys
 * when its 4096-byte header starts with "hibr" or "HIBR", or when the
 * file is shorter than that.  It does not tell them apart; we read
 * the header again to say which.  "hibr" is the signature of Windows
 * 7 and earlier; Windows 8 and later write "HIBR", both when they
 * hibernate and when they shut down with Fast Startup (a hibernation
 * of the kernel session), so that one cannot be told apart.
 */
static void
hiberfile_error (struct wv_ntfs *v)
{
  char head[HIBERFILE_HEADER];
  ssize_t n = read_hiberfile_head (v->vol, head, sizeof head);

  if (n >= 4 && memcmp (head, "hibr", 4) == 0)
    wv_error ("%s: Windows is hibernated (\\hiberfil.sys starts with "
              "\"hibr\", a hibernation image), so the volume holds changes "
              "that are still in memory: boot the VM so that Windows "
              "resumes, shut it down (do not hibernate it), then try again",
              v->name);
  else if (n >= 4 && memcmp (head, "HIBR", 4) == 0)
    wv_error ("%s: Windows is hibernated or was shut down with Fast "
              "Startup (\\hiberfil.sys starts with \"HIBR\", which "
              "Windows 8 and later write for both), so the volume holds "
              "changes that are still in memory: boot the VM, turn off "
              "Fast Startup (powercfg /h off) and shut it down fully, then "
              "try again", v->name);
  else if (n >= 0 && n < HIBERFILE_HEADER)
    wv_error ("%s: \\hiberfil.sys is %zd bytes, too short to hold a "
              "hibernation header, so winvirtio cannot tell whether "
              "Windows is hibernated: boot the VM, turn off hibernation and "
              "Fast Startup (powercfg /h off, which deletes hiberfil.sys) "
              "and shut it down, then try again", v->name, n);
  else
    wv_error ("%s: Windows is hibernated or was shut down with Fast "
              "Startup (hiberfil.sys is active), so the volume holds "
              "changes that are still in memory: boot the VM, turn off "
              "Fast Startup (powercfg /h off) and shut it down fully, then "
              "try again", v->name);
}

/* Is the $LogFile clean?  The same checks as libntfs-3g's
 * ntfs_volume_check_logfile (libntfs-3g/volume.c), which a normal
 * read-write mount makes, with a message for each case:
 *
 *  - the restart pages are damaged, or of a version other than 1.1
 *    and 2.0 (ntfs_check_logfile);
 *  - the log is open and the restart area's "volume is clean" flag is
 *    clear: Windows has changes to replay (ntfs_is_logfile_clean);
 *  - the newest restart page is version 2.0: Windows 8 and later
 *    leave it so while they keep the volume's metadata cached for
 *    Fast Startup or hibernation, or when they are stopped by a power
 *    cut, and write 1.1 when they shut down fully.  libntfs-3g
 *    refuses to mount it read-write ("Metadata kept in Windows
 *    cache"), and so do we.
 *
 * A $LogFile that is all 0xff (mkntfs, ntfsfix) is empty, hence clean.
 */
static int
check_logfile (struct wv_ntfs *v)
{
  RESTART_PAGE_HEADER *rp = NULL;
  ntfs_inode *ni;
  ntfs_attr *na;
  int r = -1;

  ni = ntfs_inode_open (v->vol, FILE_LogFile);
  if (ni == NULL) {
    wv_error ("%s: cannot open $LogFile: %s", v->name, wv_ntfs_why (v));
    return -1;
  }
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    wv_error ("%s: cannot open $LogFile data: %s", v->name, wv_ntfs_why (v));
    ntfs_inode_close (ni);
    return -1;
  }
  wv_ntfs_clear_reason (v);
  if (!ntfs_check_logfile (na, &rp))
    wv_error ("%s: the NTFS $LogFile is damaged or of an unknown version "
              "(libntfs-3g: %s), so winvirtio cannot tell whether Windows "
              "has changes to replay: boot Windows and shut it down "
              "cleanly, or run chkdsk, then try again",
              v->name, ntfs_last_error[0] ? ntfs_last_error : "no detail");
  else if (!ntfs_is_logfile_clean (na, rp))
    wv_error ("%s: the NTFS $LogFile is not clean (Windows did not shut "
              "down cleanly and has changes to replay): boot Windows and "
              "shut it down cleanly, then try again", v->name);
  else if (rp && rp->major_ver == const_cpu_to_sle16 (2))
    wv_error ("%s: the NTFS $LogFile is at version 2.0: Windows 8 or "
              "later still holds this volume's metadata in memory (after a "
              "shutdown with Fast Startup, a hibernation or a power cut): "
              "boot Windows, turn off Fast Startup (powercfg /h off) and "
              "shut it down fully, then try again", v->name);
  else
    r = 0;
  free (rp);
  ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return r;
}

/* The checks that a normal read-write mount makes and
 * NTFS_MNT_FORENSIC skips; see the notes at the top.
 */
static int
check_clean (struct wv_ntfs *v)
{
  ntfs_volume *vol = v->vol;

  if (ntfs_volume_check_hiberfile (vol, 0) == -1) {
    if (errno == EPERM)
      hiberfile_error (v);
    else
      wv_error ("%s: cannot check hiberfil.sys: %s", v->name, wv_ntfs_why (v));
    return -1;
  }
  if (vol->flags & VOLUME_IS_DIRTY) {
    wv_error ("%s: the NTFS volume is marked dirty (it was not cleanly "
              "unmounted): boot Windows and shut it down cleanly, or run "
              "chkdsk, then try again", v->name);
    return -1;
  }
  return check_logfile (v);
}

/* The volume's size as its boot sector gives it, against its
 * partition's: libntfs-3g would only say that it failed to read the
 * last sector.
 */
static int
check_size (struct wv_overlay *ov, uint64_t offset, uint64_t length,
            const char *name)
{
  uint8_t bs[512];
  uint64_t sectors;
  uint16_t bps;

  if (length < sizeof bs)
    return 0;                   /* libntfs-3g says why */
  if (wv_overlay_pread (ov, bs, sizeof bs, offset) == -1)
    return -1;
  bps = get_le16 (&bs[11]);
  sectors = get_le64 (&bs[40]);
  if (bps >= 256 && bps <= 4096 && (bps & (bps - 1)) == 0 &&
      sectors > length / bps) {
    wv_error ("%s: the NTFS volume is damaged: its boot sector gives it "
              "%" PRIu64 " sectors of %u bytes, more than its partition "
              "of %" PRIu64 " bytes holds: run chkdsk /f on it in the "
              "guest, then take a new snapshot or copy", name, sectors,
              bps, length);
    return -1;
  }
  return 0;
}

struct wv_ntfs *
wv_ntfs_mount (struct wv_overlay *ov, uint64_t offset, uint64_t length,
               const char *name, bool writable)
{
  struct wv_ntfs *v;
  struct ntfs_device *dev;

  init_logging ();
  v = calloc (1, sizeof *v);
  if (v == NULL || (v->name = strdup (name)) == NULL) {
    wv_error ("malloc: %m");
    free (v);
    return NULL;
  }
  v->offset = offset;
  v->src = wv_overlay_source (ov);
  if (check_size (ov, offset, length, name) == -1)
    goto err;

  dev = wv_ntfsdev_new (ov, offset, length, name);
  if (dev == NULL)
    goto err;
  v->devpriv = dev->d_private;
  wv_ntfs_clear_reason (v);
  v->vol = ntfs_device_mount (dev,
                              writable ? NTFS_MNT_FORENSIC : NTFS_MNT_RDONLY);
  if (v->vol == NULL) {
    wv_error ("%s: cannot mount the NTFS volume: %s",
              name, wv_ntfs_why (v));
    ntfs_device_free (dev);
    goto err;
  }
  /* Look names up ignoring case, as Windows does (libntfs-3g's
   * default is case-sensitive): Windows XP's files are
   * WINDOWS\system32\config\system.
   */
  if (ntfs_set_ignore_case (v->vol) == -1) {
    wv_error ("%s: libntfs-3g cannot look names up ignoring case: %s",
              name, wv_ntfs_why (v));
    ntfs_umount (v->vol, FALSE);
    goto err;
  }
  if (writable && check_clean (v) == -1) {
    ntfs_umount (v->vol, FALSE);
    goto err;
  }
  wv_debug ("%s: NTFS %d.%d, cluster %" PRIu32 ", MFT record %" PRIu32,
            name, v->vol->major_ver, v->vol->minor_ver,
            v->vol->cluster_size, v->vol->mft_record_size);
  return v;

 err:
  free (v->devpriv);
  free (v->name);
  free (v);
  return NULL;
}

int
wv_ntfs_umount (struct wv_ntfs *v)
{
  int r = 0;

  wv_ntfs_clear_reason (v);
  if (ntfs_umount (v->vol, FALSE) == -1) {
    wv_error ("%s: libntfs-3g failed to write the volume's changes: %s",
              v->name, wv_ntfs_why (v));
    r = -1;
  }
  free (v->devpriv);
  free (v->name);
  free (v);
  return r;
}

uint32_t
wv_ntfs_cluster_size (const struct wv_ntfs *v)
{
  return v->vol->cluster_size;
}

const char *
wv_ntfs_volume_name (const struct wv_ntfs *v)
{
  return v->vol->vol_name ? v->vol->vol_name : "";
}

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

/* Open path; NULL with errno ENOENT if absent (no message), or NULL
 * after wv_error.
 */
static ntfs_inode *
open_path (struct wv_ntfs *v, const char *path)
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
  ntfs_inode *ni = open_path (v, path);

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
  ntfs_inode *ni = open_path (v, path);
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
  ntfs_inode *ni = open_path (v, path);
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
  *dir_ni_r = open_path (v, dir);
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
  ntfs_inode *ni = open_path (v, dir);
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
  ntfs_inode *ni = open_path (v, path);

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
  ntfs_inode *ni = open_path (v, path);
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

/* Labels. */

int
wv_labels_add (struct wv_labels *labels, uint64_t offset, uint64_t length,
               const char *fs, ...)
{
  struct wv_label *l;
  va_list args;

  if (length == 0)
    return 0;
  if (labels->len == labels->cap) {
    size_t ncap = labels->cap ? labels->cap * 2 : 64;
    struct wv_label *n = realloc (labels->v, ncap * sizeof *n);

    if (n == NULL) {
      wv_error ("realloc: %m");
      return -1;
    }
    labels->v = n;
    labels->cap = ncap;
  }
  l = &labels->v[labels->len++];
  l->offset = offset;
  l->length = length;
  va_start (args, fs);
  vsnprintf (l->text, sizeof l->text, fs, args);
  va_end (args);
  return 0;
}

void
wv_labels_free (struct wv_labels *labels)
{
  free (labels->v);
  labels->v = NULL;
  labels->len = labels->cap = 0;
}

const char *
wv_labels_find (const struct wv_labels *labels, uint64_t offset)
{
  const struct wv_label *best = NULL;
  size_t i;

  for (i = 0; i < labels->len; ++i) {
    const struct wv_label *l = &labels->v[i];

    if (offset >= l->offset && offset - l->offset < l->length &&
        (best == NULL || l->length < best->length))
      best = l;
  }
  return best ? best->text : NULL;
}

uint64_t
wv_labels_next_edge (const struct wv_labels *labels, uint64_t offset)
{
  uint64_t edge = UINT64_MAX;
  size_t i;

  for (i = 0; i < labels->len; ++i) {
    uint64_t s = labels->v[i].offset, e = s + labels->v[i].length;

    if (s > offset && s < edge)
      edge = s;
    if (e > offset && e < edge)
      edge = e;
  }
  return edge;
}

/* Label the clusters backing bytes [off, off+len) of a non-resident
 * attribute, cluster by cluster run.
 */
static int
label_attr_bytes (struct wv_ntfs *v, ntfs_attr *na, s64 off, s64 len,
                  struct wv_labels *labels, const char *text)
{
  ntfs_volume *vol = v->vol;
  s64 end = off + len;

  while (off < end) {
    VCN vcn = off >> vol->cluster_size_bits;
    s64 in = off & (vol->cluster_size - 1);
    s64 n = vol->cluster_size - in;
    LCN lcn = ntfs_attr_vcn_to_lcn (na, vcn);

    if (n > end - off)
      n = end - off;
    if (lcn >= 0 &&
        wv_labels_add (labels, v->offset + (lcn << vol->cluster_size_bits) +
                       in, n, "%s", text) == -1)
      return -1;
    off += n;
  }
  return 0;
}

/* Label every run of a non-resident attribute. */
static int
label_runs (struct wv_ntfs *v, ntfs_attr *na, struct wv_labels *labels,
            const char *text)
{
  ntfs_volume *vol = v->vol;
  runlist_element *rl;

  if (!NAttrNonResident (na))
    return 0;                   /* inside its MFT record */
  if (ntfs_attr_map_whole_runlist (na) == -1)
    return 0;
  for (rl = na->rl; rl && rl->length; ++rl) {
    if (rl->lcn < 0)
      continue;
    if (wv_labels_add (labels,
                       v->offset + (rl->lcn << vol->cluster_size_bits),
                       rl->length << vol->cluster_size_bits,
                       "%s", text) == -1)
      return -1;
  }
  return 0;
}

/* Label the MFT record of inode mft_no. */
static int
label_record (struct wv_ntfs *v, u64 mft_no, struct wv_labels *labels,
              const char *fs, ...)
{
  char text[WV_MAP_LABEL_MAX];
  va_list args;

  va_start (args, fs);
  vsnprintf (text, sizeof text, fs, args);
  va_end (args);
  return label_attr_bytes (v, v->vol->mft_na,
                           (s64) mft_no << v->vol->mft_record_size_bits,
                           v->vol->mft_record_size, labels, text);
}

int
wv_ntfs_label_path (struct wv_ntfs *v, const char *path, const char *what,
                    struct wv_labels *labels)
{
  ntfs_inode *ni = open_path (v, path);
  ntfs_attr *na;
  bool dir;
  int r = 0;

  if (ni == NULL)
    return errno == ENOENT ? 0 : -1;
  dir = ni->mrec->flags & MFT_RECORD_IS_DIRECTORY;
  if (label_record (v, ni->mft_no, labels, "MFT record %" PRIu64 " (%s)",
                    (uint64_t) ni->mft_no, what) == -1)
    r = -1;
  if (dir)
    na = ntfs_attr_open (ni, AT_INDEX_ALLOCATION, NTFS_INDEX_I30, 4);
  else
    na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na) {
    char text[WV_MAP_LABEL_MAX];

    snprintf (text, sizeof text, "%s %s", what, dir ? "index" : "data");
    if (label_runs (v, na, labels, text) == -1)
      r = -1;
    ntfs_attr_close (na);
  }
  ntfs_inode_close (ni);
  return r;
}

/* Names of the NTFS system files 0-11. */
static const char *const system_files[] = {
  "$MFT", "$MFTMirr", "$LogFile", "$Volume", "$AttrDef", "root directory",
  "$Bitmap", "$Boot", "$BadClus", "$Secure", "$UpCase", "$Extend",
};

int
wv_ntfs_label_system (struct wv_ntfs *v, unsigned partnum,
                      struct wv_labels *labels)
{
  ntfs_volume *vol = v->vol;
  uint64_t size = (uint64_t) vol->nr_clusters << vol->cluster_size_bits;
  size_t i;

  if (wv_labels_add (labels, v->offset, size + vol->sector_size,
                     "NTFS volume (partition %u)", partnum) == -1 ||
      wv_labels_add (labels, v->offset, vol->sector_size,
                     "NTFS boot sector") == -1 ||
      label_runs (v, vol->mft_na, labels, "$MFT") == -1 ||
      label_runs (v, vol->mftmirr_na, labels, "$MFTMirr") == -1 ||
      label_runs (v, vol->lcnbmp_na, labels,
                  "$Bitmap (cluster allocation)") == -1 ||
      label_runs (v, vol->mftbmp_na, labels,
                  "$MFT bitmap (record allocation)") == -1)
    return -1;
  /* The backup boot sector is the last sector of the volume, at
   * number_of_sectors (the boot sector's BPB, offset 0x28) sectors
   * from its start; that is after the last cluster only when the
   * volume is a whole number of clusters.
   */
  {
    uint8_t boot[512];
    uint64_t backup = size, nsec = 0;
    int j;

    if (ntfs_pread (vol->dev, 0, sizeof boot, boot) == sizeof boot) {
      for (j = 7; j >= 0; --j)
        nsec = nsec << 8 | boot[0x28 + j];
      if (nsec > 0)
        backup = nsec * vol->sector_size;
    }
    if (wv_labels_add (labels, v->offset + backup, vol->sector_size,
                       "NTFS backup boot sector") == -1)
      return -1;
  }
  for (i = 0; i < sizeof system_files / sizeof system_files[0]; ++i)
    if (label_record (v, i, labels, "MFT record %zu (%s)", i,
                      system_files[i]) == -1)
      return -1;
  return 0;
}

/* Where the bytes of the volume's $Bitmap are, as disk ranges in the
 * order of the bitmap, cut to the bits of its nr_clusters clusters.
 * Returns 1, 0 if the bitmap cannot be located for sure (resident,
 * sparse or too short: then reason says why), or -1.
 */
int
wv_ntfs_bitmap_runs (struct wv_ntfs *v, struct wv_rangeset *runs,
                     uint64_t *nr_clusters_r, const char **reason)
{
  ntfs_volume *vol = v->vol;
  ntfs_attr *na = vol->lcnbmp_na;
  uint64_t need = ((uint64_t) vol->nr_clusters + 7) / 8, have = 0;
  runlist_element *rl;

  *nr_clusters_r = vol->nr_clusters;
  if (na == NULL || !NAttrNonResident (na)) {
    *reason = "its $Bitmap is resident";
    return 0;
  }
  if ((uint64_t) na->data_size < need ||
      (uint64_t) na->initialized_size < need) {
    *reason = "its $Bitmap is shorter than the volume";
    return 0;
  }
  wv_ntfs_clear_reason (v);
  if (ntfs_attr_map_whole_runlist (na) == -1) {
    wv_error ("%s: cannot read the runs of $Bitmap: %s", v->name,
              wv_ntfs_why (v));
    return -1;
  }
  for (rl = na->rl; rl && rl->length > 0 && have < need; ++rl) {
    uint64_t len = (uint64_t) rl->length * vol->cluster_size;

    if (rl->lcn < 0) {
      *reason = "its $Bitmap has a hole";
      return 0;
    }
    if (len > need - have)
      len = need - have;
    /* A rangeset merges touching runs, which keeps the bitmap's
     * order only if the runs go forward on the disk: require it.
     */
    if (runs->len > 0 &&
        v->offset + (uint64_t) rl->lcn * vol->cluster_size <
        runs->ranges[runs->len - 1].offset +
        runs->ranges[runs->len - 1].length) {
      *reason = "its $Bitmap is fragmented backwards";
      return 0;
    }
    if (wv_rangeset_add (runs, v->offset +
                         (uint64_t) rl->lcn * vol->cluster_size, len) == -1)
      return -1;
    have += len;
  }
  if (have < need) {
    *reason = "the runs of its $Bitmap are shorter than the volume";
    return 0;
  }
  return 1;
}

/* The checks of check_clean, without an error: for a volume we only
 * trim.  Returns NULL if the volume is clean, or why it is not.
 */
const char *
wv_ntfs_unclean_reason (struct wv_ntfs *v)
{
  ntfs_volume *vol = v->vol;
  RESTART_PAGE_HEADER *rp = NULL;
  const char *why = NULL;
  ntfs_inode *ni;
  ntfs_attr *na = NULL;

  if (ntfs_volume_check_hiberfile (vol, 0) == -1)
    return "Windows is hibernated there or hiberfil.sys cannot be checked";
  if (vol->flags & VOLUME_IS_DIRTY)
    return "the volume is marked dirty";
  ni = ntfs_inode_open (vol, FILE_LogFile);
  if (ni)
    na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL)
    why = "its $LogFile cannot be read";
  else if (!ntfs_check_logfile (na, &rp))
    why = "its $LogFile is damaged or of an unknown version";
  else if (!ntfs_is_logfile_clean (na, rp))
    why = "its $LogFile is not clean";
  else if (rp && rp->major_ver == const_cpu_to_sle16 (2))
    why = "its $LogFile is at version 2.0 (Fast Startup)";
  free (rp);
  if (na)
    ntfs_attr_close (na);
  if (ni)
    ntfs_inode_close (ni);
  return why;
}
