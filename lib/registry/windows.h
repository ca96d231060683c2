/* winvirtio: which Windows is this, from its SYSTEM and SOFTWARE
 * hives.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_WINDOWS_H
#define WINVIRTIO_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hivex.h>

struct wv_windows {
  /* From SOFTWARE\Microsoft\Windows NT\CurrentVersion. */
  char product_name[128];
  char edition_id[64];
  char installation_type[32];   /* "Client", "Server", "Server Core" */
  unsigned major, minor, build;
  bool server;

  /* From SYSTEM. */
  char arch[16];                /* virtio-win name: amd64, x86, ARM64 */
  unsigned control_set;         /* Select\Current */
  char control_set_name[16];    /* "ControlSet001" */
  bool has_driver_database;     /* Windows 8 and later */

  /* virtio-win folder for this Windows ("w10", "2k19", ...), or NULL
   * if winvirtio does not know this version.
   */
  const char *osdir;
};

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

/* Fill w from the two hives.  Returns 0 or -1 (after wv_error). */
extern int wv_windows_identify (hive_h *system, hive_h *software,
                                struct wv_windows *w);

/* "Windows 10 Pro (10.0 build 19045, amd64)" into buf. */
extern void wv_windows_describe (const struct wv_windows *w, char *buf,
                                 size_t len);

#endif /* WINVIRTIO_WINDOWS_H */
