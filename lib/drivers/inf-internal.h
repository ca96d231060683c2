/* winvirtio: what the INF files (inf-*.c) share; other files use
 * inf.h.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_INF_INTERNAL_H
#define WINVIRTIO_INF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/inf.h"

/* ---- generic layer ---- */

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

/* A growable byte buffer. */
struct wv_inf_buf {
  char *p;
  size_t len, cap;
};

/* inf-text.c: append n bytes of s (or the character c) to b, which
 * stays NUL-terminated.  Returns 0 or -1 after wv_error.
 */
extern int wv_inf_buf_add (struct wv_inf_buf *b, const char *s, size_t n);
extern int wv_inf_buf_addc (struct wv_inf_buf *b, char c);

/* inf-text.c: the INF text as UTF-8, NUL-terminated, with no NUL
 * inside.
 */
extern int wv_inf_decode (const char *name, const uint8_t *d, size_t len,
                          struct wv_inf_buf *out);

/* inf-text.c: replace every "$ARCH$" in text by arch. */
extern int wv_inf_replace_arch (struct wv_inf_buf *text, const char *arch);

/* inf-parse.c: the section name (case-insensitive), or NULL. */
extern struct wv_inf_section *wv_inf_find_section (const struct wv_inf *inf,
                                                   const char *name);

/* inf-strings.c: sort the [Strings] lines for lookups. */
extern int wv_inf_index_strings (struct wv_inf *inf);

/* inf-strings.c: substitute %strkey% in every line of every section
 * but [Strings].
 */
extern int wv_inf_substitute_all (struct wv_inf *inf);

/* ---- driver layer ---- */

/* Most registry lines, files or devices one answer holds. */
#define MAX_ITEMS 65536

/* inf-reg.c: for every AddReg and DelReg line of section s, read the
 * sections it names into *regs (*nr of them, room for *cap).
 */
extern int wv_inf_read_regs (const struct wv_inf *inf,
                             const struct wv_inf_section *s,
                             struct wv_inf_reg **regs, size_t *nr,
                             size_t *cap);

#endif /* WINVIRTIO_INF_INTERNAL_H */
