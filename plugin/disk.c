/* nbdkit-vmdk-plugin: a VMDK disk as a list of extents.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Opening a VMDK: the file named by file= is either a hosted sparse
 * extent with an embedded descriptor (monolithicSparse,
 * streamOptimized), whose only extent is the file itself, or a text
 * descriptor naming extent files in the same directory
 * (monolithicFlat, twoGbMaxExtentSparse/Flat, vmfs, vmfsThin).  The
 * extents are laid end to end to make the disk.  Everything is opened
 * once, read only, and never changed afterwards, so reads and extents
 * queries need no lock (see sparse.c for its grain table cache).
 *
 * Not supported yet, and refused with a message: snapshot deltas
 * (parentFileNameHint, VMFSSPARSE "COWD" and SESPARSE extents), raw
 * device maps and devices, NOACCESS extents, OVA.
 *
 * Extent file names come from a file that may be hostile, so only
 * names relative to the descriptor's directory, without "..", are
 * followed: a descriptor cannot make the plugin serve another file on
 * the host.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <unistd.h>

#include <nbdkit-plugin.h>

#include "cleanup.h"
#include "descriptor.h"
#include "disk.h"
#include "flat.h"
#include "io.h"
#include "sparse.h"

#define SECTOR 512

enum extent_kind { EXTENT_SPARSE, EXTENT_FLAT, EXTENT_ZERO };

struct disk_extent {
  uint64_t start;               /* bytes, in the disk */
  uint64_t size;                /* bytes */
  enum extent_kind kind;
  char *path;
  struct sparse_extent *sparse;
  struct flat_extent flat;
};

struct vmdk_disk {
  struct disk_extent *extents;
  size_t nr_extents;
  uint64_t size;
};

/* createType values and whether we serve them. */
static const struct {
  const char *name;
  bool supported;
} create_types[] = {
  { "monolithicSparse", true },
  { "monolithicFlat", true },
  { "twoGbMaxExtentSparse", true },
  { "twoGbMaxExtentFlat", true },
  { "streamOptimized", true },
  { "vmfs", true },
  { "vmfsThin", true },
  { "vmfsPreallocated", true },
  { "vmfsEagerZeroedThick", true },
  { "vmfsSparse", false },
  { "seSparse", false },
  { "vmfsRaw", false },
  { "vmfsRDM", false },
  { "vmfsRawDeviceMap", false },
  { "vmfsPassthroughRawDeviceMap", false },
  { "fullDevice", false },
  { "partitionedDevice", false },
  { "custom", false },
};

/* Open FILE read only, close-on-exec. */
static int
open_ro (const char *file)
{
  int fd = open (file, O_RDONLY | O_CLOEXEC);

  if (fd == -1)
    nbdkit_error ("open: %s: %m", file);
  return fd;
}

/* Append an extent of SIZE bytes to DISK, checking the total. */
static struct disk_extent *
add_extent (struct vmdk_disk *disk, uint64_t size)
{
  struct disk_extent *e;

  if (size > DISK_MAX_SECTORS * SECTOR - disk->size) {
    nbdkit_error ("VMDK is larger than %" PRIu64 " bytes",
                  DISK_MAX_SECTORS * SECTOR);
    return NULL;
  }
  e = realloc (disk->extents, (disk->nr_extents + 1) * sizeof *e);
  if (e == NULL) {
    nbdkit_error ("realloc: %m");
    return NULL;
  }
  disk->extents = e;
  e = &disk->extents[disk->nr_extents++];
  memset (e, 0, sizeof *e);
  e->start = disk->size;
  e->size = size;
  e->flat.fd = -1;
  disk->size += size;
  return e;
}

/* Check the descriptor's createType and parent. */
static int
check_descriptor (const struct descriptor *d, const char *name)
{
  size_t i;

  if (d->create_type == NULL) {
    nbdkit_error ("%s: invalid VMDK descriptor: no createType", name);
    return -1;
  }
  if (d->parent_hint && *d->parent_hint) {
    nbdkit_error ("%s: snapshot delta disks are not supported yet "
                  "(parentFileNameHint=\"%s\")", name, d->parent_hint);
    return -1;
  }
  for (i = 0; i < sizeof create_types / sizeof create_types[0]; i++) {
    if (strcmp (d->create_type, create_types[i].name) == 0) {
      if (create_types[i].supported)
        break;
      nbdkit_error ("%s: createType \"%s\" is not supported yet",
                    name, d->create_type);
      return -1;
    }
  }
  if (i == sizeof create_types / sizeof create_types[0]) {
    nbdkit_error ("%s: unknown createType \"%.64s\"", name, d->create_type);
    return -1;
  }
  if (d->nr_extents == 0) {
    nbdkit_error ("%s: invalid VMDK descriptor: no extent lines", name);
    return -1;
  }
  return 0;
}

/* Make the path of extent file FNAME, relative to DIR. */
static char *
extent_path (const char *dir, const char *fname, const char *name)
{
  const char *p;
  char *path;

  if (fname[0] == '/') {
    nbdkit_error ("%s: extent file \"%s\" is an absolute path: only names "
                  "relative to the descriptor are followed", name, fname);
    return NULL;
  }
  for (p = fname; (p = strstr (p, "..")) != NULL; p += 2) {
    if ((p == fname || p[-1] == '/') && (p[2] == '\0' || p[2] == '/')) {
      nbdkit_error ("%s: extent file \"%s\" contains \"..\": only names "
                    "in or below the descriptor's directory are followed",
                    name, fname);
      return NULL;
    }
  }
  if (asprintf (&path, "%s/%s", dir, fname) == -1) {
    nbdkit_error ("asprintf: %m");
    return NULL;
  }
  return path;
}

/* Open one extent line of a descriptor file. */
static int
open_extent (struct vmdk_disk *disk, const struct extent_desc *ed,
             const char *dir, const char *name)
{
  struct disk_extent *e;
  char *path;
  int fd;

  if (ed->access == ACCESS_NOACCESS) {
    nbdkit_error ("%s: NOACCESS extents are not supported", name);
    return -1;
  }
  if (strcmp (ed->type, "ZERO") == 0) {
    e = add_extent (disk, ed->sectors * SECTOR);
    if (e == NULL)
      return -1;
    e->kind = EXTENT_ZERO;
    return 0;
  }
  if (strcmp (ed->type, "VMFSSPARSE") == 0 ||
      strcmp (ed->type, "SESPARSE") == 0) {
    nbdkit_error ("%s: %s (snapshot delta) extents are not supported yet",
                  name, ed->type);
    return -1;
  }
  if (strcmp (ed->type, "FLAT") != 0 && strcmp (ed->type, "VMFS") != 0 &&
      strcmp (ed->type, "SPARSE") != 0) {
    nbdkit_error ("%s: extent type %s is not supported", name, ed->type);
    return -1;
  }
  if (ed->filename == NULL) {
    nbdkit_error ("%s: %s extent without a file name", name, ed->type);
    return -1;
  }
  if (strcmp (ed->type, "FLAT") == 0 && !ed->has_offset) {
    nbdkit_error ("%s: FLAT extent \"%s\" without an offset",
                  name, ed->filename);
    return -1;
  }

  path = extent_path (dir, ed->filename, name);
  if (path == NULL)
    return -1;
  fd = open_ro (path);
  if (fd == -1) {
    free (path);
    return -1;
  }

  if (strcmp (ed->type, "SPARSE") == 0) {
    struct sparse_extent *se = sparse_open (fd, path);

    if (se == NULL) {
      close (fd);
      free (path);
      return -1;
    }
    /* qemu sizes a sparse extent by its header, not the descriptor. */
    if (sparse_capacity (se) != ed->sectors)
      nbdkit_debug ("vmdk: %s: capacity %" PRIu64 " sectors, descriptor "
                    "says %" PRIu64, path, sparse_capacity (se), ed->sectors);
    e = add_extent (disk, sparse_capacity (se) * SECTOR);
    if (e == NULL) {
      sparse_free (se);
      free (path);
      return -1;
    }
    e->kind = EXTENT_SPARSE;
    e->sparse = se;
  }
  else {
    if (ed->offset > DISK_MAX_SECTORS - ed->sectors) {
      nbdkit_error ("%s: extent \"%s\" offset is too large",
                    name, ed->filename);
      close (fd);
      free (path);
      return -1;
    }
    e = add_extent (disk, ed->sectors * SECTOR);
    if (e == NULL) {
      close (fd);
      free (path);
      return -1;
    }
    e->kind = EXTENT_FLAT;
    e->flat.fd = fd;
    e->flat.start = ed->offset * SECTOR;
    e->flat.name = path;
  }
  e->path = path;
  return 0;
}

/* Open the extents named by descriptor TEXT of file NAME. */
static int
open_descriptor (struct vmdk_disk *disk, const char *text, size_t len,
                 const char *name)
{
  struct descriptor d;
  CLEANUP_FREE char *dir = strdup (name);
  char *slash;
  size_t i;
  int r = -1;

  if (dir == NULL) {
    nbdkit_error ("strdup: %m");
    return -1;
  }
  slash = strrchr (dir, '/');
  if (slash == NULL) {
    nbdkit_error ("%s: not an absolute path", name);
    return -1;
  }
  *slash = '\0';

  if (descriptor_parse (text, len, &d) == -1)
    goto out;
  if (check_descriptor (&d, name) == -1)
    goto out;
  nbdkit_debug ("vmdk: %s: createType %s, %zu extents",
                name, d.create_type, d.nr_extents);
  for (i = 0; i < d.nr_extents; i++)
    if (open_extent (disk, &d.extents[i], dir, name) == -1)
      goto out;
  r = 0;
 out:
  descriptor_free (&d);
  return r;
}

/* Open a hosted sparse file given as file=: check its embedded
 * descriptor, then serve the file itself as the only extent.
 */
static int
open_monolithic_sparse (struct vmdk_disk *disk, int fd, uint64_t file_size,
                        const char *name)
{
  struct sparse_header h;
  struct sparse_extent *se;
  struct disk_extent *e;
  struct descriptor d;
  CLEANUP_FREE char *text = NULL;
  size_t len;
  int r;

  if (sparse_read_header (fd, name, file_size, &h) == -1)
    return -1;
  text = sparse_read_descriptor (fd, name, file_size, &h, &len);
  if (text == NULL)
    return -1;

  /* A header with capacity 0 carries a descriptor naming the real
   * extents (as qemu vmdk_open_vmdk4 handles it).
   */
  if (h.capacity == 0)
    return open_descriptor (disk, text, len, name);

  r = descriptor_parse (text, len, &d);
  if (r == 0)
    r = check_descriptor (&d, name);
  descriptor_free (&d);
  if (r == -1)
    return -1;

  /* The extent gets its own descriptor: disk_open closes FD. */
  fd = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (fd == -1) {
    nbdkit_error ("fcntl: %s: %m", name);
    return -1;
  }
  se = sparse_open (fd, name);
  if (se == NULL) {
    close (fd);
    return -1;
  }
  e = add_extent (disk, sparse_capacity (se) * SECTOR);
  if (e == NULL) {
    sparse_free (se);
    return -1;
  }
  e->kind = EXTENT_SPARSE;
  e->sparse = se;
  return 0;
}

/* Open a VMDK. */
struct vmdk_disk *
disk_open (const char *filename)
{
  struct vmdk_disk *disk;
  CLEANUP_FREE char *text = NULL;
  CLEANUP_CLOSE int fd = -1;
  int64_t size;
  ssize_t len;

  disk = calloc (1, sizeof *disk);
  if (disk == NULL) {
    nbdkit_error ("calloc: %m");
    return NULL;
  }
  fd = open_ro (filename);
  if (fd == -1)
    goto err;
  size = io_file_size (fd, filename);
  if (size == -1)
    goto err;
  if (size < 4) {
    nbdkit_error ("%s: file too small to be a VMDK", filename);
    goto err;
  }

  /* Read the start of the file: a magic number, or descriptor text. */
  len = size < DESCRIPTOR_MAX_SIZE ? size : DESCRIPTOR_MAX_SIZE;
  text = malloc (len + 1);
  if (text == NULL) {
    nbdkit_error ("malloc: %m");
    goto err;
  }
  if (io_pread (fd, text, len, 0) == -1) {
    nbdkit_error ("pread: %s: %m", filename);
    goto err;
  }
  text[len] = '\0';

  if (memcmp (text, "KDMV", 4) == 0) {
    if (open_monolithic_sparse (disk, fd, size, filename) == -1)
      goto err;
  }
  else if (memcmp (text, "COWD", 4) == 0) {
    nbdkit_error ("%s: vmfsSparse (COWD) files are not supported yet",
                  filename);
    goto err;
  }
  else if (len >= 8 &&
           memcmp (text, "\xbe\xba\xfe\xca\0\0\0\0", 8) == 0) {
    nbdkit_error ("%s: seSparse files are not supported yet", filename);
    goto err;
  }
  else if (strstr (text, "createType") == NULL) {
    nbdkit_error ("%s: not a VMDK file: no sparse header and no "
                  "descriptor", filename);
    goto err;
  }
  else if (open_descriptor (disk, text, len, filename) == -1)
    goto err;

  if (disk->size == 0) {
    nbdkit_error ("%s: VMDK has size zero", filename);
    goto err;
  }
  return disk;

 err:
  disk_close (disk);
  return NULL;
}

/* The virtual size. */
uint64_t
disk_size (const struct vmdk_disk *disk)
{
  return disk->size;
}

/* Find the index of the extent containing byte OFFSET < disk->size. */
static size_t
find_extent (const struct vmdk_disk *disk, uint64_t offset)
{
  size_t lo = 0, hi = disk->nr_extents;

  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (disk->extents[mid].start <= offset)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* Read from the disk. */
int
disk_pread (struct vmdk_disk *disk, void *buf,
            uint32_t count, uint64_t offset)
{
  unsigned char *p = buf;
  size_t i = find_extent (disk, offset);

  while (count > 0) {
    const struct disk_extent *e;
    uint64_t in, n;
    int r = 0;

    if (i >= disk->nr_extents) {
      nbdkit_error ("read beyond the end of the disk");
      errno = EIO;
      return -1;
    }
    e = &disk->extents[i];
    in = offset - e->start;
    n = e->size - in;
    if (n > count)
      n = count;
    switch (e->kind) {
    case EXTENT_SPARSE:
      r = sparse_pread (e->sparse, p, n, in);
      break;
    case EXTENT_FLAT:
      r = flat_pread (&e->flat, p, n, in);
      break;
    case EXTENT_ZERO:
      memset (p, 0, n);
      break;
    }
    if (r == -1)
      return -1;
    p += n;
    offset += n;
    count -= n;
    i++;
  }
  return 0;
}

/* Add extents. */
int
disk_extents (struct vmdk_disk *disk, uint32_t count, uint64_t offset,
              int req_one, struct nbdkit_extents *extents)
{
  size_t i = find_extent (disk, offset);

  while (count > 0 && i < disk->nr_extents) {
    const struct disk_extent *e = &disk->extents[i];
    uint64_t in = offset - e->start;
    uint64_t n = e->size - in;
    int r = 0;

    if (n > count)
      n = count;
    switch (e->kind) {
    case EXTENT_SPARSE:
      r = sparse_extents (e->sparse, n, in, e->start, extents);
      break;
    case EXTENT_FLAT:
      r = flat_extents (&e->flat, n, in, e->start, extents);
      break;
    case EXTENT_ZERO:
      r = nbdkit_add_extent (extents, offset, n,
                             NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO);
      break;
    }
    if (r == -1)
      return -1;
    if (req_one)
      break;
    offset += n;
    count -= n;
    i++;
  }
  return 0;
}

/* Close the disk. */
void
disk_close (struct vmdk_disk *disk)
{
  size_t i;

  if (disk == NULL)
    return;
  for (i = 0; i < disk->nr_extents; i++) {
    struct disk_extent *e = &disk->extents[i];

    sparse_free (e->sparse);
    if (e->flat.fd >= 0)
      close (e->flat.fd);
    free (e->path);
  }
  free (disk->extents);
  free (disk);
}
