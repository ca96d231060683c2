/* winvirtio: is a driver package's catalog (.cat) a signed PKCS#7
 * SignedData, who signed it, and the SignerScore Windows would give
 * that signer.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_CATALOG_H
#define WINVIRTIO_CATALOG_H

#include <stddef.h>
#include <stdint.h>

/* Signature scores (setupapi.h SIGNERSCORE_*; see catalog.c). */
#define WV_SIGNERSCORE_WHQL         0x0d000005
#define WV_SIGNERSCORE_UNCLASSIFIED 0x0d000004
#define WV_SIGNERSCORE_AUTHENTICODE 0x0f000000

/* Who signed a catalog, as its signer certificate says (the chain is
 * not verified: see catalog.c).
 */
struct wv_catalog_signer {
  char *subject;                /* the signer's CN (or its DN if it has
                                   no CN), printable, malloc'd */
  char *issuer;                 /* its issuer's CN (or DN), likewise */
  const char *kind;             /* "WHQL", "attestation",
                                   "Authenticode" (static) */
  uint32_t score;               /* SignerScore for DriverPackages */
};

/* Parse data (len bytes) as a DER PKCS#7 SignedData with GnuTLS, find
 * its first signer's certificate and fill *s.  Returns 0, or -1 with
 * why (one line without the file's name: "0 bytes", "GnuTLS: ...",
 * "it has no signer") written into why[0..whylen-1].  Never calls
 * wv_error: the caller names the file.  Free *s with
 * wv_catalog_signer_free.
 */
extern int wv_catalog_check (const uint8_t *data, size_t len,
                             struct wv_catalog_signer *s, char *why,
                             size_t whylen);

extern void wv_catalog_signer_free (struct wv_catalog_signer *s);

#endif /* WINVIRTIO_CATALOG_H */
