/* winvirtio: little-endian integers read from and written to on-disk
 * bytes (partition tables, NTFS boot sectors, registry hives and their
 * logs, block maps, VMDK headers), at any alignment.
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

static inline void
put_le32 (uint8_t *p, uint32_t v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

static inline void
put_le64 (uint8_t *p, uint64_t v)
{
  put_le32 (p, v);
  put_le32 (p + 4, v >> 32);
}

#endif /* WINVIRTIO_LE_H */
