/* winvirtio: replaying a dirty registry hive's transaction logs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * When Windows stops without writing a hive back (power cut, crash,
 * or a disk copied while it ran), the hive's base block has two
 * different sequence numbers and its latest state is in the
 * transaction logs beside it (NAME.LOG1, NAME.LOG2).  hivex does not
 * read the logs; this module applies them, as Windows does at the
 * next boot, and returns the recovered hive with a clean base block.
 *
 * Both log formats are read: the old one (Windows XP to 8: a base
 * block, a "DIRT" bitmap of 512-byte pages and the pages) and the new
 * one (Windows 8.1 and later: "HvLE" entries with Marvin32 hashes and
 * sequence numbers, spread over LOG1 and LOG2).  The layout and the
 * rules follow Maxim Suhanov's "Windows registry file format
 * specification" (github.com/msuhanov/regf).
 *
 * Every offset and length read from the files is checked; a log that
 * is damaged, dirty itself, or does not belong to this hive is not
 * used, and if nothing can be applied the hive is refused with one
 * message naming each log and what is wrong with it.
 *
 * The logs themselves are not changed.  Windows ignores the logs of a
 * clean hive, and the recovered base block gets a sequence number
 * above every sequence number found in either log, so no stale log
 * entry can ever look newer than the hive.
 */

#ifndef WINVIRTIO_HIVELOG_H
#define WINVIRTIO_HIVELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WV_REGF_BASE_BLOCK 4096

struct wv_hivelog_result {
  uint8_t *data;                /* the recovered hive (malloc'd) */
  size_t len;
  bool new_format;              /* HvLE logs (else old DIRT logs) */
  unsigned logs_used;           /* bit 0: LOG1 applied, bit 1: LOG2 */
  unsigned applied;             /* log entries (new) or 512-byte pages (old) */
  uint32_t last_seq;            /* new format: sequence number of the
                                   last entry applied */
  uint32_t seq;                 /* both sequence numbers of the new
                                   base block */
};

/* The XOR-32 checksum of a 512-byte regf base block, as Windows
 * computes it (0 becomes 1, 0xffffffff becomes 0xfffffffe).
 */
extern uint32_t wv_regf_checksum (const uint8_t *base_block);

/* Marvin32 hash (seed 0x82EF4D887A4E55C5, as in log entries) of len
 * bytes; len must be a multiple of 4 (it always is in a log entry).
 */
extern uint64_t wv_marvin32 (const uint8_t *data, size_t len);

/* Replay the logs of a dirty hive.  hive must have a valid base block
 * (wv_hive_check_base); log1/log2 are the contents of NAME.LOG1 and
 * NAME.LOG2, or NULL if the file does not exist.  With single, log1 is
 * the one NAME.LOG of Windows before Vista (old format, the same as an
 * old LOG1) and log2 is NULL.  name is the hive's
 * file name ("SYSTEM"), what its description in messages ("SYSTEM
 * hive").  The recovered hive is never more than max_len bytes.
 * Returns 0 and fills *r, or -1 after wv_error.
 */
extern int wv_hivelog_replay (const uint8_t *hive, size_t len,
                              const uint8_t *log1, size_t log1len,
                              const uint8_t *log2, size_t log2len,
                              bool single,
                              const char *name, const char *what,
                              size_t max_len,
                              struct wv_hivelog_result *r);

#endif /* WINVIRTIO_HIVELOG_H */
