/* winvirtio: the driver packages to install, read from the driver
 * source and described from their INFs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A package is every file of one driver's folder for this Windows
 * (<tree>/<driver>/<osdir>/<arch>/ in the ISO layout), less .pdb
 * files.  Its INF, evaluated for this Windows (inf.h), gives what is
 * registered: [Version] (ClassGuid, Provider, DriverVer,
 * CatalogFile), the devices of the models section Windows would pick
 * (their hardware and compatible IDs), the install section of the
 * first device (its .HW AddReg, and the AddService with the
 * SPSVCINST_ASSOCSERVICE flag: ServiceType, StartType, ErrorControl,
 * LoadOrderGroup, ServiceBinary and the service section's HKR
 * AddReg).  Devices whose models lines name another install section
 * are left out (virtio-win INFs have one per driver).
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <dirent.h>
#include <time.h>

#include "cleanup.h"
#include "drivers.h"
#include "hostfile.h"
#include "inf.h"
#include "log.h"
#include "pkginfo.h"
#include "registry.h"

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
    f->from = strdup (path);
    if (f->name == NULL || f->from == NULL) {
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


/* The Windows the INF is evaluated for. */
static void
target (const struct wv_windows *w, struct wv_inf_target *t)
{
  t->arch = w->arch;
  t->major = w->major;
  t->minor = w->minor;
  t->build = w->build;
  t->server = w->server;
}

/* "09/05/2024" -> NTFS time of that day, midnight UTC. */
static int
parse_date (const char *s, uint64_t *r)
{
  struct tm tm = { 0 };
  unsigned m, d, y;
  int n = 0;
  time_t t;

  if (sscanf (s, "%u/%u/%u%n", &m, &d, &y, &n) != 3 || s[n] != '\0' ||
      m < 1 || m > 12 || d < 1 || d > 31 || y < 1601 || y > 9999)
    return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  t = timegm (&tm);
  *r = ((uint64_t) t + UINT64_C (11644473600)) * 10000000;
  return 0;
}

/* "100.95.104.26200" -> the 64-bit quad; missing parts are 0. */
static int
parse_version (const char *s, uint64_t *r)
{
  unsigned long part;
  char *end;
  int i;

  *r = 0;
  for (i = 0; i < 4; ++i) {
    part = strtoul (s, &end, 10);
    if (end == s || part > 0xffff)
      return -1;
    *r |= (uint64_t) part << (48 - 16 * i);
    if (*end == '\0')
      return 0;
    if (*end != '.')
      return -1;
    s = end + 1;
  }
  return -1;
}

static char *
upper (const char *s, int *err)
{
  char *r = strdup (s), *p;

  if (r == NULL) {
    *err = -1;
    return NULL;
  }
  for (p = r; *p; ++p)
    *p = toupper ((unsigned char) *p);
  return r;
}

static char *
xstrdup (const char *s, int *err)
{
  char *r = s ? strdup (s) : NULL;

  if (s && r == NULL)
    *err = -1;
  return r;
}

/* Add id (rank 1 hardware ID, 2 compatible) unless it is there. */
static int
add_id (struct wv_pkg_info *info, const char *id, unsigned rank,
        const char *desc)
{
  struct wv_pkg_id *ids;
  int err = 0;
  size_t i;

  for (i = 0; i < info->nr_ids; ++i)
    if (strcasecmp (info->ids[i].id, id) == 0)
      return 0;
  ids = realloc (info->ids, (info->nr_ids + 1) * sizeof *ids);
  if (ids == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  info->ids = ids;
  ids[info->nr_ids].id = upper (id, &err);
  ids[info->nr_ids].rank = rank;
  ids[info->nr_ids].desc = xstrdup (desc, &err);
  info->nr_ids++;
  if (err) {
    wv_error ("out of memory");
    return -1;
  }
  return 0;
}

/* The HKR lines of regs (AddReg only) as wv_pkg_addreg. */
static int
hkr_lines (const struct wv_inf *inf, const struct wv_inf_reg *regs,
           size_t n, struct wv_pkg_addreg **out, size_t *nr_out)
{
  size_t i;

  for (i = 0; i < n; ++i) {
    const struct wv_inf_reg *r = &regs[i];
    struct wv_pkg_addreg *a;
    int err = 0;

    if (r->del || strcasecmp (r->root, "HKR") != 0 ||
        (r->flags & WV_FLG_ADDREG_DELVAL))
      continue;
    a = realloc (*out, (*nr_out + 1) * sizeof *a);
    if (a == NULL) {
      wv_error ("realloc: %m");
      return -1;
    }
    *out = a;
    a = &a[*nr_out];
    memset (a, 0, sizeof *a);
    (*nr_out)++;
    a->subkey = xstrdup (r->subkey ? r->subkey : "", &err);
    a->flags = r->flags;
    a->type = r->type;
    if (r->value_name && !(r->flags & WV_FLG_ADDREG_KEYONLY)) {
      a->name = xstrdup (r->value_name, &err);
      if (wv_inf_reg_data (inf, r, &a->data, &a->len) == -1)
        return -1;
    }
    if (err) {
      wv_error ("out of memory");
      return -1;
    }
  }
  return 0;
}

/* The service with SPSVCINST_ASSOCSERVICE. */
static int
describe_service (const struct wv_inf *inf, const struct wv_inf_install *ins,
                  struct wv_pkg_info *info)
{
  const struct wv_inf_service *svc = NULL;
  const char *rest;
  uint32_t dirid;
  int err = 0;
  size_t i;

  for (i = 0; i < ins->nr_services; ++i)
    if (ins->services[i].flags & 0x2) {
      svc = &ins->services[i];
      break;
    }
  if (svc == NULL)
    return 0;                   /* a package without its own service */
  if (svc->service_binary == NULL ||
      wv_inf_split_dirid (svc->service_binary, &dirid, &rest) == -1 ||
      (dirid != 12 && dirid != 13) || strchr (rest, '\\') != NULL) {
    wv_error ("%s: service %s: ServiceBinary %s is not a file in "
              "%%12%% or %%13%%; winvirtio cannot install it",
              info->inf_name, svc->name,
              svc->service_binary ? svc->service_binary : "(none)");
    return -1;
  }
  if (svc->service_type == ~UINT32_C (0) ||
      svc->start_type == ~UINT32_C (0) ||
      svc->error_control == ~UINT32_C (0)) {
    wv_error ("%s: service %s lacks ServiceType, StartType or "
              "ErrorControl", info->inf_name, svc->name);
    return -1;
  }
  info->service = xstrdup (svc->name, &err);
  info->svc_type = svc->service_type;
  info->svc_start = svc->start_type;
  info->svc_error = svc->error_control;
  info->svc_group = xstrdup (svc->load_order_group, &err);
  info->svc_binary = xstrdup (rest, &err);
  info->svc_in_store = dirid == 13;
  if (err) {
    wv_error ("out of memory");
    return -1;
  }
  return hkr_lines (inf, svc->regs, svc->nr_regs, &info->svc_addreg,
                    &info->nr_svc_addreg);
}

/* Fill info from the package's INF, for Windows w.  Returns 1, 0 if
 * the INF has no device for this Windows, or -1.
 */
static int
describe (struct wv_pkg_info *info, const struct wv_windows *w)
{
  struct wv_inf_target t;
  struct wv_inf_version ver;
  struct wv_inf_device *devs = NULL;
  struct wv_inf_install *ins = NULL;
  struct wv_inf *inf = NULL;
  const struct wv_pkg_file *f = NULL;
  const char *install;
  size_t nr_devs = 0, i, j;
  int err = 0, r = -1;

  for (i = 0; i < info->nr_files; ++i) {
    const char *e = strrchr (info->files[i].name, '.');

    if (e && strcasecmp (e, ".inf") == 0) {
      if (f) {
        wv_error ("%s: more than one INF in the %s package (%s, %s)",
                  info->driver, info->driver, f->name, info->files[i].name);
        return -1;
      }
      f = &info->files[i];
    }
  }
  if (f == NULL) {
    wv_error ("%s: the package has no INF", info->driver);
    return -1;
  }
  target (w, &t);
  inf = wv_inf_parse (f->data, f->len, f->name, NULL);
  if (inf == NULL)
    return -1;
  info->inf_name = upper (f->name, &err);
  for (i = 0; info->inf_name && info->inf_name[i]; ++i)
    info->inf_name[i] = tolower ((unsigned char) info->inf_name[i]);
  if (wv_inf_version (inf, &t, &ver) == -1)
    goto out;
  if (ver.class_guid == NULL || ver.driver_date == NULL ||
      ver.driver_version == NULL) {
    wv_error ("%s: [Version] lacks ClassGuid or DriverVer", f->name);
    goto out;
  }
  if (parse_date (ver.driver_date, &info->date) == -1 ||
      parse_version (ver.driver_version, &info->version) == -1) {
    wv_error ("%s: invalid DriverVer %s,%s", f->name, ver.driver_date,
              ver.driver_version);
    goto out;
  }
  info->class_guid = upper (ver.class_guid, &err);
  info->provider = xstrdup (ver.provider, &err);
  info->catalog = xstrdup (ver.catalog_file, &err);

  if (wv_inf_devices (inf, &t, &devs, &nr_devs) == -1)
    goto out;
  if (nr_devs == 0) {
    r = 0;
    goto out;
  }
  install = devs[0].install;
  info->manufacturer = xstrdup (devs[0].manufacturer, &err);
  for (i = 0; i < nr_devs; ++i) {
    if (strcasecmp (devs[i].install, install) != 0)
      continue;
    if (add_id (info, devs[i].hwid, 1, devs[i].description) == -1)
      goto out;
    for (j = 0; j < devs[i].nr_compat_ids; ++j)
      if (add_id (info, devs[i].compat_ids[j], 2,
                  devs[i].description) == -1)
        goto out;
  }
  ins = wv_inf_install (inf, &t, install);
  if (ins == NULL)
    goto out;
  info->conf = xstrdup (ins->section, &err);
  if (err) {
    wv_error ("out of memory");
    goto out;
  }
  if (describe_service (inf, ins, info) == -1 ||
      hkr_lines (inf, ins->hw_regs, ins->nr_hw_regs, &info->hw_addreg,
                 &info->nr_hw_addreg) == -1)
    goto out;
  r = 1;

 out:
  wv_inf_install_free (ins);
  free (devs);
  wv_inf_free (inf);
  return r;
}

/* Case-insensitive lookup of name in dir; malloc'd path or NULL. */
static char *
find_entry (const char *dir, const char *name)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  char *r = NULL;

  if (d == NULL)
    return NULL;
  while ((de = readdir (d)) != NULL)
    if (strcasecmp (de->d_name, name) == 0) {
      if (asprintf (&r, "%s/%s", dir, de->d_name) == -1)
        r = NULL;
      break;
    }
  closedir (d);
  return r;
}

/* Load the package in folder dir (driver names it in messages). */
static int
load_dir (const char *dir, const char *driver, const struct wv_windows *w,
          struct wv_pkg_info *info)
{
  int r;

  memset (info, 0, sizeof *info);
  info->driver = strdup (driver);
  if (info->driver == NULL) {
    wv_error ("strdup: %m");
    return -1;
  }
  if (read_files (dir, info) == -1)
    goto fail;
  r = describe (info, w);
  if (r == 1)
    return 1;
  if (r == 0)
    return 0;
 fail:
  wv_pkg_info_free (info);
  return -1;
}

int
wv_pkg_load (const char *tree, const char *driver,
             const struct wv_windows *w, struct wv_pkg_info *info)
{
  CLEANUP_FREE uint8_t *sys = NULL;
  CLEANUP_FREE char *from = NULL;
  size_t len;
  char *slash;
  int r;

  /* wv_driver_read finds the folder, or says what the tree has. */
  if (wv_driver_read (tree, driver, w, &sys, &len, &from) == -1)
    return -1;
  slash = strrchr (from, '/');
  if (slash)
    *slash = '\0';
  r = load_dir (from, driver, w, info);
  if (r == 0) {
    wv_error ("%s/%s.inf: no device of this INF is for this Windows "
              "(%s %s, %u.%u build %u)", from, driver, w->product_name,
              w->arch, w->major, w->minor, w->build);
    wv_pkg_info_free (info);
    return -1;
  }
  if (r == -1)
    return -1;
  if (info->service == NULL) {
    wv_error ("%s/%s.inf adds no service: it cannot be a boot driver",
              from, driver);
    wv_pkg_info_free (info);
    return -1;
  }
  return 0;
}

/* Folders of the tree that are not packages for us: the boot drivers
 * (loaded first, by wv_pkg_load), sriov, and smbus on Server 2025,
 * which breaks its first boot.
 */
static bool
skipped (const char *name, const struct wv_windows *w)
{
  size_t i;

  for (i = 0; i < wv_nr_boot_drivers; ++i)
    if (strcasecmp (name, wv_boot_drivers[i]) == 0)
      return true;
  if (strcasecmp (name, "smbus") == 0 && w->osdir &&
      strcmp (w->osdir, "2k25") == 0)
    return true;
  return name[0] == '.' || strcasecmp (name, "sriov") == 0;
}

static int
compare_names (const void *a, const void *b)
{
  return strcasecmp (*(char *const *) a, *(char *const *) b);
}

int
wv_pkg_load_others (const char *tree, const struct wv_windows *w,
                    struct wv_pkg_info **pkgs_r, size_t *n_r)
{
  DIR *d;
  struct dirent *de;
  char **names = NULL;
  size_t nr_names = 0, i;
  int r = 0;

  *pkgs_r = NULL;
  *n_r = 0;
  if (w->osdir == NULL)
    return 0;
  d = opendir (tree);
  if (d == NULL) {
    wv_error ("%s: %m", tree);
    return -1;
  }
  while ((de = readdir (d)) != NULL) {
    char **nn;

    if (skipped (de->d_name, w))
      continue;
    nn = realloc (names, (nr_names + 1) * sizeof *nn);
    if (nn == NULL || (nn[nr_names] = strdup (de->d_name)) == NULL) {
      wv_error ("out of memory");
      if (nn)
        names = nn;
      r = -1;
      break;
    }
    names = nn;
    nr_names++;
  }
  closedir (d);
  if (r == 0)
    qsort (names, nr_names, sizeof *names, compare_names);

  for (i = 0; r == 0 && i < nr_names; ++i) {
    CLEANUP_FREE char *ddir = NULL, *odir = NULL, *adir = NULL;
    struct wv_pkg_info *p;
    int k;

    if (asprintf (&ddir, "%s/%s", tree, names[i]) == -1) {
      wv_error ("asprintf: %m");
      r = -1;
      break;
    }
    odir = find_entry (ddir, w->osdir);
    adir = odir ? find_entry (odir, w->arch) : NULL;
    if (adir == NULL)
      continue;                 /* not a driver folder for this Windows */
    p = realloc (*pkgs_r, (*n_r + 1) * sizeof *p);
    if (p == NULL) {
      wv_error ("realloc: %m");
      r = -1;
      break;
    }
    *pkgs_r = p;
    k = load_dir (adir, names[i], w, &p[*n_r]);
    if (k == -1)
      r = -1;
    else if (k == 1)
      (*n_r)++;
  }
  for (i = 0; i < nr_names; ++i)
    free (names[i]);
  free (names);
  if (r == -1) {
    for (i = 0; i < *n_r; ++i)
      wv_pkg_info_free (&(*pkgs_r)[i]);
    free (*pkgs_r);
    *pkgs_r = NULL;
    *n_r = 0;
  }
  return r;
}
