/* winvirtio: the OVF descriptor inside an OVA, read through libarchive.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * An OVA is a tar whose first member is, by the OVF specification,
 * the descriptor (*.ovf).  libarchive walks the members (the disks
 * are skipped, not read) and the first one whose name ends in .ovf is
 * read, if it is at most WV_VMCONFIG_MAX_BYTES.  The project's
 * nbdkit plugin finds the disks in the same archive by itself
 * (plugin/ova.c), with no dependency on the engine.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/log.h"
#include "vmconfig/vmconfig.h"

#define OVA_MAX_MEMBERS 10000

static bool
is_ovf (const char *name)
{
  size_t l = name ? strlen (name) : 0;

  return l > 4 && strcasecmp (name + l - 4, ".ovf") == 0;
}

int
wv_ova_read_ovf (const char *path, char **buf, size_t *len)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;
  unsigned n = 0;
  int r, ret = -1;

  *buf = NULL;
  if (a == NULL) {
    wv_error ("archive_read_new: %m");
    return -1;
  }
  archive_read_support_format_tar (a);
  if (archive_read_open_filename (a, path, 65536) != ARCHIVE_OK) {
    wv_error ("%s: %s", path, archive_error_string (a));
    goto out;
  }
  while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK) {
    la_int64_t size = archive_entry_size (e);
    la_ssize_t got;

    if (++n > OVA_MAX_MEMBERS) {
      wv_error ("%s: more than %d members and no .ovf", path,
                OVA_MAX_MEMBERS);
      goto out;
    }
    if (!is_ovf (archive_entry_pathname (e)))
      continue;
    if (size < 0 || size > WV_VMCONFIG_MAX_BYTES) {
      wv_error ("%s: %s: %lld bytes, more than the %d a VM configuration "
                "may have", path, archive_entry_pathname (e),
                (long long) size, WV_VMCONFIG_MAX_BYTES);
      goto out;
    }
    *buf = malloc (size + 1);
    if (*buf == NULL) {
      wv_error ("malloc: %m");
      goto out;
    }
    got = archive_read_data (a, *buf, size);
    if (got != size) {
      wv_error ("%s: %s: cut short: %s", path, archive_entry_pathname (e),
                got < 0 ? archive_error_string (a) : "end of the archive");
      free (*buf);
      *buf = NULL;
      goto out;
    }
    (*buf)[size] = '\0';
    *len = size;
    ret = 0;
    goto out;
  }
  if (r == ARCHIVE_EOF)
    wv_error ("%s: an OVA with no .ovf descriptor", path);
  else
    wv_error ("%s: %s", path, archive_error_string (a));

 out:
  archive_read_free (a);
  return ret;
}
