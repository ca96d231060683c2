/* winvirtio fuzzing: what every harness shares.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "common/log.h"
#include "fuzz-common.h"

static void
discard (const char *msg)
{
  (void) msg;
}

void
wv_fuzz_quiet (void)
{
  const char *v = getenv ("WV_FUZZ_VERBOSE");

  if (v == NULL || strcmp (v, "1") != 0)
    wv_set_log (discard, NULL);
}

struct mem {
  const uint8_t *data;
  size_t len;
};

static int
mem_pread (void *opaque, void *buf, size_t count, uint64_t offset)
{
  struct mem *m = opaque;
  size_t n = 0;

  /* wv_source_pread has checked offset + count <= size. */
  if (offset < m->len) {
    n = m->len - offset;
    if (n > count)
      n = count;
    memcpy (buf, m->data + offset, n);
  }
  memset ((uint8_t *) buf + n, 0, count - n);
  return 0;
}

static void
mem_close (void *opaque)
{
  free (opaque);
}

struct wv_source *
wv_fuzz_source (const uint8_t *data, size_t len, uint64_t size)
{
  struct mem *m = malloc (sizeof *m);
  struct wv_source *src;

  if (m == NULL)
    return NULL;
  m->data = data;
  m->len = len;
  if (size < len)
    size = len;
  src = wv_source_new ("fuzz", size, mem_pread, mem_close, m);
  if (src == NULL)
    free (m);
  return src;
}

static char *scratch;

static void
remove_scratch (void)
{
  if (scratch)
    unlink (scratch);
}

const char *
wv_fuzz_file (const uint8_t *data, size_t len)
{
  const char *tmpdir = getenv ("TMPDIR");
  FILE *fp;

  if (scratch == NULL) {
    int fd;

    if (asprintf (&scratch, "%s/wvfuzzXXXXXX", tmpdir ? tmpdir : "/tmp")
        == -1) {
      scratch = NULL;
      return NULL;
    }
    fd = mkstemp (scratch);
    if (fd == -1) {
      perror (scratch);
      abort ();
    }
    close (fd);
    atexit (remove_scratch);
  }
  fp = fopen (scratch, "w");
  if (fp == NULL)
    abort ();
  if (len > 0 && fwrite (data, 1, len, fp) != len)
    abort ();
  if (fclose (fp) != 0)
    abort ();
  return scratch;
}
