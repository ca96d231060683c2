/* winvirtio: driver packages registered offline the way Windows'
 * own installer leaves them.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * What a real Windows 10 leaves, measured on the SYSTEM hive of a
 * Windows 10 20H2 x64 VMware guest (corpus hives/dissect.regf,
 * read with hivex; the numbers are from that hive).  Its pvscsi
 * package (oem5.inf) is incomplete (VMware Tools half removed: no
 * Configurations or Descriptors, a Services\pvscsi key without
 * values), so the shape below is that of the complete OEM packages
 * there (vmci = oem2.inf, a boot-start bus driver; vmmouse =
 * oem7.inf; vmusbmouse = oem6.inf), checked against the inbox storage
 * packages (lsi_sas, stornvme):
 *
 * DriverDatabase (root of the hive):
 *   Architecture DWORD 9 (PROCESSOR_ARCHITECTURE_AMD64; 0 x86, 12
 *   ARM64), OemInfMap BINARY: a bitmap of the oem<N>.inf numbers in
 *   use, most significant bit first (ff 80 = oem0..oem8).  It is how
 *   Windows picks the next number, so a new oem<N>.inf sets bit N.
 *
 * DriverInfFiles\oem2.inf:
 *   (default) MULTI_SZ  "vmci.inf_amd64_5e38a278d114b813"
 *   Active    SZ        the same
 *   Configurations MULTI_SZ "vmci.install.x64.NT" (the install
 *             section named by the models lines; absent when the
 *             package has no device configuration, like efifw)
 *
 * DriverPackages\vmci.inf_amd64_5e38a278d114b813 (<inf>_<arch>_<16
 * hex digits>; the digits are a hash Windows does not document):
 *   (default) SZ oem2.inf        InfName SZ vmci.inf
 *   Provider SZ "VMware, Inc."   Catalog SZ vmci.cat
 *   SignerName SZ, SignerScore DWORD (0x0d000005 WHQL, 0x0d000003
 *   inbox), StatusFlags DWORD (0x12 for most OEM packages, 0x112,
 *   0x116; undocumented), ImportDate BINARY 8 (a FILETIME), OemPath
 *   SZ (the folder it was installed from), and
 *   Version BINARY 48, decoded on all 239 packages of the hive:
 *     0     1  00 for an OEM package, ff for an inbox one
 *     1     1  ff
 *     2     2  architecture (9), as DriverDatabase\Architecture
 *     4     4  0
 *     8    16  ClassGuid, binary (Data1-3 little endian)
 *     24    8  DriverVer date, FILETIME (midnight UTC)
 *     32    8  DriverVer version, a.b.c.d as a little-endian
 *              64-bit quad (a << 48 | b << 32 | c << 16 | d)
 *     40    8  0 (5 inbox packages have a bit set here)
 *   Built again from the decoded class, date and version by the code
 *   below, the pvscsi, vmci and vmmouse values come out byte for
 *   byte; the dates are plausible DriverVer dates (midnight) and the
 *   versions those of the drivers' releases (vmci 9.8.16.0).
 *   e.g. pvscsi: 00ff0900 00000000 <SCSIAdapter guid> 00c0b6192f3ad701
 *   (2021-04-26) 0000110003000100 (1.3.17.0) 0000000000000000.
 *   Configurations\<conf>: Service SZ, ConfigFlags DWORD 0,
 *     ConfigScope DWORD 7; IncludedInfs MULTI_SZ for an Include=.
 *     Subkeys Device\... (the .HW AddReg, HKR = the device key),
 *     Driver\... (the install section's AddReg) and Services\<svc>\...
 *     (the service install section's AddReg, HKR = the service key;
 *     lsi_sas: Services\LSI_SAS\Parameters\PnpInterface "5"=1).
 *     In these, an AddReg line is stored with its INF flags: a
 *     key-only line (FLG_ADDREG_KEYONLY, 0x10) as a value named
 *     "0x00000010" (SZ "") in the key, and a value's type is its
 *     REG_* type ORed with its other flags shifted up 16 bits
 *     (FLG_ADDREG_NOCLOBBER: 0x00020004 for a DWORD).
 *   Descriptors\<enumerator>\<rest of the ID> (PCI\VEN_15AD&DEV_0740):
 *     Configuration SZ <conf>, Manufacturer SZ "%token%",
 *     Description SZ "%token%" (lower-case INF string keys), and
 *   Strings: those keys (lower case) and their text.
 *
 * DeviceIds\<enumerator>\<rest of the ID>: a value named after the
 *   published INF, BINARY 4: byte 0 is 1 for a hardware ID (the first
 *   ID of a models line) and 2 for a compatible ID, byte 1 the
 *   FeatureScore (ff by default), then 00 00.  vmci: PCI\VEN_15AD&
 *   DEV_0740&SUBSYS_074015AD 01ff0000, PCI\VEN_15AD&DEV_0740
 *   02ff0000.
 * DeviceIds\{class guid, lower case}: the same value name, REG_NONE,
 *   empty (oem5.inf under {4d36e97b-...}).
 *
 * Services\vmci (OEM boot driver): Type 1, Start 0, ErrorControl,
 *   Group, ImagePath EXPAND_SZ "System32\drivers\vmci.sys" (the
 *   ServiceBinary %12%\vmci.sys as Windows writes it), Owners
 *   MULTI_SZ "oem2.inf", DisplayName "@oem2.inf,%key%;text", Tag
 *   (assigned by Windows), plus the service AddReg (LSI_SAS:
 *   Parameters\BusType, Parameters\PnpInterface).  Inbox boot
 *   storage drivers that no device uses have StartOverride\0 = 3
 *   (LSI_SAS): that is what keeps a boot driver from loading.
 * Control\CriticalDeviceDatabase does not exist on Windows 10.
 *
 * What winvirtio writes, from the package's INF (see wv_pkg_info):
 * all of the above except OemPath, Tag, the Properties
 * key (a catalog signature cache) and the Strings key (the
 * descriptors' Manufacturer and Description are the INF's text with
 * its strings substituted, which the parser gives: Windows reads the
 * device's name from the INF itself when it installs it).  SignerName
 * is the CN of the catalog's signer and SignerScore the score Windows
 * gives that signer (drivers/catalog.c has the mapping and its sources:
 * 0x0d000005 WHQL, 0x0d000004 attestation-signed, 0x0f000000
 * Authenticode); the catalog is checked to be signed SignedData
 * (drivers/drvfile.c) but its chain is not verified.  The service's
 * DisplayName and event log key are written by services.c, and
 * DriverDatabase\UpdateDate (BINARY 8, a FILETIME: e0 72 fe 11 55 86
 * d8 01 on the real Windows 10) is set to the time of our changes
 * when a package is registered (wv_driverstore_set_update_date).  A package without a
 * catalog gets no SignerName and SignerScore 0x0f000000
 * (Authenticode), the lowest score of a signed package, as every
 * package did before catalogs were read: it can only lose a ranking
 * to a better signed driver, never win one it should not.
 * StatusFlags 0x12 (as vmci); ImportDate the time of our changes.
 * The folder hash is the first 8 bytes of a SHA-256 of the package's
 * files (each file's lower-case name, a NUL, its length as 8 bytes
 * little endian, its bytes; inf first, then the others in order of
 * name), so the same package always lands in the same folder and a
 * second run finds it.
 * Windows' own hash is unknown, and nothing in Windows recomputes it.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>

#include <hivex.h>
#include <nettle/sha2.h>

#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "convert/driverstore.h"
#include "registry/hive-lookup.h"
#include "registry/regedit.h"
#include "registry/windows.h"

#define SIGNER_SCORE_AUTHENTICODE 0x0f000000
#define STATUS_FLAGS 0x12
#define CONFIG_SCOPE 7
#define FLG_ADDREG_BINVALUETYPE 0x1
#define FLG_ADDREG_KEYONLY 0x10

/* Windows' architecture name in package folder names, and its
 * PROCESSOR_ARCHITECTURE number (DriverDatabase\Architecture).
 */
static const char *
package_arch (const struct wv_windows *w)
{
  if (strcmp (w->arch, "x86") == 0) return "x86";
  if (strcasecmp (w->arch, "ARM64") == 0) return "arm64";
  return "amd64";
}

static unsigned
arch_number (const struct wv_windows *w)
{
  if (strcmp (w->arch, "x86") == 0) return 0;
  if (strcasecmp (w->arch, "ARM64") == 0) return 12;
  return 9;
}

/* Order of files in the hash: inf first, then by lower-case name. */
static int
compare_files (const void *a, const void *b)
{
  const struct wv_pkg_file *const *fa = a, *const *fb = b;
  const char *na = (*fa)->name, *nb = (*fb)->name;
  const char *ea = strrchr (na, '.'), *eb = strrchr (nb, '.');
  bool ia = ea && strcasecmp (ea, ".inf") == 0;
  bool ib = eb && strcasecmp (eb, ".inf") == 0;

  if (ia != ib)
    return ia ? -1 : 1;
  return strcasecmp (na, nb);
}

int
wv_driverstore_folder_name (const struct wv_pkg_info *info,
                            const struct wv_windows *w, char *buf, size_t len)
{
  CLEANUP_FREE const struct wv_pkg_file **order = NULL;
  uint8_t digest[SHA256_DIGEST_SIZE];
  struct sha256_ctx ctx;
  size_t i, j;

  order = calloc (info->nr_files + 1, sizeof *order);
  if (order == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (i = 0; i < info->nr_files; ++i)
    order[i] = &info->files[i];
  if (info->nr_files > 0)
    qsort (order, info->nr_files, sizeof *order, compare_files);

  sha256_init (&ctx);
  for (i = 0; i < info->nr_files; ++i) {
    const struct wv_pkg_file *f = order[i];
    uint8_t le[8];

    for (j = 0; f->name[j]; ++j) {
      uint8_t c = tolower ((unsigned char) f->name[j]);
      sha256_update (&ctx, 1, &c);
    }
    sha256_update (&ctx, 1, (const uint8_t *) "");
    for (j = 0; j < 8; ++j)
      le[j] = (uint64_t) f->len >> (8 * j);
    sha256_update (&ctx, 8, le);
    sha256_update (&ctx, f->len, f->data);
  }
  sha256_digest (&ctx, sizeof digest, digest);
  if ((size_t) snprintf (buf, len, "%s_%s_%02x%02x%02x%02x%02x%02x%02x%02x",
                         info->inf_name, package_arch (w),
                         digest[0], digest[1], digest[2], digest[3],
                         digest[4], digest[5], digest[6], digest[7]) >= len) {
    wv_error ("%s: the package folder name is too long", info->inf_name);
    return -1;
  }
  return 0;
}

/* "{4D36E97B-E325-11CE-BFC1-08002BE10318}" in binary (Data1-3 little
 * endian, as a Windows GUID in memory).  Returns 0 or -1.
 */
static int
guid_bytes (const char *s, uint8_t out[16])
{
  unsigned v[11];
  int n = 0;

  if (sscanf (s, "{%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}%n",
              &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
              &v[8], &v[9], &v[10], &n) != 11 || s[n] != '\0') {
    wv_error ("invalid class GUID %s", s);
    return -1;
  }
  out[0] = v[0]; out[1] = v[0] >> 8; out[2] = v[0] >> 16; out[3] = v[0] >> 24;
  out[4] = v[1]; out[5] = v[1] >> 8;
  out[6] = v[2]; out[7] = v[2] >> 8;
  for (n = 0; n < 8; ++n)
    out[8 + n] = v[3 + n];
  return 0;
}

/* The 48-byte Version value (layout above). */
static int
version_blob (const struct wv_pkg_info *info, const struct wv_windows *w,
              uint8_t out[48])
{
  unsigned arch = arch_number (w);

  memset (out, 0, 48);
  out[0] = 0x00;                /* OEM package */
  out[1] = 0xff;
  out[2] = arch;
  out[3] = arch >> 8;
  if (guid_bytes (info->class_guid, out + 8) == -1)
    return -1;
  put_le64 (out + 24, info->date);
  put_le64 (out + 32, info->version);
  return 0;
}

/* Is (d1, v1) a newer DriverVer than (d2, v2)?  Windows ranks by date,
 * then version.
 */
static bool
newer (uint64_t d1, uint64_t v1, uint64_t d2, uint64_t v2)
{
  return d1 > d2 || (d1 == d2 && v1 > v2);
}

/* "oem12.inf" -> 12, or -1. */
static int
oem_number (const char *name)
{
  char *end;
  long n;

  if (strncasecmp (name, "oem", 3) != 0 || !isdigit ((unsigned char) name[3]))
    return -1;
  n = strtol (name + 3, &end, 10);
  if (strcasecmp (end, ".inf") != 0 || n < 0 || n > 99999)
    return -1;
  return n;
}

/* Bitmap of numbers in use. */
struct used {
  uint8_t bits[100000 / 8 + 1];
};

static void
mark_used (struct used *u, int n)
{
  if (n >= 0)
    u->bits[n / 8] |= 0x80 >> (n % 8);
}

static bool
is_used (const struct used *u, int n)
{
  return u->bits[n / 8] & (0x80 >> (n % 8));
}

int
wv_driverstore_lookup (hive_h *h, const struct wv_windows *w,
                       const struct wv_pkg_info *info, const char *folder,
                       char *const *inf_names, struct wv_driverstore_state *st)
{
  hive_node_h ddb, pkgs, infs, *children;
  CLEANUP_FREE struct used *used = NULL;
  hive_value_h map;
  size_t i;
  int n;

  memset (st, 0, sizeof *st);
  ddb = wv_hive_lookup (h, hivex_root (h), "DriverDatabase");
  if (ddb == 0) {
    wv_error ("the SYSTEM hive has no DriverDatabase");
    return -1;
  }

  /* Installed packages with our INF name. */
  pkgs = wv_hive_lookup (h, ddb, "DriverPackages");
  children = pkgs ? hivex_node_children (h, pkgs) : NULL;
  for (i = 0; children && children[i]; ++i) {
    CLEANUP_FREE char *inf = wv_edit_get_string (h, children[i], "InfName");
    CLEANUP_FREE char *name = hivex_node_name (h, children[i]);
    CLEANUP_FREE char *oem = NULL, *ver = NULL;
    hive_value_h vv;
    hive_type t;
    size_t len;

    if (inf == NULL || name == NULL || strcasecmp (inf, info->inf_name) != 0)
      continue;
    vv = hivex_node_get_value (h, children[i], "Version");
    ver = vv ? hivex_value_value (h, vv, &t, &len) : NULL;
    if (ver == NULL || len < 40)
      continue;
    oem = wv_edit_get_string (h, children[i], "");
    if (strcasecmp (name, folder) == 0) {
      st->same = true;
      if (oem)
        snprintf (st->oem_inf, sizeof st->oem_inf, "%s", oem);
    }
    if (st->installed[0] == '\0' ||
        newer (get_le64 ((uint8_t *) ver + 24), get_le64 ((uint8_t *) ver + 32),
               st->installed_date, st->installed_version)) {
      snprintf (st->installed, sizeof st->installed, "%s", name);
      snprintf (st->installed_oem, sizeof st->installed_oem, "%s",
                oem ? oem : "");
      st->installed_date = get_le64 ((uint8_t *) ver + 24);
      st->installed_version = get_le64 ((uint8_t *) ver + 32);
    }
  }
  free (children);
  if (st->installed[0] &&
      newer (st->installed_date, st->installed_version,
             info->date, info->version))
    st->newer = true;
  if (st->same && st->oem_inf[0])
    return 0;

  /* The next free oem<N>.inf. */
  used = calloc (1, sizeof *used);
  if (used == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  infs = wv_hive_lookup (h, ddb, "DriverInfFiles");
  children = infs ? hivex_node_children (h, infs) : NULL;
  for (i = 0; children && children[i]; ++i) {
    CLEANUP_FREE char *name = hivex_node_name (h, children[i]);

    if (name)
      mark_used (used, oem_number (name));
  }
  free (children);
  map = hivex_node_get_value (h, ddb, "OemInfMap");
  if (map) {
    CLEANUP_FREE char *bits = NULL;
    hive_type t;
    size_t len, b;

    bits = hivex_value_value (h, map, &t, &len);
    for (b = 0; bits && b < len * 8 && b < 100000; ++b)
      if ((uint8_t) bits[b / 8] & (0x80 >> (b % 8)))
        mark_used (used, b);
  }
  for (i = 0; inf_names && inf_names[i]; ++i)
    mark_used (used, oem_number (inf_names[i]));
  for (n = 0; n < 100000 && is_used (used, n); ++n)
    ;
  if (n == 100000) {
    wv_error ("no free oem<N>.inf number in the DriverDatabase");
    return -1;
  }
  snprintf (st->oem_inf, sizeof st->oem_inf, "oem%d.inf", n);
  return 0;
}

/* Lower-case copy. */
static char *
lower (const char *s)
{
  char *r = strdup (s), *p;

  if (r == NULL) {
    wv_error ("strdup: %m");
    return NULL;
  }
  for (p = r; *p; ++p)
    *p = tolower ((unsigned char) *p);
  return r;
}

/* Write AddReg lines below base (a key path) as the DriverDatabase
 * stores them (flags kept, see above).
 */
static int
store_addreg (struct wv_edit *e, const char *base,
              const struct wv_pkg_addreg *a, size_t n)
{
  size_t i;

  for (i = 0; i < n; ++i) {
    CLEANUP_FREE char *where = NULL;
    hive_node_h node;

    if (asprintf (&where, "%s%s%s", base, a[i].subkey[0] ? "\\" : "",
                  a[i].subkey) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    node = wv_edit_path (e, where);
    if (node == 0)
      return -1;
    if (a[i].name == NULL || (a[i].flags & FLG_ADDREG_KEYONLY)) {
      char flag[16];

      snprintf (flag, sizeof flag, "0x%08x", a[i].flags & 0xffff);
      if (wv_edit_string (e, node, where, flag, hive_t_REG_SZ, "") == -1)
        return -1;
    }
    else {
      uint32_t t = a[i].type |
        ((a[i].flags & 0xffff & ~FLG_ADDREG_BINVALUETYPE) << 16);

      if (wv_edit_value (e, node, where, a[i].name, t,
                         a[i].data, a[i].len) == -1)
        return -1;
    }
  }
  return 0;
}

/* Set bit n of DriverDatabase\OemInfMap. */
static int
set_oem_bit (struct wv_edit *e, hive_node_h ddb, int n)
{
  hive_value_h v = hivex_node_get_value (e->h, ddb, "OemInfMap");
  CLEANUP_FREE uint8_t *bits = NULL;
  size_t len = 0, need = n / 8 + 1;
  hive_type t;

  if (v) {
    bits = (uint8_t *) hivex_value_value (e->h, v, &t, &len);
    if (bits == NULL) {
      wv_error ("hivex: cannot read DriverDatabase\\OemInfMap: %m");
      return -1;
    }
  }
  if (len < need) {
    uint8_t *nb = realloc (bits, need);

    if (nb == NULL) {
      wv_error ("realloc: %m");
      return -1;
    }
    memset (nb + len, 0, need - len);
    bits = nb;
    len = need;
  }
  bits[n / 8] |= 0x80 >> (n % 8);
  return wv_edit_value (e, ddb, "DriverDatabase", "OemInfMap",
                        hive_t_REG_BINARY, bits, len);
}

/* DriverPackages\<folder> and its subkeys. */
static int
register_package (struct wv_edit *e, const struct wv_windows *w,
                  const struct wv_pkg_info *info, const char *folder,
                  const char *oem_inf, uint64_t when)
{
  CLEANUP_FREE char *pk = NULL, *conf = NULL, *svc = NULL, *dev = NULL,
    *strs = NULL;
  uint8_t version[48], date[8];
  hive_node_h n;
  size_t i;

  if (asprintf (&pk, "DriverDatabase\\DriverPackages\\%s", folder) == -1 ||
      asprintf (&conf, "%s\\Configurations\\%s", pk, info->conf) == -1 ||
      asprintf (&dev, "%s\\Device", conf) == -1 ||
      asprintf (&svc, "%s\\Services\\%s", conf,
                info->service ? info->service : "") == -1 ||
      asprintf (&strs, "%s\\Strings", pk) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  if (version_blob (info, w, version) == -1)
    return -1;
  put_le64 (date, when);
  if ((n = wv_edit_path (e, pk)) == 0 ||
      wv_edit_string (e, n, pk, "", hive_t_REG_SZ, oem_inf) == -1 ||
      wv_edit_value (e, n, pk, "Version", hive_t_REG_BINARY,
                     version, sizeof version) == -1 ||
      wv_edit_string (e, n, pk, "Provider", hive_t_REG_SZ,
                      info->provider ? info->provider : "") == -1 ||
      wv_edit_string (e, n, pk, "InfName", hive_t_REG_SZ,
                      info->inf_name) == -1 ||
      (info->catalog &&
       wv_edit_string (e, n, pk, "Catalog", hive_t_REG_SZ,
                       info->catalog) == -1) ||
      (info->signer &&
       wv_edit_string (e, n, pk, "SignerName", hive_t_REG_SZ,
                       info->signer) == -1) ||
      wv_edit_dword (e, n, pk, "SignerScore",
                     info->signer_score ? info->signer_score :
                     SIGNER_SCORE_AUTHENTICODE) == -1 ||
      wv_edit_dword (e, n, pk, "StatusFlags", STATUS_FLAGS) == -1)
    return -1;
  /* ImportDate: only when the package is new, so that a second run
   * (with another "when") changes nothing.
   */
  if (hivex_node_get_value (e->h, n, "ImportDate") == 0 &&
      wv_edit_value (e, n, pk, "ImportDate", hive_t_REG_BINARY,
                     date, sizeof date) == -1)
    return -1;

  if ((n = wv_edit_path (e, conf)) == 0 ||
      wv_edit_string (e, n, conf, "Service", hive_t_REG_SZ,
                      info->service ? info->service : "") == -1 ||
      wv_edit_dword (e, n, conf, "ConfigFlags", 0) == -1 ||
      wv_edit_dword (e, n, conf, "ConfigScope", CONFIG_SCOPE) == -1)
    return -1;
  if (info->nr_hw_addreg > 0 &&
      store_addreg (e, dev, info->hw_addreg, info->nr_hw_addreg) == -1)
    return -1;
  if (info->service &&
      ((n = wv_edit_path (e, svc)) == 0 ||
       store_addreg (e, svc, info->svc_addreg, info->nr_svc_addreg) == -1))
    return -1;

  for (i = 0; i < info->nr_ids; ++i) {
    CLEANUP_FREE char *d = NULL;

    if (asprintf (&d, "%s\\Descriptors\\%s", pk, info->ids[i].id) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    if ((n = wv_edit_path (e, d)) == 0 ||
        wv_edit_string (e, n, d, "Configuration", hive_t_REG_SZ,
                        info->conf) == -1 ||
        (info->manufacturer &&
         wv_edit_string (e, n, d, "Manufacturer", hive_t_REG_SZ,
                         info->manufacturer) == -1) ||
        (info->ids[i].desc &&
         wv_edit_string (e, n, d, "Description", hive_t_REG_SZ,
                         info->ids[i].desc) == -1))
      return -1;
  }
  if (info->nr_strings > 0) {
    if ((n = wv_edit_path (e, strs)) == 0)
      return -1;
    for (i = 0; i < info->nr_strings; ++i)
      if (wv_edit_string (e, n, strs, info->string_keys[i], hive_t_REG_SZ,
                          info->string_values[i]) == -1)
        return -1;
  }
  return 0;
}

int
wv_driverstore_register (hive_h *h, const struct wv_windows *w,
                         const struct wv_pkg_info *info, const char *folder,
                         const char *oem_inf, uint64_t when, FILE *log,
                         bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  CLEANUP_FREE char *infkey = NULL, *guid = NULL, *cls = NULL;
  const char *conf = info->conf;
  hive_node_h n, ddb;
  size_t i;

  if (asprintf (&infkey, "DriverDatabase\\DriverInfFiles\\%s", oem_inf) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  guid = lower (info->class_guid);
  if (guid == NULL ||
      asprintf (&cls, "DriverDatabase\\DeviceIds\\%s", guid) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }

  if ((n = wv_edit_path (&e, infkey)) == 0 ||
      wv_edit_multi (&e, n, infkey, "", &folder, 1) == -1 ||
      wv_edit_string (&e, n, infkey, "Active", hive_t_REG_SZ, folder) == -1 ||
      wv_edit_multi (&e, n, infkey, "Configurations", &conf, 1) == -1)
    return -1;
  if (register_package (&e, w, info, folder, oem_inf, when) == -1)
    return -1;

  for (i = 0; i < info->nr_ids; ++i) {
    CLEANUP_FREE char *d = NULL;
    uint8_t rank[4] = { info->ids[i].rank, 0xff, 0, 0 };

    if (asprintf (&d, "DriverDatabase\\DeviceIds\\%s", info->ids[i].id) == -1) {
      wv_error ("asprintf: %m");
      return -1;
    }
    if ((n = wv_edit_path (&e, d)) == 0 ||
        wv_edit_value (&e, n, d, oem_inf, hive_t_REG_BINARY,
                       rank, sizeof rank) == -1)
      return -1;
  }
  if ((n = wv_edit_path (&e, cls)) == 0 ||
      wv_edit_value (&e, n, cls, oem_inf, hive_t_REG_NONE, "", 0) == -1)
    return -1;

  ddb = wv_edit_path (&e, "DriverDatabase");
  if (ddb == 0 || set_oem_bit (&e, ddb, oem_number (oem_inf)) == -1)
    return -1;

  wv_edit_flush (&e);
  if (e.changed)
    *changed_r = true;
  return 0;
}

int
wv_driverstore_set_update_date (hive_h *h, uint64_t when, FILE *log,
                                bool *changed_r)
{
  struct wv_edit e = { .h = h, .what = "SYSTEM hive", .log = log };
  uint8_t date[8];
  hive_node_h ddb;

  put_le64 (date, when);
  ddb = wv_edit_path (&e, "DriverDatabase");
  if (ddb == 0 ||
      wv_edit_value (&e, ddb, "DriverDatabase", "UpdateDate",
                     hive_t_REG_BINARY, date, sizeof date) == -1)
    return -1;
  wv_edit_flush (&e);
  if (e.changed)
    *changed_r = true;
  return 0;
}
