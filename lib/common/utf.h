/* winvirtio: UTF-8 and UTF-16 conversions, for names and registry
 * text.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_UTF_H
#define WINVIRTIO_UTF_H

#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 sequence at s (n bytes available, n >= 1).
 * Returns its length and sets *cp, or 0 if it is not valid UTF-8
 * (overlong, a surrogate, beyond U+10FFFF, or cut short).
 */
extern size_t wv_utf8_decode (const unsigned char *s, size_t n,
                              uint32_t *cp);

/* Encode code point cp (at most U+10FFFF) as UTF-8 into out.
 * Returns the length, 1 to 4.
 */
extern size_t wv_utf8_encode (uint32_t cp, unsigned char out[4]);

/* UTF-16LE of the n bytes of UTF-8 at s, into out, which has room
 * for 4 * n bytes.  A byte that does not start a valid sequence
 * becomes U+FFFD.  Returns the number of bytes written (no NUL is
 * added).
 */
extern size_t wv_utf8_to_utf16le (const char *s, size_t n, uint8_t *out);

#endif /* WINVIRTIO_UTF_H */
