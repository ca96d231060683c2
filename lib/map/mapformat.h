/* winvirtio: the layout of the block map file, shared by its writer
 * (mapsave.c) and its reader (mapload.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design of the format.
 *
 * On disk (docs/winvirtio-map.pod has the byte layout) the file is a
 * fixed 128 byte header, the read ranges, the extent table, (version
 * 2) the zero ranges, the summary text, the extent data in table
 * order, and a SHA-256 of everything before it.  All integers are
 * little-endian.
 *
 * Version 2 adds the zero ranges of free-space trim.  A volume with
 * fragmented free space has many free runs, so they are stored as
 * pairs of LEB128 varints in 512-byte units (the gap since the end of
 * the previous range, then the length): two to six bytes a range
 * instead of sixteen.  A map without zero ranges is still written as
 * version 1, byte for byte, so older winvirtio can read it; the
 * loader reads both.  Fields are
 * encoded and decoded byte by byte (no packed structs), so the code
 * does not depend on the host's alignment or byte order.
 */

#ifndef WINVIRTIO_MAPFORMAT_H
#define WINVIRTIO_MAPFORMAT_H

#include <nettle/sha2.h>

#include "map/map.h"

/* The file format, version 1.  Offsets of the header fields. */
#define MAP_MAGIC "WINVIRTIO-MAP"   /* NUL-padded to 16 bytes */
#define MAP_VERSION 2               /* the newest we read and write */
#define MAP_VERSION_MIN 1
#define HDR_MAGIC 0x00              /* char[16] */
#define HDR_VERSION 0x10            /* u32 */
#define HDR_HEADER_SIZE 0x14        /* u32 */
#define HDR_VIRTUAL_SIZE 0x18       /* u64 */
#define HDR_NR_EXTENTS 0x20         /* u64 */
#define HDR_NR_READ_RANGES 0x28     /* u64 */
#define HDR_SUMMARY_LEN 0x30        /* u64 */
#define HDR_FINGERPRINT 0x38        /* u8[32] */
#define HDR_RESERVED 0x58           /* version 1: u8[40], zero */
#define HDR_NR_ZERO_RANGES 0x58     /* version 2: u64 */
#define HDR_ZERO_TABLE_SIZE 0x60    /* version 2: u64, bytes */
#define HDR_RESERVED_V2 0x68        /* version 2: u8[24], zero */
#define HEADER_SIZE 0x80

/* Zero ranges are stored in units of WV_MAP_ZERO_UNIT bytes (map.h),
 * the alignment of every zero range.
 */

/* A LEB128 varint of a u64 takes at most this many bytes. */
#define VARINT_MAX 10

/* A read range: u64 offset, u64 length. */
#define RANGE_SIZE 16

/* An extent table entry: u64 offset, u32 length, u32 reserved (zero),
 * char label[80] (NUL-terminated, zero-padded).
 */
#define EXT_OFFSET 0x00
#define EXT_LENGTH 0x08
#define EXT_RESERVED 0x0c
#define EXT_LABEL 0x10
#define EXTENT_SIZE (EXT_LABEL + WV_MAP_LABEL_MAX)

#define TRAILER_SIZE SHA256_DIGEST_SIZE

_Static_assert (HDR_FINGERPRINT + WV_MAP_FINGERPRINT_LEN == HDR_RESERVED,
                "header fields must be contiguous");
_Static_assert (HDR_RESERVED + 40 == HEADER_SIZE, "header is 128 bytes");
_Static_assert (EXTENT_SIZE == 96, "extent entry is 96 bytes");
_Static_assert (WV_MAP_FINGERPRINT_LEN == SHA256_DIGEST_SIZE,
                "the fingerprint is a SHA-256");

#endif /* WINVIRTIO_MAPFORMAT_H */
