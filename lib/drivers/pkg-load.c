/* winvirtio: the driver packages to install, read from the driver
 * source and described from their INFs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A package is what the driver source (drvsrc.h) gives for one
 * driver and this Windows: its files, without .pdb, each checked
 * (drvfile.h: PE images for this Windows, signed catalogs) once its
 * INF has a device for this Windows.  Its INF, evaluated for this
 * Windows (inf.h), gives what is
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
#include <inttypes.h>
#include <time.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "drivers/drvfile.h"
#include "drivers/drvsrc.h"
#include "drivers/inf.h"
#include "drivers/pkg-load.h"
#include "drivers/pkg.h"

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
  if (wv_array_grow (&info->ids, &info->cap_ids, info->nr_ids + 1,
                     sizeof *info->ids, 8) == -1)
    return -1;
  ids = info->ids;
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
           size_t n, struct wv_pkg_addreg **out, size_t *nr_out,
           size_t *cap_out)
{
  size_t i;

  for (i = 0; i < n; ++i) {
    const struct wv_inf_reg *r = &regs[i];
    struct wv_pkg_addreg *a;
    int err = 0;

    if (r->del || strcasecmp (r->root, "HKR") != 0 ||
        (r->flags & WV_FLG_ADDREG_DELVAL))
      continue;
    if (wv_array_grow (out, cap_out, *nr_out + 1, sizeof **out, 8) == -1)
      return -1;
    a = &(*out)[*nr_out];
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

/* The [Strings] key whose text is text, or NULL if none is (or more
 * than one is: the token is then unknown).  Windows writes a service's
 * DisplayName as "@oem<N>.inf,%key%;text" when the INF names a string.
 */
static const char *
string_key_of (const struct wv_inf *inf, const char *text)
{
  const struct wv_inf_section *s = wv_inf_section (inf, "Strings");
  const char *found = NULL;
  size_t i;

  for (i = 0; s && i < s->nr_lines; ++i) {
    const struct wv_inf_line *l = &s->lines[i];

    if (l->key == NULL || l->nr_fields < 1 ||
        strcmp (l->fields[0], text) != 0)
      continue;
    if (found && strcasecmp (found, l->key) != 0)
      return NULL;
    found = l->key;
  }
  return found;
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
  if (svc->display_name) {
    info->svc_display = xstrdup (svc->display_name, &err);
    info->svc_display_key =
      xstrdup (string_key_of (inf, svc->display_name), &err);
  }
  if (err) {
    wv_error ("out of memory");
    return -1;
  }
  if (hkr_lines (inf, svc->eventlog_regs, svc->nr_eventlog_regs,
                 &info->svc_eventlog, &info->nr_svc_eventlog,
                 &info->cap_svc_eventlog) == -1)
    return -1;
  return hkr_lines (inf, svc->regs, svc->nr_regs, &info->svc_addreg,
                    &info->nr_svc_addreg, &info->cap_svc_addreg);
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
  wv_drvsrc_inf_target (w, &t);
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
                 &info->nr_hw_addreg, &info->cap_hw_addreg) == -1)
    goto out;
  r = 1;

 out:
  wv_inf_install_free (ins);
  free (devs);
  wv_inf_free (inf);
  return r;
}

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

/* Take the files of dp into a new info, and describe it.  Returns 1,
 * 0 if its INF has no device for this Windows, or -1.
 */
static int
from_drvpkg (struct wv_drvsrc_pkg *dp, const struct wv_windows *w,
             struct wv_pkg_info *info)
{
  size_t i;
  int r = -1;

  memset (info, 0, sizeof *info);
  info->driver = strdup (dp->driver);
  info->files = calloc (dp->nr_files + 1, sizeof *info->files);
  if (info->driver == NULL || info->files == NULL) {
    wv_error ("out of memory");
    goto fail;
  }
  for (i = 0; i < dp->nr_files; ++i) {
    struct wv_pkg_file *f = &info->files[i];

    if (asprintf (&f->from, "%s/%s", dp->where, dp->files[i].name) == -1) {
      wv_error ("asprintf: %m");
      goto fail;
    }
    f->name = dp->files[i].name;
    f->data = dp->files[i].data;
    f->len = dp->files[i].len;
    dp->files[i].name = NULL;
    dp->files[i].data = NULL;
    info->nr_files++;
  }
  if (info->nr_files > 0)
    qsort (info->files, info->nr_files, sizeof *info->files, compare_files);
  r = describe (info, w);
  if (r == 1 && wv_drvfile_check_pkg (info, w) == -1)
    r = -1;
  if (r == 1)
    return 1;
  if (r == 0)
    wv_debug ("%s: no device of its INF is for this Windows", dp->where);
 fail:
  wv_pkg_info_free (info);
  return r == 0 ? 0 : -1;
}

static bool
is_boot (const char *driver)
{
  size_t i;

  for (i = 0; i < wv_pkg_nr_boot_drivers; ++i)
    if (strcasecmp (driver, wv_pkg_boot_drivers[i]) == 0)
      return true;
  return false;
}

/* The summary line of a package's catalog signer. */
static void
log_signer (FILE *log, const struct wv_pkg_info *p,
            const struct wv_windows *w)
{
  if (p->signer == NULL) {
    fprintf (log, "driver: %s: no catalog%s\n", p->inf_name,
             w->has_driver_database ? " (SignerScore 0x0f000000)" : "");
    return;
  }
  fprintf (log, "driver: %s: %s signed by \"%s\", issued by \"%s\" (%s",
           p->inf_name, p->catalog ? p->catalog : "catalog", p->signer,
           p->signer_issuer, p->signer_kind);
  if (w->has_driver_database)
    fprintf (log, ", SignerScore 0x%08" PRIx32, p->signer_score);
  fprintf (log, "; the chain is not verified)\n");
}

/* Append the package of dp to *pkgs_r (*n_r of them, room for *cap_r)
 * unless its INF has no device for this Windows (a boot driver must
 * have one).
 */
static int
add_package (struct wv_drvsrc_pkg *dp, bool boot, const struct wv_windows *w,
             FILE *log, struct wv_pkg_info **pkgs_r, size_t *n_r,
             size_t *cap_r)
{
  struct wv_pkg_info *p;
  int r;

  if (wv_array_grow (pkgs_r, cap_r, *n_r + 1, sizeof **pkgs_r, 8) == -1)
    return -1;
  p = *pkgs_r;
  r = from_drvpkg (dp, w, &p[*n_r]);
  if (r == -1)
    return -1;
  if (r == 0) {
    if (boot) {
      wv_error ("%s: no device of the INF is for this Windows (%s %s, "
                "%u.%u build %u): use a virtio-win release that supports "
                "this Windows", dp->where, w->product_name, w->arch,
                w->major, w->minor, w->build);
      return -1;
    }
    return 0;
  }
  p[*n_r].boot = boot;
  if (boot && p[*n_r].service == NULL) {
    wv_error ("%s: %s adds no service: it cannot be a boot driver",
              dp->where, p[*n_r].inf_name);
    wv_pkg_info_free (&p[*n_r]);
    return -1;
  }
  log_signer (log, &p[*n_r], w);
  (*n_r)++;
  return 0;
}

int
wv_pkg_load_all (const char *drivers, const struct wv_windows *w, FILE *log,
                 struct wv_pkg_info **pkgs_r, size_t *n_r)
{
  CLEANUP_FREE char *why_none = NULL;
  struct wv_drvsrc *src = NULL;
  struct wv_drvsrc_pkg *pkgs = NULL;
  size_t nr_pkgs = 0, cap = 0, i;
  int r = -1;

  *pkgs_r = NULL;
  *n_r = 0;
  src = wv_drvsrc_open (drivers);
  if (src == NULL)
    return -1;
  fprintf (log, "driver source: %s (%s)\n", wv_drvsrc_name (src),
           wv_drvsrc_layout (src));
  for (i = 0; i < wv_pkg_nr_boot_drivers; ++i) {
    struct wv_drvsrc_pkg *dp = NULL;
    int k;

    /* virtio-win has no vioscsi for Windows XP and Server 2003 (its
     * folders start at 2k8), only viostor: before Windows Vista a boot
     * driver the source lacks is left out, with a line in the
     * summary, as long as one is there (virt-v2v installs one block
     * driver too).  For any later Windows every boot driver must be
     * there.
     */
    if (w->major < 6)
      wv_error_capture_begin ();
    k = wv_drvsrc_package (src, wv_pkg_boot_drivers[i], w, &dp);
    if (w->major < 6) {
      CLEANUP_FREE char *why = wv_error_capture_end ();

      if (k == -1) {
        if (why_none == NULL) {
          why_none = why;
          why = NULL;
        }
        fprintf (log, "driver: %s left out (not in the driver source for "
                 "%s/%s; virtio-win has none for Windows before Vista): "
                 "give the guest a %s disk\n", wv_pkg_boot_drivers[i],
                 w->osdir ? w->osdir : "?", w->arch,
                 strcmp (wv_pkg_boot_drivers[i], "vioscsi") == 0 ?
                 "virtio-blk (not virtio-scsi)" : "virtio-scsi");
        continue;
      }
    }
    if (k == -1)
      goto out;
    k = add_package (dp, true, w, log, pkgs_r, n_r, &cap);
    wv_drvsrc_pkg_free (dp);
    if (k == -1)
      goto out;
  }
  if (*n_r == 0) {
    wv_error ("%s", why_none ? why_none : "no boot driver found");
    goto out;
  }
  if (wv_drvsrc_packages (src, w, &pkgs, &nr_pkgs) == -1)
    goto out;
  for (i = 0; i < nr_pkgs; ++i)
    if (!is_boot (pkgs[i].driver) &&
        add_package (&pkgs[i], false, w, log, pkgs_r, n_r, &cap) == -1)
      goto out;
  r = 0;

 out:
  wv_drvsrc_pkgs_free (pkgs, nr_pkgs);
  wv_drvsrc_close (src);
  if (r == -1) {
    for (i = 0; i < *n_r; ++i)
      wv_pkg_info_free (&(*pkgs_r)[i]);
    free (*pkgs_r);
    *pkgs_r = NULL;
    *n_r = 0;
  }
  return r;
}
