/* winvirtio fuzzing: what every harness shares.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Each fuzzing/fuzz-*.c is one libFuzzer harness: it defines
 * LLVMFuzzerTestOneInput and is linked by fuzzing/build.sh with this
 * file's fuzz-common.c and the engine (the lib/ sources) built with the fuzzer
 * and sanitizer flags.  See fuzzing/README.md.
 */

#ifndef WINVIRTIO_FUZZ_COMMON_H
#define WINVIRTIO_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "disk/source.h"

/* Silence the engine's error messages (every rejected input would
 * print one); WV_FUZZ_VERBOSE=1 in the environment keeps them.
 * Call once, e.g. from LLVMFuzzerInitialize.
 */
extern void wv_fuzz_quiet (void);

/* A source whose bytes are data[0..len), followed by zeros up to size
 * (size >= len; pass len for none).  data is not copied: it must live
 * as long as the source.  Returns NULL on error.
 */
extern struct wv_source *wv_fuzz_source (const uint8_t *data, size_t len,
                                         uint64_t size);

/* Write data to a private scratch file (created once per process, in
 * $TMPDIR or /tmp, unlinked at exit) and return its path, or NULL.
 */
extern const char *wv_fuzz_file (const uint8_t *data, size_t len);

#endif /* WINVIRTIO_FUZZ_COMMON_H */
