/* nbdkit-vmdk-plugin: a small cache of inflated grains.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A request smaller than a compressed grain (streamOptimized: 64 KiB)
 * must inflate the whole grain to return part of it, so a client
 * reading 4 KiB at a time inflated every grain 16 times.  This cache
 * keeps the last inflated grains, in SLOTS slots chosen by a hash of
 * (extent, grain), each with its own mutex: there is no global lock,
 * and a hit is one memcpy.  Requests that cover whole grains inflate
 * straight into the reply and never come here (sparse.c).  Extents
 * are named by a number that is never reused, so a cached grain can
 * never be served for another extent opened later at the same
 * address.
 */

#include <config.h>

#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>

#include "grain-cache.h"

#define SLOTS 64

struct slot {
  pthread_mutex_t lock;
  uint64_t id;                  /* 0: empty (extent ids start at 1) */
  uint64_t grain;
  uint64_t len;
  unsigned char *data;          /* GRAIN_CACHE_MAX_GRAIN bytes or NULL */
};

static struct slot slots[SLOTS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Initialize the slot mutexes. */
static void
init (void)
{
  size_t i;

  for (i = 0; i < SLOTS; i++)
    pthread_mutex_init (&slots[i].lock, NULL);
}

/* The slot of (ID, GRAIN). */
static struct slot *
slot_of (uint64_t id, uint64_t grain)
{
  uint64_t h = (grain ^ (id * UINT64_C (0x9e3779b97f4a7c15))) *
    UINT64_C (0xff51afd7ed558ccd);

  pthread_once (&once, init);
  return &slots[(h >> 32) % SLOTS];
}

/* Look up a grain. */
bool
grain_cache_get (uint64_t id, uint64_t grain, uint64_t in, uint64_t n,
                 void *p)
{
  struct slot *s = slot_of (id, grain);
  bool hit;

  pthread_mutex_lock (&s->lock);
  hit = s->id == id && s->grain == grain && s->data &&
    in <= s->len && n <= s->len - in;
  if (hit)
    memcpy (p, s->data + in, n);
  pthread_mutex_unlock (&s->lock);
  return hit;
}

/* Keep a grain. */
void
grain_cache_put (uint64_t id, uint64_t grain, const void *data,
                 uint64_t len)
{
  struct slot *s = slot_of (id, grain);

  if (len > GRAIN_CACHE_MAX_GRAIN)
    return;
  pthread_mutex_lock (&s->lock);
  if (s->data == NULL)
    s->data = malloc (GRAIN_CACHE_MAX_GRAIN);
  if (s->data) {
    memcpy (s->data, data, len);
    s->id = id;
    s->grain = grain;
    s->len = len;
  }
  pthread_mutex_unlock (&s->lock);
}

/* Free the slots. */
void
grain_cache_free (void)
{
  size_t i;

  pthread_once (&once, init);
  for (i = 0; i < SLOTS; i++) {
    pthread_mutex_lock (&slots[i].lock);
    free (slots[i].data);
    slots[i].data = NULL;
    slots[i].id = 0;
    pthread_mutex_unlock (&slots[i].lock);
  }
}
