/* nbdkit-vmdk-plugin: find a disk inside an OVA (tar) archive.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_OVA_H
#define VMDK_OVA_H

#include <stdbool.h>
#include <stdint.h>

/* True if the 512 byte block BUF is a ustar (POSIX, pax or GNU) tar
 * header.
 */
extern bool ova_is_tar (const unsigned char *buf);

/* Find the disk in the tar archive open on FD (FILE_SIZE bytes long,
 * NAME for messages): the member called WANT (its full name in the
 * archive or its last component) or, if WANT is NULL, the only member
 * whose name ends in ".vmdk".  Sets *OFFSET_R and *SIZE_R to the
 * member's data in the archive, and *MEMBER_R to its name (the caller
 * frees it).  Returns 0 or -1 after nbdkit_error.
 */
extern int ova_find_disk (int fd, const char *name, uint64_t file_size,
                          const char *want, uint64_t *offset_r,
                          uint64_t *size_r, char **member_r);

#endif /* VMDK_OVA_H */
