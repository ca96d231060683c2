/* winvirtio: the architecture of a Windows whose SYSTEM hive does not
 * name it, from System32\cmd.exe's PE header.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PLAN_ARCH_H
#define WINVIRTIO_PLAN_ARCH_H

#include "ntfs/ntfs.h"
#include "registry/windows.h"

/* If w->arch is "" (PROCESSOR_ARCHITECTURE absent), set it (and
 * w->arch_source) from the machine of <system32>\cmd.exe in the
 * volume v.  Returns 0, or -1 after wv_error if cmd.exe is missing,
 * not a PE image, or for a machine virtio-win has no drivers for.
 */
extern int wv_plan_arch_from_cmd (struct wv_ntfs *v, const char *system32,
                                  struct wv_windows *w);

#endif /* WINVIRTIO_PLAN_ARCH_H */
