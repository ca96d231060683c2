/* winvirtio: UTF-8 and UTF-16 conversions, for names and registry
 * text.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * One strict UTF-8 decoder and one encoder for the whole engine: the
 * INF reader, the GPT partition names, the map dump and the registry
 * text written with hivex all go through them.
 */

#include <config.h>

#include "common/utf.h"

size_t
wv_utf8_decode (const unsigned char *s, size_t n, uint32_t *cp)
{
  size_t len, i;
  uint32_t c, min;

  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  else if ((s[0] & 0xe0) == 0xc0) {
    len = 2; c = s[0] & 0x1f; min = 0x80;
  }
  else if ((s[0] & 0xf0) == 0xe0) {
    len = 3; c = s[0] & 0x0f; min = 0x800;
  }
  else if ((s[0] & 0xf8) == 0xf0) {
    len = 4; c = s[0] & 0x07; min = 0x10000;
  }
  else
    return 0;
  if (len > n)
    return 0;
  for (i = 1; i < len; ++i) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    c = c << 6 | (s[i] & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *cp = c;
  return len;
}

size_t
wv_utf8_encode (uint32_t cp, unsigned char out[4])
{
  if (cp < 0x80) {
    out[0] = cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = 0xc0 | (cp >> 6);
    out[1] = 0x80 | (cp & 0x3f);
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = 0xe0 | (cp >> 12);
    out[1] = 0x80 | ((cp >> 6) & 0x3f);
    out[2] = 0x80 | (cp & 0x3f);
    return 3;
  }
  out[0] = 0xf0 | (cp >> 18);
  out[1] = 0x80 | ((cp >> 12) & 0x3f);
  out[2] = 0x80 | ((cp >> 6) & 0x3f);
  out[3] = 0x80 | (cp & 0x3f);
  return 4;
}

size_t
wv_utf8_to_utf16le (const char *s, size_t n, uint8_t *out)
{
  const unsigned char *u = (const unsigned char *) s;
  size_t i = 0, o = 0, len;
  uint32_t c;

  while (i < n) {
    len = wv_utf8_decode (u + i, n - i, &c);
    if (len == 0) {
      c = 0xfffd;
      len = 1;
    }
    i += len;
    if (c >= 0x10000) {
      uint32_t hi = 0xd800 | ((c - 0x10000) >> 10);

      out[o++] = hi & 0xff;
      out[o++] = hi >> 8;
      c = 0xdc00 | ((c - 0x10000) & 0x3ff);
    }
    out[o++] = c & 0xff;
    out[o++] = c >> 8;
  }
  return o;
}
