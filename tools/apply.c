/* winvirtio command: "apply", patch a destination disk in place.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Option parsing and messages only; the steps are lib/apply/.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <getopt.h>
#include <inttypes.h>

#include "common/log.h"
#include "disk/dest.h"
#include "apply/apply.h"
#include "winvirtio.h"

static void
apply_usage (void)
{
  fprintf (stderr, "usage: %s apply [--drivers=PATH] [--map=FILE] "
           "[--undo-file=FILE] [--partition=N] [--sector-size=512|4096] "
           "[--san-policy=online|keep] [--autoreboot=off|keep] "
           "[--vmware-tools=leave|disable] [--details] DEST\n"
           "       %s apply --undo=UNDO DEST\n", prog, prog);
  exit (EXIT_FAILURE);
}

/* What happened, in one line (and the plan's summary when planned). */
static void
print_report (const char *dest, const char *undo_path,
              const struct wv_apply_report *rep, bool details)
{
  switch (rep->result) {
  case WV_APPLY_NOTHING:
    if (rep->summary)
      print_summary (rep->summary, details, "");
    printf ("%s: nothing to change: the disk is already converted; "
            "nothing written\n", dest);
    break;
  case WV_APPLY_WRITTEN:
    if (rep->summary)
      print_summary (rep->summary, details, "");
    printf ("%s: patched: %zu extents, %" PRIu64 " bytes written; undo "
            "file: %s\n", dest, rep->extents, rep->bytes, undo_path);
    break;
  case WV_APPLY_FINISHED:
    printf ("%s: an interrupted apply was found (undo file %s): finished "
            "it: %zu extents, %" PRIu64 " bytes written again\n",
            dest, undo_path, rep->extents, rep->bytes);
    break;
  case WV_APPLY_ALREADY:
    printf ("%s: already patched by an earlier apply (undo file %s); "
            "nothing written\n", dest, undo_path);
    break;
  case WV_APPLY_RESTORED:
    printf ("%s: restored from %s: %zu extents, %" PRIu64 " bytes "
            "written; the undo file is removed\n",
            dest, undo_path, rep->extents, rep->bytes);
    break;
  }
}

int
do_apply (int argc, char *argv[])
{
  static const struct option long_options[] = {
    { "drivers", required_argument, NULL, 'd' },
    { "map", required_argument, NULL, 'm' },
    { "undo-file", required_argument, NULL, 'u' },
    { "undo", required_argument, NULL, 'U' },
    { "partition", required_argument, NULL, 'p' },
    { "sector-size", required_argument, NULL, 's' },
    { "san-policy", required_argument, NULL, 'S' },
    { "autoreboot", required_argument, NULL, 'A' },
    { "vmware-tools", required_argument, NULL, 'W' },
    { "details", no_argument, NULL, 'D' },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 }
  };
  struct wv_apply_options opts = { 0 };
  struct wv_apply_report rep;
  const char *undo_file = NULL, *undo = NULL, *dest;
  char *def_undo = NULL;
  bool details = false;
  int c, r;

  optind = 1;
  while ((c = getopt_long (argc, argv, "d:p:v", long_options, NULL)) != -1) {
    switch (c) {
    case 'm': opts.map_path = optarg; break;
    case 'u': undo_file = optarg; break;
    case 'U': undo = optarg; break;
    case 'v': verbose = 1; break;
    case 'D': details = true; break;
    default:
      if (!parse_plan_option (c, optarg, &opts.plan, EXIT_FAILURE))
        apply_usage ();
    }
  }
  if (optind != argc - 1)
    apply_usage ();
  dest = argv[optind];
  /* apply writes no zero ranges: planning them would only cost time. */
  opts.plan.no_trim = true;

  if (undo) {
    if (undo_file || opts.map_path || opts.plan.drivers) {
      fprintf (stderr, "%s: apply --undo takes no other option\n", prog);
      exit (EXIT_FAILURE);
    }
    r = wv_apply_undo (dest, undo, &rep);
    if (r == 0)
      print_report (dest, undo, &rep, details);
    free (rep.summary);
    return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  }

  if (undo_file == NULL) {
    if (wv_is_nbd_uri (dest)) {
      fprintf (stderr, "%s: %s: --undo-file=FILE is required for an NBD "
               "URI (the undo file is kept beside a local disk only)\n",
               prog, dest);
      exit (EXIT_FAILURE);
    }
    if (asprintf (&def_undo, "%s.wvundo", dest) == -1) {
      fprintf (stderr, "%s: asprintf: %m\n", prog);
      exit (EXIT_FAILURE);
    }
    undo_file = def_undo;
  }
  opts.undo_path = undo_file;
  r = wv_apply (dest, &opts, &rep);
  if (r == 0)
    print_report (dest, undo_file, &rep, details);
  free (rep.summary);
  free (def_undo);
  return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
