/* winvirtio: the driver layer of INF files: what Windows would install.
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
 *
 * Install sections take platform extensions only: name.NT<arch>,
 * then name.NT, then name.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/inf.h"
#include "common/log.h"

/* Most registry lines, files or devices one answer holds. */
#define MAX_ITEMS 65536
/* Largest registry value made from an AddReg line. */
#define MAX_REG_DATA (1024 * 1024)
/* Most [SourceDisksFiles] entries (checked for duplicates). */
#define MAX_SOURCE_FILES 4096

/* Make room for element nr of an array (*pp) of elements of size
 * bytes that only ever grows by one through here: the capacity is
 * the next power of two, so n additions cost O(n).
 */
static int
grow (void *pp, size_t nr, size_t size)
{
  void **p = pp;
  void *np;

  if (nr != 0 && (nr & (nr - 1)) != 0)
    return 0;
  np = realloc (*p, (nr ? nr * 2 : 1) * size);
  if (np == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  *p = np;
  return 0;
}

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
  size_t nr = 0, i, j;

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
      if (grow (&devs, nr, sizeof *devs) == -1)
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

/* ---- registry lines ---- */

static uint32_t
reg_type (uint32_t flags)
{
  switch (flags & WV_FLG_ADDREG_TYPE_MASK) {
  case WV_FLG_ADDREG_TYPE_SZ: return 1;
  case WV_FLG_ADDREG_TYPE_EXPAND_SZ: return 2;
  case WV_FLG_ADDREG_TYPE_BINARY: return 3;
  case WV_FLG_ADDREG_TYPE_DWORD: return 4;
  case WV_FLG_ADDREG_TYPE_MULTI_SZ: return 7;
  case WV_FLG_ADDREG_TYPE_NONE: return 0;
  default:
    /* Binary data of another type: the type is the high word. */
    return flags & WV_FLG_ADDREG_BINVALUETYPE ? flags >> 16 : 1;
  }
}

/* Append the lines of AddReg/DelReg section name to *regs. */
static int
read_reg_section (const struct wv_inf *inf, const char *name, bool del,
                  struct wv_inf_reg **regs, size_t *nr)
{
  const struct wv_inf_section *s = wv_inf_section (inf, name);
  size_t i;

  if (s == NULL) {
    wv_error ("%s: the registry section [%s] is missing",
              wv_inf_name (inf), name);
    return -1;
  }
  for (i = 0; i < s->nr_lines; i++) {
    const struct wv_inf_line *l = &s->lines[i];
    struct wv_inf_reg *r;

    if (l->key != NULL || l->nr_fields < 1 || l->fields[0][0] == '\0') {
      wv_error ("%s:%u: [%s]: not a registry line (reg-root, subkey, "
                "value-name, flags, value)", wv_inf_name (inf), l->lineno,
                name);
      return -1;
    }
    if (*nr >= MAX_ITEMS) {
      wv_error ("%s: more than %d registry lines for one install section",
                wv_inf_name (inf), MAX_ITEMS);
      return -1;
    }
    if (grow (regs, *nr, sizeof **regs) == -1)
      return -1;
    r = &(*regs)[(*nr)++];
    memset (r, 0, sizeof *r);
    r->section = s->name;
    r->del = del;
    r->root = l->fields[0];
    r->subkey = l->nr_fields > 1 ? l->fields[1] : "";
    r->value_name = l->nr_fields > 2 ? l->fields[2] : NULL;
    if (l->nr_fields > 3 && l->fields[3][0] &&
        wv_inf_number (l->fields[3], &r->flags) == -1) {
      wv_error ("%s:%u: [%s]: bad registry flags \"%s\"",
                wv_inf_name (inf), l->lineno, name, l->fields[3]);
      return -1;
    }
    r->type = reg_type (r->flags);
    if (l->nr_fields > 4) {
      r->values = &l->fields[4];
      r->nr_values = l->nr_fields - 4;
    }
    else
      r->values = &l->fields[l->nr_fields]; /* empty, never read */
  }
  return 0;
}

/* For every AddReg and DelReg line of section s, read the sections it
 * names into *regs.
 */
static int
read_regs (const struct wv_inf *inf, const struct wv_inf_section *s,
           struct wv_inf_reg **regs, size_t *nr)
{
  size_t i, j;

  for (i = 0; i < s->nr_lines; i++) {
    const struct wv_inf_line *l = &s->lines[i];
    bool add, del;

    if (l->key == NULL)
      continue;
    add = strcasecmp (l->key, "AddReg") == 0;
    del = strcasecmp (l->key, "DelReg") == 0;
    if (!add && !del)
      continue;
    for (j = 0; j < l->nr_fields; j++) {
      if (l->fields[j][0] == '\0')
        continue;
      if (read_reg_section (inf, l->fields[j], del, regs, nr) == -1)
        return -1;
    }
  }
  return 0;
}

/* Append UTF-16LE of s with its NUL. */
static int
add_utf16 (const char *s, uint8_t **data, size_t *len)
{
  size_t n = strlen (s), i = 0, o = *len;
  uint8_t *p;

  if (*len + 4 * (n + 1) > MAX_REG_DATA) {
    wv_error ("registry data larger than %d bytes", MAX_REG_DATA);
    return -1;
  }
  p = realloc (*data, *len + 4 * (n + 1));

  if (p == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  *data = p;
  while (i < n) {
    const unsigned char *u = (const unsigned char *) s + i;
    uint32_t c;

    /* The text is valid UTF-8 (the parser made it). */
    if (u[0] < 0x80) { c = u[0]; i += 1; }
    else if ((u[0] & 0xe0) == 0xc0 && i + 1 < n) {
      c = (u[0] & 0x1f) << 6 | (u[1] & 0x3f); i += 2;
    }
    else if ((u[0] & 0xf0) == 0xe0 && i + 2 < n) {
      c = (u[0] & 0x0f) << 12 | (u[1] & 0x3f) << 6 | (u[2] & 0x3f); i += 3;
    }
    else if ((u[0] & 0xf8) == 0xf0 && i + 3 < n) {
      c = (u[0] & 0x07) << 18 | (u[1] & 0x3f) << 12 | (u[2] & 0x3f) << 6 |
        (u[3] & 0x3f);
      i += 4;
    }
    else { c = 0xfffd; i += 1; }
    if (c >= 0x10000) {
      c -= 0x10000;
      p[o++] = (0xd800 | (c >> 10)) & 0xff;
      p[o++] = (0xd800 | (c >> 10)) >> 8;
      c = 0xdc00 | (c & 0x3ff);
    }
    p[o++] = c & 0xff;
    p[o++] = c >> 8;
  }
  p[o++] = 0;
  p[o++] = 0;
  *len = o;
  return 0;
}

int
wv_inf_reg_data (const struct wv_inf *inf, const struct wv_inf_reg *r,
                 uint8_t **data_r, size_t *len_r)
{
  uint8_t *data = NULL;
  size_t len = 0, i;
  uint32_t v;

  *data_r = NULL;
  *len_r = 0;
  if (r->flags & WV_FLG_ADDREG_BINVALUETYPE) {
    /* DWORD with one number, else a list of hex bytes. */
    if (r->type == 4 && r->nr_values == 1) {
      if (wv_inf_number (r->values[0], &v) == -1)
        goto bad;
      data = malloc (4);
      if (data == NULL)
        goto nomem;
      data[0] = v; data[1] = v >> 8; data[2] = v >> 16; data[3] = v >> 24;
      len = 4;
    }
    else {
      data = malloc (r->nr_values + 1);
      if (data == NULL)
        goto nomem;
      for (i = 0; i < r->nr_values; i++) {
        char buf[16];

        if (strlen (r->values[i]) > 2)
          goto bad;
        snprintf (buf, sizeof buf, "0x%s", r->values[i]);
        if (wv_inf_number (buf, &v) == -1)
          goto bad;
        data[len++] = v;
      }
    }
  }
  else if (r->type == 7) {
    for (i = 0; i < r->nr_values; i++)
      if (add_utf16 (r->values[i], &data, &len) == -1)
        goto err;
    if (add_utf16 ("", &data, &len) == -1)
      goto err;
  }
  else {
    if (add_utf16 (r->nr_values > 0 ? r->values[0] : "", &data, &len) == -1)
      goto err;
  }
  *data_r = data;
  *len_r = len;
  return 0;

 nomem:
  wv_error ("malloc: %m");
  goto err;
 bad:
  wv_error ("%s: [%s]: bad data for %s\\%s\\%s",
            wv_inf_name (inf), r->section, r->root, r->subkey,
            r->value_name ? r->value_name : "");
 err:
  free (data);
  return -1;
}

/* ---- install sections ---- */

/* [DestinationDirs] entry for section (or DefaultDestDir, or 11). */
static int
dest_dir (const struct wv_inf *inf, const char *section,
          uint32_t *dirid, const char **subdir)
{
  const struct wv_inf_section *dd = wv_inf_section (inf, "DestinationDirs");
  const struct wv_inf_line *l = NULL;

  if (section)
    l = wv_inf_find (dd, section);
  if (l == NULL)
    l = wv_inf_find (dd, "DefaultDestDir");
  *dirid = 11;
  *subdir = NULL;
  if (l == NULL || l->nr_fields == 0)
    return 0;
  if (wv_inf_number (l->fields[0], dirid) == -1) {
    wv_error ("%s:%u: [DestinationDirs]: bad dirid \"%s\"",
              wv_inf_name (inf), l->lineno, l->fields[0]);
    return -1;
  }
  if (l->nr_fields > 1 && l->fields[1][0])
    *subdir = l->fields[1];
  return 0;
}

static int
add_copyfile (struct wv_inf_install *ins, const char *section,
              const char *dest, const char *src, uint32_t dirid,
              const char *subdir)
{
  struct wv_inf_copyfile *p;

  if (ins->nr_files >= MAX_ITEMS) {
    wv_error ("more than %d files to copy", MAX_ITEMS);
    return -1;
  }
  if (grow (&ins->files, ins->nr_files, sizeof *ins->files) == -1)
    return -1;
  p = ins->files;
  p[ins->nr_files].section = section;
  p[ins->nr_files].dest_name = dest;
  p[ins->nr_files].source_name = src && *src ? src : dest;
  p[ins->nr_files].dirid = dirid;
  p[ins->nr_files].subdir = subdir;
  ins->nr_files++;
  return 0;
}

static int
read_copyfiles (const struct wv_inf *inf, const struct wv_inf_section *s,
                struct wv_inf_install *ins)
{
  size_t i, j, k;
  uint32_t dirid;
  const char *subdir;

  for (i = 0; i < s->nr_lines; i++) {
    const struct wv_inf_line *l = &s->lines[i];

    if (l->key == NULL || strcasecmp (l->key, "CopyFiles") != 0)
      continue;
    for (j = 0; j < l->nr_fields; j++) {
      const char *f = l->fields[j];
      const struct wv_inf_section *cf;

      if (f[0] == '\0')
        continue;
      if (f[0] == '@') {
        if (dest_dir (inf, NULL, &dirid, &subdir) == -1 ||
            add_copyfile (ins, NULL, f + 1, f + 1, dirid, subdir) == -1)
          return -1;
        continue;
      }
      cf = wv_inf_section (inf, f);
      if (cf == NULL) {
        wv_error ("%s: the CopyFiles section [%s] is missing",
                  wv_inf_name (inf), f);
        return -1;
      }
      if (dest_dir (inf, cf->name, &dirid, &subdir) == -1)
        return -1;
      for (k = 0; k < cf->nr_lines; k++) {
        const struct wv_inf_line *c = &cf->lines[k];
        const char *dest = c->key ? c->key :
          c->nr_fields > 0 ? c->fields[0] : "";

        if (dest[0] == '\0') {
          wv_error ("%s:%u: [%s]: file line without a file name",
                    wv_inf_name (inf), c->lineno, cf->name);
          return -1;
        }
        if (add_copyfile (ins, cf->name, dest,
                          !c->key && c->nr_fields > 1 ? c->fields[1] : NULL,
                          dirid, subdir) == -1)
          return -1;
      }
    }
  }
  return 0;
}

static uint32_t
service_number (const struct wv_inf *inf, const struct wv_inf_section *s,
                const char *key, int *err)
{
  const struct wv_inf_line *l = wv_inf_find (s, key);
  uint32_t v;

  if (l == NULL || l->nr_fields == 0)
    return ~(uint32_t) 0;
  if (wv_inf_number (l->fields[0], &v) == -1) {
    wv_error ("%s:%u: [%s]: %s is \"%s\", not a number",
              wv_inf_name (inf), l->lineno, s->name, key, l->fields[0]);
    *err = -1;
    return ~(uint32_t) 0;
  }
  return v;
}

static const char *
opt_field (const struct wv_inf_line *l, size_t i)
{
  return l->nr_fields > i && l->fields[i][0] ? l->fields[i] : NULL;
}

static int
read_service (const struct wv_inf *inf, const struct wv_inf_line *l,
              struct wv_inf_service *svc)
{
  const struct wv_inf_section *s, *ev;
  const struct wv_inf_line *x;
  int err = 0;

  memset (svc, 0, sizeof *svc);
  svc->service_type = svc->start_type = svc->error_control = ~(uint32_t) 0;
  svc->name = opt_field (l, 0);
  if (svc->name == NULL) {
    wv_error ("%s:%u: AddService without a service name",
              wv_inf_name (inf), l->lineno);
    return -1;
  }
  if (opt_field (l, 1) && wv_inf_number (l->fields[1], &svc->flags) == -1) {
    wv_error ("%s:%u: AddService %s: bad flags \"%s\"",
              wv_inf_name (inf), l->lineno, svc->name, l->fields[1]);
    return -1;
  }
  svc->install_section = opt_field (l, 2);
  svc->eventlog_section = opt_field (l, 3);
  if (svc->install_section) {
    s = wv_inf_section (inf, svc->install_section);
    if (s == NULL) {
      wv_error ("%s: the service install section [%s] of %s is missing",
                wv_inf_name (inf), svc->install_section, svc->name);
      return -1;
    }
    svc->service_type = service_number (inf, s, "ServiceType", &err);
    svc->start_type = service_number (inf, s, "StartType", &err);
    svc->error_control = service_number (inf, s, "ErrorControl", &err);
    if (err)
      return -1;
    x = wv_inf_find (s, "DisplayName");
    svc->display_name = x ? opt_field (x, 0) : NULL;
    x = wv_inf_find (s, "Description");
    svc->description = x ? opt_field (x, 0) : NULL;
    x = wv_inf_find (s, "ServiceBinary");
    svc->service_binary = x ? opt_field (x, 0) : NULL;
    x = wv_inf_find (s, "LoadOrderGroup");
    svc->load_order_group = x ? opt_field (x, 0) : NULL;
    x = wv_inf_find (s, "Dependencies");
    if (x) {
      svc->dependencies = x->fields;
      svc->nr_dependencies = x->nr_fields;
    }
    if (read_regs (inf, s, &svc->regs, &svc->nr_regs) == -1)
      return -1;
  }
  if (svc->eventlog_section) {
    ev = wv_inf_section (inf, svc->eventlog_section);
    if (ev == NULL) {
      wv_error ("%s: the event log section [%s] of %s is missing",
                wv_inf_name (inf), svc->eventlog_section, svc->name);
      return -1;
    }
    if (read_regs (inf, ev, &svc->eventlog_regs,
                   &svc->nr_eventlog_regs) == -1)
      return -1;
  }
  return 0;
}

/* The install section name resolves to, or NULL. */
static const struct wv_inf_section *
resolve_install (const struct wv_inf *inf, const struct wv_inf_target *t,
                 const char *name)
{
  const struct wv_inf_section *s;
  char buf[300];

  snprintf (buf, sizeof buf, "%s.NT%s", name, t->arch);
  if ((s = wv_inf_section (inf, buf)) != NULL)
    return s;
  snprintf (buf, sizeof buf, "%s.NT", name);
  if ((s = wv_inf_section (inf, buf)) != NULL)
    return s;
  return wv_inf_section (inf, name);
}

struct wv_inf_install *
wv_inf_install (const struct wv_inf *inf, const struct wv_inf_target *t,
                const char *name)
{
  struct wv_inf_install *ins;
  const struct wv_inf_section *s, *hw, *svcs;
  const struct wv_inf_line *l;
  char buf[300];
  size_t i;

  if (strlen (name) > 200) {
    wv_error ("%s: install section name too long", wv_inf_name (inf));
    return NULL;
  }
  s = resolve_install (inf, t, name);
  if (s == NULL) {
    wv_error ("%s: the install section [%s] (or [%s.NT%s], [%s.NT]) is "
              "missing", wv_inf_name (inf), name, name, t->arch, name);
    return NULL;
  }
  ins = calloc (1, sizeof *ins);
  if (ins == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  ins->section = s->name;
  l = wv_inf_find (s, "Include");
  if (l) {
    ins->include = l->fields;
    ins->nr_include = l->nr_fields;
  }
  l = wv_inf_find (s, "Needs");
  if (l) {
    ins->needs = l->fields;
    ins->nr_needs = l->nr_fields;
  }
  if (read_copyfiles (inf, s, ins) == -1 ||
      read_regs (inf, s, &ins->regs, &ins->nr_regs) == -1)
    goto err;
  snprintf (buf, sizeof buf, "%s.HW", s->name);
  hw = wv_inf_section (inf, buf);
  if (hw && read_regs (inf, hw, &ins->hw_regs, &ins->nr_hw_regs) == -1)
    goto err;
  snprintf (buf, sizeof buf, "%s.Services", s->name);
  svcs = wv_inf_section (inf, buf);
  for (i = 0; svcs && i < svcs->nr_lines; i++) {
    const struct wv_inf_line *a = &svcs->lines[i];
    struct wv_inf_service *p;

    if (a->key == NULL || strcasecmp (a->key, "AddService") != 0)
      continue;
    if (ins->nr_services >= MAX_ITEMS) {
      wv_error ("%s: more than %d services", wv_inf_name (inf), MAX_ITEMS);
      goto err;
    }
    if (grow (&ins->services, ins->nr_services, sizeof *p) == -1)
      goto err;
    p = ins->services;
    if (read_service (inf, a, &p[ins->nr_services]) == -1) {
      free (p[ins->nr_services].regs);
      free (p[ins->nr_services].eventlog_regs);
      goto err;
    }
    ins->nr_services++;
  }
  return ins;

 err:
  wv_inf_install_free (ins);
  return NULL;
}

void
wv_inf_install_free (struct wv_inf_install *ins)
{
  size_t i;

  if (ins == NULL)
    return;
  for (i = 0; i < ins->nr_services; i++) {
    free (ins->services[i].regs);
    free (ins->services[i].eventlog_regs);
  }
  free (ins->services);
  free (ins->files);
  free (ins->regs);
  free (ins->hw_regs);
  free (ins);
}

/* ---- [SourceDisksFiles] ---- */

static int
add_source_files (const struct wv_inf_section *s, const char ***names,
                  size_t *nr)
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
    if (grow (names, *nr, sizeof **names) == -1)
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
  size_t nr = 0;
  char buf[64];

  snprintf (buf, sizeof buf, "SourceDisksFiles.%s", t->arch);
  if (add_source_files (wv_inf_section (inf, "SourceDisksFiles"),
                        &names, &nr) == -1 ||
      add_source_files (wv_inf_section (inf, buf), &names, &nr) == -1) {
    free (names);
    return -1;
  }
  *names_r = names;
  *nr_r = nr;
  return 0;
}
