/* nbdkit-vmdk-plugin: positioned reads on extent files.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_IO_H
#define VMDK_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read COUNT bytes at OFFSET from FD with pread (so any number of
 * threads may share FD), retrying short reads.  Bytes past the end of
 * the file read as zeroes, as qemu does.  Returns the number of bytes
 * that came from the file, or -1 with errno set (not reported: the
 * caller names the file).
 */
extern ssize_t io_pread (int fd, void *buf, size_t count, uint64_t offset);

/* A byte range [BASE, BASE+SIZE) of the file open on FD that holds
 * one extent: the whole file, or a member of an OVA (tar) archive.
 */
struct io_file {
  int fd;
  uint64_t base;
  uint64_t size;
};

/* Read COUNT bytes at OFFSET of the range F, as io_pread: bytes past
 * the end of the range read as zeroes.  Returns the number of bytes
 * that came from the range, or -1 with errno set.
 */
extern ssize_t io_read (const struct io_file *f, void *buf, size_t count,
                        uint64_t offset);

/* The size of the file open on FD, or -1 after nbdkit_error. */
extern int64_t io_file_size (int fd, const char *name);

#endif /* VMDK_IO_H */
