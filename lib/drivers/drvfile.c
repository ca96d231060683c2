/* winvirtio: the files of a driver package are checked before they
 * are used.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A driver source can hold anything: a truncated download, an empty
 * file left by a failed copy, the i386 folder copied into amd64.
 * Replacing a guest's working boot driver with such a file leaves a
 * guest that does not boot, so every package winvirtio installs is
 * checked when it is loaded (pkg-load.c, for the planner, and so for
 * "winvirtio map", the filter and inspect's verdict), and a file that
 * fails is a refusal naming it:
 *
 *   .sys       a PE image (pecheck.h) for this Windows' machine, with
 *              the native subsystem (a kernel-mode driver)
 *   .dll .exe  a PE image for this Windows' machine
 *   .cat       a DER PKCS#7 SignedData with a signer (catalog.h)
 *
 * Other files (.inf, parsed on its own; .pdb, never installed) are
 * not checked here.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "drivers/catalog.h"
#include "drivers/drvfile.h"
#include "drivers/pecheck.h"

#define WHAT_TO_DO "use an intact virtio-win release"

static bool
has_ext (const char *name, const char *ext)
{
  const char *e = strrchr (name, '.');

  return e && strcasecmp (e, ext) == 0;
}

/* A .sys (native) or .dll/.exe. */
static int
check_pe (const char *path, const uint8_t *data, size_t len,
          const struct wv_windows *w, bool native)
{
  struct wv_pe_info info;
  char why[256];
  int r;

  r = wv_pe_check (data, len, wv_pe_machine_of_arch (w->arch), native,
                   &info, why, sizeof why);
  if (r == -2)
    wv_error ("%s is a PE image for %s, not for this %s Windows; %s",
              path, why + strlen ("it is a PE image for "), w->arch,
              WHAT_TO_DO);
  else if (r == -1)
    wv_error ("%s is not a %s: %s; %s", path,
              native ? "driver" : "PE image", why, WHAT_TO_DO);
  return r == 0 ? 0 : -1;
}

int
wv_drvfile_check (const char *path, const char *name, const uint8_t *data,
                  size_t len, const struct wv_windows *w,
                  struct wv_catalog_signer *signer)
{
  struct wv_catalog_signer s;
  char why[512];

  if (has_ext (name, ".sys"))
    return check_pe (path, data, len, w, true);
  if (has_ext (name, ".dll") || has_ext (name, ".exe"))
    return check_pe (path, data, len, w, false);
  if (!has_ext (name, ".cat"))
    return 0;
  if (wv_catalog_check (data, len, &s, why, sizeof why) == -1) {
    wv_error ("%s is not a signed catalog (PKCS#7 SignedData): %s; %s",
              path, why, WHAT_TO_DO);
    return -1;
  }
  if (signer)
    *signer = s;
  else
    wv_catalog_signer_free (&s);
  return 0;
}

int
wv_drvfile_check_pkg (struct wv_pkg_info *info, const struct wv_windows *w)
{
  struct wv_catalog_signer first = { 0 }, named = { 0 };
  size_t i;
  int r = -1;

  for (i = 0; i < info->nr_files; ++i) {
    const struct wv_pkg_file *f = &info->files[i];
    struct wv_catalog_signer s = { 0 };

    if (wv_drvfile_check (f->from, f->name, f->data, f->len, w, &s) == -1)
      goto out;
    if (s.subject == NULL)
      continue;
    if (info->catalog && named.subject == NULL &&
        strcasecmp (f->name, info->catalog) == 0)
      named = s;
    else if (first.subject == NULL)
      first = s;
    else
      wv_catalog_signer_free (&s);
  }
  if (named.subject == NULL) {
    named = first;
    memset (&first, 0, sizeof first);
  }
  info->signer = named.subject;
  info->signer_issuer = named.issuer;
  info->signer_kind = named.kind;
  info->signer_score = named.subject ? named.score :
    WV_SIGNERSCORE_AUTHENTICODE;
  memset (&named, 0, sizeof named);
  r = 0;

 out:
  wv_catalog_signer_free (&first);
  wv_catalog_signer_free (&named);
  return r;
}
