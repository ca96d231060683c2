/* winvirtio: reading an open hive: keys by path, string and DWORD
 * values.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_HIVE_LOOKUP_H
#define WINVIRTIO_HIVE_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include <hivex.h>

/* Find a node by a backslash-separated path below start, matching
 * names case-insensitively.  Returns 0 if absent.
 */
extern hive_node_h wv_hive_lookup (hive_h *h, hive_node_h start,
                                   const char *path);

/* Copy the string value key of node into buf (len bytes, truncated);
 * buf is left empty if the value is absent or not a string.
 */
extern void wv_hive_get_string (hive_h *h, hive_node_h node, const char *key,
                                char *buf, size_t len);

/* The REG_DWORD value key of node, or -1 if absent or of another type. */
extern int64_t wv_hive_get_dword (hive_h *h, hive_node_h node,
                                  const char *key);

#endif /* WINVIRTIO_HIVE_LOOKUP_H */
