/* nbdkit-vmdk-plugin: serve a VMware VMDK disk, read only.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The callbacks.  The disk is opened once, in .get_ready, so a file
 * that is malformed or names missing extents stops nbdkit before it
 * serves anything.  After that it is shared, read only, by all
 * connections.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "disk.h"
#include "grain-cache.h"

/* Parallel requests are safe: after .get_ready the disk is never
 * modified except for the grain table cache, which is filled lock-free
 * with atomic compare-and-swap (sparse.c).  Extent files are only read
 * with pread (never read/lseek+read; flat.c's SEEK_DATA lseeks move
 * the file offset, which no read uses), and compressed grains are
 * inflated into per-request buffers by zlib's stateless uncompress;
 * the cache of inflated grains has one mutex per slot (grain-cache.c).
 */
#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL

static char *filename;          /* file=, absolute */
static char *ova_disk;          /* disk=, or NULL */
static struct vmdk_disk *disk;  /* opened in .get_ready */

/* Free the globals. */
static void
vmdk_unload (void)
{
  disk_close (disk);
  grain_cache_free ();
  free (filename);
  free (ova_disk);
}

/* Take file= and disk=. */
static int
vmdk_config (const char *key, const char *value)
{
  if (strcmp (key, "file") == 0) {
    if (filename) {
      nbdkit_error ("file parameter specified more than once");
      return -1;
    }
    filename = nbdkit_realpath (value);
    if (filename == NULL)
      return -1;
    return 0;
  }
  if (strcmp (key, "disk") == 0) {
    if (ova_disk) {
      nbdkit_error ("disk parameter specified more than once");
      return -1;
    }
    ova_disk = strdup (value);
    if (ova_disk == NULL) {
      nbdkit_error ("strdup: %m");
      return -1;
    }
    return 0;
  }
  nbdkit_error ("unknown parameter '%s'", key);
  return -1;
}

/* Check file= was given. */
static int
vmdk_config_complete (void)
{
  if (filename == NULL) {
    nbdkit_error ("you must supply the file=<DISK.vmdk> parameter "
                  "on the command line");
    return -1;
  }
  return 0;
}

#define vmdk_config_help \
  "file=<DISK.vmdk>     (required) The VMDK descriptor, sparse file or OVA.\n" \
  "disk=<NAME>          The disk to serve in an OVA with several."

/* Open the disk and all its extents. */
static int
vmdk_get_ready (void)
{
  disk = disk_open (filename, ova_disk);
  return disk ? 0 : -1;
}

/* No per-connection state. */
static void *
vmdk_open (int readonly)
{
  return NBDKIT_HANDLE_NOT_NEEDED;
}

/* The virtual size. */
static int64_t
vmdk_get_size (void *handle)
{
  return disk_size (disk);
}

/* Never writable. */
static int
vmdk_can_write (void *handle)
{
  return 0;
}

/* Read only, so every connection sees the same data. */
static int
vmdk_can_multi_conn (void *handle)
{
  return 1;
}

/* Extents come from the grain tables and the file system. */
static int
vmdk_can_extents (void *handle)
{
  return 1;
}

/* Read data. */
static int
vmdk_pread (void *handle, void *buf, uint32_t count, uint64_t offset,
            uint32_t flags)
{
  return disk_pread (disk, buf, count, offset);
}

/* Report holes and data. */
static int
vmdk_extents (void *handle, uint32_t count, uint64_t offset, uint32_t flags,
              struct nbdkit_extents *extents)
{
  return disk_extents (disk, count, offset, flags & NBDKIT_FLAG_REQ_ONE,
                       extents);
}

static struct nbdkit_plugin plugin = {
  .name              = "vmdk",
  .longname          = "nbdkit VMware VMDK plugin",
  .version           = PACKAGE_VERSION,
  .unload            = vmdk_unload,
  .config            = vmdk_config,
  .config_complete   = vmdk_config_complete,
  .config_help       = vmdk_config_help,
  .magic_config_key  = "file",
  .get_ready         = vmdk_get_ready,
  .open              = vmdk_open,
  .get_size          = vmdk_get_size,
  .can_write         = vmdk_can_write,
  .can_multi_conn    = vmdk_can_multi_conn,
  .can_extents       = vmdk_can_extents,
  .pread             = vmdk_pread,
  .extents           = vmdk_extents,
  .errno_is_preserved = 1,
};

NBDKIT_REGISTER_PLUGIN (plugin)
