/* winvirtio: removing graphicsmodedisabled from the BCD's default
 * entry (see bcd.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A BCD whose base block says Windows left changes in BCD.LOG (dirty)
 * is refused: hivex would edit the stale hive.  The delete runs in a
 * child process (delete_apart), as hivex aborts on some damaged hives.
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hivex.h>

#include "common/hostfile.h"
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

/* An element is a key with no subkeys and a few values.  Check it
 * before hivex deletes it: hivex's delete asserts (aborts) on some
 * damaged subtrees, so anything else is refused first.
 */
static int
check_leaf (hive_h *h, hive_node_h n)
{
  hive_node_h *kids = hivex_node_children (h, n);
  hive_value_h *vals = kids ? hivex_node_values (h, n) : NULL;
  size_t i;
  int r = 0;

  if (kids == NULL || vals == NULL || kids[0] != 0)
    r = -1;
  for (i = 0; r == 0 && vals[i] != 0; ++i) {
    hive_type t;
    size_t len;

    char *data;

    if (i >= 8 || hivex_value_type (h, vals[i], &t, &len) == -1 ||
        len > 4096)
      r = -1;
    else if ((data = hivex_value_value (h, vals[i], &t, &len)) == NULL)
      r = -1;
    else
      free (data);
  }
  free (kids);
  free (vals);
  if (r == -1)
    wv_error ("BCD: element 16000046 of the default entry is not a plain "
              "element (subkeys or damaged values): the BCD is damaged");
  return r;
}

/* Delete n and commit the hive to its staging file, in a child
 * process: on some damaged hives hivex's delete fails an assert and
 * aborts, which must not take the planner (or nbdkit) with it.
 */
static int
delete_apart (struct wv_hive *hive, hive_node_h n)
{
  pid_t pid = fork ();
  int status;

  if (pid == -1) {
    wv_error ("fork: %m");
    return -1;
  }
  if (pid == 0)
    _exit (hivex_node_delete_child (hive->h, n) == 0 &&
           hivex_commit (hive->h, NULL, 0) == 0 ? 0 : 1);
  while (waitpid (pid, &status, 0) == -1)
    if (errno != EINTR) {
      wv_error ("waitpid: %m");
      return -1;
    }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    wv_error ("BCD: hivex could not delete element 16000046 of the "
              "default entry (%s): the BCD is damaged",
              WIFEXITED (status) ? "it failed" : "it aborted");
    return -1;
  }
  return 0;
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
  if (check_leaf (hive.h, n) == -1) {
    wv_hive_close (&hive);
    return WV_BCD_ERROR;
  }
  r = delete_apart (&hive, n);
  if (r == 0)
    r = wv_read_host_file (hive.path, MAX_BCD, out_r, outlen_r);
  wv_hive_close (&hive);
  if (r == -1)
    return WV_BCD_ERROR;
  return WV_BCD_CHANGED;
}
