/* winvirtio tests: print what lib/vmconfig/ reads from a .vmx, .ovf or
 * .ova, one "key value" a line, for the shell tests to compare with
 * the file itself (checked with grep and Python's own XML parser).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Exit status 0 (read), 1 (refused: the one error line on stderr).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "vmconfig/vmconfig.h"

int
main (int argc, char *argv[])
{
  struct wv_vmconfig cfg;
  size_t i;

  if (argc != 2) {
    fprintf (stderr, "usage: wv-vmconfig FILE\n");
    return 2;
  }
  if (wv_vmconfig_read (argv[1], &cfg) == -1)
    return 1;
  printf ("kind %s\nname %s\nguest_os %s\n", cfg.source_kind, cfg.name,
          cfg.guest_os);
  printf ("vcpus %u\ncores_per_socket %u\nmemory_mib %llu\n", cfg.vcpus,
          cfg.cores_per_socket, (unsigned long long) cfg.memory_mib);
  printf ("firmware %s\nsecure_boot %d\nvtpm %d\nsync_time %d\n",
          cfg.firmware == WV_VM_EFI ? "efi" : "bios", cfg.secure_boot,
          cfg.vtpm, cfg.sync_time);
  if (cfg.have_rtc_diff)
    printf ("rtc_diff %lld\n", (long long) cfg.rtc_diff);
  for (i = 0; i < cfg.nr_nics; ++i)
    printf ("nic %zu %s %s %s\n", i, cfg.nics[i].mac[0] ? cfg.nics[i].mac :
            "-", cfg.nics[i].model[0] ? cfg.nics[i].model : "-",
            cfg.nics[i].network);
  for (i = 0; i < cfg.nr_disks; ++i)
    printf ("disk %zu %s%u:%u %s %s\n", i, wv_vm_bus_name (cfg.disks[i].bus),
            cfg.disks[i].controller, cfg.disks[i].unit,
            cfg.disks[i].controller_model[0] ?
            cfg.disks[i].controller_model : "-", cfg.disks[i].file);
  printf ("cdroms %u\n", cfg.nr_cdroms);
  for (i = 0; i < cfg.nr_warnings; ++i)
    printf ("warning %s\n", cfg.warnings[i]);
  wv_vmconfig_free (&cfg);
  return 0;
}
