/* winvirtio: the VirtIO driver folder in DevicePath, before Windows 8.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Before Windows 8, Plug and Play looks for the driver of a new
 * device in the folders listed in the SOFTWARE hive's
 * Microsoft\Windows\CurrentVersion DevicePath (REG_EXPAND_SZ,
 * ';'-separated, "%SystemRoot%\inf" on a fresh install).  The planner
 * copies every package to Windows\Drivers\VirtIO; adding that folder
 * to DevicePath, as virt-v2v does (convert/convert_windows.ml,
 * update_software_hive), lets Windows find NetKVM, balloon, vioserial
 * and the rest at first boot with no script.
 */

#ifndef WINVIRTIO_DEVICEPATH_H
#define WINVIRTIO_DEVICEPATH_H

#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

/* The folder, as it is added (after a ';'). */
#define WV_DEVICEPATH_VIRTIO "%SystemRoot%\\Drivers\\VirtIO"

/* The key, from the root of the SOFTWARE hive. */
#define WV_DEVICEPATH_KEY "Microsoft\\Windows\\CurrentVersion"

enum wv_devicepath_state {
  WV_DEVICEPATH_NO_KEY,         /* no Microsoft\Windows\CurrentVersion */
  WV_DEVICEPATH_NO_VALUE,       /* the key has no DevicePath */
  WV_DEVICEPATH_NOT_STRING,     /* DevicePath is not a UTF-16 string */
  WV_DEVICEPATH_WITHOUT,        /* DevicePath lacks the folder */
  WV_DEVICEPATH_WITH,           /* DevicePath lists the folder already */
};

/* What the SOFTWARE hive h's DevicePath says about the folder.  Its
 * value as UTF-8 goes to *value_r (malloc'd; NULL unless the state is
 * WITH or WITHOUT) if value_r is not NULL.  Returns 0, or -1 after
 * wv_error (out of memory, or hivex cannot read the value).
 */
extern int wv_devicepath_state (struct hive_h *h,
                                enum wv_devicepath_state *state_r,
                                char **value_r);

/* A line for the state, for logs and reports ("DevicePath already
 * lists %SystemRoot%\Drivers\VirtIO", ...).
 */
extern const char *wv_devicepath_describe (enum wv_devicepath_state state);

/* Append ";%SystemRoot%\Drivers\VirtIO" to DevicePath unless it lists
 * the folder already (compared without regard to case), keeping the
 * value's type and its terminating NUL, and say so on log.  A missing
 * key or value, or one that is not a string, is not an error (virt-v2v
 * ignores it): a "warning:" line on log says so and nothing is
 * created.  *state_r is the state found: the hive was changed if it
 * is WV_DEVICEPATH_WITHOUT.  Returns 0 or -1 after wv_error.
 */
extern int wv_devicepath_add (struct hive_h *h, FILE *log,
                              enum wv_devicepath_state *state_r);

#endif /* WINVIRTIO_DEVICEPATH_H */
