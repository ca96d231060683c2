/* winvirtio tests: the UTF-8 and UTF-16 conversions (common/utf.c)
 * and the registry text made from them (wv_utf16).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The expected bytes are written out by hand from the Unicode
 * standard's encodings, not computed by the code under test.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf.h"
#include "registry/regedit.h"

static int failed;

static void
expect (const char *what, const void *got, size_t gotlen,
        const void *want, size_t wantlen)
{
  if (gotlen != wantlen || memcmp (got, want, wantlen) != 0) {
    size_t i;

    printf ("FAIL: %s: got %zu bytes:", what, gotlen);
    for (i = 0; i < gotlen; ++i)
      printf (" %02x", ((const unsigned char *) got)[i]);
    printf ("\n");
    failed++;
  }
}

static void
decode (const char *what, const char *s, size_t n, size_t want_len,
        uint32_t want_cp)
{
  uint32_t cp = 0;
  size_t len = wv_utf8_decode ((const unsigned char *) s, n, &cp);

  if (len != want_len || (len && cp != want_cp)) {
    printf ("FAIL: decode %s: length %zu, U+%04X\n", what, len,
            (unsigned) cp);
    failed++;
  }
}

int
main (void)
{
  /* "R", e acute, euro sign, U+1F600 (a surrogate pair in UTF-16). */
  const char text[] = "R\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  const unsigned char utf16[] = {
    'R', 0, 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde,
  };
  uint8_t out[64];
  unsigned char enc[4];
  size_t n;
  char *buf;
  const char *strs[2] = { text, "A" };

  decode ("ASCII", "A", 1, 1, 'A');
  decode ("two bytes", "\xc3\xa9", 2, 2, 0xe9);
  decode ("three bytes", "\xe2\x82\xac", 3, 3, 0x20ac);
  decode ("four bytes", "\xf0\x9f\x98\x80", 4, 4, 0x1f600);
  decode ("overlong", "\xc0\xaf", 2, 0, 0);
  decode ("surrogate", "\xed\xa0\x80", 3, 0, 0);
  decode ("beyond U+10FFFF", "\xf4\x90\x80\x80", 4, 0, 0);
  decode ("cut short", "\xe2\x82", 2, 0, 0);
  decode ("bad continuation", "\xc3\x28", 2, 0, 0);

  n = wv_utf8_encode (0x1f600, enc);
  expect ("encode U+1F600", enc, n, "\xf0\x9f\x98\x80", 4);
  n = wv_utf8_encode (0xe9, enc);
  expect ("encode U+00E9", enc, n, "\xc3\xa9", 2);

  n = wv_utf8_to_utf16le (text, strlen (text), out);
  expect ("UTF-16LE", out, n, utf16, sizeof utf16);
  n = wv_utf8_to_utf16le ("\xff" "A", 2, out);
  expect ("invalid byte", out, n, "\xfd\xff" "A\0", 4);

  /* REG_SZ: the text and its NUL; REG_MULTI_SZ: each with its NUL,
   * then one more.
   */
  buf = wv_utf16 (strs, 1, false, &n);
  if (buf == NULL)
    return 1;
  memcpy (out, utf16, sizeof utf16);
  memcpy (out + sizeof utf16, "\0\0", 2);
  expect ("REG_SZ", buf, n, out, sizeof utf16 + 2);
  free (buf);
  buf = wv_utf16 (strs, 2, true, &n);
  if (buf == NULL)
    return 1;
  memcpy (out + sizeof utf16 + 2, "A\0\0\0\0\0", 6);
  expect ("REG_MULTI_SZ", buf, n, out, sizeof utf16 + 8);
  free (buf);

  printf ("%s\n", failed ? "FAILED" : "ok");
  return failed ? 1 : 0;
}
