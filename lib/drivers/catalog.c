/* winvirtio: is a driver package's catalog (.cat) a signed PKCS#7
 * SignedData, who signed it, and the SignerScore Windows would give
 * that signer.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A catalog is a DER PKCS#7 SignedData (its content a certificate
 * trust list of the package's file hashes).  GnuTLS parses it; we only
 * ask it for the first SignerInfo and the certificates, and find the
 * signer's certificate: the one whose issuer and serial number (or
 * subject key identifier) are the SignerInfo's, else the first one.
 *
 * The signature and the chain are NOT verified: winvirtio has no
 * Microsoft root certificates, and a Windows guest verifies the
 * catalog itself when it installs or loads the driver (kernel-mode
 * code signing).  The check refuses what cannot be a catalog (an empty
 * file, text, a truncated or damaged copy, DER that is not SignedData,
 * a SignedData without a signer or certificate); the names are what
 * the certificate claims.
 *
 * The SignerScore.  Windows ranks driver packages for a device by a
 * rank 0xSSGGTHHH whose top byte is the signature score, lower is
 * better ("Signature Score (Windows Vista and later)",
 * learn.microsoft.com/windows-hardware/drivers/install/
 * signature-score--windows-vista-and-later-); the setupapi.h
 * constants ("Signature Score Constants", SIGNERSCORE_*) are
 * 0x0D000005 WHQL, 0x0D000004 UNCLASSIFIED ("an unspecified Microsoft
 * signature", "Driver Rank Information in the SetupAPI Log"),
 * 0x0D000003 INBOX, 0x0F000000 AUTHENTICODE (a third-party signature),
 * 0x80000000 UNSIGNED; the low bits are an indicator that does not
 * change the rank.  A real Windows 10 stores 0x0D000005 for WHQL OEM
 * packages and 0x0D000003 for inbox ones (driverstore.c).  Microsoft
 * signs both WHQL (HLK-tested) and attestation-signed packages as
 * "Microsoft Windows Hardware Compatibility Publisher", issued by
 * "Microsoft Windows Third Party Component CA 2012" or "... 2014"; the
 * signer certificate's EKU tells them apart ("How to validate the
 * Microsoft signature", learn.microsoft.com/windows-hardware/drivers/
 * dashboard/code-signing-validate): Windows Hardware Driver
 * Verification 1.3.6.1.4.1.311.10.3.5 for WHQL, Windows Hardware
 * Driver Attested Verification 1.3.6.1.4.1.311.10.3.5.1 for
 * attestation (looked for first: an attestation certificate may carry
 * both).  So:
 *
 *   that signer and issuer, attested EKU  attestation   0x0D000004
 *   that signer and issuer, WHQL EKU      WHQL          0x0D000005
 *   anyone else (Red Hat's own signature  Authenticode  0x0F000000
 *   of older virtio-win drivers, a test
 *   certificate), or either EKU missing
 *
 * 0x0F000000 is also what winvirtio wrote before it read catalogs, and
 * what a package without a catalog gets.  Since the chain is not
 * verified, a forged "Microsoft" certificate could at most rank the
 * package with Microsoft-signed ones for the same VirtIO IDs; Windows
 * still refuses to load a driver whose signature is not valid.
 */

#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>

#include "drivers/catalog.h"
#include "drivers/pecheck.h"

#define MS_SIGNER "Microsoft Windows Hardware Compatibility Publisher"
#define MS_ISSUER "Microsoft Windows Third Party Component CA"
#define OID_EKU_WHQL "1.3.6.1.4.1.311.10.3.5"
#define OID_EKU_ATTESTED "1.3.6.1.4.1.311.10.3.5.1"
#define MAX_NAME 256

/* A name for messages and the registry: printable ASCII and UTF-8
 * kept, control characters as '?', at most MAX_NAME bytes.
 */
static char *
printable (const char *s, size_t n)
{
  char *r;
  size_t i;

  if (n > MAX_NAME)
    n = MAX_NAME;
  r = malloc (n + 1);
  if (r == NULL)
    return NULL;
  for (i = 0; i < n; ++i)
    r[i] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  r[n] = '\0';
  return r;
}

/* The CN of crt's subject (issuer if set), or its whole DN. */
static char *
name_of (gnutls_x509_crt_t crt, bool issuer)
{
  char buf[1024];
  size_t size = sizeof buf;
  gnutls_datum_t dn = { NULL, 0 };
  char *r;
  int e;

  e = issuer ?
    gnutls_x509_crt_get_issuer_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME,
                                          0, 0, buf, &size) :
    gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
                                   buf, &size);
  if (e == 0)
    return printable (buf, strnlen (buf, size));
  e = issuer ? gnutls_x509_crt_get_issuer_dn3 (crt, &dn, 0) :
    gnutls_x509_crt_get_dn3 (crt, &dn, 0);
  if (e < 0)
    return strdup ("(no name)");
  r = printable ((const char *) dn.data, dn.size);
  gnutls_free (dn.data);
  return r;
}

/* Has crt the extended key usage oid? */
static bool
has_eku (gnutls_x509_crt_t crt, const char *oid)
{
  char buf[128];
  unsigned i;

  for (i = 0; i < 64; ++i) {
    size_t size = sizeof buf;
    int e = gnutls_x509_crt_get_key_purpose_oid (crt, i, buf, &size, NULL);

    if (e == GNUTLS_E_SHORT_MEMORY_BUFFER)
      continue;
    if (e < 0)
      return false;
    if (strcmp (buf, oid) == 0)
      return true;
  }
  return false;
}

/* The datums equal, leading zero bytes aside (serial numbers)? */
static bool
same_int (const unsigned char *a, size_t na, const unsigned char *b,
          size_t nb)
{
  while (na > 1 && a[0] == 0)
    a++, na--;
  while (nb > 1 && b[0] == 0)
    b++, nb--;
  return na == nb && memcmp (a, b, na) == 0;
}

/* Is crt the one the SignerInfo names? */
static bool
is_signer (gnutls_x509_crt_t crt, const gnutls_pkcs7_signature_info_st *si)
{
  unsigned char buf[128];
  size_t size = sizeof buf;
  unsigned int critical;
  gnutls_datum_t dn = { NULL, 0 };
  bool r = false;

  if (si->issuer_keyid.size > 0) {
    if (gnutls_x509_crt_get_subject_key_id (crt, buf, &size,
                                            &critical) == 0)
      return size == si->issuer_keyid.size &&
        memcmp (buf, si->issuer_keyid.data, size) == 0;
    return false;
  }
  if (gnutls_x509_crt_get_serial (crt, buf, &size) < 0 ||
      !same_int (buf, size, si->signer_serial.data, si->signer_serial.size))
    return false;
  if (gnutls_x509_crt_get_raw_issuer_dn (crt, &dn) < 0)
    return false;
  r = dn.size == si->issuer_dn.size &&
    memcmp (dn.data, si->issuer_dn.data, dn.size) == 0;
  gnutls_free (dn.data);
  return r;
}

/* Import certificate idx of p7 into *crt_r. */
static int
get_crt (gnutls_pkcs7_t p7, unsigned idx, gnutls_x509_crt_t *crt_r)
{
  gnutls_datum_t raw = { NULL, 0 };
  int e;

  e = gnutls_pkcs7_get_crt_raw2 (p7, idx, &raw);
  if (e < 0)
    return e;
  e = gnutls_x509_crt_init (crt_r);
  if (e == 0) {
    e = gnutls_x509_crt_import (*crt_r, &raw, GNUTLS_X509_FMT_DER);
    if (e < 0)
      gnutls_x509_crt_deinit (*crt_r);
  }
  gnutls_free (raw.data);
  return e;
}

/* The signer's certificate among the n of p7: the one the SignerInfo
 * names, else the first one that can be read.
 */
static int
find_signer (gnutls_pkcs7_t p7, unsigned n,
             const gnutls_pkcs7_signature_info_st *si,
             gnutls_x509_crt_t *crt_r)
{
  gnutls_x509_crt_t first = NULL, crt;
  int e = GNUTLS_E_CERTIFICATE_ERROR;
  unsigned i;

  for (i = 0; i < n; ++i) {
    e = get_crt (p7, i, &crt);
    if (e < 0)
      continue;
    if (is_signer (crt, si)) {
      if (first)
        gnutls_x509_crt_deinit (first);
      *crt_r = crt;
      return 0;
    }
    if (first == NULL)
      first = crt;
    else
      gnutls_x509_crt_deinit (crt);
  }
  if (first == NULL)
    return e;
  *crt_r = first;
  return 0;
}

/* Who signed, and the score (see the table at the top). */
static int
describe_signer (gnutls_x509_crt_t crt, struct wv_catalog_signer *s)
{
  s->subject = name_of (crt, false);
  s->issuer = name_of (crt, true);
  if (s->subject == NULL || s->issuer == NULL)
    return -1;
  s->kind = "Authenticode";
  s->score = WV_SIGNERSCORE_AUTHENTICODE;
  if (strcmp (s->subject, MS_SIGNER) != 0 ||
      strncmp (s->issuer, MS_ISSUER, strlen (MS_ISSUER)) != 0)
    return 0;
  if (has_eku (crt, OID_EKU_ATTESTED)) {
    s->kind = "attestation";
    s->score = WV_SIGNERSCORE_UNCLASSIFIED;
  }
  else if (has_eku (crt, OID_EKU_WHQL)) {
    s->kind = "WHQL";
    s->score = WV_SIGNERSCORE_WHQL;
  }
  return 0;
}

/* The SignedData p7: its first signer, its certificates. */
static int
check_signed (gnutls_pkcs7_t p7, struct wv_catalog_signer *s, char *why,
              size_t whylen)
{
  gnutls_pkcs7_signature_info_st si;
  gnutls_x509_crt_t crt = NULL;
  int e, n;

  n = gnutls_pkcs7_get_signature_count (p7);
  if (n <= 0) {
    snprintf (why, whylen, "it has no signer");
    return -1;
  }
  memset (&si, 0, sizeof si);
  e = gnutls_pkcs7_get_signature_info (p7, 0, &si);
  if (e < 0) {
    snprintf (why, whylen, "its signer cannot be read: GnuTLS: %s",
              gnutls_strerror (e));
    return -1;
  }
  n = gnutls_pkcs7_get_crt_count (p7);
  if (n <= 0) {
    gnutls_pkcs7_signature_info_deinit (&si);
    snprintf (why, whylen, "it holds no certificate, so its signer "
              "cannot be named");
    return -1;
  }
  e = find_signer (p7, n, &si, &crt);
  gnutls_pkcs7_signature_info_deinit (&si);
  if (e < 0) {
    snprintf (why, whylen, "none of its %d certificates can be read: "
              "GnuTLS: %s", n, gnutls_strerror (e));
    return -1;
  }
  e = describe_signer (crt, s);
  gnutls_x509_crt_deinit (crt);
  if (e == -1) {
    snprintf (why, whylen, "out of memory");
    return -1;
  }
  return 0;
}

int
wv_catalog_check (const uint8_t *data, size_t len, struct wv_catalog_signer *s,
                  char *why, size_t whylen)
{
  gnutls_pkcs7_t p7;
  gnutls_datum_t d;
  int e, r;

  memset (s, 0, sizeof *s);
  if (len == 0) {
    snprintf (why, whylen, "0 bytes");
    return -1;
  }
  if (len > WV_PE_MAX_SIZE || len > 0xffffffff) {
    snprintf (why, whylen, "%zu bytes, more than the %" PRIu64 " MiB a "
              "driver file may have", len, WV_PE_MAX_SIZE >> 20);
    return -1;
  }
  e = gnutls_pkcs7_init (&p7);
  if (e < 0) {
    snprintf (why, whylen, "GnuTLS: %s", gnutls_strerror (e));
    return -1;
  }
  d.data = (unsigned char *) data;
  d.size = len;
  e = gnutls_pkcs7_import (p7, &d, GNUTLS_X509_FMT_DER);
  if (e < 0) {
    snprintf (why, whylen, "GnuTLS: %s", gnutls_strerror (e));
    r = -1;
  }
  else
    r = check_signed (p7, s, why, whylen);
  gnutls_pkcs7_deinit (p7);
  if (r == -1) {
    size_t n = strlen (why);

    /* GnuTLS's messages end with a full stop; ours go on after why. */
    if (n > 0 && why[n - 1] == '.')
      why[n - 1] = '\0';
    wv_catalog_signer_free (s);
  }
  return r;
}

void
wv_catalog_signer_free (struct wv_catalog_signer *s)
{
  free (s->subject);
  free (s->issuer);
  memset (s, 0, sizeof *s);
}
