/* winvirtio: why a libntfs-3g call failed, in words a user knows.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * libntfs-3g says why it fails only in its log.  Its log handler
 * (process-global: see the notes in mount.c on why nothing here
 * locks) sends everything to the debug log and keeps the first
 * error since wv_ntfs_clear_reason, for wv_ntfs_why to add to the
 * message of the failure.
 */

#include <config.h>

#include <stdio.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/logging.h>

#include "common/log.h"
#include "ntfs/internal.h"

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

void
wv_ntfs_init_logging (void)
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
wv_ntfs_last_error (const char *if_none)
{
  return ntfs_last_error[0] ? ntfs_last_error : if_none;
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
