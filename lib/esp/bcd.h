/* winvirtio: the one change made to an ESP's boot configuration
 * (\EFI\Microsoft\Boot\BCD, a registry hive), with hivex.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * As virt-v2v's fix_win_uefi_bcd: element 16000046
 * (graphicsmodedisabled) of the default boot entry, the object named
 * by the boot manager's element 23000003, is removed.  Nothing else
 * changes.
 */

#ifndef WINVIRTIO_ESP_BCD_H
#define WINVIRTIO_ESP_BCD_H

#include <stddef.h>
#include <stdint.h>

/* The result of wv_esp_bcd_edit. */
enum wv_bcd_result {
  WV_BCD_ERROR = -1,            /* damaged, dirty, ...: wv_error said why */
  WV_BCD_UNCHANGED = 0,         /* no 16000046 in the default entry */
  WV_BCD_CHANGED = 1,           /* *out_r is the new hive (malloc'd) */
};

/* Edit the BCD hive data.  *entry_r (if not NULL) gets the default
 * entry's GUID, or "" if there is none.
 */
extern enum wv_bcd_result wv_esp_bcd_edit (const uint8_t *data, size_t len,
                                           uint8_t **out_r, size_t *outlen_r,
                                           char entry_r[40]);

#endif /* WINVIRTIO_ESP_BCD_H */
