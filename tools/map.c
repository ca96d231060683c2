/* winvirtio command: "map", precompute a block map.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <inttypes.h>

#include "blockmap.h"
#include "log.h"
#include "plan.h"
#include "source.h"
#include "winvirtio.h"

static void
map_usage (void)
{
  fprintf (stderr, "usage: %s map --drivers=DIR [--partition=N] "
           "[--sector-size=512|4096] [-o MAPFILE] SOURCE\n", prog);
  exit (EXIT_FAILURE);
}

/* Parse a small unsigned number or exit. */
static unsigned
parse_unsigned (const char *opt, const char *s)
{
  char *end;
  unsigned long v = strtoul (s, &end, 10);

  if (*s == '\0' || *end != '\0' || v > 1000000) {
    fprintf (stderr, "%s: %s: invalid number: %s\n", prog, opt, s);
    exit (EXIT_FAILURE);
  }
  return v;
}

int
do_map (int argc, char *argv[])
{
  static const struct option long_options[] = {
    { "drivers", required_argument, NULL, 'd' },
    { "output", required_argument, NULL, 'o' },
    { "partition", required_argument, NULL, 'p' },
    { "sector-size", required_argument, NULL, 's' },
    { "verbose", no_argument, NULL, 'v' },
    { NULL }
  };
  struct wv_plan_options opts = { 0 };
  const char *output = NULL;
  struct wv_source *src;
  struct wv_map *map;
  int c, r = EXIT_FAILURE;

  optind = 1;
  while ((c = getopt_long (argc, argv, "d:o:p:v", long_options, NULL)) != -1) {
    switch (c) {
    case 'd': opts.drivers = optarg; break;
    case 'o': output = optarg; break;
    case 'v': verbose = 1; break;
    case 'p': opts.partition = parse_unsigned ("--partition", optarg); break;
    case 's':
      opts.sector_size = parse_unsigned ("--sector-size", optarg);
      if (opts.sector_size != 512 && opts.sector_size != 4096) {
        fprintf (stderr, "%s: --sector-size must be 512 or 4096\n", prog);
        exit (EXIT_FAILURE);
      }
      break;
    default: map_usage ();
    }
  }
  if (optind != argc - 1 || opts.drivers == NULL)
    map_usage ();

  src = wv_source_open (argv[optind]);
  if (src == NULL)
    return EXIT_FAILURE;
  map = wv_plan (src, &opts);
  if (map == NULL)
    goto out;

  printf ("%s", map->summary ? map->summary : "");
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
