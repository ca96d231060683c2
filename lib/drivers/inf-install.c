/* winvirtio: the driver layer of INF files: an install section, its
 * files (CopyFiles), registry lines (AddReg, DelReg, of the section
 * and of its .HW) and services (AddService of its .Services).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Install sections take platform extensions only: name.NT<arch>,
 * then name.NT, then name.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "common/log.h"
#include "drivers/inf-internal.h"

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
  if (wv_array_grow (&ins->files, &ins->cap_files, ins->nr_files + 1,
                     sizeof *ins->files, 8) == -1)
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
    if (wv_inf_read_regs (inf, s, &svc->regs, &svc->nr_regs,
                          &svc->cap_regs) == -1)
      return -1;
  }
  if (svc->eventlog_section) {
    ev = wv_inf_section (inf, svc->eventlog_section);
    if (ev == NULL) {
      wv_error ("%s: the event log section [%s] of %s is missing",
                wv_inf_name (inf), svc->eventlog_section, svc->name);
      return -1;
    }
    if (wv_inf_read_regs (inf, ev, &svc->eventlog_regs,
                          &svc->nr_eventlog_regs,
                          &svc->cap_eventlog_regs) == -1)
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
      wv_inf_read_regs (inf, s, &ins->regs, &ins->nr_regs,
                        &ins->cap_regs) == -1)
    goto err;
  snprintf (buf, sizeof buf, "%s.HW", s->name);
  hw = wv_inf_section (inf, buf);
  if (hw && wv_inf_read_regs (inf, hw, &ins->hw_regs, &ins->nr_hw_regs,
                              &ins->cap_hw_regs) == -1)
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
    if (wv_array_grow (&ins->services, &ins->cap_services,
                       ins->nr_services + 1, sizeof *p, 2) == -1)
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
