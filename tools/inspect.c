/* winvirtio command: "inspect", what winvirtio would find and do,
 * before the copy, as text (as JSON: inspect-json.c; as
 * virt-v2v-inspector's XML: inspect-xml.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <getopt.h>
#include <inttypes.h>

#include "common/log.h"
#include "disk/partition.h"
#include "disk/source.h"
#include "convert/fallback.h"
#include "inspect/inspect.h"
#include "plan/plan.h"
#include "winvirtio.h"

static void
inspect_usage (void)
{
  fprintf (stderr, "usage: %s inspect [--drivers=PATH] [--partition=N] "
           "[--sector-size=512|4096] [--san-policy=online|keep] "
           "[--autoreboot=off|keep] [--vmware-tools=leave|disable] "
           "[--details] [--json|--xml] SOURCE\n", prog);
  exit (2);
}

/* Start types as Windows names them. */
const char *
start_name (int64_t start)
{
  switch (start) {
  case 0: return "boot";
  case 1: return "system";
  case 2: return "automatic";
  case 3: return "manual";
  case 4: return "disabled";
  default: return "?";
  }
}

/* The first EFI system partition, or NULL. */
const struct wv_partition *
esp_partition (const struct wv_inspect *r)
{
  size_t i;

  for (i = 0; i < r->pt.nr_partitions; ++i)
    if (r->pt.partitions[i].esp)
      return &r->pt.partitions[i];
  return NULL;
}

/* "UEFI (EFI system partition 1)", "BIOS (no EFI system partition)". */
void
firmware (const struct wv_inspect *r, char *buf, size_t len)
{
  const struct wv_partition *esp = esp_partition (r);

  if (esp)
    snprintf (buf, len, "UEFI (EFI system partition: %u)", esp->number);
  else
    snprintf (buf, len, "BIOS (no EFI system partition)");
}

static void
print_volumes (const struct wv_inspect *r)
{
  size_t i;

  for (i = 0; i < r->nr_volumes; ++i) {
    const struct wv_inspect_volume *v = &r->volumes[i];

    printf ("partition %u: offset %" PRIu64 ", %" PRIu64 " bytes, %s",
            v->part->number, v->part->offset, v->part->length, v->kind);
    if (v->ntfs)
      printf (", label \"%s\"", v->label);
    printf ("\n");
    if (v->windows)
      printf ("  Windows volume: holds \\%s\\System32\\config\\SYSTEM\n",
              v->sysroot);
    if (v->refusal)
      printf ("  refused: %s\n", v->refusal);
  }
}

/* Before Windows 8: the SOFTWARE hive's DevicePath. */
static void
print_devicepath (const struct wv_inspect *r)
{
  switch (r->devicepath_state) {
  case WV_DEVICEPATH_WITH:
    printf ("  DevicePath: \"%s\" (lists %s)\n", r->devicepath,
            WV_DEVICEPATH_VIRTIO);
    break;
  case WV_DEVICEPATH_WITHOUT:
    printf ("  DevicePath: \"%s\" (does not list %s: it would be "
            "added)\n", r->devicepath, WV_DEVICEPATH_VIRTIO);
    break;
  default:
    printf ("  DevicePath: none: %s (left so: the drivers other than the "
            "boot drivers would not be found at first boot)\n",
            wv_devicepath_describe (r->devicepath_state));
    break;
  }
}

static void
print_windows (const struct wv_inspect *r)
{
  const struct wv_windows *w = &r->win;

  printf ("windows:\n");
  printf ("  product name: %s\n", w->product_name);
  printf ("  version: %u.%u\n", w->major, w->minor);
  printf ("  build: %u\n", w->build);
  printf ("  edition: %s\n", w->edition_id[0] ? w->edition_id : "(none)");
  printf ("  installation type: %s\n",
          w->installation_type[0] ? w->installation_type : "(none)");
  printf ("  server: %s\n", w->server ? "yes" : "no");
  printf ("  architecture: %s\n", w->arch);
  printf ("  architecture from: %s\n", w->arch_source);
  printf ("  control set: %s (Select\\Current)\n", w->control_set_name);
  printf ("  driver binding: %s\n", wv_windows_binding (w));
  printf ("  clock: RTC in %s (%s)\n", w->rtc_utc ? "UTC" : "local time",
          w->rtc_source);
  if (w->osdir)
    printf ("  virtio-win folder: %s/%s\n", w->osdir, w->arch);
  else
    printf ("  virtio-win folder: none known for this Windows\n");
  if (r->have_devicepath)
    print_devicepath (r);
  if (r->hive_refusal)
    printf ("  refused: %s\n", r->hive_refusal);
  else if (r->hive_replayed)
    printf ("  SYSTEM hive: dirty, recovered from its transaction logs "
            "(%u replayed)\n", r->hive_replayed);
}

static void
print_services (const struct wv_inspect *r)
{
  size_t i;

  printf ("storage and VirtIO drivers present:%s\n",
          r->nr_services ? "" : " none");
  for (i = 0; i < r->nr_services; ++i) {
    const struct wv_inspect_service *s = &r->services[i];

    printf ("  %s: Start=%" PRId64 " (%s), Type=%" PRId64
            ", ErrorControl=%" PRId64 ", Group=\"%s\"%s\n",
            s->name, s->start, start_name (s->start), s->type,
            s->error_control, s->group,
            s->start_override ? ", StartOverride present" : "");
    printf ("    ImagePath: %s\n", s->image_path[0] ? s->image_path :
            "(none)");
    printf ("    file: \\%s %s\n", s->file,
            s->file_exists == 1 ? "present" :
            s->file_exists == 0 ? "MISSING" : "not checked");
    printf ("    bound to: %s\n", s->bindings[0] ? s->bindings : "nothing");
    if (s->boot_driver)
      printf ("    boot-ready: %s%s\n", s->boot_ready ? "yes" : "no: ",
              s->boot_ready ? "" : s->not_ready);
  }
}

/* The inbox storage fallbacks, and the planner's first-boot
 * settings: what is there, and what winvirtio would do with it.
 */
static void
print_firstboot (const struct wv_inspect *r)
{
  const struct wv_san_policy *s = &r->san_policy;
  const struct wv_autoreboot *a = &r->autoreboot;
  size_t i;

  printf ("inbox storage fallbacks:\n");
  for (i = 0; i < WV_NR_FALLBACKS; ++i) {
    const struct wv_fallback *f = &r->fallbacks[i];
    bool sata = r->sata && strcmp (r->sata, f->name) == 0;

    if (!f->present) {
      printf ("  %s: absent%s\n", f->name,
              sata ? " (the SATA fallback cannot be made boot-ready)" : "");
      continue;
    }
    /* (Not "NAME: Start=", the form of the lines of the drivers
     * present above.)
     */
    printf ("  %s: boot-ready: %s (Start=%" PRId64 " %s%s, file %s)%s\n",
            f->name, f->boot_ready ? "yes" : "no", f->start,
            start_name (f->start),
            f->start_override ? ", StartOverride present" : "",
            f->file_exists == 1 ? "present" :
            f->file_exists == 0 ? "MISSING" : "not checked",
            !sata || f->boot_ready ? "" :
            f->file_exists == 0 ? ": left alone, its file is missing" :
            ": winvirtio makes it boot start (the SATA fallback)");
  }
  if (!s->applies)
    printf ("disks online: %s\n", s->why);
  else {
    if (s->value == -1)
      printf ("disks online: SanPolicy %s", s->why);
    else
      printf ("disks online: SanPolicy %" PRId64 " (%s)", s->value, s->why);
    printf (": %s\n", !s->offline ? "disks come online, left alone" :
            r->keep_san_policy ? "disks stay offline, kept "
            "(--san-policy=keep)" : "disks stay offline, winvirtio sets 1 "
            "(OnlineAll)");
  }
  if (!a->key)
    printf ("crash: no Control\\CrashControl key: left alone\n");
  else if (a->value == 0)
    printf ("crash: AutoReboot is 0: a stop error stays on the screen\n");
  else {
    if (a->value == -1)
      printf ("crash: AutoReboot absent");
    else
      printf ("crash: AutoReboot is %" PRId64, a->value);
    printf (" (reboot after a stop error): %s\n", r->keep_autoreboot ?
            "kept (--autoreboot=keep)" : "winvirtio sets 0");
  }
}

static void
print_packages (const struct wv_inspect *r)
{
  size_t i;

  if (r->drivers == NULL) {
    printf ("driver source: none: %s\n",
            r->drivers_error ? r->drivers_error : "?");
    return;
  }
  printf ("driver source: %s (%s)\n", r->drivers, r->drivers_layout);
  for (i = 0; i < r->nr_packages; ++i) {
    const struct wv_inspect_package *p = &r->packages[i];

    if (p->path == NULL) {
      printf ("  %s: not usable: %s\n", p->driver,
              p->error ? p->error : "?");
      continue;
    }
    printf ("  %s: %s (%zu bytes)\n", p->driver, p->path, p->size);
    if (p->catalog)
      printf ("    catalog: %s, signed by \"%s\", issued by \"%s\" "
              "(%s; the chain is not verified)\n", p->catalog,
              p->signer.subject, p->signer.issuer, p->signer.kind);
    else
      printf ("    catalog: none\n");
  }
}

static void
print_text (struct wv_source *src, const struct wv_inspect *r, bool details)
{
  char fw[64];
  size_t i;

  printf ("source: %s (%" PRIu64 " bytes)\n", src->name, src->size);
  if (r->have_pt) {
    firmware (r, fw, sizeof fw);
    printf ("partition table: %s, %" PRIu32 "-byte sectors%s\n",
            wv_ptable_type_name (r->pt.type), r->pt.sector_size,
            r->pt.gpt_backup_used ? " (backup GPT used)" : "");
    printf ("firmware: %s\n", fw);
    print_volumes (r);
  }
  else
    printf ("partition table: unreadable: %s\n", r->pt_error);
  if (r->have_windows)
    print_windows (r);
  else if (r->windows_error)
    printf ("windows: unreadable: %s\n", r->windows_error);
  else
    printf ("windows: none found on one volume\n");
  if (r->have_windows) {
    print_services (r);
    if (r->have_firstboot)
      print_firstboot (r);
    print_packages (r);
  }
  for (i = 0; i < r->nr_warnings; ++i)
    printf ("warning: %s\n", r->warnings[i]);
  if (r->would_patch) {
    printf ("verdict: would patch: %" PRIu64 " bytes in %zu extents%s\n",
            r->map_bytes, r->map_extents, r->map_extents ? "" :
            " (already converted: nothing to change)");
    printf ("changes:\n");
    print_summary (r->summary ? r->summary : "", details, "  ");
  }
  else
    printf ("verdict: refused: %s\n", r->refusal);
}

int
do_inspect (int argc, char *argv[])
{
  static const struct option long_options[] = {
    { "drivers", required_argument, NULL, 'd' },
    { "partition", required_argument, NULL, 'p' },
    { "sector-size", required_argument, NULL, 's' },
    { "san-policy", required_argument, NULL, 'S' },
    { "autoreboot", required_argument, NULL, 'A' },
    { "vmware-tools", required_argument, NULL, 'W' },
    { "json", no_argument, NULL, 'j' },
    { "xml", no_argument, NULL, 'x' },
    { "details", no_argument, NULL, 'D' },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 }
  };
  struct wv_plan_options opts = { 0 };
  struct wv_inspect r;
  struct wv_source *src;
  bool json = false, xml = false, details = false;
  int c, status;

  optind = 1;
  while ((c = getopt_long (argc, argv, "d:p:v", long_options, NULL)) != -1) {
    switch (c) {
    case 'j': json = true; break;
    case 'x': xml = true; break;
    case 'D': details = true; break;
    case 'v': verbose = 1; break;
    default:
      if (!parse_plan_option (c, optarg, &opts, 2))
        inspect_usage ();
    }
  }
  if (json && xml) {
    fprintf (stderr, "%s: inspect: --json and --xml cannot be used "
             "together: give one\n", prog);
    inspect_usage ();
  }
  if (optind != argc - 1)
    inspect_usage ();

  src = wv_source_open (argv[optind]);
  if (src == NULL)
    return 2;
  if (wv_inspect (src, &opts, &r) == -1) {
    wv_source_close (src);
    return 2;
  }
  if (json)
    print_json (src, &r);
  else if (xml)
    print_xml (src, &r);
  else
    print_text (src, &r, details);
  status = r.would_patch ? 0 : 1;
  wv_inspect_free (&r);
  wv_source_close (src);
  return status;
}
