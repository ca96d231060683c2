/* winvirtio: libFuzzer harness for the driver file checks: the PE
 * header reader (lib/drivers/pecheck.c) and the catalog check
 * (lib/drivers/catalog.c, over GnuTLS).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The input is checked as a PE image for each machine winvirtio knows
 * (native and any subsystem) and as a catalog; every result must be
 * 0, -1 or -2 (-2 only for a PE image of another machine) and leave a
 * message for a failure.  Then through wv_drvfile_check as a .sys, a
 * .dll and a .cat of an amd64 Windows.  GnuTLS is Debian's, not
 * instrumented: the fuzzer sees our code's coverage only.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "drivers/catalog.h"
#include "drivers/drvfile.h"
#include "drivers/pecheck.h"

static void
quiet (const char *msg)
{
  (void) msg;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const uint16_t machines[] = {
    0, WV_PE_MACHINE_I386, WV_PE_MACHINE_AMD64, WV_PE_MACHINE_ARM64,
  };
  struct wv_windows w;
  struct wv_pe_info info;
  struct wv_catalog_signer s;
  char why[512];
  size_t i;
  int r;

  wv_set_log (quiet, quiet);
  for (i = 0; i < sizeof machines / sizeof machines[0]; i++) {
    why[0] = '\0';
    r = wv_pe_check (data, size, machines[i], i & 1, &info, why,
                     sizeof why);
    if (r != 0 && r != -1 && r != -2)
      abort ();
    if (r != 0 && (why[0] == '\0' || strchr (why, '\n')))
      abort ();
    if (r == -2 && (machines[i] == 0 || info.machine == machines[i]))
      abort ();
    if (r == 0 && info.size_of_headers > size)
      abort ();
  }
  why[0] = '\0';
  r = wv_catalog_check (data, size, &s, why, sizeof why);
  if (r == 0) {
    if (s.subject == NULL || s.issuer == NULL || s.kind == NULL ||
        strchr (s.subject, '\n') || strchr (s.issuer, '\n'))
      abort ();
    wv_catalog_signer_free (&s);
  }
  else if (r != -1 || why[0] == '\0')
    abort ();

  memset (&w, 0, sizeof w);
  strcpy (w.arch, "amd64");
  wv_drvfile_check ("fuzz/x.sys", "x.sys", data, size, &w, NULL);
  wv_drvfile_check ("fuzz/x.dll", "x.dll", data, size, &w, NULL);
  memset (&s, 0, sizeof s);
  if (wv_drvfile_check ("fuzz/x.cat", "x.cat", data, size, &w, &s) == 0)
    wv_catalog_signer_free (&s);
  return 0;
}
