/* nbdkit-vmdk-plugin: VMDK descriptor parser.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The descriptor is the text part of a VMDK: either a file of its own
 * (monolithicFlat, twoGbMaxExtent*, vmfs) or embedded in a hosted
 * sparse extent (monolithicSparse, streamOptimized).  See VMware's
 * "Virtual Disk Format 1.1", section "The Descriptor File", and qemu
 * block/vmdk.c (vmdk_parse_extents, vmdk_parse_description).
 *
 * Lines are "key = value" (the value optionally in double quotes),
 * comments starting with '#', and extent lines:
 *
 *   RW 4192256 SPARSE "disk-s001.vmdk"
 *   RW 614400 FLAT "disk-flat.vmdk" 0
 *   RW 4096 VMFS "disk-flat.vmdk"
 *   RW 2048 ZERO
 *
 * Only the keys the plugin needs are kept.  The text is hostile: every
 * number is range checked and the number of extents is capped.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>

#include <nbdkit-plugin.h>

#include "descriptor.h"

/* Skip blanks (space, tab) in [p, end). */
static const char *
skip_blanks (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* Copy the word at *P (up to a blank) into BUF of SIZE bytes.
 * Returns false if the word is empty or too long.
 */
static bool
get_word (const char **p, const char *end, char *buf, size_t size)
{
  const char *q = *p;
  size_t n;

  while (q < end && *q != ' ' && *q != '\t')
    q++;
  n = q - *p;
  if (n == 0 || n >= size)
    return false;
  memcpy (buf, *p, n);
  buf[n] = '\0';
  *p = q;
  return true;
}

/* Parse a decimal uint64_t at *P, refusing overflow. */
static bool
get_u64 (const char **p, const char *end, uint64_t *r)
{
  const char *q = *p;
  uint64_t v = 0;

  if (q >= end || *q < '0' || *q > '9')
    return false;
  while (q < end && *q >= '0' && *q <= '9') {
    unsigned d = *q - '0';
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
    q++;
  }
  *p = q;
  *r = v;
  return true;
}

/* Parse one extent line in [p, end) and append it to D.
 * Returns 1 if it was an extent line, 0 if not, -1 on error.
 */
static int
parse_extent_line (const char *p, const char *end, struct descriptor *d)
{
  char access[16];
  struct extent_desc e = { 0 };
  struct extent_desc *ext;
  const char *q;

  if (!get_word (&p, end, access, sizeof access))
    return 0;
  if (strcmp (access, "RW") == 0)
    e.access = ACCESS_RW;
  else if (strcmp (access, "RDONLY") == 0)
    e.access = ACCESS_RDONLY;
  else if (strcmp (access, "NOACCESS") == 0)
    e.access = ACCESS_NOACCESS;
  else
    return 0;

  p = skip_blanks (p, end);
  if (!get_u64 (&p, end, &e.sectors) ||
      e.sectors == 0 || e.sectors > DISK_MAX_SECTORS)
    return -1;
  p = skip_blanks (p, end);
  if (!get_word (&p, end, e.type, sizeof e.type))
    return -1;
  p = skip_blanks (p, end);

  if (p < end && *p == '"') {
    p++;
    q = memchr (p, '"', end - p);
    if (q == NULL || q == p)
      return -1;
    e.filename = strndup (p, q - p);
    if (e.filename == NULL) {
      nbdkit_error ("strndup: %m");
      return -1;
    }
    p = skip_blanks (q + 1, end);
    if (p < end) {
      if (!get_u64 (&p, end, &e.offset) || e.offset > DISK_MAX_SECTORS) {
        free (e.filename);
        return -1;
      }
      e.has_offset = true;
      p = skip_blanks (p, end);
    }
  }
  if (p < end) {
    free (e.filename);
    return -1;
  }

  if (d->nr_extents >= DESCRIPTOR_MAX_EXTENTS) {
    free (e.filename);
    nbdkit_error ("descriptor has more than %d extents", DESCRIPTOR_MAX_EXTENTS);
    return -2;
  }
  ext = realloc (d->extents, (d->nr_extents + 1) * sizeof *ext);
  if (ext == NULL) {
    free (e.filename);
    nbdkit_error ("realloc: %m");
    return -2;
  }
  d->extents = ext;
  d->extents[d->nr_extents++] = e;
  return 1;
}

/* Duplicate the value in [p, end), without surrounding quotes. */
static char *
dup_value (const char *p, const char *end)
{
  char *r;

  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (end - p >= 2 && *p == '"' && end[-1] == '"') {
    p++;
    end--;
  }
  r = strndup (p, end - p);
  if (r == NULL)
    nbdkit_error ("strndup: %m");
  return r;
}

/* Parse the hexadecimal CID in [p, end) (ffffffff is "none"). */
static bool
get_cid (const char *p, const char *end, uint32_t *r)
{
  uint32_t v = 0;
  size_t n = 0;

  if (end - p >= 2 && *p == '"' && end[-1] == '"') {
    p++;
    end--;
  }
  for (; p < end; p++, n++) {
    int d;

    if (*p >= '0' && *p <= '9')
      d = *p - '0';
    else if (*p >= 'a' && *p <= 'f')
      d = *p - 'a' + 10;
    else if (*p >= 'A' && *p <= 'F')
      d = *p - 'A' + 10;
    else
      return false;
    if (n >= 8)
      return false;
    v = v << 4 | d;
  }
  if (n == 0)
    return false;
  *r = v;
  return true;
}

/* Parse a "key = value" line; only createType, parentFileNameHint,
 * CID and parentCID are kept.  Returns 0 or -1 on allocation failure.
 */
static int
parse_key_line (const char *p, const char *end, struct descriptor *d)
{
  const char *eq = memchr (p, '=', end - p);
  const char *kend;
  char **field = NULL;
  size_t klen;

  if (eq == NULL)
    return 0;
  kend = eq;
  while (kend > p && (kend[-1] == ' ' || kend[-1] == '\t'))
    kend--;
  klen = kend - p;
  if (klen == 10 && strncmp (p, "createType", 10) == 0)
    field = &d->create_type;
  else if (klen == 18 && strncmp (p, "parentFileNameHint", 18) == 0)
    field = &d->parent_hint;
  else if (klen == 3 && strncmp (p, "CID", 3) == 0) {
    d->has_cid = get_cid (skip_blanks (eq + 1, end), end, &d->cid);
    return 0;
  }
  else if (klen == 9 && strncmp (p, "parentCID", 9) == 0) {
    d->has_parent_cid = get_cid (skip_blanks (eq + 1, end), end,
                                 &d->parent_cid);
    return 0;
  }
  else
    return 0;

  free (*field);                /* the last occurrence wins */
  *field = dup_value (skip_blanks (eq + 1, end), end);
  return *field ? 0 : -1;
}

/* Parse the descriptor TEXT. */
int
descriptor_parse (const char *text, size_t len, struct descriptor *d)
{
  const char *end, *p, *eol, *lend;
  unsigned lineno = 0;
  int r;

  memset (d, 0, sizeof *d);
  if (len > DESCRIPTOR_MAX_SIZE) {
    nbdkit_error ("descriptor is larger than %d bytes", DESCRIPTOR_MAX_SIZE);
    return -1;
  }
  end = memchr (text, '\0', len);
  if (end == NULL)
    end = text + len;

  for (p = text; p < end; p = eol + 1) {
    lineno++;
    eol = memchr (p, '\n', end - p);
    if (eol == NULL)
      eol = end;
    lend = eol;
    while (lend > p && (lend[-1] == '\r' || lend[-1] == ' ' ||
                        lend[-1] == '\t'))
      lend--;
    p = skip_blanks (p, lend);
    if (p == lend || *p == '#')
      continue;

    r = parse_extent_line (p, lend, d);
    if (r == -1) {
      nbdkit_error ("descriptor line %u: invalid extent line: %.*s",
                    lineno, (int) (lend - p > 200 ? 200 : lend - p), p);
      return -1;
    }
    if (r == -2)
      return -1;
    if (r == 0 && parse_key_line (p, lend, d) == -1)
      return -1;
  }
  return 0;
}

/* Free the descriptor's fields. */
void
descriptor_free (struct descriptor *d)
{
  size_t i;

  for (i = 0; i < d->nr_extents; i++)
    free (d->extents[i].filename);
  free (d->extents);
  free (d->create_type);
  free (d->parent_hint);
  memset (d, 0, sizeof *d);
}
