/* winvirtio: the volume's $Bitmap, for free-space trim: is what it
 * calls free really free, and where is it on the disk?
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design:
 *
 * Trim serves what $Bitmap calls free as zeroes, and libntfs-3g
 * allocates the new files from it.  On a damaged volume $Bitmap can
 * call free what a file still uses (a bit cleared, or a changed byte
 * in $Bitmap's own runlist, which makes some other clusters "the
 * bitmap"): trusting it would serve a disk worse than its source.  So
 * before either, the clusters are accounted for a second time, from
 * the MFT, as ntfsresize's and ntfsck's consistency checks do, and the
 * two accounts must agree.
 *
 * The MFT is read through libntfs-3g ($MFT's own runlist, its
 * update-sequence fixups, its record and attribute checks, its
 * mapping-pairs decoder) but in requests of CHUNK bytes rather than a
 * record at a time, so a volume of a million records costs about a
 * thousand requests, not a million.  The claims are kept as a bitmap
 * of their own (one bit per cluster), which also finds a cluster
 * claimed twice.  Leaked clusters (in use in $Bitmap, claimed by no
 * record) are harmless: nobody trims or allocates them.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/mft.h>
#include <ntfs-3g/mst.h>
#include <ntfs-3g/runlist.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "ntfs/check.h"
#include "ntfs/internal.h"

/* Bytes of $MFT or $Bitmap asked for at a time. */
#define CHUNK (4 * 1024 * 1024)

/* How deep a path may be when naming a file in a message. */
#define MAX_DEPTH 32

/* One kind of disagreement: how often, and the first record with it. */
struct finding {
  uint64_t records;             /* records that show it */
  uint64_t clusters;            /* clusters concerned, in all */
  uint64_t first;               /* MFT record number of the first */
  uint64_t first_clusters;      /* clusters concerned in that record */
  uint64_t lcn;                 /* first cluster concerned in it */
};

struct scan {
  struct wv_ntfs *v;
  ntfs_volume *vol;
  uint64_t nr;                  /* clusters in the volume */
  uint8_t *bitmap;              /* $Bitmap */
  uint8_t *claimed;             /* claims of the MFT */
  uint8_t *mftbm;               /* $MFT's $BITMAP */
  uint64_t mftbm_bits;

  struct finding bad;           /* in use, but not a valid record */
  struct finding outside;       /* runs beyond the volume */
  struct finding twice;         /* clusters claimed twice */
  struct finding free_used;     /* claimed, but free in $Bitmap */
  struct finding unlisted;      /* in use, but free in $MFT's bitmap */
};

static inline bool
bit (const uint8_t *bm, uint64_t i)
{
  return (bm[i / 8] >> (i % 8)) & 1;
}

static void
note (struct finding *f, uint64_t mft_no, uint64_t clusters, uint64_t lcn)
{
  if (f->records++ == 0) {
    f->first = mft_no;
    f->first_clusters = clusters;
    f->lcn = lcn;
  }
  f->clusters += clusters;
}

/* Read all of attribute na up to len bytes into a new buffer, in
 * CHUNK requests.  Bytes past what na holds are zero.
 */
static uint8_t *
read_whole (struct scan *s, ntfs_attr *na, uint64_t len, const char *what)
{
  uint8_t *buf = calloc (1, len ? len : 1);
  uint64_t pos = 0;

  if (buf == NULL) {
    wv_error ("%s: %s of %" PRIu64 " bytes: %m", s->v->name, what, len);
    return NULL;
  }
  while (pos < len) {
    uint64_t n = len - pos < CHUNK ? len - pos : CHUNK;
    s64 r;

    wv_ntfs_clear_reason (s->v);
    r = ntfs_attr_pread (na, pos, n, buf + pos);
    if (r < 0) {
      wv_error ("%s: cannot read %s: %s", s->v->name, what, wv_ntfs_why (s->v));
      free (buf);
      return NULL;
    }
    if ((uint64_t) r < n)
      break;                    /* the rest stays zero */
    pos += n;
  }
  return buf;
}

/* Count the set bits of b. */
static unsigned
ones (uint8_t b)
{
  return __builtin_popcount (b);
}

/* Record the claim of record mft_no on clusters [lcn, lcn+len). */
static void
claim (struct scan *s, uint64_t mft_no, int64_t lcn, int64_t len)
{
  uint64_t c, end, twice = 0, unmarked = 0;
  uint64_t first_twice = 0, first_unmarked = 0;

  if (lcn < 0 || len <= 0)
    return;
  end = (uint64_t) lcn + len;
  if ((uint64_t) lcn >= s->nr || (uint64_t) len > s->nr - lcn) {
    note (&s->outside, mft_no, len, lcn);
    if ((uint64_t) lcn >= s->nr)
      return;
    end = s->nr;
  }
  for (c = lcn; c < end; ++c) {
    if (c % 8 == 0 && end - c >= 8) {
      uint8_t had = s->claimed[c / 8], freebits = ~s->bitmap[c / 8];

      if (had && twice == 0)
        first_twice = c + __builtin_ctz (had);
      if (freebits && unmarked == 0)
        first_unmarked = c + __builtin_ctz (freebits);
      twice += ones (had);
      unmarked += ones (freebits);
      s->claimed[c / 8] = 0xff;
      c += 7;
      continue;
    }
    if (bit (s->claimed, c)) {
      if (twice++ == 0)
        first_twice = c;
    }
    else
      s->claimed[c / 8] |= 1 << (c % 8);
    if (!bit (s->bitmap, c) && unmarked++ == 0)
      first_unmarked = c;
  }
  if (twice)
    note (&s->twice, mft_no, twice, first_twice);
  if (unmarked)
    note (&s->free_used, mft_no, unmarked, first_unmarked);
}

/* Is attribute a named $I30 (a directory's file name index)? */
static bool
is_i30 (const ATTR_RECORD *a)
{
  static const uint8_t i30[8] = { '$', 0, 'I', 0, '3', 0, '0', 0 };
  uint16_t off = le16_to_cpu (a->name_offset);

  return a->name_length == 4 && off + sizeof i30 <= le32_to_cpu (a->length)
    && memcmp ((const uint8_t *) a + off, i30, sizeof i30) == 0;
}

/* Account for one MFT record, as read (fixups not yet applied). */
static void
scan_record (struct scan *s, uint64_t mft_no, MFT_RECORD *m)
{
  ntfs_volume *vol = s->vol;
  bool listed = mft_no < s->mftbm_bits && bit (s->mftbm, mft_no);
  bool i30 = false;
  ntfs_attr_search_ctx *ctx;

  if (!ntfs_is_file_record (m->magic) ||
      ntfs_mst_post_read_fixup ((NTFS_RECORD *) m,
                                vol->mft_record_size) == -1) {
    if (listed)
      note (&s->bad, mft_no, 0, 0);
    return;
  }
  if (!(m->flags & MFT_RECORD_IN_USE))
    return;
  if (!listed)
    note (&s->unlisted, mft_no, 0, 0);
  if (ntfs_mft_record_check (vol, MK_MREF (mft_no, 0), m) == -1) {
    note (&s->bad, mft_no, 0, 0);
    return;
  }

  ctx = ntfs_attr_get_search_ctx (NULL, m);
  if (ctx == NULL) {
    note (&s->bad, mft_no, 0, 0);
    return;
  }
  while (ntfs_attr_lookup (AT_UNUSED, NULL, 0, CASE_SENSITIVE, 0,
                           NULL, 0, ctx) == 0) {
    ATTR_RECORD *a = ctx->attr;
    runlist_element *rl, *r;

    if (a->type == AT_INDEX_ROOT && is_i30 (a))
      i30 = true;
    if (!a->non_resident)
      continue;
    if (ntfs_attr_inconsistent (a, MK_MREF (mft_no, 0)) ||
        (rl = ntfs_mapping_pairs_decompress (vol, a, NULL)) == NULL) {
      note (&s->bad, mft_no, 0, 0);
      ntfs_attr_put_search_ctx (ctx);
      return;
    }
    for (r = rl; r->length > 0; ++r)
      claim (s, mft_no, r->lcn, r->length);
    free (rl);
  }
  if (errno != ENOENT)
    note (&s->bad, mft_no, 0, 0);
  /* A directory has its $I30 index, and only a directory has one
   * (libntfs-3g would change a directory's index whatever the flag
   * says).  Extent records carry neither.
   */
  else if (m->base_mft_record == 0 &&
           i30 != !!(m->flags & MFT_RECORD_IS_DIRECTORY))
    note (&s->bad, mft_no, 0, 0);
  ntfs_attr_put_search_ctx (ctx);
}

/* Read the MFT in CHUNK requests and account for every record. */
static int
scan_mft (struct scan *s)
{
  ntfs_volume *vol = s->vol;
  uint32_t rsize = vol->mft_record_size;
  uint64_t nrec = (uint64_t) vol->mft_na->initialized_size / rsize;
  uint64_t per = CHUNK / rsize, i, j;
  CLEANUP_FREE uint8_t *buf = malloc (CHUNK);

  if (buf == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  for (i = 0; i < nrec; i += per) {
    uint64_t n = nrec - i < per ? nrec - i : per;
    s64 r;

    wv_ntfs_clear_reason (s->v);
    r = ntfs_attr_pread (vol->mft_na, i * rsize, n * rsize, buf);
    if (r != (s64) (n * rsize)) {
      wv_error ("%s: cannot read $MFT at record %" PRIu64 ": %s",
                s->v->name, i + (r > 0 ? r / rsize : 0),
                r < 0 ? wv_ntfs_why (s->v) : "it is shorter than its size");
      return -1;
    }
    for (j = 0; j < n; ++j)
      scan_record (s, i + j, (MFT_RECORD *) (buf + j * rsize));
  }
  return 0;
}

/* The long name of an MFT record and its parent's record number.
 * Returns a malloc'd name, or NULL.
 */
static char *
record_name (ntfs_volume *vol, uint64_t mft_no, uint64_t *parent_r)
{
  MFT_RECORD *m = NULL;
  ntfs_attr_search_ctx *ctx;
  ntfschar uname[256];
  char *name = NULL;

  if (ntfs_file_record_read (vol, MK_MREF (mft_no, 0), &m, NULL) == -1)
    return NULL;
  if (m->base_mft_record) {
    uint64_t base = MREF_LE (m->base_mft_record);

    free (m);
    return base == mft_no ? NULL : record_name (vol, base, parent_r);
  }
  ctx = ntfs_attr_get_search_ctx (NULL, m);
  while (ctx && ntfs_attr_lookup (AT_FILE_NAME, NULL, 0, CASE_SENSITIVE, 0,
                                  NULL, 0, ctx) == 0) {
    ATTR_RECORD *a = ctx->attr;
    FILE_NAME_ATTR *fn;
    uint32_t off = le16_to_cpu (a->value_offset);
    uint32_t vlen = le32_to_cpu (a->value_length);

    if (a->non_resident || off > le32_to_cpu (a->length) ||
        vlen > le32_to_cpu (a->length) - off || vlen < sizeof *fn)
      break;
    fn = (FILE_NAME_ATTR *) ((uint8_t *) a + off);
    if (sizeof *fn + fn->file_name_length * sizeof (ntfschar) > vlen)
      break;
    if (fn->file_name_type == FILE_NAME_DOS && name != NULL)
      continue;
    free (name);
    name = NULL;
    memcpy (uname, (uint8_t *) fn + offsetof (FILE_NAME_ATTR, file_name),
            fn->file_name_length * sizeof (ntfschar));
    if (ntfs_ucstombs (uname, fn->file_name_length, &name, 0) < 0)
      name = NULL;
    *parent_r = MREF_LE (fn->parent_directory);
    if (fn->file_name_type != FILE_NAME_DOS)
      break;
  }
  if (ctx)
    ntfs_attr_put_search_ctx (ctx);
  free (m);
  return name;
}

/* Name a record for messages: its path in the volume, or "MFT record
 * N" when that cannot be found.
 */
static void
record_path (ntfs_volume *vol, uint64_t mft_no, char *buf, size_t len)
{
  char path[1024] = "";
  uint64_t no = mft_no;
  int depth;

  for (depth = 0; depth < MAX_DEPTH && no != FILE_root; ++depth) {
    uint64_t parent = FILE_root;
    CLEANUP_FREE char *name = record_name (vol, no, &parent);
    char tmp[sizeof path];

    if (name == NULL)
      break;
    snprintf (tmp, sizeof tmp, "\\%s%s", name, path);
    memcpy (path, tmp, sizeof path);
    no = parent;
  }
  if (no == FILE_root && path[0])
    snprintf (buf, len, "%s", path);
  else
    snprintf (buf, len, "MFT record %" PRIu64, mft_no);
}

/* The one-line description of what disagrees, most serious first,
 * into *msg_r (malloc'd; NULL if nothing does).  Returns 0 or -1.
 */
static int
describe (struct scan *s, char **msg_r)
{
  const struct finding *kinds[] = {
    &s->bad, &s->outside, &s->twice, &s->free_used, &s->unlisted,
  };
  const struct finding *f = NULL;
  char who[1100], what[1400], also[160] = "", more[64] = "";
  size_t i, others = 0;

  *msg_r = NULL;
  for (i = 0; i < sizeof kinds / sizeof kinds[0]; ++i) {
    if (kinds[i]->records == 0)
      continue;
    if (f == NULL)
      f = kinds[i];
    else
      others++;
  }
  if (f == NULL)
    return 0;
  record_path (s->vol, f->first, who, sizeof who);

  if (f == &s->bad)
    snprintf (what, sizeof what, "damaged: MFT record %" PRIu64 " is in "
              "use but is not a valid FILE record", f->first);
  else if (f == &s->outside)
    snprintf (what, sizeof what, "damaged: %s claims clusters from "
              "%" PRIu64 " on, outside the volume's %" PRIu64 " clusters",
              who, f->lcn, s->nr);
  else if (f == &s->twice)
    snprintf (what, sizeof what, "inconsistent: %s uses %" PRIu64
              " clusters (from cluster %" PRIu64 ") that another file "
              "uses too", who, f->first_clusters, f->lcn);
  else if (f == &s->free_used)
    snprintf (what, sizeof what, "inconsistent: $Bitmap marks %" PRIu64
              " clusters used by %s as free (from cluster %" PRIu64 ")",
              f->first_clusters, who, f->lcn);
  else
    snprintf (what, sizeof what, "inconsistent: %s (MFT record %" PRIu64
              ") is in use but free in the MFT's own bitmap",
              who, f->first);

  if (f->records > 1 && f == &s->free_used)
    snprintf (also, sizeof also, ", and %" PRIu64 " clusters of %" PRIu64
              " other file%s", f->clusters - f->first_clusters,
              f->records - 1, f->records == 2 ? "" : "s");
  else if (f->records > 1)
    snprintf (also, sizeof also, " (and %" PRIu64 " other record%s)",
              f->records - 1, f->records == 2 ? "" : "s");
  if (others)
    snprintf (more, sizeof more, "; and %zu other kind%s of damage", others,
              others == 1 ? "" : "s");
  if (asprintf (msg_r, "the NTFS volume is %s%s%s", what, also, more) == -1) {
    *msg_r = NULL;
    return -1;
  }
  return 0;
}

int
wv_ntfs_check_claims (struct wv_ntfs *v, struct wv_ntfs_claims *c)
{
  ntfs_volume *vol = v->vol;
  struct scan s = { .v = v, .vol = vol, .nr = vol->nr_clusters };
  uint64_t bytes = (s.nr + 7) / 8;
  uint64_t nrec = (uint64_t) vol->mft_na->initialized_size /
    vol->mft_record_size;
  uint64_t mbytes = (nrec + 7) / 8;
  int r = -1;

  memset (c, 0, sizeof *c);
  c->nr_clusters = s.nr;
  if (vol->lcnbmp_na == NULL || vol->mftbmp_na == NULL) {
    wv_error ("%s: libntfs-3g did not open $Bitmap", v->name);
    return -1;
  }
  if ((uint64_t) vol->lcnbmp_na->data_size < bytes) {
    c->problem = strdup ("the NTFS volume is damaged: its $Bitmap is "
                         "shorter than the volume");
    if (c->problem == NULL)
      goto nomem;
    return 0;
  }
  if ((uint64_t) vol->mftbmp_na->data_size < mbytes)
    mbytes = vol->mftbmp_na->data_size;
  s.mftbm_bits = mbytes * 8;

  s.claimed = calloc (1, bytes ? bytes : 1);
  if (s.claimed == NULL)
    goto nomem;
  s.bitmap = read_whole (&s, vol->lcnbmp_na, bytes, "$Bitmap");
  if (s.bitmap == NULL)
    goto out;
  s.mftbm = read_whole (&s, vol->mftbmp_na, mbytes, "the MFT's bitmap");
  if (s.mftbm == NULL || scan_mft (&s) == -1)
    goto out;

  wv_debug ("%s: %" PRIu64 " MFT records checked against $Bitmap: "
            "%" PRIu64 " bad, %" PRIu64 " outside, %" PRIu64 " twice, "
            "%" PRIu64 " free but used, %" PRIu64 " unlisted", v->name, nrec,
            s.bad.records, s.outside.records, s.twice.records,
            s.free_used.records, s.unlisted.records);
  if (describe (&s, &c->problem) == -1)
    goto nomem;
  c->claimed = s.claimed;
  s.claimed = NULL;
  r = 0;
  goto out;

 nomem:
  wv_error ("%s: checking $Bitmap: %m", v->name);
 out:
  free (s.claimed);
  free (s.bitmap);
  free (s.mftbm);
  return r;
}

int
wv_ntfs_require_consistent (struct wv_ntfs *v, struct wv_ntfs_claims *c)
{
  if (wv_ntfs_check_claims (v, c) == -1)
    return -1;
  if (c->problem) {
    wv_error ("%s: %s: run chkdsk /f on it in the guest, shut Windows "
              "down cleanly and take a new snapshot or copy", v->name,
              c->problem);
    wv_ntfs_claims_free (c);
    return -1;
  }
  return 0;
}

void
wv_ntfs_claims_free (struct wv_ntfs_claims *c)
{
  free (c->claimed);
  free (c->problem);
  c->claimed = NULL;
  c->problem = NULL;
}

/* Where the bytes of the volume's $Bitmap are, as disk ranges in the
 * order of the bitmap, cut to the bits of its nr_clusters clusters.
 * Returns 1, 0 if the bitmap cannot be located for sure (resident,
 * sparse or too short: then reason says why), or -1.
 */
int
wv_ntfs_bitmap_runs (struct wv_ntfs *v, struct wv_rangeset *runs,
                     uint64_t *nr_clusters_r, const char **reason)
{
  ntfs_volume *vol = v->vol;
  ntfs_attr *na = vol->lcnbmp_na;
  uint64_t need = ((uint64_t) vol->nr_clusters + 7) / 8, have = 0;
  runlist_element *rl;

  *nr_clusters_r = vol->nr_clusters;
  if (na == NULL || !NAttrNonResident (na)) {
    *reason = "its $Bitmap is resident";
    return 0;
  }
  if ((uint64_t) na->data_size < need ||
      (uint64_t) na->initialized_size < need) {
    *reason = "its $Bitmap is shorter than the volume";
    return 0;
  }
  wv_ntfs_clear_reason (v);
  if (ntfs_attr_map_whole_runlist (na) == -1) {
    wv_error ("%s: cannot read the runs of $Bitmap: %s", v->name,
              wv_ntfs_why (v));
    return -1;
  }
  for (rl = na->rl; rl && rl->length > 0 && have < need; ++rl) {
    uint64_t len = (uint64_t) rl->length * vol->cluster_size;

    if (rl->lcn < 0) {
      *reason = "its $Bitmap has a hole";
      return 0;
    }
    if (len > need - have)
      len = need - have;
    /* A rangeset merges touching runs, which keeps the bitmap's
     * order only if the runs go forward on the disk: require it.
     */
    if (runs->len > 0 &&
        v->offset + (uint64_t) rl->lcn * vol->cluster_size <
        runs->ranges[runs->len - 1].offset +
        runs->ranges[runs->len - 1].length) {
      *reason = "its $Bitmap is fragmented backwards";
      return 0;
    }
    if (wv_rangeset_add (runs, v->offset +
                         (uint64_t) rl->lcn * vol->cluster_size, len) == -1)
      return -1;
    have += len;
  }
  if (have < need) {
    *reason = "the runs of its $Bitmap are shorter than the volume";
    return 0;
  }
  return 1;
}
