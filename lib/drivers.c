/* winvirtio: finding drivers in a virtio-win tree.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The virtio-win ISO is laid out as <driver>/<osdir>/<arch>/ (for
 * example viostor/w10/amd64/viostor.sys); names have been seen in
 * both cases, so each path element is matched case-insensitively.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <dirent.h>

#include "cleanup.h"
#include "drivers.h"
#include "hostfile.h"
#include "log.h"

/* Largest driver file accepted. */
#define MAX_DRIVER (64 * 1024 * 1024)

/* dir/name with name matched case-insensitively; malloc'd, or NULL
 * if there is no such entry (errno ENOENT) or on error.
 */
static char *
find_entry (const char *dir, const char *name)
{
  DIR *d = opendir (dir);
  struct dirent *ent;
  char *path = NULL;

  if (d == NULL)
    return NULL;
  errno = ENOENT;
  while ((ent = readdir (d)) != NULL) {
    if (strcasecmp (ent->d_name, name) == 0) {
      if (asprintf (&path, "%s/%s", dir, ent->d_name) == -1)
        path = NULL;
      break;
    }
  }
  closedir (d);
  if (path == NULL && errno == 0)
    errno = ENOENT;
  return path;
}

/* The subfolders of dir, as "a, b, c" (for messages). */
static char *
list_dir (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *ent;
  char *buf = NULL;
  size_t len = 0;
  FILE *fp;

  fp = open_memstream (&buf, &len);
  if (fp == NULL) {
    if (d)
      closedir (d);
    return NULL;
  }
  if (d) {
    const char *sep = "";

    while ((ent = readdir (d)) != NULL) {
      if (ent->d_name[0] == '.')
        continue;
      fprintf (fp, "%s%s", sep, ent->d_name);
      sep = ", ";
    }
    closedir (d);
  }
  fclose (fp);
  return buf;
}

int
wv_driver_read (const char *tree, const char *driver,
                const struct wv_windows *w,
                uint8_t **data_r, size_t *len_r, char **path_r)
{
  CLEANUP_FREE char *ddir = NULL, *odir = NULL, *adir = NULL;
  CLEANUP_FREE char *file = NULL, *sys = NULL, *have = NULL;

  if (w->osdir == NULL) {
    wv_error ("winvirtio does not know which virtio-win folder fits "
              "%s (Windows %u.%u build %u): this Windows is not supported "
              "yet; please report it", w->product_name[0] ?
              w->product_name : "this Windows", w->major, w->minor,
              w->build);
    return -1;
  }
  if (asprintf (&sys, "%s.sys", driver) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  ddir = find_entry (tree, driver);
  if (ddir == NULL) {
    have = list_dir (tree);
    wv_error ("%s: no %s folder in the driver tree (it has: %s); point "
              "winvirtio at a virtio-win ISO tree", tree, driver,
              have && *have ? have : "nothing");
    return -1;
  }
  odir = find_entry (ddir, w->osdir);
  if (odir == NULL) {
    have = list_dir (ddir);
    wv_error ("%s has no folder for this Windows (%s, virtio-win folder "
              "%s); it has: %s.  Use a virtio-win release that supports "
              "this Windows", ddir, w->product_name, w->osdir,
              have && *have ? have : "nothing");
    return -1;
  }
  adir = find_entry (odir, w->arch);
  if (adir == NULL) {
    have = list_dir (odir);
    wv_error ("%s has no %s folder for this %s Windows (it has: %s): use "
              "a virtio-win release with %s drivers for this Windows",
              odir, w->arch, w->arch, have && *have ? have : "nothing",
              w->arch);
    return -1;
  }
  file = find_entry (adir, sys);
  if (file == NULL) {
    wv_error ("%s: %s not found", adir, sys);
    return -1;
  }
  if (wv_read_host_file (file, MAX_DRIVER, data_r, len_r) == -1)
    return -1;
  if (*len_r == 0) {
    wv_error ("%s: empty file, not a driver", file);
    free (*data_r);
    return -1;
  }
  *path_r = file;
  file = NULL;
  return 0;
}
