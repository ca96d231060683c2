/* winvirtio tests: print what wv_windows_identify makes of two hives.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: test-windows-identify SYSTEM SOFTWARE
 * Prints "OSDIR ARCH CONTROLSET DDB" (OSDIR "-" if unknown), or the
 * error and exits 1.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include <hivex.h>

#include "registry/windows.h"

int
main (int argc, char *argv[])
{
  struct wv_windows w;
  hive_h *sys, *soft;

  if (argc != 3) {
    fprintf (stderr, "usage: test-windows-identify SYSTEM SOFTWARE\n");
    exit (EXIT_FAILURE);
  }
  sys = hivex_open (argv[1], 0);
  soft = hivex_open (argv[2], 0);
  if (sys == NULL || soft == NULL) {
    perror ("hivex_open");
    exit (EXIT_FAILURE);
  }
  if (wv_windows_identify (sys, soft, &w) == -1)
    exit (EXIT_FAILURE);
  printf ("%s %s %s %s\n", w.osdir ? w.osdir : "-", w.arch,
          w.control_set_name, w.has_driver_database ? "ddb" : "cdd");
  hivex_close (sys);
  hivex_close (soft);
  return 0;
}
