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
 * Snapshot deltas (a descriptor with parentFileNameHint and
 * parentCID: monolithicSparse, twoGbMaxExtentSparse, vmfsSparse with
 * VMFSSPARSE "COWD" extents, seSparse with SESPARSE extents) are
 * layers: each is a vmdk_disk whose parent is the disk it was taken
 * from, opened the same way, and a grain that the delta does not have
 * is read from the parent (recursively).  The parent's CID must equal
 * the delta's parentCID, or the parent was changed after the snapshot
 * and the chain is refused.
 *
 * An OVA (tar) is opened by finding the disk member and reading it in
 * place (ova.c): only single-file VMDKs (streamOptimized,
 * monolithicSparse) can be served from an OVA.
 *
 * Not supported, and refused with a message: raw device maps and
 * devices, NOACCESS extents.
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

#include "common/cleanup.h"
#include "descriptor.h"
#include "disk.h"
#include "flat.h"
#include "io.h"
#include "ova.h"
#include "sparse.h"

#define SECTOR 512

/* Longest snapshot chain (also stops loops of parentFileNameHint). */
#define MAX_CHAIN 64

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
  uint32_t cid;                 /* from the descriptor, if has_cid */
  bool has_cid;
  struct vmdk_disk *parent;     /* snapshot deltas: the disk below */
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
  { "vmfsSparse", true },
  { "seSparse", true },
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
  if (strcmp (ed->type, "FLAT") != 0 && strcmp (ed->type, "VMFS") != 0 &&
      strcmp (ed->type, "SPARSE") != 0 &&
      strcmp (ed->type, "VMFSSPARSE") != 0 &&
      strcmp (ed->type, "SESPARSE") != 0) {
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

  if (strstr (ed->type, "SPARSE")) {
    struct io_file f = { .fd = fd, .base = 0 };
    struct sparse_extent *se;
    int64_t size = io_file_size (fd, path);

    if (size == -1) {
      close (fd);
      free (path);
      return -1;
    }
    f.size = size;
    se = sparse_open (&f, path);

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

static struct vmdk_disk *open_layer (const char *filename, const char *ova_disk,
                                     unsigned depth);

/* The directory of NAME (an absolute path), or NULL after
 * nbdkit_error.  The caller frees it.
 */
static char *
dir_of (const char *name)
{
  char *dir = strdup (name);
  char *slash;

  if (dir == NULL) {
    nbdkit_error ("strdup: %m");
    return NULL;
  }
  slash = strrchr (dir, '/');
  if (slash == NULL) {
    nbdkit_error ("%s: not an absolute path", name);
    free (dir);
    return NULL;
  }
  *slash = '\0';
  return dir;
}

/* The path of the parent named by HINT (parentFileNameHint) of the
 * delta NAME in DIR.  A relative hint is taken relative to DIR, with
 * the same rules as extent names.  VMware writes absolute paths too
 * (of the host where the snapshot was taken, possibly Windows ones):
 * then the parent is looked for beside the delta, under the last
 * component of the hint.
 */
static char *
parent_path (const char *dir, const char *hint, const char *name)
{
  const char *base;

  if (hint[0] == '/' || hint[0] == '\\' ||
      (hint[0] != '\0' && hint[1] == ':')) {
    base = hint + strlen (hint);
    while (base > hint && base[-1] != '/' && base[-1] != '\\')
      base--;
    if (*base == '\0') {
      nbdkit_error ("%s: invalid parentFileNameHint \"%s\"", name, hint);
      return NULL;
    }
    nbdkit_debug ("vmdk: %s: parent \"%s\" is absolute: looking for "
                  "\"%s\" beside the delta", name, hint, base);
    hint = base;
  }
  return extent_path (dir, hint, name);
}

/* Open the parent of the delta DISK (file NAME, descriptor D), if it
 * has one, and check the CIDs.
 */
static int
open_parent (struct vmdk_disk *disk, const struct descriptor *d,
             const char *name, unsigned depth)
{
  CLEANUP_FREE char *dir = NULL;
  CLEANUP_FREE char *path = NULL;
  struct vmdk_disk *parent;

  disk->cid = d->cid;
  disk->has_cid = d->has_cid;
  if (d->parent_hint == NULL || *d->parent_hint == '\0')
    return 0;
  if (depth + 1 >= MAX_CHAIN) {
    nbdkit_error ("%s: snapshot chain longer than %d disks (or a loop "
                  "of parentFileNameHint)", name, MAX_CHAIN);
    return -1;
  }
  if (!d->has_parent_cid) {
    nbdkit_error ("%s: delta disk (parentFileNameHint=\"%s\") without a "
                  "valid parentCID", name, d->parent_hint);
    return -1;
  }
  dir = dir_of (name);
  if (dir == NULL)
    return -1;
  path = parent_path (dir, d->parent_hint, name);
  if (path == NULL)
    return -1;
  if (access (path, R_OK) == -1) {
    nbdkit_error ("%s: the parent disk of this snapshot delta is missing: "
                  "parentFileNameHint=\"%s\", looked for %s: %m.  Copy "
                  "the whole snapshot chain into the same directory",
                  name, d->parent_hint, path);
    return -1;
  }
  nbdkit_debug ("vmdk: %s: delta of %s", name, path);
  parent = open_layer (path, NULL, depth + 1);
  if (parent == NULL)
    return -1;
  if (!parent->has_cid || parent->cid != d->parent_cid) {
    char found[16] = "none";

    if (parent->has_cid)
      snprintf (found, sizeof found, "%08" PRIx32, parent->cid);
    nbdkit_error ("%s: parentCID %08" PRIx32 " does not match the CID "
                  "(%s) of its parent %s: the parent was changed after "
                  "the snapshot was taken, or it is another disk",
                  name, d->parent_cid, found, path);
    disk_close (parent);
    return -1;
  }
  disk->parent = parent;
  return 0;
}

/* Open the extents named by descriptor TEXT of file NAME, and the
 * parent for a delta.
 */
static int
open_descriptor (struct vmdk_disk *disk, const char *text, size_t len,
                 const char *name, unsigned depth)
{
  struct descriptor d;
  CLEANUP_FREE char *dir = dir_of (name);
  size_t i;
  int r = -1;

  if (dir == NULL)
    return -1;
  if (descriptor_parse (text, len, &d) == -1)
    goto out;
  if (check_descriptor (&d, name) == -1)
    goto out;
  nbdkit_debug ("vmdk: %s: createType %s, %zu extents",
                name, d.create_type, d.nr_extents);
  for (i = 0; i < d.nr_extents; i++)
    if (open_extent (disk, &d.extents[i], dir, name) == -1)
      goto out;
  if (open_parent (disk, &d, name, depth) == -1)
    goto out;
  r = 0;
 out:
  descriptor_free (&d);
  return r;
}

/* Open a hosted sparse file given as file= (or found in an OVA, F
 * being its range of the archive): check its embedded descriptor,
 * then serve the file itself as the only extent.
 */
static int
open_monolithic_sparse (struct vmdk_disk *disk, const struct io_file *f,
                        const char *name, bool in_ova, unsigned depth)
{
  struct sparse_header h;
  struct sparse_extent *se;
  struct disk_extent *e;
  struct descriptor d;
  struct io_file own = *f;
  CLEANUP_FREE char *text = NULL;
  size_t len;
  int r;

  if (sparse_read_header (f, name, &h) == -1)
    return -1;
  text = sparse_read_descriptor (f, name, &h, &len);
  if (text == NULL)
    return -1;

  /* A header with capacity 0 carries a descriptor naming the real
   * extents (as qemu vmdk_open_vmdk4 handles it).
   */
  if (h.capacity == 0) {
    if (in_ova) {
      nbdkit_error ("%s: the disk in the OVA is a descriptor naming "
                    "other files: extract the OVA and serve the "
                    "descriptor", name);
      return -1;
    }
    return open_descriptor (disk, text, len, name, depth);
  }

  r = descriptor_parse (text, len, &d);
  if (r == 0)
    r = check_descriptor (&d, name);
  if (r == 0 && in_ova && d.parent_hint && *d.parent_hint) {
    nbdkit_error ("%s: the disk in the OVA is a snapshot delta", name);
    r = -1;
  }
  if (r == -1) {
    descriptor_free (&d);
    return -1;
  }

  /* The extent gets its own descriptor: disk_open closes FD. */
  own.fd = fcntl (f->fd, F_DUPFD_CLOEXEC, 0);
  if (own.fd == -1) {
    nbdkit_error ("fcntl: %s: %m", name);
    descriptor_free (&d);
    return -1;
  }
  se = sparse_open (&own, name);
  if (se == NULL) {
    close (own.fd);
    descriptor_free (&d);
    return -1;
  }
  e = add_extent (disk, sparse_capacity (se) * SECTOR);
  if (e == NULL) {
    sparse_free (se);
    descriptor_free (&d);
    return -1;
  }
  e->kind = EXTENT_SPARSE;
  e->sparse = se;
  r = open_parent (disk, &d, name, depth);
  descriptor_free (&d);
  return r;
}

/* Open the OVA open on FD: find the disk and open it in place. */
static int
open_ova (struct vmdk_disk *disk, int fd, uint64_t size,
          const char *filename, const char *ova_disk)
{
  CLEANUP_FREE char *member = NULL;
  CLEANUP_FREE char *label = NULL;
  struct io_file f = { .fd = fd };
  unsigned char magic[4];

  if (ova_find_disk (fd, filename, size, ova_disk, &f.base, &f.size,
                     &member) == -1)
    return -1;
  if (asprintf (&label, "%s[%s]", filename, member) == -1) {
    nbdkit_error ("asprintf: %m");
    return -1;
  }
  nbdkit_debug ("vmdk: %s: %" PRIu64 " bytes at byte %" PRIu64,
                label, f.size, f.base);
  if (io_read (&f, magic, sizeof magic, 0) == -1) {
    nbdkit_error ("pread: %s: %m", label);
    return -1;
  }
  if (memcmp (magic, "KDMV", 4) != 0) {
    nbdkit_error ("%s: the disk in the OVA is not a streamOptimized or "
                  "monolithicSparse VMDK: extract the OVA and serve the "
                  "disk's descriptor", label);
    return -1;
  }
  return open_monolithic_sparse (disk, &f, label, true, 0);
}

/* Open one layer of a VMDK (the disk itself or a parent). */
static struct vmdk_disk *
open_layer (const char *filename, const char *ova_disk, unsigned depth)
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

  if (len >= 512 && ova_is_tar ((unsigned char *) text)) {
    if (depth > 0) {
      nbdkit_error ("%s: the parent of a delta is a tar archive", filename);
      goto err;
    }
    if (open_ova (disk, fd, size, filename, ova_disk) == -1)
      goto err;
  }
  else if (ova_disk) {
    nbdkit_error ("%s: disk=%s is only for OVA archives, and this is not "
                  "a tar archive", filename, ova_disk);
    goto err;
  }
  else if (memcmp (text, "KDMV", 4) == 0) {
    struct io_file f = { .fd = fd, .base = 0, .size = size };

    if (open_monolithic_sparse (disk, &f, filename, false, depth) == -1)
      goto err;
  }
  else if (memcmp (text, "COWD", 4) == 0 ||
           (len >= 8 && memcmp (text, "\xbe\xba\xfe\xca\0\0\0\0", 8) == 0)) {
    nbdkit_error ("%s: this is the data file of a snapshot delta "
                  "(%s): give the descriptor .vmdk that names it "
                  "(and its parent) instead", filename,
                  text[0] == 'C' ? "vmfsSparse" : "seSparse");
    goto err;
  }
  else if (strstr (text, "createType") == NULL) {
    nbdkit_error ("%s: not a VMDK file: no sparse header and no "
                  "descriptor", filename);
    goto err;
  }
  else if (open_descriptor (disk, text, len, filename, depth) == -1)
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

/* Open a VMDK. */
struct vmdk_disk *
disk_open (const char *filename, const char *ova_disk)
{
  return open_layer (filename, ova_disk, 0);
}

/* Read from the parent, or zeroes. */
int
disk_backing_pread (struct vmdk_disk *parent, void *buf, uint32_t count,
                    uint64_t offset)
{
  uint32_t n = 0;

  if (parent && offset < parent->size) {
    n = parent->size - offset < count ? parent->size - offset : count;
    if (disk_pread (parent, buf, n, offset) == -1)
      return -1;
  }
  memset ((char *) buf + n, 0, count - n);
  return 0;
}

/* The parent's extents, or a hole. */
int
disk_backing_extents (struct vmdk_disk *parent, uint32_t count,
                      uint64_t offset, struct nbdkit_extents *extents)
{
  uint32_t n = 0;

  if (parent && offset < parent->size) {
    n = parent->size - offset < count ? parent->size - offset : count;
    if (disk_extents (parent, n, offset, 0, extents) == -1)
      return -1;
  }
  if (n < count)
    return nbdkit_add_extent (extents, offset + n, count - n,
                              NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO);
  return 0;
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
      r = sparse_pread (e->sparse, p, n, in, disk->parent, e->start);
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
      r = sparse_extents (e->sparse, n, in, e->start, disk->parent,
                          extents);
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
  disk_close (disk->parent);
  free (disk);
}
