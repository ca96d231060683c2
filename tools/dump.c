/* winvirtio command: "dump", print a block map.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <getopt.h>

#include "map/map.h"
#include "map/mapdump.h"
#include "map/mapload.h"
#include "winvirtio.h"

int
do_dump (int argc, char *argv[])
{
  static const struct option long_options[] = {
    { "json", no_argument, NULL, 'j' },
    { NULL, 0, NULL, 0 }
  };
  struct wv_map *map;
  bool json = false;
  int c, r;

  optind = 1;
  while ((c = getopt_long (argc, argv, "", long_options, NULL)) != -1) {
    if (c == 'j')
      json = true;
    else {
      fprintf (stderr, "usage: %s dump [--json] MAPFILE\n", prog);
      exit (EXIT_FAILURE);
    }
  }
  if (optind != argc - 1) {
    fprintf (stderr, "usage: %s dump [--json] MAPFILE\n", prog);
    exit (EXIT_FAILURE);
  }
  map = wv_map_load (argv[optind]);
  if (map == NULL)
    return EXIT_FAILURE;
  r = wv_map_dump (map, stdout, json);
  wv_map_free (map);
  if (fflush (stdout) == EOF) {
    perror ("stdout");
    r = -1;
  }
  return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
