/* winvirtio: libFuzzer harness for the OVF reader
 * (lib/vmconfig/ovf.c, through libxml2) and the VM definition
 * written from it.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Reads the input as an OVF descriptor; when it is accepted, writes
 * every definition as fuzz-vmx does.  Seeds: the corpus's .ovf files
 * and a DOCTYPE with entities (fuzzing/seeds.sh).  libxml2 is Debian's
 * shared library, not instrumented.
 */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "fuzz-common.h"
#include "fuzz-vmconfig.h"
#include "vmconfig/vmconfig.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc; (void) argv;
  wv_fuzz_quiet ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t len)
{
  struct wv_vmconfig cfg;

  wv_vmconfig_init (&cfg, "ovf");
  if (wv_ovf_parse ((const char *) data, len, &cfg) == 0)
    wv_fuzz_write_definitions (&cfg);
  wv_vmconfig_free (&cfg);
  return 0;
}
