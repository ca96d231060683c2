/* winvirtio: libFuzzer harness for the .vmx reader
 * (lib/vmconfig/vmx.c) and the VM definition written from it.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Reads the input as a .vmx; when it is accepted, makes the decisions
 * and writes the libvirt XML of both stages, the KubeVirt manifest and
 * the OpenStack properties to /dev/null for a Windows 10 and an XP
 * guest, so every string the reader kept goes through the writers'
 * escaping.  Seeds: the corpus's .vmx files (fuzzing/seeds.sh).
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

  wv_vmconfig_init (&cfg, "vmx");
  if (wv_vmx_parse ((const char *) data, len, &cfg) == 0)
    wv_fuzz_write_definitions (&cfg);
  wv_vmconfig_free (&cfg);
  return 0;
}
