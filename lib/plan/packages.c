/* winvirtio: the planner's driver packages (step 4, planned in step
 * 3): which, their registry side, their files in the volume.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Which packages: viostor and vioscsi always (both boot-ready, so
 * the guest boots on whichever bus it gets), then every other package
 * the driver source has for this Windows.  For each, from Windows 8
 * on, the DriverDatabase says whether it is there already (a second
 * run), whether a newer one is installed (kept: never downgrade), or
 * which oem<N>.inf it gets.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>

#include <hivex.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "convert/driverstore.h"
#include "convert/services.h"
#include "drivers/pkg-load.h"
#include "ntfs/ntfs.h"
#include "plan/planner.h"

/* Free what the other functions of this file made. */
void
plan_free_packages (struct planner *p)
{
  size_t i;

  for (i = 0; i < p->nr_pkgs; ++i)
    wv_pkg_info_free (&p->pkgs[i]);
  free (p->pkgs);
  free (p->pp);
  for (i = 0; p->inf_names && p->inf_names[i]; ++i)
    free (p->inf_names[i]);
  free (p->inf_names);
  for (i = 0; i < p->nr_touched; ++i)
    free (p->touched[i].path);
  free (p->touched);
}

/* wv_ntfs_list_dir callback: collect lower-case names. */
static int
add_inf_name (void *opaque, const char *name, bool is_dir)
{
  struct planner *p = opaque;
  size_t n = 0, i;
  char *c;

  while (p->inf_names && p->inf_names[n])
    n++;
  c = strdup (name);
  if (c == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  /* Room for the name and the NULL after it. */
  if (wv_array_grow (&p->inf_names, &p->cap_inf_names, n + 2,
                     sizeof *p->inf_names, 16) == -1) {
    free (c);
    return -1;
  }
  for (i = 0; c[i]; ++i)
    c[i] = tolower ((unsigned char) c[i]);
  p->inf_names[n] = c;
  p->inf_names[n + 1] = NULL;
  return 0;
}

/* The packages for p->win, their DriverStore folders and, from
 * Windows 8 on, the names already in Windows\INF.
 */
int
plan_load_packages (struct planner *p)
{
  size_t i;

  if (wv_pkg_load_all (p->opts->drivers, &p->win, p->log, &p->pkgs,
                       &p->nr_pkgs) == -1)
    return -1;
  p->pp = calloc (p->nr_pkgs, sizeof *p->pp);
  if (p->pp == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (i = 0; i < p->nr_pkgs; ++i) {
    p->pp[i].boot = p->pkgs[i].boot;
    if (wv_driverstore_folder_name (&p->pkgs[i], &p->win, p->pp[i].folder,
                                    sizeof p->pp[i].folder) == -1)
      return -1;
  }
  if (p->win.has_driver_database) {
    char infdir[64];
    int r;

    /* (A Windows without an INF folder gets one in plan_write_packages.) */
    snprintf (infdir, sizeof infdir, "%s\\INF", p->sysroot);
    r = wv_ntfs_exists (p->v, infdir);
    if (r == -1 ||
        (r == 1 && wv_ntfs_list_dir (p->v, infdir, add_inf_name, p) == -1))
      return -1;
  }
  return 0;
}

/* "a.b.c.d, yyyy-mm-dd" of a DriverVer, into buf. */
static const char *
driver_ver (uint64_t date, uint64_t version, char *buf, size_t len)
{
  time_t t = (time_t) (date / 10000000 - UINT64_C (11644473600));
  struct tm tm;

  gmtime_r (&t, &tm);
  snprintf (buf, len, "%u.%u.%u.%u, %04d-%02d-%02d",
            (unsigned) (version >> 48), (unsigned) (version >> 32) & 0xffff,
            (unsigned) (version >> 16) & 0xffff, (unsigned) version & 0xffff,
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

/* The registry side of every package. */
int
plan_register_packages (struct planner *p, hive_h *h, bool *changed_r)
{
  bool ddb_changed = false;
  size_t i;

  for (i = 0; i < p->nr_pkgs; ++i) {
    const struct wv_pkg_info *info = &p->pkgs[i];
    struct pkg_plan *pp = &p->pp[i];
    char ours[64], theirs[64];

    if (!p->win.has_driver_database) {
      /* Before Windows 8: the service and CriticalDeviceDatabase for
       * the boot drivers; the others are only copied to
       * Drivers\VirtIO.
       */
      if (pp->boot &&
          wv_services_add (h, &p->win, info, NULL, true, p->log,
                           changed_r) == -1)
        return -1;
      continue;
    }
    if (wv_driverstore_lookup (h, &p->win, info, pp->folder, p->inf_names,
                               &pp->st) == -1)
      return -1;
    if (pp->st.newer && !pp->st.same) {
      pp->keep_theirs = true;
      fprintf (p->log, "package: %s: keeping the installed %s (%s, %s): "
               "it is newer than ours (%s)\n", info->inf_name,
               pp->st.installed, pp->st.installed_oem,
               driver_ver (pp->st.installed_date, pp->st.installed_version,
                           theirs, sizeof theirs),
               driver_ver (info->date, info->version, ours, sizeof ours));
      if (pp->boot &&
          wv_services_add (h, &p->win, info, pp->st.installed_oem, true,
                           p->log, changed_r) == -1)
        return -1;
      continue;
    }
    fprintf (p->log, "package: %s (%s) as %s%s\n", info->inf_name,
             driver_ver (info->date, info->version, ours, sizeof ours),
             pp->st.oem_inf, pp->st.same ? ", already installed" : "");
    if (wv_driverstore_register (h, &p->win, info, pp->folder, pp->st.oem_inf,
                                 p->when, p->log, &ddb_changed) == -1)
      return -1;
    if (pp->boot &&
        wv_services_add (h, &p->win, info, pp->st.oem_inf, true,
                         p->log, changed_r) == -1)
      return -1;
  }
  /* The DriverDatabase says when it last changed, as Windows' own
   * installer leaves it.
   */
  if (ddb_changed) {
    *changed_r = true;
    if (wv_driverstore_set_update_date (h, p->when, p->log,
                                        changed_r) == -1)
      return -1;
  }
  return 0;
}

/* Remember a path we created or changed (for its times and labels). */
static int
note (struct planner *p, const char *path, bool created, bool changed,
      bool dir)
{
  struct touched *t;

  if (!created && !changed && !dir)
    return 0;
  if (wv_array_grow (&p->touched, &p->cap_touched, p->nr_touched + 1,
                     sizeof *p->touched, 16) == -1)
    return -1;
  t = &p->touched[p->nr_touched];
  t->path = strdup (path);
  if (t->path == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  t->created = created;
  t->changed = changed;
  t->dir = dir;
  p->nr_touched++;
  return 0;
}

/* mkdir -p below the volume root, noting what was created. */
static int
ensure_dir (struct planner *p, const char *path)
{
  CLEANUP_FREE char *copy = strdup (path);
  char *sep;

  if (copy == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  for (sep = strchr (copy, '\\'); ; sep = strchr (sep + 1, '\\')) {
    char *parent = copy, *name;
    bool created;

    if (sep)
      *sep = '\0';
    name = strrchr (copy, '\\');
    if (name) {
      *name = '\0';
      name++;
    }
    else {
      parent = (char *) "\\";
      name = copy;
    }
    if (wv_ntfs_mkdir (p->v, parent, name, &created) == -1)
      return -1;
    if (name != copy)
      name[-1] = '\\';
    if (created) {
      fprintf (p->log, "directory: \\%s created\n", copy);
      if (note (p, copy, true, true, true) == -1 ||
          wv_ntfs_set_times (p->v, copy, p->when, true) == -1)
        return -1;
    }
    if (sep == NULL)
      break;
    *sep = '\\';
  }
  return 0;
}

/* Put one file, log it and note it. */
static int
put (struct planner *p, const char *dir, const char *name,
     const uint8_t *data, size_t len, const char *from)
{
  CLEANUP_FREE char *path = NULL;
  bool created, changed;

  if (asprintf (&path, "%s\\%s", dir, name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (wv_ntfs_put_file (p->v, dir, name, data, len, &created,
                        &changed) == -1)
    return -1;
  fprintf (p->log, "file: \\%s %s (%zu bytes%s%s)\n", path,
           created ? "created" : changed ? "replaced" : "already present",
           len, from ? ", from " : "", from ? from : "");
  /* Its times now, before its entry in dir's index can be copied
   * elsewhere: when the index root overflows, libntfs-3g moves the
   * entries to an index block and leaves the old ones in the unused
   * end of the MFT record, so they must not carry the time of
   * planning.
   */
  if (changed && wv_ntfs_set_times (p->v, path, p->when, created) == -1)
    return -1;
  return note (p, path, created, changed, false);
}

/* The file of info named name (case-insensitively), or NULL. */
static const struct wv_pkg_file *
pkg_file (const struct wv_pkg_info *info, const char *name)
{
  size_t i;

  for (i = 0; i < info->nr_files; ++i)
    if (strcasecmp (info->files[i].name, name) == 0)
      return &info->files[i];
  return NULL;
}

/* A kept (newer) boot driver must be in System32\drivers, where its
 * ImagePath points: a staged package that was never bound may have
 * it only in its DriverStore folder.
 */
static int
boot_file_from_store (struct planner *p, const struct wv_pkg_info *info,
                      const struct pkg_plan *pp)
{
  CLEANUP_FREE char *path = NULL, *from = NULL;
  CLEANUP_FREE uint8_t *data = NULL;
  size_t len;
  int r;

  if (asprintf (&path, "%s\\%s", p->drivers, info->svc_binary) == -1 ||
      asprintf (&from, "%s\\DriverStore\\FileRepository\\%s\\%s",
                p->system32, pp->st.installed, info->svc_binary) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  r = wv_ntfs_exists (p->v, path);
  if (r != 0)
    return r == 1 ? 0 : -1;
  if (wv_ntfs_read_file (p->v, from, 256 * 1024 * 1024, &data, &len) == -1)
    return -1;
  return put (p, p->drivers, info->svc_binary, data, len, from);
}

/* Step 4: the files of every package. */
int
plan_write_packages (struct planner *p)
{
  char store[96], infdir[64], virtio[64], folder[256];
  size_t i, j;

  snprintf (store, sizeof store, "%s\\DriverStore\\FileRepository",
            p->system32);
  snprintf (infdir, sizeof infdir, "%s\\INF", p->sysroot);
  snprintf (virtio, sizeof virtio, "%s\\Drivers\\VirtIO", p->sysroot);
  if (ensure_dir (p, virtio) == -1 ||
      (p->win.has_driver_database && ensure_dir (p, infdir) == -1))
    return -1;

  for (i = 0; i < p->nr_pkgs; ++i) {
    const struct wv_pkg_info *info = &p->pkgs[i];
    const struct pkg_plan *pp = &p->pp[i];
    const struct wv_pkg_file *f;

    /* The whole set in Drivers\VirtIO, as virt-v2v does. */
    for (j = 0; j < info->nr_files; ++j)
      if (put (p, virtio, info->files[j].name, info->files[j].data,
               info->files[j].len, info->files[j].from) == -1)
        return -1;

    if (pp->keep_theirs) {
      if (pp->boot && boot_file_from_store (p, info, pp) == -1)
        return -1;
      continue;
    }
    if (pp->boot) {
      f = pkg_file (info, info->svc_binary);
      if (f == NULL) {
        wv_error ("%s: the package has no %s", info->inf_name,
                  info->svc_binary);
        return -1;
      }
      if (put (p, p->drivers, f->name, f->data, f->len, f->from) == -1)
        return -1;
    }
    if (!p->win.has_driver_database)
      continue;

    snprintf (folder, sizeof folder, "%s\\%s", store, pp->folder);
    if (ensure_dir (p, folder) == -1)
      return -1;
    for (j = 0; j < info->nr_files; ++j)
      if (put (p, folder, info->files[j].name, info->files[j].data,
               info->files[j].len, info->files[j].from) == -1)
        return -1;
    f = pkg_file (info, info->inf_name);
    if (f == NULL) {
      wv_error ("%s: the package has no INF", info->inf_name);
      return -1;
    }
    if (put (p, infdir, pp->st.oem_inf, f->data, f->len, f->from) == -1)
      return -1;
  }
  return 0;
}
