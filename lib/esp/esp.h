/* winvirtio: the changes made to one EFI system partition: the
 * fallback loader and the BCD's default entry (as virt-v2v's
 * fix_win_esp).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The ESP is read through the overlay (only the boot sector, reserved
 * sectors, FATs, the directories on the paths and the files compared),
 * changed by mtools in a scratch copy (esp/scratch.h), and the
 * changed sectors are written into the overlay, all or nothing.
 */

#ifndef WINVIRTIO_ESP_ESP_H
#define WINVIRTIO_ESP_ESP_H

#include <stdio.h>

#include "disk/overlay.h"
#include "disk/partition.h"
#include "ntfs/labels.h"

/* Fix the ESP part for Windows of architecture arch (virtio-win's
 * name: amd64, x86, ARM64); say what was done, or why the ESP was
 * left as it is, on log (one line each, "EFI system partition N:
 * ...").  Labels what it changed.  A problem with the ESP itself (not
 * FAT, damaged, no bootmgfw.efi, a dirty or damaged BCD, mtools
 * failing) leaves it unchanged with a warning and returns 0; -1 after
 * wv_error only when planning cannot go on (no scratch space, a
 * failure while the overlay is being written).  disk is the disk's
 * name, as the log puts it in front of messages.
 */
extern int wv_esp_fix (struct wv_overlay *ov, const struct wv_partition *part,
                       const char *arch, const char *disk,
                       struct wv_labels *labels, FILE *log);

#endif /* WINVIRTIO_ESP_ESP_H */
