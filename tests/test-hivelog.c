/* winvirtio tests: replaying dirty hives' transaction logs (lib/registry/hivelog.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The oracles are hives Windows itself recovered, from
 * ../shared/corpus/hives/yarp (see ../shared/corpus/PROVENANCE.md):
 *   - NewDirtyHive1 (new-format LOG1 + LOG2): our hive bins, from
 *     offset 4096, equal RecoveredHive_Windows10's byte for byte;
 *   - NewDirtyHive2: only LOG2 applies, ending at sequence number 5;
 *   - OldDirtyHive (old-format LOG1): every key, value and timestamp
 *     equals RecoveredHive_Windows7's, read back through hivex;
 *   - BadLogHive1-3 and BadBaseBlockHive are refused, with the exact
 *     message.
 * Then the real dirty hives with logs (regipy: Windows 10 SYSTEM_B,
 * UsrClass.dat; DFIRArtifactMuseum: Windows 10/11 DEFAULT, BBI,
 * SECURITY) are replayed and must open in hivex with the expected
 * sequence numbers; the truncated hives and dirty hives without logs
 * are refused; and mutated logs (truncated at every sector, bytes
 * flipped) give a result or an error, never a crash (test-hivelog.sh
 * runs this under valgrind for make check-valgrind).  The hive bins
 * of every replay here were also compared, once, with yarp's
 * (msuhanov/yarp recover_auto): identical.
 *
 * Exits 77 (skip) without the corpus.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <unistd.h>

#include <hivex.h>

#include "common/log.h"
#include "registry/hive.h"
#include "registry/hivelog.h"

#define MAX_HIVE (256 * 1024 * 1024)

static char *corpus;
static char last_error[1024];
static unsigned failures;

static void
capture_error (const char *msg)
{
  snprintf (last_error, sizeof last_error, "%s", msg);
}

#define CHECK(cond) \
  do { \
    if (!(cond)) { \
      fprintf (stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, \
               __func__, #cond); \
      failures++; \
    } \
  } while (0)

struct file {
  uint8_t *d;
  size_t len;
};

/* Read corpus/hives/name.xz (decompressed); d is NULL if absent. */
static struct file
load (const char *name)
{
  struct file f = { NULL, 0 };
  char *path, *cmd;
  FILE *fp;
  size_t cap = 0, n;

  if (asprintf (&path, "%s/hives/%s.xz", corpus, name) == -1)
    abort ();
  if (access (path, R_OK) != 0) {
    free (path);
    return f;
  }
  if (asprintf (&cmd, "xz -dc '%s'", path) == -1)
    abort ();
  fp = popen (cmd, "r");
  if (fp == NULL)
    abort ();
  for (;;) {
    if (f.len == cap) {
      cap = cap ? cap * 2 : 65536;
      f.d = realloc (f.d, cap);
      if (f.d == NULL)
        abort ();
    }
    n = fread (f.d + f.len, 1, cap - f.len, fp);
    if (n == 0)
      break;
    f.len += n;
  }
  if (pclose (fp) != 0) {
    fprintf (stderr, "%s failed\n", cmd);
    exit (EXIT_FAILURE);
  }
  if (f.d == NULL)
    f.d = malloc (1);
  free (cmd);
  free (path);
  return f;
}

static uint32_t
le32 (const uint8_t *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Run wv_hive_prepare on hive + NAME.LOG1/2 (the files dir/base,
 * dir/base.LOG1, dir/base.LOG2).  Returns its result; *r filled.
 */
static int
prepare (const char *dir, const char *base, struct wv_hivelog_result *r)
{
  char name[256];
  struct file h, l1, l2;
  int ret;

  snprintf (name, sizeof name, "%s/%s", dir, base);
  h = load (name);
  snprintf (name, sizeof name, "%s/%s.LOG1", dir, base);
  l1 = load (name);
  snprintf (name, sizeof name, "%s/%s.LOG2", dir, base);
  l2 = load (name);
  if (h.d == NULL) {
    fprintf (stderr, "%s/%s missing from the corpus\n", dir, base);
    exit (EXIT_FAILURE);
  }
  last_error[0] = '\0';
  ret = wv_hive_prepare (h.d, h.len, l1.d, l1.len, l2.d, l2.len, false,
                         "SYSTEM", "SYSTEM hive", MAX_HIVE, r);
  free (h.d);
  free (l1.d);
  free (l2.d);
  return ret;
}

static char *
write_temp (const uint8_t *d, size_t len)
{
  char *path = strdup ("/tmp/test-hivelog-XXXXXX");
  int fd = mkstemp (path);

  if (fd == -1 || write (fd, d, len) != (ssize_t) len || close (fd) == -1) {
    perror ("write_temp");
    exit (EXIT_FAILURE);
  }
  return path;
}

/* Compare two hive trees through hivex: names, timestamps, values. */
static void
compare_nodes (hive_h *a, hive_node_h na, hive_h *b, hive_node_h nb,
               unsigned *keys)
{
  hive_node_h *ca = hivex_node_children (a, na);
  hive_node_h *cb = hivex_node_children (b, nb);
  hive_value_h *va = hivex_node_values (a, na);
  hive_value_h *vb = hivex_node_values (b, nb);
  char *sa = hivex_node_name (a, na), *sb = hivex_node_name (b, nb);
  size_t i;

  (*keys)++;
  CHECK (sa && sb && strcmp (sa, sb) == 0);
  CHECK (hivex_node_timestamp (a, na) == hivex_node_timestamp (b, nb));
  CHECK (ca && cb && va && vb);
  if (!(ca && cb && va && vb))
    goto out;
  for (i = 0; ca[i] && cb[i]; ++i)
    compare_nodes (a, ca[i], b, cb[i], keys);
  CHECK (ca[i] == 0 && cb[i] == 0);
  for (i = 0; va[i] && vb[i]; ++i) {
    char *ka = hivex_value_key (a, va[i]), *kb = hivex_value_key (b, vb[i]);
    hive_type ta, tb;
    size_t la, lb;
    char *da = hivex_value_value (a, va[i], &ta, &la);
    char *db = hivex_value_value (b, vb[i], &tb, &lb);

    CHECK (ka && kb && strcmp (ka, kb) == 0);
    CHECK (da && db && ta == tb && la == lb && memcmp (da, db, la) == 0);
    free (ka);
    free (kb);
    free (da);
    free (db);
  }
  CHECK (va[i] == 0 && vb[i] == 0);
 out:
  free (ca);
  free (cb);
  free (va);
  free (vb);
  free (sa);
  free (sb);
}

/* Open data with hivex; count its keys.  Returns -1 if hivex refuses. */
static int
count_keys (hive_h *h, hive_node_h n)
{
  hive_node_h *c = hivex_node_children (h, n);
  int total = 1, i, sub;

  if (c == NULL)
    return -1;
  for (i = 0; c[i]; ++i) {
    sub = count_keys (h, c[i]);
    if (sub == -1) {
      total = -1;
      break;
    }
    total += sub;
  }
  free (c);
  return total;
}

static int
opens_in_hivex (const uint8_t *d, size_t len)
{
  char *path = write_temp (d, len);
  hive_h *h = hivex_open (path, 0);
  int keys = -1;

  if (h) {
    keys = count_keys (h, hivex_root (h));
    hivex_close (h);
  }
  unlink (path);
  free (path);
  return keys;
}

static void
test_new_dirty_1 (void)
{
  struct wv_hivelog_result r;
  struct file win = load ("yarp/NewDirtyHive1/RecoveredHive_Windows10");

  CHECK (prepare ("yarp/NewDirtyHive1", "NewDirtyHive", &r) == 0);
  CHECK (r.data != NULL && r.new_format);
  CHECK (r.logs_used == 3 && r.applied == 4);
  CHECK (r.last_seq == 5 && r.seq == 6);
  /* The oracle: the hive bins Windows 10 recovered. */
  CHECK (r.len == win.len);
  CHECK (r.len == win.len && memcmp (r.data + 4096, win.d + 4096,
                                     r.len - 4096) == 0);
  /* And the same base block numbers as Windows wrote (6/6). */
  CHECK (le32 (r.data + 4) == le32 (win.d + 4));
  CHECK (le32 (r.data + 8) == le32 (win.d + 8));
  CHECK (le32 (r.data + 40) == le32 (win.d + 40));
  CHECK (wv_hive_check (r.data, r.len, "recovered hive") == 0);
  CHECK (opens_in_hivex (r.data, r.len) == 5);
  free (r.data);
  free (win.d);
}

static void
test_new_dirty_2 (void)
{
  struct wv_hivelog_result r;

  CHECK (prepare ("yarp/NewDirtyHive2", "NewDirtyHive", &r) == 0);
  CHECK (r.data != NULL && r.new_format);
  CHECK (r.logs_used == 2);     /* LOG2 only */
  CHECK (r.applied == 3 && r.last_seq == 5 && r.seq == 6);
  CHECK (opens_in_hivex (r.data, r.len) > 0);
  free (r.data);
}

static void
test_old_dirty (void)
{
  struct wv_hivelog_result r;
  struct file win = load ("yarp/OldDirtyHive/RecoveredHive_Windows7");
  char *pa, *pb;
  hive_h *a, *b;
  unsigned keys = 0;

  CHECK (prepare ("yarp/OldDirtyHive", "OldDirtyHive", &r) == 0);
  CHECK (r.data != NULL && !r.new_format && r.logs_used == 1);
  CHECK (r.seq == 6);
  CHECK (wv_hive_check (r.data, r.len, "recovered hive") == 0);
  /* The oracle: keys, values and timestamps as Windows 7 recovered. */
  pa = write_temp (r.data, r.len);
  pb = write_temp (win.d, win.len);
  a = hivex_open (pa, 0);
  b = hivex_open (pb, 0);
  CHECK (a && b);
  if (a && b)
    compare_nodes (a, hivex_root (a), b, hivex_root (b), &keys);
  CHECK (keys == 5003);
  if (a)
    hivex_close (a);
  if (b)
    hivex_close (b);
  unlink (pa);
  unlink (pb);
  free (pa);
  free (pb);
  free (r.data);
  free (win.d);
}

/* Windows XP and 2003 keep one NAME.LOG in the old format: given as
 * the single log, OldDirtyHive's log recovers the same bytes as when
 * it is LOG1, and the messages name NAME.LOG.
 */
static void
test_single_log (void)
{
  struct file h = load ("yarp/OldDirtyHive/OldDirtyHive");
  struct file l = load ("yarp/OldDirtyHive/OldDirtyHive.LOG1");
  struct wv_hivelog_result dual, single;
  const char *want = "the SYSTEM hive is dirty (base block sequence "
    "numbers 5 and 4 differ) and its transaction log cannot be replayed "
    "(SYSTEM.LOG: missing): Windows was not shut down cleanly; boot the "
    "VM and shut it down cleanly, then try again";

  CHECK (wv_hive_prepare (h.d, h.len, l.d, l.len, NULL, 0, false, "SYSTEM",
                          "SYSTEM hive", MAX_HIVE, &dual) == 0);
  CHECK (wv_hive_prepare (h.d, h.len, l.d, l.len, NULL, 0, true, "SYSTEM",
                          "SYSTEM hive", MAX_HIVE, &single) == 0);
  CHECK (dual.data && single.data && dual.len == single.len &&
         memcmp (dual.data, single.data, dual.len) == 0);
  CHECK (single.logs_used == 1 && single.applied == dual.applied);
  free (dual.data);
  free (single.data);

  last_error[0] = '\0';
  CHECK (wv_hive_prepare (h.d, h.len, NULL, 0, NULL, 0, true, "SYSTEM",
                          "SYSTEM hive", MAX_HIVE, &single) == -1);
  if (strcmp (last_error, want) != 0) {
    fprintf (stderr, "single log:\n  got:      %s\n  expected: %s\n",
             last_error, want);
    failures++;
  }
  CHECK (wv_hive_prepare (h.d, h.len, l.d, l.len, l.d, l.len, true, "SYSTEM",
                          "SYSTEM hive", MAX_HIVE, &single) == -1);
  free (h.d);
  free (l.d);
}

static void
refused (const char *dir, const char *base, const char *msg)
{
  struct wv_hivelog_result r;

  CHECK (prepare (dir, base, &r) == -1);
  CHECK (r.data == NULL);
  if (strcmp (last_error, msg) != 0) {
    fprintf (stderr, "%s/%s:\n  got:      %s\n  expected: %s\n",
             dir, base, last_error, msg);
    failures++;
  }
}

#define FIX "Windows was not shut down cleanly; boot the VM and shut it " \
  "down cleanly, then try again"

static void
test_refused (void)
{
  refused ("yarp/BadLogHive1", "BadLogHive",
           "the SYSTEM hive is dirty (base block sequence numbers 5 and 4 "
           "differ) and its transaction logs cannot be replayed "
           "(SYSTEM.LOG1: bad base block checksum; SYSTEM.LOG2: empty): "
           FIX);
  refused ("yarp/BadLogHive2", "BadLogHive",
           "the SYSTEM hive is dirty (base block sequence numbers 5 and 4 "
           "differ) and its transaction logs cannot be replayed "
           "(SYSTEM.LOG1: no dirty vector; SYSTEM.LOG2: empty): " FIX);
  refused ("yarp/BadLogHive3", "BadLogHive",
           "the SYSTEM hive is dirty (base block sequence numbers 3 and 2 "
           "differ) and its transaction logs cannot be replayed "
           "(SYSTEM.LOG1: bad base block checksum; SYSTEM.LOG2: bad base "
           "block checksum): " FIX);
  refused ("yarp/BadBaseBlockHive", "BadBaseBlockHive",
           "the SYSTEM hive has a bad base block checksum: the file is "
           "damaged or was being written when the disk was copied; boot "
           "the VM and shut it down cleanly, then try again");
  /* Dirty, and no logs at all. */
  refused ("yarp", "TruncatedDirtyHive",
           "the SYSTEM hive is dirty (base block sequence numbers 5 and 4 "
           "differ) and its transaction logs cannot be replayed "
           "(SYSTEM.LOG1: missing; SYSTEM.LOG2: missing): " FIX);
  refused ("regipy", "SYSTEM_2",
           "the SYSTEM hive is dirty (base block sequence numbers 205 and "
           "204 differ) and its transaction logs cannot be replayed "
           "(SYSTEM.LOG1: missing; SYSTEM.LOG2: missing): " FIX);
  refused ("yarp", "TruncatedHive",
           "the SYSTEM hive is truncated or damaged (12288 bytes, its base "
           "block declares 487424 bytes of hive bins after the first "
           "4096): the file is damaged");
}

/* A real dirty hive with logs: replayed, opens, and has at least as
 * many keys as before.
 */
static void
real (const char *dir, const char *base, unsigned logs_used,
      uint32_t seq)
{
  struct wv_hivelog_result r;
  char name[256];
  struct file h;
  int before, after;

  snprintf (name, sizeof name, "%s/%s", dir, base);
  h = load (name);
  if (h.d == NULL) {
    fprintf (stderr, "%s missing from the corpus\n", name);
    failures++;
    return;
  }
  before = opens_in_hivex (h.d, h.len);
  CHECK (prepare (dir, base, &r) == 0);
  if (r.data == NULL) {
    fprintf (stderr, "%s: %s\n", name, last_error);
    failures++;
    free (h.d);
    return;
  }
  after = opens_in_hivex (r.data, r.len);
  printf ("%s: %s logs, LOG%s%s applied, %u %s, sequence %" PRIu32
          " -> %" PRIu32 ", %d keys -> %d\n", name,
          r.new_format ? "new" : "old", r.logs_used & 1 ? "1" : "",
          r.logs_used & 2 ? (r.logs_used & 1 ? "+2" : "2") : "",
          r.applied, r.new_format ? "entries" : "pages",
          le32 (h.d + 4), r.seq, before, after);
  CHECK (after > 0);
  CHECK (r.logs_used == logs_used);
  CHECK (r.seq == seq);
  CHECK (wv_hive_check (r.data, r.len, "recovered hive") == 0);
  free (r.data);
  free (h.d);
}

static void
test_real (void)
{
  /* regipy: SYSTEM_B gains 2458 keys (regipy's own count). */
  real ("regipy", "SYSTEM_B", 3, 2131);
  real ("regipy", "UsrClass.dat", 3, 301);
  real ("dfir-artifact-museum/Win10", "DEFAULT", 3, 111);
  real ("dfir-artifact-museum/Win10", "BBI", 3, 62);
  real ("dfir-artifact-museum/Win10", "SECURITY", 1, 112);
  real ("dfir-artifact-museum/Win11", "DEFAULT", 3, 108);
  real ("dfir-artifact-museum/Win11", "BBI", 3, 50);
  real ("dfir-artifact-museum/Win11", "SECURITY", 1, 117);
}

/* Mutated logs: anything but a crash. */
static void
test_mutations (void)
{
  struct file h = load ("yarp/NewDirtyHive1/NewDirtyHive");
  struct file l1 = load ("yarp/NewDirtyHive1/NewDirtyHive.LOG1");
  struct file l2 = load ("yarp/NewDirtyHive1/NewDirtyHive.LOG2");
  struct file oh = load ("yarp/OldDirtyHive/OldDirtyHive");
  struct file ol = load ("yarp/OldDirtyHive/OldDirtyHive.LOG1");
  struct wv_hivelog_result r;
  unsigned ok = 0, bad = 0;
  size_t cut, i;
  uint8_t *m;

  wv_set_log (capture_error, NULL);
  /* Truncated at every sector and a few bytes either side. */
  for (cut = 0; cut <= l2.len; cut += 512)
    for (i = 0; i < 3; ++i) {
      size_t n = cut + i * 7 > l2.len ? l2.len : cut + i * 7;

      if (wv_hive_prepare (h.d, h.len, l1.d, l1.len, l2.d, n, false, "S", "S",
                           MAX_HIVE, &r) == 0)
        ok++;
      else
        bad++;
      free (r.data);
    }
  for (cut = 0; cut <= ol.len; cut += 509) {
    if (wv_hive_prepare (oh.d, oh.len, ol.d, cut, NULL, 0, false, "S", "S",
                         MAX_HIVE, &r) == 0)
      ok++;
    else
      bad++;
    free (r.data);
  }
  /* Bytes flipped in the entry headers, page references and dirty
   * vector: each one either breaks a hash (stop) or is caught.
   */
  m = malloc (l2.len);
  for (i = 0; i < 0x300; ++i) {
    memcpy (m, l2.d, l2.len);
    m[512 + i] ^= 0xff;
    if (wv_hive_prepare (h.d, h.len, l1.d, l1.len, m, l2.len, false, "S", "S",
                         MAX_HIVE, &r) == 0)
      ok++;
    else
      bad++;
    free (r.data);
  }
  free (m);
  m = malloc (ol.len);
  for (i = 0; i < 0x400; i += 3) {
    memcpy (m, ol.d, ol.len);
    m[i] ^= 0x5a;
    if (wv_hive_prepare (oh.d, oh.len, m, ol.len, NULL, 0, false, "S", "S",
                         MAX_HIVE, &r) == 0)
      ok++;
    else
      bad++;
    free (r.data);
  }
  free (m);
  printf ("mutations: %u replayed, %u refused\n", ok, bad);
  CHECK (ok > 0 && bad > 0);
  free (h.d);
  free (l1.d);
  free (l2.d);
  free (oh.d);
  free (ol.d);
}

int
main (void)
{
  const char *top = getenv ("abs_top_srcdir");
  char *probe;

  if (top == NULL)
    top = "..";
  if (getenv ("WINVIRTIO_CORPUS")) {
    if ((corpus = strdup (getenv ("WINVIRTIO_CORPUS"))) == NULL)
      abort ();
  }
  else if (asprintf (&corpus, "%s/../shared/corpus", top) == -1)
    abort ();
  if (asprintf (&probe, "%s/hives/yarp/NewDirtyHive1", corpus) == -1)
    abort ();
  if (access (probe, R_OK) != 0) {
    printf ("%s: test skipped because %s is absent\n", __FILE__, probe);
    exit (77);
  }
  free (probe);
  wv_set_log (capture_error, NULL);

  test_new_dirty_1 ();
  test_new_dirty_2 ();
  test_old_dirty ();
  test_single_log ();
  test_refused ();
  test_real ();
  test_mutations ();

  free (corpus);
  if (failures) {
    fprintf (stderr, "test-hivelog: %u checks failed\n", failures);
    exit (EXIT_FAILURE);
  }
  printf ("test-hivelog: all checks passed\n");
  return 0;
}
