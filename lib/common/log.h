/* winvirtio: error and debug messages from the engine.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The engine never prints.  It reports through two hooks which the
 * front end sets: the nbdkit filter routes them to nbdkit_error and
 * nbdkit_debug, the command to stderr.  The default error hook prints
 * to stderr, the default debug hook prints nothing.
 *
 * Convention: a function that fails calls wv_error once with the whole
 * story (what was found, what the user can do) and returns -1 or NULL.
 * Callers that only pass a failure on do not call wv_error again.  An
 * error message is one line.
 */

#ifndef WINVIRTIO_LOG_H
#define WINVIRTIO_LOG_H

typedef void (*wv_log_fn) (const char *msg);

/* Set the hooks; NULL restores the default. */
extern void wv_set_log (wv_log_fn error_fn, wv_log_fn debug_fn);

/* Keep error messages instead of reporting them, from
 * wv_error_capture_begin until wv_error_capture_end, which returns the
 * last one since the matching begin (malloc'd; NULL if there was
 * none).  For callers that turn a refusal into a report (winvirtio
 * inspect) or try something that may be absent.  Captures nest: an
 * inner one that passes its message on with wv_error hands it to the
 * outer one.
 */
extern void wv_error_capture_begin (void);
extern char *wv_error_capture_end (void);

/* While planning or inspecting a disk, from wv_log_subject_begin to
 * the matching wv_log_subject_end, name it in every error: each
 * message that does not already start with "NAME: " gets it in front
 * (the disk's name as the user gave it, or "source" in the filter).
 * They nest: the outermost name is used.  Every error message is also
 * made one line, whatever a library put in it.
 */
extern void wv_log_subject_begin (const char *name);
extern void wv_log_subject_end (void);

extern void wv_error (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
extern void wv_debug (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));

#endif /* WINVIRTIO_LOG_H */
