/* winvirtio: the driver layer of INF files: AddReg and DelReg lines,
 * and the registry data of an AddReg line as Windows stores it.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "common/log.h"
#include "common/utf.h"
#include "drivers/inf-internal.h"

/* Largest registry value made from an AddReg line. */
#define MAX_REG_DATA (1024 * 1024)

static uint32_t
reg_type (uint32_t flags)
{
  switch (flags & WV_FLG_ADDREG_TYPE_MASK) {
  case WV_FLG_ADDREG_TYPE_SZ: return 1;
  case WV_FLG_ADDREG_TYPE_EXPAND_SZ: return 2;
  case WV_FLG_ADDREG_TYPE_BINARY: return 3;
  case WV_FLG_ADDREG_TYPE_DWORD: return 4;
  case WV_FLG_ADDREG_TYPE_MULTI_SZ: return 7;
  case WV_FLG_ADDREG_TYPE_NONE: return 0;
  default:
    /* Binary data of another type: the type is the high word. */
    return flags & WV_FLG_ADDREG_BINVALUETYPE ? flags >> 16 : 1;
  }
}

/* Append the lines of AddReg/DelReg section name to *regs. */
static int
read_reg_section (const struct wv_inf *inf, const char *name, bool del,
                  struct wv_inf_reg **regs, size_t *nr, size_t *cap)
{
  const struct wv_inf_section *s = wv_inf_section (inf, name);
  size_t i;

  if (s == NULL) {
    wv_error ("%s: the registry section [%s] is missing",
              wv_inf_name (inf), name);
    return -1;
  }
  for (i = 0; i < s->nr_lines; i++) {
    const struct wv_inf_line *l = &s->lines[i];
    struct wv_inf_reg *r;

    if (l->key != NULL || l->nr_fields < 1 || l->fields[0][0] == '\0') {
      wv_error ("%s:%u: [%s]: not a registry line (reg-root, subkey, "
                "value-name, flags, value)", wv_inf_name (inf), l->lineno,
                name);
      return -1;
    }
    if (*nr >= MAX_ITEMS) {
      wv_error ("%s: more than %d registry lines for one install section",
                wv_inf_name (inf), MAX_ITEMS);
      return -1;
    }
    if (wv_array_grow (regs, cap, *nr + 1, sizeof **regs, 8) == -1)
      return -1;
    r = &(*regs)[(*nr)++];
    memset (r, 0, sizeof *r);
    r->section = s->name;
    r->del = del;
    r->root = l->fields[0];
    r->subkey = l->nr_fields > 1 ? l->fields[1] : "";
    r->value_name = l->nr_fields > 2 ? l->fields[2] : NULL;
    if (l->nr_fields > 3 && l->fields[3][0] &&
        wv_inf_number (l->fields[3], &r->flags) == -1) {
      wv_error ("%s:%u: [%s]: bad registry flags \"%s\"",
                wv_inf_name (inf), l->lineno, name, l->fields[3]);
      return -1;
    }
    r->type = reg_type (r->flags);
    if (l->nr_fields > 4) {
      r->values = &l->fields[4];
      r->nr_values = l->nr_fields - 4;
    }
    else
      r->values = &l->fields[l->nr_fields]; /* empty, never read */
  }
  return 0;
}

/* For every AddReg and DelReg line of section s, read the sections it
 * names into *regs (*nr of them, room for *cap).
 */
int
wv_inf_read_regs (const struct wv_inf *inf, const struct wv_inf_section *s,
                  struct wv_inf_reg **regs, size_t *nr, size_t *cap)
{
  size_t i, j;

  for (i = 0; i < s->nr_lines; i++) {
    const struct wv_inf_line *l = &s->lines[i];
    bool add, del;

    if (l->key == NULL)
      continue;
    add = strcasecmp (l->key, "AddReg") == 0;
    del = strcasecmp (l->key, "DelReg") == 0;
    if (!add && !del)
      continue;
    for (j = 0; j < l->nr_fields; j++) {
      if (l->fields[j][0] == '\0')
        continue;
      if (read_reg_section (inf, l->fields[j], del, regs, nr, cap) == -1)
        return -1;
    }
  }
  return 0;
}

/* Append UTF-16LE of s with its NUL to *data (*len bytes, room for
 * *cap).
 */
static int
add_utf16 (const char *s, uint8_t **data, size_t *len, size_t *cap)
{
  size_t n = strlen (s), o = *len;
  uint8_t *p;

  if (*len + 4 * (n + 1) > MAX_REG_DATA) {
    wv_error ("registry data larger than %d bytes", MAX_REG_DATA);
    return -1;
  }
  if (wv_array_grow (data, cap, *len + 4 * (n + 1), 1, 64) == -1)
    return -1;
  p = *data;
  o += wv_utf8_to_utf16le (s, n, p + o);
  p[o++] = 0;
  p[o++] = 0;
  *len = o;
  return 0;
}

int
wv_inf_reg_data (const struct wv_inf *inf, const struct wv_inf_reg *r,
                 uint8_t **data_r, size_t *len_r)
{
  uint8_t *data = NULL;
  size_t len = 0, cap = 0, i;
  uint32_t v;

  *data_r = NULL;
  *len_r = 0;
  if (r->flags & WV_FLG_ADDREG_BINVALUETYPE) {
    /* DWORD with one number, else a list of hex bytes. */
    if (r->type == 4 && r->nr_values == 1) {
      if (wv_inf_number (r->values[0], &v) == -1)
        goto bad;
      data = malloc (4);
      if (data == NULL)
        goto nomem;
      data[0] = v; data[1] = v >> 8; data[2] = v >> 16; data[3] = v >> 24;
      len = 4;
    }
    else {
      data = malloc (r->nr_values + 1);
      if (data == NULL)
        goto nomem;
      for (i = 0; i < r->nr_values; i++) {
        char buf[16];

        if (strlen (r->values[i]) > 2)
          goto bad;
        snprintf (buf, sizeof buf, "0x%s", r->values[i]);
        if (wv_inf_number (buf, &v) == -1)
          goto bad;
        data[len++] = v;
      }
    }
  }
  else if (r->type == 7) {
    for (i = 0; i < r->nr_values; i++)
      if (add_utf16 (r->values[i], &data, &len, &cap) == -1)
        goto err;
    if (add_utf16 ("", &data, &len, &cap) == -1)
      goto err;
  }
  else {
    if (add_utf16 (r->nr_values > 0 ? r->values[0] : "", &data, &len,
                   &cap) == -1)
      goto err;
  }
  *data_r = data;
  *len_r = len;
  return 0;

 nomem:
  wv_error ("malloc: %m");
  goto err;
 bad:
  wv_error ("%s: [%s]: bad data for %s\\%s\\%s",
            wv_inf_name (inf), r->section, r->root, r->subkey,
            r->value_name ? r->value_name : "");
 err:
  free (data);
  return -1;
}
