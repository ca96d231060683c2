/* winvirtio: error and debug messages from the engine.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <errno.h>

#include "common/log.h"

static void
default_error (const char *msg)
{
  fprintf (stderr, "winvirtio: %s\n", msg);
}

static wv_log_fn error_hook = default_error;
static wv_log_fn debug_hook = NULL;

/* Error capture (wv_error_capture_begin): its depth, and the last
 * message.
 */
static int capturing = 0;
static char *captured = NULL;

/* The disk being planned or inspected (wv_log_subject_begin), or
 * NULL, and the depth of nesting.
 */
static char *subject = NULL;
static int subject_depth = 0;

void
wv_log_subject_begin (const char *name)
{
  if (subject_depth++ == 0)
    subject = strdup (name);
}

void
wv_log_subject_end (void)
{
  if (subject_depth > 0 && --subject_depth == 0) {
    free (subject);
    subject = NULL;
  }
}

/* Make msg one line in place: every run of line breaks and the
 * blanks around it becomes one space; trailing blanks go.
 */
static void
one_line (char *msg)
{
  char *r = msg, *w = msg;

  while (*r) {
    if (*r == '\n' || *r == '\r') {
      while (w > msg && (w[-1] == ' ' || w[-1] == '\t'))
        w--;
      while (*r == '\n' || *r == '\r' || *r == ' ' || *r == '\t')
        r++;
      if (w > msg && *r)
        *w++ = ' ';
      continue;
    }
    *w++ = *r++;
  }
  while (w > msg && (w[-1] == ' ' || w[-1] == '\t'))
    w--;
  *w = '\0';
}

/* An error message as reported: one line, naming the subject. */
static char *
error_text (char *msg)
{
  size_t n;
  char *named;

  one_line (msg);
  if (subject == NULL)
    return msg;
  n = strlen (subject);
  if (strncmp (msg, subject, n) == 0 && msg[n] == ':' && msg[n+1] == ' ')
    return msg;
  if (asprintf (&named, "%s: %s", subject, msg) == -1)
    return msg;
  free (msg);
  return named;
}

void
wv_set_log (wv_log_fn error_fn, wv_log_fn debug_fn)
{
  error_hook = error_fn ? error_fn : default_error;
  debug_hook = debug_fn;
}

/* Format and pass to a hook.  errno is preserved, so callers can use
 * %m and then return errno-dependent results.
 */
static void
vlog (wv_log_fn hook, const char *fs, va_list args)
{
  int saved_errno = errno;
  char *msg = NULL;

  if (vasprintf (&msg, fs, args) == -1)
    msg = NULL;
  if (msg && hook == error_hook)
    msg = error_text (msg);
  errno = saved_errno;
  if (capturing && hook == error_hook) {
    free (captured);
    captured = msg ? msg : strdup (fs);
    return;
  }
  hook (msg ? msg : fs);
  free (msg);
  errno = saved_errno;
}

void
wv_error_capture_begin (void)
{
  free (captured);
  captured = NULL;
  capturing++;
}

char *
wv_error_capture_end (void)
{
  char *msg = captured;

  captured = NULL;
  if (capturing > 0)
    capturing--;
  return msg;
}

void
wv_error (const char *fs, ...)
{
  va_list args;

  va_start (args, fs);
  vlog (error_hook, fs, args);
  va_end (args);
}

void
wv_debug (const char *fs, ...)
{
  va_list args;

  if (!debug_hook)
    return;
  va_start (args, fs);
  vlog (debug_hook, fs, args);
  va_end (args);
}
