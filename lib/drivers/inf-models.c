/* winvirtio: the driver layer of INF files: what an INF has for one
 * Windows: the models section it would pick, [Version], the devices
 * and [SourceDisksFiles].
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Models section choice follows "INF Manufacturer Section" and
 * "Combining Platform Extensions with Operating System Versions":
 * a TargetOSVersion decoration is
 *   nt[Arch][.[Major][.[Minor][.[ProductType][.[SuiteMask][.[Build]]]]]]
 * and applies if its architecture is the target's (a decoration
 * without architecture, like the undecorated section, only on x86:
 * non-x86 Windows requires the platform extension), its major.minor
 * and build are not above the target's, its product type is the
 * target's and its suite mask is 0 (we cannot know the suite, so a
 * suite-specific section is never chosen).  Among those that apply
 * the highest major.minor.build wins, then the more specific one
 * (product type given), then the first listed.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "common/log.h"
#include "drivers/inf-internal.h"

/* Most [SourceDisksFiles] entries (checked for duplicates). */
#define MAX_SOURCE_FILES 4096

/* ---- TargetOSVersion ---- */

struct deco {
  char arch[16];                /* "" if absent */
  long major, minor, ptype, build; /* -1 if absent */
  uint32_t suite;
};

/* Parse decimal or hex s (may be empty: *r = -1).  -1 if malformed. */
static int
deco_number (const char *s, size_t n, long *r)
{
  char buf[16];
  uint32_t v;

  if (n == 0) {
    *r = -1;
    return 0;
  }
  if (n >= sizeof buf)
    return -1;
  memcpy (buf, s, n);
  buf[n] = '\0';
  if (wv_inf_number (buf, &v) == -1)
    return -1;
  *r = v;
  return 0;
}

static int
parse_deco (const char *s, struct deco *d)
{
  size_t n;
  long *nums[5], suite;
  int i;

  memset (d, 0, sizeof *d);
  d->major = d->minor = d->ptype = d->build = -1;
  if (strncasecmp (s, "nt", 2) != 0)
    return -1;
  s += 2;
  n = strcspn (s, ".");
  if (n >= sizeof d->arch)
    return -1;
  memcpy (d->arch, s, n);
  d->arch[n] = '\0';
  s += n;
  nums[0] = &d->major;
  nums[1] = &d->minor;
  nums[2] = &d->ptype;
  nums[3] = &suite;
  nums[4] = &d->build;
  suite = -1;
  for (i = 0; i < 5 && *s == '.'; i++) {
    s++;
    n = strcspn (s, ".");
    if (deco_number (s, n, nums[i]) == -1)
      return -1;
    s += n;
  }
  if (*s != '\0')
    return -1;
  d->suite = suite == -1 ? 0 : suite;
  return 0;
}

static bool
deco_applies (const struct deco *d, const struct wv_inf_target *t)
{
  long major = d->major == -1 ? 0 : d->major;
  long minor = d->minor == -1 ? 0 : d->minor;

  if (d->arch[0] ? strcasecmp (d->arch, t->arch) != 0
      : strcasecmp (t->arch, "x86") != 0)
    return false;
  if (major > (long) t->major ||
      (major == (long) t->major && minor > (long) t->minor))
    return false;
  if (d->build != -1 &&
      (major == (long) t->major && minor == (long) t->minor) &&
      d->build > (long) t->build)
    return false;
  if (d->ptype != -1 && d->ptype != (t->server ? 3 : 1))
    return false;
  if (d->suite != 0)
    return false;
  return true;
}

/* Does a rank above b?  (Both apply.) */
static bool
deco_better (const struct deco *a, const struct deco *b)
{
  long av[3] = { a->major, a->minor, a->build };
  long bv[3] = { b->major, b->minor, b->build };
  int i;

  for (i = 0; i < 3; i++) {
    if (av[i] != bv[i])
      return av[i] > bv[i];
  }
  if ((a->arch[0] != 0) != (b->arch[0] != 0))
    return a->arch[0] != 0;
  return a->ptype != -1 && b->ptype == -1;
}

const char *
wv_inf_pick_decoration (const struct wv_inf_line *mfg,
                        const struct wv_inf_target *t)
{
  const char *best = NULL;
  struct deco bestd = { .major = -1 }, d;
  size_t i;

  if (mfg->key == NULL)         /* "manufacturer-name" form */
    return strcasecmp (t->arch, "x86") == 0 ? "" : NULL;
  for (i = 1; i < mfg->nr_fields; i++) {
    if (parse_deco (mfg->fields[i], &d) == -1) {
      wv_debug ("INF Manufacturer: ignoring decoration \"%s\"",
                mfg->fields[i]);
      continue;
    }
    if (!deco_applies (&d, t))
      continue;
    if (best == NULL || deco_better (&d, &bestd)) {
      best = mfg->fields[i];
      bestd = d;
    }
  }
  if (best == NULL && strcasecmp (t->arch, "x86") == 0)
    return "";
  return best;
}

/* ---- [Version] ---- */

/* The first field of key in s, or NULL. */
static const char *
first_field (const struct wv_inf_section *s, const char *key)
{
  const struct wv_inf_line *l = wv_inf_find (s, key);

  return l && l->nr_fields > 0 ? l->fields[0] : NULL;
}

int
wv_inf_version (const struct wv_inf *inf, const struct wv_inf_target *t,
                struct wv_inf_version *v)
{
  const struct wv_inf_section *s = wv_inf_section (inf, "Version");
  const struct wv_inf_line *l;
  const char *lockdown;
  char key[64];
  uint32_t n;

  memset (v, 0, sizeof *v);
  v->pnp_lockdown = -1;
  if (s == NULL) {
    wv_error ("%s: no [Version] section: not an INF file",
              wv_inf_name (inf));
    return -1;
  }
  v->class_name = first_field (s, "Class");
  v->class_guid = first_field (s, "ClassGuid");
  v->provider = first_field (s, "Provider");
  v->package_type = first_field (s, "DriverPackageType");
  lockdown = first_field (s, "PnpLockdown");
  if (lockdown && wv_inf_number (lockdown, &n) == 0)
    v->pnp_lockdown = n;
  l = wv_inf_find (s, "DriverVer");
  if (l && l->nr_fields > 0)
    v->driver_date = l->fields[0];
  if (l && l->nr_fields > 1)
    v->driver_version = l->fields[1];
  snprintf (key, sizeof key, "CatalogFile.NT%s", t->arch);
  v->catalog_file = first_field (s, key);
  if (v->catalog_file == NULL)
    v->catalog_file = first_field (s, "CatalogFile.NT");
  if (v->catalog_file == NULL)
    v->catalog_file = first_field (s, "CatalogFile");
  return 0;
}
/* ---- devices ---- */

int
wv_inf_devices (const struct wv_inf *inf, const struct wv_inf_target *t,
                struct wv_inf_device **devs_r, size_t *nr_r)
{
  const struct wv_inf_section *mfg = wv_inf_section (inf, "Manufacturer");
  struct wv_inf_device *devs = NULL;
  size_t nr = 0, cap = 0, i, j;

  *devs_r = NULL;
  *nr_r = 0;
  if (mfg == NULL)
    return 0;
  for (i = 0; i < mfg->nr_lines; i++) {
    const struct wv_inf_line *m = &mfg->lines[i];
    const struct wv_inf_section *models;
    const char *base, *deco;
    char name[300];

    if (m->nr_fields == 0 || m->fields[0][0] == '\0')
      continue;
    base = m->fields[0];
    deco = wv_inf_pick_decoration (m, t);
    if (deco == NULL) {
      wv_debug ("%s: manufacturer %s has no models section for %s %u.%u",
                wv_inf_name (inf), m->key ? m->key : base, t->arch,
                t->major, t->minor);
      continue;
    }
    if (snprintf (name, sizeof name, "%s%s%s", base, *deco ? "." : "",
                  deco) >= (int) sizeof name) {
      wv_error ("%s: models section name too long", wv_inf_name (inf));
      goto err;
    }
    models = wv_inf_section (inf, name);
    if (models == NULL && *deco == '\0') {
      /* x86 fallback to an undecorated section the INF lacks. */
      wv_debug ("%s: no models section for %s %u.%u", wv_inf_name (inf),
                t->arch, t->major, t->minor);
      continue;
    }
    if (models == NULL) {
      wv_error ("%s: [Manufacturer] names the models section [%s], "
                "which is missing", wv_inf_name (inf), name);
      goto err;
    }
    for (j = 0; j < models->nr_lines; j++) {
      const struct wv_inf_line *l = &models->lines[j];
      struct wv_inf_device *d;

      if (l->key == NULL || l->nr_fields < 2 || l->fields[1][0] == '\0') {
        wv_error ("%s:%u: models line without install section and "
                  "hardware ID", wv_inf_name (inf), l->lineno);
        goto err;
      }
      if (nr >= MAX_ITEMS) {
        wv_error ("%s: more than %d devices", wv_inf_name (inf), MAX_ITEMS);
        goto err;
      }
      if (wv_array_grow (&devs, &cap, nr + 1, sizeof *devs, 4) == -1)
        goto err;
      d = &devs[nr++];
      d->manufacturer = m->key ? m->key : base;
      d->models_section = models->name;
      d->description = l->key;
      d->install = l->fields[0];
      d->hwid = l->fields[1];
      d->compat_ids = &l->fields[2];
      d->nr_compat_ids = l->nr_fields - 2;
    }
  }
  *devs_r = devs;
  *nr_r = nr;
  return 0;

 err:
  free (devs);
  return -1;
}

/* ---- [SourceDisksFiles] ---- */

static int
add_source_files (const struct wv_inf_section *s, const char ***names,
                  size_t *nr, size_t *cap)
{
  size_t i, j;

  for (i = 0; s && i < s->nr_lines; i++) {
    const struct wv_inf_line *l = &s->lines[i];
    const char *n = l->key ? l->key : l->nr_fields > 0 ? l->fields[0] : "";

    if (n[0] == '\0')
      continue;
    for (j = 0; j < *nr; j++)
      if (strcasecmp ((*names)[j], n) == 0)
        break;
    if (j < *nr)
      continue;
    if (*nr >= MAX_SOURCE_FILES) {
      wv_error ("more than %d source files", MAX_SOURCE_FILES);
      return -1;
    }
    if (wv_array_grow (names, cap, *nr + 1, sizeof **names, 16) == -1)
      return -1;
    (*names)[(*nr)++] = n;
  }
  return 0;
}

int
wv_inf_source_files (const struct wv_inf *inf,
                     const struct wv_inf_target *t,
                     const char ***names_r, size_t *nr_r)
{
  const char **names = NULL;
  size_t nr = 0, cap = 0;
  char buf[64];

  snprintf (buf, sizeof buf, "SourceDisksFiles.%s", t->arch);
  if (add_source_files (wv_inf_section (inf, "SourceDisksFiles"),
                        &names, &nr, &cap) == -1 ||
      add_source_files (wv_inf_section (inf, buf), &names, &nr,
                        &cap) == -1) {
    free (names);
    return -1;
  }
  *names_r = names;
  *nr_r = nr;
  return 0;
}
