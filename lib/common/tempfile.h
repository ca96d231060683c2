/* winvirtio: private temporary files of the host, in $TMPDIR.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_TEMPFILE_H
#define WINVIRTIO_TEMPFILE_H

#include <stddef.h>
#include <stdint.h>

/* Create $TMPDIR/winvirtio-NAME-XXXXXX (/var/tmp when TMPDIR is unset
 * or empty), mode 0600, close-on-exec.  Returns its descriptor, or -1
 * after wv_error.
 *
 * These files hold guest data (hives, the ESP), so none keeps its name
 * in $TMPDIR: nothing is left there even if the process is killed.
 * With path_r NULL the name is removed at once.  Otherwise *path_r is
 * a malloc'd name by which this process and the programs it runs
 * (hivex, mtools, a forked child) reach the file while the descriptor
 * is open: /proc/PID/fd/N, checked to be this very file, with the
 * $TMPDIR name removed; or, where /proc does not show it, the $TMPDIR
 * name itself.  Either way the caller keeps the descriptor open while
 * it uses the name, then calls wv_temp_file_remove.
 */
extern int wv_temp_file (const char *name, char **path_r);

/* Remove a name wv_temp_file gave (if it is the $TMPDIR one) and free
 * it.  NULL is ignored.
 */
extern void wv_temp_file_remove (char *path);

/* The same, holding len bytes of data (path_r is required).  On
 * failure the file is removed and -1 returned after wv_error.
 */
extern int wv_temp_file_write (const char *name, const uint8_t *data,
                               size_t len, char **path_r);

#endif /* WINVIRTIO_TEMPFILE_H */
