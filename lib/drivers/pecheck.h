/* winvirtio: is a driver package's .sys, .dll or .exe a PE image for
 * this Windows?  A small bounded reader of the PE headers.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PECHECK_H
#define WINVIRTIO_PECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest file accepted: 64 MiB (see pecheck.c). */
#define WV_PE_MAX_SIZE (UINT64_C (64) << 20)

/* PE machine types (IMAGE_FILE_MACHINE_*). */
#define WV_PE_MACHINE_I386  0x014c
#define WV_PE_MACHINE_AMD64 0x8664
#define WV_PE_MACHINE_ARM64 0xaa64

/* The PE machine of a Windows architecture as struct wv_windows names
 * it ("x86", "amd64", "ARM64"; any case), or 0 if unknown.
 */
extern uint16_t wv_pe_machine_of_arch (const char *arch);

/* "i386", "amd64", "arm64", or NULL for a machine without a name. */
extern const char *wv_pe_machine_name (uint16_t machine);

/* What the headers say, filled by wv_pe_check as far as it got. */
struct wv_pe_info {
  uint16_t machine;             /* COFF Machine */
  uint16_t magic;               /* 0x10b PE32, 0x20b PE32+ */
  uint16_t subsystem;           /* 1 native, 2 GUI, 3 console, ... */
  uint16_t characteristics;     /* COFF Characteristics */
  uint16_t nr_sections;
  uint32_t size_of_headers;
};

/* Check that data (len bytes) is a PE image whose headers and section
 * data lie inside it, of machine want (0: any), with subsystem native
 * (1) if native is set.  Returns 0; -1 if it is not such an image,
 * with why ("0 bytes", "no MZ header (5 bytes)", ...); -2 if it is
 * one for another machine, with why "it is a PE image for i386".  why
 * is one line without the file's name, written into why[0..whylen-1].
 * Never calls wv_error: the caller names the file.  *info is filled
 * as far as it was read.
 */
extern int wv_pe_check (const uint8_t *data, size_t len, uint16_t want,
                        bool native, struct wv_pe_info *info,
                        char *why, size_t whylen);

#endif /* WINVIRTIO_PECHECK_H */
