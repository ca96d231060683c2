/* winvirtio tests: a freelocale that does nothing, preloaded into
 * nbdkit after the sanitizer runtimes (tests/nbdkit-sanitizers.in).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * With ASan preloaded into Debian 12's nbdkit (glibc 2.36), a message
 * with %m or a dlerror leaves glibc's internal __libc_setlocale_lock
 * with one reader too few (its reader count wraps to -1; the same
 * glibc-internal lock corruption as llvm-project issue #49223, where
 * textdomain hangs under a preloaded ASan).  Nothing notices until
 * exit: libp11-kit (pulled in by gnutls) frees its message locale in
 * its destructor, freelocale takes that lock for writing, and nbdkit
 * hangs for ever after printing its error, with a single thread.  No
 * nbdkit, gnutls or p11-kit setting avoids it (--tls=off still loads
 * p11-kit; LC_ALL=C still hangs).  Skipping that one free at exit is
 * harmless: the process is ending, and leak checking is off here.
 */

#include <locale.h>

void
freelocale (locale_t locale)
{
  (void) locale;
}
