/* winvirtio fuzzing: the undo file reader (lib/apply/undo-read.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The input is an undo file.  It is parsed twice: as given, and with
 * its trailing SHA-256 recomputed, so that mutations reach the checks
 * behind the checksum.  An undo file that parses must hold what the
 * reader promises (extents non-empty, sorted, inside the disk), and
 * saving it and loading it again must give the same contents (checked
 * for one parsed file in 32: the writer fsyncs, which is slow).
 */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "fuzz-common.h"
#include "apply/undo.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  wv_fuzz_quiet ();
  return 0;
}

/* The promises of wv_undo_parse. */
static void
check (const struct wv_undo *u)
{
  uint64_t end = 0;
  size_t i;

  if (u->dest_name == NULL || u->dest_name[0] == '\0')
    abort ();
  for (i = 0; i < u->nr_extents; ++i) {
    const struct wv_undo_extent *e = &u->extents[i];

    if (e->length == 0 || e->offset < end || e->offset > u->dest_size ||
        e->length > u->dest_size - e->offset)
      abort ();
    end = e->offset + e->length;
  }
}

/* Save and load again: the same undo record. */
static void
round_trip (const struct wv_undo *u)
{
  char path[] = "/tmp/fuzz-undo.XXXXXX";
  struct wv_undo *v;
  size_t i;
  int fd = mkstemp (path);

  if (fd == -1)
    abort ();
  close (fd);
  unlink (path);
  if (wv_undo_save (u, path) == -1)
    abort ();
  v = wv_undo_load (path);
  unlink (path);
  if (v == NULL || v->complete || v->dest_size != u->dest_size ||
      v->nr_extents != u->nr_extents || strcmp (v->dest_name, u->dest_name) ||
      memcmp (v->fingerprint, u->fingerprint, sizeof v->fingerprint))
    abort ();
  for (i = 0; i < u->nr_extents; ++i)
    if (v->extents[i].offset != u->extents[i].offset ||
        v->extents[i].length != u->extents[i].length ||
        memcmp (v->extents[i].old, u->extents[i].old, u->extents[i].length) ||
        memcmp (v->extents[i].new, u->extents[i].new, u->extents[i].length))
      abort ();
  wv_undo_free (v);
}

static void
parse (const uint8_t *data, size_t size)
{
  struct wv_undo *u = wv_undo_parse (data, size, "fuzz");

  static unsigned parsed;

  if (u) {
    check (u);
    if (parsed++ % 32 == 0)
      round_trip (u);
    wv_undo_free (u);
  }
  /* And through the file reader. */
  wv_undo_free (wv_undo_load (wv_fuzz_file (data, size)));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct sha256_ctx sha;
  uint8_t *copy;

  parse (data, size);
  if (size < 16 + SHA256_DIGEST_SIZE)
    return 0;
  copy = malloc (size);
  if (copy == NULL)
    abort ();
  memcpy (copy, data, size);
  sha256_init (&sha);
  sha256_update (&sha, size - 16 - SHA256_DIGEST_SIZE, copy + 16);
  sha256_digest (&sha, SHA256_DIGEST_SIZE, copy + size - SHA256_DIGEST_SIZE);
  if (memcmp (copy, data, size) != 0)
    parse (copy, size);
  free (copy);
  return 0;
}
