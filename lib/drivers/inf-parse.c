/* winvirtio: the generic INF layer: parsing the text into sections
 * and lines, and reading them.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Follows Microsoft's "General Syntax Rules for INF Files": ";"
 * starts a comment outside quotes, "\" as the last character before
 * the comment joins the next line, "" inside quotes is one quote,
 * whitespace around a field is dropped, %strkey% is replaced from
 * [Strings] (inf-strings.c).  An unterminated quote ends at the end
 * of the line.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "common/array.h"
#include "common/log.h"
#include "drivers/inf-internal.h"

/* Bounds for hostile input. */
#define MAX_LINE (64 * 1024)    /* logical line, after continuations */
#define MAX_FIELDS 4096         /* fields on one line */

/* ---- small helpers ---- */

static bool
is_space (int c)
{
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static size_t
hash_name (const char *s)
{
  size_t h = 2166136261u;

  for (; *s; s++) {
    h ^= (unsigned char) tolower ((unsigned char) *s);
    h *= 16777619u;
  }
  return h;
}

/* ---- sections ---- */

static void
free_line (struct wv_inf_line *l)
{
  size_t i;

  free ((char *) l->key);
  for (i = 0; i < l->nr_fields; i++)
    free ((char *) l->fields[i]);
  free ((char **) l->fields);
}

struct wv_inf_section *
wv_inf_find_section (const struct wv_inf *inf, const char *name)
{
  size_t mask, i;

  if (inf->sec_hash_size == 0)
    return NULL;
  mask = inf->sec_hash_size - 1;
  for (i = hash_name (name) & mask; inf->sec_hash[i]; i = (i + 1) & mask) {
    struct wv_inf_section *s = &inf->secs[inf->sec_hash[i] - 1];

    if (strcasecmp (s->name, name) == 0)
      return s;
  }
  return NULL;
}

static void
hash_insert (size_t *h, size_t size, const char *name, size_t idx)
{
  size_t mask = size - 1, i;

  for (i = hash_name (name) & mask; h[i]; i = (i + 1) & mask)
    ;
  h[i] = idx + 1;
}

/* The section name, created if new (duplicates merge). */
static struct wv_inf_section *
get_section (struct wv_inf *inf, const char *name)
{
  struct wv_inf_section *s = wv_inf_find_section (inf, name);
  size_t i;

  if (s)
    return s;
  if (wv_array_grow (&inf->secs, &inf->cap_secs, inf->nr_secs + 1,
                     sizeof *inf->secs, 16) == -1)
    return NULL;
  /* Keep the hash at most half full. */
  if (2 * (inf->nr_secs + 1) > inf->sec_hash_size) {
    size_t size = inf->sec_hash_size ? inf->sec_hash_size * 2 : 32;
    size_t *h = calloc (size, sizeof *h);

    if (h == NULL) {
      wv_error ("calloc: %m");
      return NULL;
    }
    for (i = 0; i < inf->nr_secs; i++)
      hash_insert (h, size, inf->secs[i].name, i);
    free (inf->sec_hash);
    inf->sec_hash = h;
    inf->sec_hash_size = size;
  }
  s = &inf->secs[inf->nr_secs];
  s->name = strdup (name);
  if (s->name == NULL) {
    wv_error ("strdup: %m");
    return NULL;
  }
  s->lines = NULL;
  s->nr_lines = s->cap_lines = 0;
  hash_insert (inf->sec_hash, inf->sec_hash_size, name, inf->nr_secs);
  inf->nr_secs++;
  return s;
}

static int
add_line (struct wv_inf_section *s, struct wv_inf_line *l)
{
  if (wv_array_grow (&s->lines, &s->cap_lines, s->nr_lines + 1,
                     sizeof *s->lines, 4) == -1)
    return -1;
  ((struct wv_inf_line *) s->lines)[s->nr_lines++] = *l;
  return 0;
}

/* ---- lines ---- */

/* Split one logical line (no comment, no newline) into key and
 * fields.  Returns 0 or -1.
 */
static int
split_line (const char *name, unsigned lineno, const char *s,
            struct wv_inf_line *l)
{
  struct wv_inf_buf f = { 0 };
  char **fields = NULL;
  size_t nr = 0, cap = 0, sig = 0; /* sig: length to keep (trailing space) */
  bool quoted = false, started = false, any_comma = false;
  char *key = NULL;

  memset (l, 0, sizeof *l);
  l->lineno = lineno;
  for (;; s++) {
    char c = *s;

    if (c == '\0' || (!quoted && (c == ',' ||
                                  (c == '=' && !any_comma && key == NULL &&
                                   nr == 0)))) {
      char *v;

      if (wv_inf_buf_add (&f, "", 0) == -1)
        goto err;
      f.p[sig] = '\0';
      v = strdup (f.p);
      if (v == NULL) {
        wv_error ("strdup: %m");
        goto err;
      }
      if (c == '=')
        key = v;
      else {
        if (nr >= MAX_FIELDS) {
          free (v);
          wv_error ("%s:%u: more than %d fields on one line", name, lineno,
                    MAX_FIELDS);
          goto err;
        }
        if (wv_array_grow (&fields, &cap, nr + 1, sizeof *fields, 4) == -1) {
          free (v);
          goto err;
        }
        fields[nr++] = v;
      }
      if (c == '\0')
        break;
      if (c == ',')
        any_comma = true;
      f.len = sig = 0;
      started = false;
      continue;
    }
    if (c == '"') {
      if (quoted && s[1] == '"') {
        if (wv_inf_buf_addc (&f, '"') == -1)
          goto err;
        s++;
        sig = f.len;
      }
      else {
        quoted = !quoted;
        started = true;
        sig = f.len;
      }
      continue;
    }
    if (!quoted && is_space (c)) {
      if (!started)
        continue;
      if (wv_inf_buf_addc (&f, c) == -1)
        goto err;
      continue;
    }
    if (wv_inf_buf_addc (&f, c) == -1)
      goto err;
    started = true;
    sig = f.len;
  }
  free (f.p);
  l->key = key;
  l->fields = (const char *const *) fields;
  l->nr_fields = nr;
  return 0;

 err:
  free (f.p);
  free (key);
  while (nr > 0)
    free (fields[--nr]);
  free (fields);
  return -1;
}

/* Where the comment starts in physical line s (of length n), or n.
 * Quotes are tracked from *quoted, which is updated.
 */
static size_t
comment_start (const char *s, size_t n)
{
  bool quoted = false;
  size_t i;

  for (i = 0; i < n; i++) {
    if (s[i] == '"')
      quoted = !quoted;
    else if (s[i] == ';' && !quoted)
      return i;
  }
  return n;
}

/* Parse the text into inf->secs. */
static int
parse_text (struct wv_inf *inf, const char *text)
{
  struct wv_inf_buf logical = { 0 };
  struct wv_inf_section *cur = NULL;
  unsigned lineno = 0, first = 0;
  const char *p = text;

  while (*p) {
    const char *nl = strchr (p, '\n');
    size_t n = nl ? (size_t) (nl - p) : strlen (p);
    size_t end;
    bool cont = false;

    lineno++;
    if (logical.len == 0)
      first = lineno;
    end = comment_start (p, n);
    while (end > 0 && is_space (p[end-1]))
      end--;
    if (end > 0 && p[end-1] == '\\') {
      cont = true;
      end--;
    }
    if (logical.len + end > MAX_LINE) {
      wv_error ("%s:%u: line longer than %d bytes, not an INF file",
                inf->name, first, MAX_LINE);
      goto err;
    }
    if (wv_inf_buf_add (&logical, p, end) == -1)
      goto err;
    p = nl ? nl + 1 : p + n;
    if (cont && *p)
      continue;

    /* A whole logical line. */
    {
      const char *s = logical.p;

      while (is_space (*s))
        s++;
      if (*s == '[') {
        const char *close = strchr (s, ']');
        char name[256];
        size_t len;

        if (close == NULL) {
          wv_error ("%s:%u: section name without \"]\"", inf->name, first);
          goto err;
        }
        s++;
        while (s < close && is_space (*s))
          s++;
        len = close - s;
        while (len > 0 && is_space (s[len-1]))
          len--;
        if (len >= sizeof name) {
          wv_error ("%s:%u: section name longer than %zu bytes",
                    inf->name, first, sizeof name - 1);
          goto err;
        }
        memcpy (name, s, len);
        name[len] = '\0';
        cur = get_section (inf, name);
        if (cur == NULL)
          goto err;
      }
      else if (*s && cur) {     /* lines before any section are ignored */
        struct wv_inf_line l;

        if (split_line (inf->name, first, s, &l) == -1)
          goto err;
        if (add_line (cur, &l) == -1) {
          free_line (&l);
          goto err;
        }
      }
    }
    logical.len = 0;
  }
  free (logical.p);
  return 0;

 err:
  free (logical.p);
  return -1;
}

/* ---- API ---- */

struct wv_inf *
wv_inf_parse (const void *data, size_t len, const char *name,
              const char *inx_arch)
{
  struct wv_inf *inf;
  struct wv_inf_buf text = { 0 };

  if (len > WV_INF_MAX_SIZE) {
    wv_error ("%s: %zu bytes, larger than any INF file (limit %d)",
              name, len, WV_INF_MAX_SIZE);
    return NULL;
  }
  inf = calloc (1, sizeof *inf);
  if (inf == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  inf->name = strdup (name);
  if (inf->name == NULL) {
    wv_error ("strdup: %m");
    goto err;
  }
  if (wv_inf_buf_add (&text, "", 0) == -1 ||
      wv_inf_decode (name, data, len, &text) == -1)
    goto err;
  if (inx_arch && wv_inf_replace_arch (&text, inx_arch) == -1)
    goto err;
  if (parse_text (inf, text.p) == -1 ||
      wv_inf_index_strings (inf) == -1 ||
      wv_inf_substitute_all (inf) == -1)
    goto err;
  free (text.p);
  return inf;

 err:
  free (text.p);
  wv_inf_free (inf);
  return NULL;
}

void
wv_inf_free (struct wv_inf *inf)
{
  size_t i, j;

  if (inf == NULL)
    return;
  for (i = 0; i < inf->nr_secs; i++) {
    for (j = 0; j < inf->secs[i].nr_lines; j++)
      free_line ((struct wv_inf_line *) &inf->secs[i].lines[j]);
    free ((struct wv_inf_line *) inf->secs[i].lines);
    free ((char *) inf->secs[i].name);
  }
  free (inf->secs);
  free (inf->sec_hash);
  free (inf->strings);
  free (inf->name);
  free (inf);
}

const char *
wv_inf_name (const struct wv_inf *inf)
{
  return inf->name;
}

size_t
wv_inf_nr_sections (const struct wv_inf *inf)
{
  return inf->nr_secs;
}

const struct wv_inf_section *
wv_inf_section_at (const struct wv_inf *inf, size_t i)
{
  return i < inf->nr_secs ? &inf->secs[i] : NULL;
}

const struct wv_inf_section *
wv_inf_section (const struct wv_inf *inf, const char *name)
{
  return wv_inf_find_section (inf, name);
}

const struct wv_inf_line *
wv_inf_find (const struct wv_inf_section *sec, const char *key)
{
  size_t i;

  if (sec == NULL)
    return NULL;
  for (i = 0; i < sec->nr_lines; i++)
    if (sec->lines[i].key && strcasecmp (sec->lines[i].key, key) == 0)
      return &sec->lines[i];
  return NULL;
}

const char *
wv_inf_value (const struct wv_inf *inf, const char *section,
              const char *key)
{
  const struct wv_inf_line *l =
    wv_inf_find (wv_inf_find_section (inf, section), key);

  if (l == NULL || l->nr_fields == 0)
    return NULL;
  return l->fields[0];
}

int
wv_inf_number (const char *s, uint32_t *r)
{
  unsigned long long v = 0;
  int base = 10, d;
  const char *p = s;

  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  if (*p == '\0')
    return -1;
  for (; *p; p++) {
    if (*p >= '0' && *p <= '9')
      d = *p - '0';
    else if (base == 16 && *p >= 'a' && *p <= 'f')
      d = *p - 'a' + 10;
    else if (base == 16 && *p >= 'A' && *p <= 'F')
      d = *p - 'A' + 10;
    else
      return -1;
    v = v * base + d;
    if (v > UINT32_MAX)
      return -1;
  }
  *r = v;
  return 0;
}

int
wv_inf_split_dirid (const char *s, uint32_t *dirid_r, const char **rest_r)
{
  char num[16];
  const char *end;
  size_t len;

  if (s[0] != '%')
    return -1;
  end = strchr (s + 1, '%');
  if (end == NULL)
    return -1;
  len = end - s - 1;
  if (len == 0 || len >= sizeof num)
    return -1;
  memcpy (num, s + 1, len);
  num[len] = '\0';
  if (strspn (num, "0123456789") != len || wv_inf_number (num, dirid_r) == -1)
    return -1;
  end++;
  if (*end == '\\')
    end++;
  *rest_r = end;
  return 0;
}

const char *
wv_inf_dirid_dir (uint32_t dirid)
{
  switch (dirid) {
  case 10: return "";
  case 11: return "System32";
  case 12: return "System32\\drivers";
  case 17: return "INF";
  case 18: return "Help";
  case 20: return "Fonts";
  case 50: return "System";
  case 51: return "System32\\spool";
  case 52: return "System32\\spool\\drivers";
  case 53: return NULL;         /* user profile */
  case 55: return "System32\\spool\\prtprocs";
  default: return NULL;
  }
}
