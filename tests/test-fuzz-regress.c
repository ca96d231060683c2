/* winvirtio tests: inputs found by fuzzing (fuzzing/README.md), made
 * small and checked here, each against the exact message.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "registry/hive.h"

static char last_error[1024];

static void
capture_error (const char *msg)
{
  snprintf (last_error, sizeof last_error, "%s", msg);
}

static void
fail (int line, const char *what)
{
  fprintf (stderr, "test-fuzz-regress.c:%d: %s\n  last error: %s\n",
           line, what, last_error);
  exit (EXIT_FAILURE);
}

#define CHECK(cond) do { if (!(cond)) fail (__LINE__, #cond); } while (0)

static void
put_le32 (uint8_t *p, uint32_t v)
{
  p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

/* A clean base block followed by len - 4096 bytes, whose header says
 * there are bins bytes of hive bins.
 */
static uint8_t *
make_hive (size_t len, uint32_t bins)
{
  uint8_t *h = calloc (1, len);
  uint32_t sum = 0;
  size_t i;

  if (h == NULL)
    abort ();
  memcpy (h, "regf", 4);
  put_le32 (h + 4, 7);
  put_le32 (h + 8, 7);
  put_le32 (h + 0x28, bins);
  for (i = 0; i < 0x1fc; i += 4)
    sum ^= h[i] | h[i+1] << 8 | h[i+2] << 16 | (uint32_t) h[i+3] << 24;
  put_le32 (h + 0x1fc, sum);
  return h;
}

/* fuzz-hive, yarp/TruncatedHive: a clean hive cut short passed
 * wv_hive_check; hivex opened it, and what it committed after our
 * edits was a file hivex itself could not open.
 */
static void
test_truncated_hive (void)
{
  uint8_t *h;

  h = make_hive (12288, 487424);
  CHECK (wv_hive_check (h, 12288, "SYSTEM hive") == -1);
  CHECK (strcmp (last_error, "the SYSTEM hive is truncated or damaged "
                 "(12288 bytes, its base block declares 487424 bytes of "
                 "hive bins after the first 4096): the file is damaged") == 0);
  free (h);

  /* Exactly the bins, or more file than bins (preallocated), is fine. */
  h = make_hive (12288, 8192);
  CHECK (wv_hive_check (h, 12288, "SYSTEM hive") == 0);
  CHECK (wv_hive_check (h, 12288 - 1, "SYSTEM hive") == -1);
  free (h);
  h = make_hive (16384, 8192);
  CHECK (wv_hive_check (h, 16384, "SYSTEM hive") == 0);
  free (h);
}

int
main (void)
{
  wv_set_log (capture_error, NULL);
  test_truncated_hive ();
  printf ("test-fuzz-regress: ok\n");
  return 0;
}
