/* winvirtio: removing graphicsmodedisabled from the BCD's default
 * entry (see bcd.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A BCD whose base block says Windows left changes in BCD.LOG (dirty)
 * is refused: hivex would edit the stale hive.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include <hivex.h>

#include "common/log.h"
#include "esp/bcd.h"
#include "registry/hive.h"
#include "registry/hive-lookup.h"

#define BOOTMGR "Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}" \
  "\\Elements\\23000003"

/* The largest BCD accepted (real ones are 16-64 KiB). */
#define MAX_BCD (16 * 1024 * 1024)

/* Find the default entry's 16000046 in h; 0 if none. */
static hive_node_h
find_element (hive_h *h, char entry[40])
{
  char path[128];
  hive_node_h root = hivex_root (h), n;

  entry[0] = '\0';
  n = wv_hive_lookup (h, root, BOOTMGR);
  if (n == 0)
    return 0;
  wv_hive_get_string (h, n, "Element", entry, 40);
  if (entry[0] != '{' || strlen (entry) != 38 || strchr (entry, '\\')) {
    entry[0] = '\0';
    return 0;
  }
  snprintf (path, sizeof path, "Objects\\%s\\Elements\\16000046", entry);
  return wv_hive_lookup (h, root, path);
}

enum wv_bcd_result
wv_esp_bcd_edit (const uint8_t *data, size_t len, uint8_t **out_r,
                 size_t *outlen_r, char entry_r[40])
{
  struct wv_hive hive = { .path = NULL };
  char entry[40];
  hive_node_h n;
  int r;

  *out_r = NULL;
  *outlen_r = 0;
  if (entry_r)
    entry_r[0] = '\0';
  if (len > MAX_BCD) {
    wv_error ("the BCD is larger than %d bytes", MAX_BCD);
    return WV_BCD_ERROR;
  }
  if (wv_hive_check (data, len, "BCD") == -1 ||
      wv_hive_open (&hive, data, len, 1, "BCD") == -1)
    return WV_BCD_ERROR;
  n = find_element (hive.h, entry);
  if (entry_r)
    memcpy (entry_r, entry, sizeof entry);
  if (n == 0) {
    wv_hive_close (&hive);
    return WV_BCD_UNCHANGED;
  }
  if (hivex_node_delete_child (hive.h, n) == -1) {
    wv_error ("BCD: hivex_node_delete_child: %m");
    wv_hive_close (&hive);
    return WV_BCD_ERROR;
  }
  r = wv_hive_commit (&hive, out_r, outlen_r);
  wv_hive_close (&hive);
  if (r == -1)
    return WV_BCD_ERROR;
  return WV_BCD_CHANGED;
}
