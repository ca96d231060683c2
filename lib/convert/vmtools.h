/* winvirtio: VMware Tools' services that are useless on KVM, disabled
 * on request (--vmware-tools=disable).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_VMTOOLS_H
#define WINVIRTIO_VMTOOLS_H

#include <stdbool.h>
#include <stdio.h>

/* From <hivex.h>: only the code that edits hives includes it. */
struct hive_h;

#include "registry/windows.h"

/* With disable, set Start=4 (disabled) for each service of the list
 * in vmtools.c that is there, is VMware's (its ImagePath or
 * DisplayName says VMware) and that no other service depends on
 * (DependOnService); without, only say which are running.  Each is
 * reported on log.  Returns 0 or -1.
 */
extern int wv_vmtools_fix (struct hive_h *h, const struct wv_windows *w,
                           bool disable, FILE *log, bool *changed_r);

#endif /* WINVIRTIO_VMTOOLS_H */
