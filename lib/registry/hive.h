/* winvirtio: staging a registry hive between NTFS and hivex.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * hivex opens hives by file name only, so a hive read out of NTFS is
 * written to a private temporary file ($TMPDIR, default /var/tmp),
 * opened there, and read back after hivex_commit.
 */

#ifndef WINVIRTIO_HIVE_H
#define WINVIRTIO_HIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hivex.h>

#include "ntfs/ntfs.h"
#include "registry/hivelog.h"

/* hivex opens and commits a hive by name: the hive is staged in a
 * temporary file (common/tempfile.h), open while path is set.
 */
struct wv_hive {
  char *path;                   /* the name hivex uses; NULL: none */
  int fd;                       /* the staged file, while path is set */
  hive_h *h;
};

/* Check a hive's 4096-byte base block: signature, checksum, that
 * the two sequence numbers agree (else Windows left changes in the
 * .LOG1/.LOG2 files) and that the file holds the hive bins it
 * declares.  what names the hive in messages.
 */
extern int wv_hive_check (const uint8_t *data, size_t len, const char *what);

/* Do the base block's sequence numbers differ (Windows left changes
 * in the logs)?  False for anything that is not a hive.
 */
extern bool wv_hive_is_dirty (const uint8_t *data, size_t len);

/* The same checks, but a dirty hive is recovered from its logs
 * (log1/log2: the contents of NAME.LOG1/NAME.LOG2, NULL if missing;
 * with single, log1 is NAME.LOG, see wv_hive_read_logs):
 * then r->data is the recovered hive (malloc'd: the caller frees it)
 * and is what must be edited and written back; r->data is NULL if the
 * hive was clean.  See hivelog.h.
 */
extern int wv_hive_prepare (const uint8_t *data, size_t len,
                            const uint8_t *log1, size_t log1len,
                            const uint8_t *log2, size_t log2len,
                            bool single, const char *name, const char *what,
                            size_t max_len, struct wv_hivelog_result *r);

/* The transaction logs of a hive on an NTFS volume. */
struct wv_hive_logs {
  uint8_t *log1, *log2;         /* NULL if the file does not exist */
  size_t log1len, log2len;
  bool single;                  /* log1 is NAME.LOG, log2 is NULL */
};

/* Read the logs of the hive at path (at most max_len bytes each):
 * NAME.LOG1 and NAME.LOG2, the two logs of Windows Vista and later;
 * or, when neither exists or has anything in it, the single NAME.LOG
 * of Windows XP and Server 2003 if it has something in it (Vista and
 * later may keep an empty or stale NAME.LOG beside the two).  Returns 0
 * or -1 after wv_error; free with wv_hive_logs_free.
 */
extern int wv_hive_read_logs (struct wv_ntfs *v, const char *path,
                              size_t max_len, struct wv_hive_logs *l);
extern void wv_hive_logs_free (struct wv_hive_logs *l);

/* Stage data and open it with hivex (writable or not).  Returns 0 or
 * -1.
 */
extern int wv_hive_open (struct wv_hive *hive, const uint8_t *data,
                         size_t len, int writable, const char *what);

/* Commit hivex's changes and read the whole new hive back. */
extern int wv_hive_commit (struct wv_hive *hive, uint8_t **data_r,
                           size_t *len_r);

/* Close hivex and remove the temporary file. */
extern void wv_hive_close (struct wv_hive *hive);

#endif /* WINVIRTIO_HIVE_H */
