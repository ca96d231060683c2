/* winvirtio: logged, compare-before-write edits of a hive with hivex.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Every value is compared before it is written, and every change is
 * described on the log ("created key K", "set K: Name, Name",
 * "deleted key K"), so a second run over a converted image changes
 * nothing and says so.
 */

#ifndef WINVIRTIO_REGEDIT_H
#define WINVIRTIO_REGEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hivex.h>

struct wv_edit {
  hive_h *h;
  const char *what;             /* "SYSTEM hive", for messages */
  FILE *log;
  bool changed;
  char key[512];                /* key of the pending "set" line */
  char names[512];              /* values set in it so far */
};

/* Print the pending "set" line (call before returning). */
extern void wv_edit_flush (struct wv_edit *e);

/* Walk a backslash-separated path from the root, matching names
 * case-insensitively and creating missing keys.  Returns the node,
 * or 0 after wv_error.
 */
extern hive_node_h wv_edit_path (struct wv_edit *e, const char *path);

/* Set a value of node (whose path is where, for the log) unless it
 * already has this type and these bytes.  Returns 0 or -1.
 */
extern int wv_edit_value (struct wv_edit *e, hive_node_h node,
                          const char *where, const char *name,
                          hive_type t, const void *value, size_t len);
extern int wv_edit_dword (struct wv_edit *e, hive_node_h node,
                          const char *where, const char *name, uint32_t d);
/* REG_SZ or REG_EXPAND_SZ (t), from ASCII/UTF-8 (UTF-16LE in the hive). */
extern int wv_edit_string (struct wv_edit *e, hive_node_h node,
                           const char *where, const char *name,
                           hive_type t, const char *s);
/* REG_MULTI_SZ of n strings. */
extern int wv_edit_multi (struct wv_edit *e, hive_node_h node,
                          const char *where, const char *name,
                          const char *const *strs, size_t n);

/* Delete the subkey name of node, if present. */
extern int wv_edit_delete_key (struct wv_edit *e, hive_node_h node,
                               const char *where, const char *name);

/* UTF-16LE of s with its final NUL, malloc'd; for REG_MULTI_SZ a
 * list of n and a second NUL.  NULL after wv_error.
 */
extern char *wv_utf16 (const char *const *strs, size_t n, bool multi,
                       size_t *len_r);

/* A value's string (REG_SZ / REG_EXPAND_SZ / first of REG_MULTI_SZ) as
 * UTF-8, malloc'd, or NULL if absent or not a string.
 */
extern char *wv_edit_get_string (hive_h *h, hive_node_h node,
                                 const char *name);

#endif /* WINVIRTIO_REGEDIT_H */
