/* winvirtio: little-endian integers read from on-disk bytes (partition
 * tables, NTFS boot sectors, registry hives and their logs, block
 * maps, VMDK headers), at any alignment.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_LE_H
#define WINVIRTIO_LE_H

#include <stdint.h>

static inline uint16_t
get_le16 (const uint8_t *p)
{
  return (uint16_t) (p[0] | p[1] << 8);
}

static inline uint32_t
get_le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
    (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static inline uint64_t
get_le64 (const uint8_t *p)
{
  return (uint64_t) get_le32 (p) | (uint64_t) get_le32 (p + 4) << 32;
}

#endif /* WINVIRTIO_LE_H */
