/* winvirtio command: "inspect --json", the same report for programs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * One JSON object, keys in a fixed order; absent facts are null.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "convert/fallback.h"
#include "disk/partition.h"
#include "disk/source.h"
#include "inspect/inspect.h"
#include "winvirtio.h"

/* A JSON string, or null. */
static void
str (const char *s)
{
  const unsigned char *p;

  if (s == NULL) {
    printf ("null");
    return;
  }
  putchar ('"');
  for (p = (const unsigned char *) s; *p; ++p) {
    if (*p == '"' || *p == '\\')
      printf ("\\%c", *p);
    else if (*p == '\n')
      printf ("\\n");
    else if (*p < 0x20)
      printf ("\\u%04x", *p);
    else
      putchar (*p);
  }
  putchar ('"');
}

/* "key": */
static void
key (const char *k)
{
  str (k);
  printf (": ");
}

static void
json_volumes (const struct wv_inspect *r)
{
  size_t i;

  printf ("  \"volumes\": [");
  for (i = 0; i < r->nr_volumes; ++i) {
    const struct wv_inspect_volume *v = &r->volumes[i];

    printf ("%s\n    { \"partition\": %u, \"offset\": %" PRIu64
            ", \"length\": %" PRIu64 ", \"esp\": %s, ",
            i ? "," : "", v->part->number, v->part->offset,
            v->part->length, v->part->esp ? "true" : "false");
    key ("kind"); str (v->kind);
    printf (", \"ntfs\": %s, ", v->ntfs ? "true" : "false");
    key ("label"); str (v->ntfs ? v->label : NULL);
    printf (", \"windows\": %s, ", v->windows ? "true" : "false");
    key ("system_root"); str (v->sysroot);
    printf (", ");
    key ("refusal"); str (v->refusal);
    printf (" }");
  }
  printf ("\n  ],\n");
}

static void
json_windows (const struct wv_inspect *r)
{
  const struct wv_windows *w = &r->win;

  printf ("  \"windows\": ");
  if (!r->have_windows) {
    printf ("null,\n  \"windows_error\": ");
    str (r->windows_error);
    printf (",\n");
    return;
  }
  printf ("{\n    ");
  key ("product_name"); str (w->product_name);
  printf (",\n    \"major\": %u, \"minor\": %u, \"build\": %u,\n    ",
          w->major, w->minor, w->build);
  key ("edition_id"); str (w->edition_id);
  printf (",\n    ");
  key ("installation_type"); str (w->installation_type);
  printf (",\n    \"server\": %s,\n    ", w->server ? "true" : "false");
  key ("arch"); str (w->arch);
  printf (", ");
  key ("arch_source"); str (w->arch_source);
  printf (",\n    ");
  key ("control_set"); str (w->control_set_name);
  printf (",\n    \"driver_database\": %s,\n    ",
          w->has_driver_database ? "true" : "false");
  key ("rtc"); str (w->rtc_utc ? "utc" : "localtime");
  printf (",\n    ");
  key ("rtc_source"); str (w->rtc_source);
  printf (",\n    ");
  key ("virtio_win_folder"); str (w->osdir);
  printf (",\n    ");
  key ("hive_refusal"); str (r->hive_refusal);
  printf (",\n    \"hive_replayed\": %u", r->hive_replayed);
  /* Before Windows 8 only (else both null). */
  printf (",\n    ");
  key ("device_path"); str (r->have_devicepath ? r->devicepath : NULL);
  printf (",\n    \"device_path_lists_virtio\": %s",
          !r->have_devicepath ? "null" :
          r->devicepath_state == WV_DEVICEPATH_WITH ? "true" : "false");
  printf ("\n  },\n");
}

static void
json_services (const struct wv_inspect *r)
{
  size_t i;

  printf ("  \"drivers_present\": [");
  for (i = 0; i < r->nr_services; ++i) {
    const struct wv_inspect_service *s = &r->services[i];

    printf ("%s\n    { ", i ? "," : "");
    key ("service"); str (s->name);
    printf (", \"type\": %" PRId64 ", \"start\": %" PRId64
            ", \"error_control\": %" PRId64 ", \"start_override\": %s, ",
            s->type, s->start, s->error_control,
            s->start_override ? "true" : "false");
    key ("group"); str (s->group);
    printf (", ");
    key ("image_path"); str (s->image_path);
    printf (", ");
    key ("file"); str (s->file);
    printf (", \"file_exists\": %s, ", s->file_exists == 1 ? "true" :
            s->file_exists == 0 ? "false" : "null");
    key ("bindings"); str (s->bindings);
    if (s->boot_driver) {
      printf (", \"boot_ready\": %s, ", s->boot_ready ? "true" : "false");
      key ("not_ready"); str (s->not_ready);
    }
    printf (" }");
  }
  printf ("\n  ],\n");
}

/* A DWORD that may be absent (-1). */
static void
dword (int64_t v)
{
  if (v < 0)
    printf ("null");
  else
    printf ("%" PRId64, v);
}

/* The inbox storage fallbacks, SanPolicy and AutoReboot (null
 * without Windows).
 */
static void
json_firstboot (const struct wv_inspect *r)
{
  const struct wv_san_policy *s = &r->san_policy;
  const struct wv_autoreboot *a = &r->autoreboot;
  size_t i;

  if (!r->have_firstboot) {
    printf ("  \"inbox_fallbacks\": null, \"san_policy\": null, "
            "\"autoreboot\": null,\n");
    return;
  }
  printf ("  \"inbox_fallbacks\": [");
  for (i = 0; i < WV_NR_FALLBACKS; ++i) {
    const struct wv_fallback *f = &r->fallbacks[i];

    printf ("%s\n    { ", i ? "," : "");
    key ("service"); str (f->name);
    printf (", \"present\": %s, \"start\": ", f->present ? "true" : "false");
    dword (f->start);
    printf (", \"start_override\": %s, \"file_exists\": %s, "
            "\"boot_ready\": %s, \"sata_fallback\": %s }",
            f->start_override ? "true" : "false",
            f->file_exists == 1 ? "true" : f->file_exists == 0 ? "false" :
            "null", f->boot_ready ? "true" : "false",
            r->sata && strcmp (r->sata, f->name) == 0 ? "true" : "false");
  }
  printf ("\n  ],\n  \"san_policy\": { \"applies\": %s, \"value\": ",
          s->applies ? "true" : "false");
  dword (s->value);
  printf (", \"leaves_disks_offline\": %s, ", s->offline ? "true" : "false");
  key ("why"); str (s->why);
  printf (", \"keep\": %s },\n", r->keep_san_policy ? "true" : "false");
  printf ("  \"autoreboot\": { \"crash_control_key\": %s, \"value\": ",
          a->key ? "true" : "false");
  dword (a->value);
  printf (", \"keep\": %s },\n", r->keep_autoreboot ? "true" : "false");
}

static void
json_packages (const struct wv_inspect *r)
{
  size_t i;

  printf ("  ");
  key ("driver_source"); str (r->drivers);
  printf (", ");
  key ("driver_source_layout"); str (r->drivers_layout);
  printf (", ");
  key ("driver_source_error"); str (r->drivers_error);
  printf (",\n  \"driver_files\": [");
  for (i = 0; i < r->nr_packages; ++i) {
    const struct wv_inspect_package *p = &r->packages[i];

    printf ("%s\n    { ", i ? "," : "");
    key ("driver"); str (p->driver);
    printf (", ");
    key ("path"); str (p->path);
    printf (", \"size\": %zu, ", p->path ? p->size : 0);
    key ("error"); str (p->error);
    printf (",\n      ");
    key ("catalog"); str (p->path ? p->catalog : NULL);
    printf (", ");
    key ("signer"); str (p->path ? p->signer.subject : NULL);
    printf (", ");
    key ("signer_issuer"); str (p->path ? p->signer.issuer : NULL);
    printf (", ");
    key ("signer_kind"); str (p->path ? p->signer.kind : NULL);
    printf (" }");
  }
  printf ("\n  ],\n");
}

void
print_json (struct wv_source *src, const struct wv_inspect *r)
{
  char fw[64];
  size_t i;

  printf ("{\n  ");
  key ("source"); str (src->name);
  printf (",\n  \"size\": %" PRIu64 ",\n  ", src->size);
  key ("partition_table");
  str (r->have_pt ? wv_ptable_type_name (r->pt.type) : NULL);
  printf (",\n  \"sector_size\": %" PRIu32 ",\n  ",
          r->have_pt ? r->pt.sector_size : 0);
  key ("partition_table_error"); str (r->pt_error);
  printf (",\n  ");
  firmware (r, fw, sizeof fw);
  key ("firmware"); str (r->have_pt ? fw : NULL);
  printf (",\n");
  json_volumes (r);
  json_windows (r);
  json_services (r);
  json_firstboot (r);
  json_packages (r);
  printf ("  \"warnings\": [");
  for (i = 0; i < r->nr_warnings; ++i) {
    printf ("%s\n    ", i ? "," : "");
    str (r->warnings[i]);
  }
  printf ("\n  ],\n  \"verdict\": {\n    \"would_patch\": %s,\n    ",
          r->would_patch ? "true" : "false");
  printf ("\"bytes\": %" PRIu64 ", \"extents\": %zu,\n    ",
          r->map_bytes, r->map_extents);
  key ("changes"); str (r->summary);
  printf (",\n    ");
  key ("refusal"); str (r->refusal);
  printf ("\n  }\n}\n");
}
