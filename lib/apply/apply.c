/* winvirtio: apply, patch a destination disk in place, crash-safe.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The order of the steps is in apply.h.  Test hook: with
 * WINVIRTIO_TEST_KILL_AFTER=N in the environment, the process kills
 * itself (SIGKILL) right after its Nth durable step (the undo file
 * saved, each write, the flush, the undo file marked), so tests can
 * stop it at every point and check what a crash leaves.
 *
 * Extents that lie end to end (a run: MFT records side by side, the
 * pages of a hive) are read and written as one request, which halves
 * the requests over a remote NBD destination.  The undo file keeps
 * the map's extents as they are.
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "common/array.h"
#include "common/log.h"
#include "disk/dest.h"
#include "map/map.h"
#include "map/mapload.h"
#include "plan/plan.h"
#include "apply/apply.h"
#include "apply/undo.h"

/* After each durable step: the test hook (see above). */
static void
step_done (void)
{
  static long steps;
  const char *s = getenv ("WINVIRTIO_TEST_KILL_AFTER");

  if (s && ++steps >= atol (s))
    raise (SIGKILL);
}

/* The largest run read or written as one request. */
#define RUN_MAX (4 * 1024 * 1024)

/* The run starting at extent i: extents i .. *end - 1 lie end to end,
 * *len bytes in all (one extent, whatever its length, is a run).
 */
static void
run_at (const struct wv_undo *undo, size_t i, size_t *end, size_t *len)
{
  const struct wv_undo_extent *e = &undo->extents[i];
  uint64_t next = e->offset + e->length;
  size_t j;

  *len = e->length;
  for (j = i + 1; j < undo->nr_extents; ++j) {
    e = &undo->extents[j];
    if (e->offset != next || *len + e->length > RUN_MAX)
      break;
    *len += e->length;
    next += e->length;
  }
  *end = j;
}

/* The longest run of undo, for one buffer that holds any run. */
static uint8_t *
run_buffer (const struct wv_undo *undo)
{
  size_t i, end, len, max = 1;
  uint8_t *buf;

  for (i = 0; i < undo->nr_extents; i = end) {
    run_at (undo, i, &end, &len);
    if (len > max)
      max = len;
  }
  buf = malloc (max);
  if (buf == NULL)
    wv_error ("malloc: %m");
  return buf;
}

/* How the extents of undo compare with DEST now. */
struct state {
  size_t old, new, other;
};

static int
compare_dest (const struct wv_undo *undo, struct wv_source *src,
              struct state *st)
{
  size_t i, j, end, len;
  uint8_t *buf, *p;

  memset (st, 0, sizeof *st);
  buf = run_buffer (undo);
  if (buf == NULL)
    return -1;
  for (i = 0; i < undo->nr_extents; i = end) {
    run_at (undo, i, &end, &len);
    if (wv_source_pread (src, buf, len, undo->extents[i].offset) == -1) {
      free (buf);
      return -1;
    }
    for (j = i, p = buf; j < end; p += undo->extents[j++].length) {
      const struct wv_undo_extent *e = &undo->extents[j];

      if (memcmp (p, e->new, e->length) == 0)
        st->new++;
      else if (memcmp (p, e->old, e->length) == 0)
        st->old++;
      else
        st->other++;
    }
  }
  free (buf);
  return 0;
}

/* Is DEST the undo file's disk?  At most one extent may hold neither
 * the old nor the new bytes: the one whose write was cut short.
 */
static int
check_undo_dest (const struct wv_undo *undo, const char *undo_path,
                 struct wv_dest *dst, struct state *st)
{
  struct wv_source *src = wv_dest_source (dst);

  if (src->size != undo->dest_size) {
    wv_error ("%s: the undo file %s is for another disk (of %" PRIu64
              " bytes; this one has %" PRIu64 " bytes)",
              src->name, undo_path, undo->dest_size, src->size);
    return -1;
  }
  if (compare_dest (undo, src, st) == -1)
    return -1;
  if (st->other > 1) {
    wv_error ("%s: the undo file %s is for another disk, or the disk "
              "changed since apply: %zu of %zu extents hold neither the "
              "bytes apply found nor the bytes it writes",
              src->name, undo_path, st->other, undo->nr_extents);
    return -1;
  }
  return 0;
}

/* Write the new (or old) bytes of every extent, a run a request, then
 * flush.
 */
static int
write_all (const struct wv_undo *undo, struct wv_dest *dst, int restore,
           const char *undo_path, struct wv_apply_report *report)
{
  size_t i, j, end, len;
  uint8_t *buf, *p;

  buf = run_buffer (undo);
  if (buf == NULL)
    return -1;
  for (i = 0; i < undo->nr_extents; i = end) {
    const void *data;
    char *msg;
    int r;

    run_at (undo, i, &end, &len);
    if (end == i + 1)
      data = restore ? undo->extents[i].old : undo->extents[i].new;
    else {
      for (j = i, p = buf; j < end; p += undo->extents[j++].length)
        memcpy (p, restore ? undo->extents[j].old : undo->extents[j].new,
                undo->extents[j].length);
      data = buf;
    }
    wv_error_capture_begin ();
    r = wv_dest_pwrite (dst, data, len, undo->extents[i].offset);
    msg = wv_error_capture_end ();
    if (r == -1) {
      wv_error ("%s; stopped at extent %zu of %zu: the disk may be partly %s; "
                "the undo file %s is kept: run 'winvirtio apply' again to "
                "finish, or 'winvirtio apply --undo=%s' to restore it",
                msg ? msg : "write failed", i + 1, undo->nr_extents,
                restore ? "restored" : "patched", undo_path, undo_path);
      free (msg);
      free (buf);
      return -1;
    }
    free (msg);
    report->extents += end - i;
    report->bytes += len;
    report->write_requests++;
    step_done ();
  }
  free (buf);
  if (wv_dest_flush (dst) == -1)
    return -1;
  step_done ();
  return 0;
}

/* An undo file exists: finish the apply it records. */
static int
resume (const char *dest, const char *undo_path,
        struct wv_apply_report *report)
{
  struct wv_undo *undo;
  struct wv_dest *dst = NULL;
  struct state st;
  int r = -1;

  undo = wv_undo_load (undo_path);
  if (undo == NULL)
    return -1;
  dst = wv_dest_open (dest);
  if (dst == NULL || check_undo_dest (undo, undo_path, dst, &st) == -1)
    goto out;
  if (undo->complete) {
    if (st.new != undo->nr_extents) {
      wv_error ("%s: the disk changed since apply patched it (undo file "
                "%s): %zu of %zu extents no longer hold what apply wrote",
                dest, undo_path, undo->nr_extents - st.new,
                undo->nr_extents);
      goto out;
    }
    report->result = WV_APPLY_ALREADY;
    r = 0;
    goto out;
  }
  if (write_all (undo, dst, 0, undo_path, report) == -1 ||
      wv_undo_mark (undo_path, WV_UNDO_COMPLETE) == -1)
    goto out;
  step_done ();
  report->result = WV_APPLY_FINISHED;
  r = 0;

 out:
  wv_dest_close (dst);
  wv_undo_free (undo);
  return r;
}

/* Step 1: the map, planned on DEST or loaded and checked. */
static struct wv_map *
get_map (const char *dest, const struct wv_apply_options *opts)
{
  struct wv_source *src;
  struct wv_map *map = NULL;
  uint8_t fp[WV_MAP_FINGERPRINT_LEN];

  src = wv_source_open (dest);
  if (src == NULL)
    return NULL;
  if (opts->map_path == NULL) {
    map = wv_plan (src, &opts->plan);
    goto out;
  }
  map = wv_map_load (opts->map_path);
  if (map == NULL)
    goto out;
  if (src->size < map->virtual_size) {
    wv_error ("%s: the disk (%" PRIu64 " bytes) is smaller than the "
              "map's disk (%" PRIu64 " bytes): the copy is incomplete or "
              "it is another disk", dest, src->size, map->virtual_size);
    goto fail;
  }
  if (wv_map_fingerprint (src, &map->read_set, fp) == -1)
    goto fail;
  if (memcmp (fp, map->fingerprint, sizeof fp) != 0) {
    wv_error ("%s: the block map %s was not made from these bytes (what "
              "the planner read differs): it is for another disk, or the "
              "disk changed since; run 'winvirtio apply' without --map",
              dest, opts->map_path);
    goto fail;
  }
  goto out;

 fail:
  wv_map_free (map);
  map = NULL;
 out:
  wv_source_close (src);
  return map;
}

/* The old bytes of every extent of undo, a run a request. */
static int
read_old (struct wv_undo *undo, struct wv_source *src)
{
  size_t i, j, end, len;
  uint8_t *buf, *p;

  buf = run_buffer (undo);
  if (buf == NULL)
    return -1;
  for (i = 0; i < undo->nr_extents; i = end) {
    run_at (undo, i, &end, &len);
    if (wv_source_pread (src, buf, len, undo->extents[i].offset) == -1) {
      free (buf);
      return -1;
    }
    for (j = i, p = buf; j < end; p += undo->extents[j++].length)
      memcpy (undo->extents[j].old, p, undo->extents[j].length);
  }
  free (buf);
  return 0;
}

/* Steps 2 and 3: the undo record of map on dst, after checking that
 * dst still holds what the planner read.
 */
static struct wv_undo *
make_undo (const char *dest, const struct wv_map *map, struct wv_dest *dst)
{
  struct wv_source *src = wv_dest_source (dst);
  uint8_t fp[WV_MAP_FINGERPRINT_LEN];
  struct wv_undo *undo;
  size_t i;

  if (wv_map_fingerprint (src, &map->read_set, fp) == -1)
    return NULL;
  if (memcmp (fp, map->fingerprint, sizeof fp) != 0) {
    wv_error ("%s: the disk changed between planning and writing (what "
              "the planner read differs now): something else writes it; "
              "stop it and run 'winvirtio apply' again; nothing was "
              "written", dest);
    return NULL;
  }
  undo = calloc (1, sizeof *undo);
  if (undo == NULL || (undo->dest_name = strdup (dest)) == NULL) {
    wv_error ("malloc: %m");
    free (undo);
    return NULL;
  }
  undo->dest_size = src->size;
  memcpy (undo->fingerprint, map->fingerprint, sizeof undo->fingerprint);
  if (wv_array_grow (&undo->extents, &undo->cap_extents, map->nr_extents,
                     sizeof *undo->extents, 1) == -1)
    goto err;
  for (i = 0; i < map->nr_extents; ++i) {
    const struct wv_extent *x = &map->extents[i];
    struct wv_undo_extent *e = &undo->extents[undo->nr_extents++];

    e->offset = x->offset;
    e->length = x->length;
    e->old = malloc (x->length);
    e->new = malloc (x->length);
    if (e->old == NULL || e->new == NULL) {
      wv_error ("malloc: %m");
      goto err;
    }
    memcpy (e->new, x->data, x->length);
  }
  if (read_old (undo, src) == -1)
    goto err;
  return undo;

 err:
  wv_undo_free (undo);
  return NULL;
}

/* The undo file must outlive a crash of the machine as DEST does: one
 * in memory (tmpfs, ramfs: /dev, where a block device's default undo
 * file would go, /run, often /tmp) is refused, unless DEST is a file
 * in that same file system, which a crash takes too.
 */
static int
check_undo_durable (const char *dest, const char *undo_path)
{
  char *copy = strdup (undo_path);
  const char *dir;
  struct statfs fs;
  struct stat ds, us;
  int r = 0;

  if (copy == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  dir = dirname (copy);
  if (statfs (dir, &fs) == -1) {
    wv_error ("%s: %m (the folder of the undo file %s)", dir, undo_path);
    free (copy);
    return -1;
  }
  if ((fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC) &&
      !(!wv_is_nbd_uri (dest) && stat (dest, &ds) == 0 &&
        S_ISREG (ds.st_mode) && stat (dir, &us) == 0 &&
        ds.st_dev == us.st_dev)) {
    wv_error ("%s: the undo file %s would be in memory (%s is a tmpfs): "
              "it would not survive a crash or a reboot, while %s keeps "
              "what apply wrote; give --undo-file=FILE on persistent "
              "storage; nothing was written", dest, undo_path, dir, dest);
    r = -1;
  }
  free (copy);
  return r;
}

int
wv_apply (const char *dest, const struct wv_apply_options *opts,
          struct wv_apply_report *report)
{
  struct wv_map *map = NULL;
  struct wv_dest *dst = NULL;
  struct wv_undo *undo = NULL;
  struct stat st;
  int r = -1;

  memset (report, 0, sizeof *report);
  if (stat (opts->undo_path, &st) == 0)
    return resume (dest, opts->undo_path, report);
  if (errno != ENOENT) {
    wv_error ("%s: %m", opts->undo_path);
    return -1;
  }

  if (check_undo_durable (dest, opts->undo_path) == -1)
    return -1;
  map = get_map (dest, opts);
  if (map == NULL)
    return -1;
  if (map->summary && (report->summary = strdup (map->summary)) == NULL) {
    wv_error ("malloc: %m");
    goto out;
  }
  if (map->nr_extents == 0) {
    report->result = WV_APPLY_NOTHING;
    r = 0;
    goto out;
  }
  dst = wv_dest_open (dest);
  if (dst == NULL)
    goto out;
  undo = make_undo (dest, map, dst);
  if (undo == NULL || wv_undo_save (undo, opts->undo_path) == -1)
    goto out;
  step_done ();
  if (write_all (undo, dst, 0, opts->undo_path, report) == -1 ||
      wv_undo_mark (opts->undo_path, WV_UNDO_COMPLETE) == -1)
    goto out;
  step_done ();
  report->result = WV_APPLY_WRITTEN;
  r = 0;

 out:
  wv_undo_free (undo);
  wv_dest_close (dst);
  wv_map_free (map);
  return r;
}

int
wv_apply_undo (const char *dest, const char *undo_path,
               struct wv_apply_report *report)
{
  struct wv_undo *undo;
  struct wv_dest *dst = NULL;
  struct state st;
  int r = -1;

  memset (report, 0, sizeof *report);
  undo = wv_undo_load (undo_path);
  if (undo == NULL)
    return -1;
  dst = wv_dest_open (dest);
  if (dst == NULL || check_undo_dest (undo, undo_path, dst, &st) == -1)
    goto out;
  if (write_all (undo, dst, 1, undo_path, report) == -1 ||
      wv_undo_remove (undo_path) == -1)
    goto out;
  step_done ();
  report->result = WV_APPLY_RESTORED;
  r = 0;

 out:
  wv_dest_close (dst);
  wv_undo_free (undo);
  return r;
}
