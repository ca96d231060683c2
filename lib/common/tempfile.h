/* winvirtio: private temporary files of the host, in $TMPDIR.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_TEMPFILE_H
#define WINVIRTIO_TEMPFILE_H

#include <stddef.h>
#include <stdint.h>

/* Create $TMPDIR/winvirtio-NAME-XXXXXX (/var/tmp when TMPDIR is unset
 * or empty), mode 0600, close-on-exec.  Returns its descriptor, with
 * its malloc'd path in *path_r (the caller unlinks and frees it), or,
 * if path_r is NULL, already unlinked.  Returns -1 after wv_error.
 */
extern int wv_temp_file (const char *name, char **path_r);

/* The same, holding len bytes of data.  On failure the file is
 * removed and -1 returned after wv_error.
 */
extern int wv_temp_file_write (const char *name, const uint8_t *data,
                               size_t len, char **path_r);

#endif /* WINVIRTIO_TEMPFILE_H */
