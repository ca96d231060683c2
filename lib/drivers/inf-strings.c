/* winvirtio: the generic INF layer: [Strings] and %strkey%
 * substitution.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * %strkey% is replaced from [Strings] (once: a replacement is not
 * scanned again) and %% is a literal %.  A %token% that [Strings]
 * lacks is kept as written (so %12% reaches the caller).  An
 * unterminated %token is kept as written.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "drivers/inf-internal.h"

/* Bounds for hostile input. */
#define MAX_EXPANDED (64 * 1024) /* a field after substitution */
#define MAX_TOTAL (32 * 1024 * 1024) /* all text after substitution */

static int
compare_string_lines (const void *a, const void *b)
{
  const struct wv_inf_line *la = *(const struct wv_inf_line **) a;
  const struct wv_inf_line *lb = *(const struct wv_inf_line **) b;

  int r = strcasecmp (la->key, lb->key);

  /* Equal keys stay in file order: the first definition wins. */
  if (r == 0)
    r = la < lb ? -1 : la > lb;
  return r;
}

/* The [Strings] section (or, lacking it, the first [Strings.*]). */
static const struct wv_inf_section *
strings_section (const struct wv_inf *inf)
{
  const struct wv_inf_section *s = wv_inf_find_section (inf, "Strings");
  size_t i;

  if (s)
    return s;
  for (i = 0; i < inf->nr_secs; i++)
    if (strncasecmp (inf->secs[i].name, "Strings.", 8) == 0)
      return &inf->secs[i];
  return NULL;
}

static bool
is_strings_section (const char *name)
{
  return strcasecmp (name, "Strings") == 0 ||
    strncasecmp (name, "Strings.", 8) == 0;
}

int
wv_inf_index_strings (struct wv_inf *inf)
{
  const struct wv_inf_section *s = strings_section (inf);
  size_t i;

  if (s == NULL)
    return 0;
  inf->strings = malloc ((s->nr_lines + 1) * sizeof *inf->strings);
  if (inf->strings == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  for (i = 0; i < s->nr_lines; i++)
    if (s->lines[i].key && s->lines[i].nr_fields > 0)
      inf->strings[inf->nr_strings++] = &s->lines[i];
  if (inf->nr_strings > 0)
    qsort (inf->strings, inf->nr_strings, sizeof *inf->strings,
           compare_string_lines);
  return 0;
}

/* The value of string key (len bytes at k), or NULL. */
static const char *
lookup_string (const struct wv_inf *inf, const char *k, size_t len)
{
  size_t lo = 0, hi = inf->nr_strings, found = (size_t) -1;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char *key = inf->strings[mid]->key;
    int r = strncasecmp (key, k, len);

    if (r == 0 && key[len] != '\0')
      r = 1;
    if (r == 0) {
      found = mid;
      hi = mid;                 /* the leftmost of equal keys */
    }
    else if (r < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (found == (size_t) -1)
    return NULL;
  return inf->strings[found]->fields[0];
}

/* Substitute %strkey% in *sp (replacing the string) once. */
static int
substitute (struct wv_inf *inf, unsigned lineno, const char **sp)
{
  const char *s = *sp, *p;
  struct wv_inf_buf out = { 0 };

  if (strchr (s, '%') == NULL)
    return 0;
  if (wv_inf_buf_add (&out, "", 0) == -1)
    return -1;
  for (p = s; *p; ) {
    const char *pct = strchr (p, '%'), *end, *v;

    if (pct == NULL) {
      if (wv_inf_buf_add (&out, p, strlen (p)) == -1)
        goto err;
      break;
    }
    if (wv_inf_buf_add (&out, p, pct - p) == -1)
      goto err;
    if (pct[1] == '%') {        /* %% */
      if (wv_inf_buf_addc (&out, '%') == -1)
        goto err;
      p = pct + 2;
    }
    else if ((end = strchr (pct + 1, '%')) == NULL) {
      /* Unterminated: kept as written. */
      if (wv_inf_buf_add (&out, pct, strlen (pct)) == -1)
        goto err;
      break;
    }
    else {
      v = lookup_string (inf, pct + 1, end - pct - 1);
      if (v) {
        if (wv_inf_buf_add (&out, v, strlen (v)) == -1)
          goto err;
      }
      else if (wv_inf_buf_add (&out, pct, end - pct + 1) == -1)
        goto err;
      p = end + 1;
    }
    if (out.len > MAX_EXPANDED) {
      wv_error ("%s:%u: a field grows beyond %d bytes after %%string%% "
                "substitution", inf->name, lineno, MAX_EXPANDED);
      goto err;
    }
  }
  inf->total += out.len;
  if (inf->total > MAX_TOTAL) {
    wv_error ("%s:%u: the text grows beyond %d bytes after %%string%% "
              "substitution", inf->name, lineno, MAX_TOTAL);
    goto err;
  }
  free ((char *) s);
  *sp = out.p;
  return 0;

 err:
  free (out.p);
  return -1;
}

int
wv_inf_substitute_all (struct wv_inf *inf)
{
  size_t i, j, k;

  for (i = 0; i < inf->nr_secs; i++) {
    struct wv_inf_section *s = &inf->secs[i];

    if (is_strings_section (s->name))
      continue;
    for (j = 0; j < s->nr_lines; j++) {
      struct wv_inf_line *l = (struct wv_inf_line *) &s->lines[j];

      if (l->key && substitute (inf, l->lineno, &l->key) == -1)
        return -1;
      for (k = 0; k < l->nr_fields; k++)
        if (substitute (inf, l->lineno,
                        (const char **) &l->fields[k]) == -1)
          return -1;
    }
  }
  return 0;
}
