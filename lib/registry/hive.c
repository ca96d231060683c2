/* winvirtio: staging a registry hive between NTFS and hivex.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Base block layout (regf): "regf" at 0, primary sequence number at
 * 4, secondary at 8, checksum at 0x1fc = XOR of the 127 preceding
 * little-endian dwords (hivelog.c), hive bins data size at 40.
 * See hivex lib/hivex-internal.h (struct ntreg_header).  A dirty hive
 * is recovered from its transaction logs by lib/hivelog.c.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/hostfile.h"
#include "common/le.h"
#include "common/log.h"
#include "common/tempfile.h"
#include "registry/hive.h"
#include "registry/hivelog.h"

#define BASE_BLOCK 4096

/* The checks every hive must pass, dirty or not. */
static int
check_base (const uint8_t *data, size_t len, const char *what)
{
  if (len < BASE_BLOCK || memcmp (data, "regf", 4) != 0) {
    wv_error ("the %s is not a registry hive (no regf signature): the "
              "file is damaged", what);
    return -1;
  }
  if (wv_regf_checksum (data) != get_le32 (data + 0x1fc)) {
    wv_error ("the %s has a bad base block checksum: the file is damaged "
              "or was being written when the disk was copied; boot the VM "
              "and shut it down cleanly, then try again", what);
    return -1;
  }
  return 0;
}

static bool
is_dirty (const uint8_t *data)
{
  return get_le32 (data + 4) != get_le32 (data + 8);
}

/* A clean hive holds all the hive bins its base block declares. */
static int
check_size (const uint8_t *data, size_t len, const char *what)
{
  uint32_t hbins = get_le32 (data + 40);

  if (hbins < 4096 || hbins % 4096 != 0 ||
      len - BASE_BLOCK < (size_t) hbins) {
    wv_error ("the %s is truncated or damaged (%zu bytes, its base block "
              "declares %" PRIu32 " bytes of hive bins after the first "
              "%d): the file is damaged", what, len, hbins, BASE_BLOCK);
    return -1;
  }
  return 0;
}

bool
wv_hive_is_dirty (const uint8_t *data, size_t len)
{
  return len >= BASE_BLOCK && memcmp (data, "regf", 4) == 0 &&
    is_dirty (data);
}

int
wv_hive_check (const uint8_t *data, size_t len, const char *what)
{
  if (check_base (data, len, what) == -1)
    return -1;
  if (is_dirty (data)) {
    wv_error ("the %s is dirty (base block sequence numbers %" PRIu32
              " and %" PRIu32 " differ): Windows was not shut down cleanly "
              "and the hive's latest changes are still in its .LOG1/.LOG2 "
              "files; boot the VM and shut it down cleanly, then try again",
              what, get_le32 (data + 4), get_le32 (data + 8));
    return -1;
  }
  return check_size (data, len, what);
}

int
wv_hive_prepare (const uint8_t *data, size_t len,
                 const uint8_t *log1, size_t log1len,
                 const uint8_t *log2, size_t log2len, bool single,
                 const char *name, const char *what, size_t max_len,
                 struct wv_hivelog_result *r)
{
  memset (r, 0, sizeof *r);
  if (check_base (data, len, what) == -1)
    return -1;
  if (!is_dirty (data))
    return check_size (data, len, what);
  if (wv_hivelog_replay (data, len, log1, log1len, log2, log2len, single,
                         name, what, max_len, r) == -1)
    return -1;
  if (check_size (r->data, r->len, what) == -1) {
    free (r->data);
    r->data = NULL;
    return -1;
  }
  return 0;
}

/* Read path + suffix into *data_r if it exists (else leave it NULL). */
static int
read_log (struct wv_ntfs *v, const char *path, const char *suffix,
          size_t max_len, uint8_t **data_r, size_t *len_r)
{
  CLEANUP_FREE char *log = NULL;
  int r;

  if (asprintf (&log, "%s%s", path, suffix) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  r = wv_ntfs_exists (v, log);
  if (r <= 0)
    return r;
  return wv_ntfs_read_file (v, log, max_len, data_r, len_r);
}

int
wv_hive_read_logs (struct wv_ntfs *v, const char *path, size_t max_len,
                   struct wv_hive_logs *l)
{
  memset (l, 0, sizeof *l);
  if (read_log (v, path, ".LOG1", max_len, &l->log1, &l->log1len) == -1 ||
      read_log (v, path, ".LOG2", max_len, &l->log2, &l->log2len) == -1)
    goto err;
  if (l->log1len == 0 && l->log2len == 0) {
    uint8_t *log = NULL;
    size_t len = 0;

    if (read_log (v, path, ".LOG", max_len, &log, &len) == -1)
      goto err;
    if (len > 0) {
      wv_hive_logs_free (l);
      l->log1 = log;
      l->log1len = len;
      l->single = true;
    }
    else
      free (log);
  }
  return 0;

 err:
  wv_hive_logs_free (l);
  return -1;
}

void
wv_hive_logs_free (struct wv_hive_logs *l)
{
  free (l->log1);
  free (l->log2);
  memset (l, 0, sizeof *l);
}

int
wv_hive_open (struct wv_hive *hive, const uint8_t *data, size_t len,
              int writable, const char *what)
{
  hive->h = NULL;
  hive->fd = wv_temp_file_write ("hive", data, len, &hive->path);
  if (hive->fd == -1) {
    hive->path = NULL;
    return -1;
  }
  hive->h = hivex_open (hive->path, writable ? HIVEX_OPEN_WRITE : 0);
  if (hive->h == NULL) {
    if (errno == ENOMEM)
      wv_error ("hivex cannot open the %s: out of memory", what);
    else {
      wv_debug ("hivex_open: %s: %m", what);
      wv_error ("the %s is damaged: hivex cannot open it (or it is in a "
                "format hivex does not support): boot Windows once so "
                "that it repairs the hive, shut it down cleanly, then try "
                "again", what);
    }
    wv_hive_close (hive);
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
    close (hive->fd);
    wv_temp_file_remove (hive->path);
  }
  hive->h = NULL;
  hive->path = NULL;
}
