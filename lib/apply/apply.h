/* winvirtio: apply, patch a destination disk in place, crash-safe.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * apply plans on the destination (or checks a saved map against it)
 * exactly as the filter would on a source, then writes the map's
 * extents there.  Zero ranges (trim) are never written.  The steps,
 * each durable before the next:
 *
 *   1. plan on DEST opened read-only, or load the map and check its
 *      size and fingerprint against DEST;
 *   2. open DEST read-write (refused if read-only or busy) and read the
 *      planner's read set again through that handle: refused if it
 *      changed;
 *   3. save the undo file (apply/undo.h): old and new bytes of every
 *      extent, fsynced with its folder;
 *   4. write the extents, flush DEST;
 *   5. mark the undo file COMPLETE.
 *
 * A later apply that finds an undo file finishes what it says (every
 * new written again, flush, COMPLETE); apply --undo writes every old,
 * flushes and removes the undo file.  Both first check that DEST is
 * the undo file's disk: its size, and each extent holding the old or
 * the new bytes (one may be torn, by the write that was cut short).
 */

#ifndef WINVIRTIO_APPLY_H
#define WINVIRTIO_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

enum wv_apply_result {
  WV_APPLY_NOTHING,             /* the map is empty: nothing written */
  WV_APPLY_WRITTEN,             /* planned (or loaded) and written */
  WV_APPLY_FINISHED,            /* an interrupted apply finished */
  WV_APPLY_ALREADY,             /* the undo file says done and it is */
  WV_APPLY_RESTORED,            /* apply --undo: the old bytes back */
};

struct wv_apply_options {
  struct wv_plan_options plan;
  const char *map_path;         /* NULL: plan on DEST */
  const char *undo_path;        /* required */
};

struct wv_apply_report {
  enum wv_apply_result result;
  size_t extents;               /* extents written */
  uint64_t bytes;               /* bytes written to DEST */
  uint64_t write_requests;
  char *summary;                /* the plan's summary, or NULL; owned */
};

/* apply DEST.  Returns 0 with *report filled in, or -1 after one
 * wv_error that says what DEST holds now and what to run.
 */
extern int wv_apply (const char *dest, const struct wv_apply_options *opts,
                     struct wv_apply_report *report);

/* apply --undo=UNDO DEST.  Returns 0 or -1 after wv_error. */
extern int wv_apply_undo (const char *dest, const char *undo_path,
                          struct wv_apply_report *report);

#endif /* WINVIRTIO_APPLY_H */
