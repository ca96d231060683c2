/* winvirtio: replaying a dirty registry hive's transaction logs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Base block (4096 bytes in a hive, the first 512 in a log): "regf",
 * primary sequence number at 4, secondary at 8, last written time at
 * 12, major/minor version at 20/24, file type at 28 (0 hive, 1 or 2
 * old log, 6 new log), format at 32, root cell at 36, hive bins data
 * size at 40, clustering factor at 44, flags at 0x90, last
 * reorganized time at 0xa8, checksum at 0x1fc.
 *
 * Old log: base block, then at 512 "DIRT" and a bitmap with one bit
 * per 512 bytes of hive bins data; the pages whose bit is set follow,
 * in order, from the next 512-byte boundary.
 *
 * New log: base block, then from 512 a run of entries: "HvLE", size
 * at 4 (multiple of 512), flags at 8, sequence number at 12, hive bins
 * data size at 16, page count at 20, hash-1 at 24 (Marvin32 of bytes
 * 40..size), hash-2 at 32 (Marvin32 of bytes 0..32); then count
 * (offset, size) pairs relative to the hive bins, then the pages.
 * Entries apply in sequence from the log's own primary sequence
 * number; replay stops at the first entry that is not valid or not
 * the next in sequence.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "common/le.h"
#include "common/log.h"
#include "registry/hivelog.h"

#define LOG_BASE_BLOCK 512
#define HBIN_ALIGN 4096
#define ENTRY_HEADER 40

#define TYPE_PRIMARY 0
#define TYPE_LOG_OLD 1
#define TYPE_LOG_VERYOLD 2
#define TYPE_LOG_NEW 6

/* Base block fields. */
#define BB_SEQ1 4
#define BB_SEQ2 8
#define BB_TIME 12
#define BB_MAJOR 20
#define BB_MINOR 24
#define BB_TYPE 28
#define BB_FORMAT 32
#define BB_ROOT 36
#define BB_HBINS 40
#define BB_CLUSTER 44
#define BB_FLAGS 0x90
#define BB_REORG 0xa8
#define BB_CHECKSUM 0x1fc

/* One transaction log and, if it cannot be used, why. */
struct hlog {
  char name[64];                /* SYSTEM.LOG1 */
  unsigned bit;                 /* 1 or 2 */
  const uint8_t *d;
  size_t len;
  int type;                     /* TYPE_LOG_NEW, TYPE_LOG_OLD or -1 */
  char why[160];
};

/* The recovery in progress. */
struct replay {
  const uint8_t *hive;
  size_t hivelen;
  size_t max_len;
  uint8_t *out;                 /* the hive being recovered */
  size_t outlen;
  uint32_t hbins;               /* its hive bins data size */
  uint32_t flags;               /* its base block flags */
  const uint8_t *log_base;      /* base block of the first log applied */
  unsigned used, applied;
  bool any_seq;
  uint32_t last_seq;
};

uint32_t
wv_regf_checksum (const uint8_t *bb)
{
  uint32_t sum = 0;
  size_t i;

  for (i = 0; i < BB_CHECKSUM; i += 4)
    sum ^= get_le32 (bb + i);
  if (sum == 0)
    sum = 1;
  else if (sum == 0xffffffff)
    sum = 0xfffffffe;
  return sum;
}

static uint32_t
rotl (uint32_t x, unsigned n)
{
  return x << n | x >> (32 - n);
}

static void
marvin_mix (uint32_t *lo, uint32_t *hi, uint32_t v)
{
  *lo += v;
  *hi ^= *lo;
  *lo = rotl (*lo, 20) + *hi;
  *hi = rotl (*hi, 9) ^ *lo;
  *lo = rotl (*lo, 27) + *hi;
  *hi = rotl (*hi, 19);
}

uint64_t
wv_marvin32 (const uint8_t *data, size_t len)
{
  const uint64_t seed = UINT64_C (0x82EF4D887A4E55C5);
  uint32_t lo = (uint32_t) seed, hi = (uint32_t) (seed >> 32);
  size_t i;

  for (i = 0; i + 4 <= len; i += 4)
    marvin_mix (&lo, &hi, get_le32 (data + i));
  marvin_mix (&lo, &hi, 0x80);  /* the final block of a length % 4 == 0 */
  marvin_mix (&lo, &hi, 0);
  return (uint64_t) hi << 32 | lo;
}

/* a >= b in sequence-number arithmetic (numbers wrap at 2^32). */
static bool
seq_ge (uint32_t a, uint32_t b)
{
  return (int32_t) (a - b) >= 0;
}

static bool
hbins_size_ok (uint32_t size, size_t max_len)
{
  return size >= HBIN_ALIGN && size % HBIN_ALIGN == 0 &&
    size <= max_len - WV_REGF_BASE_BLOCK;
}

/* Is this log usable at all?  Sets l->type, or l->why. */
static void
check_log (struct hlog *l, size_t max_len)
{
  const uint8_t *d = l->d;
  uint32_t type;

  l->type = -1;
  if (d == NULL) {
    snprintf (l->why, sizeof l->why, "missing");
    return;
  }
  if (l->len == 0) {
    snprintf (l->why, sizeof l->why, "empty");
    return;
  }
  if (l->len < LOG_BASE_BLOCK + ENTRY_HEADER || memcmp (d, "regf", 4) != 0) {
    snprintf (l->why, sizeof l->why, "not a transaction log");
    return;
  }
  if (wv_regf_checksum (d) != get_le32 (d + BB_CHECKSUM)) {
    snprintf (l->why, sizeof l->why, "bad base block checksum");
    return;
  }
  if (get_le32 (d + BB_SEQ1) != get_le32 (d + BB_SEQ2)) {
    snprintf (l->why, sizeof l->why,
              "its own base block is dirty (sequence numbers %" PRIu32
              " and %" PRIu32 ")", get_le32 (d + BB_SEQ1),
              get_le32 (d + BB_SEQ2));
    return;
  }
  if (get_le32 (d + BB_MAJOR) != 1 || get_le32 (d + BB_MINOR) < 1 ||
      get_le32 (d + BB_MINOR) > 6 || get_le32 (d + BB_FORMAT) != 1 ||
      get_le32 (d + BB_CLUSTER) != 1) {
    snprintf (l->why, sizeof l->why, "unsupported format (version %" PRIu32
              ".%" PRIu32 ")", get_le32 (d + BB_MAJOR),
              get_le32 (d + BB_MINOR));
    return;
  }
  if (!hbins_size_ok (get_le32 (d + BB_HBINS), max_len)) {
    snprintf (l->why, sizeof l->why, "bad hive bins data size %" PRIu32,
              get_le32 (d + BB_HBINS));
    return;
  }
  type = get_le32 (d + BB_TYPE);
  if (type == TYPE_LOG_NEW || type == TYPE_LOG_OLD || type == TYPE_LOG_VERYOLD)
    l->type = type == TYPE_LOG_NEW ? TYPE_LOG_NEW : TYPE_LOG_OLD;
  else
    snprintf (l->why, sizeof l->why, "file type %" PRIu32
              " is not a transaction log", type);
}

/* Make the hive being recovered at least 4096 + hbins bytes long. */
static int
grow (struct replay *rp, uint32_t hbins)
{
  size_t need = (size_t) WV_REGF_BASE_BLOCK + hbins;
  uint8_t *p;

  if (need <= rp->outlen)
    return 0;
  p = realloc (rp->out, need);
  if (p == NULL) {
    wv_error ("realloc: %m");
    return -1;
  }
  memset (p + rp->outlen, 0, need - rp->outlen);
  rp->out = p;
  rp->outlen = need;
  return 0;
}

/* Apply an old-format log (the whole log or nothing). */
static int
apply_old (struct replay *rp, struct hlog *l)
{
  const uint8_t *d = l->d;
  uint32_t hbins = get_le32 (d + BB_HBINS);
  size_t bitmap = hbins / HBIN_ALIGN, pages, start, bit, k;

  if (get_le64 (d + BB_TIME) != get_le64 (rp->hive + BB_TIME)) {
    snprintf (l->why, sizeof l->why,
              "written at another time than the hive (last written "
              "timestamps differ)");
    return 0;
  }
  if (l->len < LOG_BASE_BLOCK + 4 + bitmap ||
      memcmp (d + LOG_BASE_BLOCK, "DIRT", 4) != 0) {
    snprintf (l->why, sizeof l->why, "no dirty vector");
    return 0;
  }
  start = LOG_BASE_BLOCK + 4 + bitmap;
  start = (start + 511) / 512 * 512;
  for (pages = bit = 0; bit < bitmap * 8; ++bit)
    pages += d[LOG_BASE_BLOCK + 4 + bit / 8] >> (bit % 8) & 1;
  if (pages == 0) {
    snprintf (l->why, sizeof l->why, "no dirty pages");
    return 0;
  }
  if (start > l->len || (l->len - start) / 512 < pages) {
    snprintf (l->why, sizeof l->why,
              "truncated (%zu dirty pages, room for %zu)", pages,
              start > l->len ? 0 : (l->len - start) / 512);
    return 0;
  }
  if (grow (rp, hbins) == -1)
    return -1;
  for (k = bit = 0; bit < bitmap * 8; ++bit)
    if (d[LOG_BASE_BLOCK + 4 + bit / 8] >> (bit % 8) & 1) {
      memcpy (rp->out + WV_REGF_BASE_BLOCK + bit * 512,
              d + start + k * 512, 512);
      k++;
    }
  rp->hbins = hbins;
  rp->flags = get_le32 (d + BB_FLAGS);
  rp->log_base = d;
  rp->used |= l->bit;
  rp->applied = pages;
  return 0;
}

/* Is the entry at pos a valid log entry with sequence number seq?
 * Returns its size, or 0 and says why in l->why.
 */
static uint32_t
check_entry (const struct replay *rp, struct hlog *l, size_t pos,
             uint32_t seq)
{
  const uint8_t *e = l->d + pos;
  size_t room = l->len - pos;
  uint32_t size, hbins, count, i;
  uint64_t total;

  if (room < ENTRY_HEADER || memcmp (e, "HvLE", 4) != 0) {
    snprintf (l->why, sizeof l->why, "no log entry at offset %zu", pos);
    return 0;
  }
  size = get_le32 (e + 4);
  hbins = get_le32 (e + 16);
  count = get_le32 (e + 20);
  if (size < 512 || size % 512 != 0 || size > room ||
      !hbins_size_ok (hbins, rp->max_len) || count == 0 ||
      count > (size - ENTRY_HEADER) / 8) {
    snprintf (l->why, sizeof l->why, "bad log entry at offset %zu", pos);
    return 0;
  }
  if (get_le64 (e + 32) != wv_marvin32 (e, 32) ||
      get_le64 (e + 24) != wv_marvin32 (e + ENTRY_HEADER,
                                        size - ENTRY_HEADER)) {
    snprintf (l->why, sizeof l->why,
              "log entry at offset %zu has a bad hash", pos);
    return 0;
  }
  if (get_le32 (e + 12) != seq) {
    snprintf (l->why, sizeof l->why,
              "log entry at offset %zu has sequence number %" PRIu32
              ", expected %" PRIu32, pos, get_le32 (e + 12), seq);
    return 0;
  }
  total = ENTRY_HEADER + (uint64_t) count * 8;
  for (i = 0; i < count; ++i) {
    uint32_t off = get_le32 (e + ENTRY_HEADER + i * 8);
    uint32_t len = get_le32 (e + ENTRY_HEADER + i * 8 + 4);

    total += len;
    if (len == 0 || (uint64_t) off + len > hbins || total > size) {
      snprintf (l->why, sizeof l->why,
                "log entry at offset %zu has a bad page reference", pos);
      return 0;
    }
  }
  return size;
}

/* Apply the entries of a new-format log, from its first one, while
 * they are valid and in sequence.  The first must be number first.
 */
static int
apply_new_entries (struct replay *rp, struct hlog *l, uint32_t first)
{
  size_t pos = LOG_BASE_BLOCK;
  uint32_t seq = first, size;
  unsigned n = 0;

  while (pos < l->len && (size = check_entry (rp, l, pos, seq)) != 0) {
    const uint8_t *e = l->d + pos;
    uint32_t count = get_le32 (e + 20), i;
    size_t src = pos + ENTRY_HEADER + (size_t) count * 8;

    if (grow (rp, get_le32 (e + 16)) == -1)
      return -1;
    for (i = 0; i < count; ++i) {
      uint32_t off = get_le32 (e + ENTRY_HEADER + i * 8);
      uint32_t len = get_le32 (e + ENTRY_HEADER + i * 8 + 4);

      memcpy (rp->out + WV_REGF_BASE_BLOCK + off, l->d + src, len);
      src += len;
    }
    rp->hbins = get_le32 (e + 16);
    rp->flags = (rp->flags & ~UINT32_C (1)) | (get_le32 (e + 8) & 1);
    rp->last_seq = seq;
    rp->any_seq = true;
    n++;
    pos += size;
    seq++;
  }
  if (n > 0) {
    if (rp->log_base == NULL)
      rp->log_base = l->d;
    rp->used |= l->bit;
    rp->applied += n;
  }
  return 0;
}

/* May this new-format log be applied to the hive?  Its base block
 * must not be older than the hive's last complete write.
 */
static bool
eligible (const struct replay *rp, struct hlog *l)
{
  uint32_t lseq = get_le32 (l->d + BB_SEQ1);
  uint32_t hseq = get_le32 (rp->hive + BB_SEQ2);

  if (!seq_ge (lseq, hseq)) {
    snprintf (l->why, sizeof l->why,
              "older than the hive (sequence number %" PRIu32 " < %" PRIu32
              ")", lseq, hseq);
    return false;
  }
  return true;
}

/* Apply LOG1 and LOG2 (new format): the one with the earlier entries
 * first, then the other if it continues the sequence.
 */
static int
apply_new (struct replay *rp, struct hlog *a, struct hlog *b)
{
  struct hlog *first = a, *second = b;

  if (a->type != TYPE_LOG_NEW)
    first = b, second = NULL;
  else if (b->type != TYPE_LOG_NEW)
    second = NULL;
  else if (!seq_ge (get_le32 (b->d + BB_SEQ1), get_le32 (a->d + BB_SEQ1)))
    first = b, second = a;

  if (eligible (rp, first) &&
      apply_new_entries (rp, first, get_le32 (first->d + BB_SEQ1)) == -1)
    return -1;
  if (second == NULL || !eligible (rp, second))
    return 0;
  if (rp->any_seq) {
    if (get_le32 (second->d + BB_SEQ1) != rp->last_seq + 1) {
      snprintf (second->why, sizeof second->why,
                "does not continue the other log (sequence number %" PRIu32
                ", expected %" PRIu32 ")", get_le32 (second->d + BB_SEQ1),
                rp->last_seq + 1);
      return 0;
    }
  }
  return apply_new_entries (rp, second, get_le32 (second->d + BB_SEQ1));
}

static void
see (uint32_t *max, uint32_t v)
{
  if (v > *max)
    *max = v;
}

/* The highest sequence number anywhere in the hive or its logs: base
 * blocks, and every entry header with a valid header hash, applied or
 * not, even in a log whose base block is damaged.  The recovered hive
 * is numbered above it.
 */
static uint32_t
highest_seq (const uint8_t *hive, const struct hlog *logs)
{
  uint32_t max = get_le32 (hive + BB_SEQ1);
  size_t i, pos;

  see (&max, get_le32 (hive + BB_SEQ2));
  for (i = 0; i < 2; ++i) {
    const uint8_t *d = logs[i].d;

    if (d == NULL || logs[i].len < LOG_BASE_BLOCK)
      continue;
    if (memcmp (d, "regf", 4) == 0) {
      see (&max, get_le32 (d + BB_SEQ1));
      see (&max, get_le32 (d + BB_SEQ2));
    }
    for (pos = LOG_BASE_BLOCK; pos + ENTRY_HEADER <= logs[i].len; pos += 512)
      if (memcmp (d + pos, "HvLE", 4) == 0 &&
          get_le64 (d + pos + 32) == wv_marvin32 (d + pos, 32))
        see (&max, get_le32 (d + pos + 12));
  }
  return max;
}

/* Every hive bin of the result is in place. */
static int
check_bins (const struct replay *rp, const char *what)
{
  size_t pos = 0;

  while (pos < rp->hbins) {
    const uint8_t *b = rp->out + WV_REGF_BASE_BLOCK + pos;
    uint32_t size;

    if (memcmp (b, "hbin", 4) != 0 || get_le32 (b + 4) != pos ||
        (size = get_le32 (b + 8)) < HBIN_ALIGN || size % HBIN_ALIGN != 0 ||
        size > rp->hbins - pos) {
      wv_error ("the %s replayed from its transaction logs has a bad hive "
                "bin at offset %zu: the logs do not match the hive; boot "
                "the VM and shut it down cleanly, then try again",
                what, WV_REGF_BASE_BLOCK + pos);
      return -1;
    }
    pos += size;
  }
  return 0;
}

/* Write the recovered base block: the hive's own, with the log's view
 * of the fields a write changes, clean, numbered seq.
 */
static void
write_base_block (struct replay *rp, uint32_t seq)
{
  uint8_t *bb = rp->out;
  const uint8_t *lb = rp->log_base;

  memcpy (bb + BB_TIME, lb + BB_TIME, 8);
  memcpy (bb + BB_MINOR, lb + BB_MINOR, 4);
  memcpy (bb + BB_ROOT, lb + BB_ROOT, 4);
  memcpy (bb + BB_REORG, lb + BB_REORG, 8);
  put_le32 (bb + BB_SEQ1, seq);
  put_le32 (bb + BB_SEQ2, seq);
  put_le32 (bb + BB_TYPE, TYPE_PRIMARY);
  put_le32 (bb + BB_HBINS, rp->hbins);
  put_le32 (bb + BB_FLAGS, rp->flags);
  put_le32 (bb + BB_CHECKSUM, wv_regf_checksum (bb));
}

int
wv_hivelog_replay (const uint8_t *hive, size_t len,
                   const uint8_t *log1, size_t log1len,
                   const uint8_t *log2, size_t log2len, bool single,
                   const char *name, const char *what, size_t max_len,
                   struct wv_hivelog_result *r)
{
  const size_t nr_logs = single ? 1 : 2;
  struct hlog logs[2] = {
    { .bit = 1, .d = log1, .len = log1len },
    { .bit = 2, .d = log2, .len = log2len },
  };
  struct replay rp = {
    .hive = hive, .hivelen = len, .max_len = max_len,
    .flags = get_le32 (hive + BB_FLAGS),
  };
  uint32_t seq;
  size_t i;

  memset (r, 0, sizeof *r);
  if (len < WV_REGF_BASE_BLOCK || len > max_len ||
      max_len < WV_REGF_BASE_BLOCK + HBIN_ALIGN) {
    wv_error ("the %s is too short or too large to replay", what);
    return -1;
  }
  if (single && log2) {
    wv_error ("internal error: a single log and a second one");
    return -1;
  }
  for (i = 0; i < 2; ++i) {
    if (single)
      snprintf (logs[i].name, sizeof logs[i].name, "%s.LOG", name);
    else
      snprintf (logs[i].name, sizeof logs[i].name, "%s.LOG%zu", name, i + 1);
    check_log (&logs[i], max_len);
  }

  rp.out = malloc (len);
  if (rp.out == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  memcpy (rp.out, hive, len);
  rp.outlen = len;

  /* Windows prefers the new format; old logs are tried LOG1 first. */
  if (logs[0].type == TYPE_LOG_NEW || logs[1].type == TYPE_LOG_NEW) {
    r->new_format = true;
    if (apply_new (&rp, &logs[0], &logs[1]) == -1)
      goto err;
  }
  else
    for (i = 0; i < 2 && rp.applied == 0; ++i)
      if (logs[i].type == TYPE_LOG_OLD && apply_old (&rp, &logs[i]) == -1)
        goto err;

  if (rp.applied == 0 && nr_logs == 1) {
    wv_error ("the %s is dirty (base block sequence numbers %" PRIu32
              " and %" PRIu32 " differ) and its transaction log cannot be "
              "replayed (%s: %s): Windows was not shut down cleanly; "
              "boot the VM and shut it down cleanly, then try again",
              what, get_le32 (hive + BB_SEQ1), get_le32 (hive + BB_SEQ2),
              logs[0].name, logs[0].why);
    goto err;
  }
  if (rp.applied == 0) {
    wv_error ("the %s is dirty (base block sequence numbers %" PRIu32
              " and %" PRIu32 " differ) and its transaction logs cannot be "
              "replayed (%s: %s; %s: %s): Windows was not shut down cleanly; "
              "boot the VM and shut it down cleanly, then try again",
              what, get_le32 (hive + BB_SEQ1), get_le32 (hive + BB_SEQ2),
              logs[0].name, logs[0].why, logs[1].name, logs[1].why);
    goto err;
  }
  if (check_bins (&rp, what) == -1)
    goto err;

  seq = highest_seq (hive, logs);
  if (rp.any_seq && rp.last_seq > seq)
    seq = rp.last_seq;
  if (seq == UINT32_MAX) {
    wv_error ("the %s's sequence numbers have reached their limit: boot "
              "the VM and shut it down cleanly, then try again", what);
    goto err;
  }
  seq++;
  write_base_block (&rp, seq);

  r->data = rp.out;
  r->len = rp.outlen;
  r->logs_used = rp.used;
  r->applied = rp.applied;
  r->last_seq = rp.last_seq;
  r->seq = seq;
  return 0;

 err:
  free (rp.out);
  return -1;
}
