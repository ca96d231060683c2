/* winvirtio: what the driver source files (drvsrc-*.c) share; other
 * files use drvsrc.h.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_DRVSRC_INTERNAL_H
#define WINVIRTIO_DRVSRC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/drvsrc-io.h"
#include "registry/windows.h"

enum layout { LAYOUT_FOLDERS, LAYOUT_BY_OS };

struct wv_drvsrc {
  char *name;                   /* the root, for messages */
  char *root;                   /* directory, or ISO file */
  bool is_iso;
  enum layout layout;
  char *prefix;                 /* "", "drivers/by-driver", ... */
  const char *layout_name;
  struct wv_drvsrc_list list;
};

#define MAX_COMPS 8

/* A package being put together: indexes into src->list. */
struct wv_drvsrc_group {
  char *driver;                 /* lower case */
  char *dir;                    /* relative folder, actual case */
  size_t *idx;
  size_t n, cap;
  bool has_inf;
};

struct wv_drvsrc_groups {
  struct wv_drvsrc_group *v;
  size_t n, cap;
};

struct wv_drvsrc_names {
  char **v;
  size_t n, cap;
};

/* drvsrc-folder.c: paths. */

/* Split path below prefix into comps (pointing into buf).  Returns the
 * number of elements, or -1 if path is not below prefix or too deep.
 */
extern int wv_drvsrc_split (const char *path, const char *prefix, char *buf,
                            size_t bufsize, const char **comps);

/* The display name of rel in src (malloc'd). */
extern char *wv_drvsrc_display (const struct wv_drvsrc *src, const char *rel);

extern bool wv_drvsrc_arch_matches (const char *folder, const char *arch);
extern bool wv_drvsrc_is_pdb (const char *name);
extern bool wv_drvsrc_has_suffix (const char *name, const char *suffix);

/* Why package driver is left out for w, or NULL. */
extern const char *wv_drvsrc_left_out (const char *driver,
                                       const struct wv_windows *w);

/* The folder name for driver (folder or INF name). */
extern const char *wv_drvsrc_folder_of (const char *driver);

extern const char *wv_drvsrc_base_name (const char *path);

/* drvsrc-folder.c: "it has: a, b, c" lists. */

extern int wv_drvsrc_names_add (struct wv_drvsrc_names *ns, const char *s);

/* Joined with ", " and freed; "nothing" if empty.  NULL on error. */
extern char *wv_drvsrc_names_join (struct wv_drvsrc_names *ns);

/* drvsrc-folder.c: the folder for a Windows. */

/* -1 after wv_error if winvirtio knows no virtio-win folder for w. */
extern int wv_drvsrc_no_osdir (const struct wv_windows *w);

/* The folder ARCH/OS below the prefix for w, relative ("" if none). */
extern int wv_drvsrc_by_os_folder (const struct wv_drvsrc *src,
                                   const struct wv_windows *w,
                                   char *dir, size_t len);

/* The error when src has nothing for w. */
extern void wv_drvsrc_nothing_for (const struct wv_drvsrc *src,
                                   const struct wv_windows *w);

/* Check the folders down to driver/OS/ARCH, with the errors. */
extern int wv_drvsrc_check_folders (const struct wv_drvsrc *src,
                                    const char *folder,
                                    const struct wv_windows *w);

/* drvsrc-pkgs.c: groups. */

extern void wv_drvsrc_groups_free (struct wv_drvsrc_groups *gs);
extern struct wv_drvsrc_group *
wv_drvsrc_group_get (struct wv_drvsrc_groups *gs, const char *driver,
                     const char *dir);
extern int wv_drvsrc_group_add (struct wv_drvsrc_group *g, size_t idx,
                                const char *name);

/* drvsrc-byos.c: group the by-os folder dir into one group per INF. */
extern int wv_drvsrc_group_by_os (const struct wv_drvsrc *src,
                                  const struct wv_windows *w,
                                  const char *dir,
                                  struct wv_drvsrc_groups *gs);

#endif /* WINVIRTIO_DRVSRC_INTERNAL_H */
