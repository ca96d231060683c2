/* winvirtio fuzzing: NTFS through libntfs-3g, and the whole planner.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The input is a disk or a bare NTFS volume.  If sector 0 is an NTFS
 * boot sector, the disk is extended with zeros to the size that boot
 * sector declares (at most 1 GiB), so that a seed can be a volume with
 * its trailing zeros cut off.  wv_plan then runs as `winvirtio map`
 * would: partition table, NTFS probe (BitLocker), mount on the
 * copy-on-write overlay, the safety checks (dirty volume,
 * hibernation), reading and checking the SYSTEM and SOFTWARE hives,
 * the registry edits, writing the hive back through libntfs-3g and,
 * if WV_FUZZ_DRIVERS names a virtio-win tree, copying the drivers,
 * labelling and the diff into a block map.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "map/map.h"
#include "plan/plan.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
const char *__asan_default_options (void);
const char *__lsan_default_suppressions (void);

/* The full unwinder sees through libntfs-3g (built without frame
 * pointers), so that the suppression below matches and leaks show
 * our frames.
 */
const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

/* libntfs-3g 2022.10.3, ntfs_device_mount: when reading $AttrDef fails
 * (or it is too big), the error path returns without ntfs_attr_close
 * and ntfs_inode_close, leaking the $AttrDef inode and attribute, about
 * 1 KiB per failed mount (libntfs-3g/volume.c, "Failed to read
 * $AttrDef").  winvirtio only sees NULL and an error.
 */
const char *
__lsan_default_suppressions (void)
{
  return "leak:ntfs_device_mount\n";
}

#define MAX_DECLARED (UINT64_C (1) << 30)

static struct wv_plan_options opts;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  wv_fuzz_quiet ();
  opts.drivers = getenv ("WV_FUZZ_DRIVERS");
  if (opts.drivers == NULL)
    opts.drivers = "/nonexistent/virtio-win";
  return 0;
}

static uint64_t
le (const uint8_t *p, size_t n)
{
  uint64_t v = 0;

  while (n-- > 0)
    v = (v << 8) | p[n];
  return v;
}

/* The size of the disk: the input, or what its NTFS boot sector
 * declares (the volume plus the backup boot sector).
 */
static uint64_t
disk_size (const uint8_t *data, size_t size)
{
  uint64_t sectors, bps;

  if (size < 512 || memcmp (data + 3, "NTFS    ", 8) != 0)
    return size;
  bps = le (data + 0x0b, 2);
  sectors = le (data + 0x28, 8);
  if (bps == 0 || sectors >= MAX_DECLARED / bps)
    return size;
  return (sectors + 1) * bps;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct wv_source *src = wv_fuzz_source (data, size,
                                          disk_size (data, size));
  struct wv_map *map;

  if (src == NULL)
    abort ();
  map = wv_plan (src, &opts);
  wv_map_free (map);
  wv_source_close (src);
  return 0;
}
