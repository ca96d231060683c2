/* winvirtio fuzzing: the read-only FAT reader of lib/esp/.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * libFuzzer harness over wv_fat_open (lib/esp/fat.c: boot sector,
 * geometry, every FAT copy) and, on a volume that opens, wv_fat_lookup
 * and wv_fat_read_file (lib/esp/fat-dir.c: directories, long names and
 * their checksums, cluster chains, loops) on the paths the planner
 * uses.  The input is an ESP image; reads past its end are refused as
 * the scratch copy refuses them.  Seeds: small ESPs made by mkfs.vfat
 * and mtools (fuzzing/seeds.sh).  Built and run by fuzzing/build.sh
 * and fuzzing/run.sh.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "esp/fat.h"
#include "fuzz-common.h"

struct buf {
  const uint8_t *data;
  size_t len;
};

static int
read_buf (void *opaque, void *out, size_t count, uint64_t offset)
{
  const struct buf *b = opaque;

  if (offset > b->len || count > b->len - offset) {
    wv_error ("read beyond the end");
    return -1;
  }
  memcpy (out, b->data + offset, count);
  return 0;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t len)
{
  static const char *const paths[] = {
    "EFI/Microsoft/Boot/bootmgfw.efi", "EFI/BOOT", "EFI/BOOT/BOOTX64.EFI",
    "EFI/Microsoft/Boot/BCD", "efi\\microsoft\\boot\\bcd", NULL,
  };
  struct buf b = { data, len };
  struct wv_fat fat;
  size_t i;

  wv_fuzz_quiet ();
  if (wv_fat_open (&fat, read_buf, &b, len) == -1)
    return 0;
  for (i = 0; paths[i]; ++i) {
    struct wv_fat_entry e;
    uint8_t *file = NULL;

    if (wv_fat_lookup (&fat, paths[i], &e) == 1 && !e.dir &&
        wv_fat_read_file (&fat, &e, 1 << 20, &file) == 0 && e.size &&
        file[e.size - 1] == 0x55)
      file[0] ^= 1;             /* touch every byte read */
    free (file);
  }
  wv_fat_close (&fat);
  return 0;
}
