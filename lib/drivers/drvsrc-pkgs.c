/* winvirtio: driver sources: reading the packages for a Windows, the
 * groups of files of one driver folder (or, by-os, of one INF).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "drivers/drvsrc-internal.h"
#include "drivers/drvsrc-io.h"
#include "drivers/drvsrc.h"

static char *
lower_dup (const char *s)
{
  char *r = strdup (s), *p;

  if (r == NULL) {
    wv_error ("strdup: %m");
    return NULL;
  }
  for (p = r; *p; p++)
    *p = tolower ((unsigned char) *p);
  return r;
}

/* ---- packages ---- */

void
wv_drvsrc_pkg_free (struct wv_drvsrc_pkg *pkg)
{
  if (pkg == NULL)
    return;
  wv_drvsrc_pkgs_free (pkg, 1);
}

void
wv_drvsrc_pkgs_free (struct wv_drvsrc_pkg *pkgs, size_t n)
{
  size_t i, j;

  for (i = 0; i < n; i++) {
    for (j = 0; j < pkgs[i].nr_files; j++) {
      free (pkgs[i].files[j].name);
      free (pkgs[i].files[j].data);
    }
    free (pkgs[i].files);
    free (pkgs[i].driver);
    free (pkgs[i].where);
  }
  free (pkgs);
}

const struct wv_drvsrc_pkg_file *
wv_drvsrc_pkg_find (const struct wv_drvsrc_pkg *pkg, const char *name)
{
  size_t i;

  for (i = 0; i < pkg->nr_files; i++)
    if (strcasecmp (pkg->files[i].name, name) == 0)
      return &pkg->files[i];
  return NULL;
}

/* ---- groups ---- */

void
wv_drvsrc_groups_free (struct wv_drvsrc_groups *gs)
{
  size_t i;

  for (i = 0; i < gs->n; i++) {
    free (gs->v[i].driver);
    free (gs->v[i].dir);
    free (gs->v[i].idx);
  }
  free (gs->v);
  gs->v = NULL;
  gs->n = gs->cap = 0;
}

struct wv_drvsrc_group *
wv_drvsrc_group_get (struct wv_drvsrc_groups *gs, const char *driver,
                     const char *dir)
{
  struct wv_drvsrc_group *g;
  size_t i;

  for (i = 0; i < gs->n; i++)
    if (strcmp (gs->v[i].dir, dir) == 0)
      return &gs->v[i];
  if (wv_array_grow (&gs->v, &gs->cap, gs->n + 1, sizeof *gs->v, 8) == -1)
    return NULL;
  g = &gs->v[gs->n];
  memset (g, 0, sizeof *g);
  g->driver = lower_dup (driver);
  g->dir = strdup (dir);
  if (g->driver == NULL || g->dir == NULL) {
    free (g->driver);
    free (g->dir);
    wv_error ("strdup: %m");
    return NULL;
  }
  gs->n++;
  return g;
}

int
wv_drvsrc_group_add (struct wv_drvsrc_group *g, size_t idx,
                     const char *name)
{
  if (wv_array_grow (&g->idx, &g->cap, g->n + 1, sizeof *g->idx, 8) == -1)
    return -1;
  g->idx[g->n++] = idx;
  if (wv_drvsrc_has_suffix (name, ".inf"))
    g->has_inf = true;
  return 0;
}

/* Group the DRIVER/OS/ARCH/FILE files for w (only driver's if not
 * NULL) by folder.
 */
static int
group_folders (const struct wv_drvsrc *src, const struct wv_windows *w,
               const char *driver, struct wv_drvsrc_groups *gs)
{
  size_t i;

  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096], dir[4096];
    const char *c[MAX_COMPS];
    int n = wv_drvsrc_split (src->list.files[i].path, src->prefix, buf,
                             sizeof buf, c);
    struct wv_drvsrc_group *g;

    if (n < 4 || strcasecmp (c[1], w->osdir) != 0 ||
        !wv_drvsrc_arch_matches (c[2], w->arch))
      continue;
    if (driver && strcasecmp (c[0], wv_drvsrc_folder_of (driver)) != 0)
      continue;
    if (n > 4) {
      wv_debug ("%s: leaving out %s (in a subfolder)", src->name,
                src->list.files[i].path);
      continue;
    }
    if (wv_drvsrc_is_pdb (c[3]))
      continue;
    snprintf (dir, sizeof dir, "%s%s%s/%s/%s", src->prefix,
              *src->prefix ? "/" : "", c[0], c[1], c[2]);
    g = wv_drvsrc_group_get (gs, c[0], dir);
    if (g == NULL || wv_drvsrc_group_add (g, i, c[3]) == -1)
      return -1;
  }
  return 0;
}

/* For sorting a group's files by name: the list is sorted by path
 * and a group is one folder, except in by-os where the INF comes
 * first; the list index order is the name order within a folder.
 */
static int
compare_idx (const void *a, const void *b)
{
  size_t x = *(const size_t *) a, y = *(const size_t *) b;

  return x < y ? -1 : x > y;
}

/* Read group g into pkg. */
static int
read_group (const struct wv_drvsrc *src, const struct wv_drvsrc_group *g,
            struct wv_drvsrc_pkg *pkg)
{
  CLEANUP_FREE const char **paths = NULL;
  CLEANUP_FREE uint8_t **datas = NULL;
  CLEANUP_FREE size_t *lens = NULL;
  size_t i;

  memset (pkg, 0, sizeof *pkg);
  paths = calloc (g->n + 1, sizeof *paths);
  datas = calloc (g->n + 1, sizeof *datas);
  lens = calloc (g->n + 1, sizeof *lens);
  pkg->files = calloc (g->n + 1, sizeof *pkg->files);
  pkg->driver = strdup (g->driver);
  pkg->where = wv_drvsrc_display (src, g->dir);
  if (!paths || !datas || !lens || !pkg->files || !pkg->driver ||
      !pkg->where) {
    wv_error ("calloc: %m");
    goto err;
  }
  /* Files in name order, whatever the layout. */
  if (g->n > 0)
    qsort (g->idx, g->n, sizeof *g->idx, compare_idx);
  for (i = 0; i < g->n; i++)
    paths[i] = src->list.files[g->idx[i]].path;
  if (wv_drvsrc_read (src->root, src->is_iso, paths, g->n, datas, lens) == -1)
    goto err;
  for (i = 0; i < g->n; i++) {
    pkg->files[i].name = strdup (wv_drvsrc_base_name (paths[i]));
    pkg->files[i].data = datas[i];
    pkg->files[i].len = lens[i];
    pkg->nr_files++;
    if (pkg->files[i].name == NULL) {
      wv_error ("strdup: %m");
      for (i++; i < g->n; i++)
        free (datas[i]);
      goto err;
    }
  }
  return 0;

 err:
  free (pkg->driver);
  free (pkg->where);
  for (i = 0; i < pkg->nr_files; i++) {
    free (pkg->files[i].name);
    free (pkg->files[i].data);
  }
  free (pkg->files);
  memset (pkg, 0, sizeof *pkg);
  return -1;
}

static int
compare_groups (const void *a, const void *b)
{
  return strcmp (((const struct wv_drvsrc_group *) a)->driver,
                 ((const struct wv_drvsrc_group *) b)->driver);
}

/* Turn the groups into packages, leaving out what must be. */
static int
read_groups (const struct wv_drvsrc *src, const struct wv_windows *w,
             struct wv_drvsrc_groups *gs, struct wv_drvsrc_pkg **pkgs_r,
             size_t *nr_r)
{
  struct wv_drvsrc_pkg *pkgs;
  size_t i, n = 0;

  if (gs->n > 0)                /* (qsort of NULL, 0 is undefined) */
    qsort (gs->v, gs->n, sizeof *gs->v, compare_groups);
  pkgs = calloc (gs->n + 1, sizeof *pkgs);
  if (pkgs == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (i = 0; i < gs->n; i++) {
    const char *why = wv_drvsrc_left_out (gs->v[i].driver, w);

    if (why) {
      wv_debug ("%s: leaving out %s: %s", src->name, gs->v[i].dir, why);
      continue;
    }
    if (!gs->v[i].has_inf) {
      wv_debug ("%s: leaving out %s: no .inf file", src->name,
                gs->v[i].dir);
      continue;
    }
    if (read_group (src, &gs->v[i], &pkgs[n]) == -1) {
      wv_drvsrc_pkgs_free (pkgs, n);
      return -1;
    }
    n++;
  }
  *pkgs_r = pkgs;
  *nr_r = n;
  return 0;
}

/* ---- the API ---- */

int
wv_drvsrc_packages (struct wv_drvsrc *src, const struct wv_windows *w,
                    struct wv_drvsrc_pkg **pkgs_r, size_t *nr_r)
{
  struct wv_drvsrc_groups gs = { 0 };
  char dir[4096];
  int r;

  *pkgs_r = NULL;
  *nr_r = 0;
  if (wv_drvsrc_no_osdir (w) == -1)
    return -1;
  if (src->layout == LAYOUT_BY_OS) {
    wv_drvsrc_by_os_folder (src, w, dir, sizeof dir);
    r = dir[0] ? wv_drvsrc_group_by_os (src, w, dir, &gs) : 0;
  }
  else
    r = group_folders (src, w, NULL, &gs);
  if (r == 0)
    r = read_groups (src, w, &gs, pkgs_r, nr_r);
  wv_drvsrc_groups_free (&gs);
  if (r == 0 && *nr_r == 0) {
    free (*pkgs_r);
    *pkgs_r = NULL;
    wv_drvsrc_nothing_for (src, w);
    return -1;
  }
  return r;
}

int
wv_drvsrc_package (struct wv_drvsrc *src, const char *driver,
                   const struct wv_windows *w, struct wv_drvsrc_pkg **pkg_r)
{
  struct wv_drvsrc_groups gs = { 0 };
  struct wv_drvsrc_pkg *pkgs = NULL;
  size_t nr = 0, i;
  const char *why;
  char dir[4096];
  int r = -1;

  *pkg_r = NULL;
  if (wv_drvsrc_no_osdir (w) == -1)
    return -1;
  why = wv_drvsrc_left_out (wv_drvsrc_folder_of (driver), w);
  if (why) {
    wv_error ("%s: winvirtio does not install %s on %s: %s", src->name,
              driver, w->product_name, why);
    return -1;
  }
  if (src->layout == LAYOUT_BY_OS) {
    wv_drvsrc_by_os_folder (src, w, dir, sizeof dir);
    if (dir[0] == '\0') {
      wv_drvsrc_nothing_for (src, w);
      return -1;
    }
    if (wv_drvsrc_group_by_os (src, w, dir, &gs) == -1)
      goto out;
    for (i = 0; i < gs.n; i++)
      if (strcasecmp (gs.v[i].driver, wv_drvsrc_folder_of (driver)) == 0)
        break;
    if (i == gs.n) {
      struct wv_drvsrc_names ns = { 0 };
      CLEANUP_FREE char *have = NULL, *at = wv_drvsrc_display (src, dir);

      for (i = 0; i < gs.n; i++)
        if (!wv_drvsrc_left_out (gs.v[i].driver, w))
          wv_drvsrc_names_add (&ns, gs.v[i].driver);
      have = wv_drvsrc_names_join (&ns);
      wv_error ("%s: no %s driver for this Windows (it has: %s)",
                at ? at : dir, driver, have ? have : "?");
      goto out;
    }
    /* Keep only that one. */
    if (i != 0) {
      struct wv_drvsrc_group tmp = gs.v[0];

      gs.v[0] = gs.v[i];
      gs.v[i] = tmp;
    }
    for (i = 1; i < gs.n; i++) {
      free (gs.v[i].driver);
      free (gs.v[i].dir);
      free (gs.v[i].idx);
    }
    gs.n = 1;
  }
  else {
    if (wv_drvsrc_check_folders (src, wv_drvsrc_folder_of (driver), w) == -1 ||
        group_folders (src, w, driver, &gs) == -1)
      goto out;
  }
  if (read_groups (src, w, &gs, &pkgs, &nr) == -1)
    goto out;
  if (nr == 0) {
    CLEANUP_FREE char *at = NULL;

    if (gs.n > 0)
      at = wv_drvsrc_display (src, gs.v[0].dir);
    wv_error ("%s: no .inf file for %s", at ? at : src->name, driver);
    free (pkgs);
    goto out;
  }
  *pkg_r = pkgs;
  r = 0;

 out:
  wv_drvsrc_groups_free (&gs);
  return r;
}

int
wv_drvsrc_driver_sys (struct wv_drvsrc *src, const char *driver,
                      const struct wv_windows *w,
                      uint8_t **data_r, size_t *len_r, char **path_r)
{
  struct wv_drvsrc_pkg *pkg = NULL;
  struct wv_drvsrc_pkg_file *f = NULL;
  CLEANUP_FREE char *sys = NULL;
  size_t i;
  int r = -1;

  if (wv_drvsrc_no_osdir (w) == -1)
    return -1;
  if (asprintf (&sys, "%s.sys", driver) == -1) {
    wv_error ("asprintf: %m");
    goto out;
  }
  if (wv_drvsrc_package (src, driver, w, &pkg) == -1)
    goto out;
  for (i = 0; i < pkg->nr_files; i++)
    if (strcasecmp (pkg->files[i].name, sys) == 0)
      f = &pkg->files[i];
  if (f == NULL) {
    wv_error ("%s: %s not found", pkg->where, sys);
    goto out;
  }
  if (f->len == 0) {
    wv_error ("%s/%s: empty file, not a driver", pkg->where, f->name);
    goto out;
  }
  if (asprintf (path_r, "%s/%s", pkg->where, f->name) == -1) {
    wv_error ("asprintf: %m");
    goto out;
  }
  *data_r = f->data;
  *len_r = f->len;
  f->data = NULL;
  r = 0;

 out:
  wv_drvsrc_pkg_free (pkg);
  return r;
}
