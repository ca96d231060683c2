/* winvirtio fuzzing: the BCD edit of lib/esp/.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * libFuzzer harness over wv_esp_bcd_edit (lib/esp/bcd.c: the base
 * block check, hivex opening the hive, the boot manager's 23000003,
 * the default entry's 16000046 deleted, the commit).  The base
 * block's checksum is recomputed so that mutations get past it.  A
 * hive that was changed must pass the check again and reopen with
 * hivex, and a second edit runs on it (it must not crash; a mutated
 * hive may hold the element twice).  Seeds: the
 * corpus's BCD hives (fuzzing/seeds.sh).  Built and run by
 * fuzzing/build.sh and fuzzing/run.sh.
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/le.h"
#include "esp/bcd.h"
#include "fuzz-common.h"
#include "registry/hive.h"
#include "registry/hivelog.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t len)
{
  uint8_t *d, *out = NULL, *again = NULL;
  size_t outlen = 0, againlen = 0;
  char entry[40];

  if (len > 4 * 1024 * 1024)
    return 0;
  wv_fuzz_quiet ();
  d = malloc (len ? len : 1);
  if (d == NULL)
    abort ();
  memcpy (d, data, len);
  if (len >= 512)
    put_le32 (d + 0x1fc, wv_regf_checksum (d));
  if (wv_esp_bcd_edit (d, len, &out, &outlen, entry) == WV_BCD_CHANGED) {
    if (wv_hive_check (out, outlen, "BCD") == -1)
      abort ();
    /* A mutated hive may hold the element twice, or damage hivex
     * reaches only now: the second edit just must not crash.
     */
    (void) wv_esp_bcd_edit (out, outlen, &again, &againlen, entry);
  }
  free (again);
  free (out);
  free (d);
  return 0;
}
