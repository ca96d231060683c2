/* winvirtio fuzzing: the nbdkit-vmdk-plugin parsers, without nbdkit.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A libFuzzer harness.  Each input is written to a file in a private
 * directory and opened with disk_open (plugin/disk.h), as nbdkit would
 * in .get_ready: the sparse header (KDMV, COWD, seSparse), the footer,
 * the embedded or separate descriptor, the OVA tar headers and the
 * grain directory are all parsed from it.  An input that opens is then
 * read (its first and last MiB and a few places chosen by the input)
 * and its extents listed, which walks the grain tables and inflates
 * compressed grains.  The descriptor parser is also called on the raw
 * input.  Extent files and parents named by a descriptor resolve in
 * the private directory, where the only file is the input itself.  An
 * input with the COWD or seSparse magic (a delta's data file, refused
 * on its own) is opened through a fixed descriptor naming it.
 *
 * The nbdkit functions the plugin calls are replaced here; the extents
 * stub checks that extents come in order and without gaps.
 *
 * Build (clang 14):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -I plugin -I lib -I BUILDDIR fuzzing/fuzz-vmdk.c \
 *     plugin/descriptor.c plugin/disk.c plugin/flat.c plugin/io.c \
 *     plugin/grain-cache.c plugin/ova.c plugin/sparse.c -lz -lpthread \
 *     -o fuzz-vmdk
 * (BUILDDIR holds config.h.)  Seeds: any VMDK or OVA, e.g. those of
 * the corpus and those qemu-img makes.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <nbdkit-plugin.h>

#include "descriptor.h"
#include "disk.h"

#define MIB (1024 * 1024)

/* nbdkit's functions, as the plugin uses them. */
void
nbdkit_error (const char *fs, ...)
{
  if (getenv ("FUZZ_VMDK_VERBOSE")) {
    va_list args;

    va_start (args, fs);
    vfprintf (stderr, fs, args);
    va_end (args);
    fputc ('\n', stderr);
  }
}

void
nbdkit_debug (const char *fs, ...)
{
  (void) fs;
}

static uint64_t next_extent;    /* where the next extent must start */

int
nbdkit_add_extent (struct nbdkit_extents *extents,
                   uint64_t offset, uint64_t length, uint32_t type)
{
  (void) extents;
  (void) type;
  if (offset != next_extent || length == 0)
    abort ();
  next_extent = offset + length;
  return 0;
}

static char path[64], desc_path[64];

/* A descriptor naming the input as a delta's data file. */
static const char desc[] =
  "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
  "createType=\"vmfsSparse\"\nRW 8192 VMFSSPARSE \"disk.vmdk\"\n";

/* Read COUNT bytes at OFFSET (clipped to the disk), ignoring errors:
 * malformed grains are expected to fail, not to crash.
 */
static void
read_at (struct vmdk_disk *disk, unsigned char *buf, uint64_t offset,
         uint32_t count)
{
  uint64_t size = disk_size (disk);

  if (offset >= size)
    return;
  if (count > size - offset)
    count = size - offset;
  disk_pread (disk, buf, count, offset);
  next_extent = offset;
  disk_extents (disk, count, offset, 0, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static unsigned char *buf;
  struct descriptor d;
  struct vmdk_disk *disk;
  int fd;
  size_t i;

  if (path[0] == '\0') {
    char dir[] = "/tmp/fuzz-vmdk.XXXXXX";

    if (mkdtemp (dir) == NULL)
      abort ();
    snprintf (path, sizeof path, "%s/disk.vmdk", dir);
    snprintf (desc_path, sizeof desc_path, "%s/desc.vmdk", dir);
    fd = open (desc_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1 ||
        write (fd, desc, sizeof desc - 1) != (ssize_t) sizeof desc - 1)
      abort ();
    close (fd);
    buf = malloc (MIB);
    if (buf == NULL)
      abort ();
  }

  descriptor_parse ((const char *) data, size, &d);
  descriptor_free (&d);

  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd == -1 || write (fd, data, size) != (ssize_t) size)
    abort ();
  close (fd);

  if (size >= 8 && (memcmp (data, "COWD", 4) == 0 ||
                    memcmp (data, "\xbe\xba\xfe\xca\0\0\0\0", 8) == 0))
    disk = disk_open (desc_path, NULL);
  else
    disk = disk_open (path, NULL);
  if (disk == NULL)
    return 0;
  read_at (disk, buf, 0, MIB);
  if (disk_size (disk) > MIB)
    read_at (disk, buf, disk_size (disk) - MIB, MIB);
  /* A few offsets taken from the input's last bytes. */
  for (i = 0; i + 8 <= size && i < 64; i += 8) {
    uint64_t off;

    memcpy (&off, data + size - 8 - i, 8);
    read_at (disk, buf, disk_size (disk) ? off % disk_size (disk) : 0,
             65536 + (off >> 52));
  }
  disk_close (disk);
  return 0;
}
