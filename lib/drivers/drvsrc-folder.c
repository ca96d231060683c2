/* winvirtio: driver sources: the paths of the list, and the folder
 * of a driver for a Windows, with the errors that name the folders
 * there are when there is none.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "drivers/drvsrc-internal.h"

/* Folder names that differ from the INF name. */
static const struct { const char *folder, *inf; } aliases[] = {
  { "vioserial", "vioser" },
  { "sriov", "vioprot" },
};

/* ---- paths ---- */

/* Split path below prefix into comps (pointing into buf).  Returns the
 * number of elements, or -1 if path is not below prefix or too deep.
 */
int
wv_drvsrc_split (const char *path, const char *prefix, char *buf,
                 size_t bufsize, const char **comps)
{
  size_t plen = strlen (prefix);
  char *p, *save = NULL;
  int n = 0;

  if (plen) {
    if (strncasecmp (path, prefix, plen) != 0 || path[plen] != '/')
      return -1;
    path += plen + 1;
  }
  if (strlen (path) >= bufsize)
    return -1;
  strcpy (buf, path);
  for (p = strtok_r (buf, "/", &save); p; p = strtok_r (NULL, "/", &save)) {
    if (n == MAX_COMPS)
      return -1;
    comps[n++] = p;
  }
  return n;
}

/* The display name of rel in src (malloc'd). */
char *
wv_drvsrc_display (const struct wv_drvsrc *src, const char *rel)
{
  char *s;

  if (asprintf (&s, "%s%s%s", src->root,
                *rel ? (src->is_iso ? ":/" : "/") : "", rel) == -1) {
    wv_error ("asprintf: %m");
    return NULL;
  }
  return s;
}

bool
wv_drvsrc_arch_matches (const char *folder, const char *arch)
{
  if (strcasecmp (folder, arch) == 0)
    return true;
  return strcasecmp (arch, "x86") == 0 && strcasecmp (folder, "i386") == 0;
}

bool
wv_drvsrc_is_pdb (const char *name)
{
  size_t n = strlen (name);

  return n >= 4 && strcasecmp (name + n - 4, ".pdb") == 0;
}

bool
wv_drvsrc_has_suffix (const char *name, const char *suffix)
{
  size_t n = strlen (name), s = strlen (suffix);

  return n >= s && strcasecmp (name + n - s, suffix) == 0;
}

/* Why package driver is left out for w, or NULL. */
const char *
wv_drvsrc_left_out (const char *driver, const struct wv_windows *w)
{
  if (strcasecmp (driver, "sriov") == 0)
    return "the SR-IOV failover helper is not a device driver";
  if (strcasecmp (driver, "smbus") == 0 && w->osdir &&
      strcasecmp (w->osdir, "2k25") == 0)
    return "it is known to break the first boot of Windows Server 2025";
  return NULL;
}

/* The folder name for driver (folder or INF name). */
const char *
wv_drvsrc_folder_of (const char *driver)
{
  size_t i;

  for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcasecmp (driver, aliases[i].inf) == 0)
      return aliases[i].folder;
  return driver;
}

const char *
wv_drvsrc_base_name (const char *path)
{
  const char *s = strrchr (path, '/');

  return s ? s + 1 : path;
}

/* ---- "it has: a, b, c" lists ---- */

int
wv_drvsrc_names_add (struct wv_drvsrc_names *ns, const char *s)
{
  size_t i;

  for (i = 0; i < ns->n; i++)
    if (strcasecmp (ns->v[i], s) == 0)
      return 0;
  if (wv_array_grow (&ns->v, &ns->cap, ns->n + 1, sizeof *ns->v, 8) == -1)
    return -1;
  ns->v[ns->n] = strdup (s);
  if (ns->v[ns->n] == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  ns->n++;
  return 0;
}

static int
compare_names (const void *a, const void *b)
{
  return strcasecmp (*(char *const *) a, *(char *const *) b);
}

/* Joined with ", " and freed; "nothing" if empty.  NULL on error. */
char *
wv_drvsrc_names_join (struct wv_drvsrc_names *ns)
{
  char *buf = NULL;
  size_t len = 0, i;
  FILE *fp;

  if (ns->n > 0)
    qsort (ns->v, ns->n, sizeof *ns->v, compare_names);
  fp = open_memstream (&buf, &len);
  if (fp) {
    for (i = 0; i < ns->n; i++)
      fprintf (fp, "%s%s", i ? ", " : "", ns->v[i]);
    if (ns->n == 0)
      fprintf (fp, "nothing");
    fclose (fp);
  }
  for (i = 0; i < ns->n; i++)
    free (ns->v[i]);
  free (ns->v);
  ns->v = NULL;
  ns->n = ns->cap = 0;
  if (buf == NULL)
    wv_error ("open_memstream: %m");
  return buf;
}

/* The folders at depth level (0-based) below prefix whose parents are
 * want[0..level-1], e.g. the OS folders of a driver: level 1.
 */
static char *
folders_at (const struct wv_drvsrc *src, int level, const char *const *want)
{
  struct wv_drvsrc_names ns = { 0 };
  size_t i;

  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];
    int n = wv_drvsrc_split (src->list.files[i].path, src->prefix, buf,
                             sizeof buf, c);
    int k;

    if (n < level + 2)          /* a folder has something inside */
      continue;
    for (k = 0; k < level; k++)
      if (strcasecmp (c[k], want[k]) != 0)
        break;
    if (k == level && wv_drvsrc_names_add (&ns, c[level]) == -1) {
      wv_drvsrc_names_join (&ns);
      return NULL;
    }
  }
  return wv_drvsrc_names_join (&ns);
}

/* ---- the folder for a Windows ---- */

int
wv_drvsrc_no_osdir (const struct wv_windows *w)
{
  if (w->osdir)
    return 0;
  wv_error ("winvirtio does not know which virtio-win folder fits "
            "%s (Windows %u.%u build %u): this Windows is not supported "
            "yet; please report it", w->product_name[0] ?
            w->product_name : "this Windows", w->major, w->minor,
            w->build);
  return -1;
}

/* The folder ARCH/OS below the prefix for w, relative ("" if none). */
int
wv_drvsrc_by_os_folder (const struct wv_drvsrc *src,
                        const struct wv_windows *w, char *dir, size_t len)
{
  size_t i;

  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];
    int n = wv_drvsrc_split (src->list.files[i].path, src->prefix, buf,
                             sizeof buf, c);

    if (n == 3 && wv_drvsrc_arch_matches (c[0], w->arch) &&
        strcasecmp (c[1], w->osdir) == 0) {
      snprintf (dir, len, "%s%s%s/%s", src->prefix,
                *src->prefix ? "/" : "", c[0], c[1]);
      return 0;
    }
  }
  dir[0] = '\0';
  return 0;
}

/* The error when src has nothing for w. */
void
wv_drvsrc_nothing_for (const struct wv_drvsrc *src, const struct wv_windows *w)
{
  CLEANUP_FREE char *have = NULL;
  char desc[256];
  struct wv_drvsrc_names ns = { 0 };
  size_t i;

  wv_windows_describe (w, desc, sizeof desc);
  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096], folder[600];
    const char *c[MAX_COMPS];
    int n = wv_drvsrc_split (src->list.files[i].path, src->prefix, buf,
                             sizeof buf, c);

    if (src->layout == LAYOUT_FOLDERS && n == 4 &&
        wv_drvsrc_has_suffix (c[3], ".inf"))
      snprintf (folder, sizeof folder, "%s/%s", c[1], c[2]);
    else if (src->layout == LAYOUT_BY_OS && n == 3 &&
             wv_drvsrc_has_suffix (c[2], ".inf"))
      snprintf (folder, sizeof folder, "%s/%s", c[1], c[0]);
    else
      continue;
    if (wv_drvsrc_names_add (&ns, folder) == -1)
      break;
  }
  have = wv_drvsrc_names_join (&ns);
  wv_error ("%s has no drivers for this Windows (%s, virtio-win folder "
            "%s/%s); it has drivers for: %s.  Use a virtio-win release "
            "that supports this Windows", src->name, desc, w->osdir,
            w->arch, have ? have : "?");
}

/* A link the listing skipped (drvsrc-io.h) where the folder
 * driver/OS/ARCH for w would be: at folder, folder/OS or
 * folder/OS/ARCH.  If there is one, its error is given (a message that
 * names the broken entry rather than one that says the folder is
 * missing) and true returned.
 */
static bool
skipped_link_error (const struct wv_drvsrc *src, const char *folder,
                    const struct wv_windows *w)
{
  size_t i;

  for (i = 0; i < src->list.nr_skipped; i++) {
    const struct wv_drvsrc_skipped *sk = &src->list.skipped[i];
    CLEANUP_FREE char *at = NULL;
    char buf[4096];
    const char *c[MAX_COMPS];
    int n = wv_drvsrc_split (sk->path, src->prefix, buf, sizeof buf, c);

    if (n < 1 || n > 3 || strcasecmp (c[0], folder) != 0 ||
        (n >= 2 && strcasecmp (c[1], w->osdir) != 0) ||
        (n == 3 && !wv_drvsrc_arch_matches (c[2], w->arch)))
      continue;
    at = wv_drvsrc_display (src, sk->path);
    if (sk->err)
      wv_error ("%s is a symbolic link that cannot be followed (%s), "
                "where the %s drivers for this Windows would be: fix or "
                "remove the link, or point winvirtio at the virtio-win "
                "ISO", at ? at : "?", strerror (sk->err), folder);
    else
      wv_error ("%s is a symbolic link to a folder, which winvirtio does "
                "not follow, where the %s drivers for this Windows would "
                "be: copy the folder there, or point winvirtio at the "
                "virtio-win ISO", at ? at : "?", folder);
    return true;
  }
  return false;
}

/* Check the folders down to driver/OS/ARCH, with the errors. */
int
wv_drvsrc_check_folders (const struct wv_drvsrc *src, const char *folder,
                         const struct wv_windows *w)
{
  CLEANUP_FREE char *have = NULL, *at = NULL;
  char want0[256] = "", want1[256] = "", rel[4096];
  bool d_found = false, o_found = false, a_found = false;
  size_t i;

  for (i = 0; i < src->list.nr_files && !a_found; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];
    int n = wv_drvsrc_split (src->list.files[i].path, src->prefix, buf,
                             sizeof buf, c);

    if (n < 2 || strcasecmp (c[0], folder) != 0)
      continue;
    d_found = true;
    snprintf (want0, sizeof want0, "%s", c[0]);
    if (n < 3 || strcasecmp (c[1], w->osdir) != 0)
      continue;
    o_found = true;
    snprintf (want1, sizeof want1, "%s", c[1]);
    if (n >= 4 && wv_drvsrc_arch_matches (c[2], w->arch))
      a_found = true;
  }
  if (a_found)
    return 0;
  if (skipped_link_error (src, folder, w))
    return -1;
  if (!d_found) {
    at = wv_drvsrc_display (src, src->prefix);
    have = folders_at (src, 0, NULL);
    wv_error ("%s: no %s folder in the driver tree (it has: %s); point "
              "winvirtio at a virtio-win ISO tree", at ? at : "?",
              folder, have ? have : "?");
  }
  else if (!o_found) {
    const char *parents[1] = { want0 };

    snprintf (rel, sizeof rel, "%s%s%s", src->prefix,
              *src->prefix ? "/" : "", want0);
    at = wv_drvsrc_display (src, rel);
    have = folders_at (src, 1, parents);
    wv_error ("%s has no folder for this Windows (%s, virtio-win folder "
              "%s); it has: %s.  Use a virtio-win release that supports "
              "this Windows", at ? at : "?", w->product_name, w->osdir,
              have ? have : "?");
  }
  else {
    const char *parents[2] = { want0, want1 };

    snprintf (rel, sizeof rel, "%s%s%s/%s", src->prefix,
              *src->prefix ? "/" : "", want0, want1);
    at = wv_drvsrc_display (src, rel);
    have = folders_at (src, 2, parents);
    wv_error ("%s has no %s folder for this %s Windows (it has: %s): use "
              "a virtio-win release with %s drivers for this Windows",
              at ? at : "?", w->arch, w->arch, have ? have : "?", w->arch);
  }
  return -1;
}
