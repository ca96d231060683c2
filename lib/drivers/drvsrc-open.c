/* winvirtio: driver sources: opening one, and its layout.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The source is listed once (drvsrc-io.c) and the layout found from
 * the list: a "by-driver" or "by-os" folder (at the top or below
 * "drivers") means the installed package, otherwise DRIVER/OS/ARCH/
 * as on the ISO.  Everything after that works on the list, so the ISO
 * image and a directory behave the same.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "drivers/drvsrc-internal.h"
#include "drivers/drvsrc-io.h"
#include "drivers/drvsrc.h"

/* Find the layout from the list. */
static void
find_layout (struct wv_drvsrc *src)
{
  static const struct { const char *prefix; enum layout l; const char *name; }
  layouts[] = {
    { "drivers/by-driver", LAYOUT_FOLDERS, "installed package (by-driver)" },
    { "by-driver", LAYOUT_FOLDERS, "installed package (by-driver)" },
    { "drivers/by-os", LAYOUT_BY_OS, "installed package (by-os)" },
    { "by-os", LAYOUT_BY_OS, "installed package (by-os)" },
  };
  size_t i, j;

  for (j = 0; j < sizeof layouts / sizeof layouts[0]; j++) {
    size_t n = strlen (layouts[j].prefix);

    for (i = 0; i < src->list.nr_files; i++) {
      const char *p = src->list.files[i].path;

      if (strncasecmp (p, layouts[j].prefix, n) == 0 && p[n] == '/' &&
          wv_drvsrc_has_suffix (p, ".inf")) {
        src->prefix = strndup (p, n);
        src->layout = layouts[j].l;
        src->layout_name = layouts[j].name;
        return;
      }
    }
  }
  src->prefix = strdup ("");
  src->layout = LAYOUT_FOLDERS;
  src->layout_name = src->is_iso ? "ISO image" : "ISO layout";

  /* DRIVER/OS/ARCH/x.inf is the ISO layout (which also has the
   * storage drivers in ARCH/OS/ for Windows Setup); without any, a
   * folder given as .../drivers/by-os has ARCH/OS/x.inf.
   */
  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];

    if (wv_drvsrc_split (src->list.files[i].path, "", buf, sizeof buf,
                         c) == 4 &&
        wv_drvsrc_has_suffix (c[3], ".inf"))
      return;
  }
  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];

    if (wv_drvsrc_split (src->list.files[i].path, "", buf, sizeof buf,
                         c) == 3 &&
        wv_drvsrc_has_suffix (c[2], ".inf") &&
        (strcasecmp (c[0], "amd64") == 0 || strcasecmp (c[0], "i386") == 0 ||
         strcasecmp (c[0], "x86") == 0 || strcasecmp (c[0], "ARM64") == 0)) {
      src->layout = LAYOUT_BY_OS;
      src->layout_name = "installed package (by-os)";
      return;
    }
  }
}

static bool
any_inf (const struct wv_drvsrc_list *l)
{
  size_t i;

  for (i = 0; i < l->nr_files; i++)
    if (wv_drvsrc_has_suffix (l->files[i].path, ".inf"))
      return true;
  return false;
}

static int
compare_files (const void *a, const void *b)
{
  return strcmp (((const struct wv_drvsrc_entry *) a)->path,
                 ((const struct wv_drvsrc_entry *) b)->path);
}

static struct wv_drvsrc *
open_one (const char *path)
{
  struct wv_drvsrc *src;
  struct stat st;

  if (stat (path, &st) == -1) {
    wv_error ("cannot open the virtio-win drivers %s: %m", path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode)) {
    wv_error ("%s: the virtio-win drivers must be an ISO image or a "
              "directory", path);
    return NULL;
  }
  src = calloc (1, sizeof *src);
  if (src == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  src->root = strdup (path);
  src->name = strdup (path);
  src->is_iso = S_ISREG (st.st_mode);
  if (src->root == NULL || src->name == NULL) {
    wv_error ("strdup: %m");
    goto err;
  }
  /* "dir/" and "dir" give the same messages. */
  while (strlen (src->root) > 1 && src->root[strlen (src->root) - 1] == '/')
    src->root[strlen (src->root) - 1] = '\0';
  strcpy (src->name, src->root);
  if ((src->is_iso ? wv_drvsrc_list_iso (path, &src->list)
       : wv_drvsrc_list_dir (path, &src->list)) == -1)
    goto err;
  if (src->list.nr_files > 0)
    qsort (src->list.files, src->list.nr_files, sizeof *src->list.files,
           compare_files);
  find_layout (src);
  if (src->prefix == NULL) {
    wv_error ("strdup: %m");
    goto err;
  }
  wv_debug ("driver source %s: %s, %zu files", path, src->layout_name,
            src->list.nr_files);
  return src;

 err:
  wv_drvsrc_close (src);
  return NULL;
}

struct wv_drvsrc *
wv_drvsrc_open (const char *path)
{
  CLEANUP_FREE char *def = NULL, *iso = NULL;
  struct wv_drvsrc *src;
  struct stat st;

  if (path == NULL) {
    path = def = wv_drvsrc_default ();
    if (def == NULL)
      return NULL;
  }
  src = open_one (path);
  /* A directory holding only the ISO, as /usr/share/virtio-win
   * without the drivers folder.
   */
  if (src && !src->is_iso && !any_inf (&src->list)) {
    if (asprintf (&iso, "%s/virtio-win.iso", path) == -1) {
      wv_error ("asprintf: %m");
      wv_drvsrc_close (src);
      return NULL;
    }
    if (stat (iso, &st) == 0 && S_ISREG (st.st_mode)) {
      wv_drvsrc_close (src);
      return open_one (iso);
    }
    wv_error ("%s has no driver (.inf file) and no virtio-win.iso: "
              "this is not a virtio-win tree", path);
    wv_drvsrc_close (src);
    return NULL;
  }
  return src;
}

char *
wv_drvsrc_default (void)
{
  const char *base;
  CLEANUP_FREE char *abs = NULL;
  char *iso;
  struct stat st;

  base = getenv ("VIRTIO_WIN");
  if (base == NULL || *base == '\0')
    base = "/usr/share/virtio-win";
  abs = realpath (base, NULL);
  if (abs == NULL) {
    wv_error ("no virtio-win drivers: %s does not exist.  Install the "
              "virtio-win package, or say where the virtio-win ISO or "
              "driver tree is (winvirtio --drivers=PATH, the filter's "
              "winvirtio-drivers=PATH, or VIRTIO_WIN=PATH)", base);
    return NULL;
  }
  if (stat (abs, &st) == 0 && S_ISDIR (st.st_mode)) {
    if (asprintf (&iso, "%s/virtio-win.iso", abs) == -1) {
      wv_error ("asprintf: %m");
      return NULL;
    }
    if (stat (iso, &st) == 0 && S_ISREG (st.st_mode))
      return iso;
    free (iso);
  }
  iso = abs;
  abs = NULL;
  return iso;
}

void
wv_drvsrc_close (struct wv_drvsrc *src)
{
  if (src == NULL)
    return;
  wv_drvsrc_list_free (&src->list);
  free (src->name);
  free (src->root);
  free (src->prefix);
  free (src);
}

const char *
wv_drvsrc_name (const struct wv_drvsrc *src)
{
  return src->name;
}

const char *
wv_drvsrc_layout (const struct wv_drvsrc *src)
{
  return src->layout_name;
}
