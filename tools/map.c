/* winvirtio command: "map", precompute a block map.
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
#include "disk/source.h"
#include "map/map.h"
#include "map/mapsave.h"
#include "plan/plan.h"
#include "winvirtio.h"

static void
map_usage (void)
{
  fprintf (stderr, "usage: %s map [--drivers=PATH] [--partition=N] "
           "[--sector-size=512|4096] [--no-trim] [--san-policy=online|keep] "
           "[--autoreboot=off|keep] [--vmware-tools=leave|disable] "
           "[--details] [-o MAPFILE] "
           "SOURCE\n",
           prog);
  exit (EXIT_FAILURE);
}

/* Is this a per-key line of the registry changes? */
static bool
is_key_line (const char *line)
{
  return strncmp (line, "created key ", 12) == 0 ||
    strncmp (line, "set ", 4) == 0 ||
    strncmp (line, "deleted key ", 12) == 0;
}

/* Print the plan's summary.  Without --details, the per-key lines of
 * the registry changes (tens of them) are counted in one line; the
 * map keeps them all ("winvirtio dump").
 */
void
print_summary (const char *summary, bool details, const char *indent)
{
  unsigned created = 0, set = 0, deleted = 0;
  bool counted = false;
  const char *line, *end;

  for (line = summary; *line; line = end) {
    end = strchr (line, '\n');
    end = end ? end + 1 : line + strlen (line);
    if (!details && is_key_line (line)) {
      created += line[0] == 'c';
      set += line[0] == 's';
      deleted += line[0] == 'd';
      continue;
    }
    if (!details && !counted && (created || set || deleted)) {
      printf ("%sregistry: %u keys created, values set in %u keys, "
              "%u keys deleted (--details lists them)\n",
              indent, created, set, deleted);
      counted = true;
    }
    printf ("%s%.*s", indent, (int) (end - line), line);
  }
}

int
do_map (int argc, char *argv[])
{
  static const struct option long_options[] = {
    { "drivers", required_argument, NULL, 'd' },
    { "output", required_argument, NULL, 'o' },
    { "partition", required_argument, NULL, 'p' },
    { "sector-size", required_argument, NULL, 's' },
    { "san-policy", required_argument, NULL, 'S' },
    { "autoreboot", required_argument, NULL, 'A' },
    { "vmware-tools", required_argument, NULL, 'W' },
    { "verbose", no_argument, NULL, 'v' },
    { "details", no_argument, NULL, 'D' },
    { "no-trim", no_argument, NULL, 'T' },
    { NULL, 0, NULL, 0 }
  };
  struct wv_plan_options opts = { 0 };
  const char *output = NULL;
  bool details = false;
  struct wv_source *src;
  struct wv_map *map;
  int c, r = EXIT_FAILURE;

  optind = 1;
  while ((c = getopt_long (argc, argv, "d:o:p:v", long_options, NULL)) != -1) {
    switch (c) {
    case 'o': output = optarg; break;
    case 'v': verbose = 1; break;
    case 'D': details = true; break;
    case 'T': opts.no_trim = true; break;
    default:
      if (!parse_plan_option (c, optarg, &opts, EXIT_FAILURE))
        map_usage ();
    }
  }
  if (optind != argc - 1)
    map_usage ();

  src = wv_source_open (argv[optind]);
  if (src == NULL)
    return EXIT_FAILURE;
  map = wv_plan (src, &opts);
  if (map == NULL)
    goto out;

  print_summary (map->summary ? map->summary : "", details, "");
  if (output) {
    if (wv_map_save (map, output) == -1)
      goto out;
    printf ("saved: %s\n", output);
  }
  r = EXIT_SUCCESS;

 out:
  wv_map_free (map);
  wv_source_close (src);
  return r;
}
