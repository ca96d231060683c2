/* winvirtio command: "domain", the destination's VM definition for the
 * patched disk, from the VM's VMware configuration and the disk.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <getopt.h>

#include "common/log.h"
#include "disk/source.h"
#include "domain/domain.h"
#include "inspect/inspect.h"
#include "map/map.h"
#include "map/mapload.h"
#include "plan/plan.h"
#include "vmconfig/vmconfig.h"
#include "winvirtio.h"

static void
domain_usage (void)
{
  fprintf (stderr, "usage: %s domain [--drivers=PATH] --vm-config=FILE "
           "[--stage=bootstrap|final] [--format=libvirt|kubevirt|openstack|"
           "openstack-args] [--bus=virtio-blk|virtio-scsi] [--name=NAME] "
           "[--disk-dir=DIR] [--disk-format=qcow2|raw] [--network=NAME] "
           "[--timezone=ZONE] [--pvc=NAME]... [--datavolume=NAME]... "
           "[--partition=N] [--sector-size=512|4096] [-o FILE] SOURCE\n",
           prog);
  exit (EXIT_FAILURE);
}

static void
parse_choice (const char *opt, const char *arg, const char *const *names,
              int *out)
{
  int i;

  for (i = 0; names[i]; ++i)
    if (strcmp (arg, names[i]) == 0) {
      *out = i;
      return;
    }
  fprintf (stderr, "%s: %s: unknown value \"%s\"\n", prog, opt, arg);
  domain_usage ();
}

static void
add_claim (struct wv_domain_options *o, const char *name, bool dv)
{
  if (o->nr_claims >= WV_DOMAIN_MAX_CLAIMS) {
    fprintf (stderr, "%s: more than %d --pvc / --datavolume\n", prog,
             WV_DOMAIN_MAX_CLAIMS);
    exit (EXIT_FAILURE);
  }
  o->claims[o->nr_claims] = name;
  o->claim_is_dv[o->nr_claims++] = dv;
}

static void
print_warnings (char **w, size_t n)
{
  size_t i;

  for (i = 0; i < n; ++i)
    fprintf (stderr, "%s: warning: %s\n", prog, w[i]);
}

/* The configuration, the guest, the plan, the output. */
static int
make_domain (const char *vmconfig, const char *source, const char *output,
             const struct wv_plan_options *popts,
             const struct wv_domain_options *o)
{
  struct wv_vmconfig cfg;
  struct wv_inspect r;
  struct wv_domain_guest g;
  struct wv_domain_plan p;
  struct wv_source *src;
  FILE *fp;
  int ret = -1;

  if (wv_vmconfig_read (vmconfig, &cfg) == -1) {
    /* (The reader's message does not name the file.) */
    return -1;
  }
  print_warnings (cfg.warnings, cfg.nr_warnings);
  memset (&r, 0, sizeof r);
  src = NULL;
  if (wv_domain_is_map (source)) {
    struct wv_map *map = wv_map_load (source);

    if (map == NULL)
      goto out_cfg;
    ret = wv_domain_guest_from_map (map, &g);
    wv_map_free (map);
    if (ret == -1)
      goto out_cfg;
    ret = -1;
  }
  else {
    src = wv_source_open (source);
    if (src == NULL)
      goto out_cfg;
    if (wv_inspect (src, popts, &r) == -1)
      goto out_src;
    if (wv_domain_guest_from_inspect (&r, &g) == -1)
      goto out_inspect;
  }
  if (wv_domain_decide (&cfg, &g, o, &p) == -1)
    goto out_inspect;
  print_warnings (p.warnings, p.nr_warnings);
  fp = output ? fopen (output, "w") : stdout;
  if (fp == NULL) {
    fprintf (stderr, "%s: %s: %m\n", prog, output);
    goto out_plan;
  }
  switch (o->format) {
  case WV_DOMAIN_LIBVIRT:
    ret = wv_domain_write_libvirt (fp, &cfg, &g, o, &p);
    break;
  case WV_DOMAIN_KUBEVIRT:
    ret = wv_domain_write_kubevirt (fp, &cfg, &g, o, &p);
    break;
  default:
    ret = wv_domain_write_openstack (fp, &cfg, &g, o, &p,
                                     o->format == WV_DOMAIN_OPENSTACK_ARGS);
  }
  if (output && fclose (fp) == EOF) {
    fprintf (stderr, "%s: %s: %m\n", prog, output);
    ret = -1;
  }
  else if (!output && fflush (stdout) == EOF)
    ret = -1;

 out_plan:
  wv_domain_plan_free (&p);
 out_inspect:
  wv_inspect_free (&r);
 out_src:
  if (src)
    wv_source_close (src);
 out_cfg:
  wv_vmconfig_free (&cfg);
  return ret;
}

int
do_domain (int argc, char *argv[])
{
  static const char *const stages[] = { "bootstrap", "final", NULL };
  static const char *const formats[] = {
    "libvirt", "kubevirt", "openstack", "openstack-args", NULL,
  };
  static const char *const buses[] = { "virtio-blk", "virtio-scsi", NULL };
  static const char *const disk_formats[] = { "qcow2", "raw", NULL };
  static const struct option long_options[] = {
    { "drivers", required_argument, NULL, 'd' },
    { "partition", required_argument, NULL, 'p' },
    { "sector-size", required_argument, NULL, 's' },
    { "vm-config", required_argument, NULL, 'c' },
    { "stage", required_argument, NULL, 'S' },
    { "format", required_argument, NULL, 'F' },
    { "bus", required_argument, NULL, 'b' },
    { "name", required_argument, NULL, 'n' },
    { "disk-dir", required_argument, NULL, 'D' },
    { "disk-format", required_argument, NULL, 'f' },
    { "network", required_argument, NULL, 'N' },
    { "timezone", required_argument, NULL, 'z' },
    { "pvc", required_argument, NULL, 'P' },
    { "datavolume", required_argument, NULL, 'V' },
    { "output", required_argument, NULL, 'o' },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 }
  };
  struct wv_plan_options popts = { 0 };
  struct wv_domain_options o = {
    .stage = WV_DOMAIN_FINAL, .format = WV_DOMAIN_LIBVIRT,
    .bus = WV_DOMAIN_VIRTIO_BLK, .disk_dir = "/var/lib/libvirt/images",
    .disk_format = "qcow2", .network = "default",
  };
  const char *vmconfig = NULL, *output = NULL;
  int c, v;

  optind = 1;
  while ((c = getopt_long (argc, argv, "d:p:o:v", long_options,
                           NULL)) != -1) {
    switch (c) {
    case 'c': vmconfig = optarg; break;
    case 'S':
      parse_choice ("--stage", optarg, stages, &v);
      o.stage = v;
      break;
    case 'F':
      parse_choice ("--format", optarg, formats, &v);
      o.format = v;
      break;
    case 'b':
      parse_choice ("--bus", optarg, buses, &v);
      o.bus = v;
      break;
    case 'f':
      parse_choice ("--disk-format", optarg, disk_formats, &v);
      o.disk_format = disk_formats[v];
      break;
    case 'n': o.name = optarg; break;
    case 'D': o.disk_dir = optarg; break;
    case 'N': o.network = optarg; break;
    case 'z': o.timezone = optarg; break;
    case 'P': add_claim (&o, optarg, false); break;
    case 'V': add_claim (&o, optarg, true); break;
    case 'o': output = optarg; break;
    case 'v': verbose = 1; break;
    default:
      if (!parse_plan_option (c, optarg, &popts, EXIT_FAILURE))
        domain_usage ();
    }
  }
  if (optind != argc - 1 || vmconfig == NULL)
    domain_usage ();
  return make_domain (vmconfig, argv[optind], output, &popts, &o) == 0 ?
    EXIT_SUCCESS : EXIT_FAILURE;
}
