/* winvirtio: reading an open hive: keys by path, string and DWORD
 * values (for identifying Windows, inspect and the DriverDatabase).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "registry/hive-lookup.h"

hive_node_h
wv_hive_lookup (hive_h *h, hive_node_h start, const char *path)
{
  CLEANUP_FREE char *copy = strdup (path);
  char *elem, *save = NULL;
  hive_node_h node = start;

  if (copy == NULL)
    return 0;
  for (elem = strtok_r (copy, "\\", &save); elem && node;
       elem = strtok_r (NULL, "\\", &save))
    node = hivex_node_get_child (h, node, elem);
  return node;
}

void
wv_hive_get_string (hive_h *h, hive_node_h node, const char *key,
                    char *buf, size_t len)
{
  hive_value_h v = hivex_node_get_value (h, node, key);
  CLEANUP_FREE char *s = NULL;

  buf[0] = '\0';
  if (v == 0)
    return;
  s = hivex_value_string (h, v);
  if (s)
    snprintf (buf, len, "%s", s);
}

int64_t
wv_hive_get_dword (hive_h *h, hive_node_h node, const char *key)
{
  hive_value_h v = hivex_node_get_value (h, node, key);
  hive_type t;
  size_t len;

  if (v == 0 || hivex_value_type (h, v, &t, &len) == -1 ||
      t != hive_t_REG_DWORD || len != 4)
    return -1;
  return (uint32_t) hivex_value_dword (h, v);
}
