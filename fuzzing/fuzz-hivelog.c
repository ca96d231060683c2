/* winvirtio fuzzing: replaying a dirty hive's transaction logs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * libFuzzer harness over wv_hive_prepare (lib/registry/hive.c, which runs
 * lib/registry/hivelog.c on a dirty hive).  The input is
 *   le32 HIVELEN, le32 LOG1LEN, u8 FLAGS, HIVE, LOG1, LOG2 (the rest)
 * with the lengths cut to what is there; a LOG1LEN of 0xffffffff means
 * LOG1 is missing.  So that the fuzzer gets past the checks a random
 * mutation almost never passes, the hive's base block checksum is
 * recomputed, and with FLAGS bit 0 so are the logs' base block
 * checksums and the Marvin32 hashes of the chain of log entries (a bad
 * checksum or hash is refused or stops the replay at once; those paths
 * are reached with bit 0 clear).  With FLAGS bit 1, LOG1 is replayed
 * as the single SYSTEM.LOG of Windows XP and LOG2 is left out.  The
 * seeds are the corpus's dirty hives with their logs in this format:
 * see fuzzing/make-hivelog-seeds.sh.  Built and run by fuzzing/build.sh and
 * fuzzing/run.sh.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/le.h"
#include "common/log.h"
#include "registry/hive.h"
#include "registry/hivelog.h"

#define MAX_LEN (16 * 1024 * 1024)

static void
quiet (const char *msg)
{
  (void) msg;
}

/* A private copy of len bytes (NULL stays NULL). */
static uint8_t *
copy (const uint8_t *d, size_t len)
{
  uint8_t *p;

  if (d == NULL)
    return NULL;
  p = malloc (len ? len : 1);
  if (p == NULL)
    abort ();
  memcpy (p, d, len);
  return p;
}

static void
fix_checksum (uint8_t *d, size_t len)
{
  if (d && len >= 512)
    put_le32 (d + 0x1fc, wv_regf_checksum (d));
}

/* Recompute the hashes of the chain of entries from offset 512. */
static void
fix_hashes (uint8_t *d, size_t len)
{
  size_t pos = 512;

  while (d && pos + 40 <= len && memcmp (d + pos, "HvLE", 4) == 0) {
    uint32_t size = get_le32 (d + pos + 4);

    if (size < 512 || size % 512 != 0 || size > len - pos)
      break;
    put_le64 (d + pos + 24, wv_marvin32 (d + pos + 40, size - 40));
    put_le64 (d + pos + 32, wv_marvin32 (d + pos, 32));
    pos += size;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct wv_hivelog_result r;
  uint32_t hlen, l1len;
  uint8_t *hive, *log1, *log2, flags;
  size_t l2len;

  wv_set_log (quiet, NULL);
  if (size < 9)
    return 0;
  hlen = get_le32 (data);
  l1len = get_le32 (data + 4);
  flags = data[8];
  data += 9;
  size -= 9;
  if (hlen > size)
    hlen = size;
  hive = copy (data, hlen);
  data += hlen;
  size -= hlen;
  if (l1len == 0xffffffff)
    log1 = NULL, l1len = 0;
  else {
    if (l1len > size)
      l1len = size;
    log1 = copy (data, l1len);
  }
  l2len = size - l1len;
  log2 = copy (data + l1len, l2len);

  if (hlen >= 4096)
    fix_checksum (hive, hlen);
  if (flags & 1) {
    fix_checksum (log1, l1len);
    fix_checksum (log2, l2len);
    fix_hashes (log1, l1len);
    fix_hashes (log2, l2len);
  }
  /* flags bit 1: the single SYSTEM.LOG of Windows XP (log1 only). */
  if (wv_hive_prepare (hive, hlen, log1, l1len,
                       flags & 2 ? NULL : log2, flags & 2 ? 0 : l2len,
                       (flags & 2) != 0, "SYSTEM",
                       "SYSTEM hive", MAX_LEN, &r) == 0 && r.data) {
    /* The result must be a clean hive. */
    if (wv_hive_check (r.data, r.len, "recovered") == -1)
      abort ();
    free (r.data);
  }
  free (hive);
  free (log1);
  free (log2);
  return 0;
}
