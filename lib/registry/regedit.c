/* winvirtio: logged, compare-before-write edits of a hive with hivex.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/utf.h"
#include "registry/regedit.h"

void
wv_edit_flush (struct wv_edit *e)
{
  if (e->names[0])
    fprintf (e->log, "set %s: %s\n", e->key, e->names);
  e->key[0] = e->names[0] = '\0';
}

/* Note that value name of key where was set. */
static void
log_value (struct wv_edit *e, const char *where, const char *name)
{
  size_t n;

  if (strcmp (e->key, where) != 0) {
    wv_edit_flush (e);
    snprintf (e->key, sizeof e->key, "%s", where);
  }
  n = strlen (e->names);
  snprintf (e->names + n, sizeof e->names - n, "%s%s", n ? ", " : "",
            name[0] ? name : "(default)");
}

/* A hivex call failed on a hive that opened fine: unless memory ran
 * out, what hivex cannot follow is damage in the hive.  doing says
 * what failed ("cannot set K\\V").
 */
static void
edit_error (struct wv_edit *e, const char *doing)
{
  const char *what = e->what ? e->what : "hive";

  if (errno == ENOMEM)
    wv_error ("hivex: %s in the %s: out of memory", doing, what);
  else
    wv_error ("the %s is damaged: hivex %s: boot Windows once so that it "
              "repairs the hive, shut it down cleanly, then try again",
              what, doing);
}

char *
wv_utf16 (const char *const *strs, size_t n, bool multi, size_t *len_r)
{
  size_t i, room = 2, o = 0;
  char *buf;

  for (i = 0; i < n; ++i)
    room += 4 * strlen (strs[i]) + 2;
  buf = calloc (1, room);
  if (buf == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  for (i = 0; i < n; ++i) {
    o += wv_utf8_to_utf16le (strs[i], strlen (strs[i]),
                             (uint8_t *) buf + o);
    o += 2;                     /* its NUL */
  }
  if (multi)
    o += 2;                     /* the list's final NUL */
  *len_r = o;
  return buf;
}

int
wv_edit_value (struct wv_edit *e, hive_node_h node, const char *where,
               const char *name, hive_type t, const void *value, size_t len)
{
  hive_value_h v = hivex_node_get_value (e->h, node, name);
  hive_set_value sv;

  if (v) {
    hive_type ot;
    size_t olen;
    CLEANUP_FREE char *old = hivex_value_value (e->h, v, &ot, &olen);

    if (old && ot == t && olen == len && memcmp (old, value, len) == 0)
      return 0;
  }
  sv.key = (char *) name;
  sv.t = t;
  sv.len = len;
  sv.value = (char *) value;
  if (hivex_node_set_value (e->h, node, &sv, 0) == -1) {
    char doing[1100];

    snprintf (doing, sizeof doing, "cannot set %s\\%s", where, name);
    edit_error (e, doing);
    return -1;
  }
  log_value (e, where, name);
  e->changed = true;
  return 0;
}

int
wv_edit_dword (struct wv_edit *e, hive_node_h node, const char *where,
               const char *name, uint32_t d)
{
  uint8_t le[4] = { d, d >> 8, d >> 16, d >> 24 };

  return wv_edit_value (e, node, where, name, hive_t_REG_DWORD, le, 4);
}

int
wv_edit_string (struct wv_edit *e, hive_node_h node, const char *where,
                const char *name, hive_type t, const char *s)
{
  size_t len;
  CLEANUP_FREE char *u = wv_utf16 (&s, 1, false, &len);

  if (u == NULL)
    return -1;
  return wv_edit_value (e, node, where, name, t, u, len);
}

int
wv_edit_multi (struct wv_edit *e, hive_node_h node, const char *where,
               const char *name, const char *const *strs, size_t n)
{
  size_t len;
  CLEANUP_FREE char *u = wv_utf16 (strs, n, true, &len);

  if (u == NULL)
    return -1;
  return wv_edit_value (e, node, where, name, hive_t_REG_MULTI_SZ, u, len);
}

hive_node_h
wv_edit_path (struct wv_edit *e, const char *path)
{
  CLEANUP_FREE char *copy = strdup (path);
  char *elem, *save = NULL;
  hive_node_h node = hivex_root (e->h), child;

  if (copy == NULL) {
    wv_error ("strdup: %m");
    return 0;
  }
  for (elem = strtok_r (copy, "\\", &save); elem;
       elem = strtok_r (NULL, "\\", &save)) {
    /* The key so far, for messages. */
    int prefix = elem - copy + strlen (elem);

    errno = 0;
    child = hivex_node_get_child (e->h, node, elem);
    if (child == 0) {
      if (errno != 0 && errno != ENOENT) {
        char doing[600];

        snprintf (doing, sizeof doing, "cannot read the keys under %s",
                  path);
        edit_error (e, doing);
        return 0;
      }
      child = hivex_node_add_child (e->h, node, elem);
      if (child == 0) {
        char doing[600];

        snprintf (doing, sizeof doing, "cannot create key %.*s", prefix,
                  path);
        edit_error (e, doing);
        return 0;
      }
      wv_edit_flush (e);
      fprintf (e->log, "created key %.*s\n", prefix, path);
      e->changed = true;
    }
    node = child;
  }
  return node;
}

int
wv_edit_delete_key (struct wv_edit *e, hive_node_h node, const char *where,
                    const char *name)
{
  hive_node_h child = hivex_node_get_child (e->h, node, name);

  if (child == 0)
    return 0;
  if (hivex_node_delete_child (e->h, child) == -1) {
    char doing[1100];

    snprintf (doing, sizeof doing, "cannot delete %s\\%s", where, name);
    edit_error (e, doing);
    return -1;
  }
  wv_edit_flush (e);
  fprintf (e->log, "deleted key %s\\%s\n", where, name);
  e->changed = true;
  return 0;
}

char *
wv_edit_get_string (hive_h *h, hive_node_h node, const char *name)
{
  hive_value_h v = hivex_node_get_value (h, node, name);
  hive_type t;
  size_t len;

  if (v == 0)
    return NULL;
  if (hivex_value_type (h, v, &t, &len) == -1)
    return NULL;
  if (t == hive_t_REG_MULTI_SZ) {
    char **l = hivex_value_multiple_strings (h, v);
    char *r = NULL;
    size_t i;

    if (l == NULL)
      return NULL;
    if (l[0])
      r = strdup (l[0]);
    for (i = 0; l[i]; ++i)
      free (l[i]);
    free (l);
    return r;
  }
  if (t != hive_t_REG_SZ && t != hive_t_REG_EXPAND_SZ)
    return NULL;
  return hivex_value_string (h, v);
}
