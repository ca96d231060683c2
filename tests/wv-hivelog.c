/* winvirtio tests: replay a hive's transaction logs into a new file.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: wv-hivelog HIVE LOG1|- LOG2|- OUT
 * ("-" for a missing log).  Runs wv_hive_prepare as the planner does
 * and writes the hive it would edit (the recovered one, or HIVE itself
 * if clean) to OUT; prints what was replayed.  Exits 1 with the
 * message if the hive is refused.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "common/hostfile.h"
#include "registry/hive.h"
#include "registry/hivelog.h"

#define MAX_HIVE (256 * 1024 * 1024)

static void
read_or_null (const char *path, uint8_t **d, size_t *len)
{
  *d = NULL;
  *len = 0;
  if (strcmp (path, "-") != 0 &&
      wv_read_host_file (path, MAX_HIVE, d, len) == -1)
    exit (EXIT_FAILURE);
}

int
main (int argc, char *argv[])
{
  uint8_t *h, *l1, *l2;
  size_t hlen, l1len, l2len;
  struct wv_hivelog_result r;
  const uint8_t *out;
  size_t outlen;
  FILE *fp;

  if (argc != 5) {
    fprintf (stderr, "usage: wv-hivelog HIVE LOG1|- LOG2|- OUT\n");
    exit (EXIT_FAILURE);
  }
  if (wv_read_host_file (argv[1], MAX_HIVE, &h, &hlen) == -1)
    exit (EXIT_FAILURE);
  read_or_null (argv[2], &l1, &l1len);
  read_or_null (argv[3], &l2, &l2len);
  if (wv_hive_prepare (h, hlen, l1, l1len, l2, l2len, false, "SYSTEM",
                       "SYSTEM hive", MAX_HIVE, &r) == -1)
    exit (EXIT_FAILURE);
  out = r.data ? r.data : h;
  outlen = r.data ? r.len : hlen;
  if (r.data)
    printf ("replayed %u %s from LOG%s%s%s, last sequence number %" PRIu32
            ", new sequence number %" PRIu32 "\n", r.applied,
            r.new_format ? "log entries" : "dirty pages",
            r.logs_used & 1 ? "1" : "", r.logs_used == 3 ? " and LOG" : "",
            r.logs_used & 2 ? "2" : "", r.last_seq, r.seq);
  else
    printf ("clean\n");
  fp = fopen (argv[4], "w");
  if (fp == NULL || fwrite (out, 1, outlen, fp) != outlen || fclose (fp)) {
    perror (argv[4]);
    exit (EXIT_FAILURE);
  }
  free (r.data);
  free (h);
  free (l1);
  free (l2);
  return 0;
}
