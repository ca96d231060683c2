/* winvirtio: running mtools (mcopy, mmd) on an ESP's scratch copy.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Every write to a FAT file system goes through mtools, a maintained
 * FAT implementation (Debian package mtools), never through a FAT
 * writer of ours.
 */

#ifndef WINVIRTIO_ESP_MTOOLS_H
#define WINVIRTIO_ESP_MTOOLS_H

#include <stdint.h>

/* Run argv (argv[0] found on $PATH, or in $WINVIRTIO_MTOOLS_DIR) with
 * stdin from /dev/null, no LD_PRELOAD or MTOOLS_* settings of ours,
 * TZ=UTC0, MTOOLSRC=/dev/null and
 * SOURCE_DATE_EPOCH=epoch (so what mtools stamps is the same on every
 * run).  Returns 0 if it exits with 0, else -1 after one wv_error
 * line with the first line mtools printed.
 */
extern int wv_esp_mtools_run (const char *const *argv, int64_t epoch);

/* Write data to a private temporary file with modification time
 * mtime (seconds since 1970, UTC), for mcopy -m.  Returns its
 * descriptor, with its name for mcopy in *path_r (common/tempfile.h:
 * the caller closes the descriptor after mcopy, then calls
 * wv_temp_file_remove), or -1.
 */
extern int wv_esp_mtools_stage (const uint8_t *data, size_t len,
                                int64_t mtime, char **path_r);

#endif /* WINVIRTIO_ESP_MTOOLS_H */
