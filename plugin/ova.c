/* nbdkit-vmdk-plugin: find a disk inside an OVA (tar) archive.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * An OVA is a tar archive (POSIX ustar, as the OVF specification
 * says; pax extended headers and GNU long names are accepted too)
 * holding the OVF descriptor, an optional manifest and the disks,
 * usually streamOptimized VMDKs.  The plugin does not extract
 * anything: it finds the disk member's data in the archive and reads
 * it in place.  Tar members are stored whole, so the data of a member
 * is one contiguous byte range after its 512 byte header.
 *
 * The archive is hostile: sizes are checked against the file, names
 * are bounded, and the scan stops at the end of the archive, at the
 * end of the file or after OVA_MAX_MEMBERS members.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>

#include <nbdkit-plugin.h>

#include "common/cleanup.h"
#include "io.h"
#include "ova.h"

#define BLOCK 512
#define OVA_MAX_MEMBERS 100000
#define OVA_MAX_NAME 4096

/* Is this a ustar header? */
bool
ova_is_tar (const unsigned char *buf)
{
  return memcmp (buf + 257, "ustar", 5) == 0;
}

/* Parse the tar number field P of LEN bytes: octal, or base-256 when
 * the top bit of the first byte is set (GNU, for large members).
 */
static bool
tar_number (const unsigned char *p, size_t len, uint64_t *r)
{
  uint64_t v = 0;
  size_t i = 0;

  if (p[0] & 0x80) {
    if (p[0] != 0x80)
      return false;             /* negative or too large */
    for (i = 1; i < len; i++) {
      if (v >> 56)
        return false;
      v = v << 8 | p[i];
    }
    *r = v;
    return true;
  }
  while (i < len && p[i] == ' ')
    i++;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
    if (v >> 60)
      return false;
    v = v << 3 | (p[i] - '0');
  }
  if (i < len && p[i] != '\0' && p[i] != ' ')
    return false;
  *r = v;
  return true;
}

/* Find "path" and "size" in the pax extended header DATA of LEN
 * bytes ("LEN key=value\n" records).  *PATH is replaced if found.
 */
static int
parse_pax (const char *data, size_t len, char **path, uint64_t *size,
           bool *has_size)
{
  size_t pos = 0;

  while (pos < len) {
    const char *rec = data + pos, *sp, *eq;
    size_t rlen = 0, i;

    for (i = 0; pos + i < len && rec[i] >= '0' && rec[i] <= '9'; i++) {
      if (rlen > len)
        return -1;
      rlen = rlen * 10 + (rec[i] - '0');
    }
    if (rlen == 0 || rlen > len - pos || rec[rlen - 1] != '\n')
      return -1;
    sp = memchr (rec, ' ', rlen);
    eq = sp ? memchr (sp, '=', rlen - (sp - rec)) : NULL;
    if (eq == NULL)
      return -1;
    if (eq - sp - 1 == 4 && memcmp (sp + 1, "path", 4) == 0) {
      free (*path);
      *path = strndup (eq + 1, rec + rlen - 1 - (eq + 1));
      if (*path == NULL) {
        nbdkit_error ("strndup: %m");
        return -2;
      }
    }
    else if (eq - sp - 1 == 4 && memcmp (sp + 1, "size", 4) == 0) {
      uint64_t v = 0;
      const char *q;

      for (q = eq + 1; q < rec + rlen - 1; q++) {
        if (*q < '0' || *q > '9' || v > (UINT64_MAX - 9) / 10)
          return -1;
        v = v * 10 + (*q - '0');
      }
      *size = v;
      *has_size = true;
    }
    pos += rlen;
  }
  return 0;
}

/* Does member name M match WANT (whole name or last component)? */
static bool
name_matches (const char *m, const char *want)
{
  const char *slash = strrchr (m, '/');

  return strcmp (m, want) == 0 || (slash && strcmp (slash + 1, want) == 0);
}

/* Does M end in ".vmdk" (any case)? */
static bool
is_vmdk_name (const char *m)
{
  size_t n = strlen (m);

  return n >= 5 && strcasecmp (m + n - 5, ".vmdk") == 0;
}

/* Read the data of a member holding a name or pax records. */
static char *
read_small_member (int fd, const char *name, uint64_t off, uint64_t size)
{
  char *buf;

  if (size > OVA_MAX_NAME * 4) {
    nbdkit_error ("%s: tar extended header of %" PRIu64 " bytes is too "
                  "large", name, size);
    return NULL;
  }
  buf = malloc (size + 1);
  if (buf == NULL) {
    nbdkit_error ("malloc: %m");
    return NULL;
  }
  if (io_pread (fd, buf, size, off) == -1) {
    nbdkit_error ("pread: %s: %m", name);
    free (buf);
    return NULL;
  }
  buf[size] = '\0';
  return buf;
}

/* Find the disk. */
int
ova_find_disk (int fd, const char *name, uint64_t file_size,
               const char *want, uint64_t *offset_r, uint64_t *size_r,
               char **member_r)
{
  unsigned char h[BLOCK];
  uint64_t pos = 0;
  char *next_path = NULL;       /* from a pax or GNU long name header */
  uint64_t next_size = 0;
  bool has_next_size = false;
  char *found = NULL;
  unsigned members;
  int r = -1;

  for (members = 0; members < OVA_MAX_MEMBERS; members++) {
    uint64_t size, data;
    char type;
    char *member;

    if (pos > file_size || file_size - pos < BLOCK)
      break;                    /* end of file without end blocks */
    if (io_pread (fd, h, BLOCK, pos) == -1) {
      nbdkit_error ("pread: %s: %m", name);
      goto out;
    }
    if (h[0] == '\0')
      break;                    /* end of archive */
    if (!ova_is_tar (h)) {
      nbdkit_error ("%s: invalid tar header at byte %" PRIu64
                    " (not an OVA archive?)", name, pos);
      goto out;
    }
    if (!tar_number (h + 124, 12, &size)) {
      nbdkit_error ("%s: invalid tar member size at byte %" PRIu64,
                    name, pos);
      goto out;
    }
    if (has_next_size)
      size = next_size;
    data = pos + BLOCK;
    if (size > file_size - data) {
      nbdkit_error ("%s: tar member at byte %" PRIu64 " is truncated "
                    "(%" PRIu64 " bytes, the file ends before)",
                    name, pos, size);
      goto out;
    }
    type = h[156];

    if (type == 'x' || type == 'L') {
      CLEANUP_FREE char *buf = read_small_member (fd, name, data, size);
      if (buf == NULL)
        goto out;
      if (type == 'L') {
        free (next_path);
        next_path = strndup (buf, size);
        if (next_path == NULL) {
          nbdkit_error ("strndup: %m");
          goto out;
        }
      }
      else {
        int pr = parse_pax (buf, size, &next_path, &next_size,
                            &has_next_size);
        if (pr == -1)
          nbdkit_error ("%s: invalid pax extended header at byte %" PRIu64,
                        name, pos);
        if (pr < 0)
          goto out;
      }
    }
    else if (type == '0' || type == '\0') {
      if (next_path) {
        member = next_path;
        next_path = NULL;
      }
      else {
        char full[256 + 1 + 100 + 1];
        /* The prefix field exists only in POSIX ustar headers (GNU
         * headers keep times there).
         */
        int plen = memcmp (h + 257, "ustar\0", 6) == 0 ?
          strnlen ((char *) h + 345, 155) : 0;
        int nlen = strnlen ((char *) h, 100);

        if (plen > 0)
          snprintf (full, sizeof full, "%.*s/%.*s", plen, h + 345, nlen, h);
        else
          snprintf (full, sizeof full, "%.*s", nlen, h);
        member = strdup (full);
        if (member == NULL) {
          nbdkit_error ("strdup: %m");
          goto out;
        }
      }
      nbdkit_debug ("vmdk: %s: member %s, %" PRIu64 " bytes at %" PRIu64,
                    name, member, size, data);
      if (want ? name_matches (member, want) : is_vmdk_name (member)) {
        if (found == NULL) {
          found = member;
          *offset_r = data;
          *size_r = size;
        }
        else {
          nbdkit_error ("%s: the OVA holds several disks (%s, %s, ...): "
                        "choose one with disk=NAME", name, found, member);
          free (member);
          goto out;
        }
      }
      else
        free (member);
      has_next_size = false;
    }
    else {
      /* Directories, global pax headers, links: nothing to read. */
      free (next_path);
      next_path = NULL;
      has_next_size = false;
    }
    pos = data + (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  if (found == NULL) {
    if (want)
      nbdkit_error ("%s: the OVA has no member called \"%s\"", name, want);
    else
      nbdkit_error ("%s: the OVA has no .vmdk member", name);
    goto out;
  }
  *member_r = found;
  found = NULL;
  r = 0;
 out:
  free (found);
  free (next_path);
  return r;
}
