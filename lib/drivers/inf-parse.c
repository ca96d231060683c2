/* winvirtio: the generic INF layer: text, sections, lines, strings.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Follows Microsoft's "General Syntax Rules for INF Files": ";"
 * starts a comment outside quotes, "\" as the last character before
 * the comment joins the next line, "" inside quotes is one quote,
 * whitespace around a field is dropped, %strkey% is replaced from
 * [Strings] (once: a replacement is not scanned again) and %% is a
 * literal %.  A %token% that [Strings] lacks is kept as written (so
 * %12% reaches the caller).  An unterminated quote ends at the end of
 * the line, an unterminated %token is kept as written.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>

#include "drivers/inf.h"
#include "common/log.h"

/* Bounds for hostile input. */
#define MAX_LINE (64 * 1024)    /* logical line, after continuations */
#define MAX_FIELDS 4096         /* fields on one line */
#define MAX_EXPANDED (64 * 1024) /* a field after substitution */
#define MAX_TOTAL (32 * 1024 * 1024) /* all text after substitution */

struct wv_inf {
  char *name;
  struct wv_inf_section *secs;
  size_t nr_secs, cap_secs;
  size_t *sec_hash;             /* open addressing: index + 1, 0 empty */
  size_t sec_hash_size;         /* power of 2 */
  /* [Strings], sorted by key for bsearch. */
  const struct wv_inf_line **strings;
  size_t nr_strings;
  size_t total;                 /* bytes of substituted text so far */
};

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

/* A growable byte buffer. */
struct buf {
  char *p;
  size_t len, cap;
};

static int
buf_add (struct buf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    char *p;

    while (cap < b->len + n + 1)
      cap *= 2;
    p = realloc (b->p, cap);
    if (p == NULL) {
      wv_error ("realloc: %m");
      return -1;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy (b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

static int
buf_addc (struct buf *b, char c)
{
  return buf_add (b, &c, 1);
}

/* Append code point c as UTF-8. */
static int
buf_add_utf8 (struct buf *b, uint32_t c)
{
  char u[4];
  size_t n;

  if (c < 0x80) {
    u[0] = c;
    n = 1;
  }
  else if (c < 0x800) {
    u[0] = 0xc0 | (c >> 6);
    u[1] = 0x80 | (c & 0x3f);
    n = 2;
  }
  else if (c < 0x10000) {
    u[0] = 0xe0 | (c >> 12);
    u[1] = 0x80 | ((c >> 6) & 0x3f);
    u[2] = 0x80 | (c & 0x3f);
    n = 3;
  }
  else {
    u[0] = 0xf0 | (c >> 18);
    u[1] = 0x80 | ((c >> 12) & 0x3f);
    u[2] = 0x80 | ((c >> 6) & 0x3f);
    u[3] = 0x80 | (c & 0x3f);
    n = 4;
  }
  return buf_add (b, u, n);
}

/* ---- decoding to UTF-8 ---- */

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if not. */
static size_t
utf8_seq (const uint8_t *s, size_t n)
{
  size_t len, i;
  uint32_t c;

  if (s[0] < 0x80)
    return 1;
  else if ((s[0] & 0xe0) == 0xc0) { len = 2; c = s[0] & 0x1f; }
  else if ((s[0] & 0xf0) == 0xe0) { len = 3; c = s[0] & 0x0f; }
  else if ((s[0] & 0xf8) == 0xf0) { len = 4; c = s[0] & 0x07; }
  else
    return 0;
  if (len > n)
    return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3f);
  }
  if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
      (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
      (c >= 0xd800 && c <= 0xdfff))
    return 0;
  return len;
}

/* Windows-1252 0x80-0x9f; 0 for the five unassigned bytes. */
static const uint16_t cp1252[32] = {
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
  0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/* Check that every code unit from i on is NUL (padding); else error. */
static int
nul_is_padding (const char *name, const uint8_t *d, size_t i, size_t len)
{
  for (; i < len; i++) {
    if (d[i] != 0) {
      wv_error ("%s: NUL character inside the text, not an INF file",
                name);
      return -1;
    }
  }
  return 0;
}

static int
decode_utf16 (const char *name, const uint8_t *d, size_t len, bool be,
              struct buf *out)
{
  size_t i;

  if (len % 2 != 0) {
    wv_error ("%s: UTF-16 text with an odd number of bytes (%zu): "
              "truncated file", name, len);
    return -1;
  }
  for (i = 0; i < len; i += 2) {
    uint32_t c = be ? (d[i] << 8 | d[i+1]) : (d[i] | d[i+1] << 8);

    if (c == 0)
      return nul_is_padding (name, d, i, len);
    if (c >= 0xd800 && c <= 0xdbff && i + 3 < len) {
      uint32_t c2 = be ? (d[i+2] << 8 | d[i+3]) : (d[i+2] | d[i+3] << 8);

      if (c2 >= 0xdc00 && c2 <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
        i += 2;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff)
      c = 0xfffd;               /* lone surrogate */
    if (buf_add_utf8 (out, c) == -1)
      return -1;
  }
  return 0;
}

static int
decode_8bit (const char *name, const uint8_t *d, size_t len,
             struct buf *out)
{
  size_t i, n;
  bool utf8 = true;

  /* Valid UTF-8 throughout?  Else the ANSI code page. */
  for (i = 0; i < len; i += n) {
    n = utf8_seq (&d[i], len - i);
    if (n == 0) {
      utf8 = false;
      break;
    }
  }
  for (i = 0; i < len; i++) {
    if (d[i] == 0)
      return nul_is_padding (name, d, i, len);
    if (utf8 || d[i] < 0x80) {
      if (buf_addc (out, d[i]) == -1)
        return -1;
    }
    else {
      uint32_t c = d[i] >= 0xa0 ? d[i] : cp1252[d[i] - 0x80];

      if (buf_add_utf8 (out, c ? c : 0xfffd) == -1)
        return -1;
    }
  }
  return 0;
}

/* The INF text as UTF-8, NUL-terminated, with no NUL inside. */
static int
decode (const char *name, const uint8_t *d, size_t len, struct buf *out)
{
  if (len >= 2 && d[0] == 0xff && d[1] == 0xfe)
    return decode_utf16 (name, d + 2, len - 2, false, out);
  if (len >= 2 && d[0] == 0xfe && d[1] == 0xff)
    return decode_utf16 (name, d + 2, len - 2, true, out);
  if (len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
    return decode_8bit (name, d + 3, len - 3, out);
  /* UTF-16LE without BOM: text starts with an ASCII character. */
  if (len >= 2 && d[0] != 0 && d[1] == 0)
    return decode_utf16 (name, d, len, false, out);
  return decode_8bit (name, d, len, out);
}

/* Replace every "$ARCH$" in text by arch. */
static int
replace_arch (struct buf *text, const char *arch)
{
  struct buf out = { 0 };
  const char *p = text->p, *q;

  if (buf_add (&out, "", 0) == -1)
    return -1;
  while ((q = strstr (p, "$ARCH$")) != NULL) {
    if (buf_add (&out, p, q - p) == -1 ||
        buf_add (&out, arch, strlen (arch)) == -1) {
      free (out.p);
      return -1;
    }
    p = q + 6;
  }
  if (buf_add (&out, p, strlen (p)) == -1) {
    free (out.p);
    return -1;
  }
  free (text->p);
  *text = out;
  return 0;
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

static struct wv_inf_section *
find_section (const struct wv_inf *inf, const char *name)
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
  struct wv_inf_section *s = find_section (inf, name);
  size_t i;

  if (s)
    return s;
  if (inf->nr_secs == inf->cap_secs) {
    size_t cap = inf->cap_secs ? inf->cap_secs * 2 : 16;
    struct wv_inf_section *p = realloc (inf->secs, cap * sizeof *p);

    if (p == NULL) {
      wv_error ("realloc: %m");
      return NULL;
    }
    inf->secs = p;
    inf->cap_secs = cap;
  }
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
  s->nr_lines = 0;
  hash_insert (inf->sec_hash, inf->sec_hash_size, name, inf->nr_secs);
  inf->nr_secs++;
  return s;
}

static int
add_line (struct wv_inf_section *s, struct wv_inf_line *l)
{
  struct wv_inf_line *lines = (struct wv_inf_line *) s->lines;

  /* Grow at powers of two. */
  if ((s->nr_lines & (s->nr_lines - 1)) == 0) {
    size_t cap = s->nr_lines ? s->nr_lines * 2 : 4;

    lines = realloc (lines, cap * sizeof *lines);
    if (lines == NULL) {
      wv_error ("realloc: %m");
      return -1;
    }
    s->lines = lines;
  }
  lines[s->nr_lines++] = *l;
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
  struct buf f = { 0 };
  char **fields = NULL;
  size_t nr = 0, sig = 0;       /* sig: length to keep (trailing space) */
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

      if (buf_add (&f, "", 0) == -1)
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
        char **p;

        if (nr >= MAX_FIELDS) {
          free (v);
          wv_error ("%s:%u: more than %d fields on one line", name, lineno,
                    MAX_FIELDS);
          goto err;
        }
        /* Capacity: the next power of two. */
        if ((nr & (nr - 1)) == 0) {
          p = realloc (fields, (nr ? nr * 2 : 1) * sizeof *p);
          if (p == NULL) {
            free (v);
            wv_error ("realloc: %m");
            goto err;
          }
          fields = p;
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
        if (buf_addc (&f, '"') == -1)
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
      if (buf_addc (&f, c) == -1)
        goto err;
      continue;
    }
    if (buf_addc (&f, c) == -1)
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
  struct buf logical = { 0 };
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
    if (buf_add (&logical, p, end) == -1)
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

/* ---- strings ---- */

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
  const struct wv_inf_section *s = find_section (inf, "Strings");
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

static int
index_strings (struct wv_inf *inf)
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
  struct buf out = { 0 };

  if (strchr (s, '%') == NULL)
    return 0;
  if (buf_add (&out, "", 0) == -1)
    return -1;
  for (p = s; *p; ) {
    const char *pct = strchr (p, '%'), *end, *v;

    if (pct == NULL) {
      if (buf_add (&out, p, strlen (p)) == -1)
        goto err;
      break;
    }
    if (buf_add (&out, p, pct - p) == -1)
      goto err;
    if (pct[1] == '%') {        /* %% */
      if (buf_addc (&out, '%') == -1)
        goto err;
      p = pct + 2;
    }
    else if ((end = strchr (pct + 1, '%')) == NULL) {
      /* Unterminated: kept as written. */
      if (buf_add (&out, pct, strlen (pct)) == -1)
        goto err;
      break;
    }
    else {
      v = lookup_string (inf, pct + 1, end - pct - 1);
      if (v) {
        if (buf_add (&out, v, strlen (v)) == -1)
          goto err;
      }
      else if (buf_add (&out, pct, end - pct + 1) == -1)
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

static int
substitute_all (struct wv_inf *inf)
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

/* ---- API ---- */

struct wv_inf *
wv_inf_parse (const void *data, size_t len, const char *name,
              const char *inx_arch)
{
  struct wv_inf *inf;
  struct buf text = { 0 };

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
  if (buf_add (&text, "", 0) == -1 ||
      decode (name, data, len, &text) == -1)
    goto err;
  if (inx_arch && replace_arch (&text, inx_arch) == -1)
    goto err;
  if (parse_text (inf, text.p) == -1 ||
      index_strings (inf) == -1 ||
      substitute_all (inf) == -1)
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
  return find_section (inf, name);
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
  const struct wv_inf_line *l = wv_inf_find (find_section (inf, section),
                                             key);

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
