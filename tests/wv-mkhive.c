/* winvirtio: wv-mkhive, write a minimal empty registry hive.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: wv-mkhive OUTPUT [ROOTNAME]
 *
 * The tests and the demo build Windows-like SYSTEM and SOFTWARE hives
 * from the .reg text sources in tests/data with "hivexregedit --merge",
 * which needs an existing hive to merge into.  This program writes
 * that seed: an 8 KiB regf file holding only the root key.  Nothing
 * binary is committed; the seed is generated at test time.
 *
 * Layout of the file (offsets in hex, for the default root name):
 *
 *   0000  base block, 4096 bytes ("regf")
 *   1000  one hive bin, 4096 bytes ("hbin"); hive offsets below are
 *         relative to 1000, the start of the hive bins data:
 *     0020  root key node cell ("nk")
 *     0078  security cell ("sk") the root key points to
 *     0108  the rest of the bin as one free cell
 *
 * Format reference: the "Windows registry file format specification"
 * by Maxim Suhanov (https://github.com/msuhanov/regf), and the structs
 * in hivex lib/hivex-internal.h.  Every field is little endian.
 * hivex needs a valid sk cell on the root key because it copies the
 * parent's security offset into every key it adds (lib/write.c); the
 * Windows kernel refuses a hive whose keys lack one.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define BASE_BLOCK_SIZE 0x1000
#define HBIN_SIZE       0x1000
#define HBIN_HEADER     0x20
#define HIVE_SIZE       (BASE_BLOCK_SIZE + HBIN_SIZE)

/* Root key flags: KEY_HIVE_ENTRY | KEY_NO_DELETE | KEY_COMP_NAME. */
#define ROOT_KEY_FLAGS  0x2C

/* Size of the fixed part of an nk cell, after the 4-byte size field
 * and before the name.
 */
#define NK_FIXED        0x4C
/* Size of the fixed part of an sk cell, after the size field and
 * before the security descriptor.
 */
#define SK_FIXED        0x14

#define NO_OFFSET       UINT32_C (0xFFFFFFFF)

/* Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
#define FILETIME_UNIX_EPOCH UINT64_C (11644473600)

static const char *prog = "wv-mkhive";

/* Store little-endian integers into a byte buffer. */
static void
put16 (uint8_t *p, uint16_t v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put32 (uint8_t *p, uint32_t v)
{
  put16 (p, v & 0xffff);
  put16 (p + 2, v >> 16);
}

static void
put64 (uint8_t *p, uint64_t v)
{
  put32 (p, v & 0xffffffff);
  put32 (p + 4, v >> 32);
}

static uint32_t
get32 (const uint8_t *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

/* Round up to the 8-byte cell granularity. */
static size_t
cell_round (size_t n)
{
  return (n + 7) & ~(size_t) 7;
}

/* Append a SID with one or two sub-authorities at p, return its size.
 * The identifier authority is 6 bytes, big endian.
 */
static size_t
put_sid (uint8_t *p, uint8_t authority, uint32_t sub1, int nsub, uint32_t sub2)
{
  p[0] = 1;                     /* revision */
  p[1] = nsub;
  memset (p + 2, 0, 5);
  p[7] = authority;
  put32 (p + 8, sub1);
  if (nsub == 2)
    put32 (p + 12, sub2);
  return 8 + 4 * nsub;
}

/* Append an ACCESS_ALLOWED_ACE, inherited by subkeys, return its size. */
static size_t
put_ace (uint8_t *p, uint32_t mask,
         uint8_t authority, uint32_t sub1, int nsub, uint32_t sub2)
{
  size_t len;

  p[0] = 0;                     /* ACCESS_ALLOWED_ACE_TYPE */
  p[1] = 0x02;                  /* CONTAINER_INHERIT_ACE */
  put32 (p + 4, mask);
  len = 8 + put_sid (p + 8, authority, sub1, nsub, sub2);
  put16 (p + 2, len);
  return len;
}

/* Write a self-relative security descriptor at p, return its size.
 * Owner BUILTIN\Administrators, group SYSTEM, no SACL, and a DACL
 * granting full control to SYSTEM and Administrators and read access
 * to Everyone.
 */
static size_t
put_security_descriptor (uint8_t *p)
{
  const uint32_t KEY_ALL_ACCESS = 0xF003F, KEY_READ = 0x20019;
  size_t acl, off;
  uint16_t aces = 0;

  p[0] = 1;                     /* revision */
  p[1] = 0;
  put16 (p + 2, 0x8004);        /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
  /* 0x04 owner, 0x08 group, 0x0C SACL (none), 0x10 DACL offsets. */
  acl = 0x14;
  put32 (p + 0x10, acl);

  /* ACL header: revision 2, size and count filled in below. */
  p[acl] = 2;
  off = acl + 8;
  off += put_ace (p + off, KEY_ALL_ACCESS, 5, 18, 1, 0);  /* SYSTEM */
  aces++;
  off += put_ace (p + off, KEY_ALL_ACCESS, 5, 32, 2, 544); /* Admins */
  aces++;
  off += put_ace (p + off, KEY_READ, 1, 0, 1, 0);          /* Everyone */
  aces++;
  put16 (p + acl + 2, off - acl);
  put16 (p + acl + 4, aces);

  put32 (p + 0x04, off);
  off += put_sid (p + off, 5, 32, 2, 544);
  put32 (p + 0x08, off);
  off += put_sid (p + off, 5, 18, 1, 0);
  return off;
}

/* Write the hive bin at hbin (HBIN_SIZE bytes, zeroed), return the
 * hive offset of the root key.
 */
static uint32_t
build_bin (uint8_t *hbin, const char *rootname, uint64_t filetime)
{
  size_t namelen = strlen (rootname);
  uint32_t nk_off = HBIN_HEADER;
  uint32_t nk_size = cell_round (4 + NK_FIXED + namelen);
  uint32_t sk_off = nk_off + nk_size;
  uint8_t *nk = hbin + nk_off, *sk = hbin + sk_off;
  size_t sd_len;
  uint32_t sk_size, free_off;

  /* Bin header. */
  memcpy (hbin, "hbin", 4);
  put32 (hbin + 0x04, 0);            /* offset of this bin */
  put32 (hbin + 0x08, HBIN_SIZE);
  put64 (hbin + 0x14, filetime);     /* meaningful in the first bin */

  /* Root key node.  A used cell has a negative size. */
  put32 (nk, - (int32_t) nk_size);
  nk += 4;
  memcpy (nk, "nk", 2);
  put16 (nk + 0x02, ROOT_KEY_FLAGS);
  put64 (nk + 0x04, filetime);
  put32 (nk + 0x10, NO_OFFSET);      /* parent: none for the root */
  put32 (nk + 0x1C, NO_OFFSET);      /* subkey list */
  put32 (nk + 0x20, NO_OFFSET);      /* volatile subkey list */
  put32 (nk + 0x28, NO_OFFSET);      /* value list */
  put32 (nk + 0x2C, sk_off);         /* security cell */
  put32 (nk + 0x30, NO_OFFSET);      /* class name */
  put16 (nk + 0x48, namelen);
  memcpy (nk + NK_FIXED, rootname, namelen); /* Latin-1, COMP_NAME */

  /* Security cell: the only one, so the list links to itself. */
  sd_len = put_security_descriptor (sk + 4 + SK_FIXED);
  sk_size = cell_round (4 + SK_FIXED + sd_len);
  put32 (sk, - (int32_t) sk_size);
  sk += 4;
  memcpy (sk, "sk", 2);
  put32 (sk + 0x04, sk_off);         /* flink */
  put32 (sk + 0x08, sk_off);         /* blink */
  put32 (sk + 0x0C, 1);              /* reference count: the root key */
  put32 (sk + 0x10, sd_len);

  /* The rest of the bin is one free cell (positive size). */
  free_off = sk_off + sk_size;
  put32 (hbin + free_off, HBIN_SIZE - free_off);

  return nk_off;
}

/* XOR of the first 127 dwords of the base block. */
static uint32_t
base_block_checksum (const uint8_t *base)
{
  uint32_t sum = 0;
  size_t i;

  for (i = 0; i < 0x1FC; i += 4)
    sum ^= get32 (base + i);
  return sum;
}

/* Fill in the base block. */
static void
build_base_block (uint8_t *base, uint32_t root_off, uint64_t filetime,
                  const char *filename)
{
  size_t i, n = strlen (filename);
  uint32_t sum;

  memcpy (base, "regf", 4);
  put32 (base + 0x04, 1);            /* primary sequence number */
  put32 (base + 0x08, 1);            /* secondary: equal, hive is clean */
  put32 (base + 0x14, 1);            /* major version */
  put32 (base + 0x18, 5);            /* minor version */
  put32 (base + 0x1C, 0);            /* file type: primary */
  put32 (base + 0x20, 1);            /* file format: direct memory load */
  put32 (base + 0x24, root_off);
  put32 (base + 0x28, HBIN_SIZE);    /* hive bins data size */
  put32 (base + 0x2C, 1);            /* clustering factor */
  /* 0x30: the last 31 characters of the file name, UTF-16LE. */
  if (n > 31) {
    filename += n - 31;
    n = 31;
  }
  for (i = 0; i < n; ++i)
    put16 (base + 0x30 + 2 * i, (uint8_t) filename[i]);

  /* Windows replaces a checksum of 0 by 1 and of -1 by -2, hivex does
   * not: avoid both values by nudging the timestamp.
   */
  for (;;) {
    put64 (base + 0x0C, filetime);
    sum = base_block_checksum (base);
    if (sum != 0 && sum != 0xFFFFFFFF)
      break;
    filetime++;
  }
  put32 (base + 0x1FC, sum);
}

/* The time to record: $SOURCE_DATE_EPOCH if set, for reproducible
 * output, else now.  Returned as a Windows FILETIME.
 */
static uint64_t
hive_filetime (void)
{
  const char *sde = getenv ("SOURCE_DATE_EPOCH");
  uint64_t t;

  if (sde && *sde)
    t = strtoull (sde, NULL, 10);
  else
    t = time (NULL);
  return (t + FILETIME_UNIX_EPOCH) * 10000000;
}

/* Check the root key name: Latin-1 with COMP_NAME, but keep to
 * printable ASCII without backslashes, and at most 255 bytes.
 */
static int
valid_root_name (const char *name)
{
  size_t n = strlen (name);
  const char *p;

  if (n == 0 || n > 255)
    return 0;
  for (p = name; *p; ++p)
    if (*p < 0x20 || *p > 0x7e || *p == '\\')
      return 0;
  return 1;
}

/* Write the whole buffer to a new file. */
static void
write_file (const char *path, const uint8_t *buf, size_t len)
{
  int fd;
  ssize_t r;

  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1) {
    fprintf (stderr, "%s: %s: %s\n", prog, path, strerror (errno));
    exit (EXIT_FAILURE);
  }
  while (len > 0) {
    r = write (fd, buf, len);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      fprintf (stderr, "%s: write: %s: %s\n", prog, path, strerror (errno));
      exit (EXIT_FAILURE);
    }
    buf += r;
    len -= r;
  }
  if (close (fd) == -1) {
    fprintf (stderr, "%s: close: %s: %s\n", prog, path, strerror (errno));
    exit (EXIT_FAILURE);
  }
}

/* Print the usage message and exit. */
static void __attribute__ ((noreturn))
usage (FILE *fp, int status)
{
  fprintf (fp,
           "usage: %s OUTPUT [ROOTNAME]\n"
           "Write an empty registry hive (one root key named ROOTNAME,\n"
           "default \"ROOT\") to OUTPUT, for hivexregedit --merge.\n",
           prog);
  exit (status);
}

int
main (int argc, char *argv[])
{
  static uint8_t hive[HIVE_SIZE];
  const char *output, *rootname = "ROOT", *base;
  uint64_t filetime;
  uint32_t root_off;

  if (argc == 2 &&
      (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    usage (stdout, EXIT_SUCCESS);
  if (argc < 2 || argc > 3)
    usage (stderr, EXIT_FAILURE);
  output = argv[1];
  if (argc == 3)
    rootname = argv[2];
  if (!valid_root_name (rootname)) {
    fprintf (stderr, "%s: invalid root key name: %s\n", prog, rootname);
    exit (EXIT_FAILURE);
  }

  filetime = hive_filetime ();
  root_off = build_bin (hive + BASE_BLOCK_SIZE, rootname, filetime);
  base = strrchr (output, '/');
  base = base ? base + 1 : output;
  build_base_block (hive, root_off, filetime, base);
  write_file (output, hive, sizeof hive);
  exit (EXIT_SUCCESS);
}
