/* nbdkit-vmdk-plugin: a small cache of inflated grains.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef VMDK_GRAIN_CACHE_H
#define VMDK_GRAIN_CACHE_H

#include <stdbool.h>
#include <stdint.h>

/* Largest grain the cache keeps (bytes). */
#define GRAIN_CACHE_MAX_GRAIN (256 * 1024)

/* If grain GRAIN of the extent numbered ID is cached and at least
 * IN + N bytes long, copy its bytes [IN, IN+N) to P and return true.
 * Thread safe.
 */
extern bool grain_cache_get (uint64_t id, uint64_t grain, uint64_t in,
                             uint64_t n, void *p);

/* Keep a copy of the inflated grain DATA (LEN bytes, at most
 * GRAIN_CACHE_MAX_GRAIN), replacing what its slot held.  Does nothing
 * if memory is short.  Thread safe.
 */
extern void grain_cache_put (uint64_t id, uint64_t grain,
                             const void *data, uint64_t len);

/* Free the cache (at unload). */
extern void grain_cache_free (void);

#endif /* VMDK_GRAIN_CACHE_H */
