/* winvirtio command: entry point and subcommand dispatch.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "plan/plan.h"
#include "winvirtio.h"

const char *prog = "winvirtio";
int verbose = 0;

/* A small unsigned number, or exit with status. */
static unsigned
parse_unsigned (const char *opt, const char *s, int status)
{
  char *end;
  unsigned long v = strtoul (s, &end, 10);

  if (*s == '\0' || *end != '\0' || v > 1000000) {
    fprintf (stderr, "%s: %s: invalid number: %s\n", prog, opt, s);
    exit (status);
  }
  return v;
}

/* --drivers, made absolute. */
static char *drivers_path;

bool
parse_plan_option (int c, const char *arg, struct wv_plan_options *opts,
                   int status)
{
  switch (c) {
  case 'd':
    /* Absolute, as the filter makes winvirtio-drivers, so that the
     * summary (and the map that holds it) names the same source
     * whichever made it.
     */
    free (drivers_path);
    drivers_path = realpath (arg, NULL);
    if (drivers_path == NULL) {
      fprintf (stderr, "%s: cannot open the virtio-win drivers %s: %m\n",
               prog, arg);
      exit (status);
    }
    opts->drivers = drivers_path;
    return true;
  case 'p':
    opts->partition = parse_unsigned ("--partition", arg, status);
    return true;
  case 's':
    opts->sector_size = parse_unsigned ("--sector-size", arg, status);
    if (opts->sector_size != 512 && opts->sector_size != 4096) {
      fprintf (stderr, "%s: --sector-size must be 512 or 4096\n", prog);
      exit (status);
    }
    return true;
  case 'S':
    if (strcmp (arg, "keep") == 0)
      opts->keep_san_policy = true;
    else if (strcmp (arg, "online") == 0)
      opts->keep_san_policy = false;
    else {
      fprintf (stderr, "%s: --san-policy must be online or keep\n", prog);
      exit (status);
    }
    return true;
  case 'W':
    if (strcmp (arg, "disable") == 0)
      opts->disable_vmware_tools = true;
    else if (strcmp (arg, "leave") == 0)
      opts->disable_vmware_tools = false;
    else {
      fprintf (stderr, "%s: --vmware-tools must be leave or disable\n",
               prog);
      exit (status);
    }
    return true;
  case 'A':
    if (strcmp (arg, "keep") == 0)
      opts->keep_autoreboot = true;
    else if (strcmp (arg, "off") == 0)
      opts->keep_autoreboot = false;
    else {
      fprintf (stderr, "%s: --autoreboot must be off or keep\n", prog);
      exit (status);
    }
    return true;
  default:
    return false;
  }
}

static void
error_to_stderr (const char *msg)
{
  fprintf (stderr, "%s: %s\n", prog, msg);
}

static void
debug_to_stderr (const char *msg)
{
  if (verbose)
    fprintf (stderr, "%s: debug: %s\n", prog, msg);
}

static void
usage (FILE *fp, int status)
{
  fprintf (fp,
"Make a Windows disk bootable on VirtIO while it is copied.\n"
"\n"
"Usage:\n"
"  %s map [--drivers=PATH] [--partition=N] [--sector-size=512|4096]\n"
"                [--no-trim] [--san-policy=online|keep]\n"
"                [--autoreboot=off|keep] [--vmware-tools=leave|disable]\n"
"                [--details] [-o MAPFILE] SOURCE\n"
"  %s inspect [--drivers=PATH] [--partition=N] [--sector-size=512|4096]\n"
"                [--san-policy=online|keep] [--autoreboot=off|keep]\n"
"                [--vmware-tools=leave|disable] [--details]\n"
"                [--json|--xml] SOURCE\n"
"  %s dump [--json] MAPFILE\n"
"  %s domain [--drivers=PATH] --vm-config=FILE [--stage=bootstrap|final]\n"
"                [--format=libvirt|kubevirt|openstack|openstack-args]\n"
"                [--bus=virtio-blk|virtio-scsi] [--name=NAME]\n"
"                [--disk-dir=DIR] [--disk-format=qcow2|raw]\n"
"                [--network=NAME] [--timezone=ZONE] [--pvc=NAME]...\n"
"                [--datavolume=NAME]... [--partition=N]\n"
"                [--sector-size=512|4096] [-o FILE] SOURCE\n"
"  %s apply [--drivers=PATH] [--map=FILE] [--undo-file=FILE]\n"
"                [--partition=N] [--sector-size=512|4096]\n"
"                [--san-policy=online|keep] [--autoreboot=off|keep]\n"
"                [--vmware-tools=leave|disable] [--details] DEST\n"
"  %s apply --undo=UNDO DEST\n"
"  %s --help | --version\n"
"\n"
"SOURCE is a local disk image (raw) or an NBD URI (nbd://..., "
"nbd+unix://...).\n"
"DEST is a local disk image (raw), a block device or an NBD URI, "
"written\nin place by apply.\n"
"Add -v before the subcommand for debug messages.\n"
"\n"
"Please read the winvirtio(1) manual page for full usage.\n",
           prog, prog, prog, prog, prog, prog, prog);
  exit (status);
}

int
main (int argc, char *argv[])
{
  int i = 1;

  wv_set_log (error_to_stderr, debug_to_stderr);
  while (i < argc && argv[i][0] == '-') {
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      usage (stdout, EXIT_SUCCESS);
    else if (strcmp (argv[i], "--version") == 0 ||
             strcmp (argv[i], "-V") == 0) {
      printf ("%s %s\n", prog, PACKAGE_VERSION);
      exit (EXIT_SUCCESS);
    }
    else if (strcmp (argv[i], "-v") == 0 ||
             strcmp (argv[i], "--verbose") == 0)
      verbose = 1;
    else {
      fprintf (stderr, "%s: unknown option %s\n", prog, argv[i]);
      usage (stderr, EXIT_FAILURE);
    }
    i++;
  }
  if (i >= argc)
    usage (stderr, EXIT_FAILURE);

  if (strcmp (argv[i], "map") == 0)
    return do_map (argc - i, argv + i);
  if (strcmp (argv[i], "inspect") == 0)
    return do_inspect (argc - i, argv + i);
  if (strcmp (argv[i], "dump") == 0)
    return do_dump (argc - i, argv + i);
  if (strcmp (argv[i], "domain") == 0)
    return do_domain (argc - i, argv + i);
  if (strcmp (argv[i], "apply") == 0)
    return do_apply (argc - i, argv + i);

  fprintf (stderr, "%s: unknown subcommand %s\n", prog, argv[i]);
  usage (stderr, EXIT_FAILURE);
}
