/* winvirtio: driver sources: the three virtio-win layouts.
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
#include <ctype.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "drivers/drvsrc.h"
#include "drivers/drvsrc-io.h"
#include "drivers/inf.h"
#include "common/log.h"

enum layout { LAYOUT_FOLDERS, LAYOUT_BY_OS };

struct wv_drvsrc {
  char *name;                   /* the root, for messages */
  char *root;                   /* directory, or ISO file */
  bool is_iso;
  enum layout layout;
  char *prefix;                 /* "", "drivers/by-driver", ... */
  const char *layout_name;
  struct wv_srclist list;
};

/* Folder names that differ from the INF name. */
static const struct { const char *folder, *inf; } aliases[] = {
  { "vioserial", "vioser" },
  { "sriov", "vioprot" },
};

#define MAX_COMPS 8

/* ---- paths ---- */

/* Split path below prefix into comps (pointing into buf).  Returns the
 * number of elements, or -1 if path is not below prefix or too deep.
 */
static int
split (const char *path, const char *prefix, char *buf, size_t bufsize,
       const char **comps)
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
static char *
display (const struct wv_drvsrc *src, const char *rel)
{
  char *s;

  if (asprintf (&s, "%s%s%s", src->root,
                *rel ? (src->is_iso ? ":/" : "/") : "", rel) == -1) {
    wv_error ("asprintf: %m");
    return NULL;
  }
  return s;
}

static bool
arch_matches (const char *folder, const char *arch)
{
  if (strcasecmp (folder, arch) == 0)
    return true;
  return strcasecmp (arch, "x86") == 0 && strcasecmp (folder, "i386") == 0;
}

static bool
is_pdb (const char *name)
{
  size_t n = strlen (name);

  return n >= 4 && strcasecmp (name + n - 4, ".pdb") == 0;
}

static bool
has_suffix (const char *name, const char *suffix)
{
  size_t n = strlen (name), s = strlen (suffix);

  return n >= s && strcasecmp (name + n - s, suffix) == 0;
}

/* Why package driver is left out for w, or NULL. */
static const char *
left_out (const char *driver, const struct wv_windows *w)
{
  if (strcasecmp (driver, "sriov") == 0)
    return "the SR-IOV failover helper is not a device driver";
  if (strcasecmp (driver, "smbus") == 0 && w->osdir &&
      strcasecmp (w->osdir, "2k25") == 0)
    return "it is known to break the first boot of Windows Server 2025";
  return NULL;
}

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

/* ---- "it has: a, b, c" lists ---- */

struct names {
  char **v;
  size_t n;
};

static int
names_add (struct names *ns, const char *s)
{
  size_t i;
  char **p;

  for (i = 0; i < ns->n; i++)
    if (strcasecmp (ns->v[i], s) == 0)
      return 0;
  p = realloc (ns->v, (ns->n + 1) * sizeof *p);
  if (p == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  ns->v = p;
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
static char *
names_join (struct names *ns)
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
  ns->n = 0;
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
  struct names ns = { 0 };
  size_t i;

  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];
    int n = split (src->list.files[i].path, src->prefix, buf, sizeof buf, c);
    int k;

    if (n < level + 2)          /* a folder has something inside */
      continue;
    for (k = 0; k < level; k++)
      if (strcasecmp (c[k], want[k]) != 0)
        break;
    if (k == level && names_add (&ns, c[level]) == -1) {
      names_join (&ns);
      return NULL;
    }
  }
  return names_join (&ns);
}

/* ---- opening ---- */

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
          has_suffix (p, ".inf")) {
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

    if (split (src->list.files[i].path, "", buf, sizeof buf, c) == 4 &&
        has_suffix (c[3], ".inf"))
      return;
  }
  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];

    if (split (src->list.files[i].path, "", buf, sizeof buf, c) == 3 &&
        has_suffix (c[2], ".inf") &&
        (strcasecmp (c[0], "amd64") == 0 || strcasecmp (c[0], "i386") == 0 ||
         strcasecmp (c[0], "x86") == 0 || strcasecmp (c[0], "ARM64") == 0)) {
      src->layout = LAYOUT_BY_OS;
      src->layout_name = "installed package (by-os)";
      return;
    }
  }
}

static bool
any_inf (const struct wv_srclist *l)
{
  size_t i;

  for (i = 0; i < l->nr_files; i++)
    if (has_suffix (l->files[i].path, ".inf"))
      return true;
  return false;
}

static int
compare_files (const void *a, const void *b)
{
  return strcmp (((const struct wv_srcfile *) a)->path,
                 ((const struct wv_srcfile *) b)->path);
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
  if ((src->is_iso ? wv_srclist_iso (path, &src->list)
       : wv_srclist_dir (path, &src->list)) == -1)
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
  wv_srclist_free (&src->list);
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

/* ---- packages ---- */

void
wv_drvpkg_free (struct wv_drvpkg *pkg)
{
  if (pkg == NULL)
    return;
  wv_drvpkgs_free (pkg, 1);
}

void
wv_drvpkgs_free (struct wv_drvpkg *pkgs, size_t n)
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

const struct wv_drvpkg_file *
wv_drvpkg_find (const struct wv_drvpkg *pkg, const char *name)
{
  size_t i;

  for (i = 0; i < pkg->nr_files; i++)
    if (strcasecmp (pkg->files[i].name, name) == 0)
      return &pkg->files[i];
  return NULL;
}

/* A package being put together: indexes into src->list. */
struct group {
  char *driver;                 /* lower case */
  char *dir;                    /* relative folder, actual case */
  size_t *idx;
  size_t n;
  bool has_inf;
};

struct groups {
  struct group *v;
  size_t n;
};

static void
groups_free (struct groups *gs)
{
  size_t i;

  for (i = 0; i < gs->n; i++) {
    free (gs->v[i].driver);
    free (gs->v[i].dir);
    free (gs->v[i].idx);
  }
  free (gs->v);
  gs->v = NULL;
  gs->n = 0;
}

static struct group *
group_get (struct groups *gs, const char *driver, const char *dir)
{
  struct group *g;
  size_t i;

  for (i = 0; i < gs->n; i++)
    if (strcmp (gs->v[i].dir, dir) == 0)
      return &gs->v[i];
  g = realloc (gs->v, (gs->n + 1) * sizeof *g);
  if (g == NULL) {
    wv_error ("realloc: %m");
    return NULL;
  }
  gs->v = g;
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

static int
group_add (struct group *g, size_t idx, const char *name)
{
  size_t *p = realloc (g->idx, (g->n + 1) * sizeof *p);

  if (p == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  g->idx = p;
  g->idx[g->n++] = idx;
  if (has_suffix (name, ".inf"))
    g->has_inf = true;
  return 0;
}

/* The folder name for driver (folder or INF name). */
static const char *
folder_of (const char *driver)
{
  size_t i;

  for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcasecmp (driver, aliases[i].inf) == 0)
      return aliases[i].folder;
  return driver;
}

/* Group the DRIVER/OS/ARCH/FILE files for w (only driver's if not
 * NULL) by folder.
 */
static int
group_folders (const struct wv_drvsrc *src, const struct wv_windows *w,
               const char *driver, struct groups *gs)
{
  size_t i;

  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096], dir[4096];
    const char *c[MAX_COMPS];
    int n = split (src->list.files[i].path, src->prefix, buf, sizeof buf, c);
    struct group *g;

    if (n < 4 || strcasecmp (c[1], w->osdir) != 0 ||
        !arch_matches (c[2], w->arch))
      continue;
    if (driver && strcasecmp (c[0], folder_of (driver)) != 0)
      continue;
    if (n > 4) {
      wv_debug ("%s: leaving out %s (in a subfolder)", src->name,
                src->list.files[i].path);
      continue;
    }
    if (is_pdb (c[3]))
      continue;
    snprintf (dir, sizeof dir, "%s%s%s/%s/%s", src->prefix,
              *src->prefix ? "/" : "", c[0], c[1], c[2]);
    g = group_get (gs, c[0], dir);
    if (g == NULL || group_add (g, i, c[3]) == -1)
      return -1;
  }
  return 0;
}

static const char *
base_name (const char *path)
{
  const char *s = strrchr (path, '/');

  return s ? s + 1 : path;
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
read_group (const struct wv_drvsrc *src, const struct group *g,
            struct wv_drvpkg *pkg)
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
  pkg->where = display (src, g->dir);
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
  if (wv_src_read (src->root, src->is_iso, paths, g->n, datas, lens) == -1)
    goto err;
  for (i = 0; i < g->n; i++) {
    pkg->files[i].name = strdup (base_name (paths[i]));
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
  return strcmp (((const struct group *) a)->driver,
                 ((const struct group *) b)->driver);
}

/* Turn the groups into packages, leaving out what must be. */
static int
read_groups (const struct wv_drvsrc *src, const struct wv_windows *w,
             struct groups *gs, struct wv_drvpkg **pkgs_r, size_t *nr_r)
{
  struct wv_drvpkg *pkgs;
  size_t i, n = 0;

  if (gs->n > 0)                /* (qsort of NULL, 0 is undefined) */
    qsort (gs->v, gs->n, sizeof *gs->v, compare_groups);
  pkgs = calloc (gs->n + 1, sizeof *pkgs);
  if (pkgs == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (i = 0; i < gs->n; i++) {
    const char *why = left_out (gs->v[i].driver, w);

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
      wv_drvpkgs_free (pkgs, n);
      return -1;
    }
    n++;
  }
  *pkgs_r = pkgs;
  *nr_r = n;
  return 0;
}

static int
no_osdir (const struct wv_windows *w)
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

/* The folder ARCH/OS below the prefix for w, relative ("" if none). */
static int
by_os_folder (const struct wv_drvsrc *src, const struct wv_windows *w,
              char *dir, size_t len)
{
  size_t i;

  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];
    int n = split (src->list.files[i].path, src->prefix, buf, sizeof buf, c);

    if (n == 3 && arch_matches (c[0], w->arch) &&
        strcasecmp (c[1], w->osdir) == 0) {
      snprintf (dir, len, "%s%s%s/%s", src->prefix,
                *src->prefix ? "/" : "", c[0], c[1]);
      return 0;
    }
  }
  dir[0] = '\0';
  return 0;
}

/* Group the by-os folder dir into one group per INF. */
static int
group_by_os (const struct wv_drvsrc *src, const struct wv_windows *w,
             const char *dir, struct groups *gs)
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
        strchr (p + dlen + 1, '/') == NULL && has_suffix (p, ".inf")) {
      infs[nr_infs] = i;
      paths[nr_infs++] = p;
    }
  }
  if (wv_src_read (src->root, src->is_iso, paths, nr_infs, datas,
                   lens) == -1)
    return -1;
  for (k = 0; k < nr_infs; k++) {
    const char *infname = base_name (paths[k]);
    char driver[256], *dot;
    struct wv_inf *inf;
    struct wv_inf_version v;
    const char **names = NULL;
    size_t nr_names = 0;
    struct group *g;
    CLEANUP_FREE char *where = display (src, paths[k]);

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
    g = group_get (gs, folder_of (driver), paths[k]);
    if (g == NULL || group_add (g, infs[k], infname) == -1) {
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
      if (want && !is_pdb (b) && group_add (g, i, b) == -1) {
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

/* ---- the API ---- */

/* The error when src has nothing for w. */
static void
nothing_for (const struct wv_drvsrc *src, const struct wv_windows *w)
{
  CLEANUP_FREE char *have = NULL;
  char desc[256];
  struct names ns = { 0 };
  size_t i;

  wv_windows_describe (w, desc, sizeof desc);
  for (i = 0; i < src->list.nr_files; i++) {
    char buf[4096], folder[600];
    const char *c[MAX_COMPS];
    int n = split (src->list.files[i].path, src->prefix, buf, sizeof buf, c);

    if (src->layout == LAYOUT_FOLDERS && n == 4 &&
        has_suffix (c[3], ".inf"))
      snprintf (folder, sizeof folder, "%s/%s", c[1], c[2]);
    else if (src->layout == LAYOUT_BY_OS && n == 3 &&
             has_suffix (c[2], ".inf"))
      snprintf (folder, sizeof folder, "%s/%s", c[1], c[0]);
    else
      continue;
    if (names_add (&ns, folder) == -1)
      break;
  }
  have = names_join (&ns);
  wv_error ("%s has no drivers for this Windows (%s, virtio-win folder "
            "%s/%s); it has drivers for: %s.  Use a virtio-win release "
            "that supports this Windows", src->name, desc, w->osdir,
            w->arch, have ? have : "?");
}

int
wv_drvsrc_packages (struct wv_drvsrc *src, const struct wv_windows *w,
                    struct wv_drvpkg **pkgs_r, size_t *nr_r)
{
  struct groups gs = { 0 };
  char dir[4096];
  int r;

  *pkgs_r = NULL;
  *nr_r = 0;
  if (no_osdir (w) == -1)
    return -1;
  if (src->layout == LAYOUT_BY_OS) {
    by_os_folder (src, w, dir, sizeof dir);
    r = dir[0] ? group_by_os (src, w, dir, &gs) : 0;
  }
  else
    r = group_folders (src, w, NULL, &gs);
  if (r == 0)
    r = read_groups (src, w, &gs, pkgs_r, nr_r);
  groups_free (&gs);
  if (r == 0 && *nr_r == 0) {
    free (*pkgs_r);
    *pkgs_r = NULL;
    nothing_for (src, w);
    return -1;
  }
  return r;
}

/* Check the folders down to driver/OS/ARCH, with the errors. */
static int
check_folders (const struct wv_drvsrc *src, const char *folder,
               const struct wv_windows *w)
{
  CLEANUP_FREE char *have = NULL, *at = NULL;
  char want0[256] = "", want1[256] = "", rel[4096];
  bool d_found = false, o_found = false, a_found = false;
  size_t i;

  for (i = 0; i < src->list.nr_files && !a_found; i++) {
    char buf[4096];
    const char *c[MAX_COMPS];
    int n = split (src->list.files[i].path, src->prefix, buf, sizeof buf, c);

    if (n < 2 || strcasecmp (c[0], folder) != 0)
      continue;
    d_found = true;
    snprintf (want0, sizeof want0, "%s", c[0]);
    if (n < 3 || strcasecmp (c[1], w->osdir) != 0)
      continue;
    o_found = true;
    snprintf (want1, sizeof want1, "%s", c[1]);
    if (n >= 4 && arch_matches (c[2], w->arch))
      a_found = true;
  }
  if (a_found)
    return 0;
  if (!d_found) {
    at = display (src, src->prefix);
    have = folders_at (src, 0, NULL);
    wv_error ("%s: no %s folder in the driver tree (it has: %s); point "
              "winvirtio at a virtio-win ISO tree", at ? at : "?",
              folder, have ? have : "?");
  }
  else if (!o_found) {
    const char *parents[1] = { want0 };

    snprintf (rel, sizeof rel, "%s%s%s", src->prefix,
              *src->prefix ? "/" : "", want0);
    at = display (src, rel);
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
    at = display (src, rel);
    have = folders_at (src, 2, parents);
    wv_error ("%s has no %s folder for this %s Windows (it has: %s): use "
              "a virtio-win release with %s drivers for this Windows",
              at ? at : "?", w->arch, w->arch, have ? have : "?", w->arch);
  }
  return -1;
}

int
wv_drvsrc_package (struct wv_drvsrc *src, const char *driver,
                   const struct wv_windows *w, struct wv_drvpkg **pkg_r)
{
  struct groups gs = { 0 };
  struct wv_drvpkg *pkgs = NULL;
  size_t nr = 0, i;
  const char *why;
  char dir[4096];
  int r = -1;

  *pkg_r = NULL;
  if (no_osdir (w) == -1)
    return -1;
  why = left_out (folder_of (driver), w);
  if (why) {
    wv_error ("%s: winvirtio does not install %s on %s: %s", src->name,
              driver, w->product_name, why);
    return -1;
  }
  if (src->layout == LAYOUT_BY_OS) {
    by_os_folder (src, w, dir, sizeof dir);
    if (dir[0] == '\0') {
      nothing_for (src, w);
      return -1;
    }
    if (group_by_os (src, w, dir, &gs) == -1)
      goto out;
    for (i = 0; i < gs.n; i++)
      if (strcasecmp (gs.v[i].driver, folder_of (driver)) == 0)
        break;
    if (i == gs.n) {
      struct names ns = { 0 };
      CLEANUP_FREE char *have = NULL, *at = display (src, dir);

      for (i = 0; i < gs.n; i++)
        if (!left_out (gs.v[i].driver, w))
          names_add (&ns, gs.v[i].driver);
      have = names_join (&ns);
      wv_error ("%s: no %s driver for this Windows (it has: %s)",
                at ? at : dir, driver, have ? have : "?");
      goto out;
    }
    /* Keep only that one. */
    if (i != 0) {
      struct group tmp = gs.v[0];

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
    if (check_folders (src, folder_of (driver), w) == -1 ||
        group_folders (src, w, driver, &gs) == -1)
      goto out;
  }
  if (read_groups (src, w, &gs, &pkgs, &nr) == -1)
    goto out;
  if (nr == 0) {
    CLEANUP_FREE char *at = NULL;

    if (gs.n > 0)
      at = display (src, gs.v[0].dir);
    wv_error ("%s: no .inf file for %s", at ? at : src->name, driver);
    free (pkgs);
    goto out;
  }
  *pkg_r = pkgs;
  r = 0;

 out:
  groups_free (&gs);
  return r;
}

int
wv_drvsrc_driver_sys (struct wv_drvsrc *src, const char *driver,
                      const struct wv_windows *w,
                      uint8_t **data_r, size_t *len_r, char **path_r)
{
  struct wv_drvpkg *pkg = NULL;
  struct wv_drvpkg_file *f = NULL;
  CLEANUP_FREE char *sys = NULL;
  size_t i;
  int r = -1;

  if (no_osdir (w) == -1)
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
  wv_drvpkg_free (pkg);
  return r;
}
