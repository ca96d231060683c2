/* winvirtio: staging a registry hive between NTFS and hivex.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Base block layout (regf): "regf" at 0, primary sequence number at
 * 4, secondary at 8, checksum at 0x1fc = XOR of the 127 preceding
 * little-endian dwords; size of the hive bins after the base block at
 * 0x28.  See hivex lib/hivex-internal.h (struct
 * ntreg_header).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include <hivex.h>

#include "cleanup.h"
#include "hive.h"
#include "hostfile.h"
#include "log.h"

#define BASE_BLOCK 4096

static uint32_t
le32_at (const uint8_t *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t) p[3] << 24;
}

int
wv_hive_check (const uint8_t *data, size_t len, const char *what)
{
  uint32_t sum = 0, seq1, seq2, bins;
  size_t i;

  if (len < BASE_BLOCK || memcmp (data, "regf", 4) != 0) {
    wv_error ("the %s is not a registry hive (no regf signature): the "
              "file is damaged", what);
    return -1;
  }
  for (i = 0; i < 0x1fc; i += 4)
    sum ^= le32_at (data + i);
  if (sum != le32_at (data + 0x1fc)) {
    wv_error ("the %s has a bad base block checksum: the file is damaged "
              "or was being written when the disk was copied", what);
    return -1;
  }
  seq1 = le32_at (data + 4);
  seq2 = le32_at (data + 8);
  if (seq1 != seq2) {
    wv_error ("the %s is dirty (base block sequence numbers %" PRIu32
              " and %" PRIu32 " differ): Windows was not shut down cleanly "
              "and the hive's latest changes are still in its .LOG1/.LOG2 "
              "files; boot the VM and shut it down cleanly, then try again",
              what, seq1, seq2);
    return -1;
  }
  /* hivex opens a hive cut short (it stops at the first bad bin), but
   * what it commits then is not a hive hivex or Windows can open.
   */
  bins = le32_at (data + 0x28);
  if (bins > len - BASE_BLOCK) {
    wv_error ("the %s is truncated (its base block gives %" PRIu32
              " bytes of hive bins, the file holds %zu): the file is "
              "damaged", what, bins, len - BASE_BLOCK);
    return -1;
  }
  return 0;
}

/* Write data to a new private temporary file; returns its path. */
static char *
stage (const uint8_t *data, size_t len)
{
  const char *tmpdir = getenv ("TMPDIR");
  CLEANUP_CLOSE int fd = -1;
  char *path;
  size_t done = 0;

  if (asprintf (&path, "%s/winvirtio-hive-XXXXXX",
                tmpdir ? tmpdir : "/var/tmp") == -1) {
    wv_error ("asprintf: %m");
    return NULL;
  }
  fd = mkostemp (path, O_CLOEXEC);
  if (fd == -1) {
    wv_error ("mkostemp: %s: %m", path);
    free (path);
    return NULL;
  }
  while (done < len) {
    ssize_t r = write (fd, data + done, len - done);

    if (r == -1) {
      if (errno == EINTR)
        continue;
      wv_error ("write: %s: %m", path);
      unlink (path);
      free (path);
      return NULL;
    }
    done += r;
  }
  return path;
}

int
wv_hive_open (struct wv_hive *hive, const uint8_t *data, size_t len,
              int writable, const char *what)
{
  hive->h = NULL;
  hive->path = stage (data, len);
  if (hive->path == NULL)
    return -1;
  hive->h = hivex_open (hive->path, writable ? HIVEX_OPEN_WRITE : 0);
  if (hive->h == NULL) {
    wv_error ("hivex cannot open the %s: %m: the hive is damaged or in a "
              "format hivex does not support", what);
    unlink (hive->path);
    free (hive->path);
    hive->path = NULL;
    return -1;
  }
  return 0;
}

int
wv_hive_commit (struct wv_hive *hive, uint8_t **data_r, size_t *len_r)
{
  if (hivex_commit (hive->h, NULL, 0) == -1) {
    wv_error ("hivex_commit: %s: %m", hive->path);
    return -1;
  }
  return wv_read_host_file (hive->path, SIZE_MAX, data_r, len_r);
}

void
wv_hive_close (struct wv_hive *hive)
{
  if (hive->h)
    hivex_close (hive->h);
  if (hive->path) {
    unlink (hive->path);
    free (hive->path);
  }
  hive->h = NULL;
  hive->path = NULL;
}
