/* winvirtio: the VirtIO driver folder in DevicePath, before Windows 8.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * DevicePath is read as UTF-16LE code units up to its first NUL (what
 * Windows reads); its ';'-separated folders are compared with
 * %SystemRoot%\Drivers\VirtIO without regard to ASCII case, a
 * trailing backslash allowed.  A value without the folder gets ';'
 * (unless it is empty or ends with one), the folder and one NUL.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <hivex.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "convert/devicepath.h"
#include "registry/hive-lookup.h"
#include "registry/windows.h"

/* The value as found. */
struct devicepath {
  enum wv_devicepath_state state;
  hive_node_h node;
  hive_value_h value;
  hive_type t;
  char *raw;                    /* its bytes, malloc'd */
  size_t units;                 /* UTF-16 code units before the NUL */
};

static unsigned
unit (const char *raw, size_t i)
{
  return (unsigned char) raw[2 * i] | (unsigned char) raw[2 * i + 1] << 8;
}

/* Is the folder raw[start..end) (code units) ours? */
static bool
is_virtio (const char *raw, size_t start, size_t end)
{
  const char *want = WV_DEVICEPATH_VIRTIO;
  size_t n = strlen (want), i;

  if (end - start == n + 1 && unit (raw, end - 1) == '\\')
    end--;
  if (end - start != n)
    return false;
  for (i = 0; i < n; ++i) {
    unsigned u = unit (raw, start + i);

    if (u > 127 || tolower (u) != tolower ((unsigned char) want[i]))
      return false;
  }
  return true;
}

/* Does raw (units code units) list the folder? */
static bool
lists_virtio (const char *raw, size_t units)
{
  size_t start = 0, i;

  for (i = 0; i <= units; ++i)
    if (i == units || unit (raw, i) == ';') {
      if (is_virtio (raw, start, i))
        return true;
      start = i + 1;
    }
  return false;
}

/* Find and read DevicePath.  Returns 0 or -1 after wv_error. */
static int
read_devicepath (hive_h *h, struct devicepath *d)
{
  size_t len;

  memset (d, 0, sizeof *d);
  d->node = wv_hive_lookup (h, hivex_root (h), WV_DEVICEPATH_KEY);
  if (d->node == 0) {
    d->state = WV_DEVICEPATH_NO_KEY;
    return 0;
  }
  d->value = hivex_node_get_value (h, d->node, "DevicePath");
  if (d->value == 0) {
    d->state = WV_DEVICEPATH_NO_VALUE;
    return 0;
  }
  d->raw = hivex_value_value (h, d->value, &d->t, &len);
  if (d->raw == NULL) {
    wv_error ("hivex: cannot read the SOFTWARE hive's "
              WV_DEVICEPATH_KEY "\\DevicePath: %m");
    return -1;
  }
  if ((d->t != hive_t_REG_EXPAND_SZ && d->t != hive_t_REG_SZ) ||
      len % 2 != 0) {
    d->state = WV_DEVICEPATH_NOT_STRING;
    return 0;
  }
  for (d->units = 0; d->units < len / 2; d->units++)
    if (unit (d->raw, d->units) == 0)
      break;
  d->state = lists_virtio (d->raw, d->units) ?
    WV_DEVICEPATH_WITH : WV_DEVICEPATH_WITHOUT;
  return 0;
}

int
wv_devicepath_state (hive_h *h, enum wv_devicepath_state *state_r,
                     char **value_r)
{
  struct devicepath d;

  if (value_r)
    *value_r = NULL;
  if (read_devicepath (h, &d) == -1)
    return -1;
  free (d.raw);
  *state_r = d.state;
  if (value_r &&
      (d.state == WV_DEVICEPATH_WITH || d.state == WV_DEVICEPATH_WITHOUT)) {
    *value_r = hivex_value_string (h, d.value);
    if (*value_r == NULL) {
      wv_error ("hivex: cannot read the SOFTWARE hive's "
                WV_DEVICEPATH_KEY "\\DevicePath as a string: %m");
      return -1;
    }
  }
  return 0;
}

const char *
wv_devicepath_describe (enum wv_devicepath_state state)
{
  switch (state) {
  case WV_DEVICEPATH_NO_KEY:
    return "the SOFTWARE hive has no " WV_DEVICEPATH_KEY " key";
  case WV_DEVICEPATH_NO_VALUE:
    return "the SOFTWARE hive has no DevicePath in " WV_DEVICEPATH_KEY;
  case WV_DEVICEPATH_NOT_STRING:
    return "the SOFTWARE hive's DevicePath is not a string";
  case WV_DEVICEPATH_WITHOUT:
    return "DevicePath does not list " WV_DEVICEPATH_VIRTIO;
  case WV_DEVICEPATH_WITH:
    return "DevicePath lists " WV_DEVICEPATH_VIRTIO;
  }
  return "?";
}

int
wv_devicepath_add (hive_h *h, FILE *log, enum wv_devicepath_state *state_r)
{
  struct devicepath d;
  CLEANUP_FREE char *name = NULL, *buf = NULL;
  const char *add = WV_DEVICEPATH_VIRTIO;
  size_t n = strlen (add), o, i;
  hive_set_value sv;
  bool sep;

  if (read_devicepath (h, &d) == -1)
    return -1;
  *state_r = d.state;
  if (d.state == WV_DEVICEPATH_WITH) {
    free (d.raw);
    return 0;
  }
  if (d.state != WV_DEVICEPATH_WITHOUT) {
    /* As virt-v2v: nothing is created. */
    fprintf (log, "warning: %s: the drivers in Drivers\\VirtIO other than "
             "the boot drivers will not be found at first boot (install "
             "them from there in Windows)\n",
             wv_devicepath_describe (d.state));
    free (d.raw);
    return 0;
  }

  /* The string up to its NUL, ';' if needed, the folder, a NUL. */
  sep = d.units > 0 && unit (d.raw, d.units - 1) != ';';
  sv.len = (d.units + sep + n + 1) * 2;
  buf = calloc (1, sv.len);
  name = hivex_value_key (h, d.value);
  if (buf == NULL || name == NULL) {
    wv_error ("out of memory");
    free (d.raw);
    return -1;
  }
  memcpy (buf, d.raw, d.units * 2);
  free (d.raw);
  o = d.units * 2;
  if (sep) {
    buf[o] = ';';
    o += 2;
  }
  for (i = 0; i < n; ++i, o += 2)
    buf[o] = add[i];
  /* (calloc: the last two bytes are the NUL.) */

  /* The value keeps its name's spelling and its type. */
  sv.key = name;
  sv.t = d.t;
  sv.value = buf;
  if (hivex_node_set_value (h, d.node, &sv, 0) == -1) {
    wv_error ("hivex: cannot set the SOFTWARE hive's "
              WV_DEVICEPATH_KEY "\\DevicePath: %m");
    return -1;
  }
  fprintf (log, "devicepath: added %s to SOFTWARE\\%s\\%s\n",
           WV_DEVICEPATH_VIRTIO, WV_DEVICEPATH_KEY, name);
  return 0;
}
