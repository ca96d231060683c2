/* winvirtio: the architecture of a Windows from System32\cmd.exe's PE
 * header, when the SYSTEM hive has no PROCESSOR_ARCHITECTURE.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * PROCESSOR_ARCHITECTURE is rare to lack (virt-v2v's own test guests
 * do), and libguestfs' inspection never needs it: it reads the machine
 * type of System32\cmd.exe.  So does this, with the bounded PE reader
 * the driver files are checked with (drivers/pecheck.c).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "drivers/pecheck.h"
#include "plan/arch.h"

int
wv_plan_arch_from_cmd (struct wv_ntfs *v, const char *system32,
                       struct wv_windows *w)
{
  CLEANUP_FREE uint8_t *data = NULL;
  struct wv_pe_info info;
  char path[64], why[160];
  const char *arch;
  size_t len;
  int r;

  if (w->arch[0])
    return 0;
  snprintf (path, sizeof path, "%s\\cmd.exe", system32);
  r = wv_ntfs_exists (v, path);
  if (r == -1)
    return -1;
  if (r == 0) {
    wv_error ("the SYSTEM hive's PROCESSOR_ARCHITECTURE is absent and "
              "there is no \\%s to read the machine from: the "
              "architecture of this Windows is unknown", path);
    return -1;
  }
  if (wv_ntfs_read_file (v, path, WV_PE_MAX_SIZE, &data, &len) == -1)
    return -1;
  if (wv_pe_check (data, len, 0, false, &info, why, sizeof why) < 0) {
    wv_error ("the SYSTEM hive's PROCESSOR_ARCHITECTURE is absent and "
              "\\%s is not a PE image (%s): the architecture of this "
              "Windows is unknown", path, why);
    return -1;
  }
  switch (info.machine) {
  case WV_PE_MACHINE_AMD64: arch = "amd64"; break;
  case WV_PE_MACHINE_I386: arch = "x86"; break;
  case WV_PE_MACHINE_ARM64: arch = "ARM64"; break;
  default:
    wv_error ("the SYSTEM hive's PROCESSOR_ARCHITECTURE is absent and "
              "\\%s is a PE image for the machine 0x%04x, which virtio-win "
              "has no drivers for: this Windows cannot be converted",
              path, info.machine);
    return -1;
  }
  snprintf (w->arch, sizeof w->arch, "%s", arch);
  snprintf (w->arch_source, sizeof w->arch_source,
            "\\%s's PE header (no PROCESSOR_ARCHITECTURE)", path);
  return 0;
}
