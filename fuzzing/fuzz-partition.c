/* winvirtio fuzzing: the partition table reader (lib/disk/partition*.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The input is a whole disk: MBR with its EBR chain, GPT (primary and
 * backup), or a bare NTFS volume.  Every sector size is tried, then
 * each partition found is probed for an NTFS boot sector, as the
 * planner does.
 */

#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "disk/partition.h"
#include "fuzz-common.h"
#include "ntfs/ntfs.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  wv_fuzz_quiet ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const uint32_t sector_sizes[] = { 0, 512, 4096 };
  struct wv_source *src = wv_fuzz_source (data, size, size);
  size_t i, j;

  if (src == NULL)
    abort ();
  for (i = 0; i < sizeof sector_sizes / sizeof sector_sizes[0]; ++i) {
    struct wv_ptable pt = { 0 };

    if (wv_ptable_read (src, sector_sizes[i], &pt) == 0) {
      for (j = 0; j < pt.nr_partitions; ++j) {
        const struct wv_partition *part = &pt.partitions[j];
        bool bitlocker = false;

        /* The reader's promise: every partition lies inside the disk. */
        if (part->offset > size || part->length > size - part->offset)
          abort ();
        wv_ntfs_probe (src, part->offset, &bitlocker);
      }
      wv_ptable_type_name (pt.type);
    }
    wv_ptable_free (&pt);
  }
  wv_source_close (src);
  return 0;
}
