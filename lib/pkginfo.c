/* winvirtio: the driver packages to install, read from the driver
 * source and described from their INFs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <dirent.h>

#include "cleanup.h"
#include "drivers.h"
#include "hostfile.h"
#include "log.h"
#include "pkginfo.h"

#define MAX_PKG_FILE (64 * 1024 * 1024)

/* The INF first, then by name. */
static int
compare_files (const void *a, const void *b)
{
  const struct wv_pkg_file *fa = a, *fb = b;
  const char *ea = strrchr (fa->name, '.'), *eb = strrchr (fb->name, '.');
  bool ia = ea && strcasecmp (ea, ".inf") == 0;
  bool ib = eb && strcasecmp (eb, ".inf") == 0;

  if (ia != ib)
    return ia ? -1 : 1;
  return strcasecmp (fa->name, fb->name);
}

/* Read every regular file of dir into info->files, the INF first. */
static int
read_files (const char *dir, struct wv_pkg_info *info)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  int r = 0;

  if (d == NULL) {
    wv_error ("%s: %m", dir);
    return -1;
  }
  while (r == 0 && (de = readdir (d)) != NULL) {
    CLEANUP_FREE char *path = NULL;
    struct wv_pkg_file *f;
    const char *ext = strrchr (de->d_name, '.');

    if (de->d_name[0] == '.' || ext == NULL ||
        strcasecmp (ext, ".pdb") == 0)
      continue;
    if (asprintf (&path, "%s/%s", dir, de->d_name) == -1) {
      wv_error ("asprintf: %m");
      r = -1;
      break;
    }
    f = realloc (info->files, (info->nr_files + 1) * sizeof *f);
    if (f == NULL) {
      wv_error ("realloc: %m");
      r = -1;
      break;
    }
    info->files = f;
    f = &info->files[info->nr_files];
    memset (f, 0, sizeof *f);
    f->name = strdup (de->d_name);
    if (f->name == NULL) {
      wv_error ("strdup: %m");
      r = -1;
      break;
    }
    info->nr_files++;
    if (wv_read_host_file (path, MAX_PKG_FILE, &f->data, &f->len) == -1)
      r = -1;
  }
  closedir (d);
  if (r == 0)
    qsort (info->files, info->nr_files, sizeof *info->files, compare_files);
  return r;
}

/* Until the INF parser is merged: what virt-v2v writes as constants,
 * for viostor and vioscsi.
 */
static const struct {
  const char *driver, *conf, *group;
  const char *ids[4];
  unsigned ranks[4];
} builtin[] = {
  { "viostor", "scsi_inst", "SCSI miniport",
    { "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00", "PCI\\VEN_1AF4&DEV_1001",
      "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1042" },
    { 1, 2, 1, 2 } },
  { "vioscsi", "scsi_inst", "SCSI miniport",
    { "PCI\\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00", "PCI\\VEN_1AF4&DEV_1004",
      "PCI\\VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1048" },
    { 1, 2, 1, 2 } },
};

static char *
xstrdup (const char *s, int *err)
{
  char *r = s ? strdup (s) : NULL;

  if (s && r == NULL)
    *err = -1;
  return r;
}

int
wv_pkg_load (const char *tree, const char *driver,
             const struct wv_windows *w, struct wv_pkg_info *info)
{
  CLEANUP_FREE uint8_t *sys = NULL;
  CLEANUP_FREE char *from = NULL;
  size_t len, i, b;
  char *slash;
  int err = 0;
  static const uint8_t one[4] = { 1, 0, 0, 0 };

  memset (info, 0, sizeof *info);
  for (b = 0; b < sizeof builtin / sizeof builtin[0]; ++b)
    if (strcmp (builtin[b].driver, driver) == 0)
      break;
  if (b == sizeof builtin / sizeof builtin[0]) {
    wv_error ("%s: no description of this driver", driver);
    return -1;
  }
  if (wv_driver_read (tree, driver, w, &sys, &len, &from) == -1)
    return -1;
  slash = strrchr (from, '/');
  if (slash)
    *slash = '\0';
  if (read_files (from, info) == -1)
    goto fail;

  info->driver = xstrdup (driver, &err);
  if (asprintf (&info->inf_name, "%s.inf", driver) == -1)
    err = -1;
  if (asprintf (&info->svc_binary, "%s.sys", driver) == -1)
    err = -1;
  if (asprintf (&info->catalog, "%s.cat", driver) == -1)
    err = -1;
  info->class_guid = xstrdup ("{4D36E97B-E325-11CE-BFC1-08002BE10318}", &err);
  info->provider = xstrdup ("Red Hat, Inc.", &err);
  info->conf = xstrdup (builtin[b].conf, &err);
  info->service = xstrdup (driver, &err);
  info->svc_group = xstrdup (builtin[b].group, &err);
  info->svc_type = 1;
  info->svc_start = 0;
  info->svc_error = 1;
  info->ids = calloc (4, sizeof *info->ids);
  info->svc_addreg = calloc (1, sizeof *info->svc_addreg);
  if (err || info->ids == NULL || info->svc_addreg == NULL) {
    wv_error ("out of memory");
    goto fail;
  }
  for (i = 0; i < 4; ++i) {
    info->ids[i].id = xstrdup (builtin[b].ids[i], &err);
    info->ids[i].rank = builtin[b].ranks[i];
  }
  info->nr_ids = 4;
  info->svc_addreg[0].subkey = xstrdup ("Parameters\\PnpInterface", &err);
  info->svc_addreg[0].name = xstrdup ("5", &err);
  info->svc_addreg[0].flags = 0x10001;
  info->svc_addreg[0].type = 4;
  info->svc_addreg[0].data = malloc (4);
  info->svc_addreg[0].len = 4;
  info->nr_svc_addreg = 1;
  if (err || info->svc_addreg[0].data == NULL) {
    wv_error ("out of memory");
    goto fail;
  }
  memcpy (info->svc_addreg[0].data, one, 4);
  return 0;

 fail:
  wv_pkg_info_free (info);
  return -1;
}

int
wv_pkg_load_others (const char *tree, const struct wv_windows *w,
                    struct wv_pkg_info **pkgs_r, size_t *n_r)
{
  *pkgs_r = NULL;
  *n_r = 0;
  return 0;
}
