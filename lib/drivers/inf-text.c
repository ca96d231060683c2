/* winvirtio: the generic INF layer: the bytes of an INF as UTF-8
 * text (UTF-16LE or BE with a BOM, UTF-16LE without, UTF-8 with or
 * without a BOM, else Windows-1252), and "$ARCH$" of .inx templates.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/log.h"
#include "common/utf.h"
#include "drivers/inf-internal.h"

/* ---- a growable byte buffer ---- */

int
wv_inf_buf_add (struct wv_inf_buf *b, const char *s, size_t n)
{
  if (wv_array_grow (&b->p, &b->cap, b->len + n + 1, 1, 64) == -1)
    return -1;
  memcpy (b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

int
wv_inf_buf_addc (struct wv_inf_buf *b, char c)
{
  return wv_inf_buf_add (b, &c, 1);
}

/* Append code point c as UTF-8. */
static int
buf_add_utf8 (struct wv_inf_buf *b, uint32_t c)
{
  unsigned char u[4];
  size_t n = wv_utf8_encode (c, u);

  return wv_inf_buf_add (b, (const char *) u, n);
}
/* ---- decoding to UTF-8 ---- */

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if not. */
static size_t
utf8_seq (const uint8_t *s, size_t n)
{
  uint32_t c;

  return wv_utf8_decode (s, n, &c);
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
              struct wv_inf_buf *out)
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
             struct wv_inf_buf *out)
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
      if (wv_inf_buf_addc (out, d[i]) == -1)
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
int
wv_inf_decode (const char *name, const uint8_t *d, size_t len,
               struct wv_inf_buf *out)
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
int
wv_inf_replace_arch (struct wv_inf_buf *text, const char *arch)
{
  struct wv_inf_buf out = { 0 };
  const char *p = text->p, *q;

  if (wv_inf_buf_add (&out, "", 0) == -1)
    return -1;
  while ((q = strstr (p, "$ARCH$")) != NULL) {
    if (wv_inf_buf_add (&out, p, q - p) == -1 ||
        wv_inf_buf_add (&out, arch, strlen (arch)) == -1) {
      free (out.p);
      return -1;
    }
    p = q + 6;
  }
  if (wv_inf_buf_add (&out, p, strlen (p)) == -1) {
    free (out.p);
    return -1;
  }
  free (text->p);
  *text = out;
  return 0;
}
