/* winvirtio: driver sources: the by-os layout of the installed
 * package, where every driver is in one ARCH/OS folder and each INF
 * with the files it names is a package.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "drivers/drvsrc-internal.h"
#include "drivers/drvsrc-io.h"
#include "drivers/drvsrc.h"
#include "drivers/inf.h"

/* ---- by-os: one folder, packages by INF ---- */

void
wv_drvsrc_inf_target (const struct wv_windows *w, struct wv_inf_target *t)
{
  if (strcasecmp (w->arch, "ARM64") == 0)
    t->arch = "arm64";
  else if (strcasecmp (w->arch, "x86") == 0)
    t->arch = "x86";
  else
    t->arch = "amd64";
  t->major = w->major;
  t->minor = w->minor;
  t->build = w->build;
  t->server = w->server;
}

/* Group the by-os folder dir into one group per INF. */
int
wv_drvsrc_group_by_os (const struct wv_drvsrc *src,
                       const struct wv_windows *w, const char *dir,
                       struct wv_drvsrc_groups *gs)
{
  size_t dlen = strlen (dir), i, j, k, nr_infs = 0;
  CLEANUP_FREE size_t *infs = NULL;
  CLEANUP_FREE const char **paths = NULL;
  CLEANUP_FREE uint8_t **datas = NULL;
  CLEANUP_FREE size_t *lens = NULL;
  struct wv_inf_target t;
  int r = -1;

  wv_drvsrc_inf_target (w, &t);
  infs = calloc (src->list.nr_files + 1, sizeof *infs);
  paths = calloc (src->list.nr_files + 1, sizeof *paths);
  datas = calloc (src->list.nr_files + 1, sizeof *datas);
  lens = calloc (src->list.nr_files + 1, sizeof *lens);
  if (!infs || !paths || !datas || !lens) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (i = 0; i < src->list.nr_files; i++) {
    const char *p = src->list.files[i].path;

    if (strncmp (p, dir, dlen) == 0 && p[dlen] == '/' &&
        strchr (p + dlen + 1, '/') == NULL &&
        wv_drvsrc_has_suffix (p, ".inf")) {
      infs[nr_infs] = i;
      paths[nr_infs++] = p;
    }
  }
  if (wv_drvsrc_read (src->root, src->is_iso, paths, nr_infs, datas,
                      lens) == -1)
    return -1;
  for (k = 0; k < nr_infs; k++) {
    const char *infname = wv_drvsrc_base_name (paths[k]);
    char driver[256], *dot;
    struct wv_inf *inf;
    struct wv_inf_version v;
    const char **names = NULL;
    size_t nr_names = 0;
    struct wv_drvsrc_group *g;
    CLEANUP_FREE char *where = wv_drvsrc_display (src, paths[k]);

    snprintf (driver, sizeof driver, "%s", infname);
    if ((dot = strrchr (driver, '.')) != NULL)
      *dot = '\0';
    inf = wv_inf_parse (datas[k], lens[k], where ? where : infname, NULL);
    if (inf == NULL)
      goto out;
    if (wv_inf_version (inf, &t, &v) == -1 ||
        wv_inf_source_files (inf, &t, &names, &nr_names) == -1) {
      wv_inf_free (inf);
      goto out;
    }
    /* The group is named after the INF, so that two INFs of one folder
     * are two packages.
     */
    g = wv_drvsrc_group_get (gs, wv_drvsrc_folder_of (driver), paths[k]);
    if (g == NULL || wv_drvsrc_group_add (g, infs[k], infname) == -1) {
      free (names);
      wv_inf_free (inf);
      goto out;
    }
    /* The catalog and the files the INF names, where present. */
    for (i = 0; i < src->list.nr_files; i++) {
      const char *p = src->list.files[i].path, *b;
      bool want;

      if (strncmp (p, dir, dlen) != 0 || p[dlen] != '/' ||
          strchr (p + dlen + 1, '/') != NULL || i == infs[k])
        continue;
      b = p + dlen + 1;
      want = v.catalog_file && strcasecmp (b, v.catalog_file) == 0;
      for (j = 0; !want && j < nr_names; j++)
        want = strcasecmp (b, names[j]) == 0;
      if (want && !wv_drvsrc_is_pdb (b) &&
          wv_drvsrc_group_add (g, i, b) == -1) {
        free (names);
        wv_inf_free (inf);
        goto out;
      }
    }
    free (names);
    wv_inf_free (inf);
  }
  /* "where" of a by-os package is its folder, not the INF. */
  for (k = 0; k < gs->n; k++) {
    free (gs->v[k].dir);
    gs->v[k].dir = strdup (dir);
    if (gs->v[k].dir == NULL) {
      wv_error ("strdup: %m");
      goto out;
    }
  }
  r = 0;

 out:
  for (k = 0; k < nr_infs; k++)
    free (datas[k]);
  return r;
}
