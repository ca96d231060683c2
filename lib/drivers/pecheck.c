/* winvirtio: is a driver package's .sys, .dll or .exe a PE image for
 * this Windows?  A small bounded reader of the PE headers.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The layout is Microsoft's "PE Format" (learn.microsoft.com,
 * windows/win32/debug/pe-format); offsets below are from there:
 *
 *   0x00  "MZ"                     MS-DOS header (64 bytes)
 *   0x3c  e_lfanew (le32)          offset of the PE signature
 *   e_lfanew       "PE\0\0"
 *   e_lfanew + 4   COFF header (20 bytes): Machine 0, NumberOfSections
 *                  2, SizeOfOptionalHeader 16, Characteristics 18
 *   e_lfanew + 24  optional header: Magic 0 (0x10b PE32, 0x20b
 *                  PE32+), SizeOfHeaders 60, Subsystem 68,
 *                  NumberOfRvaAndSizes 92 (PE32) or 108 (PE32+); its
 *                  fixed part is 96 (PE32) or 112 (PE32+) bytes, then
 *                  8 bytes per data directory
 *   then           the section table, 40 bytes a section:
 *                  SizeOfRawData 16, PointerToRawData 20
 *
 * Everything is read through need(), which checks that the bytes are
 * in the file; offsets are computed in 64 bits from 32-bit fields, so
 * nothing wraps.  What is checked is what makes the file a loadable
 * image of the right kind, not its code: the headers are whole and in
 * the file, SizeOfHeaders covers them and is in the file, every
 * section's raw data is in the file (a truncated copy fails here), the
 * image is executable (IMAGE_FILE_EXECUTABLE_IMAGE), at most 96
 * sections (the Windows loader's limit, per the PE Format), the
 * machine, and for a driver the native subsystem (kernel mode).
 *
 * Sizes: at least the headers, at most WV_PE_MAX_SIZE (64 MiB).  A
 * virtio-win driver is tens to hundreds of KiB and Windows' own
 * kernel (ntoskrnl.exe) about 10 MiB (not measured here: the corpus
 * lists virtio-win's files without their sizes); 64 MiB leaves a wide
 * margin and refuses a stray disk image or archive named .sys (the
 * driver source has read it into memory by then: the limit is about
 * what is installed, not about reading).
 */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/le.h"
#include "drivers/pecheck.h"

#define IMAGE_FILE_EXECUTABLE_IMAGE 0x0002
#define MAX_SECTIONS 96
#define DOS_HEADER 64
#define COFF_HEADER 20
#define SECTION_HEADER 40

uint16_t
wv_pe_machine_of_arch (const char *arch)
{
  if (strcasecmp (arch, "x86") == 0 || strcasecmp (arch, "i386") == 0)
    return WV_PE_MACHINE_I386;
  if (strcasecmp (arch, "amd64") == 0)
    return WV_PE_MACHINE_AMD64;
  if (strcasecmp (arch, "arm64") == 0)
    return WV_PE_MACHINE_ARM64;
  return 0;
}

const char *
wv_pe_machine_name (uint16_t machine)
{
  switch (machine) {
  case WV_PE_MACHINE_I386: return "i386";
  case WV_PE_MACHINE_AMD64: return "amd64";
  case WV_PE_MACHINE_ARM64: return "arm64";
  case 0x01c4: return "ARMv7";
  case 0x0200: return "IA-64";
  default: return NULL;
  }
}

/* Subsystem names, as the PE Format lists them. */
static const char *
subsystem_name (uint16_t s)
{
  switch (s) {
  case 1: return "native";
  case 2: return "Windows GUI";
  case 3: return "Windows console";
  case 5: return "OS/2 console";
  case 7: return "POSIX console";
  case 8: return "Windows 9x native driver";
  case 9: return "Windows CE";
  case 10: return "EFI application";
  case 11: return "EFI boot service driver";
  case 12: return "EFI runtime driver";
  case 13: return "EFI ROM";
  case 14: return "Xbox";
  case 16: return "Windows boot application";
  default: return "unknown";
  }
}

/* Are bytes [off, off + n) inside the file? */
static int
need (size_t len, uint64_t off, uint64_t n)
{
  return off <= len && n <= len - off;
}

/* A section's name for messages: its 8 bytes, printable ones only. */
static void
section_name (const uint8_t *p, char *buf)
{
  size_t i;

  for (i = 0; i < 8 && p[i]; ++i)
    buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char) p[i] : '?';
  buf[i] = '\0';
}

/* The section table at off: each section's data inside the file. */
static int
check_sections (const uint8_t *data, size_t len, uint64_t off,
                unsigned n, char *why, size_t whylen)
{
  unsigned i;

  for (i = 0; i < n; ++i) {
    const uint8_t *s = data + off + (uint64_t) i * SECTION_HEADER;
    uint32_t raw_size = get_le32 (s + 16), raw_ptr = get_le32 (s + 20);
    char name[9];

    if (raw_size == 0 || need (len, raw_ptr, raw_size))
      continue;
    section_name (s, name);
    snprintf (why, whylen, "truncated: section %u (%s) has its data at "
              "%" PRIu32 "-%" PRIu64 ", beyond the end of the file (%zu "
              "bytes)", i + 1, name, raw_ptr, (uint64_t) raw_ptr + raw_size,
              len);
    return -1;
  }
  return 0;
}

/* The MS-DOS header, the signature and the COFF header; *nt_r is
 * e_lfanew.
 */
static int
check_dos_coff (const uint8_t *data, size_t len, struct wv_pe_info *info,
                uint32_t *nt_r, char *why, size_t whylen)
{
  uint32_t nt;

  if (len == 0) {
    snprintf (why, whylen, "0 bytes");
    return -1;
  }
  if (len > WV_PE_MAX_SIZE) {
    snprintf (why, whylen, "%zu bytes, more than the %" PRIu64 " MiB a "
              "driver file may have", len, WV_PE_MAX_SIZE >> 20);
    return -1;
  }
  if (len < 2 || data[0] != 'M' || data[1] != 'Z') {
    snprintf (why, whylen, "no MZ header (%zu bytes)", len);
    return -1;
  }
  if (len < DOS_HEADER) {
    snprintf (why, whylen, "%zu bytes, too short for a PE image", len);
    return -1;
  }
  nt = get_le32 (data + 0x3c);
  if (nt < DOS_HEADER || !need (len, nt, 4 + COFF_HEADER)) {
    snprintf (why, whylen, "truncated or damaged: e_lfanew 0x%" PRIx32
              " leaves no PE header in the file (%zu bytes)", nt, len);
    return -1;
  }
  if (memcmp (data + nt, "PE\0\0", 4) != 0) {
    snprintf (why, whylen, "no PE signature at e_lfanew 0x%" PRIx32, nt);
    return -1;
  }
  info->machine = get_le16 (data + nt + 4);
  info->nr_sections = get_le16 (data + nt + 6);
  info->characteristics = get_le16 (data + nt + 22);
  if (info->nr_sections == 0 || info->nr_sections > MAX_SECTIONS) {
    snprintf (why, whylen, "%u sections (a PE image has 1 to %u)",
              info->nr_sections, MAX_SECTIONS);
    return -1;
  }
  if (!(info->characteristics & IMAGE_FILE_EXECUTABLE_IMAGE)) {
    snprintf (why, whylen, "not an executable image (COFF "
              "Characteristics 0x%04x): an object file?",
              info->characteristics);
    return -1;
  }
  *nt_r = nt;
  return 0;
}

/* The optional header at opt, of size opt_size: its magic, its fixed
 * part (96 or 112 bytes) and data directories inside it.
 */
static int
check_optional (const uint8_t *data, size_t len, uint64_t opt,
                uint16_t opt_size, struct wv_pe_info *info,
                char *why, size_t whylen)
{
  uint32_t fixed, nr_dirs;

  if (opt_size < 2 || !need (len, opt, opt_size)) {
    snprintf (why, whylen, "truncated: the optional header (%u bytes at "
              "%" PRIu64 ") is not in the file (%zu bytes)", opt_size, opt,
              len);
    return -1;
  }
  info->magic = get_le16 (data + opt);
  if (info->magic == 0x10b)
    fixed = 96;
  else if (info->magic == 0x20b)
    fixed = 112;
  else {
    snprintf (why, whylen, "optional header magic 0x%04x is neither "
              "PE32 (0x10b) nor PE32+ (0x20b)", info->magic);
    return -1;
  }
  if (opt_size < fixed) {
    snprintf (why, whylen, "the optional header is %u bytes, too short "
              "for %s (%" PRIu32 ")", opt_size,
              info->magic == 0x10b ? "PE32" : "PE32+", fixed);
    return -1;
  }
  nr_dirs = get_le32 (data + opt + fixed - 4);
  if (nr_dirs > 16 || fixed + 8 * nr_dirs > opt_size) {
    snprintf (why, whylen, "%" PRIu32 " data directories do not fit in "
              "the optional header (%u bytes)", nr_dirs, opt_size);
    return -1;
  }
  info->size_of_headers = get_le32 (data + opt + 60);
  info->subsystem = get_le16 (data + opt + 68);
  return 0;
}

int
wv_pe_check (const uint8_t *data, size_t len, uint16_t want, bool native,
             struct wv_pe_info *info, char *why, size_t whylen)
{
  uint32_t nt;
  uint64_t opt, secs, end;
  uint16_t opt_size;

  memset (info, 0, sizeof *info);
  if (check_dos_coff (data, len, info, &nt, why, whylen) == -1)
    return -1;
  opt = (uint64_t) nt + 4 + COFF_HEADER;
  opt_size = get_le16 (data + nt + 20);
  if (check_optional (data, len, opt, opt_size, info, why, whylen) == -1)
    return -1;
  secs = opt + opt_size;
  end = secs + (uint64_t) info->nr_sections * SECTION_HEADER;
  if (!need (len, secs, end - secs)) {
    snprintf (why, whylen, "truncated: the section table ends at %" PRIu64
              ", beyond the end of the file (%zu bytes)", end, len);
    return -1;
  }
  if (info->size_of_headers < end || info->size_of_headers > len) {
    snprintf (why, whylen, "SizeOfHeaders %" PRIu32 " is %s (the headers "
              "end at %" PRIu64 ", the file has %zu bytes)",
              info->size_of_headers,
              info->size_of_headers < end ? "smaller than the headers" :
              "beyond the end of the file", end, len);
    return -1;
  }
  if (check_sections (data, len, secs, info->nr_sections, why,
                      whylen) == -1)
    return -1;
  if (want && info->machine != want) {
    const char *m = wv_pe_machine_name (info->machine);

    if (m)
      snprintf (why, whylen, "it is a PE image for %s", m);
    else
      snprintf (why, whylen, "it is a PE image for machine 0x%04x",
                info->machine);
    return -2;
  }
  if (native && info->subsystem != 1) {
    snprintf (why, whylen, "its subsystem is %u (%s), not native (1): it "
              "is not a kernel-mode driver", info->subsystem,
              subsystem_name (info->subsystem));
    return -1;
  }
  return 0;
}
